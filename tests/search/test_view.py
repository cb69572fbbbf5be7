"""The search document view: lenient dates, safe geometry, antimeridian extents, quality, languages."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import shape

from catalog.model import Agent, Dataset, Location, Period
from catalog.views.search_doc import by_language, parse_date, period_range, quality, search_document
from tests.search import records as r


@pytest.mark.parametrize(("value", "start", "end"), [
    ("2020", "2020-01-01", "2020-12-31"), ("2020-02", "2020-02-01", "2020-02-29"),
    ("2020-05-06T10:00:00+08:00", "2020-05-06", "2020-05-06"), ("2020年5月6日", "2020-05-06", "2020-05-06"),
    ("2020/5/6", "2020-05-06", "2020-05-06"), ("2020-13-01", None, None), ("soon", None, None),
    (None, None, None),
])
def test_dates_are_read_leniently(value, start, end):
    assert str(parse_date(value) or None) == str(start)
    assert str(parse_date(value, end=True) or None) == str(end)


def test_periods_open_swapped_or_unknown():
    assert period_range("2021", None) == {"gte": "2021-01-01"}
    assert period_range("2021", "2019") == {"gte": "2019-01-01", "lte": "2021-12-31"}
    assert period_range("?", "") is None


def _doc(**kwargs) -> dict:
    return search_document(Dataset(iri="urn:x", **kwargs), content_hash="h")


def test_a_self_intersecting_polygon_is_repaired_not_dropped():
    doc = _doc(spatial=[Location(None, geometry="POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))")])  # a bow tie
    repaired = shape(doc["spatial"][0])
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert repaired.area == pytest.approx(0.5) and repaired.bounds == (0.0, 0.0, 1.0, 1.0)


def test_bad_geometry_is_left_out_not_fatal():
    crs84 = "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(121.4 31.2)"
    doc = _doc(spatial=[Location(None, geometry="POINT(200 100)"), Location(None, geometry="{not json"),
                        Location(None, bbox=crs84)],
               temporal=[Period("never", None)])
    assert doc["spatial"] == [{"type": "Point", "coordinates": (121.4, 31.2)}]
    assert doc["centroid"] == [{"lat": 31.2, "lon": 121.4}]
    assert doc["temporal"] == []


def test_fiji_extent_stays_by_the_antimeridian():
    doc = _doc(spatial=[Location(None, geometry=r.fiji_geometry())])
    xs = [x for part in doc["spatial"][0]["coordinates"] for ring in part for x, _ in ring]
    assert min(xs) > 170 and max(xs) < 190  # west longitudes +360: one shape by the antimeridian
    assert abs(doc["centroid"][0]["lon"]) > 170
    assert json.dumps(doc)  # JSON-serialisable as it goes to the engine


def test_a_polygon_drawn_across_the_antimeridian_is_indexed_east_of_180():
    doc = _doc(spatial=[Location(None, geometry="POLYGON((177 -20, -178 -20, -178 -15, 177 -15, 177 -20))")])
    assert doc["spatial"][0]["coordinates"][0][:2] == ((177.0, -20.0), (182.0, -20.0))
    assert doc["centroid"][0]["lon"] == 179.5


def test_untagged_text_goes_by_script():
    routed = by_language({"": "空气质量", "en": "Air"})
    assert routed == {"zh": ["空气质量"], "en": ["Air"], "any": ["空气质量", "Air"]}
    assert by_language({"fr": "Qualité de l'air"})["any"] == ["Qualité de l'air"]


def test_quality_rewards_completeness_and_conformance():
    bare = Dataset(iri="urn:x")
    full = Dataset(iri="urn:y", description={"en": "d"}, keywords={"en": ["k"]}, themes=["t"],
                   publisher=Agent("urn:p"), modified="2020")
    assert quality(bare, None) < quality(full, None) < quality(full, {"conforms": True, "counts": {}})
    assert quality(full, {"conforms": False, "counts": {"Violation": 9}}) < quality(full, None)
    worst = quality(bare, {"conforms": False, "counts": {"Violation": 9}})
    assert 0 <= worst < quality(full, {"conforms": True})
