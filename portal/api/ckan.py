"""CKAN-compatible Action API (read): /api/3/action/<name> and /api/action/<name>, GET or POST JSON.

Responses use CKAN's envelope {help, success, result} and its error bodies ({"__type": "Not Found Error"}
with 404, "Validation Error" with 409), so ckanapi and CKAN harvesters work against Kaifang unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from catalog.views.ckan import Package
from portal.api.actions import ACTIONS
from portal.api.errors import ActionError, ValidationError

bp = Blueprint("ckan_api", __name__)


@bp.get("/api/3")
@bp.get("/api/3/")
def version():
    return jsonify({"version": 3})


@bp.route("/api/3/action/<name>", methods=["GET", "POST"])
def call(name: str):
    help_url = url_for("ckan_api.call", name="help_show", _external=True) + f"?name={name}"
    fn = ACTIONS.get(name)
    try:
        if fn is None:
            raise ActionError(f"Action name not known: {name}")
        result = fn(_params())
    except ActionError as exc:
        body = {"help": help_url, "success": False, "error": exc.body()}
        return _json(body, exc.status)
    return _json({"help": help_url, "success": True, "result": result})


bp.add_url_rule("/api/action/<name>", "call_unversioned", call, methods=["GET", "POST"])


def _json(body: dict[str, Any], status: int = 200) -> Response:
    """Serialised once, as UTF-8 and with keys in CKAN's order (as the REST search does): jsonify sorts
    every key and escapes each Chinese character as \\uXXXX, and package_search answers are large. Types
    JSON lacks (dates, UUIDs) are converted as jsonify would."""
    result = body.get("result")
    packages = result.get("results") if isinstance(result, dict) else None
    if (set(body) == {"help", "success", "result"} and isinstance(packages, list) and packages
            and all(isinstance(p, Package) for p in packages)):
        # package_search: splice the cached packages' JSON texts rather than encoding each dict again.
        others = _dumps({k: v for k, v in result.items() if k != "results"})  # "{...}"
        text = (f'{{"help":{_dumps(body["help"])},"success":{_dumps(body["success"])},"result":{{"results":['
                f'{",".join(p.json for p in packages)}]{"," + others[1:] if others != "{}" else "}"}}}')
        return Response(text, status=status, mimetype="application/json")
    return Response(_dumps(body), status=status, mimetype="application/json")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=current_app.json.default)


def _params() -> dict[str, Any]:
    """Query-string parameters, overridden by a JSON (or form) body on POST."""
    params: dict[str, Any] = request.args.to_dict()
    if request.method == "POST":
        body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
        if request.is_json and not isinstance(body, dict):
            raise ValidationError({"__body": ["Request body must be a JSON object"]})
        params.update(body or {})
    return params
