"""Harvest sources, job leases and job reports: the bookkeeping around `harvesters.base.run`.

A running job *is* the source's lease. A partial unique index allows one running job per source, so two
workers can never both hold it; a worker that died is recognised by a stale heartbeat or, on the same
host, by its pid being gone, and its job is marked failed so the next run can proceed.
"""

from __future__ import annotations

import os
import socket
import threading
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.store import CatalogStore
from catalog.tables import DatasetRow, ValidationRow, utcnow
from harvesters.source import HarvestError, SourceConfig
from harvesters.tables import COUNTS, HarvestJob, HarvestPage, HarvestRecord, HarvestSource

LEASE_TIMEOUT = 60.0
IN_CHUNK = 500  # values per IN (...) list: well below every backend's bound-parameter limit


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def source_key(name: str) -> str:
    """The value of `datasets.source` for records this harvest source owns."""
    return f"harvest:{name}"


# -- sources ------------------------------------------------------------------------------------------
def save_source(store: CatalogStore, cfg: SourceConfig, *, withdraw_threshold: float | None = None,
                schedule: str | None = None) -> int:
    """Create or update the source named `cfg.name`; return its id."""
    with store.sessions.begin() as s:
        row = s.scalar(select(HarvestSource).where(HarvestSource.name == cfg.name))
        if row is None:
            row = HarvestSource(name=cfg.name, withdraw_threshold=0.2)
            s.add(row)
        row.type, row.url, row.publisher, row.config = cfg.type, cfg.url, cfg.publisher, dict(cfg.config)
        row.updated_at = utcnow()
        if withdraw_threshold is not None:
            row.withdraw_threshold = withdraw_threshold
        if schedule is not None:
            row.schedule = schedule
        s.flush()
        return row.id


def get_source(store: CatalogStore, name: str) -> SourceConfig:
    with store.sessions() as s:
        row = s.scalar(select(HarvestSource).where(HarvestSource.name == name))
    if row is None:
        raise HarvestError(f"no harvest source named {name!r}")
    return SourceConfig(row.name, row.url, row.type, row.publisher, dict(row.config or {}))


def list_sources(store: CatalogStore) -> list[HarvestSource]:
    with store.sessions() as s:
        return list(s.scalars(select(HarvestSource).order_by(HarvestSource.name)))


def list_jobs(store: CatalogStore, name: str | None = None, limit: int = 50) -> list[tuple[HarvestJob, str]]:
    query = (select(HarvestJob, HarvestSource.name).join(HarvestSource)
             .order_by(HarvestJob.id.desc()).limit(limit))
    if name:
        query = query.where(HarvestSource.name == name)
    with store.sessions() as s:
        return [(job, source) for job, source in s.execute(query)]


# -- leases -------------------------------------------------------------------------------------------
def acquire(store: CatalogStore, source_id: int, *, dry_run: bool,
            lease_timeout: float = LEASE_TIMEOUT) -> int:
    """Start a job for the source, taking over from a dead worker; refuse while a live one runs."""
    try:
        with store.sessions.begin() as s:
            for job in s.scalars(select(HarvestJob).where(HarvestJob.source_id == source_id,
                                                          HarvestJob.status == "running")):
                why = dead_reason(job, lease_timeout)
                if why is None:
                    raise HarvestError(
                        f"source is being harvested by job {job.id} ({job.lease_owner}, "
                        f"last heartbeat {age(job.heartbeat_at):.0f} s ago); try again later")
                job.status, job.finished_at = "failed", utcnow()
                job.fatal_error = f"worker died ({why})"
            s.flush()
            now = utcnow()
            job = HarvestJob(source_id=source_id, status="running", dry_run=dry_run, started_at=now,
                             heartbeat_at=now, lease_owner=owner_id(), gather_complete=False, notes=[],
                             **dict.fromkeys(COUNTS, 0))
            s.add(job)
            s.flush()
            return job.id
    except IntegrityError as exc:
        raise HarvestError("another job for this source started at the same moment; try again") from exc


