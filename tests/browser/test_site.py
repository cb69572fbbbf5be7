"""The citizen site checked as a person would, in headless Chromium: search without JavaScript, maps and the
API reference without CSP violations or script errors, keyboard use, the language switch, and axe-core's
WCAG 2.1 A/AA rules on the main pages in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from portal import create_app
from portal.config import load


def step(seen: dict, name: str):
    found = seen[name]
    assert not (isinstance(found, dict) and "error" in found), found.get("error")
    return found


def total(heading: str) -> int:
    return int(re.search(r"[\d,]+", heading).group().replace(",", ""))


def test_search_and_facets_work_without_javascript(seen):
    nojs = step(seen, "nojs")
    query, filtered = nojs["query"], nojs["filtered"]
    assert parse_qs(urlsplit(query["url"]).query)["q"] == ["公交"]
    assert set(parse_qs(urlsplit(filtered["url"]).query)) - {"q", "lang"}, filtered["url"]  # a facet filter
    assert 0 < total(filtered["heading"]) < total(query["heading"]) < total(nojs["all"])


@pytest.mark.parametrize("name", ["search_map", "preview", "home_map", "swagger"])
def test_script_pages_run_without_csp_violations_or_errors(seen, name):
    assert step(seen, name)["problems"] == []


def test_maps_draw(seen):
    assert step(seen, "search_map")["shapes"] > 0  # the offline base layer and the results' extents
    assert step(seen, "home_map")["shapes"] > 0
    preview = step(seen, "preview")
    assert preview["url"].endswith("/distributions/0/preview") and preview["features"] > 100  # the countries


def test_swagger_ui_lists_the_operations(seen):
    swagger = step(seen, "swagger")
    assert swagger["operations"] >= 5
    assert "/api/1/datasets" in [p.replace("\u200b", "") for p in swagger["paths"]]


def test_keyboard_reaches_the_skip_link_then_the_search_box(seen):
    keyboard = step(seen, "keyboard")
    assert "skip-link" in keyboard["first"]["cls"] and keyboard["first"]["visible"]
    assert keyboard["skipped"]["hash"] == "#main" and keyboard["skipped"]["focus"]["id"] == "main"
    assert keyboard["order"][-1]["id"] == "home-q", keyboard["order"]  # the first control inside <main>
    assert all(f["visible"] and f["outline"] != "none" for f in [keyboard["first"], *keyboard["order"]])
    assert keyboard["searchOrder"][-1]["id"] == "q", keyboard["searchOrder"]


def test_language_switch_changes_lang_and_text(seen):
    language = step(seen, "language")
    assert language["zh"]["lang"] == "zh-Hans" and language["en"]["lang"] == "en"
    assert "搜索" in language["zh"]["nav"] and "Search" in language["en"]["nav"]
    assert language["zh"]["h2"] != language["en"]["h2"]
    assert language["remembered"] == "en"


def test_no_wcag_21_aa_violations(seen):
    found = step(seen, "axe")
    assert len(found) == 12
    assert {page: v for page, v in found.items() if v} == {}


def test_screenshots_are_taken(seen):
    shots = [Path(p) for p in step(seen, "screenshots")]
    assert [p.name for p in shots] == ["home-en.png", "home-zh.png", "search-en.png", "search-zh.png"]
    assert all(p.parent.parts[-2:] == ("var", "screenshots") and p.stat().st_size > 10_000 for p in shots)

def test_home_shows_without_the_search_engine(portal, tmp_path):
    """With Elasticsearch unreachable the home page still has the search box, themes and figures."""
    down = create_app(load({"DATABASE_URL": str(portal.extensions["kaifang"]["store"].engine.url),
                            "KAIFANG_VAR": str(tmp_path), "SECRET_KEY": "test",
                            "ELASTICSEARCH_URL": "http://127.0.0.1:9"}))
    response = down.test_client().get("/?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="home-q"' in html
    assert "Search is temporarily unavailable" in html
    assert "Environment</a>" in html and "Recently updated" not in html
