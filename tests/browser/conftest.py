"""The citizen site in a real browser: a portal with real records (the search tests' catalogue plus a GeoJSON
distribution and a CSV distribution served over local HTTP for the previews) on a real HTTP server on
127.0.0.1, indexed into the real Elasticsearch under a private prefix, and one run of
tests/browser/runner.mjs (headless Chromium through playwright-core, axe-core from npm) whose observations
the tests read.

The same portal has a workspace: an organisation, its editor, and a slice of Shanghai's real inventory
export served over local HTTP in which one record names its title in another column (资源名称, as other
Chinese portals' exports do), so it fails with the shipped mapping until the editor uploads a mapping that
reads that column too. tests/browser/flows.mjs walks a citizen and that editor through the site."""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import URIRef
from werkzeug.serving import make_server

from catalog import accounts
from catalog.importer import import_file
from catalog.store import name_for
from harvesters.http import GuardedClient
from harvesters.inventory import inventory_to_dcat, parse_mapping
from search.client import connect
from search.indexer import Indexer
from tests.geo_portal.conftest import LOCAL, NATURAL_EARTH, FileServer, dataset_graph
from tests.portal_search.conftest import GEO_IRI, catalogue_app, drop_indices, shanghai_rows
from tests.workspace_ui.conftest import MAPPING, PASSWORD, SHANGHAI

ROOT = Path(__file__).parents[2]
SHOTS = ROOT / "var" / "screenshots"
MAP_IRI = "https://data.example.cn/dataset/world-countries"
TABLE_IRI = "https://data.example.cn/dataset/shanghai-transport-catalogue"
ORG = "https://data.example.cn/org/sh-data"
SHANGHAI_BBOX = "POLYGON((120.85 30.67,122.2 30.67,122.2 31.88,120.85 31.88,120.85 30.67))"
TABLE_TTL = f"""
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<{TABLE_IRI}> a dcat:Dataset ;
  dct:title "上海市交通公共数据目录"@zh, "Shanghai transport open data list"@en ;
  dct:description "上海市公共数据开放平台上与交通相关的数据集清单。"@zh,
    "The transport datasets listed by Shanghai's public data open platform."@en ;
  dcat:keyword "公交"@zh, "bus"@en ;
  dct:spatial [ a dct:Location ; dcat:bbox "{SHANGHAI_BBOX}" ] ;
  dct:publisher <https://data.example.cn/org/transport> ;
  dcat:distribution [ a dcat:Distribution ; dct:title "目录 CSV"@zh ;
    dcat:downloadURL <@CSV@> ; dcat:accessURL <@CSV@> ;
    dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ] .
"""
TABLE_COLUMNS = ["数据集名称", "数据提供方", "首次发布日期", "更新日期", "更新频度"]


@pytest.fixture(scope="package")
def portal(tmp_path_factory, es_url) -> Iterator[object]:
    tmp = tmp_path_factory.mktemp("browser")
    app, store, prefix = catalogue_app(tmp, es_url, "browser")
    app.extensions["kaifang"]["http"] = GuardedClient(allow_private=LOCAL, retries=0, total_timeout=20)
    files = FileServer({"/countries.geojson": (NATURAL_EARTH.read_bytes(), "application/geo+json"),
                        "/transport.csv": (transport_csv().encode("utf-8"), "text/csv"),
                        "/shanghai.json": (json.dumps(inventory_rows(), ensure_ascii=False).encode(),
                                           "application/json")})
    store.upsert(URIRef(MAP_IRI), dataset_graph(MAP_IRI, "世界各国边界", [(files.url("/countries.geojson"),
                                                                          "GEOJSON")]), source="test")
    (tmp / "table.ttl").write_text(TABLE_TTL.replace("@CSV@", files.url("/transport.csv")), encoding="utf-8")
    assert import_file(store, tmp / "table.ttl").ok
    app.config["HARVEST_ALLOW_NETWORKS"] = LOCAL  # the workspace may harvest the local inventory server
    app.config["BROWSER_FILES"] = files
    with store.sessions.begin() as s:
        org = accounts.create_org(s, "sh-data", "上海市大数据中心", ORG)
        editor = accounts.create_user(s, "editor", "editor@example.org", PASSWORD)
        accounts.set_member(s, org, editor, "editor")
        accounts.set_member(s, org, accounts.create_user(s, "org-admin", "org-admin@example.org", PASSWORD),
                            "admin")
        accounts.create_user(s, "newcomer", "newcomer@example.org", PASSWORD)
    es = connect(es_url, timeout=60)
    Indexer(es, prefix).reindex(store)
    yield app
    files.httpd.shutdown()
    app.extensions["kaifang"]["http"].close()
    store.engine.dispose()
    drop_indices(es, prefix)


