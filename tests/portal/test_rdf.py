"""DCAT out: per-dataset content negotiation, the whole catalogue, Hydra paging, data.json."""

from __future__ import annotations

import json

import jsonschema
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from catalog.importer import import_file
from catalog.namespaces import DCAT, HYDRA, RDF

FORMATS = [("text/turtle", "ttl", "turtle"), ("application/rdf+xml", "rdf", "xml"),
           ("application/ld+json", "jsonld", "json-ld"), ("application/n-triples", "nt", "nt")]


@pytest.mark.parametrize(("media", "ext", "fmt"), FORMATS)
def test_a_dataset_in_each_rdf_format_by_accept_and_by_extension(site, media, ext, fmt):
    stored = site.store.get_by_name(site.bilingual)
    for response in (site.client().get(f"/dataset/{site.bilingual}", headers={"Accept": media}),
                     site.client().get(f"/dataset/{site.bilingual}.{ext}")):
        assert response.status_code == 200
        assert response.mimetype == media
        assert isomorphic(Graph().parse(data=response.get_data(), format=fmt), stored.graph())
    assert "Accept" in site.client().get(f"/dataset/{site.bilingual}", headers={"Accept": media}).vary


def test_browsers_get_html(site):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = site.client().get(f"/dataset/{site.bilingual}", headers={"Accept": accept})
    assert response.mimetype == "text/html"
    assert site.client().get(f"/dataset/{site.bilingual}.xyz").status_code == 404


@pytest.mark.parametrize(("media", "ext", "fmt"), FORMATS)
def test_the_whole_catalogue(site, media, ext, fmt):
    response = site.client().get(f"/catalog.{ext}")
    assert response.status_code == 200 and response.mimetype == media
    graph = Graph().parse(data=response.get_data(), format=fmt)
    iris = {s.iri for s in site.store.iter_datasets()}
    catalog = URIRef("http://localhost/catalog")
    assert set(map(str, graph.objects(catalog, DCAT.dataset))) == iris
    # the records plus the catalogue's type, title, homepage and one dcat:dataset link per record
    assert len(graph) == len(site.store.export_graph()) + 7 + len(iris)
    assert site.client().get("/catalog", headers={"Accept": media}).mimetype == media


def test_the_nt_dump_is_streamed(site):
    response = site.client().get("/catalog.nt")
    assert response.is_streamed
    stored = site.store.export_graph()
    dump = Graph().parse(data=response.get_data(), format="nt")
    assert len(dump) == len(stored) + 7 + site.store.count()


def test_hydra_pages_walk_the_whole_catalogue(site, tmp_path):
    """250 more records (3 pages): a harvester following hydra:next from page 1 sees every record once."""
    lines = ["@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> ."]
    lines += [f'<https://bulk.example/d/{i}> a dcat:Dataset ; dct:title "Bulk {i}"@en .' for i in range(250)]
    (tmp_path / "bulk.ttl").write_text("\n".join(lines), encoding="utf-8")
    assert import_file(site.store, tmp_path / "bulk.ttl").ok
    total = site.store.count()
    url, seen, pages = "/catalog.ttl?page=1", [], 0
    while url:
        response = site.client().get(url)
        assert response.status_code == 200 and response.mimetype == "text/turtle"
        graph = Graph().parse(data=response.get_data(), format="turtle")
        view = next(graph.subjects(RDF.type, HYDRA.PartialCollectionView))
        catalog = URIRef("http://localhost/catalog")
        assert int(graph.value(catalog, HYDRA.totalItems)) == total
        assert str(graph.value(view, HYDRA.first)).endswith("page=1")
        assert str(graph.value(view, HYDRA.last)).endswith(f"page={-(-total // 100)}")
        assert (graph.value(view, HYDRA.previous) is None) == (pages == 0)
        seen += [str(o) for o in graph.objects(catalog, DCAT.dataset)]
        following = graph.value(view, HYDRA.next)
        url = str(following).removeprefix("http://localhost") if following else None
        pages += 1
    assert pages == 3 and len(seen) == total and set(seen) == {s.iri for s in site.store.iter_datasets()}
    assert site.client().get("/catalog.ttl?page=4").status_code == 404
    assert site.client().get("/catalog.ttl?page=0").status_code == 404


def test_data_json_is_a_dcat_us_catalog(site, fixtures):
    response = site.client().get("/data.json?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/json" and response.is_streamed
    catalog = json.loads(response.get_data(as_text=True))
    assert catalog["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    assert len(catalog["dataset"]) == site.store.count()
    schema_path = fixtures / "dcat-us/schema-v1.1-datagov-harvester/non-federal_dataset.json"
    schema = json.loads(schema_path.read_text())
    entry = next(d for d in catalog["dataset"] if d["identifier"].endswith("/dataset/air-quality"))
    jsonschema.validate(entry, schema)
    assert entry["title"] == "Daily air quality" and entry["accrualPeriodicity"] == "R/P1D"
    assert entry["temporal"] == "2020-01-01/2023-12-31" and entry["language"] == ["zh"]
    assert entry["distribution"][0]["downloadURL"] == "https://data.example.cn/files/air.csv"
    contact = {"@type": "vcard:Contact", "fn": "数据办", "hasEmail": "mailto:data@example.cn"}
    assert entry["contactPoint"] == contact
