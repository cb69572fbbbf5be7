"""The `ckan` source type: real recorded CKAN package dicts mapped to DCAT, and a gather over real HTTP from a
small local CKAN Action API that pages those packages like CKAN does."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from rdflib import Literal, URIRef

from catalog.model import from_graph
from catalog.namespaces import DCT, LOCN
from harvesters.ckan import CkanSource, ckan_to_dcat
from harvesters.http import GuardedClient
from harvesters.mapping import GEOJSON
from harvesters.source import HarvestError, SourceConfig

CKAN = Path(__file__).parents[1] / "fixtures" / "ckan-api"
UK = CKAN / "data.gov.uk-ckan-functional-tests" / "example_responses"
BASE = "https://ckan.example.org"
FT = "http://publications.europa.eu/resource/authority/file-type/"


def result(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))["result"]


def project(pkg, base=BASE):
    mapped = ckan_to_dcat(pkg, base)
    return mapped, from_graph(mapped.graph, mapped.node)


def all_packages() -> list[dict]:
    pkgs = [result(UK / "package_show.json"), *result(UK / "package_search.json")["results"],
            *result(CKAN / "demo.ckan.org-2017" / "packages.json")["results"]]
    return sorted(pkgs, key=lambda p: (p["metadata_modified"], p["id"]))


def test_data_gov_uk_package_show():
    mapped, d = project(result(UK / "package_show.json"))
    assert d.iri == f"{BASE}/dataset/5e2d4ec4-2df6-4c3f-b559-93321a213d29"
    assert d.title == {"": "UK continental shelf seabed sediments (1:1 million scale)"}
    assert d.publisher.name == {"": "British Geological Survey"}
    assert d.publisher.iri.startswith(f"{BASE}/organization/")
    assert len(d.distributions) == 1 and d.distributions[0].access_url == "http://www.bgs.ac.uk/"
    (place,) = d.spatial
    assert place.bbox == "POLYGON ((3.4 48.23, 3.4 63.89, -12 63.89, -12 48.23, 3.4 48.23))"
    geometry = next(mapped.graph.objects(next(mapped.graph.objects(mapped.node, DCT.spatial)), LOCN.geometry))
    assert geometry.datatype == GEOJSON and json.loads(geometry)["type"] == "Polygon"
    assert d.frequency.endswith("/frequency/IRREG")  # frequency-of-update asNeeded
    assert (d.issued, d.modified) == ("2011-11-10T08:30:44.293151", "2018-09-11T12:08:27.268889")
    assert d.contact and d.contact[0].email


def test_data_gov_uk_search_results():
    got = {p["name"][:20]: project(p)[1] for p in result(UK / "package_search.json")["results"]}
    chart = got["organisation-chart-c"]
    assert chart.publisher.name == {"": "Colchester Borough Council"}
    assert len(chart.distributions) == 5
    assert chart.formats == sorted(FT + f for f in ("CSV", "HTML", "JSON", "XML"))
    assert chart.license == "http://publications.europa.eu/resource/authority/licence/OGL_3_0"
    bees = got["pollinator-and-polli"]
    assert "bee" in bees.keywords[""] and len(bees.keywords[""]) == 13
    assert bees.spatial[0].bbox.startswith("POLYGON ((1.768 49.864")
    zip_dist = next(x for x in bees.distributions if x.format)
    assert zip_dist.format == FT + "ZIP" and zip_dist.download_url == zip_dist.access_url  # a .zip file


def test_demo_ckan_org_packages():
    got = {p["name"]: project(p)[1] for p in result(CKAN / "demo.ckan.org-2017" / "packages.json")["results"]}
    plants = got["100-validated-species-of-plants"]
    assert plants.title == {"": "100 Validated Species of Plants"}
    assert plants.keywords == {"": ["flower", "image recognition", "machine learning"]}
    assert plants.contact[0].name == {"": "TKKIM"} and plants.contact[0].email == "misoh049@gmail.com"
    (csv_dist,) = plants.distributions
    assert csv_dist.format == FT + "CSV" and csv_dist.download_url  # an upload
    sdb = got["2016-regione-asia-est-oceania-classi-di-eta"]
    assert sdb.publisher.name == {"": "SDB"} and sdb.keywords == {"": ["2016", "RASE", "età"]}


def test_open_canada_bilingual_record():
    lines = (CKAN / "open.canada.ca" / "obd_sample_2.jsonl").read_text(encoding="utf-8").splitlines()
    mapped, d = project(json.loads(lines[0]), "https://open.canada.ca/data")
    assert set(d.title) == {"en", "fr"} and set(d.description) == {"en", "fr"}
    assert d.description["fr"].startswith("Après deux augmentations annuelles")
    assert d.keywords["en"] == ["statcan"] and d.keywords["fr"] == ["statcan"]
    assert len(d.distributions) == 2 and d.formats == [FT + "PDF"]
    assert {x.title.get("fr") for x in d.distributions} == {"Res 1", "Res 2"}
    assert {x.download_url is not None for x in d.distributions} == {True}
    assert d.contact[0].email == "open-ouvert@tbs-sct.gc.ca"
    assert "theme: unknown eu-theme value 'persons', kept as keyword" in mapped.warnings


def test_hdx_package():
    mapped, d = project(json.loads((CKAN / "data.humdata.org" / "unesco_dataset.json").read_text()),
                        "https://data.humdata.org")
    assert d.title == {"": "Zimbabwe - Education Indicators"} and d.publisher.name == {"": "UNESCO"}
    assert len(d.distributions) == 9 and d.formats == [FT + "CSV"]
    assert {x.media_type for x in d.distributions} == {"https://www.iana.org/assignments/media-types/text/csv"}
    assert all(x.byte_size and x.byte_size > 1000 for x in d.distributions)
    assert d.themes == ["https://data.humdata.org/group/zwe"]  # a CKAN group that is no EU theme
    assert d.license == "http://creativecommons.org/licenses/by/3.0/igo/legalcode"
    assert (d.issued, d.modified) == ("2019-09-23T07:01:54.815854", "2022-12-19T12:51:37.469116")
    assert (mapped.node, DCT.identifier, Literal("f5d0ab3b-5549-486e-a619-1fc5702237f7")) in mapped.graph


def test_uri_extra_names_the_dataset():
    pkg = result(UK / "package_show.json") | {"extras": [{"key": "uri", "value": "https://id.example.org/ds/1"}]}
    assert project(pkg)[0].node == URIRef("https://id.example.org/ds/1")


def test_publisher_uri_extra_keeps_the_publishers_own_iri():
    """ckanext-dcat's publisher_* extras (which Kaifang's CKAN API writes too) win over the organisation."""
    pkg = result(UK / "package_show.json")
    extras = [{"key": "publisher_uri", "value": "https://id.example.org/agency/7"},
              {"key": "publisher_name", "value": "Agency Seven"},
              {"key": "publisher_email", "value": "open@agency7.example.org"}]
    d = project(pkg | {"extras": [*pkg.get("extras", []), *extras]})[1]
    assert d.publisher.iri == "https://id.example.org/agency/7"
    assert d.publisher.name == {"": "Agency Seven"}
    assert d.publisher.email == "open@agency7.example.org"


def test_without_publisher_uri_the_organisation_is_the_publisher():
    pkg = result(UK / "package_show.json")
    d = project(pkg)[1]
    assert d.publisher.iri == f"{BASE}/organization/{pkg['organization']['id']}"


def test_not_a_package_is_a_record_error():
    with pytest.raises(HarvestError, match="not a CKAN package"):
        ckan_to_dcat({"name": "no-id"}, BASE)


# -- gather over real HTTP --------------------------------------------------------------------------------
class FakeCkan(BaseHTTPRequestHandler):
    """package_search over the recorded packages, as CKAN answers it (POST JSON or GET query)."""

    packages: list[dict] = []
    seen: list[dict] = []
    mode = "ok"

    def do_GET(self) -> None:
        self._answer({k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})

    def do_POST(self) -> None:
        self._answer(json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}"))

    def _answer(self, query: dict) -> None:
        if urlsplit(self.path).path not in ("/api/action/package_search", "/api/3/action/package_search"):
            return self._send(404, {"success": False, "error": {"__type": "Not Found"}})
        type(self).seen.append(query)
        pkgs = self.packages
        if "metadata_modified:[" in query.get("fq", ""):
            since = query["fq"].split("[", 1)[1].split(" TO")[0].rstrip("Z")
            pkgs = [p for p in pkgs if p["metadata_modified"] >= since]
        start, rows = int(query.get("start", 0)), int(query.get("rows", 10))
        count = len(pkgs) + (start if self.mode == "growing" else 0)
        page = [] if self.mode == "short" and start > 0 else pkgs[start:start + rows]
        self._send(200, {"success": True, "result": {"count": count, "results": page}})

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture
def ckan_server():
    FakeCkan.packages, FakeCkan.seen, FakeCkan.mode = all_packages(), [], "ok"
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCkan)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def source(url: str, allow_private: bool = True, **config) -> CkanSource:
    return CkanSource(SourceConfig("t", url, "ckan", config={"rows": 3, **config}),
                      GuardedClient(allow_private=allow_private, retries=0))


def test_gather_pages_through_package_search(ckan_server):
    src = source(ckan_server)
    refs = list(src.gather())
    expected = all_packages()
    assert [r.remote_id for r in refs] == [p["id"] for p in expected]  # 8 packages, 3 per page
    assert refs[0].modified == expected[0]["metadata_modified"] and refs[0].payload["title"]
    assert [q["start"] for q in FakeCkan.seen] == [0, 3, 6, 8]
    assert {q["sort"] for q in FakeCkan.seen} == {"metadata_modified asc, id asc"}
    mapped = [from_graph(m.graph, m.node) for m in (src.to_dcat(r, src.fetch(r)) for r in refs)]
    assert all(d.title for d in mapped) and mapped[0].iri.startswith(f"{ckan_server}/dataset/")


def test_incremental_gather_sends_a_metadata_modified_bound(ckan_server):
    refs = list(source(ckan_server, since="2019-01-01").gather())
    assert FakeCkan.seen[0]["fq"] == "metadata_modified:[2019-01-01T00:00:00Z TO *]"
    assert refs and all(r.modified >= "2019-01-01" for r in refs)
    assert len(refs) < len(all_packages())


@pytest.mark.parametrize(("mode", "message"), [("short", "stopped at 3 of 8"), ("growing", "count changed")])
def test_a_cut_or_shifting_listing_fails_the_gather(ckan_server, mode, message):
    FakeCkan.mode = mode
    with pytest.raises(HarvestError, match=message):
        list(source(ckan_server).gather())


def test_ckanapi_requests_go_through_the_guard(ckan_server):
    with pytest.raises(HarvestError, match="private or reserved address"):
        list(source(ckan_server, allow_private=False).gather())


def test_a_site_that_is_not_ckan_fails_the_gather(ckan_server):
    with pytest.raises(HarvestError, match="package_search failed"):
        list(source(ckan_server + "/not-ckan").gather())
