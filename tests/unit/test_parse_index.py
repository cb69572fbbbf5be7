"""catalog.rdf.parse_index (pyoxigraph into rdflib terms, in a TripleIndex) against catalog.rdf.parse
(rdflib): the same triples, records, canonical text, hashes and projections for every Turtle and
N-Triples fixture; the same errors for what either refuses; rdflib whenever the two parsers could disagree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from catalog import rdf
from catalog.canonical import canonical_nt
from catalog.rdf import RDFError, TripleIndex, parse, parse_index
from catalog.records import split
from catalog.store import prepare
from harvesters.dcat import parse_page

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".ttl", ".nt"))
BASE = "https://example.org/catalogue/page/"


def _unordered(projection: dict) -> dict:
    """Lists whose order follows blank-node labels (random in both parsers) compared as multisets."""
    return {key: sorted(json.dumps(v, sort_keys=True) for v in value) if isinstance(value, list) else value
            for key, value in projection.items()}


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_same_records_as_rdflib(path: Path) -> None:
    data = path.read_bytes()
    try:
        graph = parse(data, filename=path.name, base=BASE)
    except RDFError as exc:
        with pytest.raises(RDFError) as refused:
            parse_index(data, filename=path.name, base=BASE)
        assert str(refused.value) == str(exc)
        return
    index = parse_index(data, filename=path.name, base=BASE)
    assert isinstance(index, TripleIndex) and len(index) == len(graph)
    assert canonical_nt(index) == canonical_nt(graph)
    assert rdf.canonical_nt(index) == rdf.canonical_nt(graph)
    expected, got = split(graph)[0], split(index)[0]
    assert [r.node for r in got] == [r.node for r in expected]
    for old, new in zip(expected, got, strict=True):
        before, after = prepare(old.node, old.graph), prepare(new.node, new.graph)
        assert (after.nt, after.digest) == (before.nt, before.digest), old.node
        assert _unordered(after.projection) == _unordered(before.projection), old.node


def test_most_fixtures_take_the_fast_parser() -> None:
    fast = 0
    for path in FILES:
        data = path.read_bytes()
        fmt = rdf.guess_format(path.name, data=data)
        try:
            rdf._oxigraph_index(data, fmt, BASE)
        except Exception:  # noqa: BLE001, S112 - counted only
            continue
        fast += not rdf._EXPLICIT_STRING.search(data) and not rdf._UPPER_LANGUAGE.search(data)
    assert fast >= 0.9 * len(FILES)


PREFIXES = "@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"


@pytest.mark.parametrize("text", [
    'ex:a ex:p "x"^^xsd:string, "y" .',  # rdflib keeps an explicit xsd:string apart
    'ex:a ex:p "x"@en-US .',  # rdflib keeps the tag's case
    'ex:a ex:p "01"^^xsd:integer, "1.50"^^xsd:decimal, 1e3, true, "2024-13-45"^^xsd:date .',
    'ex:a ex:p <rel/ative>, <../up>, <#frag> ; ex:q [ ex:r _:b ] . _:b ex:s "\\u00e9\\n" .',
])
def test_terms_as_rdflib_makes_them(text: str) -> None:
    data = (PREFIXES + text).encode()
    index, graph = parse_index(data, format="turtle", base=BASE), parse(data, format="turtle", base=BASE)
    assert canonical_nt(index) == canonical_nt(graph)
    literals = {o for _, _, o in graph if isinstance(o, Literal)}
    assert literals == {o for _, _, o in index if isinstance(o, Literal)}
    assert [o.ill_typed for o in sorted(literals)] == [o.ill_typed for o in sorted(
        o for _, _, o in index if isinstance(o, Literal))]


@pytest.mark.parametrize("text", [
    "ex:a ex:p << ex:b ex:c ex:d >> .",  # RDF 1.2: pyoxigraph reads it, rdflib refuses the page
    'ex:a ex:p "x"@en--ltr .',
    "ex:a ex:p ex:b",  # no final dot
    "ex:a ex:p <http://exa mple.org/> .",  # rdflib accepts, pyoxigraph refuses: rdflib decides
])
def test_whatever_pyoxigraph_reads_differently_rdflib_decides(text: str) -> None:
    data = (PREFIXES + text).encode()
    try:
        expected = set(parse(data, format="turtle", base=BASE))  # no blank nodes in these
    except RDFError as exc:
        with pytest.raises(RDFError) as refused:
            parse_index(data, format="turtle", base=BASE)
        assert str(refused.value) == str(exc)
        return
    assert set(parse_index(data, format="turtle", base=BASE)) == expected


def test_not_utf8_is_refused_with_rdflibs_message() -> None:
    data = PREFIXES.encode() + b'ex:a ex:p "caf\xe9" .'
    with pytest.raises(RDFError, match="not UTF-8"):
        parse_index(data, format="turtle", filename="page.ttl")


def test_blank_node_labels_differ_per_parse() -> None:
    """Records of two pages never share a blank node by label (validation may batch them)."""
    data = (PREFIXES + "ex:a ex:p _:b . _:b ex:q 1 .").encode()
    first, second = parse_index(data, format="turtle"), parse_index(data, format="turtle")
    assert {o for _, _, o in first if not isinstance(o, Literal | URIRef)} != \
        {o for _, _, o in second if not isinstance(o, Literal | URIRef)}


def test_parse_page_gives_prepared_records_and_the_next_page() -> None:
    text = (PREFIXES + "@prefix dcat: <http://www.w3.org/ns/dcat#> ."
            " @prefix dct: <http://purl.org/dc/terms/> ."
            '\nex:d a dcat:Dataset ; dct:title "t"@en ; dct:modified "2024-01-01"^^xsd:date ;'
            " dcat:distribution [ dcat:accessURL ex:f ] ."
            "\n<> <http://www.w3.org/ns/hydra/core#next> <?page=2> .")
    following, refs = parse_page(text.encode(), None, BASE, "text/turtle")
    assert following == BASE + "?page=2"
    assert [(r.remote_id, r.modified) for r in refs] == [("http://example.org/d", "2024-01-01")]
    graph = split(parse(text.encode(), format="turtle", base=BASE))[0][0]
    assert refs[0].payload.digest == prepare(graph.node, graph.graph).digest
    assert len(refs[0].triples) == len(graph.graph)
