"""RFC 9457 problem details: every error of /api/1 is application/problem+json with type, title, status,
detail and instance, so clients branch on `status`/`type` instead of parsing prose."""

from __future__ import annotations

from flask import Response, current_app, json, request
from werkzeug.exceptions import HTTPException

from search.query import InvalidSearch, SearchUnavailable

TITLES = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
          503: "Service Unavailable"}


class Problem(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def problem_response(status: int, detail: str) -> Response:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
            "detail": detail, "instance": request.full_path.rstrip("?")}
    response = Response(json.dumps(body), status=status, content_type="application/problem+json")
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


def handle(exc: Problem | InvalidSearch | SearchUnavailable | HTTPException) -> Response:
    """One handler for the errors an API view can raise."""
    if isinstance(exc, Problem):
        return problem_response(exc.status, exc.detail)
    if isinstance(exc, InvalidSearch):
        return problem_response(400, str(exc))
    if isinstance(exc, SearchUnavailable):
        current_app.logger.warning("search unavailable: %s", exc)
        return problem_response(503, "Search is temporarily unavailable; dataset details still work.")
    code = exc.code if isinstance(exc, HTTPException) else None
    return problem_response(code or 500, getattr(exc, "description", None) or "")
