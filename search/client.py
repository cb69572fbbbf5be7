"""The one way Kaifang connects to Elasticsearch, and how it reports the engine's health."""

from __future__ import annotations

import json
from typing import Any

import orjson
from elasticsearch import Elasticsearch
from elasticsearch import exceptions as es_errors
from elasticsearch.serializer import JsonSerializer, NdjsonSerializer


class _Orjson:
    """orjson for the bodies Kaifang sends and the answers it reads: a search's body and answer take a
    fifth of the CPU the standard library's json needs. Whatever orjson refuses (a lone surrogate in a
    string, an integer beyond 64 bits) goes through the standard library exactly as before. One difference
    remains: orjson reads an integer beyond 64 bits as a float (no field of Kaifang's is an unsigned_long,
    the only kind of value Elasticsearch could answer with one)."""

    def json_dumps(self, data: Any) -> bytes:
        try:
            return orjson.dumps(data, default=self.default, option=orjson.OPT_NON_STR_KEYS)  # type: ignore[attr-defined]
        except TypeError:  # orjson.JSONEncodeError
            return json.dumps(data, default=self.default, ensure_ascii=False,  # type: ignore[attr-defined]
                              separators=(",", ":")).encode("utf-8", "surrogatepass")

    def json_loads(self, data: bytes) -> Any:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            return json.loads(data)


class OrjsonSerializer(_Orjson, JsonSerializer):
    pass


class OrjsonNdjsonSerializer(_Orjson, NdjsonSerializer):
    pass


JSON = OrjsonSerializer()
NDJSON = OrjsonNdjsonSerializer()
SERIALIZERS = {JSON.mimetype: JSON, NDJSON.mimetype: NDJSON}


def connect(url: str, *, timeout: float = 10.0) -> Elasticsearch:
    return Elasticsearch(url, request_timeout=timeout, retry_on_timeout=False, max_retries=1,
                         serializers=SERIALIZERS)


def health(client: Elasticsearch) -> dict[str, Any]:
    """Engine status for /healthz: never raises, says what is wrong instead."""
    try:
        info = client.cluster.health(timeout="2s")
        version = client.nodes.info(node_id="_local", metric="_none").get("nodes", {})
        versions = sorted({n.get("version", "?") for n in version.values()})
        return {"status": info["status"], "ok": info["status"] in ("green", "yellow"),
                "cluster": info["cluster_name"], "nodes": info["number_of_nodes"],
                "version": versions[0] if versions else None}
    except (es_errors.ConnectionError, es_errors.TransportError, es_errors.ApiError) as exc:
        return {"status": "unreachable", "ok": False, "error": type(exc).__name__ + ": " + str(exc)[:200]}
