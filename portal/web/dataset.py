"""/dataset/<name>: the dataset page, or its DCAT graph by Accept header or file extension."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

import shapely
from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from catalog.rdf import serialize
from catalog.store import StoredDataset
from catalog.views.schemaorg import script_json, to_schemaorg
from catalog.views.search_doc import location_geometry
from portal.i18n import lang
from portal.web import deps
from portal.web.negotiation import EXTENSIONS, accepted_format, rdf_response, split_extension
from portal.web.views import count_view
from search.query import RELATED_SOURCE, Hit, SearchUnavailable

bp = Blueprint("dataset", __name__)
SEVERITIES = ("Violation", "Warning", "Info")
RELATED_SECONDS = 300.0
RELATED_KEPT = 5000
FRAGMENT_SIZE, PAGE_SIZE = 5, 20  # related datasets in the dataset page, on the related page
MAP_COORDINATES = 1000  # a coverage geometry with more points than this is simplified for the page's map
MAP_RESOLUTION = 1000  # ... to about 1/1000 of its extent's larger side
_RELATED_LOCK = threading.Lock()


@bp.get("/dataset/<name>")
def show(name: str):
    base, fmt = split_extension(name)
    stored = _active(base)
    fmt = fmt or accepted_format()
    if fmt:
        return rdf_response(serialize(stored.graph(), fmt), fmt)
    page_path = url_for("dataset.show", name=stored.name)
    page_url = url_for("dataset.show", name=stored.name, _external=True)
    response = render_template("dataset.html", stored=stored, d=stored.dataset, extensions=EXTENSIONS,
                               page_path=page_path, findings=findings_by_severity(stored),
                               coverage=coverage(stored),
                               jsonld=script_json(to_schemaorg(stored, page_url, lang())))
    count_view(stored.name)
    return response, 200, {"Vary": "Accept"}


@bp.get("/dataset/<name>/related")
def related(name: str):
    """Datasets like this one: a page of its own (the dataset page links to it, so it works without
    JavaScript), or with ?fragment=1 only the list, which static/js/dataset-related.js puts into the dataset
    page. The dataset page itself never waits for the more-like-this query, its largest cost (decision 0010).
    """
    stored = _active(name)
    fragment = request.args.get("fragment") == "1"
    size = FRAGMENT_SIZE if fragment else PAGE_SIZE
    try:
        hits, status = _related(stored.iri, size), 200
    except SearchUnavailable:
        hits, status = [], 503
    hits = [h for h in hits if h.name and h.iri != stored.iri]
    if fragment:
        response = make_response(render_template("_related.html", hits=hits), status)
    else:
        response = make_response(render_template("dataset_related.html", stored=stored, d=stored.dataset,
                                                 hits=hits, unavailable=status == 503), status)
    if status == 200:  # the answer changes only with a harvest; browsers and proxies may keep it a while
        response.cache_control.public = True
        response.cache_control.max_age = int(RELATED_SECONDS)
    return response


def _active(name: str) -> StoredDataset:
    stored = deps.store().get_by_name(name)
    if stored is None:
        abort(404)
    if stored.status != "active":
        abort(410)
    return stored


def coverage(stored: StoredDataset) -> list[dict]:
    """The record's dct:spatial geometries (geometry, else bbox, else centroid) as GeoJSON, for its map;
    a detailed footprint (thousands of points, say a river basin from geo enrichment) is simplified to
    about what a page-sized map can show, so it never bloats the page."""
    return [mapping(_for_display(g)) for g in map(location_geometry, stored.dataset.spatial) if g is not None]


def _for_display(geom: BaseGeometry) -> BaseGeometry:
    if shapely.get_num_coordinates(geom) <= MAP_COORDINATES:
        return geom
    west, south, east, north = geom.bounds
    simpler = geom.simplify(max(east - west, north - south) / MAP_RESOLUTION, preserve_topology=True)
    return simpler if not simpler.is_empty else geom


def _related(iri: str, size: int) -> list[Hit]:
    """More-like-this datasets, kept per process for RELATED_SECONDS (at most RELATED_KEPT answers, oldest
    dropped first): Elasticsearch's more_like_this reads the record's terms and scores the catalogue, and
    its answer changes only with a harvest. Raises SearchUnavailable."""
    cache: OrderedDict[tuple[str, str, int], tuple[float, list[Hit]]] = current_app.extensions[
        "kaifang"].setdefault("related", OrderedDict())
    key, now = (iri, lang(), size), time.monotonic()
    found = cache.get(key)
    if found is not None and now - found[0] < RELATED_SECONDS:
        return found[1]
    hits = deps.search().related(iri, size, lang(), source=RELATED_SOURCE)
    with _RELATED_LOCK:
        cache[key] = (now, hits)
        cache.move_to_end(key)
        while len(cache) > RELATED_KEPT:
            cache.popitem(last=False)
    return hits


def findings_by_severity(stored: StoredDataset) -> list[tuple[str, list[dict]]]:
    """SHACL findings grouped Violation, Warning, Info (only groups that have any)."""
    raw = (stored.report or {}).get("findings") or []
    findings = [{**f, "message": _message(f.get("message"))} for f in raw]
    groups = [(s, [f for f in findings if f.get("severity") == s]) for s in SEVERITIES]
    return [(severity, items) for severity, items in groups if items]


def _message(message: dict | str | None) -> dict:
    return message if isinstance(message, dict) else {"": message or ""}
