"""Languages: the reader's locale (zh/en) and the choice of text from multilingual metadata.

The locale comes from ?lang= (the visible switch, remembered in a cookie), then the cookie, then
Accept-Language. Metadata text is shown in that language when the record has it, else in a fallback,
and templates mark it with its own language tag so screen readers pronounce it correctly.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel.support import NullTranslations
from flask import Flask, Response, has_request_context, request
from flask_babel import Babel, get_locale, get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from catalog.model import LangText, pick
from vocab.loader import label_for

LOCALES = ("zh", "en")
HTML_LANG = {"zh": "zh-Hans", "en": "en"}
COOKIE_AGE = 365 * 24 * 3600


def select_locale() -> str:
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or LOCALES[0]


def lang() -> str:
    """The reader's language, "zh" or "en". A page asks dozens of times and Flask-Babel's get_locale()
    walks several context proxies and `str(Locale)` each time (~10 µs), so a request keeps the answer."""
    if not has_request_context():
        return str(get_locale() or LOCALES[0])
    found = getattr(request, "_kaifang_lang", None)
    if found is None:
        found = str(get_locale() or LOCALES[0])
        request._kaifang_lang = found  # type: ignore[attr-defined]
    return found


def choose(text: LangText | None) -> tuple[str, str]:
    """(language tag, text) of the best value for the reader; the tag is "" when the value is untagged."""
    if not text:
        return "", ""
    value = pick(text, lang())
    tag = next((key for key, candidate in text.items() if candidate == value), "")
    return tag, value


def label(iri: str | None) -> str:
    """Human label of a vocabulary concept, else the IRI's last segment, else the IRI."""
    if not iri:
        return ""
    return _label(iri, lang())


@lru_cache(maxsize=8192)
def _label(iri: str, language: str) -> str:
    """Vocabularies are loaded once per process and never change in it, so labels are kept (a dataset page
    asks for ~20: formats, licences, themes and the path of each SHACL finding)."""
    return label_for(iri, language) or iri.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1] or iri


def _remember(response: Response) -> Response:
    response.vary.update(("Accept-Language", "Cookie"))
    chosen = request.args.get("lang")
    if chosen in LOCALES and request.cookies.get("lang") != chosen:
        response.set_cookie("lang", chosen, max_age=COOKIE_AGE, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response


def _translations() -> NullTranslations:
    """The request's catalogue, looked up once per request: a page calls gettext dozens of times and
    Flask-Babel resolves its context, locale and domain on every call (~15% of a dataset page's time)."""
    if not has_request_context():
        return get_translations()
    found = getattr(request, "_kaifang_translations", None)
    if found is None:
        found = get_translations()
        request._kaifang_translations = found  # type: ignore[attr-defined]
    return found


@pass_eval_context
def _gettext(eval_ctx: EvalContext, message: str, **variables: Any) -> str:
    """Jinja's newstyle `_()`/`gettext()` with the same result, in one call instead of three: Jinja's own
    goes through an alias that looks `gettext` up in the context and calls it through `Context.call`, and
    formats even a message with no variables (~13 µs a call; a dataset page makes ~40). As there: the
    translation is Markup under autoescaping, so variables are escaped, and `%` always formats (`%%`).

    It takes the evaluation context, not the context: Jinja calls a `pass_context` function inside a loop
    or a block that sets variables with a copy of the whole context made for that one call (a sixth of
    the dataset page's CPU under gunicorn went to those copies)."""
    text = _translations().ugettext(message)
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - a translation from our own catalogue, as in Jinja's newstyle
    return text % variables if variables or "%" in text else text


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: _translations().ugettext(message),
        lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        newstyle=True)
    app.jinja_env.globals.update(_=_gettext, gettext=_gettext)
    app.after_request(_remember)
    app.jinja_env.globals.update(get_locale=get_locale, lang=lang, choose=choose, locales=LOCALES,
                                 html_lang=lambda: HTML_LANG.get(lang(), lang()))
    app.jinja_env.filters["label"] = label
