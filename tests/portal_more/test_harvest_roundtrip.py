"""A second Kaifang harvests the first through its CKAN harvester (ckanapi over the Action API), so what
Kaifang publishes for CKAN clients is checked by the client Kaifang itself trusts: every dataset arrives
with its title, publisher and distributions; a second run changes nothing; a withdrawal propagates."""

from __future__ import annotations

from rdflib import URIRef

from catalog.model import pick
from catalog.views.ckan import local_name
from harvesters.base import run
from harvesters.http import GuardedClient
from harvesters.source import SourceConfig
from search.indexer import Indexer
from tests.portal_search.conftest import GEO_IRI


def _harvest(store, server):
    source = SourceConfig("kaifang-a", server, "ckan", config={"rows": 50})
    return run(store, source, client=GuardedClient(allow_private=["127.0.0.1/32"]))


def _summary(store) -> dict[str, tuple[dict[str, str], str, int]]:
    """Titles (every language), publisher name and distribution count per dataset IRI (the harvester keeps
    IRIs through the `uri` extra)."""
    return {s.iri: (s.dataset.title, pick(s.dataset.publisher.name) if s.dataset.publisher else "",
                    len(s.dataset.distributions)) for s in store.iter_datasets()}


def _publisher_iris(store) -> dict[str, str]:
    return {s.iri: s.dataset.publisher.iri for s in store.iter_datasets()
            if s.dataset.publisher and s.dataset.publisher.iri}


def _as_ckan_shows_it(summary: dict[str, tuple[dict[str, str], str, int]], store) -> dict:
    """What survives CKAN's model: an untitled record is titled with its name (CKAN's schema does that) and
    an unnamed publisher organization with the last segment of its IRI."""
    out = {}
    for iri, (title, publisher, count) in summary.items():
        stored = store.get(iri)
        agent = stored.dataset.publisher
        out[iri] = (title or {"": stored.name},
                    publisher or (local_name(agent.iri) if agent and agent.iri else ""), count)
    return out


def test_second_kaifang_harvests_the_first(site, server, es, store):
    report = _harvest(store, server)
    assert report.status == "finished", report.fatal_error
    assert report.counts["failed"] == 0, report.errors[:3]
    assert store.count() == site.store.count() == report.counts["added"]
    a, b = _as_ckan_shows_it(_summary(site.store), site.store), _summary(store)
    assert a == b
    assert b[GEO_IRI][0] == {"zh": "公交站点位置", "en": "Bus stop locations"}
    assert _publisher_iris(site.store) and _publisher_iris(store) == _publisher_iris(site.store)

    again = _harvest(store, server)
    assert again.status == "finished"
    assert again.counts["unchanged"] == store.count()
    assert again.counts["added"] == again.counts["updated"] == again.counts["withdrawn"] == 0

    gone = site.store.get(GEO_IRI)
    try:
        assert site.store.withdraw(gone.iri)
        Indexer(es, site.prefix).drain_outbox(site.store)
        Indexer(es, site.prefix).refresh()
        third = _harvest(store, server)
        assert third.status == "finished" and third.counts["withdrawn"] == 1
        assert store.get(gone.iri).status == "withdrawn"
        assert store.count() == site.store.count()
    finally:
        site.store.upsert(URIRef(gone.iri), gone.graph())
        Indexer(es, site.prefix).drain_outbox(site.store)
        Indexer(es, site.prefix).refresh()


def test_incremental_harvest_gets_only_what_changed_since(site, server, store):
    since = "2023-01-01"
    expected = {s.iri for s in site.store.iter_datasets() if (s.dataset.modified or "")[:10] >= since}
    assert 0 < len(expected) < site.store.count()
    source = SourceConfig("kaifang-a-since", server, "ckan", config={"since": since})
    report = run(store, source, client=GuardedClient(allow_private=["127.0.0.1/32"]))
    assert report.status == "finished", report.fatal_error
    assert {s.iri for s in store.iter_datasets()} == expected
