"""What keeps a search cheap without changing its answer: facet counts from the request cache, a small
response, highlights of the words only, and a reindex that builds documents while Elasticsearch indexes."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from search.indexer import ahead
from search.query import SearchParams, SearchService
from tests.search import records as r

BUDGET = "https://data.example.org/dataset/budget-2021"


def _catalogue() -> list:
    out = [r.from_shanghai(row, i) for i, row in enumerate(r.shanghai_rows()[:12])]
    out.append(r.dataset(BUDGET, {"en": "City budget 2021"}, description={"en": "Spending in 2021 by CSV"},
                         formats=["CSV"], modified="2021-05-01"))
    return out


@pytest.fixture(scope="module")
def service(tmp_path_factory, es, prefix) -> SearchService:
    return r.indexed(tmp_path_factory.mktemp("cost"), es, prefix, _catalogue())


def _cache_hits(service: SearchService) -> int:
    stats = service.client.indices.stats(index=service.index, metric="request_cache")
    return stats["_all"]["total"]["request_cache"]["hit_count"]


def test_repeated_search_counts_facets_from_the_request_cache(service):
    params = SearchParams(q="budget", lang="en", filters={"format": ["CSV"]})
    first = service.search(params)
    before = _cache_hits(service)
    again = service.search(params)
    assert _cache_hits(service) > before
    assert again.facets == first.facets and [h.iri for h in again.hits] == [h.iri for h in first.hits]
    assert first.total == 1 and first.hits[0].iri == BUDGET
    assert {v.value: v.count for v in first.facets["year"]}["2021"] == 1


def test_a_selected_facet_value_is_not_highlighted(service):
    hit = service.search(SearchParams(q="budget", lang="en", filters={"year": ["2021"]})).hits[0]
    marked = " ".join(f for fragments in hit.highlights.values() for f in fragments)
    assert "<mark>budget</mark>" in marked.lower()
    assert "<mark>2021</mark>" not in marked


def test_no_match_reads_as_empty_hits_and_zero_counts(service):
    result = service.search(SearchParams(q="zzzqqq-nothing", filters={"format": ["CSV"]}))
    assert result.total == 0 and result.hits == [] and result.next_after is None
    assert result.facets["format"][0].value == "CSV" and result.facets["format"][0].count == 0


def test_facet_counts_exclude_their_own_filter_only(service):
    everything = service.search(SearchParams(size=100))
    narrowed = service.search(SearchParams(size=100, filters={"format": ["CSV"]}))
    assert {v.value: v.count for v in narrowed.facets["format"]} == \
        {v.value: v.count for v in everything.facets["format"]}
    assert narrowed.total == {v.value: v.count for v in everything.facets["format"]}["CSV"]


# -- building ahead ----------------------------------------------------------------------------------------
def test_ahead_yields_everything_in_order():
    assert list(ahead(iter(range(1000)), 7)) == list(range(1000))


def test_ahead_raises_the_producers_error_in_the_consumer():
    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("bad record")

    with pytest.raises(ValueError, match="bad record"):
        list(ahead(broken(), 4))


def test_ahead_stops_its_thread_when_the_consumer_stops():
    produced = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    items = ahead(endless(), 3)
    assert [next(items) for _ in range(5)] == list(range(5))
    items.close()
    assert not any(t.name == "kaifang-index-documents" and t.is_alive() for t in threading.enumerate())
    assert len(produced) < 20
