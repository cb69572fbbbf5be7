"""The one search service: free text, facets, geo and date filters, sorting, paging, related datasets.

Every string a user can send is safe: free text goes through `simple_query_string` (which never raises
a parse error), stripped of control characters and capped; parameters that cannot mean anything raise
`InvalidSearch` (a 400), and an unreachable engine raises `SearchUnavailable` (a 503).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from catalog.model import pick
from search import suggest as suggestions
from search.client import NDJSON
from search.documents import alias_name, doc_id
from search.expand import expand
from search.filters import FACETS, FacetValue
from search.filters.dates import modified_clause, temporal_clause
from search.filters.geo import bbox_clause, polygon_clause

MAX_QUERY = 256
MAX_SIZE = 100
MAX_WINDOW = 10_000  # from + size beyond this needs the `after` cursor
BODY_CACHE = 1024  # serialised msearch bodies a service keeps (a few KB each)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
OPERATORS = re.compile(r"[\"'+\-|*()~\\]+")
FIELDS = [
    "title.zh^4", "title.zh.words^4", "title.en^4", "title.any^3",
    "keywords.text^1.5", "keywords.en^1.5", "keywords.words^1.5", "publisher.name^1.5",
    "description.zh", "description.zh.words", "description.en", "description.any", "all_text^0.3",
]
# Adjacent query words in a title or description rank above the same words scattered over keywords.
PHRASE_FIELDS = ["title.zh^4", "title.en^4", "title.any^3",
                 "description.zh", "description.en", "description.any"]
PHRASE_SLOP = 0
PHRASE_BOOST = 1.0
# A record matching all query words but one still answers (ranked below full matches): "bike lanes" also
# finds bike share stations, "浦东 养老院" other districts' nursing homes. Only when fewer than
# FALLBACK_BELOW records match every word: a search that finds enough full matches does not also score
# every record holding any one of its words ("上海 交通": 5,330 full matches, 53,531 with the fallback;
# it cost that search three times the engine's time).
FALLBACK_MSM = "1<-1"
FALLBACK_BOOST = 0.3
FALLBACK_BELOW = 20
FLAGS = "AND|OR|NOT|PHRASE|PREFIX|PRECEDENCE|ESCAPE|WHITESPACE"  # simple_query_string syntax a user may type
# Highlighted: the Chinese (bigram) and English (stemmed) fields. The language-neutral `.any` fields matched
# the same words and mostly returned the same fragments again, or the same sentence with fewer words marked
# (the page then showed it twice); dropping them changed what 77 of 1,320 results showed, only by such
# near-repeats, and saved ~1.7 ms of the engine's CPU per search (bench/RESULTS.md, session 5).
HIGHLIGHT = {"title.zh": 0, "title.en": 0, "description.zh": 2, "description.en": 2}
SORTS = {
    "relevance": [{"_score": "desc"}, {"modified": {"order": "desc", "missing": "_last"}}, {"iri": "asc"}],
    "modified": [{"modified": {"order": "desc", "missing": "_last"}}, {"iri": "asc"}],
    "title": [{"title_sort": {"order": "asc", "missing": "_last"}}, {"iri": "asc"}],
    "oldest": [{"modified": {"order": "asc", "missing": "_last"}}, {"iri": "asc"}],  # CKAN harvesters' order
}
SOURCE = ["iri", "name", "display", "formats", "modified", "issued", "publisher.key", "themes", "kind",
          "licence", "access_rights", "quality", "spatial"]
# What a list of links to hits needs (`_hit`'s iri, name, title and description).
RELATED_SOURCE = ["iri", "name", "display.title", "display.description"]
# Only what `_result` and `_hit` read: Elasticsearch writes, and the portal parses, a third of the bytes.
HITS_PATH = ["hits.total.value", "hits.hits._source", "hits.hits._score", "hits.hits.sort",
             "hits.hits.highlight"]
FACETS_PATH = [f"aggregations.*.values.buckets.{key}" for key in ("key", "doc_count", "label.buckets.key")]
SEARCH_PATH = ",".join(["responses.status", "responses.error.type", "responses.error.reason",
                        *(f"responses.{path}" for path in HITS_PATH + FACETS_PATH)])


class SearchUnavailable(RuntimeError):
    """Elasticsearch cannot be reached or has no index: the portal answers 503 and keeps serving pages."""


class InvalidSearch(ValueError):
    """A parameter that cannot be searched with (bad bbox, polygon, date or cursor): a 400."""


@contextmanager
def engine_errors(what: str) -> Iterator[None]:
    """Turn the client's transport and availability errors into SearchUnavailable."""
    try:
        yield
    except TransportError as exc:  # connection refused, timeout, TLS...
        raise SearchUnavailable(f"{what}: Elasticsearch is unreachable ({type(exc).__name__})") from exc
    except ApiError as exc:
        if exc.meta.status in (404, 429, 502, 503, 504) or exc.error == "index_not_found_exception":
            message = f"{what}: Elasticsearch answered {exc.meta.status} ({exc.error})"
            raise SearchUnavailable(message) from exc
        raise


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    polygon: str | None = None  # WKT or GeoJSON; datasets intersecting it
    temporal: tuple[str | None, str | None] | None = None  # coverage overlapping (start, end)
    modified: tuple[str | None, str | None] | None = None  # modified within (start, end)
    sort: str = "relevance"
    size: int = 20
    page: int = 1
    after: str | None = None  # cursor from a previous SearchResult.next_after; wins over `page`
    lang: str = "zh"


