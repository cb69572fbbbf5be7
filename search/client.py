"""The one way Kaifang connects to Elasticsearch, and how it reports the engine's health."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch import exceptions as es_errors


def connect(url: str, *, timeout: float = 10.0) -> Elasticsearch:
    return Elasticsearch(url, request_timeout=timeout, retry_on_timeout=False, max_retries=1)


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
