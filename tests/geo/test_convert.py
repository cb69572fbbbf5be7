"""Conversions between the five download formats, each result re-read and compared with the source."""

from __future__ import annotations

import itertools

import pytest

from geo.convert import TARGETS, ConversionCache, convert, shapefile_names
from geo.errors import GeoError
from geo.read import load, read_layer
from geo.safety import Limits
from tests.geo.samples import SHANGHAI_BOX, shanghai_polygons

FORMATS = list(TARGETS)


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict:
    """The Shanghai polygons in CGCS2000 / 3-degree Gauss-Kruger, converted into every format."""
    where = tmp_path_factory.mktemp("sources")
    gpkg = where / "shanghai.gpkg"
    shanghai_polygons().to_crs(4549).to_file(gpkg, driver="GPKG")
    made = {
        fmt: convert(gpkg, "gpkg", fmt, limits=Limits(), out_dir=where / fmt)
        for fmt in FORMATS
        if fmt != "gpkg"
    }
    return {"gpkg": gpkg, **made}


@pytest.mark.parametrize(("src", "dst"), list(itertools.product(FORMATS, FORMATS)))
def test_round_trip(sources, tmp_path, src, dst):
    out = convert(sources[src], src, dst, limits=Limits(), out_dir=tmp_path)
    assert out.name.endswith(TARGETS[dst].suffix)
    gdf = read_layer(out, dst, limits=Limits())
    assert len(gdf) == 2
    assert tuple(gdf.total_bounds) == pytest.approx(SHANGHAI_BOX, abs=1e-6)
    keeps_crs = not TARGETS[src].wgs84 and not TARGETS[dst].wgs84
    assert gdf.attrs["crs_source"] == ("EPSG:4549" if keeps_crs else "EPSG:4326")
    assert sorted(gdf["名称"]) == ["浦东", "浦西"]
    provider = "数据提" if "shp" in (src, dst) else "数据提供方"  # Shapefile: 10-byte field names
    assert set(gdf[provider]) == {"上海市规划和自然资源局", "上海市浦东新区人民政府"}
    assert sorted(float(v) for v in gdf["面积"]) == [1.5, 2.5]  # CSV and KML bring numbers back as text


def test_shapefile_keeps_the_source_crs(sources):
    assert load(sources["shp"], limits=Limits()).crs.to_epsg() == 4549


def test_shapefile_names_are_cut_at_character_boundaries():
    names = shapefile_names(["名称", "数据提供方", "数据提供方二", "population_total", "population_totals"])
    assert names == {"名称": "名称", "数据提供方": "数据提", "数据提供方二": "数据_1",
                     "population_total": "population", "population_totals": "populati_1"}  # fmt: skip
    assert all(len(n.encode()) <= 10 for n in names.values())


def test_cache_serves_the_same_file_and_evicts(sources, tmp_path):
    cache = ConversionCache(tmp_path / "cache")
    first = convert(sources["gpkg"], "gpkg", "geojson", limits=Limits(), cache=cache)
    stamp = first.stat().st_mtime_ns
    again = convert(sources["gpkg"], "gpkg", "geojson", limits=Limits(), cache=cache)
    assert again == first and first.parent == cache.directory
    assert first.stat().st_ino == again.stat().st_ino and again.stat().st_mtime_ns >= stamp
    other = convert(sources["gpkg"], "gpkg", "kml", limits=Limits(), cache=cache)
    assert other != first and other.stat().st_size > 0

    small = ConversionCache(tmp_path / "small", max_bytes=other.stat().st_size + 1)
    kept = convert(sources["gpkg"], "gpkg", "kml", limits=Limits(), cache=small)
    newest = convert(sources["gpkg"], "gpkg", "csv", limits=Limits(), cache=small)
    assert newest.exists() and not kept.exists()


def test_refuses_large_sources_and_unknown_formats(sources, tmp_path):
    with pytest.raises(GeoError, match="over the limit"):
        convert(sources["gpkg"], "gpkg", "geojson", limits=Limits(max_bytes=1000), out_dir=tmp_path)
    with pytest.raises(GeoError, match="cannot convert to 'dxf'"):
        convert(sources["gpkg"], "gpkg", "dxf", limits=Limits(), out_dir=tmp_path)


def test_mixed_geometry_types_cannot_become_a_shapefile(tmp_path):
    import geopandas as gpd
    import shapely

    mixed = tmp_path / "mixed.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(121, 31), shapely.box(121, 31, 122, 32)], crs=4326).to_file(
        mixed
    )
    with pytest.raises(GeoError, match="cannot write the shp output"):
        convert(mixed, "geojson", "shp", limits=Limits(), out_dir=tmp_path)
