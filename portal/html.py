"""The small pieces of HTML templates repeat most (templates/_macros.html's `ml`, `link` and `concept`), built
in Python: a Jinja macro call sets up a new context and costs ~20-30 µs, and a dataset page makes dozens
(every multilingual title, link, vocabulary concept and SHACL finding). The macros call these, so every
template gets the same markup either way; hot templates (dataset.html) call the globals directly.
`fixed_url` keeps the layout's constant links (navigation, static files) instead of rebuilding them per page.

Everything harvested is escaped here exactly as Jinja's autoescaping would (`markupsafe.escape`).
"""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from markupsafe import Markup, escape

from catalog.model import LangText
from portal.i18n import choose, label
from portal.security import safe_href


def ml(value: LangText | None, el: str = "span", cls: str = "") -> Markup:
    """Multilingual text in the reader's language, marked with the language it is actually in."""
    tag, text = choose(value)
    lang = f' lang="{escape(tag)}"' if tag else ""
    klass = f' class="{escape(cls)}"' if cls else ""
    return Markup(f"<{escape(el)}{lang}{klass}>{escape(text)}</{escape(el)}>")  # noqa: S704 - escaped


def link(url: str | None, text: str | None = None, rel: str = "") -> Markup:
    """A link only when the URL has a safe scheme; otherwise the URL is shown as text."""
    href = safe_href(url)
    shown = escape(text or url)
    if href:
        rel_attr = f' rel="{escape(rel)}"' if rel else ""
        return Markup(f'<a href="{escape(href)}"{rel_attr}>{shown}</a>')  # noqa: S704 - escaped
    if url:
        return Markup(f'<span class="unlinked">{shown}</span>')  # noqa: S704 - escaped
    return Markup("")


def concept(iri: str | None) -> Markup:
    """A vocabulary concept by its label, its IRI in the title."""
    return Markup(f'<span title="{escape(iri)}">{escape(label(iri))}</span>')  # noqa: S704 - escaped


FIXED_URLS = 512  # links kept per application (the templates make about 20 distinct ones)


def fixed_url(endpoint: str, **values: str) -> str:
    """`url_for` for links that never change within a deployment (navigation, static files; constant
    arguments only), built once per application and mount point: every page's layout makes ~15 of them, and
    werkzeug's URL building was ~8% of a dataset page's CPU."""
    cache: dict[tuple, str] = current_app.extensions["kaifang"].setdefault("fixed_urls", {})
    key = (request.script_root, endpoint, *sorted(values.items()))
    found = cache.get(key)
    if found is None:
        if len(cache) >= FIXED_URLS:  # a template that passes variable arguments: not what this is for
            cache.clear()
        found = cache[key] = url_for(endpoint, **values)
    return found



def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(ml_html=ml, link_html=link, concept_html=concept, fixed_url=fixed_url)
