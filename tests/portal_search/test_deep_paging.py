"""Past Elasticsearch's 10,000-result window: the page's and the API's `next` links switch to the cursor,
and CKAN's `start` reaches any depth. 10,500 documents are bulk-indexed (dates one day apart, so the
modified order is known); five of them are also in the catalogue, where package_search reads results."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from html import unescape

import pytest
from elasticsearch.helpers import bulk

from catalog import migrate
from catalog.model import Dataset
from catalog.store import name_for
from catalog.views.search_doc import search_document
from portal import create_app
from portal.config import load
from search.documents import doc_id
from search.indexer import Indexer
from tests.search.records import dataset

N = 10_500
IN_STORE = range(245, 250)  # positions 10,250..10,254 in newest-first order


def record(i: int) -> tuple[str, str]:
    return f"https://deep.example/dataset/{i}", (date(1990, 1, 1) + timedelta(days=i)).isoformat()


@pytest.fixture(scope="module")
def deep(tmp_path_factory, es, es_url):
    tmp = tmp_path_factory.mktemp("deep")
    url = f"sqlite:///{tmp / 'kaifang.db'}"
    migrate.upgrade(url)
    prefix = f"kaifang-test-deep-{uuid.uuid4().hex[:6]}"
    index = Indexer(es, prefix).ensure_index()

    def actions():
        for i in range(N):
            iri, modified = record(i)
            doc = Dataset(iri=iri, title={"en": f"Deep record {i}"}, modified=modified)
            yield {"_index": index, "_id": doc_id(iri),
                   "_source": search_document(doc, content_hash=str(i), name=name_for(iri))}

    bulk(es, actions(), chunk_size=2000, refresh=True)
    app = create_app(load({"DATABASE_URL": url, "KAIFANG_VAR": str(tmp), "SECRET_KEY": "test",
                           "ELASTICSEARCH_URL": es_url, "KAIFANG_INDEX_PREFIX": prefix}))
    store = app.extensions["kaifang"]["store"]
    for i in IN_STORE:
        iri, modified = record(i)
        store.upsert(*dataset(iri, {"en": f"Deep record {i}"}, modified=modified))
    yield app
    store.engine.dispose()
    es.indices.delete(index=index, ignore_unavailable=True)


def test_search_page_continues_with_the_cursor(deep):
    client = deep.test_client()
    last_shallow = client.get("/search?sort=modified&page=500&lang=en").get_data(as_text=True)
    nxt = unescape(re.search(r'<a rel="next" href="([^"]+)"', last_shallow).group(1))
    assert "after=" in nxt and "page=" not in nxt
    deeper = client.get(nxt)
    html = deeper.get_data(as_text=True)
    assert deeper.status_code == 200
    titles = re.findall(r"Deep record (\d+)", html)
    assert titles[0] == str(N - 1 - 10_000)  # result 10,001 in newest-first order
    assert "First page" in html and 'rel="next"' in html


def test_api_next_links_reach_the_end(deep):
    client = deep.test_client()
    body = client.get("/api/1/datasets?sort=modified&page_size=100&page=100").get_json()
    seen = [d["name"] for d in body["data"]]
    url = body["links"]["next"]
    while url:
        assert "after=" in url
        body = client.get(url).get_json()
        assert body["links"]["prev"] is None and body["total"] == N
        seen += [d["name"] for d in body["data"]]
        url = body["links"]["next"]
    assert len(seen) == len(set(seen)) == N - 9_900


def test_package_search_start_beyond_the_window(deep):
    client = deep.test_client()
    query = {"sort": "metadata_modified desc", "start": 10_250, "rows": 5}
    body = client.get("/api/3/action/package_search", query_string=query).get_json()
    assert body["success"] and body["result"]["count"] == N
    expected = [name_for(record(i)[0]) for i in reversed(IN_STORE)]
    assert [p["name"] for p in body["result"]["results"]] == expected
