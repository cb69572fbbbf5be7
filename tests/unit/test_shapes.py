"""Kaifang's DCAT-AP 3 SHACL profile: well-formed, current, and catching what it should with pyshacl."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from vocab import build_shapes, loader

ROOT = Path(__file__).resolve().parents[2]
BEE = ROOT / "tests" / "fixtures" / "dcat-ap" / "3.0.1" / "examples" / "example-bee-population.ttl"
SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
KF = Namespace("https://w3id.org/kaifang/def/shapes#")

PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <http://example.org/> .
@prefix eu: <http://publications.europa.eu/resource/authority/> .
"""

# A dataset with everything the profile recommends, all from the vocabularies.
COMPLETE = PREFIXES + """
ex:ds a dcat:Dataset ; dct:title "上海市公交线路"@zh, "Shanghai bus lines"@en ;
    dct:description "公交线路"@zh ;
    dct:identifier "sh-0001" ; dct:language eu:language\\/ZHO ;
    dct:publisher ex:org ; dcat:contactPoint ex:contact ; dcat:keyword "公交"@zh ;
    dcat:theme eu:data-theme\\/TRAN, <https://w3id.org/kaifang/def/cn-theme/0402> ;
    dct:spatial <https://w3id.org/kaifang/def/cn-admin/310000> ;
    dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2020-01-01"^^xsd:date ] ;
    dct:accessRights eu:access-right\\/PUBLIC ; dct:accrualPeriodicity eu:frequency\\/DAILY ;
    dct:issued "2020-01-01"^^xsd:date ; dct:modified "2024-05-01T08:00:00"^^xsd:dateTime ;
    dcat:distribution ex:dist .
ex:dist a dcat:Distribution ; dct:description "CSV 下载"@zh ; dcat:accessURL <https://data.sh.gov.cn/a> ;
    dcat:downloadURL <https://data.sh.gov.cn/a.csv> ; dct:format eu:file-type\\/CSV ;
    dct:license eu:licence\\/CC_BY_4_0 ; dct:language eu:language\\/ZHO ;
    dcat:byteSize "2048"^^xsd:nonNegativeInteger ;
    dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv> .
ex:org a foaf:Organization ; foaf:name "上海市交通委员会"@zh .
ex:contact a vcard:Organization ; vcard:fn "数据办"@zh ; vcard:hasEmail <mailto:data@sh.gov.cn> .
"""


@cache
def shapes() -> Graph:
    return Graph().parse(loader.shapes_path(), format="turtle")


def results(data: Graph, shacl: Graph | None = None) -> list[dict]:
    """The validation results as plain dicts: severity, focus, path, messages by language."""
    _, report, _ = validate(data, shacl_graph=shacl or shapes(), allow_warnings=True)
    found = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        messages = {m.language: str(m) for m in report.objects(r, SH.resultMessage) if isinstance(m, Literal)}
        found.append({
            "severity": report.value(r, SH.resultSeverity).fragment,
            "focus": str(report.value(r, SH.focusNode)),
            "path": str(report.value(r, SH.resultPath)),
            "messages": messages,
        })
    return found


