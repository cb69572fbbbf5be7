"""Source type `dcat`: a DCAT catalogue published as RDF (Turtle, RDF/XML, N-Triples, JSON-LD), either one
document or a paged one linked with Hydra (`hydra:next` on a PartialCollectionView, or `hydra:nextPage`
on the older PagedCollection that ckanext-dcat publishes).

Pages are parsed and split one at a time, so memory depends on the page size, not the catalogue size.
Parsing, splitting and each record's canonical form and projection (`catalog.store.prepare`) run in a
worker process while the lifecycle stores the previous page: the harvesting process only writes. Turtle
and N-Triples pages are parsed by pyoxigraph into rdflib terms held in a `catalog.rdf.TripleIndex` (no
rdflib Graph: its store costs more than the parsing), which `split`, `prepare` and `next_page` read as
they read a Graph; other formats, and pages pyoxigraph could read differently, go through rdflib. Each
record's `Prepared` form (and its triples, for the validator) travels in its RemoteRef, so `fetch` needs no
second request and the harvesting process never parses, splits, canonicalises or projects a graph.

`pages` also tells the lifecycle where pages begin and end: each page's SHA-256 (of its bytes and this
source's format setting) is offered to `unchanged` *before* parsing, and a page the lifecycle remembers
with the same digest is not parsed at all (its next-page link and remote ids come from that memory).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from rdflib import Graph, Literal, URIRef

from catalog.contexts import known_contexts
from catalog.namespaces import DCT
from catalog.rdf import RDFError, TripleIndex, guess_format, parse_index
from catalog.records import split
from catalog.store import Prepared, prepare
from catalog.subprocesses import worker_pool
from harvesters.http import Fetched, GuardedClient
from harvesters.source import HarvestError, Mapped, RemoteRef, SourceConfig

ACCEPT = ("text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.9, "
          "application/n-triples;q=0.8, */*;q=0.1")
HYDRA = ("http://www.w3.org/ns/hydra/core#", "https://www.w3.org/ns/hydra/core#")
NEXT = [URIRef(ns + term) for ns in HYDRA for term in ("next", "nextPage")]
MAX_PAGES = 10_000


@dataclass
class Page:
    """One page of a listing. `refs` is None when the page was recognised as unchanged and not parsed;
    `remote_ids` then comes from what the lifecycle remembered."""

    url: str
    digest: str
    next_url: str | None
    refs: list[RemoteRef] | None
    remote_ids: list[str]


Unchanged = Callable[[str, str], tuple[str | None, list[str]] | None]
"""(page url, digest) -> the remembered (next url, remote ids) if the page may be skipped, else None."""


class DcatSource:
    type = "dcat"

    def __init__(self, config: SourceConfig, client: GuardedClient) -> None:
        self.config, self.client = config, client
        self.max_pages = int(config.config.get("max_pages", MAX_PAGES))
        self.format = config.config.get("format")

    def gather(self) -> Iterator[RemoteRef]:
        for page in self.pages(lambda _url, _digest: None):
            yield from page.refs or ()

    def pages(self, unchanged: Unchanged) -> Iterator[Page]:
        """One page ahead: the next page is fetched and parsing starts before this one is handed over."""
        seen: set[str] = set()
        pending: Callable[[], Page] | None = self._start(self.config.url, unchanged, seen)
        while pending is not None:
            page = pending()
            pending = self._start(page.next_url, unchanged, seen) if page.next_url else None
            yield page

    def fetch(self, ref: RemoteRef) -> Prepared | str:
        return ref.payload

    def to_dcat(self, ref: RemoteRef, raw: Prepared | str) -> Mapped:
        if isinstance(raw, str):
            raise HarvestError(raw)
        return Mapped(URIRef(ref.remote_id), None, prepared=raw, triples=getattr(ref, "triples", None))

    def _start(self, url: str, unchanged: Unchanged, seen: set[str]) -> Callable[[], Page]:
        """Fetch `url` and start parsing it; a failure surfaces only when the page is asked for, i.e.
        after the pages before it were stored."""
        try:
            if url in seen:
                raise HarvestError(f"page loop: {url} is linked as the next page twice")
            if len(seen) >= self.max_pages:
                raise HarvestError(f"more than {self.max_pages} pages; stopped at {url}")
            seen.add(url)
            fetched = self.client.get_bytes(url, accept=ACCEPT)
            digest = hashlib.sha256(f"{self.format}\n".encode() + fetched.data).hexdigest()
            remembered = unchanged(url, digest)
            parsing = None if remembered is not None else self._parse(fetched)
        except Exception as exc:  # noqa: BLE001 - raised in order, by the returned callable
            failure = exc

            def fail() -> Page:
                raise failure
            return fail

        def page() -> Page:
            if parsing is None:
                return Page(url, digest, remembered[0], None, remembered[1])
            following, refs = parsing.result()
            return Page(url, digest, following, refs, [ref.remote_id for ref in refs])
        return page

    def _parse(self, fetched: Fetched) -> Future:
        """Parsing, splitting and preparing a page, started in the worker process."""
        return _pool().submit(parse_page, fetched.data, self.format, fetched.url, fetched.content_type)


_POOL: list[ProcessPoolExecutor] = []
_POOL_LOCK = threading.Lock()


def _pool() -> ProcessPoolExecutor:
    """One parsing process per harvesting process, started on first use and kept (and gone with it)."""
    with _POOL_LOCK:
        if not _POOL or _POOL[0]._broken:  # noqa: SLF001 - a dead worker (e.g. killed) is replaced
            _POOL[:] = [worker_pool(1)]
        return _POOL[0]


def parse_page(data: bytes, fmt: str | None, url: str, content_type: str | None,
               ) -> tuple[str | None, list[RemoteRef]]:
    """(next page URL, the page's records) with each record's payload prepared for the store, or a
    message when that record cannot be prepared (it then fails alone, at the map stage)."""
    try:
        fmt = fmt or guess_format(urlsplit(url).path, content_type, data)
        graph = parse_index(data, format=fmt, filename=url, base=url, contexts=known_contexts())
    except RDFError as exc:
        raise HarvestError(str(exc), snippet=data[:500].decode("utf-8", "replace")) from exc
    records, _ = split(graph)
    refs = []
    for record in records:
        modified = graph.value(record.node, DCT.modified)
        try:
            payload: Prepared | str = prepare(record.node, record.graph)
        except Exception as exc:  # noqa: BLE001 - one bad record must not fail its page
            payload = f"{type(exc).__name__}: {exc}"
        stamp = str(modified)[:64] if modified is not None else None
        refs.append(_Ref(str(record.node), stamp, payload, triples=list(record.graph)))
    return next_page(graph, url), refs


@dataclass
class _Ref(RemoteRef):
    """A record of a parsed page: the prepared payload and, for the validator, the graph's triples."""

    triples: list | None = None


def next_page(graph: Graph | TripleIndex, base: str) -> str | None:
    """The next page's URL (IRI or, as ckanext-dcat writes it, a literal), or None on the last page."""
    links = sorted(urljoin(base, str(obj).strip()) for pred in NEXT for obj in graph.objects(None, pred)
                   if isinstance(obj, URIRef | Literal) and str(obj).strip())
    return links[0] if links else None
