"""One harvest lifecycle for every source type: gather -> fetch -> to_dcat -> validate -> store -> withdraw.

Guarantees, whatever the source type:

* Streamed: the gather is consumed in batches (default 100 records); only the set of remote ids seen
  so far is kept for the whole run.
* Idempotent and kill-safe: each batch's catalogue changes and its `harvest_records` rows commit in one
  transaction, so a killed worker leaves whole batches behind and a re-run neither duplicates nor
  loses anything.
* Cheap when nothing changed: a listing page whose bytes equal those of a page whose records were all
  stored is not even parsed (unless `full`): its remembered records are marked seen in bulk. Within a
  changed page, a record whose remote modified date equals the stored one is not mapped (unless `full`);
  otherwise the store's content hash makes an identical record a no-op.
* Careful withdrawal: only after a complete, successful gather of a source type whose gather lists the
  whole remote catalogue (`complete_listing`; not a filtered CKAN gather), and not when the number of
  records shrank by more than the source's threshold (unless `force`).
* A remote id listed twice in one gather is harvested once and counted as `repeated` (notes name a few).
* One bad record is recorded (stage, message, snippet) on its `harvest_records` row; the job goes on.
* A record whose dataset IRI another source owns is a duplicate: counted, listed, never overwritten.
* SHACL findings are stored with the dataset (`store.save_report`), like `kaifang catalog validate`;
  `jobs.load_report` groups them by rule. Validation runs beside the harvest (a thread feeding the
  validator's worker processes), so SHACL overlaps the parsing and writing of the next batches; every
  report is saved before the job ends. Dry runs neither validate nor write (every batch rolls back); their
  report keeps the first OUTCOME_LIMIT records' outcomes (would be added/updated/withdrawn, errors).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from catalog.model import Dataset, pick
from catalog.namespaces import DCT
from catalog.store import CatalogStore
from catalog.tables import DatasetRow, utcnow
from catalog.validation import Validator
from harvesters import jobs, registry
from harvesters.dcat import Page
from harvesters.http import GuardedClient
from harvesters.source import HarvestError, Mapped, RemoteRef, SourceConfig, SourceType
from harvesters.tables import COUNTS, HarvestRecord, HarvestSource

Progress = Callable[[dict[str, int]], None]
LIST_LIMIT = 1000
OUTCOME_LIMIT = 200  # per-record outcomes a dry run keeps in its job report
REPEATED_EXAMPLES = 5
SAVE_BATCH = 100  # validation reports saved per transaction


@dataclass
class JobReport:
    job_id: int
    source: str
    status: str = "running"
    dry_run: bool = False
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    gather_complete: bool = False
    fatal_error: str | None = None
    notes: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # first LIST_LIMIT records with errors
    duplicates: list[dict[str, str]] = field(default_factory=list)  # {remote_id, dataset, owner}
    # dry runs only (their writes roll back): the first OUTCOME_LIMIT records that would be added, updated,
    # withdrawn, or that failed or are duplicates: {remote_id, dataset, title, outcome, error}
    outcomes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Item:
    ref: RemoteRef
    mapped: Mapped | None = None
    error: dict[str, str] | None = None


def run(store: CatalogStore, source_cfg: SourceConfig, *, validator: Validator | None = None,
        force: bool = False, dry_run: bool = False, full: bool = False, progress: Progress | None = None,
        client: GuardedClient | None = None, harvester: SourceType | None = None, batch_size: int = 100,
        lease_timeout: float = jobs.LEASE_TIMEOUT) -> JobReport:
    """Harvest one source now. Raises HarvestError only when the job cannot start (unknown type, lease
    held by a live worker); every later failure is reported in the returned JobReport.

    `harvester` is an already built source type; by default the registry builds one for `source_cfg`."""
    source_id = jobs.save_source(store, source_cfg)
    if harvester is None:
        client = client or GuardedClient(allow_private=bool(source_cfg.config.get("allow_private")))
        harvester = registry.create(source_cfg, client)
    job_id = jobs.acquire(store, source_id, dry_run=dry_run, lease_timeout=lease_timeout)
    started = utcnow()
    if validator is not None and not dry_run:
        _start_workers(validator)
    harvest = _Harvest(store, source_id, source_cfg.name, job_id, validator=validator, force=force,
                       dry_run=dry_run, full=full, progress=progress, batch_size=batch_size)
    with jobs.Heartbeat(store, job_id, harvest.report.counts, interval=min(10.0, lease_timeout / 3)):
        harvest.run(harvester)
    if source_cfg.config.get("geo_enrich") and not dry_run and harvest.report.status == "finished":
        _enrich(store, source_cfg, client or GuardedClient(), since=started, report=harvest.report)
    return harvest.report


def _enrich(store: CatalogStore, cfg: SourceConfig, client: GuardedClient, *, since: Any,
            report: JobReport) -> None:
    """The optional geo step (source config `geo_enrich: true`): extents of the datasets this job added or
    changed, read from their geodata distributions. Failures are recorded per distribution, never fatal."""
    from harvesters.geo_enrich import candidates, enrich_many  # geopandas only for sources that ask

    def changed() -> Iterator[str]:
        last = 0
        while True:  # in id order, a page at a time: never the whole source in memory
            query = (select(DatasetRow.id, DatasetRow.iri, DatasetRow.projection)
                     .where(DatasetRow.source == f"harvest:{cfg.name}", DatasetRow.status == "active",
                            DatasetRow.updated_at >= since, DatasetRow.id > last)
                     .order_by(DatasetRow.id).limit(500))
            with store.sessions() as s:
                rows = s.execute(query).all()
            if not rows:
                return
            yield from (iri for _, iri, projection in rows if candidates(Dataset.from_dict(projection)))
            last = rows[-1][0]

    results = enrich_many(store, changed(), client)
    failed = sum(1 for r in results if r.status == "failed")
    report.notes.append(f"geo: {len(results)} datasets read for extents, {failed} with errors")


class _Harvest:
    def __init__(self, store: CatalogStore, source_id: int, name: str, job_id: int, *,
                 validator: Validator | None, force: bool, dry_run: bool, full: bool,
                 progress: Progress | None, batch_size: int) -> None:
        self.store, self.source_id, self.key, self.job_id = store, source_id, jobs.source_key(name), job_id
        self.validator, self.force, self.dry_run, self.full = validator, force, dry_run, full
        self.progress, self.batch_size = progress, batch_size
        self.report = JobReport(job_id, name, dry_run=dry_run)
        self.seen: set[str] = set()
        self.repeated: list[str] = []  # the first few remote ids listed more than once
        self.checks = _Checks(store, validator) if validator is not None and not dry_run else None
        with store.sessions() as s:
            source = s.get(HarvestSource, source_id)
            self.threshold = source.withdraw_threshold if source else 0.2
            self.previous = s.scalar(select(func.count(HarvestRecord.id)).where(
                HarvestRecord.source_id == source_id, HarvestRecord.status != "withdrawn")) or 0

    def run(self, harvester: SourceType) -> None:
        report, status = self.report, "failed"
        try:
            self._gather(harvester)
            if self.checks is not None:
                self.checks.close()
            if report.gather_complete:
                if getattr(harvester, "complete_listing", True):
                    self._withdraw_missing()
                else:
                    report.notes.append("nothing withdrawn: this source's gather is filtered (e.g. CKAN "
                                        "`since` or `fq`), so records it does not list may still exist")
                status = "finished"
        except HarvestError as exc:
            report.fatal_error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a bug or a database outage ends this job, not the worker
            report.fatal_error = f"{type(exc).__name__}: {exc}"
        except BaseException:
            report.fatal_error = "interrupted"
            raise
        finally:
            if self.checks is not None:
                self.checks.stop()
            if self.repeated:
                report.notes.append(f"{report.counts['repeated']} remote ids were listed more than once and "
                                    f"harvested once, e.g. {', '.join(self.repeated)}")
            report.status = status
            jobs.finish(self.store, self.job_id, status, report.counts,
                        gather_complete=report.gather_complete, fatal_error=report.fatal_error,
                        notes=report.notes, outcomes=report.outcomes)

    # -- gather and batches ---------------------------------------------------------------------------
    def _gather(self, harvester: SourceType) -> None:
        try:
            for page in self._pages(harvester):
                self._page(harvester, page)
        except HarvestError as exc:
            self.report.fatal_error = f"gather failed: {exc}"
        except Exception as exc:  # noqa: BLE001 - a source type's bug: keep what was gathered, withdraw nothing
            self.report.fatal_error = f"gather failed: {type(exc).__name__}: {exc}"
        else:
            self.report.gather_complete = True

    def _pages(self, harvester: SourceType) -> Iterable[Page]:
        """Paged source types (dcat) report page boundaries and may skip unchanged pages; any other
        source type's gather is one page without a digest."""
        pages = getattr(harvester, "pages", None)
        if pages is None:
            return [Page("", "", None, harvester.gather(), [])]  # type: ignore[arg-type]
        return pages(self._remembered)

    def _remembered(self, url: str, digest: str) -> tuple[str | None, list[str]] | None:
        return None if self.full else jobs.remembered_page(self.store, self.source_id, url, digest)

    def _page(self, harvester: SourceType, page: Page) -> None:
        if page.refs is None:
            self._skip_page(page)
        else:
            self._batches(harvester, page.refs)
        if page.digest and not self.dry_run:
            jobs.remember_page(self.store, self.source_id, self.job_id, page.url, page.digest, page.next_url,
                               list(dict.fromkeys(page.remote_ids)))

    def _batches(self, harvester: SourceType, refs: Iterable[RemoteRef]) -> None:
        """Store refs in batches; when the gather fails mid-way, what was gathered is still stored."""
        batch: list[RemoteRef] = []
        try:
            for ref in refs:
                if self._first_sighting(ref.remote_id):
                    batch.append(ref)
                if len(batch) >= self.batch_size:
                    self._batch(harvester, batch)
                    batch = []
        except Exception:
            if batch:
                self._batch(harvester, batch)
            raise
        if batch:
            self._batch(harvester, batch)

    def _skip_page(self, page: Page) -> None:
        """An unchanged page: its records count as seen and unchanged, without parsing or mapping."""
        fresh = [remote_id for remote_id in page.remote_ids if self._first_sighting(remote_id)]
        with self.store.sessions() as s:
            jobs.mark_seen(s, self.source_id, self.job_id, fresh)
            s.rollback() if self.dry_run else s.commit()
        self._count("unchanged", len(fresh))
        if self.progress:
            self.progress(dict(self.report.counts))

    def _first_sighting(self, remote_id: str) -> bool:
        if remote_id not in self.seen:
            self.seen.add(remote_id)
            return True
        self._count("repeated", 1)
        if len(self.repeated) < REPEATED_EXAMPLES and remote_id not in self.repeated:
            self.repeated.append(remote_id)
        return False

    def _batch(self, harvester: SourceType, refs: list[RemoteRef]) -> None:
        with self.store.sessions() as s:
            known = self._records(s, [ref.remote_id for ref in refs])
        fresh = {ref.remote_id for ref in refs if self._unchanged(ref, known.get(ref.remote_id))}
        skipped = [known[remote_id].id for remote_id in fresh]
        items = [self._map(harvester, ref) for ref in refs if ref.remote_id not in fresh]
        self._count("unchanged", len(skipped))
        changed = self._write(items, skipped)
        if changed and self.checks is not None:
            self.checks.submit(changed)
        if self.progress:
            self.progress(dict(self.report.counts))

    def _unchanged(self, ref: RemoteRef, record: HarvestRecord | None) -> bool:
        return (not self.full and ref.modified is not None and record is not None and record.status == "ok"
                and record.remote_modified == ref.modified[:64])

    def _map(self, harvester: SourceType, ref: RemoteRef) -> _Item:
        stage = "fetch"
        try:
            raw = harvester.fetch(ref)
            stage = "map"
            return _Item(ref, mapped=harvester.to_dcat(ref, raw))
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop the job
            return _Item(ref, error=_error(stage, exc))

    # -- store ----------------------------------------------------------------------------------------
    def _write(self, items: list[_Item], skipped: list[int]) -> list[tuple[str, Any]]:
        """Store a batch in one transaction; if that fails, store its records one by one to isolate it."""
        try:
            return self._transaction(items, skipped)
        except Exception:  # noqa: BLE001 - isolate the record the database refused
            changed = self._transaction([], skipped)
            for item in items:
                try:
                    changed += self._transaction([item], [])
                except Exception as exc:  # noqa: BLE001
                    changed += self._transaction([_Item(item.ref, error=_error("store", exc))], [])
            return changed

    def _transaction(self, items: list[_Item], skipped: list[int]) -> list[tuple[str, Any]]:
        counts = dict.fromkeys(COUNTS, 0)
        changed: list[tuple[str, Any]] = []
        outcomes: list[dict[str, Any]] = []  # kept only once the transaction succeeded
        with self.store.sessions() as s:
            if skipped:
                s.execute(update(HarvestRecord).where(HarvestRecord.id.in_(skipped))
                          .values(last_job_id=self.job_id))
            known = self._records(s, [item.ref.remote_id for item in items])
            iris = [str(item.mapped.node) for item in items if item.mapped]
            owners = dict(s.execute(select(DatasetRow.iri, DatasetRow.source).where(
                DatasetRow.iri.in_(iris), DatasetRow.status == "active")).all()) if iris else {}
            fresh: list[dict[str, Any]] = []  # harvest_records rows to insert
            digests: dict[int, str] = {}
            with s.no_autoflush:  # one INSERT round for the batch, not a flush per record's lookup
                statuses = [self._check(item, owners, counts) for item in items]
                storing = [index for index, status in enumerate(statuses) if status is None]
                entries = [(m.node, m.graph, m.prepared) for m in (items[i].mapped for i in storing) if m]
                stored = self.store.upsert_many(entries, source=self.key, session=s) if entries else []
                for index, (outcome, digest) in zip(storing, stored, strict=True):
                    statuses[index], digests[index] = outcome, digest
                    counts[outcome] += 1
                for index, (item, status) in enumerate(zip(items, statuses, strict=True)):
                    if self.dry_run and status != "unchanged":
                        outcomes.append(_outcome(item, status))
                    if status in ("added", "updated"):  # the validator takes a graph or its triples, and
                        mapped = item.mapped            # the key names the version to validate
                        changed.append((f"{digests[index]} {mapped.node}",
                                        mapped.graph if mapped.graph is not None else mapped.triples))
                    values = self._record(item, status, digests.get(index))
                    record = known.get(item.ref.remote_id)
                    if record is None:
                        fresh.append({"source_id": self.source_id, "remote_id": item.ref.remote_id,
                                      "dataset_iri": None, **values})
                    else:
                        for key, value in values.items():
                            setattr(record, key, value)
                if fresh:  # one executemany (the ORM would INSERT … RETURNING row by row on SQLite)
                    s.execute(insert(HarvestRecord.__table__), fresh)
            s.flush()
            if self.dry_run:
                s.rollback()
            else:
                s.commit()
        for name, n in counts.items():
            self._count(name, n)
        self.report.outcomes.extend(outcomes[:OUTCOME_LIMIT - len(self.report.outcomes)])
        return changed

    def _check(self, item: _Item, owners: dict[str, str | None], counts: dict[str, int]) -> str | None:
        """"error" or "duplicate" for a record that is not stored (counted and listed here), else None."""
        if item.mapped is None:
            counts["failed"] += 1
            self._remember(self.report.errors, {"remote_id": item.ref.remote_id, "errors": [item.error]})
            return "error"
        iri = str(item.mapped.node)
        owner = owners.get(iri)
        if owner is not None and owner != self.key:
            counts["duplicates"] += 1
            item.error = {"stage": "store", "message": f"dataset {iri} is already harvested by {owner}",
                          "snippet": None}
            self._remember(self.report.duplicates, {"remote_id": item.ref.remote_id, "dataset": iri,
                                                    "owner": owner})
            return "duplicate"
        return None

    def _record(self, item: _Item, outcome: str, content_hash: str | None) -> dict[str, Any]:
        """A record's `harvest_records` columns after this job; `content_hash` is what the store holds."""
        status = outcome if outcome in ("error", "duplicate") else "ok"
        values = {
            "status": status, "last_job_id": self.job_id, "updated_at": utcnow(),
            "errors": [item.error] if item.error else [],
            "warnings": list(item.mapped.warnings) if item.mapped else [],
            "remote_modified": item.ref.modified[:64] if item.ref.modified and status == "ok" else None,
            "content_hash": content_hash if status == "ok" else None,
        }
        if item.mapped is not None:
            values["dataset_iri"] = str(item.mapped.node)
        return values

    def _records(self, s: Session, remote_ids: list[str]) -> dict[str, HarvestRecord]:
        if not remote_ids:
            return {}
        rows = s.scalars(select(HarvestRecord).where(HarvestRecord.source_id == self.source_id,
                                                     HarvestRecord.remote_id.in_(remote_ids)))
        return {row.remote_id: row for row in rows}

    # -- withdrawal -----------------------------------------------------------------------------------
    def _withdraw_missing(self) -> None:
        seen, previous = len(self.seen), self.previous
        if previous and seen < previous * (1 - self.threshold) and not self.force:
            self.report.notes.append(
                f"nothing withdrawn: the source lists {seen} records, {previous} before "
                f"(a drop of more than {self.threshold:.0%}); re-run with --force if this is intended")
            return
        if not self.dry_run:
            jobs.forget_pages(self.store, self.source_id, self.job_id)
        last = 0
        while True:
            with self.store.sessions() as s:
                rows = list(s.scalars(
                    select(HarvestRecord).where(HarvestRecord.source_id == self.source_id,
                                                HarvestRecord.status != "withdrawn", HarvestRecord.id > last)
                    .order_by(HarvestRecord.id).limit(500)))
                if not rows:
                    return
                last = rows[-1].id
                for row in (r for r in rows if r.remote_id not in self.seen):
                    self._withdraw(s, row)
                s.rollback() if self.dry_run else s.commit()

    def _withdraw(self, s: Session, row: HarvestRecord) -> None:
        owner = s.scalar(select(DatasetRow.source).where(DatasetRow.iri == row.dataset_iri))
        if row.status == "ok" and owner == self.key and self.store.withdraw(row.dataset_iri, session=s):
            self._count("withdrawn", 1)
            if self.dry_run and len(self.report.outcomes) < OUTCOME_LIMIT:
                self.report.outcomes.append({"remote_id": row.remote_id, "dataset": row.dataset_iri,
                                             "title": None, "outcome": "withdrawn", "error": None})
        row.status, row.last_job_id, row.updated_at = "withdrawn", self.job_id, utcnow()

    # -- helpers --------------------------------------------------------------------------------------
    def _count(self, name: str, n: int) -> None:
        self.report.counts[name] += n

    @staticmethod
    def _remember(items: list, entry: dict) -> None:
        if len(items) < LIST_LIMIT:
            items.append(entry)


