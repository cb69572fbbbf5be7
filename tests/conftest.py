"""Shared test fixtures: real databases (SQLite file, PostgreSQL schema) and the real Elasticsearch.

`make test` starts PostgreSQL and Elasticsearch first; run by hand, start them with
`make search-start postgres-start`. Tests needing a service that is down fail with a clear message.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from catalog import migrate
from catalog.store import CatalogStore

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL = os.environ.get("PG_TEST_URL", "postgresql+psycopg://kaifang@127.0.0.1:5433/kaifang_test")
ES_PORT = os.environ.get("ELASTICSEARCH_PORT", "9200")
ES_URL = os.environ.get("ELASTICSEARCH_URL", f"http://127.0.0.1:{ES_PORT}")


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


def _pg_schema_url() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'create schema "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - turn a missing server into an actionable failure
        pytest.fail(f"PostgreSQL not reachable at {PG_URL} ({exc.__class__.__name__}); "
                    "run `make postgres-start`")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request, tmp_path) -> Iterator[str]:
    """A migrated, empty database on each backend the catalogue supports."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kaifang.db'}"
        migrate.upgrade(url)
        yield url
        return
    for url in _pg_schema_url():
        migrate.upgrade(url)
        yield url


@pytest.fixture
def store(db_url) -> Iterator[CatalogStore]:
    store = CatalogStore.from_url(db_url)
    yield store
    store.engine.dispose()


@pytest.fixture(scope="session")
def es_url() -> str:
    return ES_URL
