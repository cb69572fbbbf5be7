"""Related datasets of the dataset page: loaded from /dataset/<name>/related (a fragment the page's script
inserts, and a page of its own for readers without JavaScript), so the dataset page never waits for the
more-like-this search. Real catalogue, real Elasticsearch (the package's `site`), no mocks."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from catalog.store import name_for
from tests.portal_search.conftest import GEO_IRI


class _Links(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")


def _name_with_related(site) -> str:
    """A Shanghai record (there are 150 alike, so it has neighbours)."""
    hits = site.client().get("/api/1/datasets?q=绿化", headers={"Accept": "application/json"}).get_json()
    return hits["data"][0]["name"]


def test_the_dataset_page_links_its_related_datasets_instead_of_searching(site, down):
    name = _name_with_related(site)
    for app in (site.app, down):  # the same page whether or not the search engine answers
        response = app.test_client().get(f"/dataset/{name}?lang=en")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        section = re.search(r'<section aria-labelledby="h-related"(.*?)</section>', html, re.S).group(0)
        assert f'data-related="/dataset/{name}/related?fragment=1&amp;lang=en"' in section
        assert f'<a href="/dataset/{name}/related">Datasets like this one</a>' in section
        assert '<script src="/static/js/dataset-related.js" defer></script>' in html


def test_the_fragment_lists_similar_datasets_and_may_be_cached(site):
    name = _name_with_related(site)
    response = site.client().get(f"/dataset/{name}/related?fragment=1&lang=zh")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    links = _Links(html)
    assert links.tags[0] == "ul" and "html" not in links.tags and "script" not in links.tags
    assert 0 < len(links.hrefs) <= 5
    assert all(h.startswith("/dataset/") and h != f"/dataset/{name}" for h in links.hrefs)
    assert response.cache_control.public and response.cache_control.max_age == 300
    assert "Accept-Language" in response.headers["Vary"] and "Cookie" in response.headers["Vary"]


def test_the_related_page_works_without_javascript(site):
    name = _name_with_related(site)
    client = site.client()
    fragment = _Links(client.get(f"/dataset/{name}/related?fragment=1&lang=en").get_data(as_text=True))
    response = client.get(f"/dataset/{name}/related?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Datasets like this one</h1>" in html and f'href="/dataset/{name}"' in html
    listed = re.search(r'<ul class="related-list">.*?</ul>', html, re.S).group(0)
    hrefs = _Links(listed).hrefs
    assert len(fragment.hrefs) <= len(hrefs) <= 20 and hrefs[:len(fragment.hrefs)] == fragment.hrefs
    assert "相关" in client.get(f"/dataset/{name}/related?lang=zh").get_data(as_text=True)


def test_related_text_is_escaped(site):
    """The hostile record ("<script>…</script> bus timetable") is like the bus stops; its title stays text."""
    html = site.client().get(f"/dataset/{name_for(GEO_IRI)}/related?lang=en").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>x</b>" not in html


def test_related_without_the_search_engine_and_for_unknown_records(site, down):
    name = _name_with_related(site)
    client = down.test_client()
    fragment = client.get(f"/dataset/{name}/related?fragment=1")
    assert fragment.status_code == 503 and "<li>" not in fragment.get_data(as_text=True)
    assert "max-age" not in fragment.headers.get("Cache-Control", "")
    page = client.get(f"/dataset/{name}/related?lang=en")
    assert page.status_code == 503 and "search service is unavailable" in page.get_data(as_text=True)
    assert site.client().get("/dataset/no-such-dataset/related").status_code == 404
