"""A dry run rolls back every write, yet its report keeps what each record would become (added, updated,
withdrawn, failed with its snippet): in the returned report, in `jobs.load_report` and in
`kaifang harvest report`. The list is bounded."""

from __future__ import annotations

from click.testing import CliRunner

from harvesters import base, jobs
from harvesters.base import run
from harvesters.http import GuardedClient
from harvesters.source import SourceConfig
from portal.cli import main
from tests.harvest.conftest import LOCAL, active, dataset_iri, harvest
from tests.harvest.test_lifecycle import OneBadRecord, publish


def test_dry_run_report_keeps_per_record_outcomes(store, server, db_url):
    name, url, republish = publish(server, list(range(6)))
    harvest(store, name, url)
    before = active(store)
    republish([*range(1, 6), 6], {4: 2})  # 0 goes, 4 changes, 6 is new, 2 cannot be mapped
    cfg = SourceConfig(name, url, "dcat")
    dry = run(store, cfg, harvester=OneBadRecord(cfg, GuardedClient(allow_private=LOCAL)), dry_run=True,
              full=True)
    assert active(store) == before
    by_id = {o["remote_id"]: o for o in dry.outcomes}
    assert {k: by_id[dataset_iri(k)]["outcome"] for k in (0, 2, 4, 6)} == {
        0: "withdrawn", 2: "error", 4: "updated", 6: "added"}
    assert len(dry.outcomes) == 4  # unchanged records are not listed
    assert by_id[dataset_iri(6)]["dataset"] == dataset_iri(6) and by_id[dataset_iri(6)]["title"]
    error = by_id[dataset_iri(2)]["error"]
    assert error["stage"] == "map" and dataset_iri(2) in error["snippet"]

    stored = jobs.load_report(store, dry.job_id)
    assert stored["outcomes"] == dry.outcomes and all(isinstance(n, str) for n in stored["notes"])
    printed = CliRunner(env={"DATABASE_URL": db_url}).invoke(main, ["harvest", "report", str(dry.job_id)])
    assert printed.exit_code == 0, printed.output
    assert f"added      {dataset_iri(6)}" in printed.output
    assert "[map] no title in any language" in printed.output


def test_outcomes_are_bounded_and_only_for_dry_runs(store, server, monkeypatch):
    monkeypatch.setattr(base, "OUTCOME_LIMIT", 3)
    name, url, _ = publish(server, list(range(8)))
    dry = harvest(store, name, url, dry_run=True)
    assert dry.counts["added"] == 8 and len(dry.outcomes) == 3
    assert len(jobs.load_report(store, dry.job_id)["outcomes"]) == 3
    real = harvest(store, name, url)
    assert real.outcomes == [] and jobs.load_report(store, real.job_id)["outcomes"] == []
