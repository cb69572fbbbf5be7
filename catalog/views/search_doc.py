"""The search document view: one stored record -> the plain dict that Elasticsearch indexes.

Everything here is lenient on purpose: harvested metadata has years for dates, lat/lon swapped, broken
polygons. A value that cannot be understood is left out of the document; it never stops the record from
being found by its text.
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import date
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from catalog.model import Dataset, LangText, Location
from geo.regions import region_codes

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
DATE = re.compile(r"^\s*(\d{4})(?:\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2}))?)?")
CRS = re.compile(r"^\s*<[^>]*>\s*")
RECOMMENDED = ("description", "keywords", "themes", "publisher", "contact", "distributions", "spatial",
               "temporal", "modified", "frequency", "access_rights", "license")


def search_document(dataset: Dataset, *, content_hash: str, name: str | None = None,
                    source: str | None = None, status: str = "active",
                    report: dict | None = None) -> dict[str, Any]:
    """The search document of one record; `content_hash` lets `verify` spot stale documents."""
    geometries = [g for g in (location_geometry(loc) for loc in dataset.spatial) if g is not None]
    modified = parse_date(dataset.modified) or parse_date(dataset.issued)
    publisher_names = list(dataset.publisher.name.values()) if dataset.publisher else []
    keywords = [k for values in dataset.keywords.values() for k in values if k]
    titles = list(dataset.title.values())
    return {
        "iri": dataset.iri,
        "name": name,
        "kind": dataset.kind,
        "identifier": dataset.identifier,
        "title": by_language(dataset.title),
        "description": by_language(dataset.description),
        "title_sort": clean(next(iter(titles), ""))[:200].lower(),
        "display": {"title": dataset.title, "description": dataset.description, "publisher": (
            dataset.publisher.name if dataset.publisher else {})},
        "keywords": keywords,
        "themes": dataset.themes,
        "publisher": _publisher(dataset),
        "formats": formats(dataset),
        "licence": sorted({x for x in [dataset.license, *(d.license for d in dataset.distributions)] if x}),
        "access_rights": dataset.access_rights,
        "frequency": dataset.frequency,
        "regions": region_codes(dataset),
        "spatial": [mapping(indexable(g)) for g in geometries],
        "centroid": [centroid(g) for g in geometries],
        "temporal": [r for r in (period_range(p.start, p.end) for p in dataset.temporal) if r],
        "issued": _iso(parse_date(dataset.issued)),
        "modified": _iso(modified),
        "year": [str(modified.year)] if modified else [],
        "quality": quality(dataset, report),
        "source": source,
        "status": status,
        "content_hash": content_hash,
        "suggest": {"input": _suggest_inputs([*titles, *publisher_names, *keywords])},
        "prefix": titles,
        "all_text": "\n".join([*titles, *dataset.description.values(), *keywords, *publisher_names,
                               *(t for d in dataset.distributions for t in d.title.values()),
                               *(t for loc in dataset.spatial for t in loc.label.values())]),
    }


def clean(text: str) -> str:
    return CONTROL.sub(" ", text).strip()


def by_language(text: LangText) -> dict[str, list[str]]:
    """Route each value to the analysers that suit it; untagged text is Chinese if it has Han characters."""
    out: dict[str, list[str]] = {"zh": [], "en": [], "any": []}
    for tag, value in text.items():
        primary = tag.split("-")[0].lower()
        if primary == "zh" or (primary == "" and HAN.search(value)):
            out["zh"].append(value)
        elif primary in ("en", ""):
            out["en"].append(value)
        out["any"].append(value)
    return out


def _publisher(dataset: Dataset) -> dict[str, Any] | None:
    agent = dataset.publisher
    if agent is None or not (agent.iri or agent.name):
        return None
    names = list(agent.name.values())
    return {"key": agent.iri or names[0], "iri": agent.iri, "name": names}


def formats(dataset: Dataset) -> list[str]:
    """Short upper-case format names: file-type IRIs and media types reduce to their last segment."""
    out = set()
    for value in dataset.formats:
        name = value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].strip().upper()
        if name:
            out.add(name)
    return sorted(out)


def quality(dataset: Dataset, report: dict | None) -> float:
    """0..1: 60% completeness of the DCAT-AP recommended fields, 40% SHACL conformance.

    Conformance is 1 for a conforming report, minus 0.2 per violation and 0.05 per warning otherwise,
    and 0.5 while a record has not been validated yet. Used as a gentle ranking signal only.
    """
    present = sum(1 for name in RECOMMENDED if getattr(dataset, name))
    if report is None:
        conformance = 0.5
    elif report.get("conforms"):
        conformance = 1.0
    else:
        counts = report.get("counts", {})
        conformance = max(0.0, 1 - 0.2 * counts.get("Violation", 0) - 0.05 * counts.get("Warning", 0))
    return round(0.6 * present / len(RECOMMENDED) + 0.4 * conformance, 3)


def _suggest_inputs(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        text = clean(value)[:100]
        if text:
            seen.setdefault(text, None)
    return list(seen)


# -- dates -----------------------------------------------------------------------------------------------
def parse_date(value: str | None, *, end: bool = False) -> date | None:
    """A year, year-month, date or datetime (also 2020/5/6 and 2020年5月6日) as a date, else None.

    With `end`, a year or month means its last day, so "2020" as a period end covers all of 2020.
    """
    match = DATE.match(value or "")
    if not match:
        return None
    year = int(match.group(1))
    month = int(match.group(2) or (12 if end else 1))
    if not (year >= 1 and 1 <= month <= 12):
        return None
    last = calendar.monthrange(year, month)[1]
    day = int(match.group(3) or (last if end else 1))
    return date(year, month, day) if 1 <= day <= last else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def period_range(start: str | None, end: str | None) -> dict[str, str] | None:
    """A date_range value; open ends stay open, reversed ends are swapped, nothing known gives None."""
    first, last = parse_date(start), parse_date(end, end=True)
    if first and last and first > last:
        first, last = parse_date(end), parse_date(start, end=True)
    if not (first or last):
        return None
    return {k: v.isoformat() for k, v in (("gte", first), ("lte", last)) if v}


# -- geometry --------------------------------------------------------------------------------------------
def parse_geometry(literal: str | None) -> BaseGeometry | None:
    """A WKT (optionally with a CRS IRI in front) or GeoJSON literal in lon/lat order. An invalid geometry
    (a self-intersecting ring, as published footprints often have) is repaired, not dropped: dropped, its
    dataset would vanish from map search."""
    text = (literal or "").strip()
    if not text:
        return None
    try:
        geom = shape(json.loads(text)) if text.startswith("{") else shapely.from_wkt(CRS.sub("", text))
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException):
        return None
    if geom is not None and not geom.is_empty and not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom is None or geom.is_empty:
        return None
    west, south, east, north = geom.bounds
    return geom if -180 <= west <= east <= 180 and -90 <= south <= north <= 90 else None


def location_geometry(location: Location) -> BaseGeometry | None:
    return parse_geometry(location.geometry) or parse_geometry(location.bbox) or parse_geometry(
        location.centroid)


def _parts(geom: BaseGeometry) -> list[BaseGeometry]:
    return list(getattr(geom, "geoms", [geom]))


def _shifted(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: xy + [[360, 0]] * (xy[:, 0:1] < 0))


def _wraps(geom: BaseGeometry) -> bool:
    """Drawn across the antimeridian: spans over half the globe, but far less once west longitudes get +360.

    A part touching both -180 and 180 is a world-wide extent, not a crossing one.
    """
    west, _, east, _ = geom.bounds
    if east - west <= 180 or any(p.bounds[0] == -180 and p.bounds[2] == 180 for p in _parts(geom)):
        return False
    bounds = _shifted(geom).bounds
    return bounds[2] - bounds[0] < 180


def indexable(geom: BaseGeometry) -> BaseGeometry:
    """The extent as geo_shape and maps should see it: one drawn across the antimeridian gets its west
    longitudes +360, which Elasticsearch splits at the dateline (read as drawn, it would span the globe)."""
    return _shifted(geom) if _wraps(geom) else geom


def centroid(geom: BaseGeometry) -> dict[str, float]:
    point = indexable(geom).centroid
    lon = point.x - 360 if point.x > 180 else point.x
    return {"lat": round(point.y, 6), "lon": round(lon, 6)}
