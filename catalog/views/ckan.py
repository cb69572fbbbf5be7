"""Projection -> CKAN 2.9+ package dict, so CKAN clients (ckanapi, harvesters) can read Kaifang.

The mapping is ckanext-dcat's RDF -> CKAN mapping run backwards: core CKAN fields where CKAN has one
(title, notes, url, version, tags, resources, organization), and `extras` with ckanext-dcat's key names
(issued, modified, publisher_*, contact_*, temporal_*, spatial_*, ...) for DCAT fields CKAN lacks.
Lists in extras are JSON strings, as ckanext-dcat writes them. Ids are UUID5s of the IRIs: stable and
the UUID shape CKAN clients expect.
"""

from __future__ import annotations

import json
import uuid
from functools import lru_cache
from typing import Any

from catalog.model import Agent, Dataset, Distribution, pick
from catalog.store import RawProjection, StoredDataset, name_for
from vocab.loader import label_for, vocabulary

KAIFANG_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://kaifang.invalid/ckan-ids")
IANA = ("http://www.iana.org/assignments/media-types/", "https://www.iana.org/assignments/media-types/")


# A page of search results asks for the same ids and slugs over and over (tags, groups, publishers): both
# are pure functions of a string, remembered for a bounded number of strings.
@lru_cache(maxsize=16_384)
def ckan_id(iri: str) -> str:
    return str(uuid.uuid5(KAIFANG_NS, iri))


_slug = lru_cache(maxsize=4_096)(name_for)


def local_name(iri: str) -> str:
    return iri.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1]


def media_type(dist: Distribution) -> str | None:
    """"text/csv" from an IANA IRI or a bare media type."""
    value = dist.media_type
    for prefix in IANA:
        if value and value.startswith(prefix):
            return value[len(prefix):]
    return value


def format_name(dist: Distribution) -> str:
    """A short format name ("CSV") from the file-type IRI, else the media type's subtype."""
    if dist.format:
        return local_name(dist.format) if "/" in dist.format else dist.format
    kind = media_type(dist)
    return kind.rsplit("/", 1)[-1].upper() if kind else ""


def is_open(licence: str | None) -> bool:
    """True for the named open licences of Kaifang's licence vocabulary (not "other"/"unspecified")."""
    concept = vocabulary("licence").get(licence) if licence else None
    return bool(concept) and local_name(concept.iri) not in ("other", "unspecified")


def timestamp(value: str | None) -> str | None:
    """CKAN's metadata_* are ISO date-times; DCAT often gives bare dates."""
    if not value:
        return None
    return value if "T" in value else f"{value}T00:00:00"


def publisher_slug(agent: Agent) -> str:
    return _slug(agent.iri or "urn:kaifang:agent:" + pick(agent.name, "en"))


def organization(agent: Agent, lang: str = "zh", created: str | None = None) -> dict[str, Any]:
    """`created` is the earliest date Kaifang knows for the publisher (CKAN's is its own creation time)."""
    slug = publisher_slug(agent)
    title = pick(agent.name, lang) or (local_name(agent.iri) if agent.iri else slug)
    return {"id": ckan_id(agent.iri or slug), "name": slug, "title": title, "display_name": title,
            "description": "", "type": "organization", "is_organization": True, "state": "active",
            "image_url": "", "approval_status": "approved", "created": timestamp(created), "groups": [],
            "extras": [{"key": "uri", "value": agent.iri}] if agent.iri else []}


def group(theme: str, lang: str = "zh") -> dict[str, Any]:
    title = label_for(theme, lang) or local_name(theme)
    return {"id": ckan_id(theme), "name": _slug(theme), "title": title, "display_name": title,
            "description": "", "image_display_url": "", "type": "group", "is_organization": False,
            "state": "active", "extras": [{"key": "uri", "value": theme}]}


def tags(dataset: Dataset, lang: str = "zh") -> list[str]:
    """Keywords of every language, the reader's first, without duplicates."""
    ordered = sorted(dataset.keywords.items(), key=lambda item: item[0].split("-")[0] != lang)
    seen: dict[str, None] = {}
    for _tag, words in ordered:
        seen.update(dict.fromkeys(w for w in words if w))
    return list(seen)


def tag(name: str) -> dict[str, Any]:
    return {"id": ckan_id("tag:" + name), "name": name, "display_name": name, "state": "active",
            "vocabulary_id": None}


def to_ckan(stored: StoredDataset, lang: str = "zh") -> dict[str, Any]:
    return package(stored.iri, stored.name, stored.status, stored.dataset, lang)


def cached_package(raw: RawProjection, lang: str = "zh") -> Package:
    """`to_ckan` of a record read by `CatalogStore.raw_projections`, remembered by everything it depends
    on (IRI, name, status, the projection's text, language), so an unchanged record is neither decoded
    nor mapped again; any change to the record is a different key. The dict is shared: do not modify it."""
    return _cached_package(raw.iri, raw.name, raw.status, raw.projection_json, lang)


