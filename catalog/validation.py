"""SHACL validation with pyshacl: structured findings, and fast enough for whole catalogues.

Plain pyshacl re-reads and re-harvests the shapes graph on every call and validates one data graph
at a time. :class:`Validator` compiles the shapes once: flattened where provably equivalent
(:mod:`catalog.shacl_compile`; findings still name the original shapes), then pyshacl's
``ShapesGraph``. :meth:`Validator.validate_many` validates many records per pyshacl run, in worker
processes that each hold the compiled shapes, skipping records whose exact content was validated
before. pyshacl's text rendering of each result, which Kaifang does not use, is skipped.

Shapes that use only SHACL's simplest parts (Kaifang's profile: targeted property shapes with one IRI
path, cardinalities, node kinds, datatypes, sh:in, sh:pattern, sh:or of datatypes, every shape with its
messages) are not given to pyshacl at all: :mod:`catalog.validation_fast` checks them over each record's
triples with pyshacl's own constraint objects, ~5× faster, in the calling process. Any other shapes
graph is validated by pyshacl as described here.

Batching must not change any record's verdict. Findings are attributed back to records through
their focus node, and records only share a batch when that is provably the same as validating each
alone: every node two records have in common must have the same outgoing triples in both (and the
same incoming triples for predicates the shapes read backwards: inverse paths, sh:targetObjectsOf).
Then everything a shape can reach from a record's nodes is the same in the batch as in the record,
and a finding on a shared node belongs to each record containing it. Shapes that SPARQL could use
to look anywhere, and RDFS inference, disable batching (each record then runs alone).
"""

from __future__ import annotations

import multiprocessing
import threading
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pyshacl.shape
from pyshacl import Validator as _PyshaclValidator
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
from pyshacl.constraints.constraint_component import ConstraintComponent
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shapes_graph import ShapesGraph
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from catalog.rdf import guess_format, parse
from catalog.shacl_compile import TARGETS, flatten, graph_hash
from catalog.subprocesses import worker_pool
from catalog.validation_fast import FastEngine, compile_fast

SH = Namespace("http://www.w3.org/ns/shacl#")
SEVERITIES = ("Violation", "Warning", "Info")
_SPARQL_PREDICATES = (SH.sparql, SH.select, SH.ask, SH.target, SH.validator, SH.nodeValidator,
                      SH.propertyValidator, SH.rule)
_PATH_FORMS = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}

Triple = tuple[Node, Node, Node]


class _ShapesStore(SimpleMemory):
    """pyshacl re-reads each shape's parameters from the shapes graph for every value node it
    checks: hundreds of lookups per dataset, always the same few. The shapes do not change while
    validating, so each lookup is answered once and remembered (forgotten on any change)."""

    def __init__(self) -> None:
        super().__init__()
        self._memo: dict = {}

    def triples(self, triple_pattern, context=None):  # noqa: ANN001, ANN201 - rdflib's signature
        found = self._memo.get(triple_pattern)
        if found is None:
            if len(self._memo) > 200_000:
                self._memo.clear()
            found = self._memo[triple_pattern] = [t for t, _ in super().triples(triple_pattern, context)]
        return ((triple, iter(())) for triple in found)

    def add(self, triple, context, quoted=False):  # noqa: ANN001, ANN201
        if next(super().triples(triple), None) is None:  # pyshacl re-adds two triples per run
            self._memo.clear()
        super().add(triple, context, quoted)

    def remove(self, triple_pattern, context=None):  # noqa: ANN001, ANN201
        self._memo.clear()
        super().remove(triple_pattern, context)


class _ParameterList(list):
    """pyshacl tests every predicate of every shape, on every focus node, for membership in its
    list of constraint parameters: a linear scan that was a third of validation time. Same list,
    set-speed membership. pyshacl caches the list in ``pyshacl.shape.CONSTRAINT_PARAMS`` itself, so
    filling that slot once (idempotent, same content) changes speed only, never results."""

    def __init__(self, items: Iterable[Node]) -> None:
        super().__init__(items)
        self._members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members


