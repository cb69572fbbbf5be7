"""A direct evaluator for shapes graphs that use only SHACL's simplest parts, with pyshacl's exact results.

Kaifang's own profile (vocab/shapes/kaifang-dcat-ap.ttl, flattened by :mod:`catalog.shacl_compile`) is
targeted property shapes with one IRI path and sh:minCount, sh:maxCount, sh:nodeKind, sh:datatype, sh:in,
sh:pattern and sh:or over value-only shapes. pyshacl spends ~3 ms a record finding focus and value nodes
through rdflib graph queries, constructing each constraint anew and writing a result graph; the same checks
over one record's triples, indexed once in dicts, take a tenth of that, so validation runs in the calling
process (no worker processes, no pickling of triples).

Same results as pyshacl, by construction: the shapes pyshacl harvested (``ShapesGraph.shapes``) are the ones
evaluated; each constraint is pyshacl's own component instance (so its parameters are read, and malformed
ones refused, by pyshacl), and each check below is a transcription of that component's ``evaluate``
(``Datatype`` even calls pyshacl's ``_assert_actual_datatype``). Anything else in the shapes (another
constraint component, a path that is not an IRI, sh:target, SPARQL, a shape without sh:message, whose
generic message pyshacl would write, nested sh:property or sh:node, an ontology or inference) makes
:func:`compile_fast` return None and the validator keeps using pyshacl. tests/unit/test_validation_fast.py
compares both on every fixture record and on edge cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
from pyshacl.constraints.core.cardinality_constraints import (
    MaxCountConstraintComponent,
    MinCountConstraintComponent,
)
from pyshacl.constraints.core.logical_constraints import OrConstraintComponent
from pyshacl.constraints.core.other_constraints import InConstraintComponent
from pyshacl.constraints.core.string_based_constraints import PatternConstraintComponent
from pyshacl.constraints.core.value_constraints import (
    DatatypeConstraintComponent,
    NodeKindConstraintComponent,
)
from rdflib import RDF, RDFS, BNode, Literal, Namespace, URIRef
from rdflib.term import Identifier, Node

SH = Namespace("http://www.w3.org/ns/shacl#")
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")
_BNODE_KINDS = {SH.BlankNode, SH.BlankNodeOrLiteral, SH.BlankNodeOrIRI}
_LITERAL_KINDS = {SH.Literal, SH.BlankNodeOrLiteral, SH.IRIOrLiteral}
_IRI_KINDS = {SH.IRI, SH.IRIOrLiteral, SH.BlankNodeOrIRI}
_VALUE_ONLY = (DatatypeConstraintComponent, NodeKindConstraintComponent, InConstraintComponent,
               PatternConstraintComponent)
_SUPPORTED = (*_VALUE_ONLY, MinCountConstraintComponent, MaxCountConstraintComponent, OrConstraintComponent)
_PARAMETERS = frozenset(ALL_CONSTRAINT_PARAMETERS)
_TYPE, _SUBCLASS = RDF.type, RDFS.subClassOf
_NONE: list[Node] = []

Triple = tuple[Node, Node, Node]


class Unsupported(Exception):
    """The shapes use something this evaluator does not transcribe: pyshacl validates instead."""


@dataclass
class _Check:
    """One constraint component of one shape: `kind` and what its evaluation needs."""

    kind: type
    component: Any
    iri: str
    arg: Any = None


@dataclass
class _Shape:
    node: Node
    name: str
    path: URIRef | None
    severity: str
    message: dict[str, str]
    checks: list[_Check]
    target_nodes: tuple[Node, ...]
    target_classes: tuple[Node, ...]
    objects_of: tuple[Node, ...]
    subjects_of: tuple[Node, ...]

    targets: tuple = ()
    path_text: str | None = None

    def __post_init__(self) -> None:
        self.targets = (self.target_nodes, self.target_classes, self.objects_of, self.subjects_of)
        self.path_text = None if self.path is None else str(self.path)


class FastEngine:
    """Validate one record's triples against compiled simple shapes; findings as pyshacl gives them."""

    def __init__(self, shapes: list[_Shape]) -> None:
        self.shapes = shapes

    def run(self, triples: Iterable[Triple]) -> list:
        from catalog.validation import Finding, _term_text  # the module that imports this one

        out: dict[Node, dict[Node, list[Node]]] = {}
        by_predicate: dict[Node, list[tuple[Node, Node]]] = {}
        for s, p, o in set(triples):  # a graph holds each triple once
            out.setdefault(s, {}).setdefault(p, []).append(o)
            by_predicate.setdefault(p, []).append((s, o))
        typed: dict[Node, list[Node]] = {}
        for s, o in by_predicate.get(_TYPE, ()):
            typed.setdefault(o, []).append(s)
        subclass: dict[Node, list[Node]] = {}
        for s, o in by_predicate.get(_SUBCLASS, ()):
            subclass.setdefault(o, []).append(s)
        focus_of: dict[tuple, set[Node]] = {}  # shapes share targets: each set of them looked up once
        findings = []
        for shape in self.shapes:
            focus = focus_of.get(shape.targets)
            if focus is None:
                focus = focus_of[shape.targets] = _focus(shape, typed, by_predicate, subclass)
            if not focus:
                continue
            path = shape.path
            for f in focus:
                if path is None:
                    values: list[Node] = [f]
                else:
                    found = out.get(f)
                    values = found.get(path, _NONE) if found is not None else _NONE
                for check in shape.checks:
                    for value in _failures(check, values):
                        findings.append(Finding(
                            severity=shape.severity, focus=_term_text(f), path=shape.path_text,
                            value=None if value is None else _term_text(value), message=dict(shape.message),
                            constraint=check.iri, shape=shape.name))
        return findings


