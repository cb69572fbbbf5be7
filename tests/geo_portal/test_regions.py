"""Regions on the real Elasticsearch: the facet filled from the gazetteer, the pages and the map's counts."""

from __future__ import annotations

from harvesters.geo_enrich import enrich
from search.client import connect
from search.indexer import Indexer
from search.query import SearchParams, SearchService
from tests.geo_portal.conftest import add_dataset


def _index(portal, es_url) -> None:
    indexer = Indexer(connect(es_url, timeout=60), portal.prefix)
    indexer.ensure_index()
    indexer.drain_outbox(portal.store)
    indexer.refresh()


def test_region_facet_pages_and_counts(portal, files, client, es_url):
    shanghai = add_dataset(portal.store, "rg-sh", "区划图", [(files.url("/shanghai.gpkg"), "GPKG")])
    assert enrich(portal.store, shanghai, client).status == "enriched"  # found by its computed extent
    toilets = add_dataset(portal.store, "rg-toilets", "上海市公厕", [(files.url("/toilets.csv"), "CSV")])
    guiyang = add_dataset(portal.store, "rg-gy", "贵阳市公交线路", [])  # found by its title
    _index(portal, es_url)

    service = SearchService(connect(es_url), portal.prefix)
    facet = {v.value: v.count for v in service.search(SearchParams()).facets["region"]}
    assert facet["CN-310000"] == 2 and facet["CN-520000"] == 1 and facet["CHN"] == 3
    found = service.search(SearchParams(filters={"region": ["CN-310000"]}))
    assert {h.iri for h in found.hits} == {shanghai, toilets}

    web = portal.app.test_client()
    listing = web.get("/regions?lang=zh").get_data(as_text=True)
    assert "上海市" in listing and "/regions/CN-310000" in listing and "贵州省" in listing
    page = web.get("/regions/CN-520000?lang=zh").get_data(as_text=True)
    assert f"/dataset/{portal.name(guiyang)}" in page and portal.name(shanghai) not in page
    assert web.get("/regions/XX-999").status_code == 404

    counts = web.get("/api/1/regions/counts?lang=en").get_json()["regions"]
    by_code = {r["code"]: r for r in counts}
    assert by_code["CN-310000"]["count"] == 2 and by_code["CN-310000"]["name"] == "Shanghai"
    lon, lat = by_code["CN-310000"]["point"]
    assert 120 < lon < 123 and 30 < lat < 32
    assert by_code["CHN"]["kind"] == "country"


def test_regions_say_so_when_search_is_down(portal):
    portal.app.extensions["kaifang"]["es"] = connect("http://127.0.0.1:9")
    web = portal.app.test_client()
    assert web.get("/regions").status_code == 503
    response = web.get("/api/1/regions/counts")
    assert response.status_code == 503 and "unavailable" in response.get_json()["error"]


def test_home_map_snippet_points_at_the_counts_and_the_offline_base_layer(portal):
    with portal.app.test_request_context("/"):
        html = portal.app.jinja_env.from_string('{% include "regions_map.html" %}').render()
    assert 'data-counts-url="/api/1/regions/counts"' in html
    assert 'data-base-url="/static/geo/countries.geojson"' in html and "js/region-map.js" in html
    assert "<script>" not in html and "style=" not in html  # nothing inline under the CSP
