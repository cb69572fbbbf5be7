"""catalog.rdf on the real DCAT-AP and W3C DCAT examples, and on hostile input."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from catalog.rdf import (
    CONTENT_TYPES,
    FORMATS,
    RDFError,
    canonical_nt,
    content_hash,
    guess_format,
    normalize_format,
    parse,
    serialize,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FOLDERS = ["dcat-ap/3.0.1/examples", "w3c-dcat3/examples", "dcat-ap/2.1.1/examples"]
EXAMPLES = sorted(p for folder in FOLDERS for p in (FIXTURES / folder).iterdir()
                  if p.name != "context.jsonld")
# Listed in tests/fixtures/SOURCES.md: prefixed names containing '/', which Turtle forbids.
BROKEN = {"example-bee-population-dataset-series-api.ttl",
          "example-bee-population-dataset-series-combined.ttl"}
DCAT_AP_CONTEXT = "https://semiceu.github.io/uri.semic.eu-generated/DCAT-AP/releases/3.0.0/html/examples/context.jsonld"
CONTEXTS = {DCAT_AP_CONTEXT: json.loads((FIXTURES / "dcat-ap/3.0.1/examples/context.jsonld").read_bytes())}
PARSEABLE = [p for p in EXAMPLES if p.name not in BROKEN]


def load(path: Path) -> Graph:
    return parse(path.read_bytes(), filename=path.name, contexts=CONTEXTS)


def test_examples_cover_all_formats() -> None:
    assert {p.suffix for p in EXAMPLES} == {".ttl", ".rdf", ".jsonld", ".nt"}
    assert len(PARSEABLE) == len(EXAMPLES) - len(BROKEN) > 100


@pytest.mark.parametrize("path", PARSEABLE, ids=lambda p: p.name)
def test_every_example_parses(path: Path) -> None:
    graph = load(path)
    assert len(graph) > 0


def test_known_broken_files_are_the_ones_sources_md_lists() -> None:
    sources = (FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
    for name in BROKEN:
        assert name.removeprefix("example-bee-population-dataset") in sources


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_examples_raise_one_line_error_with_file_and_line(name: str) -> None:
    path = FIXTURES / "dcat-ap/3.0.1/examples" / name
    with pytest.raises(RDFError) as caught:
        load(path)
    error = caught.value
    assert error.filename == name
    assert isinstance(error.line, int) and error.line > 1
    assert "\n" not in str(error)
    assert str(error).startswith(f"{name}:{error.line}: ")
    # the reported line really is where the forbidden '/' in a prefixed name sits
    assert "/" in path.read_text(encoding="utf-8").splitlines()[error.line - 1]


def test_hvd_example_missing_dot_reports_its_line() -> None:
    path = FIXTURES / "dcat-ap/3.0.0-hvd/examples/example-bees_wasps_dataset.ttl"
    with pytest.raises(RDFError) as caught:
        load(path)
    assert caught.value.line == 2  # the statement after the unterminated @prefix line


@pytest.mark.parametrize("path", PARSEABLE, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_serialise_parse_round_trip_is_isomorphic(path: Path, fmt: str) -> None:
    graph = load(path)
    assert isomorphic(parse(serialize(graph, fmt), format=fmt), graph)


def test_dcat_ap_jsonld_with_supplied_context_equals_turtle() -> None:
    folder = FIXTURES / "dcat-ap/3.0.1/examples"
    for stem in ("example-bee-population", "example-bee-population-2022-2023"):
        assert isomorphic(load(folder / f"{stem}.jsonld"), load(folder / f"{stem}.ttl"))


def test_serialise_uses_readable_prefixes() -> None:
    graph = load(FIXTURES / "w3c-dcat3/examples/basic-example.ttl")
    turtle = serialize(graph, "turtle").decode()
    assert "@prefix dct: <http://purl.org/dc/terms/> ." in turtle
    assert "dcat:Dataset" in turtle and "dct:title" in turtle
    jsonld = json.loads(serialize(graph, "json-ld"))
    assert jsonld["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert len(graph) == len(load(FIXTURES / "w3c-dcat3/examples/basic-example.ttl"))  # input untouched


def test_turtle_keeps_exact_numeric_lexical_forms() -> None:
    data = (b'<http://e/d> <http://www.w3.org/ns/dcat#byteSize> '
            b'"5120"^^<http://www.w3.org/2001/XMLSchema#decimal> .')
    graph = parse(data, format="nt")
    assert isomorphic(parse(serialize(graph, "turtle"), format="turtle"), graph)


# --- hostile XML -------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="http://example.org/d"><dct:title>&lol9;</dct:title></rdf:Description>
</rdf:RDF>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="http://example.org/d"><dct:title>&xxe;</dct:title></rdf:Description>
</rdf:RDF>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_dangerous_rdf_xml_is_refused(data: bytes) -> None:
    with pytest.raises(RDFError) as caught:
        parse(data, format="xml", filename="evil.rdf")
    assert "root:" not in str(caught.value)
    assert str(caught.value).startswith("evil.rdf")
    assert "\n" not in str(caught.value)


def test_external_dtd_is_refused_without_fetching(local_server) -> None:
    url, hits = local_server
    data = (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "{url}/evil.dtd">\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>').encode()
    with pytest.raises(RDFError):
        parse(data, format="xml")
    assert hits == []


def test_rdf_xml_errors_name_the_line() -> None:
    data = (FIXTURES / "w3c-dcat3/examples/basic-example.rdf").read_bytes()
    data = data.replace(b"</dcat:Catalog>", b"", 1)
    with pytest.raises(RDFError) as caught:
        parse(data, filename="basic-example.rdf")
    assert caught.value.line and caught.value.line > 1


def test_rdf_xml_in_a_declared_legacy_encoding_parses() -> None:
    data = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns:dct="http://purl.org/dc/terms/"><rdf:Description rdf:about="http://e/d">'
            '<dct:title>café</dct:title></rdf:Description></rdf:RDF>').encode("latin-1")
    graph = parse(data, format="xml")
    assert {str(o) for o in graph.objects()} == {"café"}


# --- JSON-LD contexts never come from the network ----------------------------------------------


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on localhost that records every request: it must see none."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            body = json.dumps(CONTEXTS[DCAT_AP_CONTEXT]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_dcat_ap_jsonld_without_its_context_is_refused() -> None:
    path = FIXTURES / "dcat-ap/3.0.1/examples/example-bee-population.jsonld"
    with pytest.raises(RDFError) as caught:
        parse(path.read_bytes(), filename=path.name)
    assert DCAT_AP_CONTEXT in str(caught.value)


@pytest.mark.parametrize("shape", ["string", "list", "import", "scoped", "relative"])
def test_remote_contexts_are_refused_and_never_fetched(local_server, shape: str) -> None:
    url, hits = local_server
    remote = f"{url}/context.jsonld"
    context = {
        "string": remote,
        "list": [{"dct": "http://purl.org/dc/terms/"}, remote],
        "import": {"@version": 1.1, "@import": remote},
        "scoped": {"@version": 1.1,
                   "Dataset": {"@id": "http://www.w3.org/ns/dcat#Dataset", "@context": remote}},
        "relative": "context.jsonld",
    }[shape]
    doc = {"@context": context, "@id": "http://example.org/d", "@type": "Dataset",
           "http://purl.org/dc/terms/title": "x"}
    with pytest.raises(RDFError) as caught:
        parse(json.dumps(doc).encode(), format="json-ld", base=f"{url}/doc.jsonld")
    assert remote in str(caught.value)
    assert hits == []


def test_supplied_context_is_used_instead_of_the_network(local_server) -> None:
    url, hits = local_server
    path = FIXTURES / "dcat-ap/3.0.1/examples/example-bee-population.jsonld"
    doc = json.loads(path.read_bytes())
    doc["@context"] = f"{url}/context.jsonld"
    supplied = {f"{url}/context.jsonld": CONTEXTS[DCAT_AP_CONTEXT]}
    graph = parse(json.dumps(doc).encode(), format="json-ld", contexts=supplied)
    assert isomorphic(graph, load(path.with_suffix(".ttl")))
    assert hits == []


# --- encodings and syntax errors -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["w3c-dcat3/examples/basic-example.ttl",
                                  "dcat-ap/2.1.1/examples/example1.nt",
                                  "w3c-dcat3/examples/basic-example.jsonld",
                                  "w3c-dcat3/examples/basic-example.rdf"])
def test_utf8_bom_is_accepted(name: str) -> None:
    path = FIXTURES / name
    assert isomorphic(parse(b"\xef\xbb\xbf" + path.read_bytes(), filename=path.name), load(path))


def test_undecodable_input_is_a_clear_error() -> None:
    data = '@prefix dct: <http://purl.org/dc/terms/> .\n<http://e/d> dct:title "café" .\n'.encode("latin-1")
    with pytest.raises(RDFError) as caught:
        parse(data, filename="latin1.ttl")
    assert str(caught.value).startswith("latin1.ttl:2: not UTF-8")


def test_not_utf8_fixture_is_refused_as_turtle() -> None:
    path = FIXTURES / "iso19139/datagov-harvester/decode_error.xml"
    with pytest.raises(RDFError) as caught:
        parse(path.read_bytes(), format="turtle", filename=path.name)
    assert "not UTF-8" in str(caught.value) and caught.value.line


@pytest.mark.parametrize(("fmt", "data", "line"), [
    ("turtle", b"@prefix ex: <http://e/> .\n\nex:a ex:b ex:c .\nex:a ex:b ex:c ex:d .\n", 4),
    ("nt", b"<http://a> <http://b> <http://c> .\n<http://a> <http://b> c .\n", 2),
    ("json-ld", b'{"@id": "http://e/a",\n "http://e/b": }', 2),
])
def test_syntax_errors_give_the_line(fmt: str, data: bytes, line: int) -> None:
    with pytest.raises(RDFError) as caught:
        parse(data, format=fmt, filename=f"bad.{fmt}")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"bad.{fmt}:{line}: ")


def test_json_that_is_not_rdf_is_an_rdf_error() -> None:
    path = FIXTURES / "dcat-us/pod-dashboard-tests/baddata.json"
    with pytest.raises(RDFError):
        parse(path.read_bytes(), filename=path.name)


# --- formats, hashing ----------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "content_type", "expected"), [
    ("a.ttl", None, "turtle"), ("a.rdf", None, "xml"), ("a.owl", None, "xml"), ("a.xml", None, "xml"),
    ("a.nt", None, "nt"), ("a.jsonld", None, "json-ld"), ("a.json", None, "json-ld"),
    (None, "text/turtle; charset=utf-8", "turtle"), (None, "application/rdf+xml", "xml"),
    (None, "application/n-triples", "nt"), (None, "application/ld+json", "json-ld"),
    ("a.bin", "application/ld+json", "json-ld"),
])
def test_guess_format(filename: str | None, content_type: str | None, expected: str) -> None:
    assert guess_format(filename, content_type) == expected
    assert expected in CONTENT_TYPES


@pytest.mark.parametrize("path", PARSEABLE, ids=lambda p: p.name)
def test_guess_format_from_content_alone(path: Path) -> None:
    assert guess_format(data=path.read_bytes()) == guess_format(path.name)


@pytest.mark.parametrize(("name", "expected"), [
    ("turtle", "turtle"), ("ttl", "turtle"), ("text/turtle", "turtle"), ("xml", "xml"), ("pretty-xml", "xml"),
    ("application/rdf+xml", "xml"), ("nt", "nt"), ("ntriples", "nt"), ("json-ld", "json-ld"),
    (".jsonld", "json-ld"), ("application/ld+json; charset=utf-8", "json-ld"),
])
def test_normalize_format(name: str, expected: str) -> None:
    assert normalize_format(name) == expected


def test_unknown_format_without_clues_is_an_error() -> None:
    with pytest.raises(RDFError):
        normalize_format("n3-with-rules")
    with pytest.raises(RDFError):
        guess_format("data.bin")


def test_canonical_nt_and_hash_ignore_blank_node_labels() -> None:
    path = FIXTURES / "w3c-dcat3/examples/csiro-dap-examples.ttl"
    first, second = load(path), load(path)  # different blank-node labels each time
    assert set(first) != set(second)
    assert canonical_nt(first) == canonical_nt(second)
    assert content_hash(first) == content_hash(second)
    assert content_hash(first) != content_hash(load(FIXTURES / "w3c-dcat3/examples/basic-example.ttl"))
    lines = canonical_nt(first).splitlines()
    assert lines == sorted(lines) and len(lines) == len(first)
