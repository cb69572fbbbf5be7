"""The citizen site in a real browser: a portal with real records (the search tests' catalogue plus a GeoJSON
distribution served over local HTTP for the preview map) on a real HTTP server on 127.0.0.1, indexed into
the real Elasticsearch under a private prefix, and one run of tests/browser/runner.mjs (headless Chromium
through playwright-core, axe-core from npm) whose observations the tests read."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import URIRef
from werkzeug.serving import make_server

from catalog import migrate
from catalog.importer import import_file
from catalog.store import name_for
from harvesters.http import GuardedClient
from harvesters.inventory import inventory_to_dcat, load_mapping
from portal import create_app
from portal.config import load
from search.client import connect
from search.indexer import Indexer
from tests.geo_portal.conftest import LOCAL, NATURAL_EARTH, FileServer, dataset_graph
from tests.portal_search.conftest import EXAMPLES, FIXTURES, GEO_IRI, WRITTEN, shanghai_rows

ROOT = Path(__file__).parents[2]
SHOTS = ROOT / "var" / "screenshots"
MAP_IRI = "https://data.example.cn/dataset/world-countries"


@pytest.fixture(scope="package")
def portal(tmp_path_factory, es_url) -> Iterator[object]:
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'kaifang.db'}"
    migrate.upgrade(url)
    prefix = f"kaifang-test-browser-{uuid.uuid4().hex[:6]}"
    app = create_app(load({"DATABASE_URL": url, "KAIFANG_VAR": str(tmp), "SECRET_KEY": "test",
                           "ELASTICSEARCH_URL": es_url, "KAIFANG_INDEX_PREFIX": prefix}))
    app.extensions["kaifang"]["http"] = GuardedClient(allow_private=LOCAL, retries=0, total_timeout=20)
    store = app.extensions["kaifang"]["store"]
    for relative in EXAMPLES:
        assert import_file(store, FIXTURES / relative).ok
    (tmp / "written.ttl").write_text(WRITTEN, encoding="utf-8")
    assert import_file(store, tmp / "written.ttl").ok
    mapping = load_mapping("shanghai")
    for row in shanghai_rows():
        mapped = inventory_to_dcat(row, mapping)
        store.upsert(mapped.node, mapped.graph, source="shanghai")
    files = FileServer({"/countries.geojson": (NATURAL_EARTH.read_bytes(), "application/geo+json")})
    store.upsert(URIRef(MAP_IRI), dataset_graph(MAP_IRI, "世界各国边界", [(files.url("/countries.geojson"),
                                                                          "GEOJSON")]), source="test")
    es = connect(es_url, timeout=60)
    Indexer(es, prefix).reindex(store)
    yield app
    files.httpd.shutdown()
    app.extensions["kaifang"]["http"].close()
    store.engine.dispose()
    names = list(es.indices.get(index=f"{prefix}-*", expand_wildcards="all").body)
    if names:
        es.indices.delete(index=",".join(names), ignore_unavailable=True)


@pytest.fixture(scope="package")
def server(portal) -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    httpd = make_server("127.0.0.1", 0, portal, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


@pytest.fixture(scope="package")
def seen(server) -> dict:
    """What the browser saw, by scenario (see runner.mjs); a scenario that broke holds {"error": ...}."""
    node = shutil.which("node")
    assert node, "node is needed for the browser tests (scripts/system-deps.sh installs it)"
    assert (ROOT / "node_modules" / "playwright-core").is_dir(), "run `make assets` (npm ci) first"
    SHOTS.mkdir(parents=True, exist_ok=True)
    args = {"dataset": name_for(GEO_IRI), "geo": name_for(MAP_IRI), "shots": str(SHOTS)}
    done = subprocess.run([node, str(Path(__file__).with_name("runner.mjs")), server, json.dumps(args)],
                          capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, f"the browser run failed:\n{done.stderr[-3000:]}"
    (SHOTS / "seen.json").write_text(done.stdout, encoding="utf-8")  # for a person reading a failure
    return json.loads(done.stdout)
