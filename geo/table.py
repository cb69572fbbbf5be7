"""Spreadsheets with coordinates: CSV and XLSX with lon/lat columns or a WKT column, as GeoDataFrames.

Government portals publish most point data as spreadsheets (学校, 医院, 公厕 with 经度/纬度), in UTF-8 or
GB18030, so the columns are found by the names publishers actually use and the encoding by trying both.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.errors import GeoError
from geo.safety import Limits

LON_NAMES = {"经度", "东经", "经度坐标", "x坐标", "lon", "lng", "long", "longitude", "x", "point_x"}
LAT_NAMES = {"纬度", "北纬", "纬度坐标", "y坐标", "lat", "latitude", "y", "point_y"}
WKT_NAMES = {"wkt", "geometry", "geom", "the_geom", "shape", "几何", "空间信息", "坐标wkt"}
ENCODINGS = ("utf-8-sig", "gb18030")


def read_table(path: Path, fmt: str, limits: Limits) -> gpd.GeoDataFrame:
    """The rows of a CSV or XLSX sheet that have coordinates, without a CRS (the caller decides it)."""
    df = _read_csv(path, limits) if fmt == "csv" else _read_xlsx(path, limits)
    if len(df) > limits.max_features:
        raise GeoError(f"table has more than {limits.max_features:,} rows, over the feature limit")
    return _to_geo(df)


def _read_csv(path: Path, limits: Limits) -> pd.DataFrame:
    for encoding in ENCODINGS:
        try:
            return pd.read_csv(path, encoding=encoding, dtype=str, nrows=limits.max_features + 1)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise GeoError(f"CSV cannot be parsed: {exc}") from exc
    raise GeoError("CSV is neither UTF-8 nor GB18030 text")


def _read_xlsx(path: Path, limits: Limits) -> pd.DataFrame:
    """The first sheet; openpyxl reads the workbook's zip itself, so the caller checks that zip first."""
    try:
        return pd.read_excel(path, sheet_name=0, dtype=str, nrows=limits.max_features + 1, engine="openpyxl")
    except (ValueError, KeyError, OSError) as exc:
        raise GeoError(f"XLSX workbook cannot be read: {exc}") from exc


def _column(df: pd.DataFrame, names: set[str]) -> str | None:
    for col in df.columns:
        if str(col).strip().lower().replace(" ", "") in names:
            return col
    return None


def _to_geo(df: pd.DataFrame) -> gpd.GeoDataFrame:
    lon, lat, wkt = _column(df, LON_NAMES), _column(df, LAT_NAMES), _column(df, WKT_NAMES)
    if lon is not None and lat is not None:
        x = pd.to_numeric(df[lon].str.strip(), errors="coerce")
        y = pd.to_numeric(df[lat].str.strip(), errors="coerce")
        keep = x.notna() & y.notna()
        return gpd.GeoDataFrame(df[keep], geometry=gpd.points_from_xy(x[keep], y[keep]))
    if wkt is not None:
        rows = df[df[wkt].notna()]
        try:
            geoms = shapely.from_wkt(rows[wkt].to_numpy(), on_invalid="raise")
        except shapely.errors.GEOSException as exc:
            raise GeoError(f"column {wkt!r} holds text that is not WKT: {exc}") from exc
        return gpd.GeoDataFrame(rows.drop(columns=[wkt]), geometry=geoms)
    raise GeoError(
        f"no coordinate columns found (looked for lon/lat such as 经度/纬度, lng/lat, x/y, or a WKT column); "
        f"columns are: {', '.join(map(str, df.columns))}"
    )
