"""`ckan` source type: any CKAN site through its Action API, mapped the way ckanext-dcat maps CKAN to DCAT.

Listing pages through `package_search` (the search results already hold the full package dicts, so there is
no second request per record), oldest change first, so an incremental run can resume from a
`metadata_modified` bound. ckanapi makes the requests, but over the GuardedClient's own requests session:
its adapter checks the address every connection (and every redirect hop) really reaches, so a CKAN URL or
redirect cannot reach the private network. The field mapping is documented row by row in docs/mapping.md;
the extras' spellings that vary per portal are data in harvesters/mappings/ckan.yaml.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml
from ckanapi import RemoteCKAN
from ckanapi.errors import CKANAPIError
from rdflib import BNode, Literal, URIRef

from catalog.namespaces import ADMS, DCAT, DCT, FOAF, RDF, RDFS, SKOS
from harvesters.http import USER_AGENT, GuardedClient
from harvesters.mapping import RecordBuilder, clean, date_literal, is_url, lookup, mint
from harvesters.source import HarvestError, Mapped, RemoteRef, SourceConfig

CORE = {
    "id", "name", "title", "notes", "tags", "groups", "organization", "owner_org", "license_id",
    "license_url", "license_title", "url", "author", "author_email", "maintainer", "maintainer_email",
    "metadata_created", "metadata_modified", "version", "resources", "extras", "title_translated",
    "notes_translated", "keywords",
}
NOT_FILES = {"html", "htm", "php", "asp", "aspx", "jsp", "cgi", ""}


@cache
def _config() -> dict[str, Any]:
    return yaml.safe_load((Path(__file__).parent / "mappings" / "ckan.yaml").read_text(encoding="utf-8"))


class CkanSource:
    """Config: `rows` (page size, default 100), `since` (only packages modified at or after this ISO date),
    `language` (tag for untranslated text), `fq` (an extra Solr filter, e.g. organization:foo)."""

    type = "ckan"

    def __init__(self, cfg: SourceConfig, client: GuardedClient) -> None:
        self.cfg, self.client = cfg, client
        self.rows = int(cfg.config.get("rows", 100))
        # a `since` or `fq` filter lists part of the site: what it leaves out must not be withdrawn
        self.complete_listing = not (cfg.config.get("fq") or _since(cfg.config.get("since")))

    def gather(self) -> Iterator[RemoteRef]:
        ckan = RemoteCKAN(self.cfg.url.rstrip("/"), user_agent=USER_AGENT, session=self.client.session)
        start, expected, seen = 0, None, set()
        while True:
            page = self._page(ckan, start)
            if expected is None:
                expected = page["count"]
            elif page["count"] != expected:
                raise HarvestError(f"{self.cfg.url}: package count changed from {expected} to {page['count']}"
                                   " during the listing; retry later")
            if not page["results"]:
                break
            for pkg in page["results"]:
                if isinstance(pkg, dict) and pkg.get("id") and pkg["id"] not in seen:
                    seen.add(pkg["id"])
                    yield RemoteRef(pkg["id"], pkg.get("metadata_modified"), pkg)
            start += len(page["results"])
        if start < expected:
            raise HarvestError(f"{self.cfg.url}: listing stopped at {start} of {expected} packages")

    def _page(self, ckan: RemoteCKAN, start: int) -> dict[str, Any]:
        query = {"q": "*:*", "rows": self.rows, "start": start, "sort": "metadata_modified asc, id asc"}
        filters = [f for f in (self.cfg.config.get("fq"), _since(self.cfg.config.get("since"))) if f]
        if filters:
            query["fq"] = " AND ".join(filters)
        timeout = (self.client.connect_timeout, self.client.read_timeout)
        try:
            page = ckan.call_action("package_search", query, requests_kwargs={"timeout": timeout})
        except (CKANAPIError, requests.RequestException, ValueError) as exc:
            message = f"{self.cfg.url}: package_search failed at start={start}: {exc}"
            raise HarvestError(message[:500]) from exc
        if not (isinstance(page, dict) and isinstance(page.get("count"), int)
                and isinstance(page.get("results"), list)):
            raise HarvestError(f"{self.cfg.url}: package_search returned no count/results",
                               json.dumps(page, default=str)[:500])
        return page

    def fetch(self, ref: RemoteRef) -> Any:
        return ref.payload

    def to_dcat(self, ref: RemoteRef, raw: Any) -> Mapped:
        base = self.cfg.config.get("base_iri") or self.cfg.url  # the portal's public address, for IRIs
        return ckan_to_dcat(raw, base, self.cfg.config.get("language"), self.cfg.publisher)


def _since(value: Any) -> str | None:
    """Solr range on metadata_modified from an ISO date/datetime (CKAN stores UTC without an offset)."""
    literal = date_literal(value)
    if literal is None:
        return None
    text = str(literal)[:19]
    text = text if "T" in text else text + "T00:00:00"
    return f"metadata_modified:[{text}Z TO *]"


def _extras(pkg: dict[str, Any]) -> dict[str, Any]:
    """Extras and the top-level custom fields of ckanext-scheming sites, in one dict (extras win)."""
    fields = {k: v for k, v in pkg.items() if k not in CORE}
    for extra in pkg.get("extras") or []:
        if isinstance(extra, dict) and extra.get("key"):
            fields[extra["key"]] = extra.get("value")
    return fields


def _first(fields: dict[str, Any], role: str, used: set[str]) -> Any:
    for key in _config()["extras"][role]:
        if fields.get(key) not in (None, "", []):
            used.add(key)
            return fields[key]
    return None


def _values(value: Any) -> list[Any]:
    """An extra that may hold a list, a JSON-encoded list or one value."""
    if isinstance(value, str) and value.strip().startswith("["):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    return [v for v in (value if isinstance(value, list) else [value]) if clean(v)]


def ckan_to_dcat(pkg: Any, base_url: str, lang: str | None = None, publisher: str | None = None) -> Mapped:
    """One CKAN package dict -> one DCAT graph (ckanext-dcat's euro_dcat_ap mapping; see docs/mapping.md)."""
    if not isinstance(pkg, dict) or not clean(pkg.get("id")):
        raise HarvestError("not a CKAN package (no id)", json.dumps(pkg, default=str)[:2000])
    base = base_url.rstrip("/")
    fields, used = _extras(pkg), set()
    uri = _first(fields, "uri", used)
    b = RecordBuilder(URIRef(uri) if is_url(uri) else mint(base, "dataset", pkg["id"]), lang)
    _core(b, pkg, fields, used, base, publisher)
    _from_extras(b, fields, used)
    for res in pkg.get("resources") or []:
        if isinstance(res, dict):
            _resource(b, res, base, pkg["id"])
    drop = set(_config()["drop"])
    keep = set(_config()["keep"])
    for key, value in sorted(fields.items()):
        if key not in used and key not in drop and (key in keep or key in _extra_keys(pkg)):
            b.additional(key, value)
    if not any(True for _ in b.graph.objects(b.node, DCT.title)):
        raise HarvestError(f"package {pkg['id']}: no title", json.dumps(pkg, default=str)[:2000])
    return b.mapped()


def _extra_keys(pkg: dict[str, Any]) -> set[str]:
    return {e.get("key") for e in pkg.get("extras") or [] if isinstance(e, dict)}


def _core(b: RecordBuilder, pkg: dict[str, Any], fields: dict[str, Any], used: set[str], base: str,
          publisher: str | None) -> None:
    b.add(DCT.identifier, Literal(clean(_first(fields, "identifier", used)) or pkg["id"]))
    if clean(pkg.get("name")):
        ident = BNode()
        b.add(ADMS.identifier, ident)
        b.add(SKOS.notation, Literal(pkg["name"]), ident)
    b.texts(DCT.title, pkg.get("title_translated") or pkg.get("title"))
    b.texts(DCT.description, pkg.get("notes_translated") or pkg.get("notes"))
    b.keywords([t.get("display_name") or t.get("name") for t in pkg.get("tags") or [] if isinstance(t, dict)])
    if isinstance(pkg.get("keywords"), dict):
        b.keywords(pkg["keywords"])
    for group in pkg.get("groups") or []:
        if isinstance(group, dict) and clean(group.get("name")):
            found = lookup("eu-theme", group["name"]) or lookup("eu-theme", group.get("title"))
            b.add(DCAT.theme, URIRef(found.iri) if found else mint(base, "group", group["name"]))
    _publisher(b, pkg, fields, used, base, publisher)
    _licence(b, pkg)
    b.iri(DCAT.landingPage, pkg.get("url"), field="url")
    _contact(b, pkg, fields, used)
    b.date(DCT.issued, _first(fields, "issued", used) or pkg.get("metadata_created"),
           field="metadata_created")
    b.date(DCT.modified, _first(fields, "modified", used) or pkg.get("metadata_modified"),
           field="metadata_modified")
    b.text(DCAT.version, pkg.get("version"), None)


def _publisher(b: RecordBuilder, pkg: dict[str, Any], fields: dict[str, Any], used: set[str], base: str,
               fallback: str | None) -> None:
    """ckanext-dcat's `publisher_uri` extra names the publisher by its own IRI (a Kaifang or ckanext-dcat
    portal writes it), so the agent stays the same one across portals; else the CKAN organisation gets an
    IRI minted from the remote portal, else the source's configured publisher."""
    org = pkg.get("organization") if isinstance(pkg.get("organization"), dict) else {}
    org_name = org.get("title_translated") or org.get("title") or org.get("name")
    uri = _first(fields, "publisher_uri", used)
    if is_url(uri):
        b.agent(_first(fields, "publisher_name", used) or org_name, URIRef(clean(uri)),
                email=_first(fields, "publisher_email", used), homepage=_first(fields, "publisher_url", used))
    elif org.get("id"):
        b.agent(org_name, mint(base, "organization", org["id"]))
    elif fallback or clean(pkg.get("owner_org")):
        key = clean(pkg.get("owner_org")) or fallback
        b.agent(fallback or key, mint(base, "organization", key))


def _licence(b: RecordBuilder, pkg: dict[str, Any]) -> None:
    for value in (pkg.get("license_id"), pkg.get("license_url"), pkg.get("license_title")):
        found = lookup("licence", value)
        if found is not None:
            b.add(DCT.license, URIRef(found.iri))
            return
    if is_url(pkg.get("license_url")):
        b.add(DCT.license, URIRef(clean(pkg["license_url"])))
    elif clean(pkg.get("license_id")) and pkg["license_id"] != "notspecified":
        b.warn(f"license_id: unknown licence {pkg['license_id']!r}; kept as rights statement")
        b.rights(pkg.get("license_title") or pkg["license_id"])


def _contact(b: RecordBuilder, pkg: dict[str, Any], fields: dict[str, Any], used: set[str]) -> None:
    """ckanext-dcat's order: contact_* extras, then maintainer, then author."""
    name, email = _first(fields, "contact_name", used), _first(fields, "contact_email", used)
    phone, url = _first(fields, "contact_phone", used), _first(fields, "contact_uri", used)
    if not (name or email):
        for role in ("maintainer", "author"):
            if clean(pkg.get(role)) or clean(pkg.get(f"{role}_email")):
                name, email = pkg.get(role), pkg.get(f"{role}_email")
                break
    b.contact(name, email, phone, url)
    if clean(pkg.get("author")) and clean(pkg.get("author")) != clean(name):
        b.agent(pkg["author"], prop=DCT.creator, email=pkg.get("author_email"))


def _from_extras(b: RecordBuilder, fields: dict[str, Any], used: set[str]) -> None:
    spatial, spatial_uri = _first(fields, "spatial", used), _first(fields, "spatial_uri", used)
    label = _first(fields, "spatial_text", used)
    if spatial or spatial_uri or label:
        b.location(URIRef(spatial_uri) if is_url(spatial_uri) else None, label, spatial)
    b.period(_first(fields, "temporal_start", used), _first(fields, "temporal_end", used))
    freq = _first(fields, "frequency", used)
    b.concept(DCT.accrualPeriodicity, "frequency", freq, field="frequency", keep_as_keyword=False)
    for language in _values(_first(fields, "language", used)):
        b.concept(DCT.language, "language", language, field="language", keep_as_keyword=False)
    b.concept(DCT.accessRights, "access-right", _first(fields, "access_rights", used), field="access_rights",
              keep_as_keyword=False)
    for value in _values(_first(fields, "conforms_to", used)):
        b.iri(DCT.conformsTo, value, field="conforms_to")
    for value in _values(_first(fields, "documentation", used)):
        b.iri(FOAF.page, value, field="documentation")
    for value in _values(_first(fields, "theme", used)):
        b.concept(DCAT.theme, "eu-theme", value, field="theme")
    if clean(provenance := _first(fields, "provenance", used)):
        node = BNode()
        b.add(DCT.provenance, node)
        b.add(RDF.type, DCT.ProvenanceStatement, node)
        b.add(RDFS.label, Literal(clean(provenance)), node)
    b.text(ADMS.versionNotes, _first(fields, "version_notes", used))
    alt = _first(fields, "alternate_identifier", used)
    for value in _values(alt):
        node = BNode()
        b.add(ADMS.identifier, node)
        b.add(SKOS.notation, Literal(clean(value)), node)


def _resource(b: RecordBuilder, res: dict[str, Any], base: str, dataset_id: str) -> None:
    iri = mint(base, "dataset", dataset_id, "resource", res["id"]) if clean(res.get("id")) else None
    node = b.distribution(iri)
    b.texts(DCT.title, res.get("name_translated") or res.get("name"), node)
    b.texts(DCT.description, res.get("description_translated") or res.get("description"), node)
    url = res.get("url")
    b.iri(DCAT.accessURL, url, node, "resource url")
    download = res.get("download_url") or (url if _looks_like_file(res) else None)
    b.iri(DCAT.downloadURL, download, node, "resource download_url")
    fmt = clean(res.get("format"))
    if fmt:
        found = lookup("file-type", fmt)
        b.add(DCT.format, URIRef(found.iri) if found else Literal(fmt), node)
        if found is None:
            b.warn(f"resource format: unknown file-type value {fmt!r}, kept as text")
    if clean(res.get("mimetype")):
        b.media_type(res["mimetype"], node)
    b.byte_size(res.get("size"), node)
    b.date(DCT.issued, res.get("created"), node, "resource created")
    b.date(DCT.modified, res.get("last_modified"), node, "resource last_modified")
    for language in _values(res.get("language")):
        b.concept(DCT.language, "language", language, node, "resource language", keep_as_keyword=False)


def _looks_like_file(res: dict[str, Any]) -> bool:
    """An upload, or a URL whose last path segment has a known file-type extension."""
    if res.get("url_type") == "upload":
        return True
    if not is_url(res.get("url")):
        return False
    suffix = PurePosixPath(urlsplit(res["url"]).path).suffix.lstrip(".").lower()
    return suffix not in NOT_FILES and lookup("file-type", suffix) is not None
