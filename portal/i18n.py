"""Languages: the reader's locale (zh/en) and the choice of text from multilingual metadata.

The locale comes from ?lang= (the visible switch, remembered in a cookie), then the cookie, then
Accept-Language. Metadata text is shown in that language when the record has it, else in a fallback,
and templates mark it with its own language tag so screen readers pronounce it correctly.
"""

from __future__ import annotations

from babel.support import NullTranslations
from flask import Flask, Response, has_request_context, request
from flask_babel import Babel, get_locale, get_translations

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
    return str(get_locale() or LOCALES[0])


def choose(text: LangText | None) -> tuple[str, str]:
    """(language tag, text) of the best value for the reader; the tag is "" when the value is untagged."""
    value = pick(text, lang())
    tag = next((key for key, candidate in (text or {}).items() if candidate == value), "")
    return tag, value


def label(iri: str | None) -> str:
    """Human label of a vocabulary concept, else the IRI's last segment, else the IRI."""
    if not iri:
        return ""
    return label_for(iri, lang()) or iri.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1] or iri


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


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: _translations().ugettext(message),
        lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        newstyle=True)
    app.after_request(_remember)
    app.jinja_env.globals.update(get_locale=get_locale, lang=lang, choose=choose, locales=LOCALES,
                                 html_lang=lambda: HTML_LANG.get(lang(), lang()))
    app.jinja_env.filters["label"] = label
