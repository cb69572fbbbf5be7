"""One real portal for the search tests: a SQLite catalogue loaded with the W3C/DCAT-AP examples, real
Shanghai inventory rows mapped by the inventory harvester, and three records written here (one with an
extent over Shanghai, one with hostile text); indexed into the real Elasticsearch under a private prefix.
The package shares it because building and indexing it is the slow part; tests only read it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from flask import Flask

from catalog import migrate
from catalog.importer import import_file
from catalog.store import CatalogStore, name_for
from harvesters.inventory import inventory_to_dcat, load_mapping
from portal import create_app
from portal.config import load
from search.client import connect, health
from search.indexer import Indexer
from tests.live import serve

FIXTURES = Path(__file__).parent.parent / "fixtures"
EXAMPLES = ["w3c-dcat3/examples/ga-courts.ttl", "w3c-dcat3/examples/basic-example.ttl",
            "w3c-dcat3/examples/csiro-dap-examples.ttl", "dcat-ap/3.0.1/examples/example-bee-population.ttl"]
SHANGHAI_ROWS = 150
GEO_IRI = "https://data.example.cn/dataset/bus-stops"
HOSTILE_IRI = "https://evil.example/dataset/bus"

WRITTEN = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://data.example.cn/dataset/bus-stops> a dcat:Dataset ;
  dct:title "公交站点位置"@zh, "Bus stop locations"@en ;
  dct:description "全市公交站点的位置和线路。"@zh, "Where the city's bus stops are."@en ;
  dcat:keyword "公交"@zh, "bus"@en ;
  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/TRAN> ;
  dct:modified "2024-06-01" ;
  dct:spatial [ a dct:Location ; dcat:bbox "POLYGON((121 31,122 31,122 32,121 32,121 31))" ] ;
  dct:publisher <https://data.example.cn/org/transport> ;
  dcat:distribution [ a dcat:Distribution ; dcat:downloadURL <https://data.example.cn/files/stops.csv> ;
    dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ] .
<https://data.example.cn/org/transport> a foaf:Organization ;
  foaf:name "交通委"@zh, "Transport Commission"@en .
<https://evil.example/dataset/bus> a dcat:Dataset ;
  dct:title "<script>alert('t')</script> bus <mark>timetable</mark> &amp; <b>x</b>"@en ;
  dct:description "bus <img src=x onerror=alert(1)> </mark><script>alert(2)</script>"@en ;
  dct:publisher <https://evil.example/org> .
<https://evil.example/org> a foaf:Agent ; foaf:name "<b onmouseover=alert(3)>Evil org</b>"@en .
"""


@dataclass
class Site:
    app: object
    store: CatalogStore
    prefix: str
    geo: str
    hostile: str

    def client(self):
        return self.app.test_client()


@pytest.fixture(scope="package")
def es(es_url) -> Elasticsearch:
    client = connect(es_url, timeout=60)
    if not health(client)["ok"]:
        pytest.fail(f"Elasticsearch not usable at {es_url}; run `make search-start`")
    return client


def shanghai_rows() -> list[dict]:
    path = FIXTURES / "chinese/mainland-portal-metadata-cnpds/shanghai_shanghai.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    return rows[:SHANGHAI_ROWS] + [r for r in rows[SHANGHAI_ROWS:] if "公交" in r["数据集名称"]]


def catalogue_app(tmp: Path, es_url: str, label: str) -> tuple[Flask, CatalogStore, str]:
    """A portal on a fresh SQLite catalogue holding the DCAT examples, the written records and the Shanghai
    rows (not yet indexed), under an index prefix of its own; returns (app, store, prefix)."""
    url = f"sqlite:///{tmp / 'kaifang.db'}"
    migrate.upgrade(url)
    prefix = f"kaifang-test-{label}-{uuid.uuid4().hex[:6]}"
    app = create_app(load({"DATABASE_URL": url, "KAIFANG_VAR": str(tmp), "SECRET_KEY": "test",
                           "ELASTICSEARCH_URL": es_url, "KAIFANG_INDEX_PREFIX": prefix}))
    store = app.extensions["kaifang"]["store"]
    for relative in EXAMPLES:
        assert import_file(store, FIXTURES / relative).ok
    (tmp / "written.ttl").write_text(WRITTEN, encoding="utf-8")
    assert import_file(store, tmp / "written.ttl").ok
    mapping = load_mapping("shanghai")
    for row in shanghai_rows():
        mapped = inventory_to_dcat(row, mapping)
        store.upsert(mapped.node, mapped.graph, source="shanghai")
    return app, store, prefix


def drop_indices(es: Elasticsearch, prefix: str) -> None:
    names = list(es.indices.get(index=f"{prefix}-*", expand_wildcards="all").body)
    if names:
        es.indices.delete(index=",".join(names), ignore_unavailable=True)


@pytest.fixture(scope="package")
def site(tmp_path_factory, es, es_url) -> Iterator[Site]:
    app, store, prefix = catalogue_app(tmp_path_factory.mktemp("portal-search"), es_url, "portal-search")
    Indexer(es, prefix).reindex(store)
    yield Site(app, store, prefix, name_for(GEO_IRI), name_for(HOSTILE_IRI))
    store.engine.dispose()
    drop_indices(es, prefix)


@pytest.fixture(scope="package")
def server(site) -> Iterator[str]:
    """The portal on a real HTTP server on 127.0.0.1, for ckanapi (library and command line)."""
    with serve(site.app) as url:
        yield url


@pytest.fixture(scope="package")
def down(tmp_path_factory, site) -> object:
    """The same catalogue with Elasticsearch at a closed port."""
    url = str(site.store.engine.url)
    return create_app(load({"DATABASE_URL": url, "KAIFANG_VAR": str(tmp_path_factory.mktemp("down")),
                            "SECRET_KEY": "test", "ELASTICSEARCH_URL": "http://127.0.0.1:9"}))
