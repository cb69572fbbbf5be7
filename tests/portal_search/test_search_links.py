"""The search page's and the search API's cheap paths give the same strings as the plain ones: links built
from parameters encoded once per request, facet links built once per facet, highlights, and the API's
orjson body."""

from __future__ import annotations

import json
import random
from urllib.parse import urlencode

from markupsafe import Markup

from portal.api.rest_datasets import dumps
from portal.api.rest_params import url_with
from portal.web.search import Toggles, highlight, toggle
from search.filters.base import FacetValue

KEYS = ["q", "format", "page", "after", "theme", "年份", "a b", "x&y", "lang"]
VALUES = ["CSV", "空气 质量", "http://x.org/a?b=c&d=e#f", "", "+%/", "2021", "<b>"]


def plain_url_with(request, external: bool = False, **changes) -> str:
    """url_with as it was: a changed copy of request.args through urlencode."""
    args = request.args.copy()
    for key, value in changes.items():
        args.poplist(key)
        if value is not None:
            args.setlist(key, value if isinstance(value, list) else [str(value)])
    query = urlencode(list(args.items(multi=True)))
    return (request.base_url if external else request.path) + ("?" + query if query else "")


def test_url_with_gives_what_urlencode_gave(site):
    from flask import request
    rng = random.Random(7)
    for _ in range(300):
        pairs = [(rng.choice(KEYS), rng.choice(VALUES)) for _ in range(rng.randint(0, 6))]
        with site.app.test_request_context("/search?" + urlencode(pairs)):
            for _ in range(4):
                changes = {k: rng.choice([None, rng.choice(VALUES), rng.sample(VALUES, rng.randint(0, 3)), 3])
                           for k in rng.sample(KEYS, rng.randint(0, 3))}
                external = rng.random() < 0.3
                assert url_with(external, **changes) == plain_url_with(request, external, **changes)


def test_facet_links_of_a_page_are_the_toggle_links(site):
    rng = random.Random(11)
    for _ in range(200):
        pairs = [(rng.choice(KEYS), rng.choice(VALUES)) for _ in range(rng.randint(0, 6))]
        with site.app.test_request_context("/search?" + urlencode(pairs)):
            toggles = Toggles()
            for _ in range(6):  # a facet's name: any parameter but the paging ones the links drop
                name, value = rng.choice([k for k in KEYS if k not in ("page", "after")]), rng.choice(VALUES)
                assert toggles(name, value) == toggle(name, value)
                assert toggles(name, FacetValue(value, 3, "label")) == toggle(name, value)


def test_highlight_keeps_only_the_engines_marks():
    assert highlight("<mark>空气</mark>质量 &lt;script&gt;x&amp;y&#39;") == Markup(
        "<mark>空气</mark>质量 &lt;script&gt;x&amp;y&#39;")
    assert highlight("&lt;mark&gt;fake&lt;/mark&gt; <mark>real</mark>") == Markup(
        "&lt;mark&gt;fake&lt;/mark&gt; <mark>real</mark>")
    assert highlight("") == Markup("") and isinstance(highlight("x"), Markup)


def test_api_body_is_the_compact_utf8_json_it_was():
    body = {"data": [{"title": "上海市空气质量", "n": 3, "x": None, "f": 1.5, "s": "a\u2028b\"\\/"}],
            "total": 1}
    assert dumps(body) == json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    lone = {"title": "bad \ud800 text"}
    assert json.loads(dumps(lone)) == lone  # the standard library, escaped, instead of an error


def test_search_api_answers_in_utf8(site):
    response = site.client().get("/api/1/datasets?q=公交&lang=zh", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "公交".encode() in response.data
    assert json.loads(response.data)["total"] == 3
