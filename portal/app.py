"""The Flask application factory: wires services, languages, security headers and the blueprints."""

from __future__ import annotations

from flask import Flask

from catalog.store import CatalogStore
from portal import config, i18n, security
from portal.api import ckan
from portal.web import browse, dataset, exports, health, home, pages
from search.client import connect


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
    i18n.init_app(app)
    security.init_app(app)
    app.jinja_env.globals["site_name"] = settings.site_name
    for module in (health, home, dataset, exports, browse, pages, ckan):
        app.register_blueprint(module.bp)
    return app
