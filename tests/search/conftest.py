"""Search tests run against the real Elasticsearch, each module under its own index prefix, so they never
touch the portal's index; every index a module created is deleted after it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from search.client import connect, health


@pytest.fixture(scope="session")
def es(es_url) -> Elasticsearch:
    client = connect(es_url, timeout=60)
    state = health(client)
    if not state["ok"]:
        pytest.fail(f"Elasticsearch not usable at {es_url} ({state}); run `make search-start`")
    return client


def drop_indices(es: Elasticsearch, prefix: str) -> None:
    names = list(es.indices.get(index=f"{prefix}-*", expand_wildcards="all").body)
    if names:
        es.indices.delete(index=",".join(names), ignore_unavailable=True)


@pytest.fixture(scope="module")
def prefix(request, es) -> Iterator[str]:
    name = request.module.__name__.rsplit(".", 1)[-1].replace("_", "-")
    value = f"kaifang-test-{name}-{uuid.uuid4().hex[:6]}"
    yield value
    drop_indices(es, value)
