"""Gazetteer on the real Shanghai and Guiyang portal records, on names, on shapes and on DCAT Locations."""

from __future__ import annotations

import json
from collections import Counter
from xml.etree import ElementTree

import geopandas as gpd
import pytest
import shapely

from catalog.model import Agent, Dataset, Location
from geo.gazetteer import Gazetteer, infer_regions, parse_geometry, regions_for_geometry, regions_for_text
from tests.geo.samples import SHANGHAI_POINT

RECORDS = "chinese/mainland-portal-metadata-cnpds"


def _datasets(fixtures, name: str) -> list[Dataset]:
    records = json.loads((fixtures / RECORDS / f"{name}.json").read_text(encoding="utf-8"))
    return [
        Dataset(
            iri=r["详情页网址"],
            title={"zh": r.get("数据集名称") or r["标题"]},
            publisher=Agent(None, {"zh": r["数据提供方"]}),
        )
        for r in records
    ]


def test_every_shanghai_publisher_is_shanghai(fixtures):
    datasets = _datasets(fixtures, "shanghai_shanghai")
    firsts = Counter((m[0].region.code, m[0].how) for d in datasets if (m := infer_regions(d)))
    assert firsts == {("310000", "publisher"): 4494}


def test_guiyang_publishers_are_guizhou(fixtures):
    """98.4% found: 白云区 (a Guangzhou district too) and 经开区/高新区/综保区 name no division."""
    datasets = _datasets(fixtures, "guizhou_guiyang")
    firsts = Counter(
        m[0].region.code for d in datasets if (m := [x for x in infer_regions(d) if x.how == "publisher"])
    )
    assert set(firsts) == {"520000"}
    assert firsts["520000"] / len(datasets) >= 0.98
    print(f"Guiyang publisher coverage: {firsts['520000']}/{len(datasets)}")


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("上海市住房和城乡建设管理委员会", ["310000"]),
        ("贵阳市综合行政执法局", ["520000"]),
        ("生态环境局息烽分局", ["520000"]),
        ("北京市朝阳区教育委员会", ["110000"]),  # 朝阳区 is not 朝阳市 (Liaoning)
        ("南京路步行街客流", []),  # a Shanghai street, not 南京市
        ("海南藏族自治州统计局", ["630000"]),  # a Qinghai prefecture, not 海南省
        ("内蒙古自治区与蒙古国边境口岸", ["150000", "MNG"]),
        ("Shanghai Municipal Statistics Bureau", ["310000"]),
        ("Roads of Nigeria and Niger", ["NGA", "NER"]),
        ("白云区民政局", []),  # Guiyang's or Guangzhou's: not guessed
    ],
)
def test_regions_for_text(text, codes):
    assert [r.code for r in regions_for_text(text)] == codes


def test_regions_for_geometry():
    point = regions_for_geometry(shapely.Point(SHANGHAI_POINT))
    assert point[0].code == "310000" and "CHN" in [r.code for r in point]
    china = regions_for_geometry(shapely.box(74, 18, 135, 53))
    assert next(r for r in china if r.kind == "country").code == "CHN"
    pacific = regions_for_geometry(
        shapely.MultiPolygon([shapely.box(177, -19, 180, -16), shapely.box(-180, -19, -179, -16)])
    )
    assert pacific[0].code == "FJI"


def test_infer_marks_how_each_region_was_found():
    dataset = Dataset(
        iri="https://data.example.cn/d/1",
        title={"zh": "广州市公交站点"},
        publisher=Agent(None, {"zh": "贵阳市大数据发展管理局"}),
        spatial=[
            Location("https://w3id.org/kaifang/def/cn-admin/310000"),
            Location(
                None, geometry="<http://www.opengis.net/def/crs/EPSG/0/4326> POINT(26.65 106.63)"
            ),  # lat lon
            Location(None, label={"en": "Tibet"}, bbox="POLYGON((74 18, 135 18, 135 53, 74 53, 74 18))"),
        ],
    )
    found = [(m.region.code, m.how) for m in infer_regions(dataset)]
    assert found[:3] == [("310000", "spatial-iri"), ("540000", "spatial-label"), ("520000", "geometry")]
    assert ("CHN", "geometry") in found and ("440000", "title") in found
    assert len({code for code, _ in found}) == len(found)


def test_parse_geometry_literals():
    assert parse_geometry('{"type": "Point", "coordinates": [121.47, 31.23]}').equals(
        shapely.Point(121.47, 31.23)
    )
    assert parse_geometry("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(121.47 31.23)").x == 121.47
    assert parse_geometry("not a geometry") is None and parse_geometry(None) is None


def test_base_map_is_configurable(tmp_path):
    base = tmp_path / "approved-map.geojson"
    gpd.GeoDataFrame(
        {"iso_a2": ["CN"], "iso_a3": ["CHN"], "name_en": ["China"], "name_zh": ["中国"]},
        geometry=[shapely.box(73, 3, 136, 54)],
        crs=4326,
    ).to_file(base)
    gazetteer = Gazetteer(base)
    assert [r.code for r in gazetteer.regions if r.kind == "country"] == ["CHN"]
    assert [r.code for r in regions_for_text("中国地震局", gazetteer)] == ["CHN"]
    assert regions_for_geometry(shapely.Point(112, 10), gazetteer)[-1].code == "CHN"


@pytest.mark.parametrize(
    ("record", "country"),
    [("owslib/csw_dov_getrecordbyid.xml", "BEL"), ("owslib/csw_geobretagne_mdmetadata.xml", "FRA")],
)
def test_bounding_boxes_of_real_iso_records(fixtures, record, country):
    """The EX_GeographicBoundingBox of a Flemish and a Breton ISO 19139 record name Belgium and France."""
    gmd = "{http://www.isotc211.org/2005/gmd}"
    tree = ElementTree.parse(fixtures / "iso19139" / record)
    box = next(tree.iter(f"{gmd}EX_GeographicBoundingBox"))
    sides = ("westBoundLongitude", "southBoundLatitude", "eastBoundLongitude", "northBoundLatitude")
    west, south, east, north = (float("".join(box.find(f"{gmd}{side}").itertext())) for side in sides)
    regions = regions_for_geometry(shapely.box(west, south, east, north))
    countries = [r.code for r in regions if r.kind == "country"]
    assert countries[0] == country
