"""Shared helpers the mapping source types (ckan, datajson, inventory) use to build one DCAT graph.

Every source type meets the same small set of problems: minting stable IRIs, tagging text with its
language, normalising the many ways portals write dates, and turning free-text codes into vocabulary
concepts. Solving them once keeps the three mappers to their field tables and makes them behave alike:
an unknown vocabulary value is kept as a keyword and reported as a warning, never silently dropped.
Harvested text is untrusted: it only ever becomes an rdflib Literal (or, when it is an http(s) URL, an
IRI); nothing is evaluated or parsed as RDF.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from catalog.namespaces import DCAT, DCT, FOAF, GSP, LOCN, RDF, RDFS, SCHEMA, SKOS, VCARD, XSD
from harvesters.source import Mapped

ORG = Namespace("http://www.w3.org/ns/org#")
GEOJSON = URIRef("https://www.iana.org/assignments/media-types/application/vnd.geo+json")
IANA = "https://www.iana.org/assignments/media-types/"
KEYWORD_SEPARATORS = re.compile(r"[,，、;；]")
_DATE_PARTS = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def clean(value: Any) -> str | None:
    """The value as stripped text, or None when it is missing or blank (portals write "" and null alike)."""
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def is_url(value: Any) -> bool:
    text = clean(value)
    if not text or any(c.isspace() for c in text):
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def mint(base: str, *parts: str) -> URIRef:
    """An IRI under `base`, each part percent-encoded so harvested names cannot change the IRI's shape."""
    return URIRef(base.rstrip("/") + "/" + "/".join(quote(str(p), safe="") for p in parts))


def digest(*values: Any) -> str:
    """A short stable id from values (for records whose source gives them none)."""
    joined = "\x1f".join("" if v is None else str(v).strip() for v in values)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]


def split_keywords(value: Any) -> list[str]:
    """Keywords from a list or a string separated by , ， 、 ; ；, without blanks and duplicates."""
    items = value if isinstance(value, list) else KEYWORD_SEPARATORS.split(clean(value) or "")
    out: list[str] = []
    for item in items:
        text = clean(item)
        if text and text not in out:
            out.append(text)
    return out


def date_literal(value: Any) -> Literal | None:
    """ISO dates, datetimes, years and the Chinese/slashed forms (2020/1/2, 2020年1月2日) as typed literals:
    xsd:date for a day, xsd:dateTime for an instant, xsd:gYearMonth / xsd:gYear for coarser values."""
    text = clean(value)
    if not text:
        return None
    if m := _DATE_PARTS.match(text):
        try:
            return Literal(date(int(m[1]), int(m[2]), int(m[3])).isoformat(), datatype=XSD.date)
        except ValueError:
            return None
    if re.fullmatch(r"\d{4}", text):
        return Literal(text, datatype=XSD.gYear)
    if _YEAR_MONTH.match(text):
        return Literal(text, datatype=XSD.gYearMonth)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    if len(text) == 10:
        return Literal(parsed.date().isoformat(), datatype=XSD.date)
    return Literal(parsed.isoformat(), datatype=XSD.dateTime)


def lookup(vocab: str, value: Any) -> Any:
    """The vocabulary concept for a free-text value, or None."""
    from vocab.loader import vocabulary  # imported late: vocab is a lower layer, loaded on first use

    text = clean(value)
    return vocabulary(vocab).lookup(text) if text else None


def geojson_bbox(geometry: Any) -> str | None:
    """WKT polygon of a GeoJSON geometry's bounding box (dcat:bbox), or None when it is not GeoJSON."""
    from shapely.geometry import box, shape  # shapely is heavy; only spatial records need it

    try:
        geo = json.loads(geometry) if isinstance(geometry, str) else geometry
        return box(*shape(geo).bounds).wkt
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None


def wkt_bbox(wkt: str) -> str | None:
    """WKT polygon of a WKT geometry's bounding box, or None when it is not WKT."""
    from shapely import wkt as shapely_wkt
    from shapely.errors import ShapelyError
    from shapely.geometry import box

    try:
        return box(*shapely_wkt.loads(wkt).bounds).wkt
    except (ShapelyError, ValueError, TypeError):
        return None


