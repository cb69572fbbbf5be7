"""Harvests started by the machine, not by a person at a terminal: the workspace's "run now" buttons and
the `kaifang scheduler` loop.

The scheduler keeps no state of its own: a source is due when the next time its schedule names after its
last job's start is past, read from the database at every tick, so a restarted scheduler carries on where
the old one stopped. Two harvests of one source can never overlap: the running job is the source's lease
in the database (harvesters/jobs.py), whichever process or thread asks. Workers that died are reaped by
the same rule `jobs.acquire` applies.

Harvests started here never read local files, and reach private addresses only for sources registered
with `--allow-private` on the command line or networks the operator allows (`allow`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from catalog.store import CatalogStore
from catalog.tables import utcnow
from catalog.validation import Validator
from harvesters import base, jobs, registry, schedule
from harvesters.http import GuardedClient
from harvesters.source import HarvestError, SourceConfig, SourceType
from harvesters.tables import HarvestJob, HarvestSource

log = logging.getLogger(__name__)

# -- uploaded inventory mappings -------------------------------------------------------------------------
def harvester_for(cfg: SourceConfig, client: GuardedClient) -> SourceType:
    return registry.create(cfg, client)


# -- running one source ------------------------------------------------------------------------------
@dataclass
class Runner:
    """What every unattended harvest needs: the store, the SHACL shapes (None: no validation) and the
    networks besides public ones a harvest may reach (an intranet's, or 127.0.0.1 in tests)."""

    store: CatalogStore
    shapes: Path | None = None
    allow: tuple[str, ...] = ()
    lease_timeout: float = jobs.LEASE_TIMEOUT

    def run(self, name: str, *, dry_run: bool = False) -> base.JobReport | None:
        """Harvest `name` now; None when it could not start (lease held, unknown source or type)."""
        validator = None
        try:
            cfg = jobs.get_source(self.store, name)
            client = GuardedClient(allow_private=True if cfg.config.get("allow_private") else self.allow)
            validator = Validator([self.shapes]) if self.shapes and not dry_run else None
            report = base.run(self.store, cfg, validator=validator, dry_run=dry_run, client=client,
                              harvester=harvester_for(cfg, client), lease_timeout=self.lease_timeout)
            log.info("harvest %s: job %s %s %s", name, report.job_id, report.status, report.counts)
            return report
        except HarvestError as exc:
            log.warning("harvest %s not started: %s", name, exc)
            return None
        finally:
            if validator is not None:
                validator.close()

    def start(self, name: str, *, dry_run: bool = False) -> threading.Thread:
        """Harvest in a background thread, so a web request returns at once."""
        thread = threading.Thread(target=self.run, args=(name,), kwargs={"dry_run": dry_run},
                                  name=f"harvest-{name}", daemon=True)
        thread.start()
        return thread


# -- what is due --------------------------------------------------------------------------------------
def live_job(store: CatalogStore, source_id: int,
             lease_timeout: float = jobs.LEASE_TIMEOUT) -> HarvestJob | None:
    """The source's running job whose worker may still be alive, if any."""
    with store.sessions() as s:
        running = s.scalars(select(HarvestJob).where(HarvestJob.source_id == source_id,
                                                     HarvestJob.status == "running"))
        return next((job for job in running if jobs.dead_reason(job, lease_timeout) is None), None)


def last_start(store: CatalogStore, source_id: int) -> datetime | None:
    """When the source's last real (not dry) run started: the schedule counts from there."""
    with store.sessions() as s:
        return s.scalar(select(func.max(HarvestJob.started_at)).where(
            HarvestJob.source_id == source_id, HarvestJob.dry_run.is_(False)))


def next_run(store: CatalogStore, source: HarvestSource, now: datetime | None = None) -> datetime | None:
    """When the source runs next (`now` if it never ran); None without a valid schedule."""
    if not source.schedule:
        return None
    try:
        parsed = schedule.parse(source.schedule)
    except schedule.ScheduleError:
        return None
    last = last_start(store, source.id)
    return parsed.next_after(last) if last is not None else (now or utcnow())


def due(store: CatalogStore, now: datetime | None = None,
        lease_timeout: float = jobs.LEASE_TIMEOUT) -> list[str]:
    now = now or utcnow()
    names = []
    for source in jobs.list_sources(store):
        when = next_run(store, source, now)
        if source.schedule and when is None:
            log.warning("source %s: schedule %r is not valid; not scheduled", source.name, source.schedule)
        if when is not None and when <= now and live_job(store, source.id, lease_timeout) is None:
            names.append(source.name)
    return names


def reap(store: CatalogStore, lease_timeout: float = jobs.LEASE_TIMEOUT) -> list[int]:
    """Mark running jobs whose worker is gone as failed, as `jobs.acquire` would on the next run."""
    reaped = []
    with store.sessions.begin() as s:
        for job in s.scalars(select(HarvestJob).where(HarvestJob.status == "running")):
            why = jobs.dead_reason(job, lease_timeout)
            if why is not None:
                job.status, job.finished_at, job.fatal_error = "failed", utcnow(), f"worker died ({why})"
                reaped.append(job.id)
    return reaped


# -- the loop -----------------------------------------------------------------------------------------
class Scheduler:
    """Start due harvests on a small pool of threads. `pending` only avoids queueing a source twice in
    this process before its job row exists; correctness never depends on it (the lease does)."""

    def __init__(self, runner: Runner, workers: int = 1) -> None:
        self.runner = runner
        self.pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="scheduled-harvest")
        self.pending: dict[str, Future] = {}

    def tick(self, now: datetime | None = None) -> list[str]:
        """Reap dead jobs, then queue every due source; returns the names queued."""
        for job_id in reap(self.runner.store, self.runner.lease_timeout):
            log.warning("job %s: worker died; marked failed", job_id)
        self.pending = {name: f for name, f in self.pending.items() if not f.done()}
        started = [name for name in due(self.runner.store, now, self.runner.lease_timeout)
                   if name not in self.pending]
        for name in started:
            self.pending[name] = self.pool.submit(self.runner.run, name)
        return started

    def wait(self, names: Iterable[str] | None = None) -> None:
        for name in list(self.pending if names is None else names):
            if name in self.pending:
                self.pending[name].result()

    def forever(self, interval: float, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # a database outage must not end the scheduler: retry next interval
                log.exception("scheduler tick failed")
            stop.wait(interval)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
