"""Previews of a distribution before downloading it: a table for CSV/XLSX, a map for geodata.

/dataset/<name>/distributions/<index>/preview shows the first PREVIEW_ROWS rows of a spreadsheet (UTF-8,
UTF-8 with BOM or GB18030, escaped by Jinja like all harvested text) or a Leaflet map that
static/js/preview-map.js fills from the same-origin .../preview.geojson (simplified, at most
MAP_FEATURES features, cached on disk). Files come through `downloads.fetch` (guarded, size-capped,
cached); a preview that cannot be made says why instead.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
from flask import Blueprint, Response, render_template, url_for
from openpyxl.utils.exceptions import InvalidFileException

from geo.errors import GeoError
from geo.read import read_layer
from geo.safety import Limits, check_zip
from geo.table import ENCODINGS
from harvesters.geo_enrich import geo_hint
from portal.web import downloads
from portal.web.downloads import Refused

bp = Blueprint("preview", __name__)
PREVIEW_ROWS = 100
MAP_FEATURES = 5000
TABLES = ("csv", "xlsx")
bp.add_app_template_global(geo_hint)


@bp.app_template_global()
def map_tiles() -> str:
    """The optional tile URL (settings.tile_url); maps draw only the offline base layer without one."""
    return str(downloads.setting("tile_url", ""))


def preview_bytes() -> int:
    return int(downloads.setting("preview_max_bytes", 10 * 1024 * 1024))


@bp.get("/dataset/<name>/distributions/<int:index>/preview")
def show(name: str, index: int):
    stored, dist, url = downloads.distribution(name, index)
    kind = geo_hint(dist)
    if kind is None:
        raise Refused(415, "there is no preview for this format; download the file to open it")
    context = {"stored": stored, "dist": dist, "index": index}
    if kind in TABLES:
        path = _small(downloads.fetch(url, dist))
        header, rows = read_rows(path, kind)
        return render_template("_preview.html", header=header, rows=rows, **context)
    geojson = url_for("preview.geojson", name=name, index=index)
    return render_template("_preview.html", geojson_url=geojson, **context)


@bp.get("/dataset/<name>/distributions/<int:index>/preview.geojson")
def geojson(name: str, index: int):
    _, dist, url = downloads.distribution(name, index)
    kind = geo_hint(dist)
    if kind is None:
        raise Refused(415, "this distribution is not geodata")
    source = _small(downloads.fetch(url, dist))
    stamp = f"{source.name}-{source.stat().st_mtime_ns}".encode()
    cached = downloads.cache_dir("preview") / f"{hashlib.sha256(stamp).hexdigest()}.geojson"
    if not cached.is_file():
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(map_json(source, kind), encoding="utf-8")
        tmp.replace(cached)  # atomic: a concurrent request never reads half a file
        downloads.trim(cached.parent)
    return Response(cached.read_bytes(), mimetype="application/geo+json")


def _small(path: Path) -> Path:
    limit = preview_bytes()
    if path.stat().st_size > limit:
        raise Refused(413, f"the file is over {limit:,} bytes, too big to preview; download it instead")
    return path


def map_json(path: Path, kind: str) -> str:
    """GeoJSON (WGS84) of at most MAP_FEATURES features, simplified to about 1/1000 of the extent."""
    try:
        gdf = read_layer(path, kind, limits=Limits(max_bytes=preview_bytes(), max_features=200_000))
    except GeoError as exc:
        raise Refused(422, f"this file cannot be shown on a map: {exc}") from exc
    gdf = gdf.head(MAP_FEATURES)
    west, south, east, north = gdf.total_bounds
    simple = gdf.geometry.simplify(max(east - west, north - south) / 1000, preserve_topology=True)
    props = gdf.drop(columns=gdf.geometry.name).astype(str).where(gdf.notna(), None)
    return gpd.GeoDataFrame(props, geometry=simple, crs=gdf.crs).to_json(na="null", drop_id=True)


def read_rows(path: Path, kind: str) -> tuple[list[str], list[list[str]]]:
    """The header and the first PREVIEW_ROWS rows, as text."""
    rows = _csv_rows(path) if kind == "csv" else _xlsx_rows(path)
    if not rows:
        raise Refused(422, "the table is empty")
    width = max(len(r) for r in rows)
    padded = [[("" if v is None else str(v)) for v in r] + [""] * (width - len(r)) for r in rows]
    return padded[0], padded[1:]


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Refused(422, "the CSV file is neither UTF-8 nor GB18030 text")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [row for _, row in zip(range(PREVIEW_ROWS + 1), reader, strict=False)]
    except csv.Error as exc:
        raise Refused(422, f"the CSV file cannot be parsed: {exc}") from exc


def _xlsx_rows(path: Path) -> list[list[object]]:
    """The first sheet, read only after its zip passed the bomb checks."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, Limits(max_bytes=preview_bytes()))
        # a file object: openpyxl refuses paths without an .xlsx extension, and cached files have none
        book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except (GeoError, zipfile.BadZipFile, OSError, KeyError, ValueError, InvalidFileException) as exc:
        raise Refused(422, f"the workbook cannot be read: {exc}") from exc
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(max_row=PREVIEW_ROWS + 1, values_only=True)]
    finally:
        book.close()
