"""catalog.validation against plain pyshacl: the official DCAT-AP 3.0.1 (combined and split) and HVD
shapes, Kaifang's profile (as generated, and nested) and a set of edge cases for the shapes compilation,
over every real example file and every record in them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef

from catalog.rdf import RDFError, parse
from catalog.records import split
from catalog.shacl_compile import SH, flatten, graph_hash
from catalog.validation import Finding, Report, ValidationError, Validator
from vocab import build_shapes, loader

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SHACL = FIXTURES / "dcat-ap/3.0.1/shacl"
HVD = FIXTURES / "dcat-ap/3.0.0-hvd/shacl"
COMBINED = [SHACL / "dcat-ap-SHACL.ttl"]
# The split release: has severities, messages and an inverse path (^dcat:inSeries on series).
# imports.ttl / mdr_imports.ttl only hold owl:imports, which are never fetched.
SPLIT = [SHACL / name for name in ("shapes.ttl", "shapes_recommended.ttl", "range.ttl",
                                   "mdr-vocabularies.shape.ttl", "deprecateduris.ttl", "imports.ttl",
                                   "mdr_imports.ttl")]
# Files named without a folder are written by the `written` fixture.
SHAPE_SETS = {"combined": COMBINED, "split": SPLIT, "hvd": [HVD / "hvd-SHACL.ttl"],
              "hvd-full": [HVD / "hvd-SHACL-full.ttl"], "kaifang": [loader.shapes_path()],
              "kaifang-nested": [Path("kaifang-nested.ttl")], "edge-cases": [Path("edge-shapes.ttl")]}
DCAT_AP_CONTEXT = "https://semiceu.github.io/uri.semic.eu-generated/DCAT-AP/releases/3.0.0/html/examples/context.jsonld"
CONTEXTS = {DCAT_AP_CONTEXT: json.loads((FIXTURES / "dcat-ap/3.0.1/examples/context.jsonld").read_bytes())}

# What the compilation must leave alone, or get exactly right, each next to data that shows it.
EDGE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
# shared by two differently-targeted flattenable shapes: a node of both classes gets both results
ex:Titled a sh:PropertyShape ; sh:path ex:title ; sh:minCount 1 ; sh:message "title?"@en, "标题？"@zh .
ex:DShape a sh:NodeShape ; sh:targetClass ex:D ;
    sh:property ex:Titled, [ sh:path ex:size ; sh:datatype xsd:integer ] .
ex:EShape a sh:NodeShape ; sh:targetClass ex:E ; sh:property ex:Titled .
# shared with a shape that cannot be flattened (ex:AShape is referenced from sh:or)
ex:NameRequired a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 .
ex:AShape a sh:NodeShape ; sh:targetClass ex:A ; sh:property ex:NameRequired .
ex:BShape a sh:NodeShape ; sh:targetClass ex:B ; sh:property ex:NameRequired .
ex:OrShape a sh:NodeShape ; sh:targetClass ex:O ; sh:or ( ex:PartShape ex:AShape ) .
# referenced by sh:node: also evaluated on value nodes that are not its targets
ex:PartShape a sh:NodeShape ; sh:targetClass ex:Part ; sh:property [ sh:path ex:label ; sh:minCount 1 ] .
ex:WholeShape a sh:NodeShape ; sh:targetClass ex:Whole ;
    sh:property [ sh:path ex:part ; sh:node ex:PartShape ; sh:minCount 1 ] .
# closed: reads its own sh:property list
ex:ClosedShape a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true ; sh:ignoredProperties ( rdf:type ) ;
    sh:property [ sh:path ex:name ; sh:maxCount 1 ] .
ex:OpenShape a sh:NodeShape ; sh:targetClass ex:C ; sh:closed false ;
    sh:property [ sh:path ex:other ; sh:maxCount 0 ] .
# deactivated
ex:OffShape a sh:NodeShape ; sh:targetClass ex:A ; sh:deactivated true ;
    sh:property [ sh:path ex:never ; sh:minCount 1 ] .
# implicit class target
ex:Thing a rdfs:Class, sh:NodeShape ; sh:property [ sh:path ex:name ; sh:maxCount 1 ; sh:severity sh:Info ] .
# other targets, an inverse path, a node without triples
ex:Linked a sh:NodeShape ; sh:targetObjectsOf ex:part ;
    sh:property [ sh:path [ sh:inversePath ex:part ] ; sh:maxCount 1 ] .
ex:Fixed a sh:NodeShape ; sh:targetNode ex:a1, ex:missing ; sh:targetSubjectsOf ex:size ;
    sh:property [ sh:path ex:size ; sh:maxCount 1 ; sh:severity sh:Warning ] .
# qualified value shapes, disjoint: siblings are found through the parent's sh:property
ex:QShape a sh:NodeShape ; sh:targetClass ex:Q ;
    sh:property [ sh:path ex:part ; sh:qualifiedValueShape [ sh:class ex:Part ] ; sh:qualifiedMinCount 1 ;
                  sh:qualifiedValueShapesDisjoint true ],
                [ sh:path ex:part ; sh:qualifiedValueShape [ sh:class ex:Whole ] ; sh:qualifiedMaxCount 0 ;
                  sh:qualifiedValueShapesDisjoint true ] .
# a property shape with targets of its own, also nested
ex:Sized a sh:PropertyShape ; sh:targetClass ex:B ; sh:path ex:size ; sh:minCount 1 .
ex:A2Shape a sh:NodeShape ; sh:targetClass ex:A ; sh:property ex:Sized .
# property shapes inside a property shape, sh:and, a path sequence
ex:Deep a sh:NodeShape ; sh:targetClass ex:Whole ;
    sh:property [ sh:path ex:part ; sh:property [ sh:path ex:label ; sh:datatype xsd:string ] ;
                  sh:and ( [ sh:nodeKind sh:IRI ] ) ],
                [ sh:path ( ex:part ex:label ) ; sh:minCount 2 ] .
"""
EDGE_DATA = """
@prefix ex: <http://example.org/> .
ex:a1 a ex:A, ex:B ; ex:size "x" .
ex:de1 a ex:D, ex:E ; ex:size 1.5 .
ex:w1 a ex:Whole ; ex:part ex:p1, _:p2 .
ex:p1 a ex:Part .
_:p2 ex:label 5 .
ex:c1 a ex:C ; ex:name "c", "d" ; ex:other 1 .
ex:t1 a ex:Thing ; ex:name "a", "b" .
ex:q1 a ex:Q ; ex:part ex:p1, ex:w1 .
ex:o1 a ex:O .
ex:w2 ex:part ex:p1 .
"""