pyshacl.shape.CONSTRAINT_PARAMS = (_ParameterList(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)

_IN_RUN = threading.local()  # set while one of Kaifang's own pyshacl runs is under way in this thread
_describe = ConstraintComponent.make_v_result_description


def _describe_unless_quiet(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    """pyshacl writes a text description of every result (for its results_text, which Kaifang never
    reads): a quarter of validation time, and a process-wide cache of blank-node texts that only grows.
    Kaifang's runs skip it when it provably could not fail (see :func:`_describable`); any other run
    gets pyshacl's text as before."""
    return "" if getattr(_IN_RUN, "on", False) else _describe(self, *args, **kwargs)


ConstraintComponent.make_v_result_description = _describe_unless_quiet
_focus_nodes = pyshacl.shape.Shape.focus_nodes


def _focus_nodes_once_per_run(self, data_graph, debug=False):  # noqa: ANN001, ANN202
    """pyshacl finds each shape's focus nodes (instances, with rdfs:subClassOf, of its target classes...)
    anew; flattened shapes share the same few targets. In Kaifang's runs each distinct set of target
    declarations is looked up once per data graph (which does not change while shapes are checked)."""
    memo = getattr(_IN_RUN, "focus", None)
    if memo is None or self._advanced:
        return _focus_nodes(self, data_graph, debug)
    key = (id(data_graph), *(frozenset(declared) for declared in self.target()))
    if key not in memo:
        memo[key] = _focus_nodes(self, data_graph, debug)
    return set(memo[key])


pyshacl.shape.Shape.focus_nodes = _focus_nodes_once_per_run


@dataclass(frozen=True)
class Finding:
    """One SHACL validation result; ``message`` maps language tag to text ("" for untagged)."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: dict[str, str] = field(hash=False)
    constraint: str
    shape: str

    def to_dict(self) -> dict:
        """dataclasses.asdict, written out (a harvest writes ~15 findings a record)."""
        return {"severity": self.severity, "focus": self.focus, "path": self.path, "value": self.value,
                "message": dict(self.message), "constraint": self.constraint, "shape": self.shape}


@dataclass
class Report:
    """SHACL's verdict: a graph conforms exactly when there are no results. ``error`` is set (and
    ``conforms`` false) when pyshacl could not apply the shapes to this record at all."""

    conforms: bool
    findings: list[Finding]
    error: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for finding in self.findings:
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
        return counts

    def to_dict(self) -> dict:
        return {"conforms": self.conforms, "counts": self.counts, "error": self.error,
                "findings": [finding.to_dict() for finding in self.findings]}


class ValidationError(RuntimeError):
    """pyshacl could not apply the shapes (e.g. a shape that is referenced but not defined)."""


def load_shapes(shapes: Graph | Path | Sequence[Path]) -> Graph:
    """A private copy of the shapes from a Graph or files (pyshacl gets a compiled copy of this copy).

    ``owl:imports`` (DCAT-AP's imports.ttl, mdr_imports.ttl) are never followed: no network.
    """
    sources = [shapes] if isinstance(shapes, Graph | str | Path) else shapes
    graph = Graph(store=_ShapesStore())
    for source in sources:
        if not isinstance(source, Graph):
            path = Path(source)
            source = parse(path.read_bytes(), format=guess_format(path.name), filename=path.name)
        for prefix, namespace in source.namespaces():
            graph.bind(prefix, namespace, override=False)
        for triple in source:
            graph.add(triple)
    return graph


class Validator:
    """Validate DCAT graphs against one shapes graph, compiled once."""

    def __init__(self, shapes: Graph | Path | Sequence[Path], *, ont: Graph | None = None,
                 inference: str = "none", cache_size: int = 2_000) -> None:
        self.shapes = load_shapes(shapes)
        self.ont = ont
        self.inference = inference
        self._engine = _Engine(self.shapes, ont, inference)
        self._fast: FastEngine | None = compile_fast(self._engine.compiled, self._engine.shape_names, ont=ont,
                                                     inference=inference)
        self._cache: OrderedDict[frozenset, Report] = OrderedDict()
        self._cache_size = cache_size
        self._pool: ProcessPoolExecutor | None = None
        self._pool_workers = 0

    @cached_property
    def shapes_hash(self) -> str:
        """SHA-256 of the shapes' triples, the same for every parse of the same shapes: store reports
        under it (blank nodes are named by their content, not their labels)."""
        return graph_hash(self.shapes)

    def validate(self, data: Graph) -> Report:
        """Validate one graph as plain pyshacl would (the graph is not modified)."""
        if self._fast is not None:
            return self._fast_report(data)
        try:
            return _report(self._engine.run(data, inplace=False))
        except Exception as exc:  # pyshacl raises several types; callers need one
            raise ValidationError(_one_line(exc)) from exc

    def validate_many(self, graphs: Iterable[tuple[str, Graph | Iterable[Triple]]], *, workers: int = 2,
                      batch: int = 50) -> Iterator[tuple[str, Report]]:
        """Yield ``(key, report)`` for each record, each exactly as :meth:`validate` would give.

        A record is a graph or its triples (a harvest parsed in another process has only those).
        Cached records are answered at once, the others as their batch finishes: not in input order.
        Shapes the direct evaluator takes (:mod:`catalog.validation_fast`) are checked right here, in
        input order: no worker processes.
        """
        if self._fast is not None:
            for key, graph in graphs:
                content = frozenset(graph)
                report = self._cache_get(content)
                if report is None:
                    report = self._fast_report(content)
                    self._cache_put(content, report)
                yield key, report
            return
        pending: list[tuple[str, frozenset]] = []
        running: list[Future] = []
        for key, graph in graphs:
            content = frozenset(graph)
            cached = self._cache_get(content)
            if cached is not None:
                yield key, cached
                continue
            pending.append((key, content))
            if len(pending) >= batch:
                running.append(self._submit(pending, workers))
                pending = []
                while len(running) > 2 * max(workers, 1):
                    yield from self._collect(running.pop(0))
        if pending:
            running.append(self._submit(pending, workers))
        for future in running:
            yield from self._collect(future)

    def _fast_report(self, triples: Iterable[Triple]) -> Report:
        try:
            return _report(self._fast.run(triples))  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - not expected; pyshacl then decides, as without the evaluator
            return _report(self._engine.run_records([("", list(triples))])[0][1])

    def close(self) -> None:
        """Stop the worker processes (they are also stopped at exit)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Validator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _submit(self, items: list[tuple[str, frozenset]], workers: int) -> Future:
        chunk = [(key, list(content)) for key, content in items]
        if workers <= 1:
            future: Future = Future()
            future.set_result(self._engine.run_records(chunk))
        else:
            future = self._executor(workers).submit(_worker_run, chunk)
        future.contents = items  # type: ignore[attr-defined]
        return future

    def _collect(self, future: Future) -> Iterator[tuple[str, Report]]:
        for (key, content), (_, findings) in zip(future.contents, future.result(), strict=True):  # type: ignore[attr-defined]
            report = _report(findings)
            self._cache_put(content, report)
            yield key, report

    def _executor(self, workers: int) -> ProcessPoolExecutor:
        if self._pool is None or self._pool_workers != workers:
            self.close()
            if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
                # Forking is safe without other threads: workers start at once, sharing the compiled shapes.
                start, init, args = "fork", _worker_adopt, (self._engine,)
            else:  # e.g. in the threaded web app: fresh interpreters that each compile the shapes
                ont = list(self.ont) if self.ont is not None else None
                start, init = "spawn", _worker_init
                args = (list(self.shapes), ont, self.inference)
            self._pool = worker_pool(workers, start, init, args)
            self._pool_workers = workers
            weakref.finalize(self, self._pool.shutdown, cancel_futures=True)
        return self._pool

    def _cache_get(self, content: frozenset) -> Report | None:
        report = self._cache.get(content)
        if report is not None:
            self._cache.move_to_end(content)
        return report

    def _cache_put(self, content: frozenset, report: Report) -> None:
        self._cache[content] = report
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


_RANK = {"Violation": 0, "Warning": 1, "Info": 2}


def _report(findings: list[Finding] | str) -> Report:
    """Findings in one fixed order (most severe first, then by focus, path and shape): pyshacl's order
    depends on the batch a record is validated in, so the same content validated in two batches (two
    harvest workers, or a batch and the cache) gave equal findings in different orders."""
    if isinstance(findings, str):
        return Report(conforms=False, findings=[], error=findings)
    return Report(conforms=not findings, findings=sorted(findings, key=_order))


def _order(f: Finding) -> tuple:
    return (_RANK.get(f.severity, 3), f.focus, f.path or "", f.constraint, f.shape, f.value or "",
            sorted(f.message.items()))


def _describable(graph: Graph) -> bool:
    """pyshacl's result text can only fail (and fail the run) on a predicate rdflib cannot write as
    N3 (an invalid IRI) in a blank node's description: without one, skipping the text changes nothing."""
    for predicate in set(graph.predicates()):
        try:
            predicate.n3()
        except Exception:
            return False
    return True


def _one_line(exc: Exception) -> str:
    return " ".join(str(getattr(exc, "message", None) or exc).split())[:500]


class _Engine:
    """Compiled shapes plus what batching needs to know about them; one per process."""

    def __init__(self, shapes: Graph, ont: Graph | None, inference: str) -> None:
        self.shapes = Graph(store=_ShapesStore())
        origin = flatten(shapes, self.shapes)  # the original shapes stay as they are
        self.ont = ont
        self.inference = inference
        self.compiled = ShapesGraph(self.shapes)
        _ = self.compiled.shapes  # harvest the shapes now, once
        names = _shape_names(shapes)
        names.update({copy: names.get(prop, _term_text(prop)) for copy, prop in origin.items()})
        self.shape_names = names
        self.reverse_predicates = _reverse_predicates(shapes)
        self.implicit = set(shapes.objects(None, SH.targetNode))
        if ont is not None:
            self.implicit |= set(ont.subjects())
        self.describable = _describable(self.shapes) and (ont is None or _describable(ont))
        self.batchable = inference in ("none", None) and not any(
            (None, pred, None) in shapes for pred in _SPARQL_PREDICATES)

    def run(self, data: Graph, *, inplace: bool) -> list[Finding]:
        """One pyshacl run over ``data`` with the precompiled shapes."""
        return [finding for finding, _ in self.run_with_focus(data, inplace=inplace)]

    def run_with_focus(self, data: Graph, *, inplace: bool) -> list[tuple[Finding, Node]]:
        options = {"inference": self.inference or "none", "inplace": inplace, "abort_on_first": False,
                   "allow_warnings": False, "allow_infos": False, "advanced": False}
        run = _Run(DataGraph.from_rdflib(data), shacl_graph=self.shapes, ont_graph=self.ont,
                   options=options)
        run.shacl_graph = self.compiled
        run.engine = self
        _IN_RUN.on, _IN_RUN.focus = self.describable and _describable(data), {}
        try:
            _, findings, _ = run.run()
        finally:
            _IN_RUN.on, _IN_RUN.focus = False, None
        return findings

    def run_records(self, records: list[tuple[str, list[Triple]]]) -> list[tuple[str, list[Finding] | str]]:
        """Validate records in as few conflict-free batches as possible: findings (or an error
        message) per record."""
        results: list[list[Finding] | str] = [[] for _ in records]
        for group in self._groups(records):
            self._run_group(records, group, results)
        return [(key, found) for (key, _), found in zip(records, results, strict=True)]

    def _run_group(self, records: list[tuple[str, list[Triple]]], group: _Group,
                   results: list[list[Finding] | str]) -> None:
        graph = Graph()
        for index in group.members:
            for triple in records[index][1]:
                graph.add(triple)
        try:
            found = self.run_with_focus(graph, inplace=True)
        except Exception as exc:  # pyshacl gave up: find which records it gives up on, alone
            if len(group.members) == 1:
                results[group.members[0]] = _one_line(exc)
                return
            for index in group.members:
                alone = _Group(self.implicit)
                alone.add(index, {}, {})
                self._run_group(records, alone, results)
            return
        for finding, focus in found:
            for index in group.owners(focus):
                results[index].append(finding)  # type: ignore[union-attr]

    def _groups(self, records: list[tuple[str, list[Triple]]]) -> list[_Group]:
        groups: list[_Group] = []
        for index, (_, triples) in enumerate(records):
            signature = _signatures(triples, self.reverse_predicates)
            implicit = {term: sig for term, sig in signature.items()
                        if term in self.implicit and sig != _LEAF}
            home = next((g for g in groups[-8:] if self.batchable and g.accepts(signature, implicit)), None)
            if home is None:
                home = _Group(self.implicit)
                groups.append(home)
            home.add(index, signature, implicit)
        return groups


class _Group:
    """Records validated together: their shared nodes have identical signatures."""

    def __init__(self, implicit: set[Node]) -> None:
        self.members: list[int] = []
        self.signatures: dict[Node, Any] = {}
        self.implicit_described: dict[Node, Any] | None = None
        self.holders: dict[Node, list[int]] = defaultdict(list)
        self.implicit = implicit

    def accepts(self, signature: dict[Node, Any], implicit: dict[Node, Any]) -> bool:
        if self.implicit_described is not None and implicit != self.implicit_described:
            return False
        seen = self.signatures
        return all(seen.get(term, sig) == sig for term, sig in signature.items())

    def add(self, index: int, signature: dict[Node, Any], implicit: dict[Node, Any]) -> None:
        self.members.append(index)
        self.implicit_described = implicit
        for term, sig in signature.items():
            self.signatures.setdefault(term, sig)
            self.holders[term].append(index)

    def owners(self, focus: Node) -> list[int]:
        """Records a finding on ``focus`` belongs to; nodes no record holds belong to all."""
        if focus in self.implicit or focus not in self.holders:
            return self.members
        return self.holders[focus]


_LEAF = (frozenset(), frozenset())  # a node a record mentions but says nothing about


def _signatures(triples: Iterable[Triple], reverse_predicates: set[Node]) -> dict[Node, Any]:
    """For every node of a record: its outgoing triples and its incoming backwards-read triples."""
    out: dict[Node, set] = defaultdict(set)
    back: dict[Node, set] = defaultdict(set)
    terms: set[Node] = set()
    for s, p, o in triples:
        out[s].add((p, o))
        terms.add(s)
        terms.add(o)
        if p in reverse_predicates:
            back[o].add((s, p))
    return {term: (frozenset(out.get(term, ())), frozenset(back.get(term, ()))) for term in terms}


def _reverse_predicates(shapes: Graph) -> set[Node]:
    """Predicates a shape reads from object to subject: inside sh:inversePath, sh:targetObjectsOf."""
    found = set(shapes.objects(None, SH.targetObjectsOf))
    todo = list(shapes.objects(None, SH.inversePath))
    while todo:
        node = todo.pop()
        if isinstance(node, URIRef):
            found.add(node)
        else:
            todo.extend(o for _, o in shapes.predicate_objects(node))
    return found


def _shape_names(shapes: Graph) -> dict[Node, str]:
    """Stable names for blank-node property shapes ("<owner> property <path>", or "<targets> property
    <path>" for one without owner): their labels change per parse."""
    names: dict[Node, str] = {}
    for owner, shape in shapes.subject_objects(SH.property):
        if isinstance(shape, BNode):
            path = shapes.value(shape, SH.path)
            names[shape] = f"{owner} property {_path_text(shapes, path) if path is not None else '?'}"
    for shape, path in shapes.subject_objects(SH.path):  # targeted directly, e.g. already flattened
        if isinstance(shape, BNode) and shape not in names:
            targets = sorted(str(t) for p in TARGETS for t in shapes.objects(shape, p))
            names[shape] = f"{' '.join(targets) or '?'} property {_path_text(shapes, path)}"
    return names


def _path_text(graph: Graph, path: Node) -> str:
    """A SHACL path as SPARQL property-path text, so blank-node paths read the same everywhere."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in graph:
        return "/".join(_path_text(graph, step) for step in graph.items(path))
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_path_text(graph, inverse)}"
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_text(graph, step) for step in graph.items(alternatives)) + ")"
    for predicate, suffix in _PATH_FORMS.items():
        inner = graph.value(path, predicate)
        if inner is not None:
            return f"({_path_text(graph, inner)}){suffix}"
    return str(path)


def _term_text(term: Node) -> str:
    """IRIs as themselves, blank nodes as _:label, literals in N-Triples form (keeps lang/datatype)."""
    if isinstance(term, Literal):
        return term.n3()
    return f"_:{term}" if isinstance(term, BNode) else str(term)


class _Run(_PyshaclValidator):
    """A pyshacl run that reuses compiled shapes and returns Findings instead of a report graph."""

    engine: _Engine

    def create_validation_report(self, sg, conforms, results):  # noqa: ANN001, ANN201 - pyshacl's hook
        return [self._finding(triples) for _, _, triples in results], ""

    def _finding(self, triples: list) -> tuple[Finding, Node]:
        fields: dict[Node, list[Node]] = defaultdict(list)
        for _, predicate, obj in triples:
            fields[predicate].append(obj[1] if isinstance(obj, tuple) else obj)
        focus = fields[SH.focusNode][0]
        path = fields.get(SH.resultPath, [None])[0]
        value = fields.get(SH.value, [None])[0]
        shape = fields[SH.sourceShape][0]
        finding = Finding(
            severity=str(fields[SH.resultSeverity][0]).rsplit("#", 1)[-1],
            focus=_term_text(focus),
            path=None if path is None else (str(path) if isinstance(path, URIRef)
                                            else _path_text(self.engine.shapes, path)),
            value=None if value is None else _term_text(value),
            message={m.language or "": str(m) for m in fields.get(SH.resultMessage, [])},
            constraint=str(fields[SH.sourceConstraintComponent][0]),
            shape=self.engine.shape_names.get(shape, _term_text(shape)),
        )
        return finding, focus


_WORKER: _Engine | None = None


def _worker_adopt(engine: _Engine) -> None:
    global _WORKER
    _WORKER = engine


def _worker_init(shapes: list[Triple], ont: list[Triple] | None, inference: str) -> None:
    global _WORKER
    _WORKER = _Engine(load_shapes(_graph(shapes)), _graph(ont) if ont is not None else None, inference)


def _worker_run(records: list[tuple[str, list[Triple]]]) -> list[tuple[str, list[Finding]]]:
    assert _WORKER is not None
    return _WORKER.run_records(records)


def _graph(triples: Iterable[Triple]) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph

