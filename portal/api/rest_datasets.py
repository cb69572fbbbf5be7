"""/api/1/datasets: search (from Elasticsearch) and details (from the catalogue, so they work without it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import orjson
from flask import Blueprint, Response, jsonify, request, url_for

from catalog.model import Distribution, pick
from catalog.store import StoredDataset
from catalog.views.ckan import format_name, media_type
from portal.api.openapi import Param, array, documented, nullable, obj
from portal.api.rest_params import SEARCH_PARAMS, paging_links, search_params
from portal.api.rest_problems import Problem
from portal.i18n import lang
from portal.web import deps
from search.filters import FacetValue
from search.query import Hit

bp = Blueprint("datasets", __name__)
PLACEHOLDER = "__kaifang_name__"
PATH_SAFE = "!$&'()*+,/:;=@"  # what werkzeug's default converter leaves unquoted in a path segment
TEXT = {"type": "string"}
LINKS = obj(("self",), self=TEXT, html=TEXT)
SUMMARY = obj(("iri", "title"), name=nullable(TEXT), iri=TEXT, title=TEXT, description=TEXT,
              publisher=TEXT, formats=array(TEXT), themes=array(TEXT), modified=nullable(TEXT),
              highlights={"type": "object", "additionalProperties": array(TEXT)}, links=LINKS)
FACET_VALUE = obj(("value", "count"), value=TEXT, label=TEXT, count={"type": "integer"},
                  selected={"type": "boolean"})
PAGE = obj(("data", "total", "links"), data=array(SUMMARY), total={"type": "integer"},
           facets={"type": "object", "additionalProperties": array(FACET_VALUE)},
           links=obj(("self", "first"), self=TEXT, first=TEXT, prev=nullable(TEXT), next=nullable(TEXT)))
DETAIL = {"type": "object", "required": ["iri", "name"],
          "description": "The DCAT-AP projection of the record (catalog.model.Dataset)"}
DISTRIBUTIONS = obj(("data",), data=array({"type": "object"}))
NAME = (Param("name", "The dataset's name (as in /dataset/<name>)", where="path"),)
LANG = Param("lang", "Language of titles and labels (zh or en)", {"type": "string", "enum": ["zh", "en"]})


@bp.get("/datasets")
@documented("Search datasets", PAGE, SEARCH_PARAMS, problems=(400, 406, 503))
def search():
    language = lang()
    params = search_params(request.args, language)
    result = deps.search().search(params)
    links = _link_maker()
    body = {"data": [summary(h, links, language) for h in result.hits], "total": result.total,
            "facets": {name: [facet(v) for v in values] for name, values in result.facets.items()},
            "links": paging_links(result, params, external=True)}
    # Serialised once, as UTF-8 and unsorted, by orjson: the portal's hottest answer (jsonify sorts every
    # key and escapes each Chinese character as \uXXXX, twice the bytes; json.dumps takes 5x orjson's CPU).
    return Response(dumps(body), mimetype="application/json")


@bp.get("/datasets/<name>")
@documented("A dataset's metadata (DCAT-AP projection)", DETAIL, NAME, problems=(404, 406), conditional=True)
def dataset(name: str):
    stored = _stored(name)
    body = {"name": stored.name, "status": stored.status, **stored.dataset.to_dict(),
            "links": _links(stored.name)}
    return conditional(jsonify(body), stored, "")


@bp.get("/datasets/<name>/distributions")
@documented("A dataset's distributions", DISTRIBUTIONS, NAME, problems=(404, 406), conditional=True)
def distributions(name: str):
    stored = _stored(name)
    body = {"data": [distribution(d) for d in stored.dataset.distributions], "links": _links(stored.name)}
    return conditional(jsonify(body), stored, "distributions")


@bp.get("/datasets/<name>/related")
@documented("Datasets like this one", obj(("data",), data=array(SUMMARY)),
            (*NAME, Param("size", "How many (1-20)", {"type": "integer", "minimum": 1, "maximum": 20})),
            problems=(404, 406, 503))
def related(name: str):
    stored = _stored(name)
    size = min(max(request.args.get("size", 5, type=int) or 5, 1), 20)
    hits = deps.search().related(stored.iri, size=size, lang=lang())
    return jsonify({"data": [summary(h) for h in hits if h.iri != stored.iri]})


@bp.get("/suggest")
@documented("Type-ahead suggestions: titles, publishers and keywords starting with q",
            obj(("q", "suggestions"), q=TEXT, suggestions=array(TEXT)),
            (Param("q", "What has been typed so far", required=True), LANG), problems=(406, 503))
def suggest():
    q = request.args.get("q", "")
    return jsonify({"q": q, "suggestions": deps.search().suggest(q, lang())})


# -- shapes -----------------------------------------------------------------------------------------------
def summary(hit: Hit, links: Callable[[str], dict[str, str]] | None = None,
            language: str | None = None) -> dict[str, Any]:
    source = hit.source
    publisher = pick(source.get("display", {}).get("publisher"), language or lang())
    return {"name": hit.name, "iri": hit.iri, "title": hit.title, "description": hit.description,
            "publisher": publisher, "formats": source.get("formats", []), "themes": source.get("themes", []),
            "modified": source.get("modified"),
            "highlights": {k: list(dict.fromkeys(v)) for k, v in hit.highlights.items()},
            "links": (links or _links)(hit.name) if hit.name else {"self": None}}


def dumps(body: Any) -> bytes:
    """Compact UTF-8 JSON, as `json.dumps(ensure_ascii=False, separators=(",", ":"))` writes it. What orjson
    refuses (a lone surrogate from a harvested text, an integer beyond 64 bits) goes through the standard
    library with every non-ASCII character escaped, which any lone surrogate survives."""
    try:
        return orjson.dumps(body)
    except TypeError:
        return json.dumps(body, separators=(",", ":")).encode("ascii")


def facet(value: FacetValue) -> dict[str, Any]:
    return {"value": value.value, "label": value.label, "count": value.count, "selected": value.selected}


def distribution(dist: Distribution) -> dict[str, Any]:
    return {**dist.__dict__, "format_name": format_name(dist) or None, "media_type_name": media_type(dist)}


def _link_maker() -> Callable[[str], dict[str, str]]:
    """`_links` for a whole page of hits: url_for runs once, each hit only quotes its name like the route's
    converter does (two url_for per hit were a fifth of the portal's time per search)."""
    api, html = (name_url(endpoint, external=True) for endpoint in ("rest.datasets.dataset", "dataset.show"))
    return lambda name: {"self": api(name), "html": html(name)}


def name_url(endpoint: str, external: bool = False) -> Callable[[str], str]:
    """`url_for(endpoint, name=…)` for many names: url_for runs once, each name is then quoted as werkzeug's
    default converter quotes a path segment."""
    template = url_for(endpoint, name=PLACEHOLDER, _external=external)
    return lambda name: template.replace(PLACEHOLDER, quote(name, safe=PATH_SAFE))


def _links(name: str) -> dict[str, str]:
    return {"self": url_for("rest.datasets.dataset", name=name, _external=True),
            "html": url_for("dataset.show", name=name, _external=True)}


def _stored(name: str) -> StoredDataset:
    stored = deps.store().get_by_name(name)
    if stored is None or stored.status != "active":
        raise Problem(404, f"No dataset named {name!r}")
    return stored


def conditional(response: Response, stored: StoredDataset, part: str) -> Response:
    """ETag from the record's content hash, Last-Modified from its last change; 304 when they match."""
    response.set_etag(f"{stored.content_hash[:32]}{'-' + part if part else ''}")
    if stored.updated_at:
        response.last_modified = stored.updated_at
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response.make_conditional(request)
