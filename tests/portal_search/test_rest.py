"""/api/1: search with facets and paging links, details with ETag/Last-Modified, catalogue listings,
problem details for every error, open CORS for reads, 503 only where search is needed."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

PROBLEM = "application/problem+json"


def get(site, url: str, status: int = 200, **headers):
    response = site.client().get(url, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response


def assert_problem(response, status: int) -> None:
    assert response.status_code == status
    assert response.content_type == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    assert body["detail"] and body["instance"].startswith("/api/")


def test_search_with_facets_and_filters(site):
    body = get(site, "/api/1/datasets?q=公交&lang=zh").get_json()
    assert body["total"] == 3 and len(body["data"]) == 3
    first = next(d for d in body["data"] if d["name"] == site.geo)
    assert first["title"] == "公交站点位置" and first["formats"] == ["CSV"]
    assert first["links"]["self"].endswith(f"/api/1/datasets/{site.geo}")
    themes = {v["value"]: v for v in body["facets"]["theme"]}
    tran = themes["http://publications.europa.eu/resource/authority/data-theme/TRAN"]
    assert tran["label"] == "交通" and tran["count"] >= 1
    filtered = get(site, "/api/1/datasets?q=公交&format=CSV").get_json()
    assert [d["name"] for d in filtered["data"]] == [site.geo]
    boxed = get(site, "/api/1/datasets?bbox=120.5,30.5,122.5,32").get_json()
    assert [d["name"] for d in boxed["data"]] == [site.geo]
    polygon = "POLYGON((0 40,10 40,10 50,0 50,0 40))"
    assert get(site, f"/api/1/datasets?polygon={polygon}").get_json()["total"] == 0
    recent = get(site, "/api/1/datasets?modified_from=2024-01-01&sort=modified").get_json()
    assert recent["total"] >= 1 and all(d["modified"] >= "2024-01-01" for d in recent["data"])


def test_pagination_links_walk_every_result(site):
    total = get(site, "/api/1/datasets").get_json()["total"]
    url, seen, pages = "/api/1/datasets?page_size=40&sort=modified", [], 0
    while url:
        body = get(site, url).get_json()
        links = body["links"]
        assert links["first"].endswith("/api/1/datasets?page_size=40&sort=modified")
        assert (links["prev"] is None) == (pages == 0)
        seen += [d["iri"] for d in body["data"]]
        pages += 1
        url = links["next"] and urlsplit(links["next"])._replace(scheme="", netloc="").geturl()
    assert len(seen) == len(set(seen)) == total and pages == -(-total // 40)
    back = parse_qs(urlsplit(links["prev"]).query)
    assert back["page"] == [str(pages - 1)] and back["sort"] == ["modified"]


def test_detail_etag_and_last_modified(site):
    assert_problem(get(site, "/api/1/datasets/no-such-dataset", 404), 404)
    response = get(site, f"/api/1/datasets/{site.geo}")
    body = response.get_json()
    assert body["iri"] == "https://data.example.cn/dataset/bus-stops" and body["name"] == site.geo
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert get(site, f"/api/1/datasets/{site.geo}", 304, **{"If-None-Match": etag}).data == b""
    get(site, f"/api/1/datasets/{site.geo}", 304, **{"If-Modified-Since": modified})
    get(site, f"/api/1/datasets/{site.geo}", 200, **{"If-None-Match": '"other"'})
    dists = get(site, f"/api/1/datasets/{site.geo}/distributions")
    assert dists.get_json()["data"][0]["download_url"] == "https://data.example.cn/files/stops.csv"
    assert dists.get_json()["data"][0]["format_name"] == "CSV"
    assert dists.headers["ETag"] != etag
    get(site, f"/api/1/datasets/{site.geo}/distributions", 304, **{"If-None-Match": dists.headers["ETag"]})


def test_publishers_themes_vocabularies_stats(site):
    publishers = get(site, "/api/1/publishers").get_json()["data"]
    transport = next(p for p in publishers if p["iri"] == "https://data.example.cn/org/transport")
    assert transport["dataset_count"] == 1
    detail = get(site, f"/api/1/publishers/{transport['key']}").get_json()
    assert [d["name"] for d in detail["datasets"]] == [site.geo]
    themes = get(site, "/api/1/themes?lang=en").get_json()["data"]
    assert any(t["label"] == "Transport" and t["dataset_count"] >= 1 for t in themes)
    vocabularies = get(site, "/api/1/vocabularies").get_json()["data"]
    licence = next(v for v in vocabularies if v["name"] == "licence")
    concepts = get(site, "/api/1/vocabularies/licence").get_json()["concepts"]
    assert len(concepts) == licence["concept_count"] > 0 and all(c["labels"] for c in concepts)
    stats = get(site, "/api/1/stats").get_json()
    assert stats["datasets"] == site.store.count() == stats["indexed"]
    assert {"value": "CSV", "label": "CSV", "count": 2} in stats["by_format"]


def test_suggest_and_related(site):
    suggestions = get(site, "/api/1/suggest?q=公交").get_json()["suggestions"]
    assert "公交站点位置" in suggestions
    name = get(site, "/api/1/datasets?q=绿化").get_json()["data"][0]["name"]
    related = get(site, f"/api/1/datasets/{name}/related?size=3").get_json()["data"]
    assert 0 < len(related) <= 3 and name not in [d["name"] for d in related]
    assert all(d["links"]["self"] for d in related)


def test_problem_details(site):
    assert_problem(get(site, "/api/1/datasets/no-such-dataset/distributions", 404), 404)
    assert_problem(get(site, "/api/1/publishers/nobody", 404), 404)
    assert_problem(get(site, "/api/1/vocabularies/nothing", 404), 404)
    assert_problem(get(site, "/api/1/no/such/thing", 404), 404)
    assert_problem(get(site, "/api/1/datasets?bbox=1,2,3", 400), 400)
    assert_problem(get(site, "/api/1/datasets?sort=best", 400), 400)
    assert_problem(get(site, "/api/1/datasets?page=0", 400), 400)
    assert_problem(get(site, "/api/1/datasets?after=garbage", 400), 400)
    assert_problem(get(site, "/api/1/datasets?page=999999", 400), 400)
    assert_problem(get(site, "/api/1/datasets?modified_from=yesterday", 400), 400)
    assert_problem(get(site, "/api/1/themes", 406, Accept="text/html"), 406)
    get(site, "/api/1/themes", 200, Accept="text/html, application/json;q=0.5")


def test_cors_on_reads(site):
    for url in ("/api/1/datasets", f"/api/1/datasets/{site.geo}/distributions", "/api/1/nothing",
                "/api/3/action/site_read"):
        response = site.client().get(url)
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
    preflight = site.client().options("/api/1/datasets", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in site.client().get("/search").headers


def test_search_routes_503_detail_routes_work(site, down):
    client = down.test_client()
    for url in ("/api/1/datasets?q=公交", "/api/1/suggest?q=公", "/api/1/stats",
                f"/api/1/datasets/{site.geo}/related"):
        response = client.get(url)
        assert_problem(response, 503)
        assert response.headers["Retry-After"]
    assert client.get(f"/api/1/datasets/{site.geo}").status_code == 200
    assert client.get("/api/1/publishers").status_code == 200
    assert client.get("/api/3/action/package_search?q=x").status_code == 503
