"""The dataset index: its mapping as an elasticsearch-dsl Document, and the names of its indices.

Physical indices are versioned, `{prefix}-datasets-v{N}-{timestamp}`, behind the alias `{prefix}-datasets`:
a reindex builds a new one and swaps the alias atomically. Bump SCHEMA_VERSION when the mapping changes.

A record's extents are a `geo_shape` (`spatial`, GeoJSON that the map draws too; the local engine gets the
type from our kaifang-geo plugin, see docs/decisions/0009) plus a `centroid` geo_point per extent.
A shape the engine cannot index is skipped (`ignore_malformed`), never the record.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from elasticsearch.dsl import (
    Completion,
    Date,
    DateRange,
    Document,
    Float,
    GeoPoint,
    GeoShape,
    Index,
    Keyword,
    MetaField,
    Object,
    Text,
)

from search import analysis as a

SCHEMA_VERSION = 2


def _lang_text() -> Object:
    """Per-language fields: zh (bigrams + smartcn words), en (stemmed), any (every language, neutral).

    The three are highlighted: offsets in the postings spare re-analysing each hit's text (a third of the
    highlighting time at 20,000 documents) for a few percent more index."""
    return Object(properties={
        "zh": Text(analyzer=a.zh_bigram, index_options="offsets",
                   fields={"words": Text(analyzer=a.zh_words)}),
        "en": Text(analyzer=a.english, index_options="offsets"),
        "any": Text(analyzer=a.neutral, index_options="offsets"),
    })


def _facet(**kwargs) -> Keyword:
    """A facet's keyword field: its global ordinals are built at refresh, not by the first search after it
    (every search counts all facets, so a lazy build would land on a visitor's request after each write)."""
    return Keyword(eager_global_ordinals=True, **kwargs)


class DatasetDoc(Document):
    iri = Keyword()
    name = Keyword()
    kind = Keyword()
    identifier = Keyword()
    title = _lang_text()
    description = _lang_text()
    title_sort = Keyword(normalizer=a.lower)
    display = Object(enabled=False)
    all_text = Text(analyzer=a.neutral)
    keywords = _facet(fields={"text": Text(analyzer=a.neutral), "en": Text(analyzer=a.english),
                               "words": Text(analyzer=a.zh_words)})
    themes = _facet()
    publisher = Object(properties={"key": _facet(), "iri": Keyword(),
                                   "name": Text(analyzer=a.neutral, fields={"raw": _facet()})})
    formats = _facet()
    licence = _facet()
    access_rights = _facet()
    frequency = _facet()
    regions = _facet()
    spatial = GeoShape(ignore_malformed=True)
    centroid = GeoPoint()
    temporal = DateRange(format="strict_date_optional_time||yyyy-MM||yyyy")
    issued = Date(format="strict_date_optional_time||yyyy-MM||yyyy")
    modified = Date(format="strict_date_optional_time||yyyy-MM||yyyy")
    year = _facet()
    quality = Float()
    source = Keyword()
    status = Keyword()
    content_hash = Keyword()
    suggest = Completion(analyzer=a.suggest, max_input_length=100)
    prefix = Text(analyzer=a.zh_prefix, search_analyzer=a.zh_words)

    class Meta:
        dynamic = MetaField(False)  # a field the view adds but the mapping lacks is kept, not indexed


def alias_name(prefix: str) -> str:
    return f"{prefix}-datasets"


def new_index_name(prefix: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    return f"{alias_name(prefix)}-v{SCHEMA_VERSION}-{stamp}"


def is_current(index: str) -> bool:
    """Whether a physical index was built with this mapping (older ones need `kaifang search reindex`)."""
    return f"-v{SCHEMA_VERSION}-" in index


def doc_id(iri: str) -> str:
    """A fixed-length id: IRIs can exceed Elasticsearch's 512-byte limit for `_id`."""
    return hashlib.sha256(iri.encode("utf-8")).hexdigest()


def index_body(*, building: bool = False) -> dict:
    """Settings and mappings for a new physical index; `building` turns refresh off for a bulk load."""
    definition = Index("unused").settings(number_of_shards=1, number_of_replicas=0)
    definition.document(DatasetDoc)
    body = definition.to_dict()
    if building:
        body["settings"]["refresh_interval"] = "-1"
    body["settings"]["max_result_window"] = 10_000
    return body