def turtle(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def severities(found: list[dict], severity: str) -> set[str]:
    return {r["path"].rsplit("/", 1)[-1].rsplit("#", 1)[-1] for r in found if r["severity"] == severity}


# ---- the shapes file ---------------------------------------------------------------------------------------

def test_shapes_target_every_dcat_ap_class_kaifang_profiles():
    targets = set(shapes().objects(None, SH.targetClass))
    assert targets >= {DCAT.Catalog, DCAT.Dataset, DCAT.Distribution, DCAT.DataService, DCAT.DatasetSeries,
                       FOAF.Agent, VCARD.Kind, DCT.PeriodOfTime, DCT.Location}


def test_committed_shapes_are_up_to_date_with_core_and_vocabularies():
    assert isomorphic(shapes(), build_shapes.build()), "run .venv/bin/python -m vocab.build_shapes"


def test_every_shape_has_a_zh_and_an_en_message_and_no_sparql():
    g = shapes()
    all_shapes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    assert len(all_shapes) > 40
    for shape in all_shapes:
        assert {m.language for m in g.objects(shape, SH.message)} >= {"zh", "en"}, shape
    assert not set(g.subjects(SH.sparql, None))


def test_vocabulary_lists_hold_every_concept():
    g = shapes()
    themes = {str(i) for i in Collection(g, g.value(KF.ThemeInVocabulary, SH["in"]))}
    expected = {c.iri for n in ("eu-theme", "cn-theme", "cn-domain") for c in loader.vocabulary(n).concepts()}
    assert themes == expected


# ---- validation --------------------------------------------------------------------------------------------

def test_dcat_ap_bee_population_example_has_no_violation_and_misses_recommended_properties():
    found = results(Graph().parse(BEE, format="turtle"))
    for r in found:
        print(r["severity"], r["path"], r["messages"]["en"])
    assert severities(found, "Violation") == set()
    assert severities(found, "Warning") == {"contactPoint", "keyword", "theme", "spatial", "temporal",
                                            "distribution"}


def test_complete_dataset_has_no_violation_or_warning():
    found = results(turtle(COMPLETE))
    assert [r for r in found if r["severity"] != "Info"] == []


def test_missing_title_is_a_violation_with_zh_and_en_messages():
    found = results(turtle(COMPLETE.replace('dct:title "上海市公交线路"@zh, "Shanghai bus lines"@en ;', "")))
    [title] = [r for r in found if r["path"] == str(DCT.title)]
    assert title["severity"] == "Violation"
    assert title["focus"] == "http://example.org/ds"
    assert "标题" in title["messages"]["zh"] and "title" in title["messages"]["en"]


@pytest.mark.parametrize("value", ["<http://example.org/open>", "eu:access-right\\/SENSITIVE"])
def test_access_right_outside_the_vocabulary_is_a_warning(value):
    found = [r for r in results(turtle(COMPLETE.replace("eu:access-right\\/PUBLIC", value)))
             if r["severity"] != "Info"]
    assert [(r["severity"], r["path"]) for r in found] == [("Warning", str(DCT.accessRights))]
    assert "访问权限" in found[0]["messages"]["zh"] and "access-right" in found[0]["messages"]["en"]


@pytest.mark.parametrize(("old", "new", "path"), [
    ("eu:frequency\\/DAILY", "eu:frequency\\/SOMETIMES", DCT.accrualPeriodicity),
    ("eu:file-type\\/CSV", "<http://example.org/csv>", DCT["format"]),
    ("eu:data-theme\\/TRAN,", "<http://example.org/theme/transport>,", DCAT.theme),
])
def test_other_vocabulary_constraints_warn(old, new, path):
    found = results(turtle(COMPLETE.replace(old, new)))
    assert [(r["severity"], r["path"]) for r in found if r["severity"] != "Info"] == [("Warning", str(path))]


@pytest.mark.parametrize(("old", "new", "path"), [
    ("accessURL <https://data.sh.gov.cn/a>", 'accessURL "https://data.sh.gov.cn/a"', DCAT.accessURL),
    ("dcat:accessURL <https://data.sh.gov.cn/a> ;", "", DCAT.accessURL),
    ('"2020-01-01"^^xsd:date ; dct:modified', '"2020年1月1日" ; dct:modified', DCT.issued),
    ('"2048"^^xsd:nonNegativeInteger', '"2 KB"', DCAT.byteSize),
    ('foaf:name "上海市交通委员会"@zh', "foaf:homepage <https://jtw.sh.gov.cn>", FOAF.name),
])
def test_mandatory_and_datatype_errors_are_violations(old, new, path):
    assert old in COMPLETE
    found = [r for r in results(turtle(COMPLETE.replace(old, new))) if r["severity"] != "Info"]
    assert [(r["severity"], r["path"]) for r in found] == [("Violation", str(path))]


def test_untyped_distribution_is_still_checked():
    found = results(turtle(COMPLETE.replace("ex:dist a dcat:Distribution ;", "ex:dist").replace(
        "dcat:accessURL <https://data.sh.gov.cn/a> ;", "")))
    assert ("Violation", str(DCAT.accessURL)) in {(r["severity"], r["path"]) for r in found}


def test_flattened_profile_reports_what_the_nested_one_does():
    """build_shapes flattens for speed; the standard nested form must give the same results."""
    def key(found):
        return sorted((r["severity"], r["focus"], r["path"], r["messages"]["en"]) for r in found)

    for data in (turtle(COMPLETE.replace("dct:title", "dct:alternative").replace('"2048"', '"-1"')),
                 Graph().parse(BEE, format="turtle")):
        assert key(results(data)) == key(results(data, build_shapes.nested_profile()))


OFFICIAL = ROOT / "tests" / "fixtures" / "dcat-ap" / "3.0.1" / "shacl" / "shapes.ttl"
# Two upstream examples are not valid Turtle (prefixed names with '/'); see tests/fixtures/SOURCES.md.
BROKEN = {f"example-bee-population-dataset-series-{name}.ttl" for name in ("api", "combined")}
EXAMPLES = sorted(p for p in BEE.parent.glob("*.ttl") if p.name not in BROKEN)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_violations_match_the_official_dcat_ap_shapes(example):
    """Kaifang's mandatory checks are DCAT-AP 3.0.1's: same violations on every official example."""
    def violations(sg: Graph) -> set[tuple[str, str]]:
        _, report, _ = validate(Graph().parse(example, format="turtle"), shacl_graph=sg)
        return {(str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)))
                for r in report.subjects(RDF.type, SH.ValidationResult)
                if report.value(r, SH.resultSeverity) == SH.Violation}

    assert violations(shapes()) == violations(official())


@cache
def official() -> Graph:
    return Graph().parse(OFFICIAL, format="turtle")
