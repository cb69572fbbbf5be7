"""The `dcat` source type end to end over HTTP, on SQLite and PostgreSQL: formats, paging, hostile XML."""

from __future__ import annotations

import uuid

import pytest
from rdflib.compare import isomorphic

from catalog.contexts import known_contexts
from catalog.rdf import parse
from catalog.records import split
from tests.harvest.conftest import FIXTURES, active, catalogue, dataset_iri, harvest

SINGLE_FILES = [
    "w3c-dcat3/examples/dataset-002.ttl",  # Turtle
    "w3c-dcat3/examples/csiro-dap-examples.rdf",  # RDF/XML
    "dcat-ap/3.0.1/examples/example-bee-population-dataset-series-issued.jsonld",  # JSON-LD, remote context
    "dcat-ap/2.1.1/examples/example1.nt",  # N-Triples
]

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY a "aaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/"
         xmlns:dcat="http://www.w3.org/ns/dcat#">
  <dcat:Dataset rdf:about="https://example.org/laughs"><dct:title>&d;</dct:title></dcat:Dataset>
</rdf:RDF>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/"
         xmlns:dcat="http://www.w3.org/ns/dcat#">
  <dcat:Dataset rdf:about="https://example.org/xxe"><dct:title>&secret;</dct:title></dcat:Dataset>
</rdf:RDF>"""


@pytest.mark.parametrize("relpath", SINGLE_FILES, ids=lambda p: p.rsplit(".", 1)[-1])
def test_single_document_is_harvested_record_by_record(store, server, relpath):
    url = server.fixture(relpath)
    report = harvest(store, f"single-{relpath}", url)
    expected, _ = split(parse((FIXTURES / relpath).read_bytes(), filename=relpath, base=url,
                              contexts=known_contexts()))
    assert report.status == "finished", report.fatal_error
    assert report.counts["added"] == len(expected) > 0
    assert set(active(store)) == {str(r.node) for r in expected}
    for record in expected:
        assert isomorphic(store.get(str(record.node)).graph(), record.graph), record.node


@pytest.mark.parametrize("old_hydra", [False, True], ids=["PartialCollectionView", "PagedCollection"])
def test_paged_catalogue_is_followed_to_the_end(store, server, old_hydra):
    name = f"paged-{old_hydra}-{uuid.uuid4().hex[:8]}"
    url = server.publish(name, catalogue(server.url(f"/{name}/"), list(range(25)), 10, old_hydra=old_hydra))
    report = harvest(store, name, url)
    assert report.status == "finished" and report.gather_complete
    assert report.counts["added"] == 25
    assert set(active(store)) == {dataset_iri(n) for n in range(25)}
    assert [server.hits[f"/{name}/{n}"] for n in (1, 2, 3)] == [1, 1, 1]


def test_page_loop_stops_the_gather_and_withdraws_nothing(store, server):
    url = server.publish("loop", catalogue(server.url("/loop/"), list(range(12)), 5))
    assert harvest(store, "loop", url).counts["added"] == 12
    server.publish("loop", catalogue(server.url("/loop/"), list(range(6)), 3, loop=True))
    report = harvest(store, "loop", url)
    assert report.status == "failed" and not report.gather_complete
    assert "page loop" in report.fatal_error
    assert report.counts["withdrawn"] == 0 and len(active(store)) == 12


def test_page_limit(store, server):
    url = server.publish("limit", catalogue(server.url("/limit/"), list(range(9)), 3))
    report = harvest(store, "limit", url, config={"max_pages": 2})
    assert report.status == "failed" and "more than 2 pages" in report.fatal_error
    assert report.counts["added"] == 6


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_hostile_xml_is_refused_and_nothing_is_lost(store, server, payload):
    name = f"xml-{len(payload)}"
    pages = catalogue(server.url(f"/{name}/"), list(range(8)), 4)
    url = server.publish(name, pages)
    assert harvest(store, name, url).counts["added"] == 8
    server.serve(f"/{name}/2", payload, "application/rdf+xml")
    report = harvest(store, name, url)
    assert report.status == "failed"
    assert "refused unsafe XML" in report.fatal_error and "\n" not in report.fatal_error
    assert report.counts["withdrawn"] == 0
    assert set(active(store)) == {dataset_iri(n) for n in range(8)}
    assert "aaaaaaaaaa" not in store.get(dataset_iri(5)).graph_nt


def test_validation_reports_are_stored_and_grouped_by_rule(store, server):
    from catalog.validation import Validator
    from harvesters.jobs import load_report

    name = f"validated-{uuid.uuid4().hex[:8]}"
    url = server.publish(name, catalogue(server.url(f"/{name}/"), list(range(6)), 3))
    shapes = [FIXTURES / "dcat-ap/3.0.1/shacl" / file for file in ("shapes.ttl", "shapes_recommended.ttl")]
    with Validator(shapes) as validator:
        report = harvest(store, name, url, validator=validator)
    assert report.counts["added"] == 6
    stored = store.get(dataset_iri(0)).report
    assert stored["content_hash"] == store.get(dataset_iri(0)).content_hash
    assert stored["counts"] == {"Violation": 0, "Warning": 11, "Info": 0}  # recommended properties missing
    grouped = load_report(store, report.job_id)["findings"]
    keyword = [rule for rule in grouped if rule["path"] == "http://www.w3.org/ns/dcat#keyword"]
    assert keyword == [{"severity": "Warning", "path": "http://www.w3.org/ns/dcat#keyword", "datasets": 6,
                        "shape": "http://data.europa.eu/r5r#Dataset_Shape property <http://www.w3.org/ns/dcat#keyword>"}]
    assert len(grouped) == 8 and all(rule["datasets"] == 6 for rule in grouped)