@dataclass
class Hit:
    iri: str
    name: str | None
    title: str
    description: str
    score: float | None
    highlights: dict[str, list[str]]
    source: dict[str, Any]


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    next_after: str | None
    page: int
    size: int


def clean_text(text: str | None, limit: int = MAX_QUERY) -> str:
    return CONTROL.sub(" ", text or "")[:limit].strip()


def today() -> str:
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def encode_cursor(sort: str, values: list[Any], origin: str) -> str:
    """The cursor carries the recency origin, so every page of one walk is scored alike."""
    return base64.urlsafe_b64encode(json.dumps([sort, values, origin]).encode()).decode().rstrip("=")


def decode_cursor(token: str, sort: str) -> tuple[list[Any], str]:
    try:
        name, values, *rest = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        origin = rest[0] if rest else today()
        datetime.date.fromisoformat(origin)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidSearch("invalid paging cursor") from exc
    if name != sort or not isinstance(values, list) or len(values) != len(SORTS[sort]):
        raise InvalidSearch("paging cursor belongs to another sort order")
    return values, origin


class _Refused(InvalidSearch):
    """Elasticsearch refused the query itself (a 400): `search` retries it once as plain words."""


def _raise_for(response: dict[str, Any]) -> None:
    """An msearch item's error, as `engine_errors` would have turned the same error of a single search."""
    if "error" not in response:
        return
    status, error = response.get("status", 500), response["error"]
    message = f"search: Elasticsearch answered {status} ({error.get('type')})"
    if status == 400:
        raise _Refused("the search engine cannot run this query")
    if status in (404, 429, 502, 503, 504) or error.get("type") == "index_not_found_exception":
        raise SearchUnavailable(message)
    raise RuntimeError(message)


def _widens(text: str) -> bool:
    """Whether the all-but-one fallback can find more than the words do: only for several words."""
    return bool(FALLBACK_MSM) and len(text.split()) > 1


def _facet_clauses(params: SearchParams) -> dict[str, dict[str, Any]]:
    return {name: FACETS[name].clause(values)
            for name, values in params.filters.items() if name in FACETS and values}


