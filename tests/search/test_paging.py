"""Deep paging: every one of 10,500 results is reachable with the cursor, and totals are exact."""

from __future__ import annotations

from elasticsearch.helpers import bulk

from catalog.model import Dataset
from catalog.views.search_doc import search_document
from search.documents import doc_id
from search.indexer import Indexer
from search.query import SearchParams, SearchService

N = 10_500


def test_cursor_pages_past_ten_thousand(es, prefix):
    indexer = Indexer(es, prefix)
    index = indexer.ensure_index()

    def actions():
        for i in range(N):
            dataset = Dataset(iri=f"urn:test:{i}", title={"en": f"Record {i % 97}"},
                              modified=f"20{10 + i % 15}-01-01")
            yield {"_index": index, "_id": doc_id(dataset.iri),
                   "_source": search_document(dataset, content_hash=str(i))}

    bulk(es, actions(), chunk_size=2000, refresh=True)
    service = SearchService(es, prefix)
    for sort in ("modified", "relevance"):
        seen: list[str] = []
        params = SearchParams(q="record" if sort == "relevance" else "", sort=sort, size=100)
        result = service.search(params)
        while True:
            assert result.total == N
            seen += [h.iri for h in result.hits]
            if not result.next_after:
                break
            params.after = result.next_after
            result = service.search(params)
        assert len(seen) == len(set(seen)) == N
