"""Index management on both database backends: outbox replay after an outage, verify and repair, alias
swaps while searches run, and the CLI commands."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner

from portal.cli import main
from search.client import connect
from search.documents import alias_name, doc_id
from search.indexer import Indexer
from search.query import SearchParams, SearchService, SearchUnavailable
from tests.search import records as r


def _records(n: int) -> list:
    rows = r.shanghai_rows()[:n]
    return [r.from_shanghai(row, i) for i, row in enumerate(rows)]


def _indexed(es, prefix) -> set[str]:
    es.indices.refresh(index=alias_name(prefix))
    hits = es.search(index=alias_name(prefix), size=1000, source=["iri"])["hits"]["hits"]
    return {h["_source"]["iri"] for h in hits}


@pytest.fixture
def fresh_prefix(prefix, request) -> str:
    """One index per test (and backend) under the module's prefix."""
    return f"{prefix}-{request.node.name.split('[')[-1].rstrip(']').lower()}-{len(request.node.name)}"


def test_outbox_survives_an_outage_then_drains(store, es, fresh_prefix):
    iris = r.load(store, _records(40))
    queued = store.outbox_peek(1000)
    assert len(queued) == 40

    down = Indexer(connect("http://127.0.0.1:9", timeout=2), fresh_prefix)
    with pytest.raises(SearchUnavailable, match="unreachable"):
        down.drain_outbox(store)
    assert store.outbox_peek(1000) == queued  # nothing acknowledged

    indexer = Indexer(es, fresh_prefix)
    assert indexer.drain_outbox(store, batch=15) == 40
    assert store.outbox_peek(1000) == []
    assert _indexed(es, fresh_prefix) == set(iris)

    store.withdraw(iris[0])
    node, graph = r.from_shanghai(r.shanghai_rows()[1], 1, modified="2025-01-01")
    store.upsert(node, graph)
    assert indexer.drain_outbox(store) == 2
    assert _indexed(es, fresh_prefix) == set(iris[1:])
    hit = es.get(index=alias_name(fresh_prefix), id=doc_id(iris[1]))["_source"]
    assert hit["modified"] == "2025-01-01" and hit["content_hash"] == store.get(iris[1]).content_hash


def test_verify_finds_and_repairs_drift(store, es, fresh_prefix):
    iris = r.load(store, _records(20))
    indexer = Indexer(es, fresh_prefix)
    indexer.reindex(store)
    assert indexer.verify(store) == {"missing": [], "stale": [], "extra": []}

    es.delete(index=alias_name(fresh_prefix), id=doc_id(iris[0]))
    es.index(index=alias_name(fresh_prefix), id=doc_id("urn:gone"), document={"iri": "urn:gone"})
    node, graph = r.from_shanghai(r.shanghai_rows()[2], 2, description={"zh": "新的摘要"})
    store.upsert(node, graph)  # changed in the catalogue, outbox not drained
    report = indexer.verify(store)
    assert report == {"missing": [iris[0]], "stale": [iris[2]], "extra": ["urn:gone"]}

    indexer.verify(store, repair=True)
    assert indexer.verify(store) == {"missing": [], "stale": [], "extra": []}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_alias_swap_while_searching(store, es, fresh_prefix):
    r.load(store, _records(300))
    indexer = Indexer(es, fresh_prefix, swap_grace=0.5)
    first = indexer.reindex(store)
    service = SearchService(es, fresh_prefix)
    errors: list[Exception] = []
    totals: list[int] = []
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                totals.append(service.search(SearchParams(q="数据")).total)
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                errors.append(exc)

    thread = threading.Thread(target=search_loop)
    thread.start()
    try:
        second = indexer.reindex(store)
        third = indexer.reindex(store)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert len(totals) > 5 and len(set(totals)) == 1 and totals[0] > 0
    assert second["replaced"] == [first["index"]] and third["replaced"] == [second["index"]]
    assert indexer.current_indices() == [third["index"]]
    assert not es.indices.exists(index=first["index"])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_reindex_verify_drain(store, db_url, es_url, fresh_prefix):
    r.load(store, _records(5))
    env = {"DATABASE_URL": db_url, "ELASTICSEARCH_URL": es_url, "KAIFANG_INDEX_PREFIX": fresh_prefix}
    runner = CliRunner()
    drained = runner.invoke(main, ["search", "drain"], env=env)
    assert drained.exit_code == 0 and "5 outbox entries applied" in drained.output
    assert runner.invoke(main, ["search", "reindex"], env=env).exit_code == 0
    assert runner.invoke(main, ["search", "verify"], env=env).exit_code == 0
    store.withdraw(r.load(store, _records(1))[0])
    assert runner.invoke(main, ["search", "verify"], env=env).exit_code == 1
    assert runner.invoke(main, ["search", "verify", "--repair"], env=env).exit_code == 0
    down = runner.invoke(main, ["search", "drain"], env={**env, "ELASTICSEARCH_URL": "http://127.0.0.1:9"})
    assert down.exit_code == 1 and "unreachable" in down.output


def _segments(es, index: str) -> int:
    shards = es.indices.segments(index=index)["indices"][index]["shards"]
    return sum(len(copy["segments"]) for copies in shards.values() for copy in copies)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_reindex_takes_searches_with_one_segment(store, es, fresh_prefix):
    """A rebuilt index is merged before the swap, so the first searches do not compete with merging."""
    r.load(store, _records(60))
    indexer = Indexer(es, fresh_prefix)
    name = indexer.reindex(store)["index"]
    assert _segments(es, name) == 1

    for start in (0, 20, 40):  # three refreshes: three segments, until merged
        for i in range(start, start + 20):
            es.index(index=name, id=f"extra-{i}", document={"iri": f"urn:extra:{i}"})
        es.indices.refresh(index=name)
    assert _segments(es, name) > 1
    indexer._merge(name)
    assert _segments(es, name) == 1
