"""Unchanged listing pages are not parsed, yet their records count as seen; changed, missing and repeated
entries behave as in a record-by-record run. Both databases."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from harvesters.base import run
from harvesters.dcat import DcatSource
from harvesters.http import GuardedClient
from harvesters.jobs import load_report
from harvesters.source import SourceConfig
from harvesters.tables import HarvestPage, HarvestRecord
from tests.harvest.conftest import FIXTURES, LOCAL, active, catalogue, dataset_iri, harvest


class CountingDcat(DcatSource):
    """The dcat source type, remembering which pages it had to parse."""

    def __init__(self, config: SourceConfig, client: GuardedClient) -> None:
        super().__init__(config, client)
        self.parsed: list[str] = []

    def _parse(self, fetched):  # noqa: ANN001, ANN202
        self.parsed.append(fetched.url.rsplit("/", 1)[-1])
        return super()._parse(fetched)


def counted(store, name: str, url: str, **options):  # noqa: ANN001, ANN003, ANN201
    client = GuardedClient(allow_private=LOCAL, backoff=0.01, total_timeout=20)
    cfg = SourceConfig(name, url, "dcat")
    source = CountingDcat(cfg, client)
    try:
        return run(store, cfg, harvester=source, **options), source.parsed
    finally:
        client.close()


def publish(server, numbers, per_page=4, **kw):  # noqa: ANN001, ANN003, ANN201
    name = f"p{uuid.uuid4().hex[:10]}"

    def republish(numbers, **kw):  # noqa: ANN001, ANN003, ANN202
        return server.publish(name, catalogue(server.url(f"/{name}/"), numbers, per_page, **kw))

    return name, republish(numbers, **kw), republish


def last_jobs(store) -> set[int]:  # noqa: ANN001
    with store.sessions() as s:
        return set(s.scalars(select(HarvestRecord.last_job_id)))


def test_unchanged_pages_are_not_parsed_but_their_records_are_seen(store, server):
    name, url, _ = publish(server, list(range(10)))
    first, parsed = counted(store, name, url)
    assert first.counts["added"] == 10 and parsed == ["1", "2", "3"]
    before = active(store)
    second, parsed = counted(store, name, url)
    assert parsed == [] and second.status == "finished"
    assert (second.counts["unchanged"], second.counts["withdrawn"]) == (10, 0)
    assert last_jobs(store) == {second.job_id}  # seen by this job: nothing can be withdrawn by mistake
    assert active(store) == before


def test_a_changed_page_is_harvested_and_the_others_skipped(store, server):
    name, url, republish = publish(server, list(range(10)))
    counted(store, name, url)
    republish(list(range(10)), versions={5: 2})
    report, parsed = counted(store, name, url)
    assert parsed == ["2"]
    assert (report.counts["updated"], report.counts["unchanged"]) == (1, 9)
    assert "(v2)" in store.get(dataset_iri(5)).dataset.title["en"]


def test_a_missing_page_still_leads_to_withdrawal(store, server):
    name, url, republish = publish(server, list(range(10)))
    counted(store, name, url)
    republish(list(range(8)))  # page 3 is gone; page 2 loses its next link
    report, parsed = counted(store, name, url)
    assert parsed == ["2"] and report.status == "finished"
    assert (report.counts["unchanged"], report.counts["withdrawn"]) == (8, 2)
    assert set(active(store)) == {dataset_iri(n) for n in range(8)}
    with store.sessions() as s:
        assert sorted(s.scalars(select(HarvestPage.url))) == [server.url(f"/{name}/{n}") for n in (1, 2)]
    republish(list(range(10)))  # back again: the pages changed, the records are restored
    assert counted(store, name, url)[0].counts["updated"] == 2


def test_full_parses_every_page_and_dry_runs_remember_nothing(store, server):
    name, url, _ = publish(server, list(range(6)))
    dry, parsed = counted(store, name, url, dry_run=True)
    assert dry.counts["added"] == 6 and parsed == ["1", "2"]
    assert counted(store, name, url)[1] == ["1", "2"]  # the dry run remembered no page
    full, parsed = counted(store, name, url, full=True)
    assert parsed == ["1", "2"] and full.counts["unchanged"] == 6


def test_a_shrunken_listing_beyond_the_threshold_withdraws_nothing_even_when_pages_are_skipped(store, server):
    name, url, republish = publish(server, list(range(12)))
    counted(store, name, url)
    republish(list(range(4)))  # page 1 unchanged except its next link: one page left
    report, _ = counted(store, name, url)
    assert report.counts["withdrawn"] == 0 and "nothing withdrawn" in report.notes[0]
    assert len(active(store)) == 12


def test_repeated_remote_ids_are_counted_and_named(store, server):
    name, url, _ = publish(server, [0, 1, 2, 2, 3, 0], per_page=3)  # pages [0 1 2] [2 3 0]
    for _ in range(2):  # parsed, then skipped: the same counts
        report, _ = counted(store, name, url)
        assert report.counts["repeated"] == 2 and report.status == "finished"
        assert report.counts["added"] + report.counts["unchanged"] == 4
        assert any(dataset_iri(2) in note and dataset_iri(0) in note for note in report.notes)
        assert load_report(store, report.job_id)["counts"]["repeated"] == 2


def test_generic_gather_is_one_page_without_memory(store, server):
    """A source type without pages (here: dcat's plain gather) works as before and remembers nothing."""
    name, url, _ = publish(server, list(range(5)))

    class Plain(DcatSource):
        pages = None  # type: ignore[assignment]

        def gather(self):  # noqa: ANN202
            for page in DcatSource.pages(self, lambda _url, _digest: None):
                yield from page.refs

    cfg = SourceConfig(name, url, "dcat")
    client = GuardedClient(allow_private=LOCAL)
    assert run(store, cfg, harvester=Plain(cfg, client)).counts["added"] == 5
    assert run(store, cfg, harvester=Plain(cfg, client)).counts["unchanged"] == 5
    with store.sessions() as s:
        assert s.scalar(select(HarvestPage)) is None
    assert harvest(store, name, url).counts["unchanged"] == 5


def test_reports_saved_beside_the_harvest_match_the_stored_content(store, server):
    """Validation runs on a thread beside the harvest: when the job returns, every record has the report
    of its current content, also after an update."""
    from catalog.validation import Validator

    name, url, republish = publish(server, list(range(9)), per_page=3)
    with Validator([FIXTURES / "dcat-ap/3.0.1/shacl/shapes.ttl"]) as validator:
        assert harvest(store, name, url, validator=validator, batch_size=2).counts["added"] == 9
        republish(list(range(9)), versions={4: 2})
        assert harvest(store, name, url, validator=validator).counts["updated"] == 1
    for number in range(9):
        stored = store.get(dataset_iri(number))
        assert stored.report is not None and stored.report["content_hash"] == stored.content_hash
