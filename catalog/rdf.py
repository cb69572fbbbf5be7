"""The one place where Kaifang parses and serialises RDF.

Harvested metadata is untrusted input, so every parse goes through the same guards:

* RDF/XML is checked with defusedxml before rdflib sees it: DTDs (and so entity declarations,
  billion-laughs and external entities) are refused outright. Well-behaved RDF/XML never needs them.
* JSON-LD never touches the network: every ``@context`` / ``@import`` reference is replaced by a
  document from the caller's ``contexts`` mapping *before* rdflib sees the JSON, so rdflib's context
  loader has nothing to fetch. This is per call and thread-safe (no global patching).
* Text formats must be UTF-8 (a BOM is accepted); anything else is a clear error with its line.

Every failure is an :class:`RDFError` whose ``str()`` is one line, ``file.ttl:3: reason``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import xml.sax
from collections.abc import Iterable, Iterator, Mapping
from copy import deepcopy
from io import BytesIO
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urljoin

import defusedxml.sax
from defusedxml import DefusedXmlException
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.parser import PythonInputSource
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node

FORMATS = {"turtle", "xml", "nt", "json-ld"}

EXTENSION_FORMATS = {
    "ttl": "turtle", "turtle": "turtle", "n3": "turtle",
    "rdf": "xml", "owl": "xml", "xml": "xml",
    "nt": "nt",
    "jsonld": "json-ld", "json": "json-ld",
}
MEDIA_TYPE_FORMATS = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "text/n3": "turtle",
    "application/rdf+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld", "application/json": "json-ld",
}
_ALIASES = {"rdf+xml": "xml", "pretty-xml": "xml", "rdf/xml": "xml", "ntriples": "nt", "n-triples": "nt",
            "ld+json": "json-ld", "jsonld": "json-ld"}
CONTENT_TYPES = {
    "turtle": "text/turtle",
    "xml": "application/rdf+xml",
    "nt": "application/n-triples",
    "json-ld": "application/ld+json",
}
EXTENSIONS = {"turtle": "ttl", "xml": "rdf", "nt": "nt", "json-ld": "jsonld"}

PREFIXES = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "adms": "http://www.w3.org/ns/adms#",
    "locn": "http://www.w3.org/ns/locn#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "schema": "http://schema.org/",
    "spdx": "http://spdx.org/rdf/terms#",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "prov": "http://www.w3.org/ns/prov#",
}

# Relative IRIs in a document parsed without a base resolve against this reserved (.invalid) host,
# instead of rdflib's default of the process's working directory.
DEFAULT_BASE = "https://kaifang.invalid/"
_MAX_CONTEXT_DEPTH = 16


class RDFError(ValueError):
    """Input that is not acceptable RDF; ``str()`` is a single line naming file and line."""

    def __init__(self, message: str, *, filename: str | None = None, line: int | None = None) -> None:
        self.filename = filename
        self.line = line
        self.message = " ".join(str(message).split())[:500]
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.filename or "<data>"
        return f"{where}:{self.line}: {self.message}" if self.line else f"{where}: {self.message}"


def normalize_format(name: str) -> str:
    """Accept an rdflib format name, a file extension or a media type; return one of FORMATS."""
    key = name.strip().lower().split(";")[0].strip().lstrip(".")
    found = key if key in FORMATS else (EXTENSION_FORMATS.get(key) or MEDIA_TYPE_FORMATS.get(key)
                                        or _ALIASES.get(key))
    if found is None:
        raise RDFError(f"unknown RDF format {name!r}")
    return found


def guess_format(filename: str | None = None, content_type: str | None = None,
                 data: bytes | None = None) -> str:
    """Pick the parser: explicit media type first, then extension, then a look at the bytes."""
    if content_type:
        media = content_type.split(";")[0].strip().lower()
        if media in MEDIA_TYPE_FORMATS:
            return MEDIA_TYPE_FORMATS[media]
    if filename:
        ext = PurePosixPath(filename).suffix.lower().lstrip(".")
        if ext in EXTENSION_FORMATS:
            return EXTENSION_FORMATS[ext]
    if data:
        return _sniff(data)
    raise RDFError("cannot tell the RDF format", filename=filename)


def _sniff(data: bytes) -> str:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "json-ld"
    if re.match(rb"(<[^>\s]*>\s*){2}", head) and not re.search(rb"(?im)^\s*(@prefix|prefix|@base)", head):
        return "nt"
    if re.match(rb"<(\?xml|!--|!DOCTYPE|[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*[\s/>])", head):
        return "xml"
    return "turtle"


def parse(data: bytes, *, format: str | None = None, filename: str | None = None, base: str | None = None,
          contexts: Mapping[str, Any] | None = None) -> Graph:
    """Parse untrusted bytes into a fresh Graph, or raise RDFError.

    ``contexts`` maps JSON-LD context URLs to their documents (parsed JSON or bytes/str); any
    other remote context is refused, never fetched.
    """
    fmt = normalize_format(format) if format else guess_format(filename, data=data)
    base = base or DEFAULT_BASE
    graph = Graph(bind_namespaces="core")
    try:
        if fmt == "xml":
            _check_xml(data, filename)
            graph.parse(source=BytesIO(data), format="xml", publicID=base)  # expat reads the encoding
        elif fmt == "json-ld":
            doc = _json(_text(data, filename), filename)
            doc = _inline_contexts(doc, base, contexts or {}, filename)
            graph.parse(source=PythonInputSource(doc, base), format="json-ld", base=base)
        else:
            graph.parse(data=_text(data, filename), format=fmt, publicID=base)
    except RDFError:
        raise
    except BadSyntax as exc:
        raise RDFError(exc._why, filename=filename, line=exc.lines + 1) from exc
    except xml.sax.SAXParseException as exc:
        raise RDFError(exc.getMessage(), filename=filename, line=exc.getLineNumber()) from exc
    except Exception as exc:  # rdflib raises many types; callers need exactly one
        raise RDFError(str(exc) or type(exc).__name__, filename=filename, line=_nt_line(exc, data)) from exc
    return graph


def _text(data: bytes, filename: str | None) -> str:
    """Decode as UTF-8 (the only encoding Turtle, N-Triples and JSON-LD allow), dropping a BOM."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RDFError(f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                       filename=filename, line=line) from exc


