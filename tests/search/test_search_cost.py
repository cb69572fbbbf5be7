"""What keeps a search cheap without changing its answer: facet counts from the request cache, a small
response, highlights of the words only, a body built once per distinct search, orjson in the client, and a
reindex that builds documents while Elasticsearch indexes."""

from __future__ import annotations

import dataclasses
import datetime
import json
import threading
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from search import query
from search.client import JSON, NDJSON, OrjsonNdjsonSerializer, OrjsonSerializer
from search.indexer import ahead
from search.query import SearchParams, SearchService
from tests.search import records as r

BUDGET = "https://data.example.org/dataset/budget-2021"
LANES = "https://data.example.org/dataset/bike-lanes"


def _catalogue() -> list:
    out = [r.from_shanghai(row, i) for i, row in enumerate(r.shanghai_rows()[:12])]
    out.append(r.dataset(BUDGET, {"en": "City budget 2021"}, description={"en": "Spending in 2021 by CSV"},
                         formats=["CSV"], modified="2021-05-01"))
    out.append(r.dataset(LANES, {"en": "Bike lanes"}, description={"en": "Protected bike lanes by street"}))
    out.append(r.dataset("https://data.example.org/dataset/bike-share", {"en": "Bike share stations"}))
    out.append(r.dataset("https://data.example.org/dataset/lane-closures", {"en": "Traffic lane closures"}))
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


def _round_trips(service: SearchService, monkeypatch) -> list[int]:
    sent = []
    real = service._msearch
    monkeypatch.setattr(service, "_msearch", lambda body: sent.append(1) or real(body))
    return sent


def test_too_few_full_matches_add_those_missing_one_word_ranked_below(service, monkeypatch):
    sent = _round_trips(service, monkeypatch)
    result = service.search(SearchParams(q="bike lanes", lang="en"))
    assert len(sent) == 2  # the words alone matched fewer than FALLBACK_BELOW records: searched again
    assert result.hits[0].iri == LANES
    assert {h.iri for h in result.hits[1:]} >= {"https://data.example.org/dataset/bike-share",
                                                 "https://data.example.org/dataset/lane-closures"}
    assert result.total == len(result.hits) >= 3


def test_enough_full_matches_are_the_whole_answer_in_one_round_trip(service, monkeypatch):
    monkeypatch.setattr(query, "FALLBACK_BELOW", 1)
    sent = _round_trips(service, monkeypatch)
    result = service.search(SearchParams(q="bike lanes", lang="en"))
    assert len(sent) == 1 and result.total == 1 and [h.iri for h in result.hits] == [LANES]
    assert len(service.search(SearchParams(q="bike", lang="en")).hits) == 2  # one word: nothing to widen


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


def _answer(result) -> tuple:
    return (result.total, [(h.iri, h.highlights) for h in result.hits], result.facets, result.next_after)


def test_the_client_speaks_orjson_and_answers_as_the_standard_library_did(service, es_url):
    serializers = service.client.transport.serializers
    assert isinstance(serializers.get_serializer("application/json"), OrjsonSerializer)
    compatible = serializers.get_serializer("application/vnd.elasticsearch+x-ndjson")
    assert isinstance(compatible, OrjsonNdjsonSerializer)
    plain = SearchService(Elasticsearch(es_url, request_timeout=60), "unused")  # the client's own json
    plain.index = service.index
    for params in (SearchParams(q="budget", lang="en"), SearchParams(size=5, sort="modified"),
                   SearchParams(q="公交 站点", filters={"format": ["CSV"]}), SearchParams(q="zzz-nothing")):
        assert _answer(service.search(params)) == _answer(plain.search(params))


def test_what_orjson_refuses_goes_through_the_standard_library():
    data = {"q": "空气质量", 1: [datetime.date(2021, 5, 1)], "big": 2**70, "lone": "\ud800"}
    for serializer in (JSON, NDJSON):
        body = serializer.json_dumps(data)
        assert json.loads(body.decode("utf-8", "surrogatepass")) == {
            "q": "空气质量", "1": ["2021-05-01"], "big": 2**70, "lone": "\ud800"}
    assert JSON.dumps({"q": "空气质量", 3: 1.5}) == json.dumps(
        {"q": "空气质量", 3: 1.5}, ensure_ascii=False, separators=(",", ":")).encode()
    # Answers: integers are exact up to 64 bits (no Kaifang field is an unsigned_long beyond them).
    assert JSON.loads(b'{"n": 18446744073709551615, "m": -9223372036854775808}') == {
        "n": 2**64 - 1, "m": -(2**63)}
    assert JSON.loads(b'{"q": "\\ud800"}') == {"q": "\ud800"}  # a lone surrogate: the standard library


def test_each_distinct_search_builds_its_body_once(service):
    params = SearchParams(q="budget", lang="en", filters={"format": ["CSV"]})
    service._bodies.clear()
    first = service.search(params)
    again = service.search(dataclasses.replace(params, lang="zh"))  # the language does not shape the body
    assert len(service._bodies) == 1 and [h.iri for h in again.hits] == [h.iri for h in first.hits]
    origin = query.today()
    sent = service._encoded(params, None, origin)
    assert sent == NDJSON.dumps(service._searches(params, None, origin))
    changes = ({"filters": {"format": ["JSON"]}}, {"q": "x"}, {"sort": "modified"}, {"page": 2})
    for change in changes:
        assert service._encoded(dataclasses.replace(params, **change), None, origin) != sent
    assert service._encoded(params, None, "2020-01-01") != sent  # a cursor's recency day is its own body


def test_kept_bodies_are_bounded(service, monkeypatch):
    monkeypatch.setattr(query, "BODY_CACHE", 3)
    service._bodies.clear()
    for page in range(1, 6):
        service.search(SearchParams(q="budget", lang="en", page=page, size=1))
    assert len(service._bodies) == 3


def test_a_cursor_walk_sends_each_page_its_own_body(service):
    seen, after = [], None
    while True:
        result = service.search(SearchParams(size=4, after=after))
        seen += [h.iri for h in result.hits]
        if not result.next_after:
            break
        after = result.next_after
    assert len(seen) == len(set(seen)) == service.search(SearchParams(size=1)).total


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
