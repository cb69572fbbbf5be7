"""CatalogStore.upsert_many against upsert: the same outcomes and the same rows (datasets, terms, outbox),
added, unchanged, updated, re-activated after withdrawal, and with an IRI given twice; SQLite and
PostgreSQL."""

from __future__ import annotations

import json

import pytest
from rdflib import Literal, URIRef
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog import migrate
from catalog.namespaces import DCAT
from catalog.rdf import parse_index
from catalog.records import split
from catalog.store import CatalogStore, prepare
from catalog.tables import DatasetRow, OutboxRow, TermRow
from tests.harvest.conftest import HEAD, record


def _records(numbers, version=1):
    text = HEAD + "\n" + "\n".join(record(n, version) for n in numbers)
    records = split(parse_index(text.encode(), format="turtle"))[0]
    for r in records:  # terms too: a theme and keywords
        r.graph.add((r.node, DCAT.theme, URIRef("http://publications.europa.eu/resource/authority/data-theme/AGRI")))
        r.graph.add((r.node, DCAT.keyword, Literal(f"bees {version}", lang="en")))
    return records


def _state(store: CatalogStore) -> tuple:
    with store.sessions() as s:
        rows = sorted((r.iri, r.name, r.kind, r.title, r.publisher_iri, r.graph_nt, r.content_hash,
                       json.dumps(r.projection, sort_keys=True), r.status, r.source, r.modified, r.ckan_id,
                       r.publisher_key) for r in s.scalars(select(DatasetRow)))
        ids = dict(s.execute(select(DatasetRow.id, DatasetRow.iri)).all())
        terms = sorted((ids[t.dataset_id], t.kind, t.value) for t in s.scalars(select(TermRow)))
        outbox = sorted((o.dataset_iri, o.op) for o in s.scalars(select(OutboxRow)))
    return rows, terms, outbox


def _one_by_one(store, records, source="harvest:x"):
    with store.sessions() as s:
        out = [store.upsert(r.node, None, source=source, session=s, prepared=prepare(r.node, r.graph))
               for r in records]
        s.commit()
    return out


def _batched(store, records, source="harvest:x", prepared=True):
    with store.sessions() as s:
        out = store.upsert_many([(r.node, r.graph, prepare(r.node, r.graph) if prepared else None)
                                 for r in records], source=source, session=s)
        s.commit()
    assert [digest for _, digest in out] == [prepare(r.node, r.graph).digest for r in records]
    return [outcome for outcome, _ in out]


def test_upsert_many_matches_upsert(db_url, tmp_path) -> None:
    one = CatalogStore.from_url(db_url)
    other_url = f"sqlite:///{tmp_path}/other.db"
    migrate.upgrade(other_url)
    many = CatalogStore.from_url(other_url)
    steps = [(_records(range(5)), True), (_records(range(3, 8)), True), (_records(range(0, 8, 2), 2), False)]
    for records, prepared in steps:
        assert _one_by_one(one, records) == _batched(many, records, prepared=prepared)
        assert _state(one) == _state(many)
    iri = str(_records([1])[0].node)
    assert one.withdraw(iri) and many.withdraw(iri)
    again = _records([1, 2], 2)  # a withdrawn record comes back ("updated") and an unchanged one
    assert _one_by_one(one, again) == _batched(many, again) == ["updated", "unchanged"]
    assert _state(one) == _state(many)
    with one.sessions() as s:
        assert s.scalar(select(DatasetRow.status).where(DatasetRow.iri == iri)) == "active"


def test_upsert_many_with_an_iri_twice_takes_the_one_by_one_path(store) -> None:
    """As in a harvest's batch (no autoflush): the unique IRI refuses the batch at flush, as `upsert` did,
    and the lifecycle then stores the records one by one."""
    first, = _records([9])
    second, = _records([9], 2)
    with pytest.raises(IntegrityError), store.sessions() as s, s.no_autoflush:
        store.upsert_many([(first.node, first.graph, None), (second.node, second.graph, None)],
                          source="harvest:x", session=s)
        s.flush()
    assert store.get(str(first.node)) is None
    assert _batched(store, [first]) == ["added"]
    assert _batched(store, [second]) == ["updated"]
    assert store.get(str(first.node)).dataset.title == {"en": "The population of bees 9 (v2)"}
