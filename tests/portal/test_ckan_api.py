"""The CKAN Action API over real HTTP: ckanapi against a local server, shapes checked against the
recorded data.gov.uk CKAN responses and the JSON Schemas written for them."""

from __future__ import annotations

import json

import ckanapi
import pytest
import requests
from jsonschema import Draft7Validator
from referencing import Registry, Resource

RECORDED = "ckan-api/data.gov.uk-ckan-functional-tests"


@pytest.fixture(scope="module")
def schemas(fixtures) -> Registry:
    """Every schema under its $id and under the short names the schemas use in their $refs."""
    registry = Registry()
    for path in (fixtures / RECORDED / "schemas").glob("*.schema.json"):
        resource = Resource.from_contents(json.loads(path.read_text()))
        short = path.name.removesuffix(".schema.json")
        base = resource.contents["$id"].rsplit("/", 1)[0]
        names = [resource.contents["$id"], f"{base}/{short}"]
        registry = registry.with_resources([(name, resource) for name in names])
    return registry


def _validate(schemas: Registry, name: str, body: dict) -> None:
    schema = schemas.contents(f"http://github.com/alphagov/ckan-functional-tests/api/{name}.schema.json")
    errors = sorted(Draft7Validator(schema, registry=schemas).iter_errors(body), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def _recorded(fixtures, name: str) -> dict:
    return json.loads((fixtures / RECORDED / "example_responses" / name).read_text())


def test_package_show_through_ckanapi(site, server, fixtures):
    ckan = ckanapi.RemoteCKAN(server)
    package = ckan.action.package_show(id=site.bilingual)
    assert package["name"] == site.bilingual and package["state"] == "active"
    assert package["title"] == "空气质量日报"  # the site default language
    assert package["resources"][0]["url"] == "https://data.example.cn/files/air.csv"
    assert package["resources"][0]["format"] == "CSV" and package["resources"][0]["size"] == 20480
    assert {t["name"] for t in package["tags"]} == {"空气", "air"}
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["temporal_start"] == "2020-01-01" and extras["contact_email"] == "data@example.cn"
    assert extras["frequency"].endswith("/frequency/DAILY")
    assert json.loads(extras["theme"])[0].endswith("/ENVI")
    assert package["organization"]["title"] == "生态环境局" and package["isopen"] is True
    # the same dataset by CKAN id and by IRI; English on request
    assert ckan.action.package_show(id=package["id"])["name"] == site.bilingual
    by_iri = {"id": "https://data.example.cn/dataset/air-quality", "lang": "en"}
    english = requests.get(f"{server}/api/3/action/package_show", params=by_iri, timeout=10)
    assert english.json()["result"]["title"] == "Daily air quality"
    # every key a real CKAN 2.9 package_show (default schema) returns, except revisions and site plugins
    recorded = _recorded(fixtures, "stable/package_show-2.9.default_schema.inner.test.json")
    assert set(recorded) - set(package) <= {"revision_id", "harvest"}
    assert set(recorded["resources"][0]) - set(package["resources"][0]) == {"revision_id"}


def test_responses_match_the_recorded_ckan_schemas(site, server, schemas):
    def get(action: str, **params) -> dict:
        response = requests.get(f"{server}/api/3/action/{action}", params=params, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    # data.gov.uk's schema requires an organization and record times. Records with no dct:publisher are
    # CKAN "unowned" datasets (organization null); records with no DCAT dates have null metadata_* times
    # until the store exposes its own record times.
    checked = 0
    for stored in site.store.iter_datasets():
        body = get("package_show", id=stored.name)
        d = stored.dataset
        if d.publisher and (d.issued or d.modified):
            _validate(schemas, "package_show", body)
            checked += 1
        elif not d.publisher:
            assert body["result"]["organization"] is None and body["result"]["owner_org"] is None
    assert checked >= 3
    _validate(schemas, "package_list", get("package_list"))
    _validate(schemas, "organization_list", get("organization_list"))
    # organization "created" is the publisher's earliest dataset date, null when none of its records is dated
    dated = [o for o in get("organization_list", all_fields="true")["result"] if o["created"]]
    assert len(dated) >= 2
    _validate(schemas, "organization_list", {**get("organization_list"), "result": dated})
    for org in dated:
        shown = get("organization_show", id=org["name"], include_datasets="true")
        _validate(schemas, "organization_show", shown)


def test_listing_actions(site, server):
    ckan = ckanapi.RemoteCKAN(server)
    every = ckan.action.package_list()
    assert every == sorted(s.name for s in site.store.iter_datasets())
    assert ckan.action.package_list(limit=3, offset=2) == every[2:5]
    recent = ckan.action.current_package_list_with_resources(limit=2)
    assert len(recent) == 2 and recent[0]["name"] == site.bilingual and "resources" in recent[0]
    orgs = ckan.action.organization_list(all_fields=True)
    bureau = next(o for o in orgs if o["title"] == "生态环境局")
    assert bureau["package_count"] == 1 and bureau["is_organization"] is True
    shown = ckan.action.organization_show(id=bureau["id"], include_datasets=True)
    assert [p["name"] for p in shown["packages"]] == [site.bilingual]
    groups = ckan.action.group_list(all_fields=True)
    envi = next(g for g in groups if g["extras"][0]["value"].endswith("/ENVI"))
    assert envi["package_count"] == 1 and ckan.action.group_show(id=envi["name"])["title"] == envi["title"]
    assert "air" in ckan.action.tag_list() and ckan.action.tag_list(query="空") == ["空气"]
    assert ckan.action.status_show()["site_url"] == server
    assert ckan.action.site_read() is True


def test_both_paths_and_both_methods(site, server):
    for path in ("/api/3/action/package_show", "/api/action/package_show"):
        by_get = requests.get(server + path, params={"id": site.bilingual}, timeout=10).json()
        by_post = requests.post(server + path, json={"id": site.bilingual}, timeout=10).json()
        assert by_get["success"] and by_get["result"] == by_post["result"]
        assert by_get["help"].endswith("/api/3/action/help_show?name=package_show")
    assert requests.get(f"{server}/api/3", timeout=10).json() == {"version": 3}


def test_ckan_error_shapes(site, server):
    ckan = ckanapi.RemoteCKAN(server)
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.organization_show(id="no-such-org")
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_show()
    missing = requests.get(f"{server}/api/3/action/package_show", params={"id": "nope"}, timeout=10)
    assert missing.status_code == 404
    assert missing.json()["error"] == {"__type": "Not Found Error", "message": "Dataset not found"}
    invalid = requests.get(f"{server}/api/3/action/package_list", params={"limit": "many"}, timeout=10)
    assert invalid.status_code == 409
    assert invalid.json() == {"help": invalid.json()["help"], "success": False,
                              "error": {"__type": "Validation Error", "limit": ["Invalid integer"]}}
    unknown = requests.get(f"{server}/api/3/action/no_such_action", timeout=10)
    assert unknown.status_code == 400 and unknown.json()["success"] is False
