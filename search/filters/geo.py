"""Spatial filters: datasets whose extent (a geo_shape, see search.documents) intersects a box or a polygon.

Both are exact: the engine tests the indexed shapes themselves, not their envelopes. A box with west > east
crosses the antimeridian (RFC 7946); Elasticsearch's envelope takes it as such.
"""

from __future__ import annotations

import math
from typing import Any

from shapely.geometry import mapping

from catalog.views.search_doc import indexable, parse_geometry


def _intersects(shape: dict[str, Any]) -> dict[str, Any]:
    return {"geo_shape": {"spatial": {"shape": shape, "relation": "intersects"}}}


def bbox_clause(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """Raises ValueError for a box that is not one (NaN, out of range, south above north)."""
    values = [float(v) for v in (west, south, east, north)]
    if not all(math.isfinite(v) for v in values):
        raise ValueError("bbox values must be numbers")
    west, south, east, north = values
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError("bbox must be west,south,east,north in degrees with south <= north")
    return _intersects({"type": "envelope", "coordinates": [[west, north], [east, south]]})


def polygon_clause(wkt: str) -> dict[str, Any]:
    geom = parse_geometry(wkt[:100_000])
    if geom is None:
        raise ValueError("polygon must be valid WKT or GeoJSON in WGS84 longitude/latitude")
    return _intersects(mapping(indexable(geom)))