class RecordBuilder:
    """One dataset's graph under construction, with the warnings collected on the way."""

    def __init__(self, node: URIRef, lang: str | None = None) -> None:
        self.node, self.lang = node, lang
        self.graph = Graph(bind_namespaces="none")  # binding costs a third of mapping time; serialisers bind
        self.warnings: list[str] = []
        self.graph.add((node, RDF.type, DCAT.Dataset))

    def mapped(self) -> Mapped:
        return Mapped(self.node, self.graph, self.warnings)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # -- values ----------------------------------------------------------------------------------------
    def add(self, prop: URIRef, obj: Node | None, subject: Node | None = None) -> Node | None:
        if obj is not None:
            self.graph.add((self.node if subject is None else subject, prop, obj))
        return obj

    def text(self, prop: URIRef, value: Any, lang: str | None = "", subject: Node | None = None) -> None:
        """A literal in `lang` ("" = the builder's default language, None = untagged)."""
        text = clean(value)
        if text:  # one line-ending convention, so a CSV or XLSX copy of a record maps identically
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            self.add(prop, Literal(text, lang=self.lang if lang == "" else lang), subject)

    def texts(self, prop: URIRef, value: Any, subject: Node | None = None) -> None:
        """A plain string, or a {lang: text} map (CKAN fluent fields, multilingual exports)."""
        if isinstance(value, dict):
            for lang, text in sorted(value.items()):
                self.text(prop, text, lang or None, subject)
        else:
            self.text(prop, value, subject=subject)

    def keywords(self, values: Any, lang: str | None = "") -> None:
        if isinstance(values, dict):
            for tag, items in sorted(values.items()):
                self.keywords(items, tag or None)
            return
        for kw in split_keywords(values):
            self.text(DCAT.keyword, kw, lang)

    def iri(self, prop: URIRef, value: Any, subject: Node | None = None, field: str = "") -> URIRef | None:
        """Add an IRI when the value is an http(s) URL; otherwise warn and add nothing."""
        if is_url(value):
            return self.add(prop, URIRef(clean(value)), subject)
        if clean(value):
            self.warn(f"{field or prop}: {clean(value)!r} is not an http(s) URL; not mapped")
        return None

    def date(self, prop: URIRef, value: Any, subject: Node | None = None, field: str = "") -> None:
        literal = date_literal(value)
        if literal is not None:
            self.add(prop, literal, subject)
        elif clean(value):
            self.warn(f"{field or prop}: {clean(value)!r} is not a date; not mapped")

    def concept(self, prop: URIRef, vocab: str, value: Any, subject: Node | None = None, field: str = "",
                keep_as_keyword: bool = True) -> Any:
        """Map a value through a vocabulary. An unknown value is kept as a keyword (so search still finds
        it) and reported as a warning; an http(s) IRI the vocabulary lacks is kept as the IRI."""
        text = clean(value)
        if not text:
            return None
        found = lookup(vocab, text)
        if found is not None:
            self.add(prop, URIRef(found.iri), subject)
            return found
        if is_url(text):
            self.add(prop, URIRef(text), subject)
            return None
        if keep_as_keyword:
            self.text(DCAT.keyword, text)
        kept = ", kept as keyword" if keep_as_keyword else ""
        self.warn(f"{field or vocab}: unknown {vocab} value {text!r}{kept}")
        return None

    # -- nodes -----------------------------------------------------------------------------------------
    def agent(self, name: Any, iri: URIRef | None = None, prop: URIRef = DCT.publisher,
              subject: Node | None = None, email: Any = None, homepage: Any = None) -> Node | None:
        """A foaf:Agent with its name(s); `name` may be a {lang: text} map."""
        if not (clean(name) or isinstance(name, dict)) and iri is None:
            return None
        node = iri or BNode()
        self.add(prop, node, subject)
        self.add(RDF.type, FOAF.Agent, node)
        self.texts(FOAF.name, name, node)
        if clean(email):
            self.add(FOAF.mbox, _mailto(email), node)
        self.iri(FOAF.homepage, homepage, node, "homepage")
        return node

    def contact(self, name: Any, email: Any = None, phone: Any = None, url: Any = None) -> Node | None:
        """A dcat:contactPoint vcard:Kind; returns None when there is nothing to contact."""
        if not any(clean(v) for v in (name, email, phone, url)):
            return None
        node = BNode()
        self.add(DCAT.contactPoint, node)
        self.add(RDF.type, VCARD.Kind, node)
        self.text(VCARD.fn, name, subject=node)
        if clean(email):
            self.add(VCARD.hasEmail, _mailto(email), node)
        if clean(phone):
            self.add(VCARD.hasTelephone, URIRef("tel:" + re.sub(r"[^\d+\-]", "", clean(phone) or "")), node)
        self.iri(VCARD.hasURL, url, node, "contact url")
        return node

    def distribution(self, iri: URIRef | None = None) -> Node:
        node = iri or BNode()
        self.add(DCAT.distribution, node)
        self.add(RDF.type, DCAT.Distribution, node)
        return node

    def media_type(self, value: Any, subject: Node) -> None:
        """dcat:mediaType as the IANA IRI DCAT-AP requires (text/csv -> https://www.iana.org/.../text/csv)."""
        text = (clean(value) or "").split(";")[0].strip().lower()
        if re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", text):
            self.add(DCAT.mediaType, URIRef(IANA + text), subject)
        elif text:
            self.warn(f"mediaType: {text!r} is not a media type; not mapped")

    def byte_size(self, value: Any, subject: Node) -> None:
        try:
            size = int(float(clean(value) or ""))
        except ValueError:
            return
        if size >= 0:
            self.add(DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger), subject)

    def location(self, iri: URIRef | None = None, label: Any = None, geometry: Any = None,
                 bbox: str | None = None, wkt: str | None = None) -> Node:
        """A dct:spatial dct:Location: the geometry as published (GeoJSON or WKT literal) and its WKT bbox."""
        node = iri or BNode()
        self.add(DCT.spatial, node)
        self.add(RDF.type, DCT.Location, node)
        if isinstance(label, dict):
            self.texts(SKOS.prefLabel, label, node)
        else:
            self.text(LOCN.geographicName, label, None, node)
        if geometry is not None:
            text = geometry if isinstance(geometry, str) else json.dumps(geometry, ensure_ascii=False)
            self.add(LOCN.geometry, Literal(text.strip(), datatype=GEOJSON), node)
            bbox = bbox or geojson_bbox(geometry)
        if wkt:
            self.add(LOCN.geometry, Literal(wkt.strip(), datatype=GSP.wktLiteral), node)
            bbox = bbox or wkt_bbox(wkt)
        if bbox:
            self.add(DCAT.bbox, Literal(bbox, datatype=GSP.wktLiteral), node)
        return node

    def period(self, start: Any, end: Any) -> None:
        """A dct:temporal dct:PeriodOfTime from start/end dates (either may be open)."""
        lits = date_literal(start), date_literal(end)
        for raw, lit, name in ((start, lits[0], "start"), (end, lits[1], "end")):
            if lit is None and clean(raw):
                self.warn(f"temporal {name}: {clean(raw)!r} is not a date; not mapped")
        if lits == (None, None):
            return
        node = BNode()
        self.add(DCT.temporal, node)
        self.add(RDF.type, DCT.PeriodOfTime, node)
        self.add(DCAT.startDate, lits[0], node)
        self.add(DCAT.endDate, lits[1], node)

    def rights(self, value: Any, subject: Node | None = None) -> None:
        """dct:rights as a dct:RightsStatement with the publisher's text as its label."""
        text = clean(value)
        if text:
            node = BNode()
            self.add(DCT.rights, node, subject)
            self.add(RDF.type, DCT.RightsStatement, node)
            self.add(RDFS.label, Literal(text), node)

    def additional(self, key: str, value: Any) -> None:
        """A source field with no DCAT-AP home, kept as schema:additionalProperty [schema:name; schema:value]
        so nothing the publisher wrote is lost and views can still show it."""
        text = clean(value) if not isinstance(value, dict | list) else json.dumps(value, ensure_ascii=False)
        if text and text not in ("[]", "{}"):
            node = BNode()
            self.add(SCHEMA.additionalProperty, node)
            self.add(RDF.type, SCHEMA.PropertyValue, node)
            self.add(SCHEMA.name, Literal(key), node)
            self.add(SCHEMA.value, Literal(text), node)


def _mailto(value: Any) -> URIRef:
    text = clean(value) or ""
    return URIRef(quote(text if text.lower().startswith("mailto:") else "mailto:" + text, safe=":@+.-_"))
