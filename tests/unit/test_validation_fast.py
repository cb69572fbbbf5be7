"""catalog.validation_fast against pyshacl (through Kaifang's compiled engine): the same findings, field for
field (messages and shape names included), on every fixture record and on records made to break every
constraint of Kaifang's profile; and pyshacl is used whenever the shapes need more."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph

from catalog.rdf import parse
from catalog.records import split
from catalog.validation import Validator
from tests.harvest.conftest import HEAD, record
from tests.unit.test_validation import COMBINED, EDGE_SHAPES, EXAMPLES, RECORDS, load
from vocab import build_shapes, loader

# Every constraint of the profile broken or stretched: ill-typed and wrongly typed dates, literals where
# IRIs belong and the reverse, blank nodes, literal focus nodes (targetObjectsOf), subclasses declared in
# the data, values outside sh:in lists, a pattern, several values, language-tagged and xsd:string text.
BROKEN = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
ex:MyDataset rdfs:subClassOf ex:Mid . ex:Mid rdfs:subClassOf dcat:Dataset .
ex:d1 a ex:MyDataset ; dct:title <http://example.org/not-text>, "t"^^xsd:string ;
    dct:issued "2024-13-45"^^xsd:date, "2024"^^xsd:gYear ; dct:modified "yesterday" ;
    dct:publisher "a name", [ a foaf:Agent ] ; dcat:contactPoint "call us", [ a vcard:Kind ;
        vcard:hasEmail "someone@example.org", <http://example.org/mail> ; vcard:fn "x"@en ] ;
    dct:accessRights "open"@en ; dct:accrualPeriodicity <http://example.org/every-fortnight>, [ ] ;
    dct:language <http://example.org/klingon>, "zh" ; dcat:theme "economy", _:t ;
    dcat:keyword <http://example.org/kw>, "k"@zh, "k2"@en ; dct:license "free" ;
    dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2020-01-01T00:00:00"^^xsd:dateTime ;
                   dcat:endDate "not a date"^^xsd:date ] ;
    dct:spatial [ a dct:Location ; dcat:bbox <http://example.org/box> ] ;
    dcat:distribution ex:dist, "a file", [ dcat:accessURL "http://x" ; dct:format "CSV" ;
        dcat:mediaType <http://example.org/text/csv> ; dcat:byteSize "12"^^xsd:integer, "many" ] .
ex:dist dcat:accessURL <http://example.org/f1>, <http://example.org/f2> ; dct:title "a", "b"@en .
ex:s a dcat:DataService, dcat:DatasetSeries ; dcat:endpointURL "nowhere" ; dcat:servesDataset ex:d1 .
ex:c a dcat:Catalog ; dcat:dataset ex:d1 ; dct:title 5 ; dct:issued "2024-02"^^xsd:gYearMonth .
ex:o a foaf:Organization, foaf:Person ; foaf:name ex:n .
"""


def _same(validator: Validator, graph: Graph, name: str) -> None:
    fast = Counter(validator._fast.run(list(graph)))  # type: ignore[union-attr]
    plain = Counter(validator._engine.run(graph, inplace=False))
    assert fast == plain, name


@pytest.fixture(scope="module", params=["generated", "nested"])
def validator(request, tmp_path_factory) -> Validator:
    if request.param == "generated":
        shapes = loader.shapes_path()
    else:
        shapes = tmp_path_factory.mktemp("nested") / "nested.ttl"
        shapes.write_text(build_shapes.nested_profile().serialize(format="turtle"))
    found = Validator([shapes])
    assert found._fast is not None, "Kaifang's profile must take the direct evaluator"
    return found


def test_same_findings_as_pyshacl_on_every_fixture_record(validator) -> None:
    for key, graph in RECORDS:
        _same(validator, graph, key)
    for path in EXAMPLES:
        _same(validator, load(path), path.name)


def test_same_findings_as_pyshacl_on_broken_records(validator) -> None:
    graph = parse(BROKEN.encode(), format="turtle")
    assert len(validator._fast.run(list(graph))) > 40  # type: ignore[union-attr]
    _same(validator, graph, "broken")
    for r in split(graph)[0]:
        _same(validator, r.graph, str(r.node))
    bench = parse(f"{HEAD}\n{record(1)}\n{record(2)}".encode(), format="turtle")
    _same(validator, bench, "bench")


def test_validate_many_runs_in_process_and_caches(validator) -> None:
    graph = parse(BROKEN.encode(), format="turtle")
    records = [(str(r.node), r.graph) for r in split(graph)[0]]
    got = dict(validator.validate_many(records + [("again", records[0][1])]))
    assert validator._pool is None  # no worker processes
    assert got["again"] == got[records[0][0]] == validator.validate(records[0][1])
    assert not got["again"].conforms and got["again"].error is None


def test_shapes_it_does_not_transcribe_stay_with_pyshacl(tmp_path) -> None:
    (tmp_path / "edge.ttl").write_text(EDGE_SHAPES)
    assert Validator([tmp_path / "edge.ttl"])._fast is None  # sh:node, sh:closed, generic messages
    assert Validator(COMBINED)._fast is None  # the official DCAT-AP shapes (SPARQL, sh:class ...)
    for text in ("sh:path ex:p ; sh:minLength 2 ; sh:message 'm' .",
                 "sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ; sh:message 'm' .",
                 "sh:path ex:p ; sh:minCount 1 .",
                 "sh:path ex:p ; sh:maxCount 1 ; sh:deactivated true ; sh:message 'm' ."):
        shapes = Path(tmp_path / "one.ttl")
        shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
                          + "ex:S sh:targetClass ex:A ; " + text)
        assert Validator([shapes])._fast is None, text
