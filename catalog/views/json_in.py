"""JSON -> DCAT: the dataset JSON of `GET /api/1/datasets/<name>` (the typed projection, catalog.model)
read back into a DCAT graph, so publishers can write the same shape they read.

The mapping is the projection's own, run backwards (catalog.model.from_graph reads each property):

- iri, kind: the subject and its rdf:type (Dataset, DatasetSeries, DataService)
- identifier: dct:identifier; title, description: dct:title, dct:description (language maps)
- keywords: dcat:keyword ({lang: [words]}); themes: dcat:theme
- publisher, creator: dct:publisher, dct:creator (foaf:Agent); contact: dcat:contactPoint (vcard:Kind)
- distributions: dcat:distribution; spatial: dct:spatial (dct:Location); temporal: dct:temporal
- issued, modified: dct:issued, dct:modified (xsd:date or xsd:dateTime when they look like one)
- license, access_rights, frequency: dct:license, dct:accessRights, dct:accrualPeriodicity
- conforms_to, language: dct:conformsTo, dct:language; landing_page: dcat:landingPage
- documentation: foaf:page; version: dcat:version; in_series: dcat:inSeries
- endpoint_url, serves_dataset: dcat:endpointURL, dcat:servesDataset
- applicable_legislation: dcatap:applicableLegislation

A language map's "" key is an untagged literal. Agents/contacts/locations with an `iri` keep it; the others
become blank nodes. Unknown keys are refused (a typo must not be dropped silently); `name`, `status` and
`links` (read-only, set by the portal) are ignored.
"""

from __future__ import annotations

import re
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from catalog.model import Agent, Contact, Dataset, Distribution, Location, Period
from catalog.namespaces import DCAT, DCATAP, DCT, FOAF, LOCN, RDF, SKOS, SPDX, VCARD, XSD

