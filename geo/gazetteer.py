"""Administrative regions (world countries, China's province-level divisions) found from shapes or names.

Countries come from a base map (by default Natural Earth 1:110m, shipped in geo/data); China's 34
province-level divisions come from `vocab` "cn-admin" with GB/T 2260 codes and approximate boxes recorded as
facts. The base map is a constructor argument because Natural Earth draws de-facto boundaries, and a portal
serving a Chinese government must publish boundaries only from an approved standard map (审图号); province
shapes are therefore never drawn from anything but such a map, and here they are only boxes for matching.

Names are matched leftmost-longest, so 海南藏族自治州 is a prefecture of Qinghai, not 海南; prefecture and
county names (geo/data) resolve to their province; short names (贵阳 for 贵阳市) are not taken when
followed by 区/县/路/街..., so 北京市朝阳区 or 南京路 do not name 朝阳市 or 南京市.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from catalog.model import Dataset
from vocab.loader import vocabulary

DATA = Path(__file__).parent / "data"
BASE_MAP = DATA / "ne_110m_admin_0_countries.geojson"
COUNTRY_IRI = "http://publications.europa.eu/resource/authority/country/"
PLACES = (DATA / "cn-prefectures.csv", DATA / "cn-counties.csv")
HOW_ORDER = ("spatial-iri", "spatial-label", "geometry", "publisher", "title")
_SUFFIXES = ("地区", "市", "盟", "县", "区")
_NOT_AFTER_SHORT = "(?![区县市镇乡村路街道])"


@dataclass(frozen=True)
class Region:
    iri: str
    code: str  # ISO 3166-1 alpha-3 for countries, GB/T 2260 for Chinese divisions
    kind: str  # "country" | "cn-province"
    names: dict[str, str] = field(hash=False, compare=False)  # zh / en
    geometry: BaseGeometry = field(hash=False, compare=False, repr=False)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return tuple(self.geometry.bounds)


@dataclass(frozen=True)
class RegionMatch:
    region: Region
    how: str  # one of HOW_ORDER


class Gazetteer:
    """Regions with names and shapes; `base_map`: a countries file with iso_a2, iso_a3, name_en, name_zh."""

    def __init__(self, base_map: Path = BASE_MAP, *, places: Iterable[Path] = PLACES) -> None:
        self.regions = _countries(base_map) + _provinces()
        self._by_iri = {r.iri: r for r in self.regions}
        self._tree = shapely.STRtree([r.geometry for r in self.regions])
        self._by_name = self._names(places)
        self._pattern = _names_pattern(self._by_name)

    def _names(self, places: Iterable[Path]) -> dict[str, Region]:
        """Every name -> region; earlier sources win, so a province's own name beats a place's short name."""
        by_code = {r.code: r for r in self.regions}
        names: dict[str, Region] = {}
        for region in self.regions:
            for name in region.names.values():
                names.setdefault(name.lower(), region)
        for concept in vocabulary("cn-admin").concepts():
            for alt in concept.alt_labels:
                if len(alt) > 1:
                    names.setdefault(alt.lower(), by_code[concept.notation])
        for path in places:
            with open(path, encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    for name in (row["name"], _short(row["name"])):
                        names.setdefault(name, by_code[row["province_code"]])
        return names

    def for_geometry(self, geom: BaseGeometry) -> list[Region]:
        """Regions intersecting `geom` (WGS84), best first: by overlap (intersection over union) for areas,
        and smallest region first for points and lines."""
        hits = [self.regions[i] for i in self._tree.query(geom, predicate="intersects")]
        return sorted(hits, key=lambda r: -_score(geom, r.geometry))

    def for_text(self, text: str) -> list[Region]:
        """Regions named in `text`, in order of first mention (上海市住房和城乡建设管理委员会 -> [上海市])."""
        found = (self._by_name[m.group(0).lower()] for m in self._pattern.finditer(text or ""))
        return list(dict.fromkeys(found))

    def by_iri(self, iri: str) -> Region | None:
        return self._by_iri.get(iri.strip().replace("https://publications", "http://publications"))

    def infer(self, dataset: Dataset) -> list[RegionMatch]:
        """Regions of a dataset and how each was found; a region found several ways keeps the surest way."""
        found: list[RegionMatch] = []
        for location in dataset.spatial:
            found += [RegionMatch(r, "spatial-iri") for r in filter(None, [self.by_iri(location.iri or "")])]
            for label in location.label.values():
                found += [RegionMatch(r, "spatial-label") for r in self.for_text(label)]
            for literal in (location.geometry, location.bbox):
                if geom := parse_geometry(literal):
                    found += [RegionMatch(r, "geometry") for r in _best(geom, self.for_geometry(geom))]
        names = dataset.publisher.name.values() if dataset.publisher else ()
        found += [RegionMatch(r, "publisher") for text in names for r in self.for_text(text)]
        found += [RegionMatch(r, "title") for text in dataset.title.values() for r in self.for_text(text)]
        surest: dict[Region, RegionMatch] = {}
        for match in sorted(found, key=lambda m: HOW_ORDER.index(m.how)):
            surest.setdefault(match.region, match)
        return list(surest.values())


def _names_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """Leftmost-longest over all names as one regex over a character trie: a plain alternation of ~1,000
    names is tried name by name at every position (most of the search-document building time)."""
    ascii_names = [n for n in names if n.isascii()]
    other = [n for n in names if not n.isascii()]
    return re.compile(rf"(?<![a-z]){_trie(ascii_names)}|{_trie(other)}", re.IGNORECASE)


def _trie(names: list[str]) -> str:
    """Longer continuations are tried before a name ends, so the longest name wins as in a sorted list."""
    root: dict[str, Any] = {}
    for name in names:
        node = root
        for char in name:
            node = node.setdefault(char, {})
        node[""] = _end(name)

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in node.items() if char]
        if "" in node:
            branches.append(node[""])
        return branches[0] if len(branches) == 1 and "" not in node else f"(?:{'|'.join(branches)})"

    return emit(root)


def _end(name: str) -> str:
    """What may follow a name: no letter after an ASCII name; no 区/县/路... after a short Chinese one."""
    if name.isascii():
        return "(?![a-z])"
    return _NOT_AFTER_SHORT if not name.endswith(_SUFFIXES + ("州",)) else ""


def _short(name: str) -> str:
    """贵阳市 -> 贵阳, 南明区 -> 南明; names that would be a single character, or 自治州, stay whole."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _score(geom: BaseGeometry, region: BaseGeometry) -> float:
    if geom.area > 0:
        inter = geom.intersection(region).area
        return inter / (geom.area + region.area - inter)
    return 1 / (1 + region.area)


