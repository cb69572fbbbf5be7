"""`kaifang scheduler`: sources run when due, across restarts (all state in the database), a source never
runs twice at once (the job lease), and jobs whose worker died are reaped."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from catalog.tables import utcnow
from harvesters import jobs
from harvesters.scheduler import Runner, Scheduler
from harvesters.source import SourceConfig
from harvesters.tables import HarvestJob

LOCAL = ["127.0.0.1/32"]


def _tick(db_url: str, tmp_path) -> str:
    """One `kaifang scheduler --once` in a fresh process: nothing survives between two calls but the DB."""
    env = {**os.environ, "DATABASE_URL": db_url, "KAIFANG_VAR": str(tmp_path), "SECRET_KEY": "test"}
    command = [str(Path(sys.executable).with_name("kaifang")), "scheduler", "--once", "--no-validate",
               "--allow-network", "127.0.0.1/32"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _add(store, name: str, url: str, schedule: str = "@hourly") -> int:
    return jobs.save_source(store, SourceConfig(name, url, "inventory", None, {"mapping": "shanghai"}),
                            schedule=schedule)


def test_due_sources_run_on_time_across_restarts(store, http, db_url, tmp_path):
    _add(store, "sh", http.url("/shanghai.json"))
    _add(store, "sh-small", http.url("/other.json"))
    _add(store, "manual", http.url("/other.json"), schedule="")  # no schedule: never started by it
    assert "sh, sh-small" in _tick(db_url, tmp_path)
    counts = {name: [(j.status, j.added) for j, _ in jobs.list_jobs(store, name)]
              for name in ("sh", "sh-small")}
    assert counts == {"sh": [("finished", 12)], "sh-small": [("finished", 5)]}
    assert "nothing due" in _tick(db_url, tmp_path)  # restarted: the last runs are an hour from due
    assert len(jobs.list_jobs(store, "sh")) == 1 and jobs.list_jobs(store, "manual") == []
    with store.sessions.begin() as s:  # an hour and a bit passes
        s.execute(update(HarvestJob).values(started_at=utcnow() - timedelta(minutes=61)))
    assert "sh, sh-small" in _tick(db_url, tmp_path)
    assert [j.status for j, _ in jobs.list_jobs(store, "sh")] == ["finished", "finished"]
    assert len(jobs.list_jobs(store, "sh-small")) == 2


def test_a_source_never_runs_twice_at_once_and_dead_workers_are_reaped(store, http):
    http.routes["/slow.json"] = http.routes["/other.json"]
    http.held.add("/slow.json")
    http.release.clear()  # the server outlives a test: an earlier test may have released it
    source_id = _add(store, "slow", http.url("/slow.json"))
    runner = Runner(store, None, tuple(LOCAL))
    long_run = threading.Thread(target=runner.run, args=("slow",))
    long_run.start()  # a real harvest, stuck waiting for its listing while it holds the lease
    deadline = time.monotonic() + 30
    while not jobs.list_jobs(store, "slow") and time.monotonic() < deadline:
        time.sleep(0.05)
    (held, _), = jobs.list_jobs(store, "slow")
    assert held.status == "running"
    loop = Scheduler(runner)
    try:
        assert loop.tick() == []  # due (never finished a run), but its job is alive
        assert runner.run("slow") is None  # and a direct start is refused by the lease
        assert len(jobs.list_jobs(store, "slow")) == 1
        http.release.set()
        long_run.join(60)
        assert [j.status for j, _ in jobs.list_jobs(store, "slow")] == ["finished"]

        # a worker that died holding the lease (no heartbeat for minutes) is reaped, then the source runs
        with store.sessions.begin() as s:
            s.execute(update(HarvestJob).where(HarvestJob.source_id == source_id).values(
                started_at=utcnow() - timedelta(hours=2)))
            s.add(HarvestJob(source_id=source_id, status="running", started_at=utcnow() - timedelta(hours=1),
                             heartbeat_at=utcnow() - timedelta(minutes=10), lease_owner="elsewhere:1"))
        assert loop.tick() == ["slow"]
        loop.wait()
    finally:
        http.release.set()
        loop.close()
    statuses = [(j.status, j.fatal_error or "") for j, _ in jobs.list_jobs(store, "slow")]
    assert statuses[0] == ("finished", "") and statuses[1][0] == "failed"
    assert statuses[1][1].startswith("worker died (no heartbeat")
