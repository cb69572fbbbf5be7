"""Type-ahead: titles, publisher names and keywords that start with what was typed, then titles with a
word that starts with it (smartcn words edge-n-grammed, so 空气 suggests 上海市空气质量监测数据)."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from catalog.model import pick


def suggest(client: Elasticsearch, index: str, prefix: str, lang: str = "zh", size: int = 10) -> list[str]:
    """Up to `size` distinct suggestions, whole-string prefix matches first; `prefix` is already clean.

    Duplicates are removed here: the engine's skip_duplicates also drops distinct texts sharing a prefix.
    """
    if not prefix:
        return []
    body: dict[str, Any] = {
        "size": size,
        "_source": ["display.title"],
        "query": {"bool": {"must": {"match": {"prefix": {"query": prefix, "operator": "and"}}},
                           "filter": {"term": {"status": "active"}}}},
        "suggest": {"names": {"prefix": prefix,
                              "completion": {"field": "suggest", "size": 2 * size}}},
    }
    response = client.search(index=index, **body).body
    found = [option["text"] for option in response["suggest"]["names"][0]["options"]]
    found += [pick(hit["_source"].get("display", {}).get("title"), lang) for hit in response["hits"]["hits"]]
    return list(dict.fromkeys(t for t in found if t))[:size]
