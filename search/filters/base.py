"""What every facet is: a keyword field that can be filtered on and counted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vocab.loader import label_for

MAX_VALUES = 50  # selected values per facet; more is not a person clicking
MAX_VALUE_LENGTH = 1000


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    label: str
    selected: bool = False


@dataclass(frozen=True)
class TermsFacet:
    """A facet over one keyword field.

    `label_field` names a keyword field holding the display name of a value (publisher names for their
    IRIs); `vocabulary` says values are concept IRIs whose labels come from Kaifang's vocabularies.
    """

    name: str
    field: str
    size: int = 20
    by_key: bool = False  # order buckets by value, newest first (years), instead of by count
    label_field: str | None = None
    vocabulary: bool = False

    def clause(self, values: list[str]) -> dict[str, Any]:
        cleaned = [v[:MAX_VALUE_LENGTH] for v in values[:MAX_VALUES] if isinstance(v, str)]
        return {"terms": {self.field: cleaned}}

    def aggregation(self) -> dict[str, Any]:
        order = [{"_key": "desc"}] if self.by_key else [{"_count": "desc"}, {"_key": "asc"}]
        agg: dict[str, Any] = {"terms": {"field": self.field, "size": self.size, "order": order}}
        if self.label_field:
            agg["aggs"] = {"label": {"terms": {"field": self.label_field, "size": 1}}}
        return agg

    def values(self, result: dict[str, Any], lang: str, selected: list[str]) -> list[FacetValue]:
        """Buckets as facet values; a selected value that has no bucket is listed with count 0."""
        out = [FacetValue(b["key"], b["doc_count"], self.label(b, lang), b["key"] in selected)
               for b in result.get("buckets", [])]
        seen = {v.value for v in out}
        out += [FacetValue(v, 0, self.label({"key": v}, lang), True) for v in selected if v not in seen]
        return out

    def label(self, bucket: dict[str, Any], lang: str) -> str:
        names = bucket.get("label", {}).get("buckets", [])
        if names:
            return names[0]["key"]
        if self.vocabulary:
            return label_for(bucket["key"], lang) or bucket["key"]
        return str(bucket["key"])