def _focus(shape: _Shape, typed: dict, by_predicate: dict, subclass: dict) -> set[Node]:
    """pyshacl's Shape.focus_nodes for these target kinds (subclasses as declared in the data)."""
    found: set[Node] = set(shape.target_nodes)
    for cls in shape.target_classes:
        todo, seen = [cls], {cls}
        while todo:  # transitive_subjects(rdfs:subClassOf, cls), cls included
            current = todo.pop()
            found.update(typed.get(current, ()))
            for sub in subclass.get(current, ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
    for predicate in shape.subjects_of:
        found.update(s for s, _ in by_predicate.get(predicate, ()))
    for predicate in shape.objects_of:
        found.update(o for _, o in by_predicate.get(predicate, ()))
    return found


def _failures(check: _Check, values: list[Node]) -> list[Node | None]:
    """The values a check reports (None: one result without sh:value, for the cardinalities)."""
    kind = check.kind
    if kind is MinCountConstraintComponent:
        return [None] if check.arg and len(values) < check.arg else []
    if kind is MaxCountConstraintComponent:
        return [None] if len(values) > check.arg else []
    if kind is OrConstraintComponent:
        failed = []
        for members in check.arg:  # one list per sh:or; each a list of member checks (None: passes)
            for v in values:
                if not any(_conforms(member, v) for member in members):
                    failed.append(v)
        return failed
    return [v for v in values if not _passes(check, v)]


def _conforms(member: list[_Check] | None, v: Node) -> bool:
    """Whether `v` conforms to one sh:or member (None: deactivated, which conforms)."""
    return member is None or all(not _failures(check, [v]) for check in member)


def _passes(check: _Check, v: Node) -> bool:
    kind = check.kind
    if kind is NodeKindConstraintComponent:
        if isinstance(v, BNode):
            return check.arg in _BNODE_KINDS
        if isinstance(v, Literal):
            return check.arg in _LITERAL_KINDS
        return isinstance(v, Identifier) and check.arg in _IRI_KINDS
    if kind is DatatypeConstraintComponent:
        return _datatype(check, v)
    if kind is InConstraintComponent:
        return v in check.arg
    if kind is PatternConstraintComponent:
        for matcher in check.arg:  # every rule pyshacl evaluates must match
            if isinstance(v, BNode):
                return False
            text = PatternConstraintComponent.value_node_to_string(v)
            if not (matcher.match(text) or matcher.search(text)):
                return False
        return True
    raise Unsupported(kind.__name__)


def _datatype(check: _Check, v: Node) -> bool:
    """DatatypeConstraintComponent.evaluate, for one value."""
    rule = check.arg
    if not isinstance(v, Literal):
        return False
    if v.datatype == rule:
        if getattr(v, "ill_typed", None) is True:
            return False
        return check.component._assert_actual_datatype(v, rule)
    if rule == RDFS.Literal:
        return True
    if rule == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and rule == XSD_STRING:
        return check.component._assert_actual_datatype(v, rule)
    if rule == RDF.langString and v.language:
        return check.component._assert_actual_datatype(v, rule)
    return False


def compile_fast(compiled: Any, shape_names: dict[Node, str], *, ont: Any, inference: str | None,
                 ) -> FastEngine | None:
    """A FastEngine for pyshacl's compiled ShapesGraph, or None when it uses anything not transcribed."""
    if ont is not None or inference not in ("none", None):
        return None
    try:
        shapes = [_shape(shape, shape_names) for shape in compiled.shapes]
    except Unsupported:
        return None
    except Exception:  # noqa: BLE001 - pyshacl refuses the shape: let pyshacl report it as it does
        return None
    return FastEngine([shape for shape in shapes if shape is not None])


def _components(shape: Any) -> list[Any]:
    graph = shape.sg.graph
    found, seen = [], set()
    for predicate, _ in graph.predicate_objects(shape.node):
        if predicate not in _PARAMETERS:
            continue
        cls = CONSTRAINT_PARAMETERS_MAP[predicate]
        if cls in seen:
            continue
        seen.add(cls)
        if cls not in _SUPPORTED:
            raise Unsupported(cls.__name__)
        found.append(cls(shape))
    return found


def _shape(shape: Any, names: dict[Node, str]) -> _Shape | None:
    """A targeted shape transcribed, None for one without targets (pyshacl only runs it when referred to,
    which the checks below allow only through sh:or), Unsupported for anything else."""
    graph = shape.sg.graph
    if (shape.node, SH.target, None) in graph or shape._advanced:
        raise Unsupported("sh:target")
    if any((shape.node, p, None) in graph for p in (SH.property, SH.node, SH.closed, SH.deactivated)):
        raise Unsupported("nested shapes, sh:closed or sh:deactivated")
    nodes, classes, implicit, objects_of, subjects_of = (tuple(found) for found in shape.target())
    classes = tuple(dict.fromkeys([*classes, *implicit]))
    if not (nodes or classes or objects_of or subjects_of):
        return None
    path = None
    if shape.is_property_shape:
        path = shape.path()
        if not isinstance(path, URIRef):
            raise Unsupported("a path other than one IRI")
    messages = list(shape.message)
    if not messages or not all(isinstance(m, Literal) for m in messages):
        raise Unsupported("generic messages")
    checks = []
    for component in _components(shape):
        cls = type(component)
        if cls in (MinCountConstraintComponent, MaxCountConstraintComponent) and path is None:
            raise Unsupported("cardinality on a node shape")
        checks.append(_check(component))
    return _Shape(
        node=shape.node, name=names.get(shape.node, _text(shape.node)), path=path,
        severity=str(shape.severity).rsplit("#", 1)[-1],
        message={m.language or "": str(m) for m in messages}, checks=checks,
        target_nodes=nodes, target_classes=classes, objects_of=objects_of, subjects_of=subjects_of)


def _check(component: Any) -> _Check:
    cls = type(component)
    iri = str(component.shacl_constraint_component)
    if cls is MinCountConstraintComponent:
        return _Check(cls, component, iri, int(component.min_count.value))
    if cls is MaxCountConstraintComponent:
        return _Check(cls, component, iri, int(component.max_count.value))
    if cls is NodeKindConstraintComponent:
        return _Check(cls, component, iri, component.nodekind_rule)
    if cls is DatatypeConstraintComponent:
        return _Check(cls, component, iri, component.datatype_rule)
    if cls is InConstraintComponent:
        return _Check(cls, component, iri, frozenset(component.in_vals))
    if cls is PatternConstraintComponent:
        rules = component.string_rules if component.allow_multi_rules else component.string_rules[:1]
        return _Check(cls, component, iri, [component.compiled_cache[rule] for rule in rules])
    if cls is OrConstraintComponent:
        return _Check(cls, component, iri, [_or_members(component, or_c) for or_c in component.or_list])
    raise Unsupported(cls.__name__)


def _or_members(component: Any, or_c: Node) -> list[list[_Check] | None]:
    """The member shapes of one sh:or list as value checks (None: a deactivated member, which conforms).
    pyshacl raises for a list it cannot read: left to pyshacl."""
    graph = component.shape.sg.graph
    members = set(graph.items(or_c))
    if not members:
        raise Unsupported("empty sh:or")
    found: list[list[_Check] | None] = []
    for node in members:
        if component.shape.sg.is_filtered_out_shape(node):
            continue
        member = component.shape.get_other_shape(node)
        if member is None or member.is_property_shape:
            raise Unsupported("sh:or member")
        if member.deactivated:
            found.append(None)
            continue
        if any((node, p, None) in graph for p in (SH.property, SH.node, SH.closed)):
            raise Unsupported("nested sh:or member")
        checks = [_check(c) for c in _components(member)]
        if not all(c.kind in _VALUE_ONLY for c in checks):
            raise Unsupported("sh:or member constraint")
        found.append(checks)
    if not found:
        raise Unsupported("sh:or with no shapes")
    return found


def _text(term: Node) -> str:
    if isinstance(term, Literal):
        return term.n3()
    return f"_:{term}" if isinstance(term, BNode) else str(term)
