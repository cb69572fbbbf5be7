"""The OpenAPI document: valid OpenAPI 3.1 (openapi-spec-validator), covering every /api/1 route and
method of the running app, with declared parameters where the handlers declared them."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from search.filters import FACETS

CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
HIDDEN = {"rest.docs", "rest.not_found"}


def test_document_is_valid_openapi_31(site):
    response = site.client().get("/api/1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_api_route_is_documented(site):
    spec = site.client().get("/api/1/openapi.json").get_json()
    routes = {(CONVERTER.sub(r"{\1}", rule.rule), method.lower())
              for rule in site.app.url_map.iter_rules()
              if rule.rule.startswith("/api/1/") and rule.endpoint not in HIDDEN
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert routes and routes <= documented
    assert {("/api/3/action/package_search", "get"), ("/api/3/action/package_show", "get")} <= documented


def test_search_parameters_come_from_the_code(site):
    spec = site.client().get("/api/1/openapi.json").get_json()
    search = spec["paths"]["/api/1/datasets"]["get"]
    names = {p["name"] for p in search["parameters"]}
    assert {"q", "sort", "page", "page_size", "after", "bbox", "polygon", *FACETS} <= names
    assert search["responses"]["503"]["$ref"] == "#/components/responses/Problem503"
    detail = spec["paths"]["/api/1/datasets/{name}"]["get"]
    assert "304" in detail["responses"]
    assert [p["name"] for p in detail["parameters"] if p["in"] == "path"] == ["name"]


def test_docs_page_loads_swagger_ui_without_inline_script(site):
    response = site.client().get("/api/1/docs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert 'data-spec="/api/1/openapi.json"' in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
