"""Spatial coverage computed from the data itself, and its DCAT-AP 3 form (dct:spatial / dct:Location).

Publishers rarely fill in coverage, and when they do it is a place name; the features of a distribution give
the real extent. The footprint is what the search index stores, so it is always a valid WGS84 shape with at
most `max_vertices` coordinates, however many millions of vertices the data has (see `geo.antimeridian` for
how coverage across ±180 is expressed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from rdflib import BNode, Graph, Literal, URIRef
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from catalog.namespaces import DCAT, DCT, GSP, LOCN, RDF
from geo import antimeridian
from geo.errors import GeoError
from geo.read import to_wgs84

_POINT_TYPES = (0, 4)  # shapely type ids of Point and MultiPoint
EXACT_UNION = 2000
GRID = 64


@dataclass(frozen=True)
class Extent:
    bbox: tuple[float, float, float, float]  # (west, south, east, north); west > east crosses ±180 (RFC 7946)
    footprint: BaseGeometry  # valid, EPSG:4326, split at ±180
    centroid: Point
    crs_source: str
    feature_count: int

    @property
    def crosses_antimeridian(self) -> bool:
        return self.bbox[0] > self.bbox[2]

    def bbox_geometry(self) -> BaseGeometry:
        """The bbox as a valid shape: one box, or two boxes meeting at ±180 when it crosses ±180."""
        west, south, east, north = self.bbox
        if not self.crosses_antimeridian:
            return shapely.box(west, south, east, north)
        halves = [shapely.box(west, south, 180, north), shapely.box(-180, south, east, north)]
        return shapely.MultiPolygon(halves)


def compute_extent(gdf: gpd.GeoDataFrame, *, max_vertices: int = 500) -> Extent:
    """Bounding box, simplified footprint and centroid of every geometry in `gdf` (reprojected if needed)."""
    if max_vertices < 5:
        raise ValueError("max_vertices must be at least 5, the size of a box")
    if gdf.crs is None:
        raise GeoError("the layer has no CRS; read it with geo.read.read_layer(..., crs=...)")
    if not gdf.crs.equals(4326) or "crs_source" not in gdf.attrs:
        gdf = to_wgs84(gdf)
    geoms = shapely.force_2d(gdf.geometry.to_numpy())
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if not len(geoms):
        raise GeoError("the layer has no geometries")
    west, east = antimeridian.lon_range(geoms)
    if west > east:
        geoms = antimeridian.shift_east(geoms, west)
    _, south, _, north = shapely.total_bounds(geoms)
    outline = _outline(geoms)
    centroid = outline.centroid
    finish = antimeridian.split if west > east else (lambda g: g)
    footprint = next(
        f for f in map(finish, _simpler(outline)) if shapely.get_num_coordinates(f) <= max_vertices
    )
    return Extent(
        bbox=(float(west), float(south), float(east), float(north)),
        footprint=shapely.make_valid(footprint),
        centroid=Point(((centroid.x + 180) % 360) - 180, centroid.y) if centroid.x > 180 else centroid,
        crs_source=str(gdf.attrs.get("crs_source", "EPSG:4326")),
        feature_count=len(gdf),
    )


def _outline(geoms: np.ndarray) -> BaseGeometry:
    """Union of the shapes and the points' hull; past EXACT_UNION shapes, their boxes on a GRID x GRID grid.

    Shapes are pre-simplified so millions of vertices never reach the union; the union of a hundred thousand
    parcels is slow and too detailed for a footprint anyway, so many shapes are summarised by grid cells.
    """
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    size = max(x1 - x0, y1 - y0)
    points = np.isin(shapely.get_type_id(geoms), _POINT_TYPES)
    parts = []
    if points.any():
        parts.append(shapely.multipoints(shapely.get_coordinates(geoms[points])).convex_hull)
    shapes = geoms[~points]
    if 0 < len(shapes) <= EXACT_UNION:
        parts.append(shapely.union_all(shapely.simplify(shapes, size / 2000)))
    elif len(shapes):
        cell = size / GRID
        bounds = shapely.bounds(shapes)
        low = np.floor((bounds[:, :2] - (x0, y0)) / cell)
        high = np.ceil((bounds[:, 2:] - (x0, y0)) / cell)
        cells = np.unique(np.hstack([low, np.maximum(high, low + 1)]), axis=0) * cell + (x0, y0, x0, y0)
        parts.append(shapely.union_all(shapely.box(*cells.T)))
    return shapely.union_all(parts)


def _simpler(geom: BaseGeometry) -> Iterator[BaseGeometry]:
    """Ever simpler versions of `geom`: itself, simplified, its convex hull simplified, its envelope."""
    x0, y0, x1, y1 = geom.bounds
    tolerance = max(x1 - x0, y1 - y0) / 1000
    yield geom
    for shape in (geom, geom.convex_hull):
        for k in range(12):
            yield shape.simplify(tolerance * 2**k)
    yield geom.envelope


def _wkt(geom: BaseGeometry) -> Literal:
    return Literal(shapely.to_wkt(geom, rounding_precision=6), datatype=GSP.wktLiteral)


def to_dcat(extent: Extent, dataset: str | None = None) -> Graph:
    """A dct:Location with dcat:bbox, locn:geometry (the footprint) and dcat:centroid, as DCAT-AP 3 has it.

    WKT literals carry no CRS IRI, which GeoSPARQL reads as CRS84: longitude first, as the coordinates are.
    With `dataset`, the Location is linked from it by dct:spatial.
    """
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCT), ("gsp", GSP), ("locn", LOCN)):
        g.bind(prefix, ns)
    location = BNode()
    g.add((location, RDF.type, DCT.Location))
    g.add((location, DCAT.bbox, _wkt(extent.bbox_geometry())))
    g.add((location, LOCN.geometry, _wkt(extent.footprint)))
    g.add((location, DCAT.centroid, _wkt(extent.centroid)))
    if dataset:
        g.add((URIRef(dataset), DCT.spatial, location))
    return g