def load(path: Path) -> Graph:
    return parse(path.read_bytes(), filename=path.name, contexts=CONTEXTS)


def parseable() -> list[Path]:
    found = []
    for folder in ("dcat-ap/3.0.1/examples", "dcat-ap/3.0.0-hvd/examples", "w3c-dcat3/examples"):
        for path in sorted((FIXTURES / folder).iterdir()):
            if path.name == "context.jsonld":
                continue
            try:
                load(path)
            except RDFError:
                continue  # the known-broken upstream Turtle files
            found.append(path)
    return found


EXAMPLES = parseable()


def records() -> list[tuple[str, Graph]]:
    """Every record of every Turtle/JSON-LD example: datasets, series, data services, many sharing
    IRIs with different content."""
    found = []
    for path in EXAMPLES:
        if path.suffix in {".ttl", ".jsonld"}:
            found += [(f"{path.name}#{r.node}", r.graph) for r in split(load(path))[0]]
    return found


RECORDS = records()

# Plain pyshacl runs in a fresh interpreter: importing catalog.validation changes pyshacl's speed
# (not its results), and the reference must be pyshacl exactly as shipped.
PLAIN = """
import json, sys
import pyshacl
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from catalog.rdf import parse
SH = Namespace("http://www.w3.org/ns/shacl#")
args = json.loads(sys.stdin.read())
shapes = Graph()
for name in args["shapes"]:
    shapes += parse(open(name, "rb").read(), filename=name)
def text(term):
    if term is None or isinstance(term, BNode):
        return term and "_:"
    return term.n3() if isinstance(term, Literal) else str(term)
out = {}
graphs = [(name, lambda name=name: parse(open(name, "rb").read(), filename=name.rsplit("/", 1)[-1],
                                          contexts=args["contexts"])) for name in args["files"]]
graphs += [(key, lambda nt=nt: Graph().parse(data=nt, format="nt")) for key, nt in args["records"].items()]
for name, data in graphs:
    try:
        conforms, report, _ = pyshacl.validate(data(), shacl_graph=shapes)
    except Exception as exc:
        out[name] = {"error": type(exc).__name__}
        continue
    rows = []
    for r in report.objects(None, SH.result):  # top-level results, not nested sh:detail ones
        path = report.value(r, SH.resultPath)
        rows.append([text(report.value(r, SH.focusNode)),
                     str(path) if isinstance(path, URIRef) else ("complex" if path is not None else None),
                     str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
                     str(report.value(r, SH.sourceConstraintComponent)),
                     text(report.value(r, SH.value)), text(report.value(r, SH.sourceShape))])
    out[name] = {"conforms": conforms, "findings": rows}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shapes")
    (folder / "kaifang-nested.ttl").write_text(build_shapes.nested_profile().serialize(format="turtle"))
    (folder / "edge-shapes.ttl").write_text(EDGE_SHAPES)
    (folder / "edge-data.ttl").write_text(EDGE_DATA)
    return folder


@pytest.fixture(scope="module", params=sorted(SHAPE_SETS))
def shape_set(request, written) -> tuple[str, list[Path]]:
    return request.param, [written / path for path in SHAPE_SETS[request.param]]  # absolute paths stay


@pytest.fixture(scope="module")
def examples(written) -> list[Path]:
    return [*EXAMPLES, written / "edge-data.ttl"]


@pytest.fixture(scope="module")
def plain(shape_set, examples) -> dict:
    _, shapes = shape_set
    request = json.dumps({"shapes": [str(p) for p in shapes], "files": [str(p) for p in examples],
                          "records": {key: graph.serialize(format="nt") for key, graph in RECORDS},
                          "contexts": CONTEXTS})
    done = subprocess.run([sys.executable, "-c", PLAIN], input=request, capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""}, timeout=900, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def validator(shape_set) -> Validator:
    with Validator(shape_set[1]) as validator:
        yield validator


def _key(finding: Finding) -> tuple:
    """What plain pyshacl's report says of a result, blank nodes as "_:" (their labels differ per parse).
    Blank-node property shapes are named "<owner> property <path>": compared as "_:" here."""
    def blank(text: str | None) -> str | None:
        return "_:" if text is not None and text.startswith("_:") else text
    path = finding.path if finding.path is None or finding.path[0] not in "<^(" else "complex"
    shape = "_:" if " property " in finding.shape else finding.shape
    return blank(finding.focus), path, finding.severity, finding.constraint, blank(finding.value), shape


def _same_as_plain(report: Report, expected: dict, name: str, validator: Validator) -> None:
    if "error" in expected:
        assert report.error and not report.conforms, name
        return
    assert report.error is None and report.conforms == expected["conforms"], name
    assert Counter(map(_key, report.findings)) == Counter(map(tuple, expected["findings"])), name
    unnamed = {f"_:{shape}" for shape in validator._engine.shape_names}  # copies, blank nodes
    assert not any(f.shape in unnamed for f in report.findings), name  # named after the original shape


def _validate(validator: Validator, graph: Graph) -> Report:
    try:
        return validator.validate(graph)
    except ValidationError as exc:
        return Report(conforms=False, findings=[], error=str(exc))


def test_same_verdicts_and_findings_as_plain_pyshacl(plain, validator, examples) -> None:
    for path in examples:
        _same_as_plain(_validate(validator, load(path)), plain[str(path)], path.name, validator)
    assert sum("error" not in plain[str(path)] for path in examples) > 80


def test_validate_many_same_as_plain_pyshacl_on_each_record(plain, validator) -> None:
    """Records validated in batches, in two processes, each compared with plain pyshacl on it alone."""
    kinds = {str(t).rsplit("#", 1)[-1] for _, graph in RECORDS for t in graph.objects(None, RDF.type)}
    assert len(RECORDS) >= 200 and {"Dataset", "DatasetSeries", "DataService"} <= kinds
    got = dict(validator.validate_many(RECORDS, workers=2, batch=50))
    validator._cache.clear()
    for key, _ in RECORDS:
        _same_as_plain(got[key], plain[key], key, validator)


def test_validate_does_not_change_the_graph(validator) -> None:
    graph = load(FIXTURES / "w3c-dcat3/examples/basic-example.ttl")
    before = set(graph)
    validator.validate(graph)
    assert set(graph) == before


def _alone(validator: Validator, graph: Graph) -> tuple:
    try:
        report = validator.validate(graph)
    except ValidationError as exc:
        return False, str(exc), []
    return report.conforms, None, sorted(report.findings, key=_order)


def _order(finding: Finding) -> tuple:
    return (finding.focus, finding.path or "", finding.severity, finding.constraint, finding.shape,
            finding.value or "", sorted(finding.message.items()))


def test_validate_many_gives_each_record_its_own_verdict(validator) -> None:
    """In small in-process batches too, and down to shape names and messages."""
    got = dict(validator.validate_many(RECORDS, workers=1, batch=7))
    assert set(got) == {key for key, _ in RECORDS}
    for key, graph in RECORDS:
        report = got[key]
        verdict = (report.conforms, report.error, sorted(report.findings, key=_order))
        assert verdict == _alone(validator, graph), key
    validator._cache.clear()


def test_records_really_share_batches(validator) -> None:
    chunk = [(key, list(graph)) for key, graph in RECORDS]
    groups = validator._engine._groups(chunk)
    assert len(groups) < len(chunk) / 3
    assert any(len(g.members) > 1 for g in groups)


def test_inverse_path_findings_are_attributed_like_alone() -> None:
    """^dcat:inSeries: a series alone has no members; batched with its members it would have."""
    series_file = FIXTURES / "dcat-ap/3.0.1/examples/example-bee-population-dataset-series.ttl"
    pairs = [(str(r.node), r.graph) for r in split(load(series_file))[0]]
    with Validator(SPLIT) as validator:
        got = dict(validator.validate_many(pairs, workers=1, batch=50))
        series = next(key for key in got if "datasetseries" in key)
        assert any(f.path and f.path.startswith("^") for f in got[series].findings)
        for key, graph in pairs:
            assert (got[key].conforms, got[key].error, sorted(got[key].findings, key=_order)) \
                == _alone(validator, graph)


def test_findings_on_a_shared_node_belong_to_every_record_holding_it() -> None:
    """Two datasets sharing one described distribution: validated together, both get its findings."""
    graph = load(FIXTURES / "w3c-dcat3/examples/basic-example.ttl")
    original = split(graph)[0][0]
    twin = URIRef(f"{original.node}-twin")
    copy = Graph()
    for s, p, o in original.graph:
        copy.add((twin if s == original.node else s, p, o))
    pairs = [(str(original.node), original.graph), (str(twin), copy)]
    distribution = "https://dcat.example.org/dataset-001-csv"
    with Validator(COMBINED) as validator:
        assert len(validator._engine._groups([(k, list(g)) for k, g in pairs])) == 1
        got = dict(validator.validate_many(pairs, workers=1, batch=50))
        for key, g in pairs:
            assert any(f.focus == distribution for f in got[key].findings)
            assert sorted(got[key].findings, key=_order) == _alone(validator, g)[2]


def test_cached_records_are_not_validated_again() -> None:
    with Validator(COMBINED) as validator:
        first = dict(validator.validate_many(RECORDS[:60], workers=2, batch=20))
        validator.close()
        second = dict(validator.validate_many(RECORDS[:60], workers=2, batch=20))
        assert validator._pool is None  # nothing was sent to a worker
    assert second == first


MESSAGES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
<urn:kaifang:test#DatasetShape> a sh:NodeShape ;
  sh:targetClass dcat:Dataset ;
  sh:property [ sh:path dcat:contactPoint ; sh:minCount 1 ; sh:severity sh:Warning ;
                sh:message "A dataset needs a contact point"@en, "数据集需要联系人"@zh ] ;
  sh:property [ sh:path dcat:keyword ; sh:minCount 1 ; sh:severity sh:Info ; sh:message "keyword?" ] .
""".encode()


