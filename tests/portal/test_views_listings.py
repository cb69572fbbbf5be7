"""Store-side listings (publishers, themes, tags, CKAN ids, package_list) and buffered page views, on
both database backends, through the real portal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import column, insert, select, table, text

from catalog import migrate
from catalog.importer import import_file
from catalog.store import CatalogStore, describe_terms
from catalog.tables import DatasetRow, TermRow
from catalog.views.ckan import ckan_id
from portal.web.views import ViewCounter
from tests.conftest import _pg_schema_url
from tests.portal.conftest import EXAMPLES

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}


def _views(store: CatalogStore, name: str) -> int:
    with store.sessions() as s:
        return s.scalar(select(DatasetRow.views).where(DatasetRow.name == name))


def test_views_are_buffered_then_flushed_and_ordered_on_the_home_page(site):
    site.app.config.update(KAIFANG_VIEWS_FLUSH_SECONDS=3600, KAIFANG_VIEWS_FLUSH_VIEWS=5)
    client = site.client()
    other = next(s.name for s in site.store.iter_datasets() if s.name not in (site.bilingual, site.hostile))
    for _ in range(3):
        assert client.get(f"/dataset/{site.bilingual}", headers=BROWSER).status_code == 200
    assert client.get(f"/dataset/{other}", headers=BROWSER).status_code == 200
    # not views: a robot, a HEAD request, a DCAT export
    client.get(f"/dataset/{site.bilingual}", headers={"User-Agent": "Googlebot/2.1"})
    client.head(f"/dataset/{site.bilingual}", headers=BROWSER)
    client.get(f"/dataset/{site.bilingual}.ttl", headers=BROWSER)
    assert _views(site.store, site.bilingual) == 0  # four views so far: still in memory
    client.get(f"/dataset/{other}", headers=BROWSER)  # the fifth view flushes
    assert (_views(site.store, site.bilingual), _views(site.store, other)) == (3, 2)
    assert [s.name for s in site.store.most_viewed(5)] == [site.bilingual, other]
    page = client.get("/", headers={**BROWSER, "Accept-Language": "en"}).get_data(as_text=True)
    assert "Most viewed" in page and page.index(site.bilingual) < page.index(other)
    assert "3 views" in page
    zh = client.get("/", headers={**BROWSER, "Accept-Language": "zh"}).get_data(as_text=True)
    assert "浏览最多" in zh
    api = client.get("/api/1/most-viewed", query_string={"limit": 1}).get_json()["data"]
    assert [(d["name"], d["views"]) for d in api] == [(site.bilingual, 3)]


def test_two_processes_flushing_at_once_lose_no_view(site):
    """Two counters (as two gunicorn workers) over one database: every view arrives."""
    first, second = ViewCounter(site.store, 3600, 10_000), ViewCounter(site.store, 3600, 10_000)
    for _ in range(7):
        first.add(site.bilingual)
        second.add(site.bilingual)
    second.add(site.hostile)
    first.flush()
    second.flush()
    assert (_views(site.store, site.bilingual), _views(site.store, site.hostile)) == (14, 1)


def test_listings_follow_withdrawals_and_ckan_ids(site):
    client = site.client()
    iri = "https://data.example.cn/dataset/air-quality"
    shown = client.get("/api/3/action/package_show", query_string={"id": ckan_id(iri)}).get_json()
    assert shown["result"]["name"] == site.bilingual
    assert "空气" in client.get("/api/3/action/tag_list").get_json()["result"]
    themes = dict(site.store.term_counts("theme"))
    assert themes["http://publications.europa.eu/resource/authority/data-theme/ENVI"] >= 1
    bureau = site.store.publisher_counts(describe_terms(iri, site.store.get(iri).dataset)[1])
    assert [(p.agent.name.get("en"), p.count) for p in bureau] == [("Environment Bureau", 1)]
    assert site.store.withdraw(iri)
    site.app.extensions["kaifang"].pop("listings", None)
    listed = client.get("/api/3/action/package_list").get_json()["result"]
    assert site.bilingual not in listed and listed == sorted(listed)
    assert "空气" not in client.get("/api/3/action/tag_list").get_json()["result"]
    gone = client.get("/api/3/action/package_show", query_string={"id": ckan_id(iri)})
    assert gone.status_code == 404
    assert all(p.agent.name.get("en") != "Environment Bureau" for p in site.store.publisher_counts())
    assert client.get(f"/publishers/{bureau[0].slug}").status_code == 404


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def old_url(request, tmp_path) -> Iterator[str]:
    """A database at revision 0005, before the listings migration."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        migrate.upgrade(url, "0005_harvest_pages")
        yield url
        return
    for url in _pg_schema_url():
        migrate.upgrade(url, "0005_harvest_pages")
        yield url


def test_migration_backfills_side_columns_and_terms(old_url, tmp_path, fixtures):
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    migrate.upgrade(source_url)
    source = CatalogStore.from_url(source_url)
    for relative in EXAMPLES:
        assert import_file(source, fixtures / relative).ok
    columns = ("id", "iri", "name", "kind", "title", "publisher_iri", "graph_nt", "content_hash",
               "projection",
               "status", "source", "modified", "created_at", "updated_at")
    with source.sessions() as s:
        rows = [dict(zip(columns, r, strict=True)) for r in s.execute(
            select(*(getattr(DatasetRow, c) for c in columns)))]
        expected = sorted((t.dataset_id, t.kind, t.value) for t in s.scalars(select(TermRow)))
        side = {r.id: (r.ckan_id, r.publisher_key) for r in s.scalars(select(DatasetRow))}
    source.engine.dispose()
    old = CatalogStore.from_url(old_url)
    before = table("datasets", *(column(c, DatasetRow.__table__.c[c].type) for c in columns))
    with old.engine.begin() as c:  # the columns revision 0005 has
        c.execute(insert(before), rows)
        assert c.execute(text("select count(*) from datasets")).scalar() == len(rows)
    old.engine.dispose()
    migrate.upgrade(old_url)
    store = CatalogStore.from_url(old_url)
    with store.sessions() as s:
        assert sorted((t.dataset_id, t.kind, t.value) for t in s.scalars(select(TermRow))) == expected
        assert {r.id: (r.ckan_id, r.publisher_key) for r in s.scalars(select(DatasetRow))} == side
        assert all(r.views == 0 for r in s.scalars(select(DatasetRow)))
    assert store.names() == sorted(r["name"] for r in rows)
    store.engine.dispose()


def test_records_by_iri_keep_the_status_filter(site):
    iris = ["https://data.example.cn/dataset/air-quality", "https://evil.example/dataset/x"]
    assert site.store.withdraw(iris[0])
    assert [s.iri for s in site.store.iter_datasets(iris=iris)] == [iris[1]]
    assert sorted(s.iri for s in site.store.iter_datasets(status=None, iris=iris)) == sorted(iris)
