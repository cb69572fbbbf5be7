"""The Flask application factory."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, get_locale

from catalog.store import CatalogStore
from portal import config
from portal.web import health, home
from search.client import connect

LOCALES = ("zh", "en")


def create_app(settings: config.Settings | None = None) -> Flask:
    settings = settings or config.load()
    app = Flask(__name__, template_folder=str(config.ROOT / "templates"),
                static_folder=str(config.ROOT / "static"))
    app.config.update(SECRET_KEY=settings.secret_key, JSON_AS_ASCII=False,
                      BABEL_DEFAULT_LOCALE=settings.default_locale)
    app.extensions["kaifang"] = {
        "settings": settings,
        "store": CatalogStore.from_url(settings.database_url),
        "es": connect(settings.elasticsearch_url),
    }
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    return app


def select_locale() -> str:
    """?lang= wins (the visible switch), then the cookie it sets, then Accept-Language."""
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or LOCALES[0]
