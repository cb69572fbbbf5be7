"""Projection -> DCAT-US 1.1 (Project Open Data) `data.json`, for US-style harvesters and data.gov tools.

`stream_catalog` writes the catalogue one dataset at a time, so the whole file never sits in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from catalog.model import Dataset, Distribution, pick
from catalog.store import StoredDataset
from catalog.views.ckan import format_name, local_name, media_type, tags
from vocab.loader import label_for, vocabulary

SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"
# Kept even when empty: a DCAT-US reader expects them (and a validator then says what is missing).
REQUIRED = ("title", "description", "keyword", "modified", "publisher", "contactPoint", "identifier",
            "accessLevel")
ACCESS_LEVELS = {"PUBLIC": "public", "RESTRICTED": "restricted public", "NON_PUBLIC": "non-public"}
# EU frequency codes -> ISO 8601 repeating durations, as DCAT-US accrualPeriodicity wants them.
PERIODICITY = {
    "DAILY": "R/P1D", "WEEKLY": "R/P1W", "BIWEEKLY": "R/P2W", "MONTHLY": "R/P1M", "BIMONTHLY": "R/P2M",
    "QUARTERLY": "R/P3M", "ANNUAL": "R/P1Y", "BIENNIAL": "R/P2Y", "TRIENNIAL": "R/P3Y", "ANNUAL_2": "R/P6M",
    "DAILY_2": "R/PT12H", "HOURLY": "R/PT1H", "CONT": "R/PT1S", "UPDATE_CONT": "R/PT1S", "IRREG": "irregular",
}


def to_datajson(stored: StoredDataset, lang: str = "en") -> dict[str, Any]:
    d = stored.dataset
    entry: dict[str, Any] = {
        "@type": "dcat:Dataset", "title": pick(d.title, lang), "description": pick(d.description, lang),
        "keyword": tags(d, lang), "modified": d.modified or d.issued, "identifier": stored.iri,
        "accessLevel": ACCESS_LEVELS.get(local_name(d.access_rights or ""), "public"),
        "publisher": _publisher(d, lang),
        "contactPoint": _contact(d, lang), "license": d.license, "issued": d.issued,
        "accrualPeriodicity": PERIODICITY.get(local_name(d.frequency or "")),
        "language": [_language(iri) for iri in d.language] or None,
        "landingPage": d.landing_page[0] if d.landing_page else None,
        "references": d.documentation or None, "theme": [label_for(t, lang) or t for t in d.themes] or None,
        "conformsTo": d.conforms_to[0] if d.conforms_to else None,
        "isPartOf": d.in_series[0] if d.in_series else None,
        "spatial": _spatial(d, lang), "temporal": _temporal(d),
        "distribution": [_distribution(dist, lang) for dist in d.distributions] or None,
    }
    return {key: value for key, value in entry.items() if key in REQUIRED or value not in (None, "", [])}


def _publisher(d: Dataset, lang: str) -> dict[str, str] | None:
    if not d.publisher:
        return None
    return {"@type": "org:Organization", "name": pick(d.publisher.name, lang) or d.publisher.iri or ""}


def _contact(d: Dataset, lang: str) -> dict[str, str] | None:
    if not d.contact:
        return None
    contact = d.contact[0]
    out = {"@type": "vcard:Contact", "fn": pick(contact.name, lang) or contact.email or contact.iri or ""}
    if contact.email:
        out["hasEmail"] = f"mailto:{contact.email}"
    return out


def _language(iri: str) -> str:
    concept = vocabulary("language").get(iri)
    return concept.notation if concept and concept.notation else local_name(iri).lower()


def _spatial(d: Dataset, lang: str) -> str | None:
    place = d.spatial[0] if d.spatial else None
    return place and (pick(place.label, lang) or place.iri or place.bbox)


def _temporal(d: Dataset) -> str | None:
    period = d.temporal[0] if d.temporal else None
    if not period or not (period.start and period.end):
        return None  # DCAT-US has no open-ended intervals
    return f"{period.start}/{period.end}"


def _distribution(dist: Distribution, lang: str) -> dict[str, Any]:
    out = {"@type": "dcat:Distribution", "title": pick(dist.title, lang),
           "description": pick(dist.description, lang), "downloadURL": dist.download_url,
           "accessURL": None if dist.download_url else dist.access_url,
           "mediaType": media_type(dist), "format": format_name(dist),
           "conformsTo": dist.conforms_to[0] if dist.conforms_to else None}
    return {key: value for key, value in out.items() if value}


def stream_catalog(records: Iterable[StoredDataset], catalog_url: str, lang: str = "en") -> Iterator[str]:
    """The DCAT-US catalog as JSON text chunks: header, one dataset per chunk, footer."""
    head = {"@context": f"{SCHEMA}/catalog.jsonld", "@id": catalog_url, "@type": "dcat:Catalog",
            "conformsTo": SCHEMA, "describedBy": f"{SCHEMA}/catalog.json"}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "dataset": ['
    for i, stored in enumerate(records):
        yield ("," if i else "") + "\n" + json.dumps(to_datajson(stored, lang), ensure_ascii=False)
    yield "\n]}\n"
