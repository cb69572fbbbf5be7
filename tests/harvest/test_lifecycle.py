"""The shared harvest lifecycle on both databases: incremental runs, withdrawal rules, duplicates, bad
records, dry runs, leases, and the `kaifang harvest` commands."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from catalog.tables import utcnow
from harvesters import jobs
from harvesters.base import run
from harvesters.dcat import DcatSource
from harvesters.http import GuardedClient
from harvesters.source import HarvestError, Mapped, RemoteRef, SourceConfig
from harvesters.tables import HarvestJob, HarvestRecord
from portal.cli import main
from tests.harvest.conftest import (
    LOCAL,
    active,
    catalogue,
    dataset_iri,
    harvest,
    send,
    truncated,
)


def publish(server, numbers, versions=None, per_page=4, **kw):  # noqa: ANN001, ANN201
    """A fresh catalogue path for each test (the server is shared); returns (name, url, republish)."""
    name = f"c{uuid.uuid4().hex[:10]}"

    def republish(numbers, versions=None, **kw):  # noqa: ANN001, ANN202
        return server.publish(name, catalogue(server.url(f"/{name}/"), numbers, per_page, versions, **kw))

    return name, republish(numbers, versions, **kw), republish


def test_incremental_runs(store, server):
    name, url, republish = publish(server, list(range(10)))
    first = harvest(store, name, url)
    assert first.counts == {"added": 10, "updated": 0, "unchanged": 0, "withdrawn": 0, "failed": 0,
                            "duplicates": 0, "repeated": 0}
    before = active(store)
    assert harvest(store, name, url).counts["unchanged"] == 10
    republish(list(range(10)), {3: 2})
    second = harvest(store, name, url)
    assert (second.counts["updated"], second.counts["unchanged"]) == (1, 9)
    after = active(store)
    assert {iri for iri in after if after[iri] != before[iri]} == {dataset_iri(3)}
    assert "(v2)" in store.get(dataset_iri(3)).dataset.title["en"]


def test_same_modified_date_skips_mapping_unless_full(store, server):
    name, url, republish = publish(server, list(range(5)))
    harvest(store, name, url)
    republish(list(range(5)), {2: 2}, modified={2: 1})  # content changed, modified date not bumped
    assert harvest(store, name, url).counts["unchanged"] == 5
    assert "(v1)" in store.get(dataset_iri(2)).dataset.title["en"]
    report = harvest(store, name, url, full=True)
    assert (report.counts["updated"], report.counts["unchanged"]) == (1, 4)


def test_removed_records_are_withdrawn_and_can_come_back(store, server):
    name, url, republish = publish(server, list(range(10)))
    harvest(store, name, url)
    republish([n for n in range(10) if n != 4])
    report = harvest(store, name, url)
    assert report.counts["withdrawn"] == 1 and report.status == "finished"
    assert store.get(dataset_iri(4)).status == "withdrawn"
    assert dataset_iri(4) not in active(store)
    assert ("delete" in [op for _, iri, op in store.outbox_peek(10_000) if iri == dataset_iri(4)])
    republish(list(range(10)))
    assert harvest(store, name, url).counts["updated"] == 1
    assert store.get(dataset_iri(4)).status == "active"


@pytest.mark.parametrize("broken", ["500", "truncated"])
def test_failed_gather_withdraws_nothing(store, server, broken):
    name, url, republish = publish(server, list(range(12)))
    harvest(store, name, url)
    republish(list(range(12)), {0: 2})
    body = catalogue(server.url(f"/{name}/"), list(range(12)), 4)[1]
    server.route(f"/{name}/2", send(500, b"oops") if broken == "500" else truncated(body))
    report = harvest(store, name, url)
    assert report.status == "failed" and not report.gather_complete
    assert report.fatal_error.startswith("gather failed: ")
    assert report.counts["updated"] == 1  # what was gathered before the failure is kept
    assert report.counts["withdrawn"] == 0 and len(active(store)) == 12


def test_shrink_beyond_threshold_needs_force(store, server):
    name, url, republish = publish(server, list(range(10)))
    harvest(store, name, url)
    republish(list(range(7)))
    report = harvest(store, name, url)
    assert report.status == "finished" and report.counts["withdrawn"] == 0
    assert "nothing withdrawn" in report.notes[0] and len(active(store)) == 10
    forced = harvest(store, name, url, force=True)
    assert forced.counts["withdrawn"] == 3 and len(active(store)) == 7


def test_duplicate_across_sources_is_reported_not_overwritten(store, server):
    name, url, _ = publish(server, list(range(6)))
    harvest(store, name, url)
    before = active(store)
    other = harvest(store, f"{name}-mirror", url)
    assert other.counts["duplicates"] == 6 and other.counts["added"] == 0
    assert {d["owner"] for d in other.duplicates} == {f"harvest:{name}"}
    assert active(store) == before
    assert {d.source for d in store.iter_datasets()} == {f"harvest:{name}"}
    stored = jobs.load_report(store, other.job_id)
    assert len(stored["records"]) == 6 and stored["records"][0]["status"] == "duplicate"
    assert "already harvested by" in stored["records"][0]["errors"][0]["message"]
    # the mirror losing its records must not withdraw the owner's datasets
    assert harvest(store, f"{name}-mirror", url, force=True).counts["withdrawn"] == 0


class OneBadRecord(DcatSource):
    """The dcat source type, except that one record cannot be mapped (as a broken remote record)."""

    def to_dcat(self, ref: RemoteRef, raw) -> Mapped:  # noqa: ANN001
        if ref.remote_id == dataset_iri(2):
            raise HarvestError("no title in any language", snippet=raw.nt[:200])
        return super().to_dcat(ref, raw)


def test_one_bad_record_is_recorded_and_the_job_goes_on(store, server):
    name, url, _ = publish(server, list(range(6)))
    cfg = SourceConfig(name, url, "dcat")
    source = OneBadRecord(cfg, GuardedClient(allow_private=LOCAL))
    report = run(store, cfg, harvester=source)
    assert report.status == "finished"
    assert (report.counts["added"], report.counts["failed"]) == (5, 1)
    stored = jobs.load_report(store, report.job_id)
    [bad] = stored["records"]
    assert bad["remote_id"] == dataset_iri(2) and bad["status"] == "error"
    assert bad["errors"][0]["stage"] == "map" and bad["errors"][0]["message"] == "no title in any language"
    assert dataset_iri(2) in bad["errors"][0]["snippet"]
    # fixed upstream: the next run picks it up although its modified date did not change
    assert harvest(store, name, url).counts["added"] == 1


def test_dry_run_counts_without_writing(store, server):
    name, url, republish = publish(server, list(range(10)))
    harvest(store, name, url)
    before = active(store)
    republish([*range(1, 10), 10], {5: 2})
    dry = harvest(store, name, url, dry_run=True)
    expected = {"added": 1, "updated": 1, "unchanged": 8, "withdrawn": 1, "failed": 0, "duplicates": 0,
                "repeated": 0}
    assert dry.counts == expected and dry.dry_run
    assert active(store) == before and store.get(dataset_iri(10)) is None
    assert harvest(store, name, url).counts == expected


def test_live_lease_refuses_and_dead_ones_are_taken_over(store, server):
    name, url, _ = publish(server, list(range(3)))
    source_id = jobs.save_source(store, SourceConfig(name, url, "dcat"))
    held = jobs.acquire(store, source_id, dry_run=False)  # this process: alive, fresh heartbeat
    with pytest.raises(HarvestError, match=f"being harvested by job {held}"):
        harvest(store, name, url)
    with store.sessions.begin() as s:
        s.execute(update(HarvestJob).where(HarvestJob.id == held)
                  .values(heartbeat_at=utcnow() - timedelta(minutes=5)))
    assert harvest(store, name, url).status == "finished"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    second = jobs.acquire(store, source_id, dry_run=False)
    with store.sessions.begin() as s:
        s.execute(update(HarvestJob).where(HarvestJob.id == second)
                  .values(lease_owner=f"{jobs.owner_id().rpartition(':')[0]}:{gone}"))
    assert harvest(store, name, url).status == "finished"
    with store.sessions() as s:
        dead = {job.id: job for job in s.scalars(select(HarvestJob).where(HarvestJob.id.in_([held, second])))}
    assert dead[held].status == "failed" and "no heartbeat for" in dead[held].fatal_error
    assert dead[second].status == "failed" and f"process {gone}" in dead[second].fatal_error


def test_cli_add_run_jobs_report_sources(db_url, fixtures):
    cli = CliRunner(env={"DATABASE_URL": db_url})
    path = fixtures / "w3c-dcat3/examples/csiro-dap-examples.ttl"
    assert cli.invoke(main, ["harvest", "add", "csiro", "--type", "dcat", "--url", str(path)]).exit_code == 0
    result = cli.invoke(main, ["harvest", "run", "csiro", "--no-validate"])
    assert result.exit_code == 0, result.output
    assert "finished" in result.output and "added" in result.output
    assert "csiro" in cli.invoke(main, ["harvest", "jobs", "csiro"]).output
    assert "csiro-dap-examples.ttl" in cli.invoke(main, ["harvest", "sources"]).output
    report = json.loads(cli.invoke(main, ["harvest", "report", "1", "--json"]).output)
    assert report["status"] == "finished" and report["counts"]["added"] > 0
    missing = cli.invoke(main, ["harvest", "run", "nope"])
    assert missing.exit_code == 1 and "no harvest source named 'nope'" in missing.output


def test_harvest_records_are_unique_per_remote_id(store, server):
    name, url, _ = publish(server, list(range(5)))
    for _ in range(3):
        harvest(store, name, url, full=True)
    with store.sessions() as s:
        remote_ids = list(s.scalars(select(HarvestRecord.remote_id)))
    assert sorted(remote_ids) == sorted(dataset_iri(n) for n in range(5))
