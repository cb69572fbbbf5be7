"""Benchmark SHACL validation of a real-shaped catalogue: plain pyshacl against catalog.validation.

Builds N datasets by varying the identifiers and titles of the real DCAT-AP 3.0.1 and W3C DCAT 3
example datasets (with distributions, publishers, contact points, temporal and spatial coverage,
series…), then prints datasets/s for plain pyshacl (one at a time on a sample, and on one whole
graph), ``Validator.validate_many`` cold and re-run from cache, each with the load average (the
machine is shared: compare ratios within one run), and checks that each sampled record gets the
same verdict and findings (focus, path, severity, constraint, value) as plain pyshacl gives it.

    .venv/bin/python bench/validate.py [--shapes FILE ...] [--n 1000] [--workers 2] [--batch 50]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import pyshacl
import rdflib
from rdflib import BNode, Graph, Literal, URIRef

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from catalog.rdf import RDFError, content_hash, parse  # noqa: E402
from catalog.records import DCAT, split  # noqa: E402

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")

FIXTURES = ROOT / "tests" / "fixtures"
OFFICIAL = FIXTURES / "dcat-ap/3.0.1/shacl/dcat-ap-SHACL.ttl"
EXAMPLES = [FIXTURES / "dcat-ap/3.0.1/examples", FIXTURES / "w3c-dcat3/examples"]
CONTEXT_URL = "https://semiceu.github.io/uri.semic.eu-generated/DCAT-AP/releases/3.0.0/html/examples/context.jsonld"
DCT_TITLE = URIRef("http://purl.org/dc/terms/title")
DCT_IDENTIFIER = URIRef("http://purl.org/dc/terms/identifier")


def templates() -> list[Graph]:
    """Every distinct dataset / series record of the parseable examples that could stand as a
    catalogue entry (a title and at least 6 triples; the many one-property snippets could not)."""
    contexts = {CONTEXT_URL: json.loads((EXAMPLES[0] / "context.jsonld").read_bytes())}
    found: dict[str, Graph] = {}
    for folder in EXAMPLES:
        for path in sorted(folder.glob("*.*")):
            if path.suffix not in {".ttl", ".jsonld"} or path.name == "context.jsonld":
                continue
            try:
                graph = parse(path.read_bytes(), filename=path.name, contexts=contexts)
            except RDFError:
                continue  # the known-broken upstream files
            for record in split(graph)[0]:
                graph = record.graph
                if (record.kind in (DCAT.Dataset, DCAT.DatasetSeries) and len(graph) >= 6
                        and (None, DCT_TITLE, None) in graph):
                    found.setdefault(content_hash(graph), graph)
    return list(found.values())


def variant(template: Graph, number: int) -> tuple[str, Graph]:
    """A new dataset shaped like ``template``: own IRIs for it and its distributions, own blank
    nodes, numbered titles and identifiers; publishers, contacts, places stay shared."""
    roots = {s for s in template.subjects() if isinstance(s, URIRef)
             and (s, None, None) in template and not _shared(template, s)}
    renamed: dict = {node: URIRef(f"{node}-kf{number}") for node in roots}
    out = Graph()
    for triple in template:
        s, p, o = (renamed.setdefault(t, BNode()) if isinstance(t, BNode) else renamed.get(t, t)
                   for t in triple)
        if p in (DCT_TITLE, DCT_IDENTIFIER) and isinstance(o, Literal):
            o = Literal(f"{o} #{number}", lang=o.language, datatype=o.datatype)
        out.add((s, p, o))
    key = next(str(renamed[n]) for n in sorted(roots, key=str) if _is_dataset(template, n))
    return key, out


def _shared(graph: Graph, node: URIRef) -> bool:
    """Agents, contact points and places are typically shared between datasets."""
    types = {str(t).rsplit("/", 1)[-1].rsplit("#", 1)[-1] for t in graph.objects(node, rdflib.RDF.type)}
    return bool(types & {"Agent", "Organization", "Person", "Kind", "Individual", "Location", "Concept"})


def _is_dataset(graph: Graph, node: URIRef) -> bool:
    return any((node, rdflib.RDF.type, kind) in graph for kind in (DCAT.Dataset, DCAT.DatasetSeries))


def build(n: int) -> list[tuple[str, Graph]]:
    shapes = templates()
    records = [variant(shapes[i % len(shapes)], i) for i in range(n)]
    print(f"built {n} datasets from {len(shapes)} distinct real example records "
          f"({sum(len(g) for _, g in records)} triples)")
    return records


def plain_findings(graph: Graph, shapes: Graph) -> tuple[bool, set]:
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes)
    return conforms, {_key(report, r) for r in report.objects(None, SH.result)}  # not sh:detail


def _key(report: Graph, result) -> tuple:
    path = report.value(result, SH.resultPath)
    return (_text(report.value(result, SH.focusNode)), str(path) if isinstance(path, URIRef) else None,
            str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
            str(report.value(result, SH.sourceConstraintComponent)), _text(report.value(result, SH.value)))


def _text(term) -> str | None:
    if term is None:
        return None
    return f"_:{term}" if isinstance(term, BNode) else term.n3() if isinstance(term, Literal) else str(term)


def _mine(finding) -> tuple:
    """The same key for a Finding (complex paths are rendered as text starting with <, ^ or ()."""
    path = finding.path if finding.path and finding.path[0] not in "<^(" else None
    return finding.focus, path, finding.severity, finding.constraint, finding.value


def rate(label: str, count: int, seconds: float) -> float:
    print(f"{label:<52} {count:>5} datasets {seconds:8.2f} s {count / seconds:9.1f} datasets/s"
          f"   (load average {os.getloadavg()[0]:.1f})")
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", type=Path, nargs="+", default=[OFFICIAL])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    print(f"{datetime.datetime.now().isoformat(timespec='seconds')}  python {platform.python_version()}  "
          f"{os.cpu_count()} cores  {platform.machine()}  rdflib {rdflib.__version__}  "
          f"pyshacl {pyshacl.__version__}  load average {os.getloadavg()[0]:.1f} (shared machine)")
    print("shapes:", ", ".join(str(p) for p in args.shapes))
    records = build(args.n)
    shapes = Graph()
    for path in args.shapes:
        shapes += parse(path.read_bytes(), filename=path.name)
    step = max(1, len(records) // args.sample)
    sample = records[::step][: args.sample]

    start = time.perf_counter()
    plain = {key: plain_findings(graph, shapes) for key, graph in sample}
    rate("plain pyshacl, one dataset at a time (sample)", len(sample), time.perf_counter() - start)

    whole = Graph()
    for _, graph in records:
        whole += graph
    start = time.perf_counter()
    pyshacl.validate(whole, shacl_graph=shapes)
    rate("plain pyshacl, one whole graph", len(records), time.perf_counter() - start)

    # Imported only now: catalog.validation speeds pyshacl up process-wide (a faster membership
    # test in pyshacl's own parameter cache), which would flatter the plain runs above.
    from catalog.validation import Validator

    start = time.perf_counter()
    validator = Validator(args.shapes)
    compiled = time.perf_counter() - start
    reports = dict(validator.validate_many(records, workers=args.workers, batch=args.batch))
    cold = rate(f"Validator.validate_many cold ({args.workers} workers, batch {args.batch})",
                len(records), time.perf_counter() - start)
    print(f"{'':<52} (includes {compiled:.2f} s compiling the shapes; {validator.shapes_hash[:12]}…)")
    start = time.perf_counter()
    again = dict(validator.validate_many(records, workers=args.workers, batch=args.batch))
    rate("Validator.validate_many cached re-run", len(records), time.perf_counter() - start)
    validator.close()

    agree = sum(
        plain[key][0] == reports[key].conforms == again[key].conforms
        and plain[key][1] == {_mine(f) for f in reports[key].findings}
        for key, _ in sample)
    conforming = sum(r.conforms for r in reports.values())
    print(f"verdicts and findings equal to plain pyshacl: {agree}/{len(sample)} sampled datasets; "
          f"{conforming}/{len(records)} datasets conform")
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"target 200 datasets/s: {'met' if cold >= 200 else 'NOT met'} ({cold:.0f} datasets/s cold); "
          f"load average {load} (1/5/15 min), {os.cpu_count()} cores")
    assert agree == len(sample), "verdicts differ from plain pyshacl"


if __name__ == "__main__":
    main()
