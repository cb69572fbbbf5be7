"""`datajson` source type: a DCAT-US (Project Open Data) `data.json` catalogue.

DCAT-US 1.1 entries are validated one by one against the official JSON Schema (harvesters/schemas/), so one
bad entry is one record error with the failing field named, never a failed job; a file that is not JSON or
not a catalogue fails the job (HarvestError from gather) and so withdraws nothing. DCAT-US 3.0 catalogues
(recognised by their conformsTo) are mapped partially: the fields 3.0 shares with 1.1 are mapped, each
record says which fields were left out. The mapping follows the DCAT-US 1.1 <-> DCAT table (docs/mapping.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from jsonschema import Draft4Validator, FormatChecker
from rdflib import Literal, URIRef
from rdflib.term import Node
from referencing import Registry
from referencing.jsonschema import DRAFT4

from catalog.namespaces import DCAT, DCT, FOAF
from harvesters.http import GuardedClient
from harvesters.mapping import ORG, RecordBuilder, clean, is_url, lookup, wkt_bbox
from harvesters.source import HarvestError, Mapped, RemoteRef, SourceConfig

SCHEMAS = Path(__file__).parent / "schemas" / "dcat-us-1.1"
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
SCHEMA_FILES = {"federal": "dataset.json", "non-federal": "dataset-non-federal.json"}
_NUM = r"\s*(-?\d+(?:\.\d+)?)\s*"
BBOX = re.compile(f"^{_NUM},{_NUM},{_NUM},{_NUM}$")
WKT = re.compile(r"^\s*(MULTI)?(POINT|LINESTRING|POLYGON)\s*\(", re.IGNORECASE)
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")  # RFC 3986 syntax, as `format: uri` means
V11_FIELDS = {
    "@type", "identifier", "title", "description", "keyword", "modified", "issued", "publisher",
    "contactPoint", "accessLevel", "license", "rights", "spatial", "temporal", "accrualPeriodicity",
    "distribution", "theme", "landingPage", "language", "references", "isPartOf", "conformsTo", "describedBy",
}


@cache
def _tables() -> dict[str, Any]:
    return yaml.safe_load((Path(__file__).parent / "mappings" / "datajson.yaml").read_text(encoding="utf-8"))


@cache
def validator(kind: str = "non-federal") -> Draft4Validator:
    """The DCAT-US 1.1 dataset validator. `federal` is the official schema (requires bureauCode and
    programCode); `non-federal` is GSA's variant for every other publisher."""
    if kind not in SCHEMA_FILES:
        raise HarvestError(f"unknown DCAT-US schema {kind!r} (known: {', '.join(SCHEMA_FILES)})")
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SCHEMAS.glob("*.json"))]
    registry = Registry().with_resources((d["id"].rstrip("#"), DRAFT4.create_resource(d)) for d in docs)
    schema = json.loads((SCHEMAS / SCHEMA_FILES[kind]).read_text(encoding="utf-8"))
    return Draft4Validator(schema, registry=registry, format_checker=_formats())


def _formats() -> FormatChecker:
    """The schema's `format: uri` (jsonschema checks it only with optional packages; this is RFC 3986's
    syntax: a scheme, then no spaces or delimiters HTML would bring)."""
    checker = FormatChecker(formats=())
    checker.checks("uri")(lambda value: not isinstance(value, str) or bool(URI.match(value)))
    return checker


def strip_nulls(value: Any) -> Any:
    """JSON null means "not given" in real data.json files (Philadelphia writes `"modified": null`)."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value if v is not None]
    return value


def parse_catalog(data: bytes) -> tuple[dict[str, Any], str]:
    """The catalogue object and its DCAT-US version ("1.1" or "3.0"); HarvestError when it is neither."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise HarvestError(f"data.json is not JSON: {exc}", data[:500].decode("utf-8", "replace")) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("dataset"), list):
        shown = list(doc) if isinstance(doc, dict) else doc
        raise HarvestError("data.json is not a DCAT-US catalog: no \"dataset\" list", json.dumps(shown)[:500])
    return doc, version_of(doc)


def version_of(doc: dict[str, Any]) -> str:
    conforms, context = doc.get("conformsTo"), json.dumps(doc.get("@context", ""))
    text = json.dumps(conforms) + context
    return "3.0" if re.search(r"DCAT-US 3|dcat-us/3|v3\.0", text, re.IGNORECASE) else "1.1"


def catalog_errors(doc: dict[str, Any]) -> list[str]:
    """Catalogue-level schema failures (e.g. a missing conformsTo), reported on every record."""
    shell = {k: v for k, v in doc.items() if k != "dataset"} | {"dataset": []}
    schema = json.loads((SCHEMAS / "catalog.json").read_text(encoding="utf-8"))
    errors = Draft4Validator(schema, format_checker=_formats()).iter_errors(shell)
    return [f"catalog: {e.message}" for e in errors]