def test_multilingual_messages_come_through_as_a_dict() -> None:
    shapes = parse(MESSAGES, format="turtle")
    report = Validator(shapes).validate(load(FIXTURES / "dcat-ap/3.0.1/examples/example-bee-population.ttl"))
    by_path = {f.path: f for f in report.findings}
    contact = by_path["http://www.w3.org/ns/dcat#contactPoint"]
    assert contact.message == {"en": "A dataset needs a contact point", "zh": "数据集需要联系人"}
    assert contact.severity == "Warning" and contact.focus == "https://data.gov.gr/id/dataset/BeePopulation"
    assert contact.shape == "urn:kaifang:test#DatasetShape property <http://www.w3.org/ns/dcat#contactPoint>"
    assert by_path["http://www.w3.org/ns/dcat#keyword"].message == {"": "keyword?"}
    assert report.counts == {"Violation": 0, "Warning": 1, "Info": 1}
    as_dict = report.to_dict()
    assert as_dict["conforms"] is False and as_dict["error"] is None
    assert as_dict["findings"][0]["message"] in ({"": "keyword?"}, contact.message)
    json.dumps(as_dict)  # storable as JSON


def test_conforming_report() -> None:
    shapes = parse(MESSAGES, format="turtle")
    assert Validator(shapes).validate(load(FIXTURES / "w3c-dcat3/examples/service1.ttl")) == \
        Report(conforms=True, findings=[])


