"""catalog.canonical against rdflib's canonical labelling on every record of every RDF fixture: the same
text exactly when the graphs are isomorphic, byte-identical text for graphs without blank nodes."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from catalog import rdf
from catalog.canonical import canonical_nt, tree_labels
from catalog.contexts import known_contexts
from catalog.records import split
from tests.harvest.conftest import FIXTURES

EX = "https://example.org/"


def fixture_graphs() -> list[Graph]:
    """Every record (and each file's remainder) of every RDF fixture that parses."""
    graphs = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix not in (".ttl", ".rdf", ".jsonld", ".nt"):
            continue
        try:
            parsed = rdf.parse(path.read_bytes(), filename=path.name, contexts=known_contexts())
        except rdf.RDFError:
            continue
        records, remainder = split(parsed)
        graphs += [record.graph for record in records] + [remainder]
    return graphs


GRAPHS = fixture_graphs()


def relabelled(graph: Graph, seed: int) -> Graph:
    """The same graph with fresh blank-node labels, built in another order."""
    fresh: dict = defaultdict(BNode)
    triples = [tuple(fresh[t] if isinstance(t, BNode) else t for t in triple) for triple in graph]
    random.Random(seed).shuffle(triples)
    out = Graph()
    for triple in triples:
        out.add(triple)
    return out


def test_fixtures_have_records_with_blank_nodes():
    with_bnodes = [g for g in GRAPHS if any(isinstance(t, BNode) for triple in g for t in triple)]
    assert len(GRAPHS) > 300 and len(with_bnodes) > 100


def test_same_text_exactly_for_isomorphic_records():
    """Partition all fixture records by text: it must be the partition rdflib's canonical form gives."""
    fast, reference = defaultdict(set), defaultdict(set)
    for index, graph in enumerate(GRAPHS):
        fast[canonical_nt(graph)].add(index)
        reference[rdf.canonical_nt(graph)].add(index)
    assert sorted(map(sorted, fast.values())) == sorted(map(sorted, reference.values()))


@pytest.mark.parametrize("seed", [1, 2])
def test_relabelling_and_order_do_not_change_the_text(seed):
    for graph in GRAPHS:
        assert canonical_nt(relabelled(graph, seed)) == canonical_nt(graph)


def test_graphs_without_blank_nodes_give_the_old_text():
    plain = [g for g in GRAPHS if not any(isinstance(t, BNode) for triple in g for t in triple)]
    assert plain and all(canonical_nt(g) == rdf.canonical_nt(g) for g in plain)


def test_indistinguishable_or_cyclic_blank_nodes_fall_back_and_stay_exact():
    node, dist = URIRef(EX + "d"), URIRef("http://www.w3.org/ns/dcat#distribution")
    title = URIRef("http://purl.org/dc/terms/title")
    one, two = Graph(), Graph()
    for graph, count in ((one, 1), (two, 2)):
        for _ in range(count):  # two blank distributions with identical descriptions
            blank = BNode()
            graph.add((node, dist, blank))
            graph.add((blank, title, Literal("CSV")))
    assert not isomorphic(one, two) and canonical_nt(one) != canonical_nt(two)
    assert canonical_nt(two) == canonical_nt(relabelled(two, 3))
    cycle = Graph()
    a, b = BNode(), BNode()
    cycle.add((a, title, b))
    cycle.add((b, title, a))
    with pytest.raises(Exception, match="cycle"):
        tree_labels(cycle)
    assert canonical_nt(cycle) == rdf.canonical_nt(cycle) == canonical_nt(relabelled(cycle, 4))
