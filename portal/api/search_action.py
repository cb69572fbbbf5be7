"""CKAN's package_search over Kaifang's one search service, so CKAN clients can search and facet.

CKAN sends Solr syntax; Kaifang understands the part clients use: `fq` (and `q`) terms `field:value` or
`field:"value"` for organization, groups, tags, res_format and license_id, CKAN's sort strings, and
facet.field/facet.limit. `start` may go arbitrarily deep: pages past Elasticsearch's window are walked
with the search cursor (CKAN stops at Solr's limits; harvesters that page with start keep working).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from catalog.store import PublisherCount, name_for
from catalog.views.ckan import cached_package, ckan_id
from portal.api.actions import action
from portal.api.errors import ActionError, ValidationError
from portal.api.openapi import Operation, Param, array, document, obj
from portal.api.params import MAX_LIMIT, integer
from portal.i18n import lang
from portal.web import deps, listings
from search.filters import FacetValue
from search.query import MAX_SIZE, MAX_WINDOW, Hit, InvalidSearch, SearchParams, SearchUnavailable

FIELDS = {"organization": "publisher", "groups": "theme", "tags": "keyword", "res_format": "format",
          "license_id": "licence"}
NO_OPS = {("dataset_type", "dataset"), ("state", "active"), ("capacity", "public")}  # true of every record
TERM = re.compile(r'\s*(?:\+|AND\s+)?([A-Za-z_]+):(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))\s*')
# The range CKAN harvesters add for an incremental run (Kaifang's `since`); dates are day-precise here.
MODIFIED = re.compile(r"\s*(?:\+|AND\s+)?metadata_modified:\[(\S+) TO (\S+)\]\s*")
# "metadata_modified asc" is what CKAN harvesters (Kaifang's own among them) page with: oldest change first.
SORTS = {"score desc": "relevance", "metadata_modified desc": "modified", "metadata_modified asc": "oldest",
         "title_string asc": "title", "name asc": "title"}
DEFAULT_FACETS = ["organization", "groups", "tags", "res_format", "license_id"]


class SearchDown(ActionError):
    status = 503
    type = "Search Error"


@action
def package_search(params: dict[str, Any]) -> dict[str, Any]:
    """Search datasets. :param q: text (or field:value terms) :param fq: field:value filters (organization,
    groups, tags, res_format, license_id), metadata_modified:[A TO B]
    :param sort: metadata_modified desc|asc | title_string asc | score desc
    :param rows: (max 1000) :param start: :param facet.field: JSON list :param facet.limit: (default 50)"""
    rows = integer(params, "rows", 10, maximum=MAX_LIMIT) or 0
    start = integer(params, "start", 0) or 0
    q, filters = _terms(str(params.get("q") or ""), lenient=True)
    fq, modified = _modified(str(params.get("fq") or ""))
    _fq_text, fq_filters = _terms(fq, lenient=False)
    for name, values in fq_filters.items():
        filters.setdefault(name, []).extend(values)
    search = SearchParams(q="" if q.strip() in ("*:*", "*") else q, filters=filters, sort=_sort(params),
                          modified=modified, lang=lang())
    try:
        total, hits, facets = _window(search, start, rows)
    except SearchUnavailable as exc:
        raise SearchDown("Search is temporarily unavailable") from exc
    except InvalidSearch as exc:
        raise ValidationError({"q": [str(exc)]}) from exc
    wanted = _facet_fields(params)
    limit = integer(params, "facet.limit", 50, minimum=-1)
    items = {field: _items(field, facets.get(FIELDS.get(field, ""), []), limit) for field in wanted}
    return {"count": total, "sort": params.get("sort") or "score desc, metadata_modified desc",
            "results": _packages(hits),
            "facets": {f: {i["name"]: i["count"] for i in found} for f, found in items.items()},
            "search_facets": {f: {"title": f, "items": found} for f, found in items.items()}}


# -- request ----------------------------------------------------------------------------------------------
def _terms(text: str, *, lenient: bool) -> tuple[str, dict[str, list[str]]]:
    """Pull field:value terms out of Solr-ish text; in fq (not lenient) anything else is an error."""
    filters: dict[str, list[str]] = {}

    def take(match: re.Match[str]) -> str:
        field, value = match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
        value = value.replace('\\"', '"')
        if field in FIELDS:
            filters.setdefault(FIELDS[field], []).append(_facet_value(field, value))
            return " "
        if (field, value) in NO_OPS:
            return " "
        if lenient:
            return match.group(0)
        raise ValidationError({"fq": [f"Unsupported filter field: {field} (use {', '.join(FIELDS)})"]})

    rest = TERM.sub(take, text)
    if not lenient and rest.strip():
        raise ValidationError({"fq": [f"Cannot parse filter: {rest.strip()[:100]}"]})
    return rest.strip(), filters


def _modified(fq: str) -> tuple[str, tuple[str | None, str | None] | None]:
    """fq without its metadata_modified:[A TO B] range, and the range as (start, end) dates (* is open)."""
    found = MODIFIED.search(fq)
    if found is None:
        return fq, None
    start, end = (None if v == "*" else v[:10] for v in found.groups())
    return MODIFIED.sub(" ", fq, count=1), (start, end) if start or end else None


def _facet_value(field: str, value: str) -> str:
    """CKAN names -> the values Kaifang indexes (publisher keys, theme IRIs, upper-case formats)."""
    if field == "organization":
        found = _publishers_by_key().get(value)
        agent = found.agent if found else None
        return (agent.iri or next(iter(agent.name.values()), value)) if agent else value
    if field == "groups":
        return _themes_by_key().get(value, value)
    return value.upper() if field == "res_format" else value


def _sort(params: dict[str, Any]) -> str:
    text = " ".join(str(params.get("sort") or "score desc").lower().split())
    first = text.split(",")[0].strip()
    if first not in SORTS:
        raise ValidationError({"sort": [f"Unsupported sort: use one of {', '.join(SORTS)}"]})
    return SORTS[first]


def _facet_fields(params: dict[str, Any]) -> list[str]:
    raw = params.get("facet.field")
    if raw in (None, ""):
        return DEFAULT_FACETS
    try:
        fields = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        fields = None
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise ValidationError({"facet.field": ["Must be a JSON list of field names"]})
    return fields


# -- running ----------------------------------------------------------------------------------------------
Facets = dict[str, list[FacetValue]]


def _window(params: SearchParams, start: int, rows: int) -> tuple[int, list[Hit], Facets]:
    """Hits start..start+rows: page-aligned chunks inside Elasticsearch's window, the cursor beyond it."""
    chunk = rows if 0 < rows <= MAX_SIZE and start % rows == 0 else MAX_SIZE
    params = replace(params, size=chunk, page=min(start // chunk, MAX_WINDOW // chunk - 1) + 1)
    position, hits = (params.page - 1) * chunk, []
    facets = None
    while True:
        result = deps.search().search(params)
        facets = facets or result.facets
        hits += [h for i, h in enumerate(result.hits, position) if start <= i < start + rows]
        position += len(result.hits)
        if position >= start + rows or not result.next_after:
            return result.total, hits, facets
        params.after = result.next_after


def _packages(hits: list[Hit]) -> list[dict[str, Any]]:
    """The hits' CKAN dicts: one query for all of them (projections as text), each dict remembered by
    its record's text (catalog.views.ckan.cached_package), so popular results are not mapped again."""
    found = deps.store().raw_projections(h.iri for h in hits)
    language = lang()
    return [cached_package(found[h.iri], language) for h in hits if h.iri in found]


def _items(field: str, values: list[FacetValue], limit: int | None) -> list[dict[str, Any]]:
    names = _ckan_names(field)
    items = [{"name": names.get(v.value, v.value), "display_name": v.label, "count": v.count}
             for v in values if v.count]
    return items if limit is None or limit < 0 else items[:limit]


def _ckan_names(field: str) -> dict[str, str]:
    """Indexed value -> CKAN name, for organizations (slugs) and groups (theme slugs)."""
    if field == "organization":
        return _derived("org-names", listings.publishers(), lambda found: {
            p.agent.iri or next(iter(p.agent.name.values()), ""): p.slug for p in found})
    if field == "groups":
        return _derived("group-names", listings.themes(),
                        lambda found: {iri: name_for(iri) for iri, _n in found})
    return {}


def _publishers_by_key() -> dict[str, PublisherCount]:
    """Slug or CKAN organization id -> publisher (as `listings.publisher` matches them)."""
    def build(found: list[PublisherCount]) -> dict[str, PublisherCount]:
        keys: dict[str, PublisherCount] = {}
        for p in found:
            keys.setdefault(p.slug, p)
            keys.setdefault(ckan_id(p.agent.iri or p.slug), p)
        return keys
    return _derived("org-keys", listings.publishers(), build)


def _themes_by_key() -> dict[str, str]:
    """Theme IRI or slug -> theme IRI."""
    def build(found: list[tuple[str, int]]) -> dict[str, str]:
        keys: dict[str, str] = {}
        for iri, _n in found:
            keys.setdefault(iri, iri)
            keys.setdefault(name_for(iri), iri)
        return keys
    return _derived("theme-keys", listings.themes(), build)


# Lookups derived from a listing, rebuilt only when the listing is (listings keeps each for a while and
# replaces the object when it changes); keeping the listing itself makes the identity check safe.
_DERIVED: dict[str, tuple[object, Any]] = {}


def _derived(name: str, source: Any, build: Any) -> Any:
    found = _DERIVED.get(name)
    if found is not None and found[0] is source:
        return found[1]
    value = build(source)
    _DERIVED[name] = (source, value)
    return value


# -- OpenAPI ----------------------------------------------------------------------------------------------
TEXT = {"type": "string"}
ENVELOPE = obj(("success",), help=TEXT, success={"type": "boolean"}, result={}, error={"type": "object"})
SEARCH_OPERATION = Operation("CKAN package_search", ENVELOPE, (
    Param("q", "Text, or field:value terms"),
    Param("fq", f"Filters: {', '.join(FIELDS)} as field:value; metadata_modified:[A TO B]"),
    Param("sort", "CKAN sort", {"type": "string", "enum": list(SORTS)}),
    Param("rows", "Results (max 1000)", {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT}),
    Param("start", "Offset (any depth)", {"type": "integer", "minimum": 0}),
    Param("facet.field", "JSON list of facet fields", {"type": "string", "examples": ['["organization"]']}),
    Param("facet.limit", "Values per facet (-1: all)", {"type": "integer"}),
), problems=(), tag="ckan", errors=(409, 503))
SHOW_OPERATION = Operation(
    "CKAN package_show", ENVELOPE, (Param("id", "Dataset id, name or IRI", required=True),), problems=(),
    tag="ckan", errors=(404, 409))
LIST_OPERATION = Operation(
    "CKAN package_list", obj(("success",), success={"type": "boolean"}, result=array(TEXT)),
    (Param("limit", "", {"type": "integer"}), Param("offset", "", {"type": "integer"})), problems=(),
    tag="ckan", errors=(409,))
# CKAN actions answer GET and POST alike (ckanapi POSTs); parameters may also come as a JSON body.
for _method in ("get", "post"):
    for _path in ("/api/3/action/package_search", "/api/action/package_search"):
        document(_path, _method, SEARCH_OPERATION)
    document("/api/3/action/package_show", _method, SHOW_OPERATION)
    document("/api/3/action/package_list", _method, LIST_OPERATION)
