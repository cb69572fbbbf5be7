"""Rewrite a SHACL shapes graph into one pyshacl validates faster, with exactly the same results.

pyshacl evaluates a property shape nested in a node shape (``N sh:property P``) focus node by focus
node, re-reading its parameters and constructing its constraints each time; a property shape with
targets of its own is evaluated once for all its focus nodes. :func:`flatten` therefore gives each
such ``P`` a copy ``P'`` carrying ``N``'s targets and removes ``N sh:property P``. SHACL defines the
results of ``N sh:property P`` on a focus node as those of validating it against ``P``, and ``P'``
has ``N``'s focus nodes, so the results are the same ones, one for one (duplicates included: a
property shape shared by two node shapes gets one copy each), except that their sh:sourceShape is
``P'``: the returned mapping leads back to ``P``.

Only rewritten when provably the same for pyshacl (otherwise left nested):

- ``N`` is targeted only by sh:targetClass/targetNode/targetObjectsOf/targetSubjectsOf or as an
  implicit class, and has no sh:target, no sh:deactivated and no sh:closed other than false (a closed
  shape reads its sh:property list);
- no shape refers to ``N`` (sh:node, sh:property, sh:not, sh:qualifiedValueShape, sh:and/or/xone),
  so ``N`` is only ever evaluated on its targets;
- ``P`` has exactly one sh:path (a well-formed property shape: pyshacl's error on a malformed one is
  kept), is not a node shape, and every reference to it is an sh:property of such an ``N`` (so no
  evaluation path can come back to ``P``: recursion detection is unchanged; paths only get one step
  shorter, which pyshacl's limit of 15 nested shapes alone could notice);
- no property shape of ``N`` has sh:qualifiedValueShapesDisjoint (it looks for siblings through
  its parents' sh:property).

``P`` itself stays (with any targets of its own), so nothing it did before is lost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace
from rdflib.term import Node

SH = Namespace("http://www.w3.org/ns/shacl#")
TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)
_SHAPE_EXPECTING = (SH.node, SH.property, SH["not"], SH.qualifiedValueShape)
_SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)


def flatten(shapes: Graph, out: Graph) -> dict[Node, Node]:
    """Add a flattened copy of ``shapes`` to ``out``; ``{copy: original}`` for the property shapes made."""
    for triple in shapes:
        out.add(triple)
    references: dict[Node, list[tuple[Node, Node]]] = {}
    for predicate in _SHAPE_EXPECTING:
        for subject, shape in shapes.subject_objects(predicate):
            references.setdefault(shape, []).append((subject, predicate))
    for predicate in _SHAPE_LISTS:
        for subject, members in shapes.subject_objects(predicate):
            for shape in shapes.items(members):
                references.setdefault(shape, []).append((subject, predicate))

    owners = {owner for owner, _ in shapes.subject_objects(SH.property)}
    flat = {owner for owner in owners if _flattenable(shapes, owner, references)}
    origin: dict[Node, Node] = {}
    for owner, prop in shapes.subject_objects(SH.property):
        if owner not in flat or not _movable(shapes, prop, references, flat):
            continue
        copy = BNode()
        origin[copy] = prop
        for predicate, value in shapes.predicate_objects(prop):
            out.add((copy, predicate, value))
        for target in TARGETS:
            for value in shapes.objects(owner, target):
                out.add((copy, target, value))
        if _implicit_class(shapes, owner):
            out.add((copy, SH.targetClass, owner))
        out.remove((owner, SH.property, prop))
        out.add((owner, RDF.type, SH.NodeShape))  # stays a shape without sh:property
    return origin


def _flattenable(shapes: Graph, node: Node, references: dict) -> bool:
    if node in references or (node, SH.path, None) in shapes:
        return False
    if any((node, p, None) in shapes for p in (SH.target, SH.deactivated)):
        return False
    if any(value != Literal(False) for value in shapes.objects(node, SH.closed)):
        return False
    if any((p, SH.qualifiedValueShapesDisjoint, None) in shapes for p in shapes.objects(node, SH.property)):
        return False
    return _implicit_class(shapes, node) or any((node, t, None) in shapes for t in TARGETS)


def _movable(shapes: Graph, prop: Node, references: dict, flat: set) -> bool:
    return (len(list(shapes.objects(prop, SH.path))) == 1 and (prop, RDF.type, SH.NodeShape) not in shapes
            and all(predicate == SH.property and owner in flat for owner, predicate in references[prop]))


def _implicit_class(shapes: Graph, node: Node) -> bool:
    """pyshacl's rule: a shape typed rdfs:Class (or a declared subclass of it) targets its instances."""
    classes = {RDFS.Class, *shapes.subjects(RDFS.subClassOf, RDFS.Class)}
    return any(t in classes for t in shapes.objects(node, RDF.type))


def graph_hash(graph: Graph) -> str:
    """SHA-256 of a graph's triples that does not depend on blank-node labels: each blank node is named
    by a digest of its outgoing triples, recursively (a blank-node cycle, never seen in shapes, is cut
    where it closes: "_:")."""
    names: dict[Node, str] = {}

    def children(node: Node) -> Iterator[Node]:
        return (o for o in graph.objects(node) if isinstance(o, BNode))

    for root in {s for s in graph.subjects() if isinstance(s, BNode)} - names.keys():
        stack, open_ = [(root, children(root))], {root}  # depth-first, without recursion: long lists
        while stack:
            node, todo = stack[-1]
            child = next(todo, None)
            if child is not None:
                if child not in names and child not in open_:
                    stack.append((child, children(child)))
                    open_.add(child)
                continue
            stack.pop()
            open_.discard(node)
            lines = sorted(f"{p.n3()} {names.get(o, '_:') if isinstance(o, BNode) else o.n3()}"
                           for p, o in graph.predicate_objects(node))
            names[node] = "_:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()
    lines = sorted(" ".join(names.get(t) or t.n3() for t in triple) for triple in graph)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
