"""Spatial filters: datasets whose extent intersects a bounding box or a polygon.

Without geo_shape in the engine, extents are longitude and latitude ranges (see search.documents), so
"intersects" is decided on envelopes: exact for boxes, and for a polygon query on each of its parts'
envelopes (it may include a dataset lying in a polygon's concave bay). A box with west > east crosses
the antimeridian (RFC 7946).
"""

from __future__ import annotations

import math
from typing import Any

from catalog.views.search_doc import lon_ranges, parse_geometry


def _range(field: str, low: float, high: float) -> dict[str, Any]:
    return {"range": {field: {"gte": low, "lte": high, "relation": "intersects"}}}


def _envelope(lons: list[tuple[float, float]], south: float, north: float) -> dict[str, Any]:
    return {"bool": {"filter": [
        {"bool": {"should": [_range("lon", w, e) for w, e in lons], "minimum_should_match": 1}},
        _range("lat", south, north),
    ]}}


def bbox_clause(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """Raises ValueError for a box that is not one (NaN, out of range, south above north)."""
    values = [float(v) for v in (west, south, east, north)]
    if not all(math.isfinite(v) for v in values):
        raise ValueError("bbox values must be numbers")
    west, south, east, north = values
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError("bbox must be west,south,east,north in degrees with south <= north")
    lons = [(west, east)] if west <= east else [(west, 180.0), (-180.0, east)]
    return _envelope(lons, south, north)


def polygon_clause(wkt: str) -> dict[str, Any]:
    geom = parse_geometry(wkt[:100_000])
    if geom is None:
        raise ValueError("polygon must be valid WKT or GeoJSON in WGS84 longitude/latitude")
    parts = list(getattr(geom, "geoms", [geom]))
    return {"bool": {"should": [
        _envelope([(r["gte"], r["lte"]) for r in lon_ranges(part)], part.bounds[1], part.bounds[3])
        for part in parts
    ], "minimum_should_match": 1}}