def record_errors(entry: Any, kind: str = "non-federal") -> list[str]:
    """Schema errors of one dataset entry, each naming the failing field ("distribution/8/accessURL: ...");
    for anyOf/oneOf failures the deepest cause is reported, not "is not valid under any of the schemas"."""
    errors = sorted(validator(kind).iter_errors(strip_nulls(entry)), key=lambda e: list(map(str, e.path)))
    out = []
    for error in errors:
        deepest = max(error.context, key=lambda e: len(e.absolute_path)) if error.context else error
        where = "/".join(map(str, deepest.absolute_path)) or "(dataset)"
        out.append(f"{where}: {deepest.message}"[:300])
    return out


def dataset_iri(identifier: str, catalog_url: str) -> URIRef:
    """The identifier when it is an http(s) IRI, else the identifier as a fragment of the data.json URL."""
    if is_url(identifier):
        return URIRef(identifier)
    return URIRef(f"{catalog_url.split('#')[0]}#{quote(identifier)}")


def identifier_of(entry: Any) -> str | None:
    """1.1: a string. 3.0 also allows an Identifier object: its @id, else its notation."""
    value = entry.get("identifier") if isinstance(entry, dict) else None
    if isinstance(value, dict):
        value = value.get("@id") or value.get("notation")
    return clean(value)


class DataJsonSource:
    """Config: `schema` ("non-federal", default, or "federal" for US federal agencies)."""

    type = "datajson"

    def __init__(self, cfg: SourceConfig, client: GuardedClient) -> None:
        self.cfg, self.client = cfg, client
        self.schema = cfg.config.get("schema", "non-federal")

    def gather(self) -> Iterator[RemoteRef]:
        doc, version = parse_catalog(self.client.get_bytes(self.cfg.url, accept="application/json").data)
        notes = catalog_errors(doc) if version == "1.1" else []
        for n, entry in enumerate(doc["dataset"], 1):
            ident = identifier_of(entry)
            modified = clean(entry.get("modified")) if isinstance(entry, dict) else None
            payload = {"dataset": entry, "version": version, "catalog_errors": notes}
            yield RemoteRef(ident or f"(entry {n}: no identifier)", modified, payload)

    def fetch(self, ref: RemoteRef) -> Any:
        return ref.payload

    def to_dcat(self, ref: RemoteRef, raw: Any) -> Mapped:
        entry, version = raw["dataset"], raw["version"]
        if version == "1.1":
            errors = record_errors(entry, self.schema)
            if errors:
                message = "; ".join(errors[:5] + raw.get("catalog_errors", []))
                raise HarvestError(message, json.dumps(entry, ensure_ascii=False)[:2000])
        base = self.cfg.config.get("base_iri") or self.cfg.url  # the catalogue's public address, for IRIs
        mapped = datajson_to_dcat(entry, base, version)
        mapped.warnings[:0] = raw.get("catalog_errors", [])
        return mapped


def datajson_to_dcat(entry: Any, catalog_url: str, version: str = "1.1") -> Mapped:
    """One DCAT-US dataset entry -> one DCAT graph."""
    entry = strip_nulls(entry)
    ident = identifier_of(entry)
    if not ident or not clean(entry.get("title")) or not isinstance(entry["title"], str):
        raise HarvestError("identifier or title: the dataset entry has no usable identifier or title",
                           json.dumps(entry)[:2000])
    b = RecordBuilder(dataset_iri(ident, catalog_url))
    b.add(DCT.identifier, Literal(ident))
    b.text(DCT.title, entry["title"], None)
    b.text(DCT.description, entry.get("description"), None)
    b.keywords([k for k in _list(entry.get("keyword")) if isinstance(k, str)], None)
    b.date(DCT.modified, entry.get("modified"), field="modified")
    b.date(DCT.issued, entry.get("issued"), field="issued")
    _publisher(b, entry.get("publisher"))
    _contact(b, entry.get("contactPoint"))
    b.concept(DCT.accessRights, "access-right", entry.get("accessLevel"), field="accessLevel",
              keep_as_keyword=False)
    _licence(b, entry.get("license"))
    b.rights(entry.get("rights"))
    _spatial(b, entry.get("spatial"))
    _temporal(b, entry.get("temporal"))
    _frequency(b, entry.get("accrualPeriodicity"))
    for dist in _list(entry.get("distribution")):
        if isinstance(dist, dict):
            _distribution(b, dist)
    for theme in _list(entry.get("theme")):
        b.concept(DCAT.theme, "eu-theme", theme, field="theme")
    _links(b, entry, catalog_url)
    for key in _tables()["keep"]:
        b.additional(key, entry.get(key))
    if version != "1.1":
        left = sorted(set(entry) - V11_FIELDS - set(_tables()["keep"]))
        b.warn(f"DCAT-US {version} is mapped partially (the fields it shares with 1.1)"
               + (f"; not mapped: {', '.join(left)}" if left else ""))
    return b.mapped()


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _publisher(b: RecordBuilder, org: Any, subject: Node | None = None) -> None:
    """publisher {name, subOrganizationOf {...}} -> foaf:Agent chain linked by org:subOrganizationOf."""
    if not isinstance(org, dict) or not clean(org.get("name")):
        return
    prop = DCT.publisher if subject is None else ORG.subOrganizationOf
    node = b.agent(org["name"], prop=prop, subject=subject)
    if node is not None and isinstance(org.get("subOrganizationOf"), dict):
        _publisher(b, org["subOrganizationOf"], node)


