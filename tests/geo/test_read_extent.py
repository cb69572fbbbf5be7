"""read_layer + compute_extent on files generated in several CRSs and formats, and on Natural Earth."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from rdflib import Literal

from catalog.namespaces import DCAT, DCT, GSP, LOCN, RDF
from geo.errors import GeoError
from geo.extent import compute_extent, to_dcat
from geo.read import read_layer
from geo.safety import Limits
from tests.geo.samples import SHANGHAI_BOX, SHANGHAI_POINT, shanghai_polygons

CRSS = [4326, 4490, 3857, 4549, 32651]  # WGS84, CGCS2000, Web Mercator, CGCS2000 3° GK CM 120E, UTM 51N


@pytest.mark.parametrize("epsg", CRSS)
def test_polygons_in_any_crs_give_the_same_wgs84_bbox(tmp_path, limits, epsg):
    path = tmp_path / f"shanghai-{epsg}.gpkg"
    shanghai_polygons().to_crs(epsg).to_file(path, driver="GPKG")
    extent = compute_extent(read_layer(path, limits=limits))
    assert extent.bbox == pytest.approx(SHANGHAI_BOX, abs=1e-6)
    assert extent.crs_source == f"EPSG:{epsg}"
    assert extent.feature_count == 2
    assert extent.footprint.is_valid and extent.footprint.area == pytest.approx(0.42, rel=1e-3)
    assert (extent.centroid.x, extent.centroid.y) == pytest.approx((121.55, 31.2), abs=1e-3)


@pytest.mark.parametrize("epsg", CRSS)
def test_a_point_in_any_crs_comes_back_in_place(tmp_path, limits, epsg):
    point = gpd.GeoDataFrame({"名称": ["人民广场"]}, geometry=[shapely.Point(SHANGHAI_POINT)], crs=4326)
    path = tmp_path / "point.shp.zip"
    point.to_crs(epsg).to_file(path, driver="ESRI Shapefile", encoding="UTF-8")
    extent = compute_extent(read_layer(path.read_bytes(), limits=limits))
    assert extent.bbox == pytest.approx((*SHANGHAI_POINT, *SHANGHAI_POINT), abs=1e-7)
    assert extent.footprint.geom_type == "Point"


def test_geojson_without_crs_is_wgs84(tmp_path, limits):
    path = tmp_path / "plain.geojson"
    path.write_text(shanghai_polygons().to_json(), encoding="utf-8")
    assert "crs" not in path.read_text(encoding="utf-8")
    gdf = read_layer(path, limits=limits)
    assert gdf.crs.to_epsg() == 4326 and gdf.iloc[1]["名称"] == "浦东"


def test_natural_earth_china_bbox(natural_earth, limits):
    china = natural_earth[natural_earth.ADM0_A3 == "CHN"]
    extent = compute_extent(read_layer(china.to_json().encode(), "geojson", limits=limits))
    assert extent.bbox == pytest.approx((73.68, 18.20, 135.03, 53.46), abs=0.01)
    assert not extent.crosses_antimeridian
    assert shapely.get_num_coordinates(extent.footprint) <= 500


@pytest.mark.parametrize(("name", "west", "east"), [("Fiji", 177.285, -179.793), ("Russia", 19.66, -169.90)])
def test_antimeridian_from_natural_earth(natural_earth, name, west, east):
    extent = compute_extent(natural_earth[natural_earth["NAME"].eq(name)].copy())
    assert extent.crosses_antimeridian
    assert (extent.bbox[0], extent.bbox[2]) == pytest.approx((west, east), abs=0.01)
    for shape in (extent.footprint, extent.bbox_geometry()):
        assert shape.is_valid and shape.geom_type == "MultiPolygon"
        assert shapely.box(-180, -90, 180, 90).contains(shape)
    # the split box is as narrow as the country, not the whole world
    assert extent.bbox_geometry().area < (360 - west + east + 1) * 90
    assert -180 <= extent.centroid.x <= 180


def test_shape_reprojected_across_the_antimeridian_is_unwrapped(tmp_path, limits):
    halves = [shapely.box(178, -18, 180, -16), shapely.box(-180, -18, -178, -16)]
    pacific = gpd.GeoSeries(halves, crs=4326).to_crs(3832)  # PDC Mercator, centred on the Pacific
    path = tmp_path / "pacific.gpkg"
    gpd.GeoDataFrame(geometry=[pacific.union_all()], crs=3832).to_file(path)
    extent = compute_extent(read_layer(path, limits=limits))
    assert extent.bbox == pytest.approx((178, -18, -178, -16), abs=1e-6)
    assert extent.footprint.area == pytest.approx(8, rel=1e-3)


def test_bow_tie_is_made_valid(tmp_path, limits):
    bow_tie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    assert not bow_tie.is_valid
    path = tmp_path / "bowtie.geojson"
    gpd.GeoDataFrame(geometry=[bow_tie], crs=4326).to_file(path)
    gdf = read_layer(path, limits=limits)
    assert gdf.geometry.is_valid.all() and shapely.area(gdf.geometry.to_numpy()).sum() == pytest.approx(0.5)
    assert compute_extent(gdf).bbox == (0, 0, 1, 1)


def test_millions_of_vertices_give_a_small_footprint(limits):
    circle = shapely.Point(121.5, 31.2).buffer(0.5, quad_segs=250_000)  # 1,000,001 vertices
    extent = compute_extent(gpd.GeoDataFrame(geometry=[circle], crs=4326), max_vertices=100)
    assert shapely.get_num_coordinates(extent.footprint) <= 100
    assert extent.footprint.area == pytest.approx(circle.area, rel=0.01)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_csv_with_chinese_lon_lat_columns(tmp_path, limits, encoding):
    path = tmp_path / "toilets.csv"
    table = pd.DataFrame({"名称": ["人民广场公厕", "外滩公厕", "无坐标"], "经度": [121.4737, 121.49, None],
                          "纬度": [31.2304, 31.24, None]})  # fmt: skip
    table.to_csv(path, index=False, encoding=encoding)
    gdf = read_layer(path, limits=limits)
    assert len(gdf) == 2 and gdf.iloc[0]["名称"] == "人民广场公厕"
    assert compute_extent(gdf).bbox == pytest.approx((121.4737, 31.2304, 121.49, 31.24))


def test_csv_in_a_projected_crs_needs_the_crs(tmp_path, limits):
    projected = gpd.GeoSeries([shapely.Point(SHANGHAI_POINT)], crs=4326).to_crs(4549)[0]
    path = tmp_path / "gk.csv"
    pd.DataFrame({"x": [projected.x], "y": [projected.y]}).to_csv(path, index=False)
    with pytest.raises(GeoError, match="crs="):
        read_layer(path, limits=limits)
    gdf = read_layer(path, limits=limits, crs="EPSG:4549")
    assert gdf.geometry[0].coords[0] == pytest.approx(SHANGHAI_POINT, abs=1e-7)


def test_csv_with_wkt_column(tmp_path, limits):
    path = tmp_path / "wkt.csv"
    pd.DataFrame({"WKT": shanghai_polygons().geometry.to_wkt(), "名称": ["浦西", "浦东"]}).to_csv(
        path, index=False
    )
    assert compute_extent(read_layer(path, limits=limits)).bbox == pytest.approx(SHANGHAI_BOX)


def test_xlsx_with_lng_lat(tmp_path, limits):
    path = tmp_path / "schools.xlsx"
    pd.DataFrame({"学校": ["复旦大学"], "lng": [121.503], "LAT": [31.297]}).to_excel(path, index=False)
    gdf = read_layer(path, limits=limits)
    assert gdf.iloc[0]["学校"] == "复旦大学" and gdf.geometry[0].coords[0] == (121.503, 31.297)


def test_kml_and_kmz(tmp_path, limits):
    kml = tmp_path / "doc.kml"
    shanghai_polygons().to_file(kml, driver="KML")
    kmz = tmp_path / "shanghai.kmz"
    with zipfile.ZipFile(kmz, "w") as archive:
        archive.write(kml, "doc.kml")
    for path in (kml, kmz):
        gdf = read_layer(path, limits=limits)
        assert set(gdf["名称"]) == {"浦西", "浦东"}
        assert compute_extent(gdf).bbox == pytest.approx(SHANGHAI_BOX)


def test_shapefile_without_prj(tmp_path, limits):
    shanghai_polygons().to_crs(32651).to_file(tmp_path / "utm.shp", encoding="UTF-8")
    (tmp_path / "utm.prj").unlink()
    archive = tmp_path / "utm.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("utm.*"):
            if part != archive:
                z.write(part, part.name)
    with pytest.raises(GeoError, match="no CRS"):
        read_layer(archive, limits=limits)
    gdf = read_layer(archive, limits=limits, crs=32651)
    assert compute_extent(gdf).bbox == pytest.approx(SHANGHAI_BOX)
    # GDAL cut 数据提供方 (15 bytes) to 10 bytes inside a character; the readable part is recovered
    assert list(gdf.columns) == ["名称", "数据提", "面积", "geometry"]
    assert gdf.iloc[0]["数据提"] == "上海市规划和自然资源局"


def test_wrong_or_unknown_crs(tmp_path, limits):
    path = tmp_path / "mercator-labelled-wgs84.gpkg"
    shanghai_polygons().to_crs(3857).set_crs(4326, allow_override=True).to_file(path)
    with pytest.raises(GeoError, match="CRS is probably wrong"):
        read_layer(path, limits=limits)
    with pytest.raises(GeoError, match="unknown CRS"):
        read_layer(path, limits=limits, crs="EPSG:999999")


@pytest.mark.parametrize(
    "content",
    [
        b'{"type": "FeatureCollection", "features": [',
        b"\x00\x01garbage" * 10,
        b"SQLite format 3\x00" + bytes(200),
        b"PK\x03\x04broken zip",
        b"",
        b'{"type": "FeatureCollection", "features": []}',
    ],  # fmt: skip
)
def test_broken_files_are_geo_errors(limits, content):
    with pytest.raises(GeoError):
        read_layer(content, limits=limits)


def test_feature_and_size_limits(tmp_path):
    path = tmp_path / "two.gpkg"
    shanghai_polygons().to_file(path)
    with pytest.raises(GeoError, match="2 features, over the limit of 1"):
        read_layer(path, limits=Limits(max_features=1))
    with pytest.raises(GeoError, match="bytes, over the limit"):
        read_layer(path, limits=Limits(max_bytes=1000))


def test_to_dcat_location(limits):
    extent = compute_extent(shanghai_polygons())
    g = to_dcat(extent, "https://data.example.cn/dataset/1")
    (location,) = g.objects(None, DCT.spatial)
    assert (location, RDF.type, DCT.Location) in g
    bbox = g.value(location, DCAT.bbox)
    assert isinstance(bbox, Literal) and bbox.datatype == GSP.wktLiteral
    assert shapely.from_wkt(str(bbox)).bounds == pytest.approx(SHANGHAI_BOX)
    assert shapely.from_wkt(str(g.value(location, LOCN.geometry))).equals_exact(extent.footprint, 1e-6)
    assert str(g.value(location, DCAT.centroid)).startswith("POINT (121.55")


def test_many_features_are_summarised_on_a_grid():
    """3,000 parcels in Shanghai and in Beijing: two footprint parts, not one box over eastern China."""
    rng = np.random.default_rng(7)
    centres = [(121.47, 31.23), (116.40, 39.90)]
    offsets = rng.uniform(-0.2, 0.2, (1500, 2))
    points = [shapely.Point(x + dx, y + dy) for x, y in centres for dx, dy in offsets]
    parcels = gpd.GeoDataFrame(geometry=shapely.buffer(points, 0.001), crs=4326)
    extent = compute_extent(parcels, max_vertices=200)
    assert shapely.get_num_coordinates(extent.footprint) <= 200
    assert extent.footprint.geom_type == "MultiPolygon" and len(extent.footprint.geoms) == 2
    assert extent.footprint.area < 0.05 * extent.bbox_geometry().area
    assert parcels.intersects(extent.footprint).mean() > 0.99
