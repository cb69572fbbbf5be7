"""Read one published geodata file (a path or the downloaded bytes) into a GeoDataFrame in EPSG:4326.

Formats: GeoJSON, zipped Shapefile (or any zip holding one of these), GeoPackage, KML/KMZ, CSV and XLSX with
lon/lat or WKT columns, and whatever else GDAL recognises. Every layer of the file is read, because coverage
is about the whole distribution. All failures come out as `GeoError`; the file's format is sniffed from its
bytes first, because harvested format labels are often wrong.

CRS rules: the file's own CRS wins unless the caller passes `crs`; GeoJSON without one is WGS84 (RFC 7946,
and GDAL reads it so); files without a CRS whose coordinates fit longitude/latitude are taken as WGS84, any
other file without one is refused with a message asking for `crs`. CGCS2000 (EPSG:4490) and WGS84 differ by
under a metre, so pyproj's direct conversion is exact enough for extents.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from geo import antimeridian
from geo.errors import GeoError
from geo.safety import Limits, check_size, check_zip, safe_extract
from geo.table import read_table

Source = str | os.PathLike[str] | bytes

_HINTS = {
    "geojson": "geojson", "json": "geojson", "application/geo+json": "geojson",
    "zip": "zip", "shp": "zip", "shapefile": "zip", "esri shapefile": "zip", "kmz": "zip",
    "gpkg": "gpkg", "geopackage": "gpkg", "kml": "kml", "csv": "csv", "text/csv": "csv", "xlsx": "xlsx",
}  # fmt: skip
_MEMBER_ORDER = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".csv", ".xlsx")
WGS84 = pyproj.CRS.from_epsg(4326)


def read_layer(
    source: Source, format_hint: str | None = None, *, limits: Limits, crs: str | int | None = None
) -> gpd.GeoDataFrame:
    """All features of the file in EPSG:4326 with valid geometries.

    `attrs["crs_source"]` names the file's own CRS; `crs` overrides it (for files with none or a wrong one).
    """
    return to_wgs84(load(source, format_hint, limits=limits, crs=crs))


def load(
    source: Source, format_hint: str | None = None, *, limits: Limits, crs: str | int | None = None
) -> gpd.GeoDataFrame:
    """All features in the file's own CRS (every layer brought to the first layer's CRS)."""
    with tempfile.TemporaryDirectory(prefix="kaifang-geo-") as tmp:
        path, fmt = _prepare(source, format_hint, Path(tmp), limits)
        with as_geo_error(f"cannot read the {fmt} file"):
            frames = [read_table(path, fmt, limits)] if fmt in ("csv", "xlsx") else _read_ogr(path, limits)
            frames = [_with_crs(f, crs) for f in frames]
            target = frames[0].crs
            gdf = pd.concat([f.to_crs(target) for f in frames], ignore_index=True)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if gdf.empty:
        raise GeoError("the file has no features with a geometry")
    return gdf


@contextmanager
def as_geo_error(doing: str) -> Iterator[None]:
    """GDAL, pandas and pyproj raise many exception types for broken input; callers get one."""
    try:
        yield
    except GeoError:
        raise
    except (RuntimeError, ValueError, OSError, KeyError, UnicodeError, zipfile.BadZipFile) as exc:
        raise GeoError(f"{doing}: {exc}") from exc


def _prepare(source: Source, hint: str | None, tmp: Path, limits: Limits) -> tuple[Path, str]:
    """A local path and its format; bytes are written to `tmp`, archives checked and extracted there."""
    if isinstance(source, bytes):
        check_size(len(source), limits)
        path = tmp / "upload"
        path.write_bytes(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise GeoError(f"no such file: {path}")
        check_size(path.stat().st_size, limits)
    fmt = detect_format(path, hint)
    if fmt == "xlsx":
        with as_geo_error("cannot read the XLSX workbook"), zipfile.ZipFile(path) as workbook:
            check_zip(workbook, limits)
    if fmt != "zip":
        return path, fmt
    (tmp / "unzipped").mkdir()
    return _pick_member(safe_extract(path, tmp / "unzipped", limits))


def detect_format(path: Path, hint: str | None = None) -> str:
    """geojson, gpkg, kml, csv, xlsx, zip, or "ogr" (let GDAL decide); magic bytes beat the hint."""
    with open(path, "rb") as f:
        head = f.read(1024)
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    by_hint = _HINTS.get((hint or path.suffix).strip(". ").lower())
    if by_hint and by_hint not in ("zip", "gpkg", "xlsx"):
        return by_hint
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"{", b"[")):
        return "geojson"
    if text.startswith(b"<"):
        return "kml" if b"<kml" in head else "ogr"
    return "csv"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile as exc:
        raise GeoError(f"not a readable zip archive: {exc}") from exc
    return "xlsx" if "[Content_Types].xml" in names else "zip"


def _pick_member(files: list[Path]) -> tuple[Path, str]:
    """The data file of an extracted archive; for shapefiles their folder, so GDAL reads every layer."""
    files = [f for f in files if "__MACOSX" not in f.parts and not f.name.startswith(".")]
    for suffix in _MEMBER_ORDER:
        found = sorted(f for f in files if f.suffix.lower() == suffix)
        if found and suffix == ".shp":
            return found[0].parent, "shp"
        if found:
            return found[0], detect_format(found[0], suffix)
    raise GeoError(f"the archive holds no geodata file (looked for {', '.join(_MEMBER_ORDER)})")


def _read_ogr(path: Path, limits: Limits) -> list[gpd.GeoDataFrame]:
    layers = [name for name, geom_type in pyogrio.list_layers(path) if geom_type is not None]
    if not layers:
        raise GeoError("the file has no layer with geometries")
    # latin-1 decodes any bytes: only the count is wanted here, and field names may be cut UTF-8 (below)
    counts = [pyogrio.read_info(path, layer=name, encoding="latin1")["features"] for name in layers]
    if sum(counts) > limits.max_features:
        raise GeoError(f"the file has {sum(counts):,} features, over the limit of {limits.max_features:,}")
    return [_read_frame(path, name) for name in layers]


def _read_frame(path: Path, layer: str) -> gpd.GeoDataFrame:
    try:
        return pyogrio.read_dataframe(path, layer=layer)
    except UnicodeDecodeError:
        # Shapefiles written by GDAL cut UTF-8 field names at 10 bytes, inside a character: read the bytes as
        # latin-1 (which cannot fail), then decode them as the UTF-8 they are, dropping the cut character.
        gdf = pyogrio.read_dataframe(path, layer=layer, encoding="latin1")
        columns = [c for c in gdf.columns if c != gdf.geometry.name]
        gdf[columns] = gdf[columns].map(_utf8)
        return gdf.rename(columns=_utf8)


def _utf8(value: object) -> object:
    return value.encode("latin1").decode("utf-8", "ignore") if isinstance(value, str) else value


def _with_crs(gdf: gpd.GeoDataFrame, crs: str | int | None) -> gpd.GeoDataFrame:
    if crs is not None:
        try:
            return gdf.set_crs(pyproj.CRS.from_user_input(crs), allow_override=True)
        except pyproj.exceptions.CRSError as exc:
            raise GeoError(f"unknown CRS {crs!r}: {exc}") from exc
    if gdf.crs is not None:
        return gdf
    x0, y0, x1, y1 = gdf.total_bounds
    if -180 <= x0 <= x1 <= 360 and -90 <= y0 <= y1 <= 90:
        return gdf.set_crs(WGS84)
    raise GeoError(
        f"the file has no CRS and its coordinates (x {x0:.6g}..{x1:.6g}, y {y0:.6g}..{y1:.6g}) are not "
        "longitude/latitude; pass its CRS, e.g. crs='EPSG:4549' (CGCS2000 / 3-degree Gauss-Kruger CM 120E)"
    )


def crs_name(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.name


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326, refuse impossible coordinates, repair wrapped and invalid shapes."""
    source = gdf.crs
    try:
        out = gdf.to_crs(WGS84)
    except (pyproj.exceptions.CRSError, pyproj.exceptions.ProjError, ValueError) as exc:
        raise GeoError(f"cannot transform from {source.name} to WGS84: {exc}") from exc
    x0, y0, x1, y1 = out.total_bounds
    if not (np.isfinite([x0, y0, x1, y1]).all() and -360 <= x0 <= x1 <= 360 and -90 <= y0 <= y1 <= 90):
        raise GeoError(
            f"coordinates are outside the world once read as {crs_name(source)} "
            f"(lon {x0:.6g}..{x1:.6g}, lat {y0:.6g}..{y1:.6g}); the file's CRS is probably wrong: pass crs="
        )
    out = out.set_geometry(_repair(out.geometry.to_numpy(), source.is_geographic), crs=WGS84)
    out.attrs["crs_source"] = crs_name(source)
    return out


def _repair(geoms: np.ndarray, geographic: bool) -> np.ndarray:
    geoms = geoms.copy()
    bounds = shapely.bounds(geoms)
    if not geographic:
        wide = bounds[:, 2] - bounds[:, 0] > 180
        geoms[wide] = [antimeridian.unwrap(g) for g in geoms[wide]]
    beyond = (bounds[:, 0] < -180) | (bounds[:, 2] > 180)
    geoms[beyond] = [antimeridian.split(g) for g in geoms[beyond]]
    invalid = ~shapely.is_valid(geoms)
    geoms[invalid] = shapely.make_valid(geoms[invalid])
    return geoms
