"""Rebuild the shipped files in geo/data from the real sources kept in tests/fixtures (run by hand).

    .venv/bin/python -m geo.build_data

Natural Earth keeps only the columns the gazetteer reads (the 110m geometry is already small); the
prefecture table comes from CNPDS's list of portals, which names every prefecture-level division under its
province. geo/data/SOURCES.md records both.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd

from vocab.loader import vocabulary

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
DATA = Path(__file__).parent / "data"
COUNTRY_COLUMNS = {"ISO_A2_EH": "iso_a2", "ISO_A3_EH": "iso_a3", "NAME_EN": "name_en", "NAME_ZH": "name_zh"}
# Natural Earth labels Taiwan 中华民国 (its default point of view); a mainland portal writes 中国台湾.
ZH_OVERRIDES = {"TWN": "中国台湾"}


def build_countries() -> None:
    src = FIXTURES / "geojson" / "natural-earth-110m" / "ne_110m_admin_0_countries.geojson"
    gdf = gpd.read_file(src)[[*COUNTRY_COLUMNS, "geometry"]].rename(columns=COUNTRY_COLUMNS)
    gdf["name_zh"] = [ZH_OVERRIDES.get(a3, zh) for a3, zh in zip(gdf.iso_a3, gdf.name_zh, strict=True)]
    out = DATA / "ne_110m_admin_0_countries.geojson"
    out.unlink(missing_ok=True)
    gdf.to_file(out, driver="GeoJSON", layer_options={"COORDINATE_PRECISION": 5, "RFC7946": "YES"})


def build_prefectures() -> None:
    portals = json.loads((FIXTURES / "chinese" / "cnpds-nju" / "portals.json").read_text(encoding="utf-8"))
    provinces = vocabulary("cn-admin")
    rows = []
    for province, divisions in portals.items():
        code = provinces.lookup(province).notation
        rows += [(name, code) for name in divisions if name != province and "直辖" not in name]
    with open(DATA / "cn-prefectures.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("name", "province_code"))
        writer.writerows(rows)


if __name__ == "__main__":
    build_countries()
    build_prefectures()
