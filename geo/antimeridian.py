"""Longitudes near ±180: the smallest longitude range of a dataset, and shapes split at the antimeridian.

Choice, for everything the geo library returns: footprints are valid WGS84 shapes split at ±180 (a
MULTIPOLYGON with one part on each side), because the search index and most GIS tools accept only those;
bounding boxes follow RFC 7946 §5.2 and GeoJSON/STAC practice, so west > east means the box crosses the
antimeridian. `extent.Extent.bbox_geometry` turns such a box into two valid boxes for dcat:bbox.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry.base import BaseGeometry

WORLD = shapely.box(-180, -90, 180, 90)
_EAST = shapely.box(180, -90, 540, 90)
_WEST = shapely.box(-540, -90, -180, 90)


def split(geom: BaseGeometry) -> BaseGeometry:
    """`geom` cut at ±180 with the parts beyond moved back into [-180, 180]."""
    if WORLD.contains(geom):
        return geom
    parts = [
        geom.intersection(WORLD),
        affinity.translate(geom.intersection(_EAST), -360),
        affinity.translate(geom.intersection(_WEST), 360),
    ]
    return shapely.union_all([p for p in parts if not p.is_empty])


def lon_range(geoms: np.ndarray) -> tuple[float, float]:
    """(west, east) of the smallest longitude interval covering every part; west > east when it crosses ±180.

    The parts' longitude intervals are merged; if the widest gap between them is inside [-180, 180] and wider
    than the gap around the antimeridian, the data sits on both sides of ±180 (Fiji, Russia, Pacific points).
    """
    bounds = shapely.bounds(shapely.get_parts(geoms))
    bounds = bounds[~np.isnan(bounds[:, 0])]
    order = np.argsort(bounds[:, 0])
    merged: list[list[float]] = []
    for west, east in bounds[order][:, [0, 2]]:
        if merged and west <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], east)
        else:
            merged.append([west, east])
    west, east = merged[0][0], merged[-1][1]
    wrap_gap = west + 360 - east
    gaps = [(merged[i + 1][0] - merged[i][1], i) for i in range(len(merged) - 1)]
    if gaps and max(gaps)[0] > wrap_gap:
        i = max(gaps)[1]
        return merged[i + 1][0], merged[i][1]
    return west, east


def shift_east(geoms: np.ndarray | BaseGeometry, west: float) -> np.ndarray | BaseGeometry:
    """Coordinates west of `west` moved by +360, so data crossing ±180 becomes one contiguous region."""

    def move(xy: np.ndarray) -> np.ndarray:
        xy = xy.copy()
        xy[xy[:, 0] < west, 0] += 360
        return xy

    return shapely.transform(geoms, move)


def unwrap(geom: BaseGeometry) -> BaseGeometry:
    """Repair a shape reprojected into [-180, 180] whose edges jump from +179 to -179.

    A part wider than 180° after reprojection from a projected CRS has wrapped (no projected CRS holds such a
    part); its western coordinates are moved east and the part is split at ±180 again.
    """
    parts = shapely.get_parts(geom)
    widths = shapely.bounds(parts)[:, 2] - shapely.bounds(parts)[:, 0]
    if not (widths > 180).any():
        return geom
    fixed = [split(shift_east(p, 0.0)) if w > 180 else p for p, w in zip(parts, widths, strict=True)]
    return shapely.union_all(fixed)
