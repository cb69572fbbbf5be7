"""Index management: build, swap, update and check the dataset index against the catalogue.

The catalogue is the truth and the index a view of it. Writes reach the index through the outbox (queued
in the same transaction as each change); `drain_outbox` acknowledges entries only after Elasticsearch
confirmed them, so an outage delays the index but never loses a change. `verify` finds what drifted anyway.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import scan, streaming_bulk

from catalog.store import CatalogStore, StoredDataset
from catalog.views.search_doc import search_document
from search.documents import alias_name, doc_id, index_body, new_index_name
from search.query import engine_errors

# Fields a document is retried without when Elasticsearch rejects it: geometry and dates are where
# harvested metadata surprises a mapping; the text must be findable regardless.
FRAGILE = ("spatial", "centroid", "temporal", "issued", "modified", "year")
MERGE_TIMEOUT = 600  # seconds a force merge after a reindex may take (tens of seconds for 100,000 records)

T = TypeVar("T")
_END = object()


def ahead(items: Iterator[T], depth: int) -> Iterator[T]:
    """`items`, produced by a thread up to `depth` ahead: a reindex builds the next documents while the
    bulk client waits for Elasticsearch to index the previous chunk (it waits without the GIL), so the
    rate is that of the slower of the two instead of both added up. Errors are raised in the consumer."""
    buffer: queue.Queue = queue.Queue(depth)
    stop = threading.Event()
    failed: list[BaseException] = []

    def offer(item: object) -> bool:
        """Put unless the consumer has gone (then a full buffer would block this thread forever)."""
        while not stop.is_set():
            with suppress(queue.Full):
                buffer.put(item, timeout=0.1)
                return True
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            failed.append(exc)
        offer(_END)

    worker = threading.Thread(target=produce, name="kaifang-index-documents", daemon=True)
    worker.start()
    try:
        while (item := buffer.get()) is not _END:
            yield item
        if failed:
            raise failed[0]
    finally:  # the consumer stopped early (a failed bulk): let the producer finish and close its cursor
        stop.set()
        with suppress(queue.Empty):
            while True:
                buffer.get_nowait()
        worker.join(timeout=30)


class IndexingFailed(RuntimeError):
    """Some documents were refused even without their fragile fields; their outbox entries stay queued."""

    def __init__(self, failures: dict[str, str]) -> None:
        super().__init__(f"{len(failures)} documents refused, e.g. " + "; ".join(
            f"{iri}: {error}" for iri, error in list(failures.items())[:3]))
        self.failures = failures


@dataclass
class BulkStats:
    indexed: int = 0
    deleted: int = 0
    failures: dict[str, str] = field(default_factory=dict)


class Indexer:
    def __init__(self, client: Elasticsearch, prefix: str, *, chunk_size: int = 500,
                 swap_grace: float = 1.0) -> None:
        self.client = client
        self.alias = alias_name(prefix)
        self.prefix = prefix
        self.chunk_size = chunk_size
        self.swap_grace = swap_grace  # searches that resolved the old index finish before it is deleted
        self._ready = False

    # -- indices and the alias ---------------------------------------------------------------------------
    def current_indices(self) -> list[str]:
        with engine_errors("index"):
            try:
                return sorted(self.client.indices.get_alias(name=self.alias).body)
            except NotFoundError:
                return []

    def ensure_index(self) -> str:
        """The physical index behind the alias, created empty if there is none."""
        current = self.current_indices()
        if current:
            self._ready = True
            return current[-1]
        name = self._create(building=False)
        with engine_errors("index"):
            self.client.indices.update_aliases(actions=[{"add": {"index": name, "alias": self.alias}}])
        self._ready = True
        return name

    def _create(self, *, building: bool) -> str:
        name = new_index_name(self.prefix)
        with engine_errors("index"):
            body = index_body(building=building)
            self.client.indices.create(index=name, **body)
        return name

    def refresh(self) -> None:
        with engine_errors("refresh"):
            self.client.indices.refresh(index=self.alias)

    # -- whole catalogue -----------------------------------------------------------------------------------
    def reindex(self, store: CatalogStore) -> dict[str, Any]:
        """Build a new index from the catalogue, swap the alias atomically, delete the old index.

        Searches keep using the old index until the swap. Changes made while building are caught up by a
        `verify(repair=True)` right after the swap (the outbox covers everything later).
        """
        started = time.monotonic()
        name = self._create(building=True)
        try:
            records = store.iter_datasets(status=None)
            stats = self._bulk(ahead(self._actions(name, records), 2 * self.chunk_size))
            with engine_errors("reindex"):
                self.client.indices.put_settings(index=name, settings={"index": {"refresh_interval": None}})
                self.client.indices.refresh(index=name)
                self._merge(name)
        except BaseException:
            with suppress(Exception):  # best effort: the engine may be what failed
                self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        old = self.current_indices()
        with engine_errors("reindex"):
            self.client.indices.update_aliases(actions=[
                {"add": {"index": name, "alias": self.alias}},
                *({"remove": {"index": o, "alias": self.alias}} for o in old),
            ])
            if old:
                time.sleep(self.swap_grace)
                self.client.indices.delete(index=",".join(old), ignore_unavailable=True)
        self._ready = True
        caught_up = self.verify(store, repair=True)
        return {"index": name, "replaced": old, "indexed": stats.indexed, "failed": len(stats.failures),
                "caught_up": sum(len(v) for v in caught_up.values()),
                "seconds": round(time.monotonic() - started, 2)}

    def _merge(self, name: str) -> None:
        """Merge the freshly built index into one segment before it takes searches. A bulk build leaves
        dozens of segments that Elasticsearch would merge in the background for minutes, competing with the
        first searches for the same cores; one segment also makes every later search and facet cheaper.
        (Elasticsearch's advice against force-merging an index that is still written concerns segments
        over 5 GB, far beyond a catalogue of a few million records.)"""
        self.client.options(request_timeout=MERGE_TIMEOUT).indices.forcemerge(
            index=name, max_num_segments=1, wait_for_completion=True)

    # -- individual records --------------------------------------------------------------------------------
    def index(self, store: CatalogStore, iris: Iterable[str]) -> BulkStats:
        """Bring these records' documents in line with the catalogue (indexed if active, else deleted)."""
        wanted = set(iris)
        if not self._ready:
            self.ensure_index()

        def actions() -> Iterator[dict[str, Any]]:
            seen = set()
            for stored in store.iter_datasets(status=None, iris=wanted):
                seen.add(stored.iri)
                yield self._action(self.alias, stored)
            yield from (self._delete_action(self.alias, iri) for iri in wanted - seen)

        return self._bulk(actions())

    def delete(self, iris: Iterable[str]) -> BulkStats:
        if not self._ready:
            self.ensure_index()
        return self._bulk(self._delete_action(self.alias, iri) for iri in set(iris))

    def drain_outbox(self, store: CatalogStore, batch: int = 500) -> int:
        """Apply queued changes; returns how many outbox entries were acknowledged.

        Raises SearchUnavailable when Elasticsearch is down (nothing of the batch is acknowledged) and
        IndexingFailed when documents were refused (the others are acknowledged, those stay queued).
        """
        done = 0
        while rows := store.outbox_peek(batch):
            stats = self.index(store, {iri for _, iri, _ in rows})
            acked = [row_id for row_id, iri, _ in rows if iri not in stats.failures]
            store.outbox_ack(acked)
            done += len(acked)
            if stats.failures:
                raise IndexingFailed(stats.failures)
        return done

    # -- consistency ---------------------------------------------------------------------------------------
    def verify(self, store: CatalogStore, repair: bool = False) -> dict[str, list[str]]:
        """Compare the index with the catalogue by content hash: missing, stale and extra documents."""
        if not self._ready:
            self.ensure_index()
        with engine_errors("verify"):
            self.client.indices.refresh(index=self.alias)
            indexed = {hit["_source"]["iri"]: hit["_source"].get("content_hash") for hit in scan(
                self.client, index=self.alias, size=1000,
                query={"query": {"match_all": {}}, "_source": ["iri", "content_hash"]})}
        catalogue = {s.iri: s.content_hash for s in store.iter_datasets(status="active")}
        report = {
            "missing": sorted(catalogue.keys() - indexed.keys()),
            "stale": sorted(i for i in catalogue.keys() & indexed.keys() if catalogue[i] != indexed[i]),
            "extra": sorted(indexed.keys() - catalogue.keys()),
        }
        if repair and any(report.values()):
            self.index(store, [iri for iris in report.values() for iri in iris])
            self.refresh()
        return report

    # -- bulk ----------------------------------------------------------------------------------------------
    def _actions(self, index: str, records: Iterable[StoredDataset]) -> Iterator[dict[str, Any]]:
        for stored in records:
            if stored.status == "active":
                yield self._action(index, stored)

    @staticmethod
    def _action(index: str, stored: StoredDataset) -> dict[str, Any]:
        if stored.status != "active":
            return Indexer._delete_action(index, stored.iri)
        source = search_document(stored.dataset, content_hash=stored.content_hash,
                                 name=stored.name, source=stored.source,
                                 status=stored.status, report=stored.report)
        return {"_op_type": "index", "_index": index, "_id": doc_id(stored.iri), "_source": source}

    @staticmethod
    def _delete_action(index: str, iri: str) -> dict[str, Any]:
        return {"_op_type": "delete", "_index": index, "_id": doc_id(iri), "_iri": iri}

    def _bulk(self, actions: Iterable[dict[str, Any]]) -> BulkStats:
        """Send actions; a refused document is retried once without its fragile fields."""
        stats = BulkStats()
        refused: list[dict[str, Any]] = []
        with engine_errors("bulk indexing"):
            self._send(actions, stats, refused)
            retry = [{**a, "_source": {k: v for k, v in a["_source"].items() if k not in FRAGILE}}
                     for a in refused]
            for action in refused:
                stats.failures.pop(action["_source"]["iri"], None)
            self._send(retry, stats, [])
        return stats

    def _send(self, actions: Iterable[dict[str, Any]], stats: BulkStats,
              refused: list[dict[str, Any]]) -> None:
        sent: dict[str, dict[str, Any]] = {}

        def remember(items: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
            for action in items:
                sent[action["_id"]] = action
                yield {k: v for k, v in action.items() if k != "_iri"}

        for ok, item in streaming_bulk(self.client, remember(actions), chunk_size=self.chunk_size,
                                       raise_on_error=False, max_retries=3, initial_backoff=1,
                                       ignore_status=(404,)):
            op, result = next(iter(item.items()))
            action = sent.pop(result["_id"])
            if ok or (op == "delete" and result.get("status") == 404):  # already gone is gone
                stats.deleted += op == "delete"
                stats.indexed += op == "index"
            else:
                iri = action["_source"]["iri"] if op == "index" else action["_iri"]
                stats.failures[iri] = str(result.get("error", result.get("status")))[:300]
                if op == "index":
                    refused.append(action)
