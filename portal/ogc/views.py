"""Routes of OGC API – Features Part 1 (core, GeoJSON, HTML): landing page, conformance, collections, items.

JSON is the default (what QGIS, GDAL and OWSLib ask for); HTML when `f=html` or a browser prefers it.
Output is always CRS84; `bbox` is CRS84 unless `bbox-crs` names EPSG:4326 (latitude first).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request, url_for

from portal.ogc import data

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
]
DEFAULT_LIMIT, MAX_LIMIT = 10, 1000
JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"


class BadParameter(ValueError):
    pass


@bp.errorhandler(BadParameter)
def bad_parameter(exc: BadParameter):
    return jsonify(code="InvalidParameterValue", description=str(exc)), 400


def _html() -> bool:
    fmt = request.args.get("f")
    if fmt:
        if fmt not in ("json", "html"):
            raise BadParameter("f must be json or html")
        return fmt == "html"
    return request.accept_mimetypes.best_match([JSON, GEOJSON, HTML]) == HTML


def _link(endpoint: str, rel: str, kind: str, title: str = "", **values: Any) -> dict[str, str]:
    fmt = "html" if kind == HTML else "json"
    link = {"href": url_for(endpoint, _external=True, f=fmt, **values), "rel": rel, "type": kind}
    return {**link, "title": title} if title else link


def _self_links(endpoint: str, kind: str = JSON, **values: Any) -> list[dict[str, str]]:
    html = _html()
    mine, other = (HTML, kind) if html else (kind, HTML)
    return [_link(endpoint, "self", mine, **values), _link(endpoint, "alternate", other, **values)]


def _respond(template: str, doc: dict[str, Any], kind: str = JSON, **context: Any):
    if _html():
        return render_template(template, doc=doc, **context)
    return json.dumps(doc, ensure_ascii=False), 200, {"Content-Type": kind}


@bp.get("/")
def landing():
    doc = {"title": "Kaifang OGC API – Features", "description": "Geodata published in the catalogue.",
           "links": [*_self_links("ogc.landing"),
                     _link("ogc.conformance", "conformance", JSON, "Conformance classes"),
                     _link("ogc.conformance", "http://www.opengis.net/def/rel/ogc/1.0/conformance", JSON),
                     _link("ogc.collections", "data", JSON, "Collections"),
                     _link("ogc.collections", "http://www.opengis.net/def/rel/ogc/1.0/data", JSON)]}
    return _respond("ogc/landing.html", doc)


@bp.get("/conformance")
def conformance():
    return _respond("ogc/landing.html", {"title": "Conformance", "conformsTo": CONFORMANCE,
                                         "links": _self_links("ogc.conformance")})


def _collection_doc(col: data.Collection) -> dict[str, Any]:
    return {
        "id": col.id, "title": col.title, "itemType": "feature",
        "extent": {"spatial": {"bbox": [list(col.bbox)], "crs": CRS84}},
        "crs": [CRS84], "storageCrs": CRS84,
        "links": [_link("ogc.collection", "self", JSON, cid=col.id),
                  _link("ogc.items", "items", GEOJSON, "Features", cid=col.id),
                  _link("ogc.items", "items", HTML, "Features", cid=col.id),
                  {"href": url_for("dataset.show", name=col.dataset, _external=True), "rel": "describedby",
                   "type": HTML, "title": "Dataset"}],
    }


@bp.get("/collections")
def collections():
    found = data.collections()
    doc = {"collections": [_collection_doc(c) for c in found], "links": _self_links("ogc.collections")}
    return _respond("ogc/collections.html", doc)


def _find(cid: str) -> data.Collection:
    col = data.collection(cid)
    if col is None:
        abort(404)
    return col


@bp.get("/collections/<cid>")
def collection(cid: str):
    doc = _collection_doc(_find(cid))
    doc["links"][0:1] = _self_links("ogc.collection", cid=cid)
    if _html():
        return render_template("ogc/collections.html", doc={"collections": [doc], "links": doc["links"]})
    return _respond("", doc)


def _int(name: str, default: int, low: int) -> int:
    raw = request.args.get(name)
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be an integer") from None
    if value < low:
        raise BadParameter(f"{name} must be at least {low}")
    return value


def parse_bbox(raw: str | None, crs: str | None) -> tuple[float, float, float, float] | None:
    """west, south, east, north in CRS84 from `bbox` (4 or 6 numbers) and `bbox-crs`."""
    if raw is None:
        return None
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        raise BadParameter("bbox must be 4 or 6 comma-separated numbers") from None
    if len(values) not in (4, 6) or not all(map(math.isfinite, values)):
        raise BadParameter("bbox must be 4 or 6 comma-separated numbers")
    x0, y0, x1, y1 = values[:2] + values[-3:-1] if len(values) == 6 else values
    if crs in (None, CRS84):
        west, south, east, north = x0, y0, x1, y1
    elif crs == EPSG4326:
        west, south, east, north = y0, x0, y1, x1  # EPSG:4326 is latitude first
    else:
        raise BadParameter(f"bbox-crs must be {CRS84} or {EPSG4326}")
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise BadParameter("bbox is outside the world or has south above north")
    return west, south, east, north


@bp.get("/collections/<cid>/items")
def items(cid: str):
    col = _find(cid)
    limit = min(_int("limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    offset = _int("offset", 0, 0)
    bbox = parse_bbox(request.args.get("bbox"), request.args.get("bbox-crs"))
    gdf = data.features(col)
    rows = data.matching(gdf, bbox)
    shown = rows[offset:offset + limit]
    doc = json.loads(gdf.iloc[shown].set_axis(shown).to_json(na="null", show_bbox=False))
    doc.update(numberMatched=len(rows), numberReturned=len(shown),
               timeStamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
               links=_page_links(cid, limit, offset, len(rows)))
    response = _respond("ogc/items.html", doc, GEOJSON, collection=col)
    return _with_crs(response)


def _page_links(cid: str, limit: int, offset: int, matched: int) -> list[dict[str, str]]:
    keep = {k: v for k, v in request.args.items() if k not in ("offset", "limit", "f")}
    links = _self_links("ogc.items", GEOJSON, cid=cid, limit=limit, offset=offset, **keep)
    if offset + limit < matched:
        links.append(_link("ogc.items", "next", GEOJSON, "Next page", cid=cid, limit=limit,
                           offset=offset + limit, **keep))
    if offset > 0:
        links.append(_link("ogc.items", "prev", GEOJSON, "Previous page", cid=cid, limit=limit,
                           offset=max(0, offset - limit), **keep))
    links.append(_link("ogc.collection", "collection", JSON, cid=cid))
    return links


@bp.get("/collections/<cid>/items/<fid>")
def item(cid: str, fid: str):
    col = _find(cid)
    gdf = data.features(col)
    if not fid.isdigit() or int(fid) >= len(gdf):
        abort(404)
    number = int(fid)
    collection_doc = json.loads(gdf.iloc[[number]].set_axis([number]).to_json(na="null", show_bbox=False))
    doc = collection_doc["features"][0]
    doc["links"] = [*_self_links("ogc.item", GEOJSON, cid=cid, fid=fid),
                    _link("ogc.collection", "collection", JSON, cid=cid)]
    if _html():
        page = {"features": [doc], "links": doc["links"]}
        return render_template("ogc/items.html", doc=page, collection=col)
    return _with_crs(_respond("", doc, GEOJSON))


def _with_crs(response: Any) -> Any:
    if isinstance(response, tuple):
        body, status, headers = response
        return body, status, {**headers, "Content-Crs": f"<{CRS84}>"}
    return response
