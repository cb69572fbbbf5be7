"""Harvested text is hostile until proven otherwise: a record full of script, javascript: links,
event-handler attributes and raw HTML in Markdown renders inert on every page and in every JSON view."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import requests


class _Elements(HTMLParser):
    """The elements and attributes a browser would actually build from the page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {k.lower(): v or "" for k, v in attrs}))


def _assert_inert(html: str) -> None:
    for tag, attrs in _Elements(html).found:
        # the only executable scripts are our own files (same origin, loaded by src), never inline text
        assert tag != "script" or attrs.get("type") == "application/ld+json" or (
            attrs.get("src", "").startswith("/static/js/") and "type" not in attrs), "an executable <script>"
        assert tag not in ("img", "iframe", "object", "embed", "b", "style"), tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src", "action"):
            assert not attrs.get(name, "").strip().lower().startswith(("javascript:", "data:")), (tag, attrs)


def test_the_dataset_page_escapes_and_sanitises(site):
    html = site.client().get(f"/dataset/{site.hostile}?lang=en").get_data(as_text=True)
    _assert_inert(html)
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Evil" in html  # shown, as text
    assert "<strong>bold</strong>" in html  # Markdown still works
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # raw HTML in Markdown is text
    assert "[click](javascript:alert(2))" in html  # markdown-it refuses the link, so it stays text
    assert 'href="/search?keyword=%22%20onmouseover%3D%22alert%287%29"' in html
    assert '<span class="unlinked">javascript:alert(8)</span>' in html  # landing page shown, not linked
    assert 'href="https://evil.example/data.csv"' in html


def test_the_json_ld_block_cannot_break_out_of_its_script_element(site):
    html = site.client().get(f"/dataset/{site.hostile}?lang=en").get_data(as_text=True)
    pattern = r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>'
    block = re.search(pattern, html, re.S).group(1)
    assert "<" not in block and ">" not in block
    data = json.loads(block)
    assert data["name"] == "<script>alert('title')</script> Evil</script><!--"  # same value, safely encoded
    assert data["distribution"][0]["name"] == "</script><script>alert(10)</script>"


def test_index_pages_escape_publisher_names(site):
    for path in ("/publishers?lang=en", "/themes?lang=en"):
        html = site.client().get(path).get_data(as_text=True)
        _assert_inert(html)
    html = site.client().get("/publishers?lang=en").get_data(as_text=True)
    assert "&lt;b onmouseover=alert(12)&gt;Evil org&lt;/b&gt;" in html
    slug = re.search(r'href="(/publishers/[^"]+)"><span lang="en">&lt;b onmouseover', html).group(1)
    _assert_inert(site.client().get(slug + "?lang=en").get_data(as_text=True))


def test_json_apis_carry_the_text_as_data(site, server):
    response = requests.get(f"{server}/api/3/action/package_show", params={"id": site.hostile}, timeout=10)
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.json()["result"]["title"].startswith("<script>")
    data_json = requests.get(f"{server}/data.json", timeout=10)
    assert data_json.headers["Content-Type"].startswith("application/json")
    assert any(d["title"].startswith("<script>") for d in data_json.json()["dataset"])
