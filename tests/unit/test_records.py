"""catalog.records: splitting real DCAT catalogues into dataset records and joining them back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.compare import isomorphic

from catalog.rdf import RDFError, parse
from catalog.records import DCAT, SKOLEM_PREFIX, join, split

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DCAT_AP_CONTEXT = "https://semiceu.github.io/uri.semic.eu-generated/DCAT-AP/releases/3.0.0/html/examples/context.jsonld"
CONTEXTS = {DCAT_AP_CONTEXT: json.loads((FIXTURES / "dcat-ap/3.0.1/examples/context.jsonld").read_bytes())}
W3C = FIXTURES / "w3c-dcat3/examples"
DCT_TITLE = URIRef("http://purl.org/dc/terms/title")


def load(path: Path) -> Graph:
    return parse(path.read_bytes(), filename=path.name, contexts=CONTEXTS)


def parseable() -> list[Path]:
    found = []
    for folder in ("dcat-ap/3.0.1/examples", "w3c-dcat3/examples"):
        for path in sorted((FIXTURES / folder).iterdir()):
            if path.name == "context.jsonld":
                continue
            try:
                load(path)
            except RDFError:
                continue  # the two known-broken upstream Turtle files
            found.append(path)
    return found


EXAMPLES = parseable()


def test_enough_examples() -> None:
    assert len(EXAMPLES) > 100


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_join_of_split_is_the_original(path: Path) -> None:
    graph = load(path)
    records, remainder = split(graph)
    assert isomorphic(join([r.graph for r in records], remainder), graph)
    for record in records:
        assert (record.node, None, None) in record.graph
        for catalog in graph.subjects(RDF.type, DCAT.Catalog):
            assert (catalog, None, None) not in record.graph


def test_record_owns_its_distribution_and_blank_nodes_but_not_the_catalog() -> None:
    graph = load(W3C / "basic-example.ttl")
    records, remainder = split(graph)
    assert [str(r.node) for r in records] == ["https://dcat.example.org/dataset-001"]
    record = records[0].graph
    assert (URIRef("https://dcat.example.org/dataset-001-csv"), DCAT.downloadURL, None) in record
    temporal = record.value(records[0].node, URIRef("http://purl.org/dc/terms/temporal"))
    assert isinstance(temporal, BNode) and (temporal, DCAT.startDate, None) in record
    assert (URIRef("https://dcat.example.org/catalog"), None, None) in remainder
    assert (URIRef("https://dcat.example.org/catalog"), None, None) not in record


def test_shared_agents_are_copied_into_every_record_using_them() -> None:
    graph = load(W3C / "csiro-dap-examples.ttl")
    records, _ = split(graph)
    agent = URIRef("https://data.csiro.au/dataset/B_Joshi")
    holders = [r for r in records if (agent, None, None) in r.graph]
    assert len(holders) >= 2
    description = set(graph.triples((agent, None, None)))
    for record in holders:
        assert set(record.graph.triples((agent, None, None))) == description


def test_series_and_members_are_separate_records_linked_only() -> None:
    graph = load(W3C / "series-membership.ttl")
    records, _ = split(graph)
    kinds = {str(r.node): r.kind for r in records}
    assert kinds["http://dcat.example.org/budget"] == DCAT.DatasetSeries
    assert kinds["http://dcat.example.org/budget-2018"] == DCAT.Dataset
    member = next(r.graph for r in records if str(r.node) == "http://dcat.example.org/budget-2018")
    series = URIRef("http://dcat.example.org/budget")
    assert (None, DCAT.inSeries, series) in member
    assert (series, DCT_TITLE, None) not in member


def test_untyped_datasets_implied_by_the_catalog_are_found() -> None:
    graph = load(W3C / "basic-example.ttl")
    dataset = URIRef("https://dcat.example.org/dataset-001")
    graph.remove((dataset, RDF.type, None))
    records, remainder = split(graph)
    assert [(r.node, r.kind) for r in records] == [(dataset, DCAT.Dataset)]
    assert isomorphic(join([r.graph for r in records], remainder), graph)


def test_services_are_records_too() -> None:
    records, _ = split(load(W3C / "service1.ttl"))
    assert [r.kind for r in records] == [DCAT.DataService]


def test_blank_node_datasets_get_a_stable_skolem_iri() -> None:
    path = W3C / "csiro-stratchart-sdo.ttl"
    first, second = split(load(path))[0], split(load(path))[0]  # fresh blank-node labels each parse
    assert [r.node for r in first] == [r.node for r in second]
    node = first[0].node
    assert isinstance(node, URIRef) and node.startswith(SKOLEM_PREFIX)
    graph = load(path)
    records, remainder = split(graph)
    joined = join([r.graph for r in records], remainder)
    assert not any(str(t).startswith(SKOLEM_PREFIX) for triple in joined for t in triple)
    assert isomorphic(joined, graph)


def test_no_records_when_there_are_no_dcat_resources() -> None:
    graph = load(W3C / "dryad-globtherm-sdata.ttl")  # schema.org only
    records, remainder = split(graph)
    assert records == [] and isomorphic(remainder, graph)
