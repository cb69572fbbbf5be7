"""Distributions in the format people ask for: GeoJSON, GeoPackage, zipped Shapefile, CSV (WKT), KML.

Conversions are pure functions of the source bytes and the target format, so results are kept in a small
on-disk cache keyed by (SHA-256 of the content, format) and served again without touching GDAL.
GeoJSON, KML and CSV are written in EPSG:4326 (RFC 7946 and KML require it; a CSV cannot say its CRS);
GeoPackage and Shapefile keep the source CRS.

Shapefile field names are at most 10 bytes: GDAL would cut 数据提供方 (15 bytes in UTF-8) inside a character
and write a file nothing can read back, so names are shortened here at character boundaries (数据提 ...) and
made unique; the mapping is lost in the Shapefile, which is why the other formats are offered first.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from geo.errors import GeoError
from geo.read import WGS84, as_geo_error, load
from geo.safety import Limits


@dataclass(frozen=True)
class Target:
    driver: str
    suffix: str
    wgs84: bool
    options: tuple[tuple[str, str], ...] = ()


TARGETS = {
    "geojson": Target("GeoJSON", ".geojson", True),
    "gpkg": Target("GPKG", ".gpkg", False),
    "shp": Target("ESRI Shapefile", ".shp.zip", False),
    "csv": Target("CSV", ".csv", True, (("GEOMETRY", "AS_WKT"),)),
    "kml": Target("KML", ".kml", True),
}


class ConversionCache:
    """Converted files under `directory`, named <sha256>.<format>; oldest-used evicted past `max_bytes`."""

    def __init__(self, directory: Path, max_bytes: int = 2 * 1024**3) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes

    def path(self, digest: str, fmt: str) -> Path:
        return self.directory / f"{digest}{TARGETS[fmt].suffix}"

    def get(self, digest: str, fmt: str) -> Path | None:
        path = self.path(digest, fmt)
        if not path.is_file():
            return None
        path.touch()  # mtime is the last use, for eviction
        return path

    def put(self, produced: Path, digest: str, fmt: str) -> Path:
        path = self.path(digest, fmt)
        os.replace(produced, path)  # atomic: readers never see half a file
        self._evict(keep=path)
        return path

    def _evict(self, keep: Path) -> None:
        files = sorted((p for p in self.directory.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime)
        total = sum(p.stat().st_size for p in files)
        for old in files:
            if total <= self.max_bytes:
                break
            if old != keep:
                total -= old.stat().st_size
                old.unlink(missing_ok=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def convert(
    src_path: str | os.PathLike[str],
    src_format: str | None,
    dst_format: str,
    *,
    limits: Limits,
    cache: ConversionCache | None = None,
    out_dir: Path | None = None,
    crs: str | int | None = None,
) -> Path:
    """The file converted to `dst_format`: from `cache` if it has it, else written to `out_dir` or the cache.

    Without either, the result goes to a new temporary directory that the caller removes.
    """
    if dst_format not in TARGETS:
        raise GeoError(f"cannot convert to {dst_format!r}; formats: {', '.join(TARGETS)}")
    digest = sha256(Path(src_path)) if cache else ""
    if cache and (hit := cache.get(digest, dst_format)):
        return hit
    gdf = load(src_path, src_format, limits=limits, crs=crs)
    where = Path(out_dir or tempfile.mkdtemp(prefix="kaifang-convert-"))
    where.mkdir(parents=True, exist_ok=True)
    stem = Path(src_path).name.split(".")[0] or "data"
    produced = write(gdf, dst_format, where / f"{stem}{TARGETS[dst_format].suffix}")
    return cache.put(produced, digest, dst_format) if cache else produced


def write(gdf: gpd.GeoDataFrame, fmt: str, path: Path) -> Path:
    target = TARGETS[fmt]
    if target.wgs84:
        gdf = gdf.to_crs(WGS84)
    if fmt == "shp":
        gdf = gdf.rename(columns=shapefile_names([c for c in gdf.columns if c != gdf.geometry.name]))
    path.unlink(missing_ok=True)
    with as_geo_error(f"cannot write the {fmt} output"):
        gdf.to_file(path, driver=target.driver, layer_options=dict(target.options), encoding="UTF-8")
    return path


def shapefile_names(columns: list[str]) -> dict[str, str]:
    """Column -> a unique name of at most 10 UTF-8 bytes, cut at character boundaries."""
    names: dict[str, str] = {}
    for column in columns:
        name, n = _cut(str(column), 10), 1
        while name in names.values():
            suffix = f"_{n}"
            name, n = _cut(str(column), 10 - len(suffix)) + suffix, n + 1
        names[column] = name
    return names


def _cut(text: str, size: int) -> str:
    return text.encode("utf-8")[:size].decode("utf-8", "ignore")
