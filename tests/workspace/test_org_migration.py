"""Migration 0007 (decision 0013) on a database that already holds organisations with one title: they
keep working, with no English title, and read the same in both languages; downgrading drops only the
new column."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from catalog import accounts, migrate
from catalog.store import CatalogStore
from tests.conftest import _pg_schema_url

BEFORE = "0006_listings"
OLD_ROWS = [{"slug": "epb", "title": "生态环境局", "iri": "https://data.example.cn/org/epb"},
            {"slug": "other", "title": "Other bureau", "iri": "https://data.example.cn/org/other"}]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def old_db(request, tmp_path) -> Iterator[str]:
    """A database migrated only up to the revision before bilingual organisations, with two old rows."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path / 'old.db'}"])
    else:
        urls = _pg_schema_url()
    for url in urls:
        migrate.upgrade(url, BEFORE)
        engine = create_engine(url)
        with engine.begin() as c:
            c.execute(text("insert into organisations (slug, title, publisher_iri, created_at) "
                           "values (:slug, :title, :iri, CURRENT_TIMESTAMP)"), OLD_ROWS)
        engine.dispose()
        yield url


def _columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {column["name"] for column in inspect(engine).get_columns("organisations")}
    finally:
        engine.dispose()


def test_upgrading_keeps_single_title_organisations_working(old_db):
    assert "title_en" not in _columns(old_db)
    migrate.upgrade(old_db)
    assert migrate.current(old_db) == migrate.head() == "0007_org_title_en"
    assert "title_en" in _columns(old_db)
    store = CatalogStore.from_url(old_db)
    try:
        with store.sessions.begin() as s:
            epb = accounts.org_by_slug(s, "epb")
            assert (epb.title, epb.title_en) == ("生态环境局", None)
            assert epb.titles == {"": "生态环境局"}  # no English title: the one title, in every language
            accounts.set_org_titles(s, epb, epb.title, "Bureau of Ecology and Environment")
        with store.sessions() as s:
            assert accounts.org_by_slug(s, "epb").titles == {"zh": "生态环境局",
                                                              "en": "Bureau of Ecology and Environment"}
            assert accounts.org_by_slug(s, "other").title_en is None
    finally:
        store.engine.dispose()


def test_downgrading_drops_only_the_english_title(old_db):
    migrate.upgrade(old_db)
    command.downgrade(migrate.alembic_config(old_db), BEFORE)
    assert migrate.current(old_db) == BEFORE
    assert "title_en" not in _columns(old_db) and {"slug", "title", "publisher_iri"} <= _columns(old_db)
    engine = create_engine(old_db)
    with engine.connect() as c:
        rows = c.execute(text("select slug, title from organisations order by slug")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("epb", "生态环境局"), ("other", "Other bureau")]
