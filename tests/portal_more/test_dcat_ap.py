"""What the portal serves as DCAT is checked against the official DCAT-AP 3.0.1 shapes (SEMIC's split
`shapes.ttl`): every /dataset/<name>.ttl of the catalogue and the first Hydra page of /catalog.ttl.

The catalogue's records are real and not all conformant (W3C examples with literal formats, untitled
blank-node datasets, Shanghai rows without a summary), so the test does not ask for zero violations: it
asks that every violation traces back to the record as it came in (the source document, or the inventory
row as harvested), and that nothing Kaifang adds (the catalogue node, Hydra paging) is non-conformant.
Violations are compared by focus node (blank and skolemised nodes alike as "_"), path and shape."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from rdflib import Graph

from catalog.namespaces import DCAT, RDF
from catalog.rdf import parse
from catalog.validation import Report, Validator
from harvesters.inventory import inventory_to_dcat, load_mapping
from tests.portal_search.conftest import EXAMPLES, FIXTURES, WRITTEN, shanghai_rows

SHAPES = FIXTURES / "dcat-ap/3.0.1/shacl/shapes.ttl"
DCT_DESCRIPTION = "http://purl.org/dc/terms/description"
Key = tuple[str, str | None, str]


@pytest.fixture(scope="module")
def validator() -> Iterable[Validator]:
    with Validator([SHAPES]) as found:
        yield found


def _focus(node: str) -> str:
    """Blank nodes (in a source document) and their skolemised IRIs (in the store) compare equal."""
    return "_" if node.startswith(("_:", "https://kaifang.invalid/.well-known/genid/")) else node


def violations(report: Report) -> set[Key]:
    return {(_focus(f.focus), f.path, f.shape) for f in report.findings if f.severity == "Violation"}


def _served(site, validator) -> dict[str, set[Key]]:
    client, graphs = site.client(), []
    for stored in site.store.iter_datasets():
        response = client.get(f"/dataset/{stored.name}.ttl")
        assert response.status_code == 200
        graphs.append((stored.iri, Graph().parse(data=response.data, format="turtle")))
    return {iri: violations(report) for iri, report in validator.validate_many(graphs)}


def _sources(validator) -> tuple[set[Key], dict[str, tuple[dict, set[Key]]]]:
    """Violations of the source documents (whole files) and of each Shanghai row as harvested."""
    documents = [parse((FIXTURES / path).read_bytes(), format="turtle") for path in EXAMPLES]
    documents.append(Graph().parse(data=WRITTEN, format="turtle"))
    from_documents = set().union(*(violations(validator.validate(g)) for g in documents))
    mapping = load_mapping("shanghai")
    rows = {}
    for row in shanghai_rows():
        mapped = inventory_to_dcat(row, mapping)
        rows[str(mapped.node)] = (row, violations(validator.validate(mapped.graph)))
    return from_documents, rows


def test_served_dcat_violations_all_come_from_the_source_records(site, validator):
    served = _served(site, validator)
    documents, rows = _sources(validator)
    assert len(served) == site.store.count()
    for iri, found in served.items():
        if iri in rows:
            row, harvested = rows[iri]
            assert found == harvested, iri
            # The one way a Shanghai row falls short: its export has no summary (摘要) to map.
            assert {(focus, path) for focus, path, _shape in found} <= {(iri, DCT_DESCRIPTION)}
            assert bool(found) == ((row.get("摘要") or "").strip() in ("", "无", "暂无")), iri
        else:
            assert found <= documents, (iri, found - documents)
    assert any(served.values()) and not all(served.values())  # real findings, and conformant records


def test_catalog_page_adds_no_violation(site, validator):
    response = site.client().get("/catalog.ttl?page=1")
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")
    page = violations(validator.validate(graph))
    documents, rows = _sources(validator)
    harvested = set().union(*(found for _row, found in rows.values()))
    (catalog,) = {str(node) for node in graph.subjects(RDF.type, DCAT.Catalog) if "/catalog" in str(node)}
    assert len(set(graph.objects(None, DCAT.dataset))) == 100
    assert not {v for v in page if v[0] == catalog}, page
    assert page <= documents | harvested, page - documents - harvested
