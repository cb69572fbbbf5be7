"""OGC API – Features against a live server: OWSLib's client, and the request sequence QGIS makes."""

from __future__ import annotations

import pytest
import requests
import shapely
from owslib.ogcapi.features import Features

from harvesters.geo_enrich import enrich
from tests.geo_portal.conftest import add_dataset

ASIA = [60, 0, 150, 60]  # west, south, east, north


@pytest.fixture
def collections(portal, files, client) -> dict[str, str]:
    """dataset IRI -> collection id, for the countries and the CGCS2000 GeoPackage (read by enrichment)."""
    world = add_dataset(portal.store, "ogc-world", "世界国家", [(files.url("/ne.geojson"), "GEOJSON")])
    shanghai = add_dataset(portal.store, "ogc-sh", "上海区划", [(files.url("/shanghai.gpkg"), "GPKG")])
    broken = add_dataset(portal.store, "ogc-broken", "坏", [(files.url("/broken.geojson"), "GEOJSON")])
    for iri in (world, shanghai, broken):
        enrich(portal.store, iri, client)
    return {iri: f"{portal.name(iri)}-0" for iri in (world, shanghai)}


def test_owslib_lists_collections_and_reads_items(live, collections):
    api = Features(live + "/ogc")
    assert sorted(api.feature_collections()) == sorted(collections.values())
    world = next(c for c in collections.values() if c.startswith("ogc-world"))
    described = api.collection(world)
    assert described["extent"]["spatial"]["bbox"][0] == pytest.approx([-180, -90, 180, 83.65], abs=0.01)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in api.conformance()["conformsTo"]

    page = api.collection_items(world, limit=5, bbox=ASIA)
    assert page["type"] == "FeatureCollection"
    assert page["numberReturned"] == 5 < page["numberMatched"] < 177
    area = shapely.box(*ASIA)
    for feature in page["features"]:
        assert shapely.geometry.shape(feature["geometry"]).intersects(area)
    one = api.collection_item(world, page["features"][0]["id"])
    assert one["properties"] == page["features"][0]["properties"]


def test_qgis_style_sequence_follows_next_links_to_every_feature(live, collections):
    http = requests.Session()
    landing = http.get(live + "/ogc/", headers={"Accept": "application/json"}).json()
    links = {link["rel"]: link["href"] for link in landing["links"]}
    conformance = http.get(links["conformance"]).json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
    listed = http.get(links["data"]).json()["collections"]
    shanghai = next(c for c in listed if c["id"].startswith("ogc-sh"))
    assert shanghai["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
    items = next(link["href"] for link in shanghai["links"]
                 if link["rel"] == "items" and link["type"] == "application/geo+json")
    world = next(c["id"] for c in listed if c["id"].startswith("ogc-world"))
    world_items = items.replace(shanghai["id"], world)

    seen, url, params = [], world_items, {"bbox": ",".join(map(str, ASIA)), "limit": 7}
    matched = None
    while url:
        response = http.get(url, params=params)
        assert response.headers["Content-Type"] == "application/geo+json"
        assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
        page = response.json()
        matched = page["numberMatched"]
        seen += [f["id"] for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
        params = None  # the next link carries them
    assert len(seen) == len(set(seen)) == matched > 7

    # the same box in EPSG:4326 axis order (latitude first) selects the same features
    flipped = http.get(world_items, params={"bbox": "0,60,60,150", "limit": 1000,
                                            "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}).json()
    assert flipped["numberMatched"] == matched

    reprojected = http.get(items, params={"limit": 10}).json()  # stored in CGCS2000 Gauss-Kruger
    assert reprojected["numberMatched"] == 2
    west, south, east, north = shapely.geometry.shape(reprojected["features"][0]["geometry"]).bounds
    assert 121 < west < east < 122 and 30.8 < south < north < 31.6


def test_bad_parameters_html_and_unknown_collections(live, collections):
    world = next(c for c in collections.values() if c.startswith("ogc-world"))
    bad = requests.get(f"{live}/ogc/collections/{world}/items", params={"bbox": "1,2,3"})
    assert bad.status_code == 400 and bad.json()["code"] == "InvalidParameterValue"
    assert requests.get(f"{live}/ogc/collections/{world}/items", params={"limit": "0"}).status_code == 400
    assert requests.get(f"{live}/ogc/collections/nope-0/items").status_code == 404
    assert requests.get(f"{live}/ogc/collections/{world}/items/99999").status_code == 404
    html = requests.get(f"{live}/ogc/collections/{world}/items", headers={"Accept": "text/html"})
    assert html.headers["Content-Type"].startswith("text/html") and "numberMatched" not in html.text
    assert "<table" in html.text and "Content-Security-Policy" in html.headers


def test_every_resource_has_an_html_page(live, collections):
    world = next(c for c in collections.values() if c.startswith("ogc-world"))
    for path in ("/ogc/", "/ogc/conformance", "/ogc/collections", f"/ogc/collections/{world}",
                 f"/ogc/collections/{world}/items/3"):
        page = requests.get(live + path, params={"f": "html"})
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html"), path
    assert "<code>http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html</code>" in requests.get(
        f"{live}/ogc/conformance", params={"f": "html"}).text