def _json(text: str, filename: str | None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RDFError(f"invalid JSON: {exc.msg}", filename=filename, line=exc.lineno) from exc


def _check_xml(data: bytes, filename: str | None) -> None:
    """Run defusedxml over the document first: refuse any DTD, entity or external reference."""
    try:
        defusedxml.sax.parseString(data, xml.sax.ContentHandler(), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise RDFError(f"refused unsafe XML ({type(exc).__name__}): DTDs and entities are not allowed",
                       filename=filename) from exc
    except xml.sax.SAXParseException as exc:
        raise RDFError(exc.getMessage(), filename=filename, line=exc.getLineNumber()) from exc


def _nt_line(exc: Exception, data: bytes) -> int | None:
    """rdflib's N-Triples parser names the bad line's text but not its number: find it."""
    match = re.match(r"Invalid line(?: \(.*?\))?: (.*)", str(exc), re.S)
    if not match or not match.group(1).strip():
        return None
    needle = match.group(1).strip().encode("utf-8", "replace")
    for number, line in enumerate(data.splitlines(), start=1):
        if line.strip() == needle or needle in line:
            return number
    return None


def _inline_contexts(doc: Any, base: str, contexts: Mapping[str, Any], filename: str | None) -> Any:
    """Return a copy of a JSON-LD document with every remote context replaced by a supplied one."""

    def load(ref: str, depth: int) -> Any:
        url = urljoin(base, ref)
        key = ref if ref in contexts else url
        if key not in contexts:
            raise RDFError(f"remote JSON-LD context {url} is not allowed (not supplied)", filename=filename)
        if depth > _MAX_CONTEXT_DEPTH:
            raise RDFError(f"JSON-LD context {url} nests too deeply", filename=filename)
        supplied = contexts[key]
        if isinstance(supplied, bytes | str):
            supplied = _json(supplied.decode("utf-8-sig") if isinstance(supplied, bytes) else supplied, key)
        if not isinstance(supplied, dict) or "@context" not in supplied:
            raise RDFError(f"supplied JSON-LD context {url} has no @context", filename=filename)
        return context(deepcopy(supplied["@context"]), depth + 1)

    def context(value: Any, depth: int) -> Any:
        if isinstance(value, str):
            return load(value, depth)
        if isinstance(value, list):
            flat: list[Any] = []
            for item in value:
                resolved = context(item, depth)
                flat.extend(resolved if isinstance(resolved, list) else [resolved])
            return flat
        if isinstance(value, dict):
            value = walk(value, depth)
            if isinstance(value.get("@import"), str):
                imported = load(value.pop("@import"), depth)
                imported = imported if isinstance(imported, dict) else {}
                value = {**imported, **value}
        return value

    def walk(node: Any, depth: int) -> Any:
        if isinstance(node, list):
            return [walk(item, depth) for item in node]
        if not isinstance(node, dict) or "@value" in node:
            return node  # JSON literals are data, not syntax
        return {key: context(val, depth) if key == "@context" else walk(val, depth)
                for key, val in node.items()}

    return walk(doc, 0)


def serialize(graph: Graph, format: str) -> bytes:
    """Serialise with Kaifang's readable prefixes (dcat:, dct:, foaf: …); the input is not modified."""
    fmt = normalize_format(format)
    out = Graph(bind_namespaces="core")
    for prefix, namespace in graph.namespaces():
        if prefix and namespace not in PREFIXES.values():
            out.bind(prefix, namespace, override=False)
    for prefix, namespace in PREFIXES.items():
        out.bind(prefix, namespace, override=True, replace=True)
    out += graph
    if fmt == "json-ld":
        # A prefix that is also the scheme of an IRI in the data ("xsd:date" as a literal IRI) would
        # change that IRI when compacted, so such prefixes stay out of the context.
        schemes = {term.split(":", 1)[0] for term in _iris(graph)}
        context = {prefix: str(ns) for prefix, ns in out.namespaces() if prefix and prefix not in schemes}
        return out.serialize(format="json-ld", context=context, encoding="utf-8")
    if fmt == "turtle":
        buffer = BytesIO()
        _LosslessTurtle(out).serialize(buffer, encoding="utf-8")
        return buffer.getvalue()
    if fmt == "xml":
        # XML parsers turn a raw CR into LF; escape it so literals keep their exact text.
        return out.serialize(format="xml", encoding="utf-8").replace(b"\r", b"&#13;")
    return out.serialize(format=fmt, encoding="utf-8")


def _iris(graph: Graph) -> set[str]:
    found: set[str] = set()
    for triple in graph:
        for term in triple:
            if isinstance(term, Literal):
                if term.datatype:
                    found.add(str(term.datatype))
            elif not isinstance(term, BNode):
                found.add(str(term))
    return found


class _LosslessTurtle(TurtleSerializer):
    """rdflib's Turtle shorthand rewrites numbers ("5120"^^xsd:decimal becomes 5120.0, which is a
    different literal); use the shorthand only when it keeps the lexical form."""

    def label(self, node, position):  # noqa: ANN001, ANN201 - rdflib's signature
        if not isinstance(node, Literal):
            return super().label(node, position)
        qname = lambda dt: self.get_pname(dt, False)  # noqa: E731
        plain = node._literal_n3(use_plain=True, qname_callback=qname)
        return plain if plain == str(node) else node._literal_n3(use_plain=False, qname_callback=qname)


def canonical_nt(graph: Graph) -> str:
    """Sorted N-Triples with canonical blank-node labels: equal graphs give equal text."""
    if isinstance(graph, TripleIndex):
        graph = graph.graph()
    if any(isinstance(term, BNode) for triple in graph for term in triple):
        graph = to_canonical_graph(graph)
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    lines = sorted(line for line in text.splitlines() if line.strip())
    return "".join(line + "\n" for line in lines)


def content_hash(graph: Graph) -> str:
    """sha256 hex of :func:`canonical_nt`, for storage and change detection."""
    return hashlib.sha256(canonical_nt(graph).encode("utf-8")).hexdigest()


# -- fast parsing into a triple index (harvested pages) ------------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# rdflib keeps `"x"^^xsd:string` apart from `"x"`; RDF 1.1 (and pyoxigraph) does not: pages that write the
# datatype out are parsed by rdflib, so both parsers always give the same terms.
_EXPLICIT_STRING = re.compile(rb"\^\^\s*(?:<[^>]*#string>|[A-Za-z_][\w.-]*:string\b|:string\b)")
# rdflib keeps a language tag's case ("en-US"), pyoxigraph lowers it: such pages go to rdflib too.
_UPPER_LANGUAGE = re.compile(rb"[\"']@[a-z0-9-]*[A-Z]")
_FAST_FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES"}


class TripleIndex:
    """A read-mostly set of triples indexed by subject, with the few rdflib ``Graph`` methods that
    splitting, projecting and canonicalising a record use (``catalog.records``, ``catalog.model``,
    ``catalog.canonical``), at dict speed. Pages parsed by :func:`parse_index` are split into these
    instead of into rdflib Graphs (whose store costs ~10 µs a lookup). ``graph()`` gives a real Graph."""

    __slots__ = ("_by_predicate", "_size", "spo")

    def __init__(self, triples: Iterable[tuple[Node, Node, Node]] = ()) -> None:
        self.spo: dict[Node, dict[Node, list[Node]]] = {}
        self._by_predicate: dict[Node, list[tuple[Node, Node]]] | None = None
        self._size = 0
        for triple in triples:
            self.add(triple)

    @classmethod
    def of_subjects(cls, source: TripleIndex, subjects: Iterable[Node]) -> TripleIndex:
        """The triples of `subjects` in `source` (their lists are shared, not copied: neither changes)."""
        out = cls()
        for subject in subjects:
            found = source.spo.get(subject)
            if found:
                out.spo[subject] = found
                out._size += sum(len(objects) for objects in found.values())
        return out

    def add(self, triple: tuple[Node, Node, Node]) -> None:
        s, p, o = triple
        objects = self.spo.setdefault(s, {}).setdefault(p, [])
        if o not in objects:
            objects.append(o)
            self._size += 1
            self._by_predicate = None

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[tuple[Node, Node, Node]]:
        for s, pos in self.spo.items():
            for p, objects in pos.items():
                for o in objects:
                    yield s, p, o

    def __contains__(self, pattern: tuple[Node | None, Node | None, Node | None]) -> bool:
        s, p, o = pattern
        if s is not None and p is None and o is None:
            return s in self.spo
        return next(self.triples(pattern), None) is not None

    def by_predicate(self) -> dict[Node, list[tuple[Node, Node]]]:
        if self._by_predicate is None:
            index: dict[Node, list[tuple[Node, Node]]] = {}
            for s, pos in self.spo.items():
                for p, objects in pos.items():
                    pairs = index.setdefault(p, [])
                    pairs.extend((s, o) for o in objects)
            self._by_predicate = index
        return self._by_predicate

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None],
                ) -> Iterator[tuple[Node, Node, Node]]:
        s, p, o = pattern
        if s is not None:
            pos = self.spo.get(s, {})
            items = [(p, pos.get(p, []))] if p is not None else list(pos.items())
            for pred, objects in items:
                for obj in objects:
                    if o is None or obj == o:
                        yield s, pred, obj
        elif p is not None:
            for subj, obj in self.by_predicate().get(p, ()):
                if o is None or obj == o:
                    yield subj, p, obj
        else:
            for triple in self:
                if o is None or triple[2] == o:
                    yield triple

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        if subject is not None and predicate is not None:
            return iter(self.spo.get(subject, {}).get(predicate, ()))
        return (o for _, _, o in self.triples((subject, predicate, None)))

    def subjects(self, predicate: Node | None = None, object: Node | None = None,  # noqa: A002 - rdflib's
                 unique: bool = False) -> Iterator[Node]:
        if predicate is None and object is None:
            return iter(list(self.spo))
        found = (s for s, _, _ in self.triples((None, predicate, object)))
        return iter(dict.fromkeys(found)) if unique else found

    def predicate_objects(self, subject: Node) -> Iterator[tuple[Node, Node]]:
        for p, objects in self.spo.get(subject, {}).items():
            for o in objects:
                yield p, o

    def value(self, subject: Node, predicate: Node) -> Node | None:
        objects = self.spo.get(subject, {}).get(predicate)
        return objects[0] if objects else None

    def transitive_subjects(self, predicate: Node, object: Node) -> Iterator[Node]:  # noqa: A002
        seen, todo = {object}, [object]
        yield object
        while todo:
            for subject in self.subjects(predicate, todo.pop()):
                if subject not in seen:
                    seen.add(subject)
                    todo.append(subject)
                    yield subject

    def graph(self) -> Graph:
        out = Graph()
        for triple in self:
            out.add(triple)
        return out


