"""catalog.validation against plain pyshacl, on the official DCAT-AP 3.0.1 shapes and real examples."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from catalog.rdf import RDFError, parse
from catalog.records import split
from catalog.validation import Finding, Report, ValidationError, Validator

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SHACL = FIXTURES / "dcat-ap/3.0.1/shacl"
COMBINED = [SHACL / "dcat-ap-SHACL.ttl"]
# The split release: has severities, messages and an inverse path (^dcat:inSeries on series).
# imports.ttl / mdr_imports.ttl only hold owl:imports, which are never fetched.
SPLIT = [SHACL / name for name in ("shapes.ttl", "shapes_recommended.ttl", "range.ttl",
                                   "mdr-vocabularies.shape.ttl", "deprecateduris.ttl", "imports.ttl",
                                   "mdr_imports.ttl")]
SHAPE_SETS = {"combined": COMBINED, "split": SPLIT}
DCAT_AP_CONTEXT = "https://semiceu.github.io/uri.semic.eu-generated/DCAT-AP/releases/3.0.0/html/examples/context.jsonld"
CONTEXTS = {DCAT_AP_CONTEXT: json.loads((FIXTURES / "dcat-ap/3.0.1/examples/context.jsonld").read_bytes())}


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

# Plain pyshacl runs in a fresh interpreter: importing catalog.validation changes pyshacl's speed
# (not its results), and the reference must be pyshacl exactly as shipped.
PLAIN = """
import json, sys
import pyshacl
from rdflib import BNode, Graph, Namespace, URIRef
from catalog.rdf import parse
SH = Namespace("http://www.w3.org/ns/shacl#")
args = json.loads(sys.stdin.read())
shapes = Graph()
for name in args["shapes"]:
    shapes += parse(open(name, "rb").read(), filename=name)
contexts = args["contexts"]
out = {}
for name in args["files"]:
    data = parse(open(name, "rb").read(), filename=name.rsplit("/", 1)[-1], contexts=contexts)
    try:
        conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes)
    except Exception as exc:
        out[name] = {"error": type(exc).__name__}
        continue
    rows = []
    for r in report.objects(None, SH.result):  # top-level results, not nested sh:detail ones
        focus, path = report.value(r, SH.focusNode), report.value(r, SH.resultPath)
        rows.append(["_:" if isinstance(focus, BNode) else str(focus),
                     str(path) if isinstance(path, URIRef) else ("complex" if path is not None else None),
                     str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
                     str(report.value(r, SH.sourceConstraintComponent))])
    out[name] = {"conforms": conforms, "findings": rows}
print(json.dumps(out))
"""


@pytest.fixture(scope="module", params=sorted(SHAPE_SETS))
def shape_set(request) -> tuple[str, list[Path]]:
    return request.param, SHAPE_SETS[request.param]


@pytest.fixture(scope="module")
def plain(shape_set) -> dict:
    _, shapes = shape_set
    request = json.dumps({"shapes": [str(p) for p in shapes], "files": [str(p) for p in EXAMPLES],
                          "contexts": CONTEXTS})
    done = subprocess.run([sys.executable, "-c", PLAIN], input=request, capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""}, timeout=600, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def validator(shape_set) -> Validator:
    with Validator(shape_set[1]) as validator:
        yield validator


def _key(finding: Finding) -> tuple:
    focus = "_:" if finding.focus.startswith("_:") else finding.focus
    path = finding.path if finding.path is None or finding.path[0] not in "<^(" else "complex"
    return focus, path, finding.severity, finding.constraint


def test_same_verdicts_and_findings_as_plain_pyshacl(plain, validator) -> None:
    compared = errors = 0
    for path in EXAMPLES:
        expected = plain[str(path)]
        graph = load(path)
        if "error" in expected:
            with pytest.raises(ValidationError):
                validator.validate(graph)
            errors += 1
            continue
        report = validator.validate(graph)
        assert report.conforms == expected["conforms"], path.name
        found = Counter(_key(f) for f in report.findings)
        assert found == Counter(map(tuple, expected["findings"])), path.name
        compared += 1
    assert compared > 80
    assert len(EXAMPLES) - compared == errors


def test_validate_does_not_change_the_graph(validator) -> None:
    graph = load(FIXTURES / "w3c-dcat3/examples/basic-example.ttl")
    before = set(graph)
    validator.validate(graph)
    assert set(graph) == before


def records() -> list[tuple[str, Graph]]:
    """Every record of every Turtle/JSON-LD example: many share IRIs with different content."""
    found = []
    for path in EXAMPLES:
        if path.suffix in {".ttl", ".jsonld"}:
            found += [(f"{path.name}#{r.node}", r.graph) for r in split(load(path))[0]]
    return found


RECORDS = records()


def _alone(validator: Validator, graph: Graph) -> tuple:
    try:
        report = validator.validate(graph)
    except ValidationError as exc:
        return False, str(exc), []
    return report.conforms, None, sorted(report.findings, key=_order)


def _order(finding: Finding) -> tuple:
    return (finding.focus, finding.path or "", finding.severity, finding.constraint, finding.shape,
            finding.value or "", sorted(finding.message.items()))


@pytest.mark.parametrize(("workers", "batch"), [(2, 50), (1, 7)])
def test_validate_many_gives_each_record_its_own_verdict(validator, workers: int, batch: int) -> None:
    assert len(RECORDS) >= 50
    got = dict(validator.validate_many(RECORDS, workers=workers, batch=batch))
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
