"""Query parameters -> SearchParams, shared by /api/1/datasets and the /search page, so a search URL means
the same thing to a person and to a program. The same table documents them in the OpenAPI document."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

from flask import request
from werkzeug.datastructures import MultiDict

from portal.api.openapi import Param
from search.filters import FACETS
from search.query import MAX_SIZE, MAX_WINDOW, SORTS, InvalidSearch, SearchParams, SearchResult

DEFAULT_SIZE = 20
_ARGS_KEY = "kaifang.encoded_args"  # request.environ: this request's query parameters, URL-encoded
BBOX_FIELDS = ("west", "south", "east", "north")
COORD = r"-?\d+(\.\d+)?"
OPEN_BOX = ("-180", "-90", "180", "90")  # the edges a box from the four fields leaves out
# A year or a year-month (year 0 does not exist), or a calendar date.
DATE = {"anyOf": [{"type": "string", "pattern": r"^(?!0000)\d{4}(-(0?[1-9]|1[0-2]))?$"},
                  {"type": "string", "format": "date"}]}

SEARCH_PARAMS: tuple[Param, ...] = (
    Param("q", "Free text (Chinese or English); quotes for phrases, - to exclude a word."),
    Param("sort", "Order of results.", {"type": "string", "enum": list(SORTS), "default": "relevance"}),
    Param("page", "Page number (pages beyond 10,000 results need `after`).",
          {"type": "integer", "minimum": 1, "default": 1}),
    Param("page_size", "Results per page.", {"type": "integer", "minimum": 1, "maximum": MAX_SIZE,
                                             "default": DEFAULT_SIZE}),
    Param("after", "Cursor from the `next` link of a previous page; wins over `page`."),
    Param("bbox", "Datasets whose extent intersects west,south,east,north (degrees, WGS84).",
          {"type": "string", "pattern": rf"^{COORD}(,{COORD}){{3}}$", "examples": ["120.8,30.6,122.2,31.9"]}),
    *(Param(name, f"Bounding box {name} edge in degrees (alternative to `bbox`; a missing edge is open).",
            {"type": "number", "minimum": -limit, "maximum": limit})
      for name, limit in zip(BBOX_FIELDS, (180, 90, 180, 90), strict=True)),
    Param("polygon", "Datasets whose extent intersects this WKT or GeoJSON polygon (WGS84)."),
    Param("temporal_from", "Temporal coverage overlapping a period that starts then.", DATE),
    Param("temporal_to", "Temporal coverage overlapping a period that ends then.", DATE),
    Param("modified_from", "Modified on or after this date.", DATE),
    Param("modified_to", "Modified on or before this date.", DATE),
    *(Param(name, f"Facet filter on {name}; repeat for several values (any of them).",
            {"type": "array", "items": {"type": "string"}}, explode=True) for name in FACETS),
)


def search_params(args: MultiDict[str, str], lang: str, size: int | None = None) -> SearchParams:
    """Raises InvalidSearch for a parameter that cannot mean anything (a 400)."""
    filters = {name: [v for v in args.getlist(name) if v] for name in FACETS if name in args}
    # First values in a plain dict: a MultiDict raises (and catches) an exception for each absent name it
    # is asked for, and a search asks for about fifteen that are usually absent.
    first = args.to_dict()
    return SearchParams(
        q=first.get("q", ""), filters={k: v for k, v in filters.items() if v}, bbox=bbox(first),
        polygon=first.get("polygon") or None, temporal=_period(first, "temporal"),
        modified=_period(first, "modified"), sort=first.get("sort") or "relevance",
        size=size or _integer(first, "page_size", DEFAULT_SIZE, MAX_SIZE),
        page=_integer(first, "page", 1), after=first.get("after") or None, lang=lang,
    )


def bbox(args: Mapping[str, str]) -> tuple[float, float, float, float] | None:
    """From bbox=w,s,e,n or from the four fields of the no-JavaScript form (a field left empty is open)."""
    if args.get("bbox"):
        parts = args["bbox"].split(",")
    else:
        parts = [args.get(name, "").strip() for name in BBOX_FIELDS]
        if not any(parts):
            return None
        parts = [part or edge for part, edge in zip(parts, OPEN_BOX, strict=True)]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise InvalidSearch("bbox needs four numbers: west, south, east, north") from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidSearch("bbox needs four numbers: west, south, east, north")
    return values  # type: ignore[return-value]


def _period(args: Mapping[str, str], name: str) -> tuple[str | None, str | None] | None:
    start, end = args.get(f"{name}_from") or None, args.get(f"{name}_to") or None
    return (start, end) if start or end else None


def _integer(args: Mapping[str, str], name: str, default: int, maximum: int | None = None) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise InvalidSearch(f"{name} must be a positive integer")
    return min(int(raw), maximum) if maximum else int(raw)


def url_with(external: bool = False, **changes: str | list[str] | None) -> str:
    """This request's URL with some parameters replaced (a list: repeated; None: removed).

    The same string `urlencode` gives for the changed copy of `request.args` (a changed parameter moves to
    the end), built from pairs encoded once per request: a search page asks for ~40 of these URLs (one per
    facet value) and re-encoding every parameter each time was a fifth of its CPU."""
    kept = kept_args(tuple(changes))
    added = [f"{quote_plus(key)}={quote_plus(str(v))}" for key, value in changes.items() if value is not None
             for v in (value if isinstance(value, list) else [value])]
    query = "&".join([kept, *added] if kept else added)
    base = request.base_url if external else request.path
    return base + ("?" + query if query else "")


def kept_args(dropped: tuple[str, ...]) -> str:
    """This request's parameters except `dropped`, URL-encoded (each pair encoded once per request)."""
    cache: dict[tuple[str, ...] | None, Any] | None = request.environ.get(_ARGS_KEY)
    if cache is None:
        cache = {None: [(key, f"{quote_plus(key)}={quote_plus(value)}")
                        for key, value in request.args.items(multi=True)]}
        request.environ[_ARGS_KEY] = cache
    found = cache.get(dropped)
    if found is None:
        found = cache[dropped] = "&".join(pair for key, pair in cache[None] if key not in dropped)
    return found


def paging_links(result: SearchResult, params: SearchParams, external: bool = False) -> dict[str, str | None]:
    """first/prev/next/self: page numbers while they work, then the cursor (which only goes forward)."""
    def to(page: int | None = None, after: str | None = None) -> str:
        return url_with(external, page=None if page in (None, 1) else str(page), after=after)

    more = bool(result.next_after) if params.after else result.page * result.size < result.total
    following = None
    if more and not params.after and (result.page + 1) * result.size <= MAX_WINDOW:
        following = to(result.page + 1)
    elif more and result.next_after:
        following = to(after=result.next_after)
    previous = to(result.page - 1) if not params.after and result.page > 1 else None
    return {"self": url_with(external), "first": to(), "prev": previous, "next": following}