def parse_index(data: bytes, *, format: str | None = None, filename: str | None = None,
                base: str | None = None, contexts: Mapping[str, Any] | None = None) -> TripleIndex:
    """Like :func:`parse`, into a :class:`TripleIndex`. Turtle and N-Triples are parsed by pyoxigraph
    (native, ~4× faster) into the very terms rdflib's parser makes; whatever pyoxigraph refuses or could
    give differently (an explicit xsd:string, RDF 1.2 terms, text that is not UTF-8 ...) is parsed by
    :func:`parse`, which then accepts it or raises its RDFError as always."""
    fmt = normalize_format(format) if format else guess_format(filename, data=data)
    if fmt in _FAST_FORMATS and not _EXPLICIT_STRING.search(data) and not _UPPER_LANGUAGE.search(data):
        with contextlib.suppress(Exception):  # refused: rdflib decides (and words the error)
            return _oxigraph_index(data, fmt, base or DEFAULT_BASE)
    return TripleIndex(parse(data, format=fmt, filename=filename, base=base, contexts=contexts))


def _oxigraph_index(data: bytes, fmt: str, base: str) -> TripleIndex:
    import pyoxigraph

    terms: dict[Any, Node] = {}
    index = TripleIndex()
    quads = pyoxigraph.parse(data, format=getattr(pyoxigraph.RdfFormat, _FAST_FORMATS[fmt]), base_iri=base,
                             without_named_graphs=True, rename_blank_nodes=True)
    for quad in quads:
        triple = []
        for term in (quad.subject, quad.predicate, quad.object):
            found = terms.get(term)
            if found is None:
                found = terms[term] = _rdflib_term(term, pyoxigraph)
            triple.append(found)
        index.add(tuple(triple))  # type: ignore[arg-type]
    return index


def _rdflib_term(term: Any, pyoxigraph: Any) -> Node:
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.direction is not None:
            raise ValueError("directional language string")
        if term.language is not None:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise ValueError(f"unsupported term {term!r}")  # RDF 1.2 triple terms
