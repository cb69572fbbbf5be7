"""The typed projection of a DCAT-AP 3 record: the one mapping from graph to Python.

The graph stays the source of truth; this projection is what views (HTML, search documents, CKAN dicts,
data.json, schema.org) read, so none of them has to walk RDF. It is a pure function of the graph and is
stored as JSON beside it, so it can always be rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, field, is_dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from catalog.namespaces import ADMS, DCAT, DCATAP, DCT, FOAF, LOCN, OWL, RDF, SKOS, SPDX, VCARD

LangText = dict[str, str]
"""Language tag -> text; the untagged value is stored under ""."""

KINDS = {DCAT.Dataset: "Dataset", DCAT.DatasetSeries: "DatasetSeries", DCAT.DataService: "DataService"}


def _plain(value: Any) -> Any:
    """`dataclasses.asdict` for the projection's plain values (strings, numbers, lists, dicts): fresh
    containers, without asdict's deepcopy of every leaf, which made it a sixth of the dataset API's CPU."""
    kind = type(value)
    if kind is str or value is None:
        return value
    if kind is list:
        return [_plain(v) for v in value]
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    if is_dataclass(value):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def pick(text: LangText | None, lang: str = "zh", fallback: tuple[str, ...] = ("en", "zh", "")) -> str:
    """Best text for a reader of `lang`: exact tag, then its primary subtag, then fallbacks, then any."""
    if not text:
        return ""
    for tag in (lang, lang.split("-")[0], *fallback):
        if tag in text:
            return text[tag]
        for key, value in text.items():
            if key.split("-")[0] == tag and tag:
                return value
    return next(iter(text.values()))


@dataclass
class Agent:
    iri: str | None
    name: LangText = field(default_factory=dict)
    email: str | None = None
    homepage: str | None = None
    type: str | None = None


@dataclass
class Contact:
    iri: str | None
    name: LangText = field(default_factory=dict)
    email: str | None = None
    url: str | None = None
    phone: str | None = None


@dataclass
class Location:
    iri: str | None
    label: LangText = field(default_factory=dict)
    geometry: str | None = None  # WKT or GeoJSON literal as published
    bbox: str | None = None
    centroid: str | None = None


@dataclass
class Period:
    start: str | None = None
    end: str | None = None


@dataclass
class Distribution:
    iri: str | None
    title: LangText = field(default_factory=dict)
    description: LangText = field(default_factory=dict)
    access_url: str | None = None
    download_url: str | None = None
    access_service: str | None = None
    media_type: str | None = None
    format: str | None = None
    byte_size: int | None = None
    license: str | None = None
    rights: str | None = None
    issued: str | None = None
    modified: str | None = None
    conforms_to: list[str] = field(default_factory=list)
    checksum: str | None = None


@dataclass
class Dataset:
    iri: str
    kind: str = "Dataset"
    identifier: list[str] = field(default_factory=list)
    title: LangText = field(default_factory=dict)
    description: LangText = field(default_factory=dict)
    keywords: dict[str, list[str]] = field(default_factory=dict)
    themes: list[str] = field(default_factory=list)
    publisher: Agent | None = None
    creator: list[Agent] = field(default_factory=list)
    contact: list[Contact] = field(default_factory=list)
    distributions: list[Distribution] = field(default_factory=list)
    spatial: list[Location] = field(default_factory=list)
    temporal: list[Period] = field(default_factory=list)
    issued: str | None = None
    modified: str | None = None
    license: str | None = None
    access_rights: str | None = None
    frequency: str | None = None
    conforms_to: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    landing_page: list[str] = field(default_factory=list)
    documentation: list[str] = field(default_factory=list)
    version: str | None = None
    in_series: list[str] = field(default_factory=list)
    endpoint_url: list[str] = field(default_factory=list)
    serves_dataset: list[str] = field(default_factory=list)
    applicable_legislation: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dataset:
        data = dict(data)
        data["publisher"] = Agent(**data["publisher"]) if data.get("publisher") else None
        data["creator"] = [Agent(**a) for a in data.get("creator", [])]
        data["contact"] = [Contact(**c) for c in data.get("contact", [])]
        data["distributions"] = [Distribution(**d) for d in data.get("distributions", [])]
        data["spatial"] = [Location(**s) for s in data.get("spatial", [])]
        data["temporal"] = [Period(**p) for p in data.get("temporal", [])]
        return cls(**data)

    def text(self, name: str, lang: str = "zh") -> str:
        return pick(getattr(self, name), lang)

    @property
    def formats(self) -> list[str]:
        return sorted({d.format or d.media_type for d in self.distributions if d.format or d.media_type})


class _Reader:
    """Small helpers over one graph: first value, all values, language maps."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph

    def ref(self, node: Node, prop: URIRef) -> str | None:
        values = sorted(str(o) for o in self.g.objects(node, prop) if not isinstance(o, BNode))
        return values[0] if values else None

    def refs(self, node: Node, prop: URIRef) -> list[str]:
        return sorted({str(o) for o in self.g.objects(node, prop) if not isinstance(o, BNode)})

    def nodes(self, node: Node, prop: URIRef) -> list[Node]:
        return sorted(self.g.objects(node, prop), key=str)

    def lang(self, node: Node, *props: URIRef) -> LangText:
        out: LangText = {}
        for prop in props:
            for o in sorted(self.g.objects(node, prop), key=str):
                if isinstance(o, Literal):
                    out.setdefault(o.language or "", str(o).strip())
            if out:
                break
        return out

    def mailto(self, node: Node, prop: URIRef) -> str | None:
        value = self.ref(node, prop)
        return value[len("mailto:"):] if value and value.startswith("mailto:") else value

    def iri(self, node: Node) -> str | None:
        return None if isinstance(node, BNode) else str(node)


