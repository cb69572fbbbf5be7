"""Static pages (/api, /about) and the HTML error pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.exceptions import HTTPException

bp = Blueprint("pages", __name__)


@bp.get("/api")
def api():
    return render_template("api.html")


@bp.get("/about")
def about():
    return render_template("about.html")


@bp.app_errorhandler(404)
@bp.app_errorhandler(406)
@bp.app_errorhandler(410)
def error(exc: HTTPException):
    return render_template("error.html", error=exc), exc.code
