"""/dataset/<name>: the dataset page, or its DCAT graph by Accept header or file extension."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import Blueprint, abort, current_app, render_template, url_for
from shapely.geometry import mapping

from catalog.rdf import serialize
from catalog.store import StoredDataset
from catalog.views.schemaorg import script_json, to_schemaorg
from catalog.views.search_doc import location_geometry
from portal.i18n import lang
from portal.web import deps
from portal.web.negotiation import EXTENSIONS, accepted_format, rdf_response, split_extension
from portal.web.views import count_view
from search.query import SearchUnavailable

bp = Blueprint("dataset", __name__)
SEVERITIES = ("Violation", "Warning", "Info")
RELATED_SECONDS = 300.0
RELATED_KEPT = 5000
_RELATED_LOCK = threading.Lock()


@bp.get("/dataset/<name>")
def show(name: str):
    base, fmt = split_extension(name)
    stored = deps.store().get_by_name(base)
    if stored is None:
        abort(404)
    if stored.status != "active":
        abort(410)
    fmt = fmt or accepted_format()
    if fmt:
        return rdf_response(serialize(stored.graph(), fmt), fmt)
    page_url = url_for("dataset.show", name=stored.name, _external=True)
    response = render_template("dataset.html", stored=stored, d=stored.dataset, extensions=EXTENSIONS,
                               findings=findings_by_severity(stored), related=_related(stored.iri),
                               coverage=coverage(stored),
                               jsonld=script_json(to_schemaorg(stored, page_url, lang())))
    count_view(stored.name)
    return response, 200, {"Vary": "Accept"}


def coverage(stored: StoredDataset) -> list[dict]:
    """The record's dct:spatial geometries (geometry, else bbox, else centroid) as GeoJSON, for its map."""
    return [mapping(g) for g in map(location_geometry, stored.dataset.spatial) if g is not None]


def _related(iri: str) -> list:
    """More-like-this datasets; the page does not need search to work, so an outage gives none.

    The query is the page's largest cost (Elasticsearch's more_like_this reads the record's terms and
    scores the catalogue), and its answer changes only with a harvest, so each process keeps answers for
    RELATED_SECONDS (at most RELATED_KEPT of them, oldest dropped first)."""
    cache: OrderedDict[tuple[str, str], tuple[float, list]] = current_app.extensions["kaifang"].setdefault(
        "related", OrderedDict())
    key, now = (iri, lang()), time.monotonic()
    found = cache.get(key)
    if found is not None and now - found[0] < RELATED_SECONDS:
        return found[1]
    try:
        hits = deps.search().related(iri, 5, lang())
    except SearchUnavailable:
        return []
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
