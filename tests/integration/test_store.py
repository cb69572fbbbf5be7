"""The catalogue store on both backends: round trips, idempotent upserts, withdrawal, the outbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from catalog.contexts import known_contexts
from catalog.importer import import_file
from catalog.namespaces import DCT
from catalog.rdf import RDFError, parse
from catalog.store import CatalogStore

FIXTURES = Path(__file__).parent.parent / "fixtures"
EXAMPLES = sorted(
    [*FIXTURES.glob("dcat-ap/3.0.1/examples/*.ttl"),
     *FIXTURES.glob("dcat-ap/3.0.1/examples/example-*.jsonld"),
     *FIXTURES.glob("w3c-dcat3/examples/*.ttl"), *FIXTURES.glob("w3c-dcat3/examples/*.rdf")]
)


def _parse(path: Path) -> Graph | None:
    try:
        return parse(path.read_bytes(), filename=str(path), contexts=known_contexts())
    except RDFError:
        return None


PARSEABLE = [p for p in EXAMPLES if _parse(p) is not None]


def test_the_examples_are_mostly_parseable():
    assert len(PARSEABLE) >= 0.9 * len(EXAMPLES)


@pytest.mark.parametrize("path", PARSEABLE[::7], ids=lambda p: p.name)
def test_import_then_export_is_isomorphic(db_url, path):
    """parse -> store -> serialise gives back the same graph (sampled across both backends)."""
    store = CatalogStore.from_url(db_url)
    result = import_file(store, path)
    assert result.ok, result.error
    assert isomorphic(store.export_graph(), _parse(path))


def test_every_example_round_trips_on_sqlite(tmp_path):
    from catalog import migrate

    failures = []
    for i, path in enumerate(PARSEABLE):
        url = f"sqlite:///{tmp_path / f'{i}.db'}"
        migrate.upgrade(url)
        store = CatalogStore.from_url(url)
        import_file(store, path)
        if not isomorphic(store.export_graph(), _parse(path)):
            failures.append(path.name)
        store.engine.dispose()
    assert failures == []


def test_upsert_is_idempotent_and_detects_changes(store):
    path = FIXTURES / "w3c-dcat3/examples/csiro-dap-examples.ttl"
    first = import_file(store, path)
    assert first.added >= 2 and first.updated == 0
    again = import_file(store, path)
    assert again.added == 0 and again.updated == 0 and again.unchanged == first.added

    stored = store.get(first.iris[0])
    graph = stored.graph()
    graph.set((URIRef(stored.iri), DCT.title, Literal("新标题", lang="zh")))
    assert store.upsert(URIRef(stored.iri), graph) == "updated"
    assert store.get(stored.iri).dataset.title["zh"] == "新标题"


def test_withdraw_keeps_the_record_and_queues_a_delete(store):
    result = import_file(store, FIXTURES / "w3c-dcat3/examples/csiro-dap-examples.ttl")
    iri = result.iris[0]
    before = store.count()
    assert store.withdraw(iri) is True
    assert store.withdraw(iri) is False
    assert store.count() == before - 1
    assert store.get(iri).status == "withdrawn"
    assert (iri, "delete") in [(i, op) for _, i, op in store.outbox_peek(1000)]


def test_outbox_is_written_with_each_change_and_drains(store):
    result = import_file(store, FIXTURES / "w3c-dcat3/examples/csiro-dap-examples.ttl")
    pending = store.outbox_peek(1000)
    assert {iri for _, iri, _ in pending} == set(result.iris)
    store.outbox_ack([i for i, _, _ in pending])
    assert store.outbox_peek() == []


def test_a_broken_file_changes_nothing(store):
    broken = FIXTURES / "dcat-ap/3.0.1/examples/example-bee-population-dataset-series-api.ttl"
    result = import_file(store, broken)
    assert not result.ok
    assert "example-bee-population-dataset-series-api.ttl" in result.error
    assert "\n" not in result.error
    assert store.count() == 0