def test_undefined_shape_in_official_file_is_an_error_not_a_crash() -> None:
    """dcat-ap-SHACL.ttl names a DataService property shape it never defines (pyshacl gives up)."""
    examples = FIXTURES / "w3c-dcat3/examples"
    service = [(str(r.node), r.graph) for r in split(load(examples / "service1.ttl"))[0]]
    dataset = [(str(r.node), r.graph) for r in split(load(examples / "basic-example.ttl"))[0]]
    with Validator(COMBINED) as validator:
        got = dict(validator.validate_many(service + dataset, workers=1, batch=10))
    assert "DataServiceShape/" in got[service[0][0]].error
    assert "not a well-formed SHACL PropertyShape" in got[service[0][0]].error
    assert got[dataset[0][0]].error is None and got[dataset[0][0]].findings


def test_compilation_flattens_what_it_can_and_names_findings_after_the_original_shapes(written) -> None:
    official = Validator(COMBINED)
    nested = [(owner, prop) for owner, prop in official._engine.shapes.subject_objects(SH.property)]
    # All 292 property shapes are moved but the two malformed DataService ones pyshacl must still reject.
    assert len(list(official.shapes.subject_objects(SH.property))) == 292
    assert len(nested) == 2 and all("DataServiceShape" in str(owner) for owner, _ in nested)
    edge = load(written / "edge-shapes.ttl")
    owners = set(Validator(edge)._engine.shapes.subjects(SH.property))
    kept = {str(owner).rsplit("/", 1)[-1] for owner in owners if isinstance(owner, URIRef)}
    assert kept == {"AShape", "BShape", "PartShape", "ClosedShape", "OffShape", "QShape"}
    out = Graph()
    origin = flatten(edge, out)
    assert sorted(origin.values()).count(URIRef("http://example.org/Titled")) == 2  # one copy per owner
    report = Validator(edge).validate(load(written / "edge-data.ttl"))
    titled = [f for f in report.findings if f.path == "http://example.org/title"]
    assert len(titled) == 2 and {f.shape for f in titled} == {"http://example.org/Titled"}
    assert titled[0].message == {"en": "title?", "zh": "标题？"}


