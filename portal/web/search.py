"""/search: the search page for people. Plain GET links and forms work without JavaScript; the map and the
type-ahead are additions. When Elasticsearch is down the page says so (503) and the rest of the site,
which reads the catalogue database, keeps working."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from flask import Blueprint, current_app, render_template, request, url_for

from portal.api.rest_datasets import name_url
from portal.api.rest_params import BBOX_FIELDS, bbox, kept_args, paging_links, search_params, url_with
from portal.i18n import lang
from portal.search_html import helpers, labels
from portal.search_html import highlight as highlight  # where it was: tests and callers import it from here
from portal.web import deps
from search.filters import FACETS, FacetValue
from search.query import MAX_WINDOW, SORTS, InvalidSearch, SearchParams, SearchResult, SearchUnavailable

bp = Blueprint("search", __name__)
PAGE_SIZE = 20
# Values a facet lists before its "show all" link (CKAN shows 10 too): the rest stay one click away, and
# a search page renders half the links (facet links were a quarter of its CPU).
FACET_SHOWN = 10
WORLD = Path("geo") / "countries.geojson"
HELPERS = helpers()  # the page's lists of facet links and of results, built in Python


@dataclass
class Chip:
    kind: str  # a facet or parameter name; the template shows it in the reader's language
    label: str
    remove: str


@bp.get("/search")
def search_page():
    try:
        params = search_params(request.args, lang(), PAGE_SIZE)
        result = deps.search().search(params)
    except SearchUnavailable:
        return render_template("_search_unavailable.html", q=request.args.get("q", "")), 503, {
            "Retry-After": "30"}
    except InvalidSearch as exc:
        return render_template("search.html", error=str(exc), result=None, **_form()), 400
    for hit in result.hits:  # a text's two highlighted analysers (zh, en) can return the same fragment
        hit.highlights = {k: list(dict.fromkeys(v)) for k, v in hit.highlights.items()}
    dataset_url = name_url("dataset.show")  # one url_for per page, not one per hit
    return render_template("search.html", error=None, result=result, params=params,
                           chips=chips(params, result), links=paging_links(result, params),
                           pages=page_numbers(result, params), extents=extents(result, dataset_url),
                           dataset_url=dataset_url, **_form(params))


def _form(params: SearchParams | None = None) -> dict[str, Any]:
    """What the form and the map need whatever the outcome (`params` when the search could run)."""
    settings = deps.settings()
    static = Path(current_app.static_folder or "")
    if params is not None:
        box = params.bbox  # what bbox(request.args) gives: search_params read it so
    else:
        try:
            box = bbox(request.args)
        except InvalidSearch:
            box = None
    return {"q": _arg("q"), "sort": _arg("sort") or "relevance",
            "sorts": [s for s in SORTS if s != "oldest"],  # "oldest" is for CKAN harvesters
            "box": dict(zip(BBOX_FIELDS, box, strict=True)) if box else {},
            "tile_url": getattr(settings, "tile_url", None) or "",
            "world_url": url_for("static", filename=WORLD.as_posix()) if (static / WORLD).is_file() else "",
            "url_with": url_with, "toggle": Toggles(), "facet_shown": FACET_SHOWN,
            "expanded": request.args.getlist("more"), "more_url": more_url, "labels": labels(), **HELPERS}


def more_url(name: str, show_all: bool) -> str:
    """The link that lists all of a facet's values, or goes back to its first FACET_SHOWN."""
    expanded = [n for n in request.args.getlist("more") if n != name]
    return url_with(more=[*expanded, name] if show_all else expanded or None)


def toggle(name: str, value: FacetValue | str) -> str:
    """The URL that adds this facet value to the search, or removes it when already chosen."""
    value = value.value if isinstance(value, FacetValue) else value
    chosen = request.args.getlist(name)
    values = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
    return url_with(**{name: values, "page": None, "after": None})


class Toggles:
    """`toggle` for one page's facet links (up to 20 values for each of 9 facets): the URL up to the new
    value is built once per facet, so adding a value costs one quote; the same strings as `toggle`."""

    def __init__(self) -> None:
        self.path = request.path
        self.heads: dict[str, tuple[list[str], str]] = {}

    def __call__(self, name: str, value: FacetValue | str) -> str:
        value = value.value if isinstance(value, FacetValue) else value
        found = self.heads.get(name)
        if found is None:
            chosen = request.args.getlist(name)
            key = quote_plus(name)
            parts = [kept_args((name, "page", "after")), *(f"{key}={quote_plus(v)}" for v in chosen)]
            head = "&".join(p for p in parts if p)
            found = self.heads[name] = chosen, f"{self.path}?{head}{'&' if head else ''}{key}="
        chosen, head = found
        if value in chosen:  # a chosen value: its link removes it
            return toggle(name, value)
        return head + _quoted(value)


# Facet values recur from search to search (publishers, themes, formats, years): each is quoted once.
_quoted = lru_cache(maxsize=8192)(quote_plus)


def chips(params: SearchParams, result: SearchResult) -> list[Chip]:
    """Active filters, each with a link that removes just it."""
    found: list[Chip] = []
    for name in FACETS:
        chosen = params.filters.get(name)
        if chosen:  # labels of this facet's values only: a page counts ~65-180 values, a search chooses a few
            named = {v.value: v.label for v in result.facets.get(name, [])}
            found += [Chip(name, named.get(value, value), toggle(name, value)) for value in chosen]
    if params.q:
        found.insert(0, Chip("q", params.q, url_with(q=None, page=None, after=None)))
    if params.bbox:
        box = ", ".join(f"{v:g}" for v in params.bbox)
        found.append(Chip("bbox", box, url_with(**dict.fromkeys(("bbox", *BBOX_FIELDS, "page", "after")))))
    for name in ("temporal_from", "temporal_to", "modified_from", "modified_to", "polygon"):
        if _arg(name):
            remove = url_with(**dict.fromkeys((name, "page", "after")))
            found.append(Chip(name, request.args[name][:40], remove))
    return found


def _arg(name: str) -> str:
    """`request.args.get(name, "")` without werkzeug's exception for a missing parameter (a BadRequestKeyError
    made and caught, ~3 µs; a page asked about a dozen absent ones)."""
    args = request.args
    return args[name] if name in args else ""  # noqa: SIM401 - get() is the slow path this avoids


def page_numbers(result: SearchResult, params: SearchParams) -> list[tuple[int, str]]:
    """Numbered links for the shallow pages around the current one (the cursor takes over beyond)."""
    if params.after:
        return []
    last = min(-(-result.total // result.size), MAX_WINDOW // result.size)
    shown = range(max(1, result.page - 4), min(last, result.page + 4) + 1)
    # url_with(page=None if n == 1 else str(n), after=None), from one prefix: a number needs no quoting
    kept = kept_args(("page", "after"))
    first = f"{request.path}?{kept}" if kept else request.path
    prefix = f"{first}&page=" if kept else f"{first}?page="
    return [(n, first if n == 1 else f"{prefix}{n}") for n in shown]


def extents(result: SearchResult, dataset_url: Callable[[str], str]) -> list[dict[str, Any]]:
    """The results' extents for the map: GeoJSON geometries from the index, with the title as a label."""
    return [{"title": hit.title, "geometry": geometry, "url": dataset_url(hit.name)}
            for hit in result.hits if hit.name for geometry in hit.source.get("spatial", [])[:5]]
