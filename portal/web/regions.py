"""Regions: which places the catalogue covers, and the datasets of each, from the search index.

/regions lists every region with its number of datasets (a terms aggregation on the `regions` field the
search facet uses), /regions/<code> lists the region's datasets through the one search service, and
/api/1/regions/counts gives the same counts with a point and box per region for the home-page map.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request

from geo.regions import region_for, region_name
from portal.i18n import lang
from portal.web import deps
from search.documents import alias_name
from search.filters import FACETS
from search.query import InvalidSearch, SearchParams, SearchService, SearchUnavailable, engine_errors

bp = Blueprint("regions", __name__)
MAX_REGIONS = 500  # more than the world's countries plus China's provinces
PER_PAGE = 20


def counts() -> list[tuple[str, int]]:
    """(region code, active datasets), most datasets first."""
    field = FACETS["region"].field
    with engine_errors("regions"):
        response = deps.es().search(
            index=alias_name(deps.settings().index_prefix), size=0, query={"term": {"status": "active"}},
            aggs={"regions": {"terms": {"field": field, "size": MAX_REGIONS}}})
    return [(b["key"], b["doc_count"]) for b in response.body["aggregations"]["regions"]["buckets"]]


@bp.errorhandler(SearchUnavailable)
def unavailable(_exc: SearchUnavailable):
    if request.path.startswith("/api/"):
        return jsonify(error="search is unavailable, try again later"), 503
    return render_template("regions.html", regions=[], unavailable=True), 503


@bp.get("/regions")
def index():
    regions = [(code, region_name(code, lang()), n) for code, n in counts()]
    return render_template("regions.html", regions=regions, unavailable=False)


@bp.get("/regions/<code>")
def region(code: str):
    if region_for(code) is None:
        abort(404)
    page = request.args.get("page", 1, type=int)
    service = SearchService(deps.es(), deps.settings().index_prefix)
    try:
        result = service.search(SearchParams(filters={"region": [code]}, sort="modified", size=PER_PAGE,
                                             page=page, lang=lang()))
    except InvalidSearch:
        abort(400)
    pages = max(1, -(-result.total // PER_PAGE))
    return render_template("regions_one.html", code=code, name=region_name(code, lang()), result=result,
                           page=page, pages=pages)


@bp.get("/api/1/regions/counts")
def api_counts():
    return jsonify(regions=[_entry(code, n) for code, n in counts() if region_for(code)])


def _entry(code: str, count: int) -> dict[str, Any]:
    region = region_for(code)
    point = region.geometry.representative_point()
    return {"code": code, "name": region_name(code, lang()), "count": count, "kind": region.kind,
            "point": [round(point.x, 4), round(point.y, 4)], "bbox": [round(v, 4) for v in region.bbox]}