class SearchService:
    def __init__(self, client: Elasticsearch, prefix: str) -> None:
        self.client = client
        self.index = alias_name(prefix)
        # The msearch body of a search, serialised, by everything that shapes it: popular searches repeat,
        # and building and serialising the body was a tenth of the portal's own CPU per search. Bodies
        # depend on this module's constants, read when a body is first built (tests/relevance/experiments.py
        # changes them, with a new service for each variant).
        self._bodies: dict[tuple[Any, ...], bytes] = {}
        self._bodies_lock = threading.Lock()

    def search(self, params: SearchParams) -> SearchResult:
        """One round trip: the page of hits, and the facet counts as a request Elasticsearch can cache.
        A second one when the words all match too few records and the all-but-one fallback may add some."""
        after, origin = decode_cursor(params.after, params.sort) if params.after else (None, today())
        hits, counts = self._searched(params, after, origin, widen=False)
        if hits["hits"]["total"]["value"] < FALLBACK_BELOW and _widens(clean_text(params.q)):
            hits, counts = self._searched(params, after, origin, widen=True)
        return self._result(hits, counts, params, origin)

    def _searched(self, params: SearchParams, after: list[Any] | None, origin: str,
                  widen: bool) -> tuple[dict, dict]:
        try:
            return self._msearch(self._encoded(params, after, origin, widen))
        except _Refused:
            text = clean_text(params.q)
            if not text:
                raise
            # A query the engine still refuses (too many clauses...) is retried as plain short words.
            plain = dataclasses.replace(params, q=OPERATORS.sub(" ", text)[:64])
            return self._msearch(self._encoded(plain, after, origin, widen))

    def related(self, iri: str, size: int = 5, lang: str = "zh",
                source: list[str] | None = None) -> list[Hit]:
        """Datasets like this one (more_like_this on titles, keywords and descriptions), never itself.

        `source` narrows the fields each hit brings back (default: all a search result has); a list of links
        needs only RELATED_SOURCE, a tenth of the bytes (`spatial` alone can be a large GeoJSON)."""
        like = {"more_like_this": {
            "fields": ["title.zh", "title.zh.words", "title.en", "title.any", "keywords.text",
                       "description.zh", "description.en"],
            "like": [{"_index": self.index, "_id": doc_id(iri)}],
            "min_term_freq": 1, "min_doc_freq": 1, "max_query_terms": 30,
        }}
        body = {"query": like, "size": max(1, min(size, MAX_SIZE)), "_source": source or SOURCE}
        return [self._hit(h, lang) for h in self._run(body).get("hits", {}).get("hits", [])]

    def suggest(self, prefix: str, lang: str = "zh", size: int = 10) -> list[str]:
        with engine_errors("suggest"):
            return suggestions.suggest(self.client, self.index, clean_text(prefix, 50), lang, size)

    # -- building the request ------------------------------------------------------------------------------
    def _run(self, body: dict[str, Any]) -> dict[str, Any]:
        with engine_errors("search"):
            return self.client.search(index=self.index, **body, filter_path=HITS_PATH).body

    def _searches(self, params: SearchParams, after: list[Any] | None, origin: str,
                  widen: bool = False) -> list[dict[str, Any]]:
        """The msearch body of a search: its page of hits, then its facet counts (size 0, no `now`), which
        Elasticsearch serves from its request cache until the index next changes."""
        return [{"index": self.index}, self._body(params, after, origin, widen),
                {"index": self.index, "request_cache": True}, self._facets_body(params, widen)]

    def _encoded(self, params: SearchParams, after: list[Any] | None, origin: str,
                 widen: bool = False) -> bytes:
        """`_searches` as the ndjson the client sends, built once for each distinct search (at most
        BODY_CACHE kept, the oldest dropped first)."""
        key = (params.q, tuple((name, tuple(values)) for name, values in sorted(params.filters.items())),
               params.bbox, params.polygon, params.temporal, params.modified, params.sort, params.size,
               params.page, params.after, origin, widen)
        found = self._bodies.get(key)
        if found is None:
            found = NDJSON.dumps(self._searches(params, after, origin, widen))
            with self._bodies_lock:
                while len(self._bodies) >= BODY_CACHE:
                    self._bodies.pop(next(iter(self._bodies)))
                self._bodies[key] = found
        return found

    def _msearch(self, searches: list[dict[str, Any]] | bytes) -> tuple[dict, dict]:
        with engine_errors("search"):
            responses = self.client.msearch(searches=searches, filter_path=SEARCH_PATH).body["responses"]
        for response in responses:
            _raise_for(response)
        return responses[0], responses[1]

    def _body(self, params: SearchParams, after: list[Any] | None, origin: str,
              widen: bool = False) -> dict[str, Any]:
        """The page of hits: scored, sorted, highlighted, with the facet filters as plain filters."""
        if params.sort not in SORTS:
            raise InvalidSearch(f"sort must be one of {', '.join(SORTS)}")
        size = max(1, min(int(params.size), MAX_SIZE))
        text = clean_text(params.q)
        body: dict[str, Any] = {
            "query": self._query(text, [*self._filters(params), *_facet_clauses(params).values()], origin,
                                 widen),
            "sort": SORTS[params.sort], "size": size, "track_total_hits": True, "_source": SOURCE,
            "highlight": {"encoder": "html", "pre_tags": ["<mark>"], "post_tags": ["</mark>"],
                          "require_field_match": False,
                          "fields": {f: {"number_of_fragments": n, "fragment_size": 160}
                                     for f, n in HIGHLIGHT.items()}},
        }
        if text:  # only the words are marked, not a selected facet value (year 2021 in a title)
            body["highlight"]["highlight_query"] = self._highlight_query(text)
        if after is not None:
            body["search_after"] = after
        else:
            page = max(1, int(params.page))
            if page * size > MAX_WINDOW:
                raise InvalidSearch(f"pages beyond {MAX_WINDOW} results need the `after` cursor")
            body["from"] = (page - 1) * size
        return body

    def _facets_body(self, params: SearchParams, widen: bool = False) -> dict[str, Any]:
        """The facet counts: the same matches unscored (no recency, so no `now` to defeat the cache)."""
        text = clean_text(params.q)
        matches = [self._text_query(text, widen)] if text else []
        return {"size": 0, "track_total_hits": False,
                "query": {"bool": {"filter": [*matches, *self._filters(params)]}},
                "aggs": self._aggregations(_facet_clauses(params))}

    def _filters(self, params: SearchParams) -> list[dict[str, Any]]:
        """Non-facet filters: status, geo and dates (facet filters narrow the hits and the other facets)."""
        clauses: list[dict[str, Any]] = [{"term": {"status": "active"}}]
        try:
            if params.bbox:
                clauses.append(bbox_clause(*params.bbox))
            if params.polygon:
                clauses.append(polygon_clause(params.polygon))
            if params.temporal:
                clauses.append(temporal_clause(*params.temporal))
            if params.modified:
                clauses.append(modified_clause(*params.modified))
        except (ValueError, TypeError) as exc:
            raise InvalidSearch(str(exc)) from exc
        return clauses

    @staticmethod
    def _query(text: str, filters: list[dict[str, Any]], origin: str, widen: bool = False) -> dict[str, Any]:
        """Text relevance with recency and quality as gentle multipliers (at most x1.6 together).

        Recency decays from a day (`origin`), not from `now`: scores computed from a moving `now` differ
        between two requests, and a `search_after` walk ordered by score then repeats and skips hits."""
        match: dict[str, Any] = {"match_all": {}}
        if text:
            match = SearchService._text_query(text, widen)
        return {"function_score": {
            "query": {"bool": {"must": [match], "filter": filters}},
            "functions": [
                {"weight": 1},
                {"gauss": {"modified": {"origin": origin, "scale": "730d", "offset": "30d", "decay": 0.5}},
                 "weight": 0.3},
                {"field_value_factor": {"field": "quality", "factor": 0.3, "missing": 0}},
            ],
            "score_mode": "sum", "boost_mode": "multiply",
        }}

    @staticmethod
    def _text_query(text: str, widen: bool = False) -> dict[str, Any]:
        """All words (with their expansions) must match; widened, all but one still matches, lower;
        phrases lift."""
        expanded = expand(text)
        strict = {"simple_query_string": {"query": expanded, "fields": FIELDS, "default_operator": "and",
                                          "lenient": True, "flags": FLAGS}}
        should: list[dict[str, Any]] = [strict]
        if widen and _widens(text):
            should.append({"simple_query_string": {
                "query": expanded, "fields": FIELDS, "default_operator": "or", "lenient": True,
                "flags": FLAGS, "minimum_should_match": FALLBACK_MSM, "boost": FALLBACK_BOOST}})
        query: dict[str, Any] = {"bool": {"should": should, "minimum_should_match": 1}}
        if PHRASE_BOOST:
            phrase = OPERATORS.sub(" ", text).strip()
            if phrase:
                query = {"bool": {"must": [query], "should": [{"multi_match": {
                    "query": phrase, "type": "phrase", "fields": PHRASE_FIELDS, "slop": PHRASE_SLOP,
                    "lenient": True, "boost": PHRASE_BOOST}}]}}
        return query

    @staticmethod
    def _highlight_query(text: str) -> dict[str, Any]:
        """The words to mark, on the highlighted fields only. The whole text query (thirteen fields, the
        all-but-one fallback, the phrase boost) marks the same words, but Elasticsearch prepares it again
        for each hit and field: it took ~40% of a search's time in the engine (bench/RESULTS.md)."""
        return {"simple_query_string": {"query": expand(text), "fields": list(HIGHLIGHT),
                                        "default_operator": "and", "lenient": True, "flags": FLAGS}}

    @staticmethod
    def _aggregations(facet_clauses: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Each facet counts under every selected filter except its own, so alternatives stay visible."""
        aggs = {}
        for name, facet in FACETS.items():
            others = [c for other, c in facet_clauses.items() if other != name]
            aggs[name] = {"filter": {"bool": {"filter": others}}, "aggs": {"values": facet.aggregation()}}
        return aggs

    # -- reading the response ------------------------------------------------------------------------------
    def _result(self, response: dict[str, Any], counts: dict[str, Any], params: SearchParams,
                origin: str) -> SearchResult:
        """Keys the filter_path left out (no hits, a facet without buckets) read as empty."""
        hits = response["hits"].get("hits", [])
        size = max(1, min(int(params.size), MAX_SIZE))
        aggregations = counts.get("aggregations", {})
        facets = {name: facet.values(aggregations.get(name, {}).get("values", {}), params.lang,
                                     params.filters.get(name, []))
                  for name, facet in FACETS.items()}
        after = encode_cursor(params.sort, hits[-1]["sort"], origin) if len(hits) == size else None
        return SearchResult(response["hits"]["total"]["value"], [self._hit(h, params.lang) for h in hits],
                            facets, after, max(1, int(params.page)), size)

    @staticmethod
    def _hit(hit: dict[str, Any], lang: str) -> Hit:
        source = hit["_source"]
        display = source.get("display", {})
        highlights: dict[str, list[str]] = {}
        for name, fragments in hit.get("highlight", {}).items():
            highlights.setdefault(name.split(".")[0], []).extend(fragments)
        return Hit(source["iri"], source.get("name"), pick(display.get("title"), lang),
                   pick(display.get("description"), lang), hit.get("_score"), highlights, source)