def _best(geom: BaseGeometry, ranked: list[Region], share: float = 0.25) -> list[Region]:
    """Per kind, the regions scoring at least `share` of the best of that kind (coarse boxes overlap)."""
    best: dict[str, float] = {}
    for region in ranked:
        best.setdefault(region.kind, _score(geom, region.geometry))
    return [r for r in ranked if _score(geom, r.geometry) >= share * best[r.kind]]


def parse_geometry(literal: str | None) -> BaseGeometry | None:
    """A WKT (optionally with a GeoSPARQL CRS IRI first) or GeoJSON literal, or None when it is neither.

    A WKT literal that names EPSG:4326 is in latitude, longitude order (GeoSPARQL), so its axes are swapped.
    """
    text = (literal or "").strip()
    try:
        if text.startswith("{"):
            return shapely.from_geojson(text)
        swap = False
        if text.startswith("<"):
            iri, _, text = text[1:].partition(">")
            swap = iri.rstrip("/").endswith("EPSG/0/4326")
        geom = shapely.from_wkt(text.strip())
    except (shapely.errors.GEOSException, ValueError):
        return None
    return shapely.transform(geom, lambda xy: xy[:, ::-1]) if swap else geom


def _countries(base_map: Path) -> list[Region]:
    gdf = gpd.read_file(base_map)
    return [
        Region(
            COUNTRY_IRI + row.iso_a3,
            row.iso_a3,
            "country",
            {"zh": row.name_zh, "en": row.name_en},
            row.geometry,
        )
        for row in gdf.itertuples()
        if row.iso_a3 and row.iso_a3 != "-99"
    ]


def _provinces() -> list[Region]:
    return [
        Region(c.iri, c.notation, "cn-province", dict(c.labels), shapely.from_wkt(c.extra["bbox"]))
        for c in vocabulary("cn-admin").concepts()
    ]


@cache
def default() -> Gazetteer:
    return Gazetteer()


def regions_for_geometry(geom: BaseGeometry, gazetteer: Gazetteer | None = None) -> list[Region]:
    return (gazetteer or default()).for_geometry(geom)


def regions_for_text(text: str, gazetteer: Gazetteer | None = None) -> list[Region]:
    return (gazetteer or default()).for_text(text)


def infer_regions(dataset: Dataset, gazetteer: Gazetteer | None = None) -> list[RegionMatch]:
    return (gazetteer or default()).infer(dataset)
