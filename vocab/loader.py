"""Read Kaifang's SKOS vocabularies (vocab/data/*.ttl) and answer label and lookup questions about them.

Harvesters turn the free text real portals write ("每天", "无条件开放", "xlsx", a licence URL)
into concept IRIs with `vocabulary(name).lookup(text)`; views turn IRIs back into zh/en labels with
`label_for`. Each file is parsed once per process: the vocabularies are small, static, and read on every
request.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import RDF, SKOS, Graph, URIRef

DATA_DIR = Path(__file__).parent / "data"
SHAPES_PATH = Path(__file__).parent / "shapes" / "kaifang-dcat-ap.ttl"

# vocabulary name -> data file; the names are the stable API, the files may be reorganised.
_FILES = {
    "eu-theme": "eu-data-theme.ttl",
    "cn-theme": "cn-theme.ttl",
    "cn-domain": "cn-domain.ttl",
    "licence": "licence.ttl",
    "file-type": "file-type.ttl",
    "frequency": "frequency.ttl",
    "access-right": "access-right.ttl",
    "language": "language.ttl",
    "cn-admin": "cn-admin-division.ttl",
}

_MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch)
_CORE = {RDF.type, SKOS.inScheme, SKOS.prefLabel, SKOS.altLabel, SKOS.notation, *_MATCHES}
_SCHEME_PREFIX = re.compile(r"^https?://(www\.)?")


@dataclass(frozen=True)
class Concept:
    """One SKOS concept, flattened to plain Python values so callers never touch rdflib terms."""

    iri: str
    labels: dict[str, str] = field(hash=False)  # language tag -> skos:prefLabel
    alt_labels: tuple[str, ...] = ()
    notation: str | None = None
    matches: tuple[str, ...] = ()  # skos:exactMatch, closeMatch, broadMatch targets
    extra: dict[str, str] = field(default_factory=dict, hash=False)  # other properties by local name

    def label(self, lang: str = "zh", fallback: tuple[str, ...] = ("en", "zh")) -> str:
        """The prefLabel in `lang`, else in the first fallback language that has one, else the IRI."""
        for tag in (lang, *fallback):
            if tag in self.labels:
                return self.labels[tag]
        return next(iter(self.labels.values()), self.iri)


def normalize(text: str) -> str:
    """Key for lookups: NFKC (full-width -> ASCII), casefolded, no whitespace, no trailing punctuation.

    IRIs also lose their scheme, a leading "www." and a trailing slash, because catalogues write the same
    licence or authority IRI with http or https, with or without them.
    """
    key = "".join(unicodedata.normalize("NFKC", text).casefold().split())
    while key and unicodedata.category(key[-1]).startswith("P"):
        key = key[:-1]
    if "://" in key:
        key = _SCHEME_PREFIX.sub("", key).rstrip("/")
    return key


class Vocabulary:
    """One concept scheme, with an index from every name a concept goes by to the concept."""

    def __init__(self, name: str, g: Graph) -> None:
        self.name = name
        self.iri = str(next(g.subjects(RDF.type, SKOS.ConceptScheme)))
        self._concepts = {str(c): _concept(g, c) for c in sorted(g.subjects(RDF.type, SKOS.Concept))}
        self._index = _build_index(g, list(self._concepts.values()))

    def concepts(self) -> list[Concept]:
        return list(self._concepts.values())

    def get(self, iri: str) -> Concept | None:
        return self._concepts.get(iri)

    def lookup(self, text: str) -> Concept | None:
        """The concept whose IRI, notation, pref/alt label or exactMatch IRI equals `text` once normalised."""
        if not isinstance(text, str):
            return None
        return self._index.get(normalize(text))

    def __repr__(self) -> str:
        return f"Vocabulary({self.name!r}, {len(self._concepts)} concepts)"


def _concept(g: Graph, node: URIRef) -> Concept:
    labels = {lit.language or "": str(lit) for lit in g.objects(node, SKOS.prefLabel)}
    notation = g.value(node, SKOS.notation)
    extra = {}
    for p, o in sorted(g.predicate_objects(node)):
        if p not in _CORE:
            extra.setdefault(_local_name(p), str(o))
    return Concept(
        iri=str(node),
        labels=labels,
        alt_labels=tuple(sorted(str(a) for a in g.objects(node, SKOS.altLabel))),
        notation=None if notation is None else str(notation),
        matches=tuple(str(m) for p in _MATCHES for m in sorted(g.objects(node, p))),
        extra=extra,
    )


def _local_name(iri: URIRef) -> str:
    return re.split(r"[#/]", str(iri))[-1]


def _build_index(g: Graph, concepts: list[Concept]) -> dict[str, Concept]:
    """Names in priority order, so an explicit label always wins over an equivalent IRI from exactMatch.

    Only skos:exactMatch targets become names (e.g. a licence's own URL): close and broad matches are
    different concepts. Within one priority the first concept (by IRI) keeps a name; the data tests keep
    labels unambiguous.
    """
    index: dict[str, Concept] = {}
    passes = (
        lambda c: [c.iri],
        lambda c: [c.notation] if c.notation else [],
        lambda c: list(c.labels.values()),
        lambda c: list(c.alt_labels),
        lambda c: [str(m) for m in g.objects(URIRef(c.iri), SKOS.exactMatch)],
    )
    for names_of in passes:
        for concept in concepts:
            for name in names_of(concept):
                index.setdefault(normalize(name), concept)
    return index


@cache
def graph(name: str) -> Graph:
    """The SKOS graph of one vocabulary, to publish it or to give SHACL the concepts it checks against."""
    if name not in _FILES:
        raise KeyError(f"unknown vocabulary {name!r}; known: {', '.join(names())}")
    return Graph().parse(DATA_DIR / _FILES[name], format="turtle")


@cache
def vocabulary(name: str) -> Vocabulary:
    return Vocabulary(name, graph(name))


def names() -> list[str]:
    return list(_FILES)


@cache
def _all_concepts() -> dict[str, Concept]:
    return {c.iri: c for n in names() for c in vocabulary(n).concepts()}


def label_for(iri: str, lang: str = "zh") -> str | None:
    """Label of a concept of any Kaifang vocabulary, or None when the IRI is in none of them."""
    concept = _all_concepts().get(str(iri))
    return concept.label(lang) if concept else None


def shapes_path() -> Path:
    """Kaifang's DCAT-AP 3 SHACL profile (generated by vocab/build_shapes.py)."""
    return SHAPES_PATH

