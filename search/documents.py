"""The dataset index: its mapping as an elasticsearch-dsl Document, and the names of its indices.

Physical indices are versioned, `{prefix}-datasets-v{N}-{timestamp}`, behind the alias `{prefix}-datasets`:
a reindex builds a new one and swaps the alias atomically. Bump SCHEMA_VERSION when the mapping changes.

The engine has no geo_shape (no spatial module), so a record's extent is indexed as longitude and latitude
`double_range`s (two longitude ranges for an extent drawn across the antimeridian) plus a `centroid`
geo_point; the GeoJSON itself is kept, unindexed, in `spatial` for maps and for a future geo_shape field.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from elasticsearch.dsl import (
    Completion,
    Date,
    DateRange,
    Document,
    DoubleRange,
    Float,
    GeoPoint,
    Index,
    Keyword,
    MetaField,
    Object,
    Text,
)

from search import analysis as a

SCHEMA_VERSION = 1


def _lang_text() -> Object:
    """Per-language fields: zh (bigrams + smartcn words), en (stemmed), any (every language, neutral)."""
    return Object(properties={
        "zh": Text(analyzer=a.zh_bigram, fields={"words": Text(analyzer=a.zh_words)}),
        "en": Text(analyzer=a.english),
        "any": Text(analyzer=a.neutral),
    })


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
    keywords = Keyword(fields={"text": Text(analyzer=a.neutral), "en": Text(analyzer=a.english),
                               "words": Text(analyzer=a.zh_words)})
    themes = Keyword()
    publisher = Object(properties={"key": Keyword(), "iri": Keyword(),
                                   "name": Text(analyzer=a.neutral, fields={"raw": Keyword()})})
    formats = Keyword()
    licence = Keyword()
    access_rights = Keyword()
    frequency = Keyword()
    regions = Keyword()
    spatial = Object(enabled=False)
    lon = DoubleRange()
    lat = DoubleRange()
    centroid = GeoPoint()
    temporal = DateRange(format="strict_date_optional_time||yyyy-MM||yyyy")
    issued = Date(format="strict_date_optional_time||yyyy-MM||yyyy")
    modified = Date(format="strict_date_optional_time||yyyy-MM||yyyy")
    year = Keyword()
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