def test_shapes_hash_is_stable_and_sees_blank_node_structure(written) -> None:
    first, again = Validator(SPLIT), Validator([load(path) for path in SPLIT])
    assert first.shapes_hash == again.shapes_hash == graph_hash(first.shapes)
    assert len(first.shapes_hash) == 64 and Validator(COMBINED).shapes_hash != first.shapes_hash
    first.validate(load(FIXTURES / "w3c-dcat3/examples/basic-example.ttl"))  # pyshacl adds nothing it hashes
    assert first.shapes_hash == again.shapes_hash == graph_hash(first.shapes)
    moved = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:a ; sh:minCount 1 ], [ sh:path ex:b ] ."""
    other = moved.replace("ex:a ; sh:minCount 1 ], [ sh:path ex:b", "ex:a ], [ sh:path ex:b ; sh:minCount 1")
    assert other != moved
    hashes = {graph_hash(parse(text.encode(), format="turtle")) for text in (moved, other, moved)}
    assert len(hashes) == 2
    assert first._cache_size == 2_000  # reports are stored by the caller; the cache only spares re-runs


def test_result_text_is_skipped_only_when_it_could_not_fail() -> None:
    """pyshacl's result text fails (and fails the run) on a predicate N3 cannot write; kept then."""
    graph = Graph()
    graph.add((URIRef("http://example.org/ds"), RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")))
    graph.add((URIRef("http://example.org/ds"), URIRef("http://example.org/bad predicate"), Literal("x")))
    validator = Validator(COMBINED)
    assert validator._engine.describable
    report = validator.validate(graph)  # no blank node to describe: the text could not have failed either
    assert not report.conforms and report.error is None



def test_a_record_gets_its_findings_in_the_same_order_in_any_batch() -> None:
    """pyshacl's order of findings follows the batch a record was validated in: a record whose content
    was first validated in another batch (by another harvest worker) came back from the cache with its
    findings in another order, and two reports of the same content compared unequal."""
    with Validator(COMBINED) as validator:
        batched = dict(validator.validate_many(RECORDS[:60], workers=1, batch=20))
    with Validator(COMBINED) as validator:
        alone = dict(validator.validate_many(list(reversed(RECORDS[:60])), workers=1, batch=1))
    assert alone == batched and sum(len(r.findings) > 1 for r in alone.values()) > 10
