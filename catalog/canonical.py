"""Canonical N-Triples in linear time for the usual DCAT record, rdflib's algorithm for the rest.

rdflib's `to_canonical_graph` (the general graph-isomorphism labelling) costs about 1 ms for an ordinary
record with a few blank nodes (distributions, contact point, period of time), more than parsing it.
Those blank nodes almost always form a tree (or a DAG) hanging off IRIs, and then a cheaper labelling
is exact: a blank node is named by the hash of its sorted outgoing triples, with the objects that are
blank nodes replaced by their own names (computed first, recursively).

Why that is exact: the name depends only on structure, so isomorphic graphs get the same text; and
when no two blank nodes of a graph share a name (checked), renaming is a bijection, so equal text means
isomorphic graphs. Graphs with a blank-node cycle, or two blank nodes that the hash cannot tell apart
(identical descriptions, e.g. two empty nodes), go to rdflib's algorithm; which path a graph takes is
itself a structural property, so isomorphic graphs always take the same one.

Graphs without blank nodes give byte-for-byte the text of `catalog.rdf.canonical_nt`; labels of blank
nodes differ from rdflib's (so stored hashes of records with blank nodes change once).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from rdflib import BNode, Graph, Literal
from rdflib.plugins.serializers.nt import _nt_row, _quoteLiteral
from rdflib.term import Node

from catalog import rdf

LABEL_PREFIX = "h"  # names start with a letter, as N-Triples blank-node labels should


class _NotATree(Exception):
    """The fast labelling does not apply (cycle, too deep, or indistinguishable blank nodes)."""


def canonical_nt(graph: Graph) -> str:
    """Sorted N-Triples with canonical blank-node labels: isomorphic graphs give equal text, others not."""
    try:
        labels = tree_labels(graph)
    except _NotATree:
        return rdf.canonical_nt(graph)
    rows = "".join(_nt_row(tuple(labels.get(term, term) for term in triple)) for triple in graph)
    lines = sorted(line for line in rows.splitlines() if line.strip())  # as catalog.rdf.canonical_nt
    return "".join(line + "\n" for line in lines)


def content_hash(graph: Graph) -> str:
    return hashlib.sha256(canonical_nt(graph).encode("utf-8")).hexdigest()


def tree_labels(graph: Graph) -> dict[Node, BNode]:
    """Structural names for every blank node; raises _NotATree when they would not be exact."""
    outgoing: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    bnodes: set[Node] = set()
    for s, p, o in graph:
        if isinstance(s, BNode):
            outgoing[s].append((p, o))
            bnodes.add(s)
        if isinstance(o, BNode):
            bnodes.add(o)
    names: dict[Node, str] = {}
    for node in bnodes:
        _name(node, outgoing, names, set())
    if len(set(names.values())) != len(names):
        raise _NotATree("two blank nodes have the same description")
    return {node: BNode(name) for node, name in names.items()}


def _name(node: Node, outgoing: dict[Node, list[tuple[Node, Node]]], names: dict[Node, str],
          path: set[Node]) -> str:
    """Depth-first; `path` holds the blank nodes being named above this one (a repeat is a cycle)."""
    known = names.get(node)
    if known is not None:
        return known
    if node in path or len(path) > 200:
        raise _NotATree("blank-node cycle or very deep nesting")
    path.add(node)
    parts = sorted(f"{p.n3()} " + ("_:" + _name(o, outgoing, names, path) if isinstance(o, BNode)
                                   else _term(o)) for p, o in outgoing.get(node, ()))
    path.discard(node)
    names[node] = LABEL_PREFIX + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]
    return names[node]


def _term(term: Node) -> str:
    return _quoteLiteral(term) if isinstance(term, Literal) else term.n3()