READ_ONLY = {"name", "status", "links"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_KIND = {"Dataset": DCAT.Dataset, "DatasetSeries": DCAT.DatasetSeries, "DataService": DCAT.DataService}
_REFS = {"themes": DCAT.theme, "conforms_to": DCT.conformsTo, "language": DCT.language,
         "landing_page": DCAT.landingPage, "documentation": FOAF.page, "in_series": DCAT.inSeries,
         "endpoint_url": DCAT.endpointURL, "serves_dataset": DCAT.servesDataset,
         "applicable_legislation": DCATAP.applicableLegislation}
_REF = {"license": DCT.license, "access_rights": DCT.accessRights, "frequency": DCT.accrualPeriodicity}


class JSONInputError(ValueError):
    """The body is not a dataset JSON object; `fields` says which keys are wrong and why."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def to_graph(data: Any) -> tuple[URIRef, Graph]:
    dataset = _dataset(data)
    g = Graph()
    node = URIRef(dataset.iri)
    g.add((node, RDF.type, _KIND[dataset.kind]))
    for value in dataset.identifier:
        g.add((node, DCT.identifier, Literal(value)))
    _texts(g, node, DCT.title, dataset.title)
    _texts(g, node, DCT.description, dataset.description)
    for tag, words in dataset.keywords.items():
        for word in words:
            g.add((node, DCAT.keyword, Literal(word, lang=tag or None)))
    for key, prop in _REFS.items():
        for iri in getattr(dataset, key):
            g.add((node, prop, URIRef(iri)))
    for key, prop in _REF.items():
        _ref(g, node, prop, getattr(dataset, key))
    _date(g, node, DCT.issued, dataset.issued)
    _date(g, node, DCT.modified, dataset.modified)
    if dataset.version:
        g.add((node, DCAT.version, Literal(dataset.version)))
    if dataset.publisher:
        g.add((node, DCT.publisher, _agent(g, dataset.publisher)))
    for agent in dataset.creator:
        g.add((node, DCT.creator, _agent(g, agent)))
    for contact in dataset.contact:
        g.add((node, DCAT.contactPoint, _contact(g, contact)))
    for dist in dataset.distributions:
        g.add((node, DCAT.distribution, _distribution(g, dist)))
    for place in dataset.spatial:
        g.add((node, DCT.spatial, _location(g, place)))
    for period in dataset.temporal:
        g.add((node, DCT.temporal, _period(g, period)))
    return node, g


def _dataset(data: Any) -> Dataset:
    if not isinstance(data, dict):
        raise JSONInputError({"": "the body must be a JSON object"})
    body = {k: v for k, v in data.items() if k not in READ_ONLY}
    unknown = set(body) - set(Dataset.__dataclass_fields__)
    if unknown:
        raise JSONInputError({k: "unknown key" for k in sorted(unknown)})
    if not isinstance(body.get("iri"), str) or not body["iri"].startswith(("http://", "https://", "urn:")):
        raise JSONInputError({"iri": "an absolute IRI is required"})
    if body.get("kind", "Dataset") not in _KIND:
        raise JSONInputError({"kind": f"one of {', '.join(_KIND)}"})
    try:
        return Dataset.from_dict(body)
    except TypeError as exc:  # a nested object with keys the model does not have
        raise JSONInputError({"": str(exc)}) from exc


def _node(iri: str | None) -> Node:
    return URIRef(iri) if iri else BNode()


def _texts(g: Graph, node: Node, prop: URIRef, text: dict[str, str]) -> None:
    for tag, value in (text or {}).items():
        if value:
            g.add((node, prop, Literal(value, lang=tag or None)))


def _ref(g: Graph, node: Node, prop: URIRef, iri: str | None) -> None:
    if iri:
        g.add((node, prop, URIRef(iri)))


def _mail(g: Graph, node: Node, prop: URIRef, address: str | None, scheme: str = "mailto:") -> None:
    if address:
        g.add((node, prop, URIRef(address if ":" in address else scheme + address)))


def _date(g: Graph, node: Node, prop: URIRef, value: str | None) -> None:
    if value:
        kind = XSD.date if _DATE.match(value) else XSD.dateTime if _DATETIME.match(value) else None
        g.add((node, prop, Literal(value, datatype=kind)))


def _agent(g: Graph, agent: Agent) -> Node:
    node = _node(agent.iri)
    g.add((node, RDF.type, FOAF.Agent))
    _texts(g, node, FOAF.name, agent.name)
    _mail(g, node, FOAF.mbox, agent.email)
    _ref(g, node, FOAF.homepage, agent.homepage)
    _ref(g, node, DCT.type, agent.type)
    return node


def _contact(g: Graph, contact: Contact) -> Node:
    node = _node(contact.iri)
    g.add((node, RDF.type, VCARD.Kind))
    _texts(g, node, VCARD.fn, contact.name)
    _mail(g, node, VCARD.hasEmail, contact.email)
    _ref(g, node, VCARD.hasURL, contact.url)
    _mail(g, node, VCARD.hasTelephone, contact.phone, "tel:")
    return node


def _distribution(g: Graph, dist: Distribution) -> Node:
    node = _node(dist.iri)
    g.add((node, RDF.type, DCAT.Distribution))
    _texts(g, node, DCT.title, dist.title)
    _texts(g, node, DCT.description, dist.description)
    for key, prop in (("access_url", DCAT.accessURL), ("download_url", DCAT.downloadURL),
                      ("access_service", DCAT.accessService), ("media_type", DCAT.mediaType),
                      ("format", DCT.format), ("license", DCT.license), ("rights", DCT.rights)):
        _ref(g, node, prop, getattr(dist, key))
    for iri in dist.conforms_to:
        g.add((node, DCT.conformsTo, URIRef(iri)))
    if dist.byte_size is not None:
        g.add((node, DCAT.byteSize, Literal(dist.byte_size, datatype=XSD.nonNegativeInteger)))
    _date(g, node, DCT.issued, dist.issued)
    _date(g, node, DCT.modified, dist.modified)
    if dist.checksum:
        checksum = BNode()
        g.add((node, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.checksumValue, Literal(dist.checksum)))
    return node


def _location(g: Graph, place: Location) -> Node:
    node = _node(place.iri)
    g.add((node, RDF.type, DCT.Location))
    _texts(g, node, SKOS.prefLabel, place.label)
    for key, prop in (("geometry", LOCN.geometry), ("bbox", DCAT.bbox), ("centroid", DCAT.centroid)):
        if getattr(place, key):
            g.add((node, prop, Literal(getattr(place, key))))
    return node


def _period(g: Graph, period: Period) -> Node:
    node = BNode()
    g.add((node, RDF.type, DCT.PeriodOfTime))
    _date(g, node, DCAT.startDate, period.start)
    _date(g, node, DCAT.endDate, period.end)
    return node
