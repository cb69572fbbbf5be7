"""Geo in the catalogue and the portal, end to end: a local HTTP server publishing real and generated geodata
(Natural Earth countries, a CGCS2000 GeoPackage, a zipped Shapefile, a GB18030 CSV with 经度/纬度) and
hostile files (a zip bomb, broken GeoJSON, a redirect to an internal address), DCAT records pointing at them,
and the portal on a real database with a guarded client that may reach 127.0.0.1 only."""

from __future__ import annotations

import io
import threading
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from catalog.namespaces import DCAT, DCT, FOAF, LOCN, RDF, SKOS
from catalog.store import CatalogStore, name_for
from geo.convert import write
from harvesters.http import GuardedClient
from portal import create_app
from portal.config import load
from search.client import connect
from tests.geo.samples import shanghai_polygons
from tests.live import serve

NATURAL_EARTH = (Path(__file__).parents[1] / "fixtures" / "geojson" / "natural-earth-110m"
                 / "ne_110m_admin_0_countries.geojson")
LOCAL = ["127.0.0.1/32"]
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
BASE = "https://data.example.cn/dataset/"
CSV_TEXT = ("名称,地址,经度,纬度\n人民广场公厕,<script>alert(1)</script>黄浦区,121.4737,31.2304\n"
            "外滩公厕,中山东一路 & 九江路,121.4903,31.2397\n浦东公厕,世纪大道,121.5440,31.2210\n")


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def build_files(tmp: Path) -> dict[str, tuple[bytes, str]]:
    """path -> (body, content type); the geodata generated with geopandas from the shared samples."""
    cgcs = shanghai_polygons().to_crs("EPSG:4549")  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
    gpkg = write(cgcs, "gpkg", tmp / "shanghai.gpkg")
    shp = write(shanghai_polygons(), "shp", tmp / "shanghai.shp.zip")
    return {
        "/ne.geojson": (NATURAL_EARTH.read_bytes(), "application/geo+json"),
        "/shanghai.gpkg": (gpkg.read_bytes(), "application/geopackage+sqlite3"),
        "/shanghai.shp.zip": (shp.read_bytes(), "application/zip"),
        "/toilets.csv": (CSV_TEXT.encode("gb18030"), "text/csv"),
        "/bomb.zip": (_zip({"bomb.geojson": b" " * 30_000_000}), "application/zip"),
        "/broken.geojson": (b'{"type": "FeatureCollection", "features": [{"ty', "application/geo+json"),
        "/report.pdf": (b"%PDF-1.4 not geodata", "application/pdf"),
    }


class FileServer:
    def __init__(self, files: dict[str, tuple[bytes, str]]) -> None:
        self.files = files
        self.redirects = {"/internal.geojson": "http://10.0.0.1/secret.geojson"}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path in server.redirects:
                    self.send_response(302)
                    self.send_header("Location", server.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, kind = server.files.get(self.path, (b"not found", "text/plain"))
                self.send_response(200 if self.path in server.files else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> Iterator[FileServer]:
    server = FileServer(build_files(tmp_path_factory.mktemp("geo-files")))
    yield server
    server.httpd.shutdown()


@pytest.fixture
def client() -> Iterator[GuardedClient]:
    guarded = GuardedClient(allow_private=LOCAL, retries=0, total_timeout=20)
    yield guarded
    guarded.close()


def dataset_graph(iri: str, title: str, dists: list[tuple[str, str]], *, place: str | None = None,
                  byte_size: int | None = None) -> Graph:
    """A DCAT dataset with one distribution per (URL, file-type code) and optionally a named place."""
    g, node = Graph(), URIRef(iri)
    g.add((node, RDF.type, DCAT.Dataset))
    g.add((node, DCT.title, Literal(title, lang="zh")))
    publisher = URIRef("https://data.example.cn/org/planning")
    g.add((node, DCT.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal("规划和自然资源局", lang="zh")))
    for url, code in dists:
        dist = BNode()
        g.add((node, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, URIRef(url)))
        g.add((dist, DCT.format, URIRef(FILE_TYPE + code)))
        if byte_size:
            g.add((dist, DCAT.byteSize, Literal(byte_size)))
    if place:
        location = BNode()
        g.add((node, DCT.spatial, location))
        g.add((location, RDF.type, DCT.Location))
        g.add((location, SKOS.prefLabel, Literal(place, lang="zh")))
        g.add((location, LOCN.geographicName, Literal(place, lang="zh")))
    return g


def add_dataset(store: CatalogStore, slug: str, title: str, dists: list[tuple[str, str]], **kw) -> str:  # noqa: ANN003
    iri = BASE + slug
    store.upsert(URIRef(iri), dataset_graph(iri, title, dists, **kw), source="test")
    return iri


@dataclass
class Portal:
    app: object
    store: CatalogStore
    prefix: str

    def name(self, iri: str) -> str:
        return name_for(iri)


@pytest.fixture
def portal(db_url, tmp_path, es_url) -> Iterator[Portal]:
    prefix = f"kaifang-test-geo-{uuid.uuid4().hex[:6]}"
    env = {"DATABASE_URL": db_url, "KAIFANG_VAR": str(tmp_path), "SECRET_KEY": "test",
           "ELASTICSEARCH_URL": es_url, "KAIFANG_INDEX_PREFIX": prefix}
    app = create_app(load(env))
    app.extensions["kaifang"]["http"] = GuardedClient(allow_private=LOCAL, retries=0, total_timeout=20)
    yield Portal(app, app.extensions["kaifang"]["store"], prefix)
    app.extensions["kaifang"]["http"].close()
    app.extensions["kaifang"]["store"].engine.dispose()
    es = connect(es_url)
    names = list(es.indices.get(index=f"{prefix}-*", expand_wildcards="all").body)
    if names:
        es.indices.delete(index=",".join(names), ignore_unavailable=True)


@pytest.fixture
def live(portal) -> Iterator[str]:
    """The portal on a real HTTP server on 127.0.0.1."""
    with serve(portal.app) as url:
        yield url