def _agent(r: _Reader, node: Node) -> Agent:
    name = r.lang(node, FOAF.name, VCARD.fn, SKOS.prefLabel)
    email, homepage = r.mailto(node, FOAF.mbox), r.ref(node, FOAF.homepage)
    return Agent(r.iri(node), name, email, homepage, r.ref(node, DCT.type))


def _contact(r: _Reader, node: Node) -> Contact:
    return Contact(
        r.iri(node),
        r.lang(node, VCARD.fn, VCARD["organization-name"], FOAF.name),
        r.mailto(node, VCARD.hasEmail),
        r.ref(node, VCARD.hasURL),
        r.mailto(node, VCARD.hasTelephone),
    )


def _location(r: _Reader, node: Node) -> Location:
    return Location(
        r.iri(node),
        r.lang(node, SKOS.prefLabel, RDF.value, LOCN.geographicName),
        r.ref(node, LOCN.geometry),
        r.ref(node, DCAT.bbox),
        r.ref(node, DCAT.centroid),
    )


def _period(r: _Reader, node: Node) -> Period:
    start = r.ref(node, DCAT.startDate) or _nested_time(r, node, "hasBeginning")
    end = r.ref(node, DCAT.endDate) or _nested_time(r, node, "hasEnd")
    return Period(start, end)


def _nested_time(r: _Reader, node: Node, link: str) -> str | None:
    time = URIRef("http://www.w3.org/2006/time#")
    for instant in r.nodes(node, URIRef(str(time) + link)):
        for prop in ("inXSDDate", "inXSDDateTime", "inXSDDateTimeStamp"):
            value = r.ref(instant, URIRef(str(time) + prop))
            if value:
                return value
    return None


def _byte_size(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def _distribution(r: _Reader, node: Node) -> Distribution:
    checksum = next((r.ref(c, SPDX.checksumValue) for c in r.nodes(node, SPDX.checksum)), None)
    return Distribution(
        iri=r.iri(node),
        title=r.lang(node, DCT.title),
        description=r.lang(node, DCT.description),
        access_url=r.ref(node, DCAT.accessURL),
        download_url=r.ref(node, DCAT.downloadURL),
        access_service=next((r.iri(s) for s in r.nodes(node, DCAT.accessService)), None),
        media_type=r.ref(node, DCAT.mediaType),
        format=r.ref(node, DCT.format),
        byte_size=_byte_size(r.ref(node, DCAT.byteSize)),
        license=r.ref(node, DCT.license),
        rights=r.ref(node, DCT.rights),
        issued=r.ref(node, DCT.issued),
        modified=r.ref(node, DCT.modified),
        conforms_to=r.refs(node, DCT.conformsTo),
        checksum=checksum,
    )


def _identifiers(r: _Reader, node: Node) -> list[str]:
    ids = r.refs(node, DCT.identifier)
    ids += [v for other in r.nodes(node, ADMS.identifier) for v in r.refs(other, SKOS.notation)]
    return ids


def kind_of(graph: Graph, node: Node) -> str:
    kinds = [KINDS[t] for t in graph.objects(node, RDF.type) if t in KINDS]
    return sorted(kinds)[0] if kinds else "Dataset"


def from_graph(graph: Graph, node: Node) -> Dataset:
    """Project one record's graph onto the typed model."""
    r = _Reader(graph)
    keywords: dict[str, list[str]] = {}
    for kw in sorted(graph.objects(node, DCAT.keyword), key=str):
        if isinstance(kw, Literal):
            keywords.setdefault(kw.language or "", []).append(str(kw).strip())
    publisher = next((_agent(r, p) for p in r.nodes(node, DCT.publisher)), None)
    distributions = sorted(
        (_distribution(r, d) for d in r.nodes(node, DCAT.distribution)),
        key=lambda d: (d.iri or "", d.access_url or "", d.download_url or ""),
    )
    return Dataset(
        iri=str(node),
        kind=kind_of(graph, node),
        identifier=_identifiers(r, node),
        title=r.lang(node, DCT.title),
        description=r.lang(node, DCT.description),
        keywords=keywords,
        themes=r.refs(node, DCAT.theme),
        publisher=publisher,
        creator=[_agent(r, c) for c in r.nodes(node, DCT.creator)],
        contact=[_contact(r, c) for c in r.nodes(node, DCAT.contactPoint)],
        distributions=distributions,
        spatial=[_location(r, s) for s in r.nodes(node, DCT.spatial)],
        temporal=[_period(r, t) for t in r.nodes(node, DCT.temporal)],
        issued=r.ref(node, DCT.issued),
        modified=r.ref(node, DCT.modified),
        license=r.ref(node, DCT.license),
        access_rights=r.ref(node, DCT.accessRights),
        frequency=r.ref(node, DCT.accrualPeriodicity),
        conforms_to=r.refs(node, DCT.conformsTo),
        language=r.refs(node, DCT.language),
        landing_page=r.refs(node, DCAT.landingPage),
        documentation=r.refs(node, FOAF.page),
        version=r.ref(node, DCAT.version) or r.ref(node, OWL.versionInfo),
        in_series=r.refs(node, DCAT.inSeries),
        endpoint_url=r.refs(node, DCAT.endpointURL),
        serves_dataset=r.refs(node, DCAT.servesDataset),
        applicable_legislation=r.refs(node, DCATAP.applicableLegislation),
    )