def _contact(b: RecordBuilder, contact: Any) -> None:
    if isinstance(contact, dict):
        get = contact.get
        b.contact(get("fn"), get("hasEmail"), get("hasTelephone"), get("hasURL"))


def _licence(b: RecordBuilder, value: Any) -> None:
    found = lookup("licence", value) if isinstance(value, str) else None
    if found is not None:
        b.add(DCT.license, URIRef(found.iri))
    else:
        b.iri(DCT.license, value, field="license")


def _spatial(b: RecordBuilder, value: Any) -> None:
    """A bbox "w,s,e,n", a GeoJSON geometry (object or string), an IRI, or a place name."""
    text = clean(value)
    if isinstance(value, dict) and "type" in value:
        b.location(geometry=value)
    elif text and (m := BBOX.match(text)):
        w, s, e, n = (float(x) for x in m.groups())
        b.location(label=None, bbox=f"POLYGON (({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))")
    elif text and text.startswith("{"):
        b.location(geometry=text)
    elif text and WKT.match(text):
        if wkt_bbox(text):
            b.location(wkt=text)
        else:
            b.warn(f"spatial: WKT that does not parse ({len(text)} characters); not mapped")
    elif is_url(text):
        b.add(DCT.spatial, URIRef(text or ""))
    elif text:
        b.location(label=text)
    elif value is not None and not isinstance(value, str):
        b.warn("spatial: not a bbox, GeoJSON geometry, IRI or place name; not mapped")


def _temporal(b: RecordBuilder, value: Any) -> None:
    """An ISO 8601 interval "start/end"; a duration on either side cannot be pinned to a date."""
    text = clean(value)
    if not text:
        return
    start, _, end = text.partition("/")
    if start.startswith("R") or start.startswith("P") or end.startswith("P"):
        b.warn(f"temporal: {text!r} uses a duration; only start/end dates are mapped")
        start = "" if start.startswith(("R", "P")) else start
        end = "" if end.startswith("P") else end
    b.period(start, end)


def _frequency(b: RecordBuilder, value: Any) -> None:
    text = clean(value)
    if not text:
        return
    code = _tables()["frequency"].get(text)
    if code:
        b.add(DCT.accrualPeriodicity, URIRef(FREQUENCY + code))
    else:
        b.warn(f"accrualPeriodicity: {text!r} is not a DCAT-US 1.1 frequency; not mapped")


def _distribution(b: RecordBuilder, dist: dict[str, Any]) -> None:
    node = b.distribution()
    b.text(DCT.title, dist.get("title"), None, node)
    b.text(DCT.description, dist.get("description"), None, node)
    download = dist.get("downloadURL")
    b.iri(DCAT.downloadURL, download, node, "downloadURL")
    # DCAT-AP requires an accessURL; for a file it is the download URL (DCAT 3, section 6.7.2).
    b.iri(DCAT.accessURL, dist.get("accessURL") or download, node, "accessURL")
    if clean(dist.get("mediaType")):
        b.media_type(dist["mediaType"], node)
    fmt = clean(dist.get("format"))
    if fmt:
        found = lookup("file-type", fmt)
        b.add(DCT.format, URIRef(found.iri) if found else Literal(fmt), node)
    b.iri(DCT.conformsTo, dist.get("conformsTo"), node, "distribution conformsTo")
    b.iri(FOAF.page, dist.get("describedBy"), node, "distribution describedBy")


def _links(b: RecordBuilder, entry: dict[str, Any], catalog_url: str) -> None:
    b.iri(DCAT.landingPage, entry.get("landingPage"), field="landingPage")
    for lang in _list(entry.get("language")):
        b.concept(DCT.language, "language", lang, field="language", keep_as_keyword=False)
    for ref in _list(entry.get("references")):
        b.iri(DCT.references, ref, field="references")
    b.iri(DCT.conformsTo, entry.get("conformsTo"), field="conformsTo")
    b.iri(FOAF.page, entry.get("describedBy"), field="describedBy")
    parent = clean(entry.get("isPartOf"))
    if parent:
        b.add(DCT.isPartOf, dataset_iri(parent, catalog_url))
