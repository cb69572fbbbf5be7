"""SIGKILL a harvest mid-way, run it again: the dead job is marked failed and the result equals an
uninterrupted harvest (same datasets, same content, no duplicates), on both databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select

from catalog import migrate
from catalog.store import CatalogStore
from harvesters.tables import HarvestJob, HarvestRecord
from tests.harvest.conftest import active, catalogue, harvest, send

ROOT = Path(__file__).resolve().parents[2]
PAGES, PER_PAGE = 12, 5
DRIVER = """
import sys
from catalog.store import CatalogStore
from harvesters.base import run
from harvesters.http import GuardedClient
from harvesters.source import SourceConfig
store = CatalogStore.from_url(sys.argv[1])
client = GuardedClient(allow_private=["127.0.0.1/32"])
run(store, SourceConfig(sys.argv[2], sys.argv[3], "dcat"), client=client, batch_size=PER_PAGE)
""".replace("PER_PAGE", str(PER_PAGE))


def slow(handler, seconds):  # noqa: ANN001, ANN201
    def wrapped(h):  # noqa: ANN001, ANN202
        time.sleep(seconds)
        handler(h)
    return wrapped


def _count(store: CatalogStore, column) -> int:  # noqa: ANN001
    with store.sessions() as s:
        return s.scalar(select(func.count(column))) or 0


def test_killed_harvest_resumes_without_duplicates_or_losses(store, server, db_url, tmp_path):
    name = f"slow{uuid.uuid4().hex[:8]}"
    pages = catalogue(server.url(f"/{name}/"), list(range(PAGES * PER_PAGE)), PER_PAGE)
    for number, page in enumerate(pages, start=1):
        server.route(f"/{name}/{number}", slow(send(200, page, "text/turtle"), 0.25))
    url = server.url(f"/{name}/1")

    worker = subprocess.Popen([sys.executable, "-c", DRIVER, db_url, name, url], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while _count(store, HarvestRecord.id) < 3 * PER_PAGE and time.monotonic() < deadline:
        assert worker.poll() is None, "the worker ended before it could be killed"
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    stored = _count(store, HarvestRecord.id)
    assert 3 * PER_PAGE <= stored < PAGES * PER_PAGE, "killed too late to test anything"

    report = harvest(store, name, url, batch_size=PER_PAGE)
    assert report.status == "finished"
    assert report.counts["added"] + report.counts["unchanged"] == PAGES * PER_PAGE
    assert report.counts["unchanged"] >= 3 * PER_PAGE  # committed batches are not redone
    with store.sessions() as s:
        killed = s.scalar(select(HarvestJob).where(HarvestJob.id != report.job_id))
    assert killed.status == "failed" and killed.fatal_error.startswith("worker died (process")

    reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    migrate.upgrade(reference_url)
    reference = CatalogStore.from_url(reference_url)
    assert harvest(reference, name, url).status == "finished"
    assert active(store) == active(reference)
    assert _count(store, HarvestRecord.id) == PAGES * PER_PAGE
    assert store.count() == PAGES * PER_PAGE
    reference.engine.dispose()
