"""Region codes for search and the portal: `CN-310000` for Chinese provinces, ISO 3166-1 alpha-3 otherwise.

The search index facets on these codes (a short, stable key per region); names come back from the same
cached Gazetteer when a page or the map needs them, so the index holds no label that could go stale.
"""

from __future__ import annotations

from functools import cache

from catalog.model import Dataset
from geo.gazetteer import Region, default

CN_PREFIX = "CN-"
CHINA = "CHN"


def region_code(region: Region) -> str:
    return CN_PREFIX + region.code if region.kind == "cn-province" else region.code


def region_codes(dataset: Dataset) -> list[str]:
    """Codes of the regions a dataset covers, surest match first; a Chinese province implies China, so the
    country facet counts data found only by a province's name. The Gazetteer is built once per process."""
    codes = [region_code(match.region) for match in default().infer(dataset)]
    if any(c.startswith(CN_PREFIX) for c in codes) and CHINA not in codes:
        codes.append(CHINA)
    return codes


@cache
def _by_code() -> dict[str, Region]:
    return {region_code(r): r for r in default().regions}


def region_for(code: str) -> Region | None:
    return _by_code().get(code)


def region_name(code: str, lang: str = "zh") -> str:
    """The region's name in `lang` (zh or en), else the other language, else the code itself."""
    region = region_for(code)
    if region is None:
        return code
    return region.names.get(lang) or next(iter(v for v in region.names.values() if v), code)