def transport_csv() -> str:
    """Real rows: the Shanghai inventory's datasets about transport (公交, 交通), a few columns, as CSV."""
    rows = [r for r in json.loads(SHANGHAI.read_text(encoding="utf-8"))
            if "公交" in r["数据集名称"] or "交通" in r["数据集名称"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS)
    writer.writerows([str(r.get(c) or "") for c in TABLE_COLUMNS] for r in rows)
    return out.getvalue()


def inventory_rows() -> list[dict]:
    """Twelve real records as exported (none already in the catalogue), and a thirteenth (real, too) whose
    title is under 资源名称 and whose summary carries markup: it fails with the shipped mapping, and its
    snippet must come back escaped."""
    seen = {r["数据集名称"] for r in shanghai_rows()}  # already in the catalogue, from source "shanghai"
    picked = []
    for row in json.loads(SHANGHAI.read_text(encoding="utf-8"))[1000:]:
        if row["数据集名称"] not in seen:
            seen.add(row["数据集名称"])
            picked.append(row)
        if len(picked) == 13:
            break
    *rows, bad = picked
    bad = {("资源名称" if k == "数据集名称" else k): v for k, v in bad.items()}
    bad["摘要"] = "<script>alert('x')</script>" + bad["摘要"]
    return [*rows, bad]


def fixed_mapping() -> str:
    """The shipped Shanghai mapping plus one line: 资源名称 is a title too (the first non-blank one wins)."""
    text = MAPPING.read_text(encoding="utf-8")
    assert "  数据集名称: title\n" in text
    return text.replace("  数据集名称: title\n", "  数据集名称: title\n  资源名称: title\n")


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
    args = {"dataset": name_for(GEO_IRI), "geo": name_for(MAP_IRI), "shots": str(SHOTS)}
    return browse("runner.mjs", server, args, SHOTS / "seen.json")


def browse(script: str, server: str, args: dict, keep: Path) -> dict:
    """Run one of the browser scripts here over the portal; what it saw is kept in `keep` for a person."""
    node = shutil.which("node")
    assert node, "node is needed for the browser tests (scripts/system-deps.sh installs it)"
    assert (ROOT / "node_modules" / "playwright-core").is_dir(), "run `make assets` (npm ci) first"
    SHOTS.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([node, str(Path(__file__).with_name(script)), server, json.dumps(args)],
                          capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, f"the browser run failed:\n{done.stderr[-3000:]}"
    keep.write_text(done.stdout, encoding="utf-8")
    return json.loads(done.stdout)


@pytest.fixture(scope="package")
def flows(portal, server, tmp_path_factory) -> dict:
    """What the browser saw in the citizen's and the editor's flows (see flows.mjs), by step."""
    fixed = tmp_path_factory.mktemp("mapping") / "shanghai-fixed.yaml"
    fixed.write_text(fixed_mapping(), encoding="utf-8")
    files = portal.config["BROWSER_FILES"]
    args = {"shots": str(SHOTS), "bus": name_for(GEO_IRI), "table": name_for(TABLE_IRI),
            "user": "editor", "password": PASSWORD, "inventory": files.url("/shanghai.json"),
            "admin": "org-admin", "newcomer": "newcomer@example.org",
            "mapping": str(MAPPING), "fixed": str(fixed), "fixed_dataset": name_for(inventory_to_dcat(
                inventory_rows()[-1], parse_mapping(fixed.read_bytes())).node)}
    return browse("flows.mjs", server, args, SHOTS / "flows.json")
