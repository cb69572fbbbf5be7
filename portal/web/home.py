"""The home page (a minimal one until the portal issue builds the full site)."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.web import deps

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    store = deps.store()
    return render_template("home.html", count=store.count(), site_name=deps.settings().site_name)