class Package(dict):
    """A package dict that also carries its compact JSON text (`json`), so a response listing many can
    splice the texts instead of encoding every dict again (portal/api/ckan.py)."""

    __slots__ = ("json",)

    def __init__(self, value: dict[str, Any]) -> None:
        super().__init__(value)
        self.json = json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=2_048)  # ~4 KB of JSON a package: some 20-30 MB of objects per process at most
def _cached_package(iri: str, name: str, status: str, projection_json: str, lang: str) -> Package:
    return Package(package(iri, name, status, Dataset.from_dict(json.loads(projection_json)), lang))


def package(iri: str, name: str, status: str, d: Dataset, lang: str = "zh") -> dict[str, Any]:
    """The CKAN package dict of a record."""
    pid = ckan_id(iri)
    org = organization(d.publisher, lang, d.issued or d.modified) if d.publisher else None
    keywords = tags(d, lang)
    resources = [_resource(dist, i, pid, iri, lang) for i, dist in enumerate(d.distributions)]
    return {
        # CKAN never has an empty title (its schema fills it with the name); CKAN clients rely on that.
        "id": pid, "name": name, "title": pick(d.title, lang) or name,
        "notes": pick(d.description, lang),
        # ckanext-fluent's fields: every language of the text, not just the reader's.
        "title_translated": d.title, "notes_translated": d.description,
        "url": d.landing_page[0] if d.landing_page else None, "version": d.version,
        "state": "active" if status == "active" else "deleted", "type": "dataset", "private": False,
        "metadata_created": timestamp(d.issued or d.modified),
        "metadata_modified": timestamp(d.modified or d.issued),
        "creator_user_id": None, "owner_org": org["id"] if org else None, "organization": org,
        "license_id": d.license or "", "license_url": d.license or "",
        "license_title": (label_for(d.license, lang) or d.license) if d.license else "",
        "isopen": is_open(d.license), "relationships_as_object": [],
        "relationships_as_subject": [],
        "groups": [group(t, lang) for t in d.themes],
        "tags": [tag(k) for k in keywords], "num_tags": len(keywords),
        "resources": resources, "num_resources": len(resources),
        "extras": _extras(d, iri, lang),
    }


def _resource(dist: Distribution, position: int, package_id: str, iri: str, lang: str) -> dict[str, Any]:
    return {
        "id": ckan_id(dist.iri or f"{iri}#distribution-{position}"), "package_id": package_id,
        "url": dist.download_url or dist.access_url or "", "name": pick(dist.title, lang),
        "description": pick(dist.description, lang), "format": format_name(dist),
        "mimetype": media_type(dist), "mimetype_inner": None, "size": dist.byte_size, "state": "active",
        "position": position,
        "created": timestamp(dist.issued), "last_modified": timestamp(dist.modified),
        "hash": dist.checksum or "",
        "cache_url": None, "cache_last_updated": None, "resource_type": None, "url_type": None,
        "uri": dist.iri, "access_url": dist.access_url, "download_url": dist.download_url,
        "license": dist.license, "rights": dist.rights,
        "conforms_to": json.dumps(dist.conforms_to) if dist.conforms_to else None,
    }


def _extras(d: Dataset, iri: str, lang: str) -> list[dict[str, str]]:
    """DCAT fields without a CKAN core field, under ckanext-dcat's extras keys; empty ones left out. Names
    (publisher, contact) in the reader's language, as the package's title and organisation are."""
    contact = d.contact[0] if d.contact else None
    publisher = d.publisher
    period = d.temporal[0] if d.temporal else None
    place = d.spatial[0] if d.spatial else None
    values: dict[str, Any] = {
        "uri": iri, "dcat_type": d.kind, "identifier": d.identifier[0] if d.identifier else None,
        "alternate_identifier": d.identifier[1:], "issued": d.issued, "modified": d.modified,
        "frequency": d.frequency, "access_rights": d.access_rights, "language": d.language, "theme": d.themes,
        "conforms_to": d.conforms_to, "documentation": d.documentation, "landing_pages": d.landing_page[1:],
        "in_series": d.in_series, "applicable_legislation": d.applicable_legislation,
        "publisher_uri": publisher and publisher.iri,
        "publisher_name": publisher and pick(publisher.name, lang),
        "publisher_email": publisher and publisher.email, "publisher_url": publisher and publisher.homepage,
        "publisher_type": publisher and publisher.type,
        "contact_uri": contact and contact.iri, "contact_name": contact and pick(contact.name, lang),
        "contact_email": contact and contact.email, "contact_url": contact and contact.url,
        "temporal_start": period and period.start, "temporal_end": period and period.end,
        "spatial_uri": place and place.iri, "spatial_text": place and pick(place.label, lang),
        "spatial": place and place.geometry, "spatial_bbox": place and place.bbox,
        "spatial_centroid": place and place.centroid,
    }
    return [{"key": key, "value": value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}
            for key, value in values.items() if value]
