"""Browsing the catalogue without search: publishers, a publisher's datasets, themes."""

from __future__ import annotations

import math

from flask import Blueprint, abort, render_template, request

from catalog.model import pick
from catalog.views.ckan import publisher_slug
from portal.i18n import label, lang
from portal.web import deps, listings

bp = Blueprint("browse", __name__)
PER_PAGE = 50
bp.add_app_template_global(publisher_slug)


@bp.get("/publishers")
def publishers():
    ordered = sorted(listings.publishers(), key=lambda p: pick(p.agent.name, lang()).casefold())
    return render_template("publishers.html", publishers=ordered)


@bp.get("/publishers/<slug>")
def publisher(slug: str):
    found = next(iter(listings.named_by_organisations(deps.store().publisher_counts(slug))), None)
    if found is None:
        abort(404)
    pages = max(1, math.ceil(found.count / PER_PAGE))
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= pages:
        abort(404)
    shown = deps.store().summaries((page - 1) * PER_PAGE, PER_PAGE, publisher=slug)
    return render_template("publisher.html", publisher=found, datasets=shown, page=page, pages=pages)


@bp.get("/themes")
def themes():
    ordered = sorted(listings.themes(), key=lambda item: (-item[1], label(item[0])))
    return render_template("themes.html", themes=ordered)
