"""/search: the search page for people. Plain GET links and forms work without JavaScript; the map and the
type-ahead are additions. When Elasticsearch is down the page says so (503) and the rest of the site,
which reads the catalogue database, keeps working."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from flask import Blueprint, current_app, render_template, request, url_for
from markupsafe import Markup, escape

from portal.api.rest_datasets import name_url
from portal.api.rest_params import BBOX_FIELDS, bbox, kept_args, paging_links, search_params, url_with
from portal.i18n import lang
from portal.web import deps
from search.filters import FACETS, FacetValue
from search.query import MAX_WINDOW, SORTS, InvalidSearch, SearchParams, SearchResult, SearchUnavailable

bp = Blueprint("search", __name__)
PAGE_SIZE = 20
# Values a facet lists before its "show all" link (CKAN shows 10 too): the rest stay one click away, and
# a search page renders half the links (facet links were a quarter of its CPU).
FACET_SHOWN = 10
MARK = re.compile(r"(</?mark>)")
WORLD = Path("geo") / "countries.geojson"


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
    for hit in result.hits:  # a text's analysers (zh, en, any) can each return the same fragment
        hit.highlights = {k: list(dict.fromkeys(v)) for k, v in hit.highlights.items()}
    dataset_url = name_url("dataset.show")  # one url_for per page, not one per hit
    return render_template("search.html", error=None, result=result, params=params,
                           chips=chips(params, result), links=paging_links(result, params),
                           pages=page_numbers(result, params), extents=extents(result, dataset_url),
                           dataset_url=dataset_url, **_form())


def _form() -> dict[str, Any]:
    """What the form and the map need whatever the outcome."""
    settings = deps.settings()
    static = Path(current_app.static_folder or "")
    try:
        box = bbox(request.args)
    except InvalidSearch:
        box = None
    return {"q": request.args.get("q", ""), "sort": request.args.get("sort") or "relevance",
            "sorts": [s for s in SORTS if s != "oldest"],  # "oldest" is for CKAN harvesters
            "box": dict(zip(BBOX_FIELDS, box, strict=True)) if box else {},
            "tile_url": getattr(settings, "tile_url", None) or "",
            "world_url": url_for("static", filename=WORLD.as_posix()) if (static / WORLD).is_file() else "",
            "url_with": url_with, "toggle": Toggles(), "highlight": highlight,
            "facet_shown": FACET_SHOWN, "expanded": request.args.getlist("more"), "more_url": more_url}


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
    labels = {(name, v.value): v.label for name, values in result.facets.items() for v in values}
    found = [Chip(name, labels.get((name, value), value), toggle(name, value))
             for name in FACETS for value in params.filters.get(name, [])]
    if params.q:
        found.insert(0, Chip("q", params.q, url_with(q=None, page=None, after=None)))
    if params.bbox:
        box = ", ".join(f"{v:g}" for v in params.bbox)
        found.append(Chip("bbox", box, url_with(**dict.fromkeys(("bbox", *BBOX_FIELDS, "page", "after")))))
    for name in ("temporal_from", "temporal_to", "modified_from", "modified_to", "polygon"):
        if request.args.get(name):
            remove = url_with(**dict.fromkeys((name, "page", "after")))
            found.append(Chip(name, request.args[name][:40], remove))
    return found


def page_numbers(result: SearchResult, params: SearchParams) -> list[tuple[int, str]]:
    """Numbered links for the shallow pages around the current one (the cursor takes over beyond)."""
    if params.after:
        return []
    last = min(-(-result.total // result.size), MAX_WINDOW // result.size)
    shown = range(max(1, result.page - 4), min(last, result.page + 4) + 1)
    return [(n, url_with(page=None if n == 1 else str(n), after=None)) for n in shown]


def extents(result: SearchResult, dataset_url: Callable[[str], str]) -> list[dict[str, Any]]:
    """The results' extents for the map: GeoJSON geometries from the index, with the title as a label."""
    return [{"title": hit.title, "geometry": geometry, "url": dataset_url(hit.name)}
            for hit in result.hits if hit.name for geometry in hit.source.get("spatial", [])[:5]]


def highlight(fragment: str) -> Markup:
    """A highlighted fragment as HTML: only the engine's <mark> tags survive; every other piece is text.

    The engine HTML-encodes the text around its tags, so each piece is decoded and escaped again: a
    harvested "<mark>" or "<script>" arrives encoded and stays text.
    """
    pieces = MARK.split(fragment)  # text, tag, text, tag, ..., text: MARK's one group puts tags at odd places
    pieces[::2] = [escape(html.unescape(p)) for p in pieces[::2]]
    # S704: the only raw pieces are the two literal tags MARK matches in full; every other piece is escaped.
    return Markup("".join(pieces))  # noqa: S704
