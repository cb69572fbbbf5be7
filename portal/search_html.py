"""The search page's repeated markup, built in Python: a facet's list of value links and the list of results.

A page shows up to ~100 facet links and 20 results; as Jinja loops they made ~1,000 small escaped strings,
each passed up through four nested template generators, and were most of the page's CPU. The templates
(`_search_facets.html`, `_search_results.html`) keep the page's structure and call these once per list;
the markup is byte for byte what the loops made.

Everything from the index is untrusted harvested text and is escaped here exactly as Jinja's autoescaping
would (`markupsafe.escape`); translations come from the template, already Markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from flask import current_app
from jinja2.environment import TemplateModule
from markupsafe import Markup, escape

from catalog.model import pick
from portal.i18n import lang
from search.filters import FacetValue
from search.query import Hit

MARK = re.compile(r"(</?mark>)")
PLAIN = re.compile(r"""(?:[^&<>"']|</?mark>)*\Z""")  # a highlight with no entity and no other markup
SELECTED = ' class="selected"'


def _escape(text: Any) -> str:
    """`markupsafe.escape(text)` as a plain str, for markup assembled here: for a str, the same five
    replacements in the same order as markupsafe's own (`_escape_inner`), without a Markup object per piece
    (~1.3 µs each, and a page escapes ~350 pieces); anything else goes through markupsafe itself."""
    if type(text) is str:
        return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;")
                .replace('"', "&#34;"))
    return str(escape(text))


# Facet values and labels (publishers, themes, formats, years) recur from search to search: each is escaped
# once per process. Only plain str is cached: a Markup equal to a str must not share its entry.
_escape_recurring = lru_cache(maxsize=8192)(_escape)


def _escape_facet(text: Any) -> str:
    return _escape_recurring(text) if type(text) is str else _escape(text)


def highlight(fragment: str) -> Markup:
    """A highlighted fragment as HTML: only the engine's <mark> tags survive; every other piece is text.

    The engine HTML-encodes the text around its tags, so each piece is decoded and escaped again: a
    harvested "<mark>" or "<script>" arrives encoded and stays text.
    """
    if PLAIN.match(fragment):  # nothing to decode or escape: the same string the pieces would give
        return Markup(fragment)  # noqa: S704 - only literal <mark> tags and text without & < > " '
    pieces = MARK.split(fragment)  # text, tag, text, tag, ..., text: MARK's one group puts tags at odd places
    pieces[::2] = [_escape(html.unescape(p)) for p in pieces[::2]]
    # S704: the only raw pieces are the two literal tags MARK matches in full; every other piece is escaped.
    return Markup("".join(pieces))  # noqa: S704


def shown_values(values: Sequence[FacetValue], everything: bool, shown: int) -> Iterable[FacetValue]:
    """A facet's listed values: all of them, or the first `shown` and any chosen value beyond them."""
    if everything:
        return values
    return [*values[:shown], *(v for v in values[shown:] if v.selected)]


def facet_items(toggle: Callable[[str, FacetValue], str], name: str, values: Sequence[FacetValue],
                everything: bool, shown: int, remove: str) -> Markup:
    """The <li> links of one facet's values: each adds its value to the search or, when chosen, removes it.
    `remove` is the translated "Remove filter" said before a chosen value's label."""
    chosen = f'<span class="visually-hidden">{_escape(remove)}: </span>'
    out = []
    for value in shown_values(values, everything, shown):
        selected, count = value.selected, value.count
        out.append(f'\n    <li{SELECTED if selected else ""}>\n      <a href="{_escape(toggle(name, value))}"'
                   f' title="{_escape_facet(value.value)}">{chosen if selected else ""}'
                   f'<span class="facet-label">{_escape_facet(value.label)}</span> <span class="count">'
                   f'{count if type(count) is int else _escape(count)}</span></a>\n    </li>\n    ')
    return Markup("".join(out))  # noqa: S704 - every value is escaped, `remove` is Markup


def result_items(hits: Iterable[Hit], dataset_url: Callable[[str], str], modified: str) -> Markup:
    """The <li> of each result: title (highlighted) linking to the dataset, publisher, formats and date, the
    highlighted description or its first 240 characters. `modified` is the translated "Modified"."""
    env = current_app.jinja_env
    truncate = env.filters["truncate"]
    modified = _escape(modified)
    language = lang()
    out = []
    for hit in hits:
        highlights, source = hit.highlights, hit.source
        titles = highlights.get("title")
        title = highlight(titles[0]) if titles else _escape(hit.title)
        if hit.name:
            title = f'<a href="{_escape(dataset_url(hit.name))}">{title}</a>'
        display = source.get("display") or {}
        publisher = pick(display.get("publisher"), language) if isinstance(display, dict) else ""
        meta = f'<span class="publisher">{_escape_facet(publisher)}</span>' if publisher else ""
        formats = source.get("formats")
        if formats:
            meta += f' · <span class="formats">{_escape_facet(", ".join(map(str, formats)))}</span>'
        when = source.get("modified")
        if when:
            when = _escape(when)
            meta += f' · <span class="date">{modified} <time datetime="{when}">{when}</time></span>'
        fragments = highlights.get("description")
        if fragments:
            snippet = " … ".join(map(highlight, fragments))
        else:
            snippet = _escape(truncate(env, hit.description, 240))
        out.append(f'\n  <li class="result">\n    <h3>{title}</h3>\n    \n    <p class="meta">{meta}</p>\n'
                   f'    <p class="snippet">{snippet}</p>\n  </li>\n  ')
    return Markup("".join(out))  # noqa: S704 - every harvested value is escaped, `modified` is Markup


class Labels:
    """Names of facets, search parameters and sorts in the reader's language: the macros of
    `_search_labels.html`, each name rendered once per language and process instead of once per use. A macro
    call and its import cost ~15 and ~50 µs, and a page names ~16 things (facet headings, chips, sorts); a
    name's label changes only with the translations, which a process loads once."""

    __slots__ = ("module", "language")

    def __init__(self, module: TemplateModule, language: str) -> None:
        self.module, self.language = module, language

    def facet(self, name: str) -> Markup:
        return _label(self.module, "facet_name", name, self.language)

    def sort(self, name: str) -> Markup:
        return _label(self.module, "sort_name", name, self.language)


@lru_cache(maxsize=512)
def _label(module: TemplateModule, macro: str, name: str, language: str) -> Markup:
    """`language` is the reader's (portal.i18n.lang), which chose the translations the macro uses."""
    return getattr(module, macro)(name)


def labels() -> Labels:
    """This request's labels (their template module is the one `{% from "_search_labels.html" import … %}`
    would give)."""
    return Labels(current_app.jinja_env.get_template("_search_labels.html").module, lang())


def helpers() -> dict[str, Any]:
    """What the search templates call."""
    return {"facet_items": facet_items, "result_items": result_items}
