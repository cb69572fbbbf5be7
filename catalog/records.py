"""Split a DCAT catalogue graph into one record per dataset, series or service, and join them back.

A record is what Kaifang stores, validates, indexes and hashes on its own, so it must carry
everything needed to understand the dataset: the dataset's own triples plus, recursively, the
descriptions of the blank nodes and resources it points to (distributions, publisher, contact point,
periods of time, locations, checksums, qualified relations …). The walk stops at other records
(kept as links only), at catalogues and at catalogue records, and never follows ``rdf:type`` into
class definitions. A resource used by several datasets is copied into each of them, so a record
never depends on another one being present.

Blank-node datasets need a stable name to be stored under: they are skolemised to
``SKOLEM_PREFIX + sha256(canonical description)[:32]`` (the same content always gives the same IRI,
whatever the parser's blank-node labels were); :func:`join` turns those IRIs back into blank nodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import RDF, RDFS, BNode, Graph, Namespace, URIRef
from rdflib.term import Node

from catalog.rdf import TripleIndex, content_hash

DCAT = Namespace("http://www.w3.org/ns/dcat#")
FOAF_PRIMARY_TOPIC = URIRef("http://xmlns.com/foaf/0.1/primaryTopic")
SKOLEM_PREFIX = "https://kaifang.invalid/.well-known/genid/"

# Most specific first: a node typed both Dataset and DatasetSeries is a series.
KINDS = (DCAT.DatasetSeries, DCAT.DataService, DCAT.Dataset)
# Links that imply the kind of an untyped object.
IMPLIED = {
    DCAT.dataset: DCAT.Dataset,
    DCAT.service: DCAT.DataService,
    DCAT.servesDataset: DCAT.Dataset,
    DCAT.inSeries: DCAT.DatasetSeries,
    DCAT.seriesMember: DCAT.Dataset,
}
CATALOG_LINKS = (DCAT.dataset, DCAT.service, DCAT.catalog, DCAT.record)


@dataclass
class Record:
    """One dataset, series or service with its concise (extended) description."""

    node: URIRef | BNode
    kind: URIRef
    graph: Graph  # a TripleIndex when split was given one (harvested pages: catalog.rdf.parse_index)


def split(graph: Graph) -> tuple[list[Record], Graph]:
    """Return the records of ``graph`` (sorted by node) and the remainder that no record owns. Given a
    :class:`catalog.rdf.TripleIndex`, the records and remainder are TripleIndexes too."""
    kinds = _find_records(graph)
    skolem = _skolem_names(graph, kinds)
    if skolem:
        graph = _rename(graph, skolem)
        kinds = {skolem.get(node, node): kind for node, kind in kinds.items()}
    stops = set(kinds) | _catalog_nodes(graph)
    records, owned = [], set()
    for node in sorted(kinds, key=str):
        nodes = _describe(graph, node, stops)
        owned |= nodes
        records.append(Record(node, kinds[node], _subgraph(graph, nodes)))
    return records, _remainder(graph, owned)


def join(records: Iterable[Graph], remainder: Graph | None = None) -> Graph:
    """Union of record graphs (and remainder), with skolemised dataset IRIs made blank again."""
    merged = Graph()
    for part in [*records, *([remainder] if remainder is not None else [])]:
        merged += part
    mapping = {term: BNode(term[len(SKOLEM_PREFIX):]) for triple in merged for term in triple
               if isinstance(term, URIRef) and term.startswith(SKOLEM_PREFIX)}
    return _rename(merged, mapping) if mapping else merged


def _find_records(graph: Graph) -> dict[Node, URIRef]:
    """Typed datasets/series/services (subclasses declared in the graph count) and implied ones."""
    catalogs = set(graph.subjects(RDF.type, DCAT.Catalog))
    found: dict[Node, URIRef] = {}
    for kind in reversed(KINDS):  # later (more specific) kinds overwrite earlier ones
        for cls in _subclasses(graph, kind) - {DCAT.Catalog}:
            for node in graph.subjects(RDF.type, cls):
                found[node] = kind
    for link, kind in IMPLIED.items():
        for node in graph.objects(None, link):
            if node not in found and (node, None, None) in graph:
                found[node] = kind
    return {node: kind for node, kind in found.items()
            if node not in catalogs and isinstance(node, URIRef | BNode)}


def _subclasses(graph: Graph, cls: URIRef) -> set[Node]:
    return set(graph.transitive_subjects(RDFS.subClassOf, cls))


def _catalog_nodes(graph: Graph) -> set[Node]:
    """Catalogues and catalogue records: walls a record's description never crosses."""
    nodes = set(graph.subjects(RDF.type, DCAT.Catalog)) | set(graph.subjects(RDF.type, DCAT.CatalogRecord))
    for link in CATALOG_LINKS:
        nodes.update(graph.subjects(link, None))
    nodes.update(graph.objects(None, DCAT.record))
    nodes.update(graph.objects(None, DCAT.catalog))
    return nodes


def _describe(graph: Graph, start: Node, stops: set[Node]) -> set[Node]:
    """The subjects whose triples belong to ``start``'s record."""
    nodes, todo = {start}, [start]
    while todo:
        for pred, obj in graph.predicate_objects(todo.pop()):
            if (pred != RDF.type and obj not in nodes and obj not in stops
                    and isinstance(obj, URIRef | BNode) and (obj, None, None) in graph):
                nodes.add(obj)
                todo.append(obj)
    return nodes


def _subgraph(graph: Graph, subjects: Iterable[Node]) -> Graph:
    if isinstance(graph, TripleIndex):
        return TripleIndex.of_subjects(graph, subjects)  # type: ignore[return-value]
    out = Graph()
    for subject in subjects:
        for pred, obj in graph.predicate_objects(subject):
            out.add((subject, pred, obj))
    return out


def _remainder(graph: Graph, owned: set[Node]) -> Graph:
    """Triples no record owns, plus the blank nodes they use, so the remainder stands alone."""
    subjects = {s for s in graph.subjects(unique=True) if s not in owned}
    todo = [o for s in subjects for o in graph.objects(s) if isinstance(o, BNode) and o not in subjects]
    while todo:
        node = todo.pop()
        if node not in subjects:
            subjects.add(node)
            todo.extend(o for o in graph.objects(node) if isinstance(o, BNode))
    return _subgraph(graph, subjects)


def _skolem_names(graph: Graph, kinds: dict[Node, URIRef]) -> dict[Node, URIRef]:
    """Stable IRIs for blank-node records, from the hash of their description."""
    stops = set(kinds) | _catalog_nodes(graph)
    names: dict[Node, URIRef] = {}
    used: set[URIRef] = set()
    for node in (n for n in kinds if isinstance(n, BNode)):
        digest = content_hash(_subgraph(graph, _describe(graph, node, stops)))[:32]
        name, count = URIRef(SKOLEM_PREFIX + digest), 1
        while name in used:  # identical content: any order gives the same result
            count += 1
            name = URIRef(f"{SKOLEM_PREFIX}{digest}-{count}")
        used.add(name)
        names[node] = name
    return names


def _rename(graph: Graph, mapping: dict[Node, Node]) -> Graph:
    out = TripleIndex() if isinstance(graph, TripleIndex) else Graph()
    for triple in graph:
        out.add(tuple(mapping.get(term, term) for term in triple))  # type: ignore[arg-type]
    return out
