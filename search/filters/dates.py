"""Date filters: temporal coverage overlapping a period, and last modification within one.

Ends are as lenient as indexing: "2020" as a start means 2020-01-01 and as an end 2020-12-31.
"""

from __future__ import annotations

from typing import Any

from catalog.views.search_doc import parse_date


def _bounds(start: str | None, end: str | None) -> dict[str, str]:
    first, last = parse_date(start), parse_date(end, end=True)
    if (start and not first) or (end and not last):
        raise ValueError("dates must look like 2020, 2020-05 or 2020-05-06")
    if not (first or last):
        raise ValueError("give a start or an end date")
    return {k: v.isoformat() for k, v in (("gte", first), ("lte", last)) if v}


def temporal_clause(start: str | None, end: str | None) -> dict[str, Any]:
    return {"range": {"temporal": {**_bounds(start, end), "relation": "intersects"}}}


def modified_clause(start: str | None, end: str | None) -> dict[str, Any]:
    return {"range": {"modified": _bounds(start, end)}}
