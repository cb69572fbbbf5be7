"""The dataset page's fast paths give exactly what the slower ones they replace gave: portal/html.py against
the Jinja macros it replaced, the one-call `_()` against Jinja's newstyle gettext, the compact JSON-LD, and
the map's coverage simplified only when it is large."""

from __future__ import annotations

import json
import math

import pytest
from jinja2 import Environment
from shapely.geometry import Polygon

from catalog.model import Location
from catalog.views.schemaorg import script_json
from portal.i18n import _translations
from portal.web.dataset import MAP_COORDINATES, _for_display

# templates/_macros.html before its markup moved to portal/html.py
OLD_MACROS = """
{% macro ml(value, el='span', cls='') -%}
{%- set tag, text = choose(value) -%}
<{{ el }}{% if tag %} lang="{{ tag }}"{% endif %}{% if cls %} class="{{ cls }}"{% endif %}>
{{- text }}</{{ el }}>
{%- endmacro %}
{% macro link(url, text=None, rel='') -%}
{%- set href = url|safe_href -%}
{%- if href %}<a href="{{ href }}"{% if rel %} rel="{{ rel }}"{% endif %}>{{ text or url }}</a>
{%- elif url %}<span class="unlinked">{{ text or url }}</span>{% endif -%}
{%- endmacro %}
{% macro concept(iri) -%}
<span title="{{ iri }}">{{ iri|label }}</span>
{%- endmacro %}
"""
EVIL = "<script>alert('x')</script> & \" onmouseover=\"alert(1)"
TEXTS = [None, {}, {"": "plain"}, {"zh": "空气", "en": "Air"}, {"en": EVIL}, {"zh-Hans": "简体", "fr": "air"}]
URLS = [None, "", "https://example.org/a?b=1&c=<2>", "javascript:alert(1)", "mailto:a@example.org",
        "ftp://example.org/x", " https://example.org/padded ", "https://example.org/\x07bell", EVIL]
IRIS = [None, "", "http://publications.europa.eu/resource/authority/file-type/CSV",
        "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0", "https://example.org/x#y", EVIL]


def _calls(ml: str, link: str, concept: str) -> str:
    return (f"{{% for v in texts %}}[{{{{ {ml}(v) }}}}|{{{{ {ml}(v, 'h1', 'big') }}}}]{{% endfor %}}"
            f"{{% for u in urls %}}[{{{{ {link}(u) }}}}|{{{{ {link}(u, 'Text <b>') }}}}|"
            f"{{{{ {link}(u, _('Download'), 'nofollow') }}}}]{{% endfor %}}"
            f"{{% for i in iris %}}[{{{{ {concept}(i) }}}}]{{% endfor %}}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_helpers_give_the_old_macros_markup(site, lang):
    env = site.app.jinja_env
    old = env.from_string(OLD_MACROS + _calls("ml", "link", "concept"))
    new_macros = env.from_string('{% from "_macros.html" import ml, link, concept %}'
                                 + _calls("ml", "link", "concept"))
    direct = env.from_string(_calls("ml_html", "link_html", "concept_html"))
    with site.app.test_request_context(f"/?lang={lang}"):
        values = {"texts": TEXTS, "urls": URLS, "iris": IRIS}
        expected = old.render(**values).strip()
        assert "&lt;script&gt;" in expected and "<script>" not in expected
        assert new_macros.render(**values).strip() == expected
        assert direct.render(**values).strip() == expected


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gettext_in_templates_is_jinjas_newstyle_gettext(site, lang):
    source = ("{{ _('Format') }}|{{ _('Distribution %(n)s', n=3) }}|{{ _('Distribution %(n)s', n='<b>') }}|"
              "{{ gettext('Licence') }}|{{ _('100%% open') }}|"
              "{{ _('%(v)s problems, %(w)s warnings, %(i)s notes', v=1, w=2, i=3) }}|"
              "{{ ngettext('%(num)s dataset', '%(num)s datasets', 2) }}")
    with site.app.test_request_context(f"/?lang={lang}"):
        translations = _translations()
        reference = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
        reference.install_gettext_callables(translations.ugettext, translations.ungettext, newstyle=True)
        ours = site.app.jinja_env.from_string(source).render()
        assert ours == reference.from_string(source).render()
        assert "&lt;b&gt;" in ours and "100% open" in ours
        assert ("格式" in ours) == (lang == "zh")
        plain = Environment(autoescape=False)
        plain.globals.update(site.app.jinja_env.globals)
        assert plain.from_string("{{ _('Distribution %(n)s', n='<b>') }}").render().endswith("<b>")


def test_json_ld_is_compact_and_cannot_end_its_script_element():
    text = script_json({"name": "</script><!-- 数据 & more", "n": [1, 2]})
    assert "\n" not in text and "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><!-- 数据 & more", "n": [1, 2]}


def test_the_map_gets_small_geometries_as_they_are_and_large_ones_simplified():
    small = Polygon([(121, 31), (122, 31), (122, 32), (121, 32)])
    assert _for_display(small) is small
    circle = Polygon([(120 + math.cos(a / 5000 * 2 * math.pi), 30 + math.sin(a / 5000 * 2 * math.pi))
                      for a in range(5000)])
    shown = _for_display(circle)
    assert len(shown.exterior.coords) < MAP_COORDINATES < len(circle.exterior.coords)
    assert shown.is_valid and abs(shown.area - circle.area) / circle.area < 0.01
    assert all(abs(a - b) < 0.01 for a, b in zip(shown.bounds, circle.bounds, strict=True))


def test_the_dataset_page_draws_a_large_coverage_simplified(site):
    from catalog.views.search_doc import location_geometry
    from portal.web.dataset import coverage

    angles = [a / 3000 * 2 * math.pi for a in [*range(3000), 0]]
    ring = ", ".join(f"{120 + math.cos(a):.6f} {30 + math.sin(a):.6f}" for a in angles)
    stored = site.store.get_by_name(site.bilingual)
    stored.dataset.spatial = [Location(None, {}, None, f"POLYGON(({ring}))")]
    assert location_geometry(stored.dataset.spatial[0]) is not None
    [shown] = coverage(stored)
    assert shown["type"] == "Polygon" and len(shown["coordinates"][0]) < MAP_COORDINATES


def test_gettext_in_loops_and_blocks_that_set_variables(site):
    """Where Jinja would hand a context-taking `_()` a copy of the context (decision 0014): same text."""
    source = ("{% for n in [1, '<b>'] %}{% set shown = n %}"
              "{{ _('Distribution %(n)s', n=shown) }};{% endfor %}"
              "{% set tag = 'x' %}{% block b %}{% set y = 2 %}{{ _('Format') }}{% endblock %}")
    with site.app.test_request_context("/?lang=en"):
        assert site.app.jinja_env.from_string(source).render() == (
            "Distribution 1;Distribution &lt;b&gt;;Format")


def test_the_layouts_constant_links_follow_the_mount_point(site):
    """`fixed_url` keeps links per mount point: a portal served under /portal links there, and the links
    built for it never leak into pages served at the root, or the other way round."""
    client = site.client()
    root = client.get("/about?lang=en").get_data(as_text=True)
    mounted = client.get("/about?lang=en", base_url="http://localhost/portal").get_data(as_text=True)
    assert 'href="/static/css/site.css"' in root and 'href="/search"' in root
    assert 'href="/portal/static/css/site.css"' in mounted and 'href="/portal/search"' in mounted
    assert 'href="/static/' not in mounted and 'href="/search"' not in mounted
    assert client.get("/about?lang=en").get_data(as_text=True) == root