def dead_reason(job: HarvestJob, lease_timeout: float) -> str | None:
    """Why the worker holding `job` is known to be dead, or None if it may be alive."""
    stale = age(job.heartbeat_at)
    if stale > lease_timeout:
        return f"no heartbeat for {stale:.0f} s"
    host, _, pid = (job.lease_owner or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
        return f"process {pid} on {host} is gone"
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def age(moment: datetime | None) -> float:
    if moment is None:
        return float("inf")
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return (utcnow() - moment).total_seconds()


def finish(store: CatalogStore, job_id: int, status: str, counts: dict[str, int], *, gather_complete: bool,
           fatal_error: str | None, notes: list[str], outcomes: list[dict] | None = None) -> None:
    """Close the job. A dry run's per-record `outcomes` ride in its `notes` JSON as one trailing
    {"outcomes": [...]} entry (the records' own rows were rolled back); `load_report` takes it apart."""
    stored: list[Any] = [*notes, {"outcomes": outcomes}] if outcomes else list(notes)
    with store.sessions.begin() as s:
        s.execute(update(HarvestJob).where(HarvestJob.id == job_id).values(
            status=status, finished_at=utcnow(), heartbeat_at=utcnow(), gather_complete=gather_complete,
            fatal_error=fatal_error, notes=stored, **counts))


class Heartbeat:
    """Refresh the lease (and the live counts) from a background thread while a job runs, so a slow
    page or a long validation batch never makes a live worker look dead."""

    def __init__(self, store: CatalogStore, job_id: int, counts: dict[str, int], interval: float) -> None:
        self.store, self.job_id, self.counts, self.interval = store, job_id, counts, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"harvest-heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                with self.store.sessions.begin() as s:
                    s.execute(update(HarvestJob).where(HarvestJob.id == self.job_id,
                                                       HarvestJob.status == "running")
                              .values(heartbeat_at=utcnow(), **dict(self.counts)))
            except Exception:  # noqa: BLE001, S112 - a missed beat is retried; the job itself reports errors
                continue


# -- remembered pages ---------------------------------------------------------------------------------
def remembered_page(store: CatalogStore, source_id: int, url: str,
                    digest: str) -> tuple[str | None, list[str]] | None:
    """(next url, remote ids) of a page whose bytes are unchanged since a run stored every record it
    lists; None when the page must be harvested normally (new or changed page, or one of its records
    failed, was a duplicate or was withdrawn since: those are retried as a record-by-record run would)."""
    with store.sessions() as s:
        page = s.scalar(select(HarvestPage).where(HarvestPage.source_id == source_id, HarvestPage.url == url))
        if page is None or page.digest != digest:
            return None
        ids = list(page.remote_ids)
        ok = sum(s.scalar(select(func.count(HarvestRecord.id)).where(
            HarvestRecord.source_id == source_id, HarvestRecord.status == "ok",
            HarvestRecord.remote_id.in_(chunk))) or 0 for chunk in _chunks(ids))
    return (page.next_url, ids) if ok == len(ids) else None


def mark_seen(s: Session, source_id: int, job_id: int, remote_ids: list[str]) -> None:
    """Record that this job's gather saw these (unchanged) records: one UPDATE per IN_CHUNK ids."""
    for chunk in _chunks(remote_ids):
        s.execute(update(HarvestRecord).where(HarvestRecord.source_id == source_id,
                                              HarvestRecord.remote_id.in_(chunk)).values(last_job_id=job_id))


def remember_page(store: CatalogStore, source_id: int, job_id: int, url: str, digest: str,
                  next_url: str | None, remote_ids: list[str]) -> None:
    """Called only after the page's records are committed, so a remembered page is always stored."""
    with store.sessions.begin() as s:
        page = s.scalar(select(HarvestPage).where(HarvestPage.source_id == source_id, HarvestPage.url == url))
        if page is None:
            page = HarvestPage(source_id=source_id, url=url)
            s.add(page)
        page.digest, page.next_url, page.remote_ids = digest, next_url, remote_ids
        page.last_job_id, page.updated_at = job_id, utcnow()


def forget_pages(store: CatalogStore, source_id: int, job_id: int) -> None:
    """Drop pages a complete gather no longer reached (a shorter listing)."""
    with store.sessions.begin() as s:
        s.execute(delete(HarvestPage).where(HarvestPage.source_id == source_id,
                                            HarvestPage.last_job_id != job_id))


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i:i + IN_CHUNK] for i in range(0, len(items), IN_CHUNK)]


# -- reports ------------------------------------------------------------------------------------------
def load_report(store: CatalogStore, job_id: int, limit: int = 1000) -> dict[str, Any]:
    """A finished (or running) job as stored: counts, per-record problems, validation findings by rule.

    Per-record errors and SHACL reports are the *current* state of the records this job saw last, so an
    older job's report shows what later jobs left of it. A dry run's `outcomes` are its own (stored with
    the job, as its records' rows were rolled back).
    """
    with store.sessions() as s:
        job = s.get(HarvestJob, job_id)
        if job is None:
            raise HarvestError(f"no harvest job {job_id}")
        source = s.get(HarvestSource, job.source_id)
        records = select(HarvestRecord).where(HarvestRecord.last_job_id == job_id)
        problems = list(s.scalars(records.where(HarvestRecord.status.in_(("error", "duplicate")))
                                  .order_by(HarvestRecord.id).limit(limit)))
        findings = s.execute(
            select(DatasetRow.iri, ValidationRow.findings).join(ValidationRow)
            .join(HarvestRecord, HarvestRecord.dataset_iri == DatasetRow.iri)
            .where(HarvestRecord.last_job_id == job_id, HarvestRecord.source_id == job.source_id,
                   HarvestRecord.status == "ok"))
        rules: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for iri, items in findings:
            for item in items:
                rules[(item["severity"], item["shape"], item.get("path") or "")].add(iri)
    by_rule = Counter({key: len(iris) for key, iris in rules.items()})
    notes = [note for note in job.notes or [] if isinstance(note, str)]
    outcomes = [o for note in job.notes or [] if isinstance(note, dict) for o in note.get("outcomes", [])]
    return {
        "job": job.id, "source": source.name if source else None, "status": job.status,
        "dry_run": job.dry_run, "started_at": _iso(job.started_at), "finished_at": _iso(job.finished_at),
        "lease_owner": job.lease_owner, "gather_complete": job.gather_complete,
        "fatal_error": job.fatal_error, "notes": notes, "outcomes": outcomes,
        "counts": {name: getattr(job, name) for name in COUNTS},
        "records": [{"remote_id": r.remote_id, "dataset": r.dataset_iri, "status": r.status,
                     "errors": r.errors or [], "warnings": r.warnings or []} for r in problems],
        "findings": [{"severity": sev, "shape": shape, "path": path or None, "datasets": n}
                     for (sev, shape, path), n in by_rule.most_common()],
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
