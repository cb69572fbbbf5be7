"""OpenAPI 3.1 built from the code, never kept by hand.

Each handler declares its summary, parameters and response schema next to itself with `@documented`;
`build(app)` walks the app's url_map, so a route exists in the document exactly when it exists in the
app with a declaration. Routes served by one generic handler (the CKAN Action API) declare their
operations with `document()` beside the action that implements them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

STRING: dict[str, Any] = {"type": "string"}
API_PREFIX = "/api/1/"
CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
PROBLEM_TYPES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                 406: "Not Acceptable", 409: "Conflict", 415: "Unsupported Media Type",
                 422: "Unprocessable Content", 503: "Service Unavailable"}
SUCCESS = {200: "OK", 201: "Created", 204: "No Content"}
PROBLEM = {"type": "object", "required": ["type", "title", "status"], "properties": {
    "type": STRING, "title": STRING, "status": {"type": "integer"}, "detail": STRING, "instance": STRING}}


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: dict(STRING))
    where: str = "query"
    required: bool = False
    explode: bool | None = None  # repeatable query parameters (?theme=a&theme=b)

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "in": self.where, "description": self.description,
               "required": self.required or self.where == "path", "schema": self.schema}
        if self.explode is not None:
            out.update(style="form", explode=self.explode)
        return out


@dataclass(frozen=True)
class Operation:
    summary: str
    response: dict[str, Any]
    params: tuple[Param, ...] = ()
    problems: tuple[int, ...] = (400, 406)
    tag: str = "datasets"
    conditional: bool = False  # answers 304 to If-None-Match / If-Modified-Since
    media_type: str = "application/json"
    status: int = 200  # the success status (201 for a create, 204 for a delete)
    errors: tuple[int, ...] = ()  # error statuses answered in `response`'s own shape (CKAN's envelope)

    def to_dict(self, path: str, method: str) -> dict[str, Any]:
        path_params = CONVERTER.findall(path) + re.findall(r"{([^}]+)}", path)
        declared = {p.name for p in self.params}
        params = [*self.params, *(Param(n, n, where="path") for n in path_params if n not in declared)]
        body = {"content": {self.media_type: {"schema": self.response}}}
        responses: dict[str, Any] = {str(self.status): {"description": SUCCESS[self.status],
                                                        **(body if self.status != 204 else {})}}
        for status in self.errors:
            responses[str(status)] = {"description": PROBLEM_TYPES[status], **body}
        if self.conditional:
            responses["304"] = {"description": "Not Modified (ETag or Last-Modified matched)"}
        for status in self.problems:
            responses[str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
        op_id = method + re.sub(r"[^A-Za-z0-9]+", "_", path).rstrip("_")
        return {"summary": self.summary, "operationId": op_id, "tags": [self.tag],
                "parameters": [p.to_dict() for p in params], "responses": responses}


EXTRA: dict[tuple[str, str], Operation] = {}


def documented(summary: str, response: dict[str, Any], params: tuple[Param, ...] = (),
               **options: Any) -> Callable[[Callable], Callable]:
    """Attach an Operation to a view function; `build` finds it through the url_map."""
    def mark(fn: Callable) -> Callable:
        fn.openapi = Operation(summary, response, tuple(params), **options)  # type: ignore[attr-defined]
        return fn
    return mark


def document(path: str, method: str, operation: Operation) -> None:
    """Declare an operation a generic route serves (e.g. one CKAN action of /api/3/action/<name>)."""
    EXTRA[(path, method.lower())] = operation


def hidden(fn: Callable) -> Callable:
    """Keep an /api/1 route out of the document (the HTML docs page, the catch-all 404)."""
    fn.openapi_hidden = True  # type: ignore[attr-defined]
    return fn


def _operation(view: Callable | None, path: str) -> Operation | None:
    """The declared operation; an undeclared /api/1 route still appears, described by its docstring."""
    if view is None or getattr(view, "openapi_hidden", False):
        return None
    declared = getattr(view, "openapi", None)
    if declared is not None or not path.startswith(API_PREFIX):
        return declared
    summary = (view.__doc__ or view.__name__).strip().splitlines()[0]
    return Operation(summary, {}, problems=(), tag="undeclared")


def build(app: Flask, title: str, server: str = "/") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        operation = _operation(app.view_functions.get(rule.endpoint), rule.rule)
        if operation is None:
            continue
        path = CONVERTER.sub(r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = operation.to_dict(path, method.lower())
    for (path, method), operation in EXTRA.items():
        paths.setdefault(path, {})[method] = operation.to_dict(path, method)
    problems = {f"Problem{status}": {"description": f"{title} (RFC 9457 problem details)", "content": {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for status, title in PROBLEM_TYPES.items()}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{title} API", "version": "1",
                 "description": "Read-only open-data APIs: Kaifang's REST API (/api/1) and the CKAN Action "
                                "API (/api/3/action). No key needed; CORS is open for GET."},
        "servers": [{"url": server}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": {"Problem": PROBLEM}, "responses": problems},
    }


def array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def obj(required: tuple[str, ...] = (), **properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema object with the given properties (others allowed: the API may grow)."""
    return {"type": "object", "required": list(required), "properties": properties}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}
