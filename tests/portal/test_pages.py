"""The HTML pages over the real catalogue: content, languages, quality panel, links, headers."""

from __future__ import annotations

import re

from catalog.validation import Validator
from vocab.loader import shapes_path


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("text/html")
    return response.get_data(as_text=True)


def test_dataset_page_shows_the_dcat_fields_in_plain_language(site):
    html = _html(site.client().get(f"/dataset/{site.bilingual}?lang=en"))
    assert '<h1 lang="en">Daily air quality</h1>' in html
    assert "<strong>air quality</strong>" in html  # Markdown rendered
    assert 'href="https://data.example.cn/files/air.csv"' in html and "Download" in html
    assert "20.0 KiB" in html and ">CSV<" in html
    assert "Creative Commons Attribution 4.0 International" in html  # licence label, not IRI
    assert "daily" in html and "Chinese" in html  # frequency and language labels
    assert "2020-01-01 – 2023-12-31" in html
    assert "POLYGON((121 31" in html
    assert 'href="/search?keyword=air"' in html
    assert 'href="/search?theme=http%3A//publications.europa.eu/resource/authority/data-theme/ENVI"' in html
    assert 'href="mailto:data@example.cn"' in html and "Environment Bureau" in html
    for ext in ("ttl", "rdf", "jsonld", "nt"):
        assert f'href="/dataset/{site.bilingual}.{ext}"' in html
    assert f"/api/3/action/package_show?id={site.bilingual}" in html


def test_the_reader_gets_their_language_with_fallback(site):
    client = site.client()
    zh = _html(client.get(f"/dataset/{site.bilingual}", headers={"Accept-Language": "zh-CN,zh;q=0.9"}))
    assert '<html lang="zh-Hans">' in zh
    assert '<h1 lang="zh">空气质量日报</h1>' in zh and "许可协议" in zh and "跳到主要内容" in zh
    en = client.get(f"/dataset/{site.bilingual}?lang=en")
    assert "lang=en" in en.headers["Set-Cookie"]
    # the cookie set by the switch now wins over Accept-Language
    again = _html(client.get(f"/dataset/{site.bilingual}", headers={"Accept-Language": "zh"}))
    assert '<html lang="en">' in again and "Licence" in again and "Skip to main content" in again
    # an English-only record read in Chinese: Chinese interface, English text marked as English
    ga = next(s.name for s in site.store.iter_datasets() if s.iri == "http://dcat.example.org/ga-courts#jc")
    page = _html(site.client().get(f"/dataset/{ga}?lang=zh"))
    assert '<html lang="zh-Hans">' in page and re.search(r'<h1 lang="en">[^<]+</h1>', page)


def test_quality_findings_are_grouped_and_in_the_readers_language(site):
    stored = site.store.get_by_name(site.hostile)
    report = Validator(shapes_path()).validate(stored.graph()).to_dict()
    site.store.save_report(stored.iri, report, "test-shapes")
    severities = {f["severity"] for f in report["findings"]}
    assert {"Warning", "Info"} <= severities
    for lang, headings in (("en", {"Warning": "Warnings", "Info": "Notes", "Violation": "Problems"}),
                           ("zh", {"Warning": "警告", "Info": "提示", "Violation": "问题"})):
        html = _html(site.client().get(f"/dataset/{site.hostile}?lang={lang}"))
        panel = html[html.index('<details class="findings">'):html.index("</details>")]
        assert panel.count("<li>") == len(report["findings"])
        for severity, heading in headings.items():
            assert (f">{heading}</h3>" in panel) == (severity in severities)
        for finding in report["findings"]:
            assert f'<span lang="{lang}">{finding["message"][lang]}</span>' in panel
    unchecked = _html(site.client().get(f"/dataset/{site.bilingual}?lang=en"))
    assert "has not been checked yet" in unchecked


def test_missing_and_withdrawn_datasets(site):
    assert site.client().get("/dataset/no-such-thing").status_code == 404
    site.store.withdraw("https://data.example.cn/dataset/air-quality")
    gone = site.client().get(f"/dataset/{site.bilingual}?lang=en")
    assert gone.status_code == 410 and "withdrawn" in gone.get_data(as_text=True)


def test_security_headers_and_the_json_ld_nonce(site):
    response = site.client().get(f"/dataset/{site.bilingual}")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "style-src 'self'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    html = response.get_data(as_text=True)
    assert f'<script type="application/ld+json" nonce="{nonce}">' in html
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # scripts without src: only the JSON-LD
    assert inline == [f'<script type="application/ld+json" nonce="{nonce}">'] and "style=" not in html
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    second = site.client().get(f"/dataset/{site.bilingual}").headers["Content-Security-Policy"]
    assert second != csp  # a fresh nonce per response


def test_publisher_index_and_page(site):
    html = _html(site.client().get("/publishers?lang=en"))
    match = re.search(r'href="(/publishers/[^"]+)"><span lang="en">Environment Bureau</span>', html)
    assert match, html
    page = _html(site.client().get(match.group(1) + "?lang=en"))
    assert f'href="/dataset/{site.bilingual}"' in page and "epb@example.cn" in page
    assert site.client().get("/publishers/nobody").status_code == 404


def test_theme_index_counts_datasets(site):
    html = _html(site.client().get("/themes?lang=en"))
    assert "Environment" in html
    assert 'href="/search?theme=http%3A//publications.europa.eu/resource/authority/data-theme/ENVI"' in html


def test_static_pages_have_landmarks_and_a_skip_link(site):
    for path in ("/", "/api", "/about", "/publishers", "/themes"):
        html = _html(site.client().get(path + "?lang=en"))
        assert '<a class="skip-link" href="#main">' in html
        assert '<main id="main"' in html and "<header" in html and "<nav" in html and "<footer" in html
    api = _html(site.client().get("/api?lang=en"))
    assert "/api/3/action/package_show" in api and "/catalog.ttl?page=1" in api and "/data.json" in api