class _Checks:
    """SHACL beside the harvest: a thread feeds committed records to `Validator.validate_many` (whose
    worker processes do the work) and saves each report. The queue is bounded, so a harvest never runs
    more than a few batches ahead of validation and memory stays flat."""

    def __init__(self, store: CatalogStore, validator: Validator) -> None:
        self.store, self.validator = store, validator
        self.shapes_hash = validator.shapes_hash
        self.queue: queue.Queue[list[tuple[str, Any]] | None] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="harvest-validation", daemon=True)
        self.thread.start()

    def submit(self, changed: list[tuple[str, Any]]) -> None:
        self._raise()
        self.queue.put(changed)

    def close(self) -> None:
        """Wait until every submitted record's report is saved; re-raise what the thread met."""
        self.queue.put(None)
        self.thread.join()
        self._raise()

    def stop(self) -> None:
        """After an error elsewhere: end the thread without waiting for anything."""
        if self.thread.is_alive():
            self.error = self.error or RuntimeError("stopped")
            self.queue.put(None)
            self.thread.join()

    def _items(self) -> Iterator[tuple[str, Any]]:
        while (batch := self.queue.get()) is not None and self.error is None:
            yield from batch

    def _run(self) -> None:
        try:
            done: list[tuple[str, str, dict]] = []
            for key, verdict in self.validator.validate_many(self._items()):
                digest, _, iri = key.partition(" ")
                done.append((iri, digest, verdict.to_dict()))
                if len(done) >= SAVE_BATCH:
                    self.store.save_reports(done, self.shapes_hash)
                    done = []
            self.store.save_reports(done, self.shapes_hash)
        except BaseException as exc:  # noqa: BLE001 - handed to the harvest thread by _raise
            self.error = exc
            while self.queue.get() is not None:  # keep a blocked submit() from waiting forever
                pass

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error


def _start_workers(validator: Validator) -> None:
    """Start the validator's worker processes (by validating an empty graph) while this may still be the
    only thread: they then fork, sharing the compiled shapes, instead of spawning interpreters that each
    compile them again (seconds per worker). The validator makes that choice; this only comes first."""
    for _ in validator.validate_many([("", Graph())]):
        pass


def _outcome(item: _Item, status: str) -> dict[str, Any]:
    """What a dry run did with one record, for its report (the rollback discards the records' rows)."""
    title = None
    if item.mapped and item.mapped.prepared:
        title = pick(item.mapped.prepared.dataset.title, "zh") or None
    elif item.mapped:
        title = item.mapped.graph.value(item.mapped.node, DCT.title)
    return {"remote_id": item.ref.remote_id, "dataset": str(item.mapped.node) if item.mapped else None,
            "title": str(title)[:200] if title is not None else None, "outcome": status, "error": item.error}


def _error(stage: str, exc: Exception) -> dict[str, str | None]:
    message = str(exc) if isinstance(exc, HarvestError) else f"{type(exc).__name__}: {exc}"
    snippet = getattr(exc, "snippet", None)
    return {"stage": stage, "message": " ".join(message.split())[:1000], "snippet": snippet}


