"""The Flask application factory: wires services, languages, security headers and the blueprints."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from catalog.store import CatalogStore
from portal import auth, config, html, i18n, security
from portal.api import ckan, rest
from portal.ogc import GEO_MODULES
from portal.web import (
    browse,
    caching,
    dataset,
    exports,
    feeds,
    health,
    home,
    members,
    pages,
    search,
    sitemap,
    workspace,
)
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
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,  # type: ignore[method-assign]
                                x_proto=settings.trusted_proxies, x_host=settings.trusted_proxies)
    i18n.init_app(app)
    security.init_app(app)
    html.init_app(app)
    auth.init_app(app)
    app.jinja_env.globals["site_name"] = settings.site_name
    caching.init_app(app)
    for module in (health, home, dataset, exports, browse, pages, ckan, search, rest, workspace, sitemap,
                   feeds, members, *GEO_MODULES):
        app.register_blueprint(module.bp)
    return app
