"""Serving for crawlers and feed readers, on the real catalogue: /robots.txt -> /sitemap.xml (an index) ->
pages of dataset URLs with lastmod, and any search as Atom, with harvested text escaped."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import requests

from catalog.store import name_for
from tests.portal_search.conftest import HOSTILE_IRI

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def _xml(response: requests.Response) -> ET.Element:
    assert response.status_code == 200, response.text[:200]
    return ET.fromstring(response.content)


def test_robots_sitemap_index_and_pages_list_every_dataset_once(site, server):
    robots = requests.get(f"{server}/robots.txt", timeout=30)
    assert robots.headers["Content-Type"].startswith("text/plain")
    (index_url,) = [line.removeprefix("Sitemap: ") for line in robots.text.splitlines() if "Sitemap:" in line]
    assert index_url == f"{server}/sitemap.xml"
    site.app.config["SITEMAP_PAGE_SIZE"] = 50  # several pages from a small catalogue
    try:
        index = _xml(requests.get(index_url, timeout=30))
        pages = [loc.text for loc in index.iter(f"{SM}loc")]
        assert index.tag == f"{SM}sitemapindex" and len(pages) == -(-site.store.count() // 50)
        urls, lastmods = [], []
        for page in pages:
            urlset = _xml(requests.get(page, timeout=30))
            entries = urlset.findall(f"{SM}url")
            assert 0 < len(entries) <= 50
            urls += [e.findtext(f"{SM}loc") for e in entries]
            lastmods += [e.findtext(f"{SM}lastmod") for e in entries]
        assert requests.get(f"{server}/sitemap-{len(pages) + 1}.xml", timeout=30).status_code == 404
    finally:
        del site.app.config["SITEMAP_PAGE_SIZE"]
    names = {s.name for s in site.store.iter_datasets()}
    assert len(urls) == len(set(urls)) == len(names)
    assert {urlsplit(u).path.removeprefix("/dataset/") for u in urls} == names
    assert all(len(m) == 25 and m.endswith("+00:00") for m in lastmods)
    assert len(_xml(requests.get(index_url, timeout=30)).findall(f"{SM}sitemap")) == 1  # 50,000 per file


def test_search_feed_follows_the_search_and_escapes_harvested_text(site, server):
    feed = _xml(requests.get(f"{server}/search.atom", params={"q": "bus"}, timeout=30))
    entries = feed.findall(f"{ATOM}entry")
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert f"{server}/dataset/{name_for(HOSTILE_IRI)}" in links
    hostile = next(e for e in entries if e.findtext(f"{ATOM}id").endswith(name_for(HOSTILE_IRI)))
    title = hostile.find(f"{ATOM}title")
    assert title.text.startswith("<script>alert('t')</script>") and not list(title)  # text, not markup
    api = requests.get(f"{server}/api/1/datasets", params={"q": "bus", "sort": "modified"}, timeout=30).json()
    assert links == [d["links"]["html"] for d in api["data"]]  # the one search service, newest first
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == f"{server}/search.atom?q=bus"

    publisher = api["facets"]["publisher"][0]["value"]
    narrowed = _xml(requests.get(f"{server}/search.atom", params={"publisher": publisher}, timeout=30))
    expected = requests.get(f"{server}/api/1/datasets", params={"publisher": publisher, "sort": "modified"},
                            timeout=30).json()["total"]
    assert len(narrowed.findall(f"{ATOM}entry")) == min(expected, 20)
    assert requests.get(f"{server}/search.atom", params={"bbox": "1,2"}, timeout=30).status_code == 400


def test_search_page_advertises_its_feed(server):
    response = requests.get(f"{server}/search", params={"q": "公交", "format": "CSV"}, timeout=30)
    assert response.status_code == 200
    assert response.links["alternate"]["url"] == "/search.atom?q=%E5%85%AC%E4%BA%A4&format=CSV"
    assert response.links["alternate"]["type"] == "application/atom+xml"


def test_static_files_carry_cache_headers(server):
    own = requests.get(f"{server}/static/css/site.css", timeout=30)
    assert own.status_code == 200 and "max-age=3600" in own.headers["Cache-Control"]
    vendor = requests.get(f"{server}/static/vendor/leaflet/leaflet.css", timeout=30)
    assert vendor.status_code == 200 and "max-age=604800" in vendor.headers["Cache-Control"]
    assert "public" in vendor.headers["Cache-Control"] and vendor.headers.get("ETag")
    again = requests.get(f"{server}/static/css/site.css", headers={"If-None-Match": own.headers["ETag"]},
                         timeout=30)
    assert again.status_code == 304
