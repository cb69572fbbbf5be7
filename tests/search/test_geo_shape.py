"""The `geo_shape` field our kaifang-geo plugin gives the engine, through the real HTTP API: every spatial
relation Lucene's LatLonShape supports, dateline splitting, WKT input and malformed shapes."""

from __future__ import annotations

import json

import pytest

from search.documents import index_body
from tests.search import records as r

SHAPES = {
    "square": {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]},
    "inner": "POLYGON ((2 2, 4 2, 4 4, 2 4, 2 2))",
    "road": {"type": "LineString", "coordinates": [[20, 0], [30, 10]]},
    "fiji": json.loads(r.fiji_geometry()),
    # east of 180: the indexer splits it at the dateline into 170..180 and -180..-170
    "pacific": {"type": "Polygon", "coordinates": [[[170, 30], [190, 30], [190, 40], [170, 40], [170, 30]]]},
}


@pytest.fixture(scope="module")
def index(es, prefix) -> str:
    name = f"{prefix}-shapes"
    es.indices.create(index=name, body=index_body())
    for key, shape in SHAPES.items():
        es.index(index=name, id=key, document={"spatial": shape}, refresh=True)
    return name


def _ids(es, index: str, shape: dict, relation: str = "intersects") -> set[str]:
    query = {"geo_shape": {"spatial": {"shape": shape, "relation": relation}}}
    return {h["_id"] for h in es.search(index=index, query=query, size=20)["hits"]["hits"]}


def _box(west: float, south: float, east: float, north: float) -> dict:
    return {"type": "envelope", "coordinates": [[west, north], [east, south]]}


def test_the_mapping_is_a_real_geo_shape(es, index):
    mapping = es.indices.get_mapping(index=index)[index]["mappings"]["properties"]["spatial"]
    assert mapping["type"] == "geo_shape"


@pytest.mark.parametrize(("relation", "box", "expected"), [
    ("intersects", (3, 3, 25, 6), {"square", "inner", "road"}),
    ("within", (-1, -1, 11, 11), {"square", "inner"}),
    ("contains", (5, 5, 6, 6), {"square"}),
    ("disjoint", (-1, -1, 11, 11), {"road", "fiji", "pacific"}),
])
def test_relations(es, index, relation, box, expected):
    assert _ids(es, index, _box(*box), relation) == expected


def test_shapes_east_of_180_are_split_at_the_dateline(es, index):
    assert _ids(es, index, _box(-175, 39, -172, 41)) == {"pacific"}
    assert _ids(es, index, _box(175, 39, -175, 41)) == {"pacific"}
    assert _ids(es, index, _box(-10, 35, 10, 36)) == set()


def test_fiji_is_found_on_both_sides_of_the_antimeridian(es, index):
    assert _ids(es, index, _box(177, -19, 179, -16)) == {"fiji"}
    assert _ids(es, index, _box(-180, -17, -179.7, -15)) == {"fiji"}
    assert _ids(es, index, _box(-170, -25, 170, -10)) == set()


def test_a_malformed_shape_is_skipped_and_the_document_kept(es, index):
    bad = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}  # not a closed ring
    es.index(index=index, id="bad", document={"spatial": bad, "iri": "urn:bad"}, refresh=True)
    found = es.search(index=index, query={"term": {"iri": "urn:bad"}})["hits"]["hits"]
    assert [h["_id"] for h in found] == ["bad"] and found[0]["_ignored"] == ["spatial"]
    es.delete(index=index, id="bad", refresh=True)
