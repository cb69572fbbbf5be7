"""CKAN package_search through real CKAN clients: ckanapi's RemoteCKAN over HTTP and `ckanapi dump` as a
subprocess, plus fq parsing, sorting, facets in both CKAN shapes and validation errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import ckanapi
import pytest

CKANAPI = Path(sys.executable).with_name("ckanapi")


def test_ckanapi_package_search(server, site):
    ckan = ckanapi.RemoteCKAN(server)
    result = ckan.action.package_search(q="公交")
    assert result["count"] == 3
    names = [p["name"] for p in result["results"]]
    assert site.geo in names and all(p["resources"] is not None for p in result["results"])
    assert result["search_facets"]["res_format"]["items"]
    organizations = result["facets"]["organization"]
    slug = next(s for s in organizations if s.startswith("transport-"))
    only = ckan.action.package_search(q="公交", fq=f'organization:"{slug}"')
    assert [p["name"] for p in only["results"]] == [site.geo]
    assert only["results"][0]["organization"]["name"] == slug


def test_fq_fields_sort_and_facets(server, site):
    ckan = ckanapi.RemoteCKAN(server)
    group = ckan.action.package_search(q="公交", fq="groups:tran-4f0108f70c +res_format:csv")
    assert [p["name"] for p in group["results"]] == [site.geo]
    tagged = ckan.action.package_search(fq='tags:"公交" dataset_type:dataset')
    assert site.geo in [p["name"] for p in tagged["results"]]
    by_title = ckan.action.package_search(sort="title_string asc", rows=1000)
    assert by_title["count"] == site.store.count() == len(by_title["results"])
    newest = ckan.action.package_search(sort="metadata_modified desc", rows=50)["results"]
    dates = [p["metadata_modified"] for p in newest if p["metadata_modified"]]
    assert dates == sorted(dates, reverse=True)
    facets = ckan.action.package_search(q="公交", rows=0, **{"facet.field": '["groups"]', "facet.limit": 1})
    assert facets["results"] == [] and list(facets["facets"]) == ["groups"]
    assert len(facets["search_facets"]["groups"]["items"]) == 1
    item = facets["search_facets"]["groups"]["items"][0]
    assert set(item) == {"name", "display_name", "count"}


def test_start_and_rows_window_matches_one_big_page(server):
    ckan = ckanapi.RemoteCKAN(server)
    found = ckan.action.package_search(sort="metadata_modified desc", rows=200)["results"]
    everything = [p["name"] for p in found]
    for start, rows in ((0, 7), (7, 7), (13, 30), (95, 10), (150, 20)):
        window = ckan.action.package_search(sort="metadata_modified desc", start=start, rows=rows)["results"]
        assert [p["name"] for p in window] == everything[start:start + rows]


def test_validation_errors(server):
    ckan = ckanapi.RemoteCKAN(server)
    for bad in ({"fq": "author:someone"}, {"fq": "-tags:x"}, {"sort": "views desc"},
                {"facet.field": "groups"}, {"rows": "many"}):
        with pytest.raises(ckanapi.ValidationError):
            ckan.action.package_search(**bad)


def test_unversioned_path_and_post(site):
    client = site.client()
    body = client.post("/api/action/package_search", json={"q": "公交", "rows": 1}).get_json()
    assert body["success"] and body["result"]["count"] == 3 and len(body["result"]["results"]) == 1


def test_ckanapi_dump_all_datasets(server, site, tmp_path):
    out = tmp_path / "datasets.jsonl"
    done = subprocess.run([str(CKANAPI), "dump", "datasets", "--all", "-q", "-p", "2", "-O", str(out),
                           "-r", server], capture_output=True, text=True, timeout=240, check=False,
                          env={**os.environ, "PATH": f"{CKANAPI.parent}{os.pathsep}{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr[-2000:]
    dumped = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(p["name"] for p in dumped) == sorted(s.name for s in site.store.iter_datasets())


def test_results_are_package_show_dicts_from_one_query(site):
    """Each hit is the full package dict package_show gives (resources, organization, groups, tags, extras),
    read for the whole page in one SQL statement, and served as UTF-8 JSON; a repeated search (the dicts
    now cached) answers the same."""
    from sqlalchemy import event

    client = site.client()
    url = "/api/3/action/package_search?q=公交&rows=20&fq=res_format:CSV"
    first = client.get(url).get_json()["result"]  # fills the listings (publishers, themes) for a while
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    event.listen(site.store.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(site.store.engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements
    assert response.mimetype == "application/json" and "公交".encode() in response.data
    results = response.get_json()["result"]["results"]
    assert results and site.geo in [p["name"] for p in results]
    for found in results:
        shown = client.get(f"/api/3/action/package_show?id={found['name']}").get_json()["result"]
        assert found == shown
        assert {"resources", "organization", "groups", "tags", "extras", "num_resources"} <= set(found)
    assert first["results"] == results
