"""Kaifang's REST API, /api/1: JSON for developers, RFC 9457 problems for errors, open CORS for reads,
and an OpenAPI 3.1 document generated from the routes themselves (/api/1/openapi.json, /api/1/docs)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException

# search_action is imported for its effect: it adds package_search to the CKAN ACTIONS registry.
from portal.api import rest_catalogue, rest_datasets, search_action  # noqa: F401
from portal.api.openapi import build as build_openapi
from portal.api.openapi import documented, hidden, obj
from portal.api.rest_problems import Problem, handle
from portal.web import deps
from search.query import InvalidSearch, SearchUnavailable

bp = Blueprint("rest", __name__, url_prefix="/api/1")
JSON_TYPES = ["application/json", "application/problem+json"]
CORS_METHODS = ("GET", "HEAD", "OPTIONS")
bp.register_blueprint(rest_datasets.bp)
bp.register_blueprint(rest_catalogue.bp)
for error in (Problem, InvalidSearch, SearchUnavailable, HTTPException):
    bp.register_error_handler(error, handle)


@bp.before_request
def json_only() -> Response | None:
    """406 for a client that accepts no JSON (the docs page is HTML and exempt)."""
    if request.endpoint == "rest.docs" or not request.headers.get("Accept"):
        return None
    if request.accept_mimetypes.best_match(JSON_TYPES) is None:
        raise Problem(406, "This API answers application/json only.")
    return None


@bp.after_app_request
def cors(response: Response) -> Response:
    """Open data: any site may read /api/* from a browser (reads only, no credentials)."""
    if request.path.startswith("/api/") and request.method in CORS_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = ", ".join(CORS_METHODS)
        response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language, If-None-Match, " \
                                                           "If-Modified-Since"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.get("/openapi.json")
@documented("This OpenAPI document", obj(("openapi", "paths"), openapi={"type": "string"},
                                          paths={"type": "object"}), tag="meta")
def openapi():
    return jsonify(build_openapi(current_app, deps.settings().site_name))


@bp.get("/docs")
@hidden
def docs():
    return render_template("api_docs.html", spec_url=url_for("rest.openapi"))


@bp.get("/<path:unknown>")
@hidden
def not_found(unknown: str):
    raise Problem(404, f"No API resource at /api/1/{unknown}; see /api/1/openapi.json")
