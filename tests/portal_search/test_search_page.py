"""/search for people: facets with labels and counts, chips, sort, pages, the bbox form, hostile input,
and a clear 503 page (with the rest of the site working) when Elasticsearch is unreachable."""

from __future__ import annotations

import re
from html import unescape

from markupsafe import escape

from portal.web import deps
from search.query import SearchParams

TRAN = "http://publications.europa.eu/resource/authority/data-theme/TRAN"


def page(site, url: str, status: int = 200) -> str:
    response = site.client().get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def result_titles(html: str) -> list[str]:
    if 'class="results-list"' not in html:
        return []
    block = html.split('class="results-list"', 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<h3>(.*?)</h3>", block, re.S)]


def test_text_search_with_highlights_facets_and_count(site):
    html = page(site, "/search?q=公交&lang=zh")
    assert '<html lang="zh-Hans">' in html
    assert "<mark>公交</mark>站点位置" in html  # the engine's highlight, rendered as a mark
    assert re.search(r"3 datasets found|3 个", html)
    titles = result_titles(html)
    assert "公交站点位置" in titles and len(titles) == 3
    # Theme facet labelled from the vocabulary in the reader's language, with its count and a toggle link.
    facet = re.search(r'<a href="([^"]+)" title="' + re.escape(TRAN) + r'">.*?"facet-label">([^<]+)</span> '
                      r'<span class="count">(\d+)</span>', html, re.S)
    assert facet and facet.group(2) == "交通" and int(facet.group(3)) >= 1
    assert "theme=" in unescape(facet.group(1))
    # Publisher facet shows names, not IRIs.
    assert re.search(r'"facet-label">(交通委|Transport Commission)</span>', html)
    assert '"facet-label">https://data.example.cn/org/transport' not in html


def test_english_labels(site):
    html = page(site, "/search?q=bus&lang=en")
    assert '<html lang="en">' in html
    assert '"facet-label">Transport</span>' in html


def test_facet_link_filters_and_chip_removes(site):
    html = page(site, "/search?q=公交&lang=zh")
    link = next(h for h in hrefs(html) if "theme=" in h and "TRAN" in h)
    filtered = page(site, link)
    assert 'class="chip"' in filtered and "交通" in filtered
    assert all(t for t in result_titles(filtered))
    remove = re.search(r'<li class="chip"><span>[^<]*交通</span>\s*<a href="([^"]+)"', filtered)
    assert remove
    back = unescape(remove.group(1))
    assert "theme=" not in back and "q=" in back
    assert result_titles(page(site, back)) == result_titles(html)


def test_sort_by_title_and_modified(site):
    with site.app.app_context():
        hits = deps.search().search(SearchParams(sort="title", lang="en")).hits
    expected = [str(escape(h.title)) for h in hits]
    assert result_titles(page(site, "/search?sort=title&lang=en")) == expected
    assert expected != result_titles(page(site, "/search?lang=en"))
    by_modified = page(site, "/search?sort=modified&lang=zh")
    dates = re.findall(r'<time datetime="([^"]+)"', by_modified)
    assert dates and dates == sorted(dates, reverse=True)
    assert '<span aria-current="true">' in by_modified
    page(site, "/search?sort=nonsense", 400)


def test_pages_link_to_each_other(site):
    first = page(site, "/search?sort=modified")
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second_url = next(h for h in hrefs(first) if "page=2" in h)
    second = page(site, second_url)
    assert '<span aria-current="page">2</span>' in second and 'rel="prev"' in second
    assert set(result_titles(first)).isdisjoint(result_titles(second))


def test_bbox_form_finds_datasets_in_the_area(site):
    html = page(site, "/search")
    for edge in ("west", "south", "east", "north"):
        assert f'<label for="bbox-{edge}">' in html and f'name="{edge}"' in html
    shanghai = page(site, "/search?west=120.5&south=30.5&east=122.5&north=32&lang=zh")
    assert result_titles(shanghai) == ["公交站点位置"]
    assert 'value="120.5"' in shanghai and '"coordinates"' in shanghai  # the extent goes to the map
    assert "公交站点位置" not in result_titles(page(site, "/search?west=-10&south=40&east=10&north=60"))
    page(site, "/search?west=abc&south=1&east=2&north=3", 400)


def test_hostile_query_and_record_are_text(site):
    for q in ('"', "<script>alert(1)</script>", "((((", "a" * 5000, "title:*", "\x00\x1f", "-", "~~~"):
        html = page(site, "/search?q=" + q)
        assert "<script>alert" not in html
    html = page(site, "/search?q=timetable bus&lang=en")
    assert "<script>alert" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in html
    # The title contains a literal "<mark>": it stays text, only the engine's marks are tags.
    assert "&lt;mark&gt;<mark>timetable</mark>&lt;/mark&gt;" in html


def test_unreachable_search_gives_503_and_the_rest_works(site, down):
    client = down.test_client()
    response = client.get("/search?q=公交&lang=en")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "Search is temporarily unavailable" in body and response.headers["Retry-After"]
    assert client.get("/search?lang=zh").status_code == 503
    assert client.get(f"/dataset/{site.geo}").status_code == 200
    assert client.get("/catalog.ttl").status_code == 200
    assert client.get("/publishers").status_code == 200


def facet_values(html: str, name: str) -> list[str]:
    section = html.split(f'<h2 id="facet-{name}">', 1)[1].split("</section>", 1)[0]
    return re.findall(r'"facet-label">([^<]+)</span>', section)


def test_long_facets_list_ten_values_then_all_on_request(site):
    html = page(site, "/search?lang=zh")
    shown = facet_values(html, "keyword")
    assert len(shown) == 10
    more = re.search(r'<h2 id="facet-keyword">.*?<p class="facet-more"><a href="([^"]+)">再显示 (\d+) 项</a>',
                     html, re.S)
    assert more, "a long facet links to the rest of its values"
    expanded = page(site, unescape(more.group(1)))
    everything = facet_values(expanded, "keyword")
    assert everything[:10] == shown and len(everything) == 10 + int(more.group(2))
    assert result_titles(expanded) == result_titles(html)  # listing more values changes no result
    fewer = re.search(r'<h2 id="facet-keyword">.*?<p class="facet-more"><a href="([^"]+)">收起</a>',
                      expanded, re.S)
    assert fewer and facet_values(page(site, unescape(fewer.group(1))), "keyword") == shown
