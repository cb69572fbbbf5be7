"""The catalogue store on both backends: round trips, idempotent upserts, withdrawal, the outbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from catalog.contexts import known_contexts
from catalog.importer import import_file
from catalog.model import Dataset
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


def test_raw_projections_read_a_page_of_records_in_one_query(store):
    """CKAN search results: one query for many IRIs, projections as text that decodes to the stored
    projection (JSONB text on PostgreSQL), active records only, unknown IRIs left out."""
    from sqlalchemy import event

    from catalog.views.ckan import cached_package, to_ckan

    iris = import_file(store, FIXTURES / "w3c-dcat3/examples/csiro-dap-examples.ttl").iris
    iris += import_file(store, FIXTURES / "dcat-ap/3.0.1/examples/example-bee-population.ttl").iris
    store.withdraw(iris[0])
    statements = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    found = store.raw_projections([*iris, "https://example.org/not-stored", iris[1]])
    assert len(statements) == 1
    assert set(found) == set(iris[1:])
    for iri, raw in found.items():
        stored = store.get(iri)
        assert (raw.id, raw.name, raw.status) == (stored.id, stored.name, "active")
        assert Dataset.from_dict(json.loads(raw.projection_json)) == stored.dataset
        assert cached_package(raw, "en") == to_ckan(stored, "en")
    assert set(store.raw_projections([iris[0]], status=None)) == {iris[0]}
    assert store.raw_projections([]) == {}


def test_cached_ckan_packages_follow_changes(store):
    """A CKAN dict is remembered by the record's text: a changed record maps anew, an unchanged one is
    the very same dict."""
    from catalog.views.ckan import cached_package

    iri = import_file(store, FIXTURES / "w3c-dcat3/examples/csiro-dap-examples.ttl").iris[0]
    first = cached_package(store.raw_projections([iri])[iri], "zh")
    assert cached_package(store.raw_projections([iri])[iri], "zh") is first
    graph = store.get(iri).graph()
    graph.set((URIRef(iri), DCT.title, Literal("新标题", lang="zh")))
    store.upsert(URIRef(iri), graph)
    changed = cached_package(store.raw_projections([iri])[iri], "zh")
    assert changed["title"] == "新标题" and first["title"] != "新标题"
    assert cached_package(store.raw_projections([iri])[iri], "en") is not changed  # per language
