"""The collections of the OGC API and their features, read once per file and kept as GeoPackage.

A collection is one distribution that `geo.enrich` read successfully (table geo_reads). Its features are
downloaded through the portal's guarded fetch, read with `read_layer` (so always WGS84 longitude/latitude,
i.e. CRS84), given text properties GeoJSON can carry, and cached under var/cache/ogc as GeoPackage; the
feature id is the row number in that file, stable until the publisher's file changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.errors import GeoError
from geo.read import read_layer
from geo.safety import Limits
from harvesters.geo_enrich import readable
from portal.web import deps, downloads
from portal.web.downloads import Refused


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    dataset: str  # the dataset's name (URL slug)
    index: int
    url: str
    format: str
    bbox: tuple[float, float, float, float]
    count: int | None


def collections() -> list[Collection]:
    return [Collection(f"{name}-{read.distribution}", title or name, name, read.distribution, read.url,
                       read.format, tuple(read.bbox), read.feature_count)
            for name, title, read in readable(deps.store())]


def collection(cid: str) -> Collection | None:
    return next((c for c in collections() if c.id == cid), None)


def features(col: Collection) -> gpd.GeoDataFrame:
    """The collection's features (CRS84), read from the cache, or downloaded and cached first."""
    path = downloads.cache_dir("ogc") / f"{hashlib.sha256(col.url.encode()).hexdigest()}.gpkg"
    if not path.is_file():
        _build(col, path)
    return _load(str(path), path.stat().st_mtime_ns)


def _build(col: Collection, path: Path) -> None:
    source = downloads.fetch(col.url)
    try:
        gdf = read_layer(source, col.format, limits=Limits(max_bytes=downloads.max_bytes()))
    except GeoError as exc:
        raise Refused(502, f"the collection's file cannot be read any more: {exc}") from exc
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    for column in columns:
        if not pd.api.types.is_numeric_dtype(gdf[column]) or pd.api.types.is_bool_dtype(gdf[column]):
            gdf[column] = gdf[column].astype(str).where(gdf[column].notna(), None)
    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    pyogrio.write_dataframe(gdf.reset_index(drop=True), tmp, driver="GPKG", layer="features")
    tmp.replace(path)
    downloads.trim(path.parent)


@lru_cache(maxsize=4)
def _load(path: str, _mtime: int) -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(path, layer="features")


def matching(gdf: gpd.GeoDataFrame, bbox: tuple[float, float, float, float] | None) -> np.ndarray:
    """Row numbers of the features intersecting `bbox` (CRS84; west > east crosses ±180), in order."""
    if bbox is None:
        return np.arange(len(gdf))
    west, south, east, north = bbox
    boxes = [shapely.box(west, south, east, north)] if west <= east else [
        shapely.box(west, south, 180, north), shapely.box(-180, south, east, north)]
    hits = [gdf.sindex.query(b, predicate="intersects") for b in boxes]
    return np.unique(np.concatenate(hits))
