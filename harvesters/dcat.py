"""Source type `dcat`: a DCAT catalogue published as RDF (Turtle, RDF/XML, N-Triples, JSON-LD), either one
document or a paged one linked with Hydra (`hydra:next` on a PartialCollectionView, or `hydra:nextPage`
on the older PagedCollection that ckanext-dcat publishes).

Pages are parsed and split one at a time, so memory depends on the page size, not the catalogue size.
Each record's graph travels in its RemoteRef, so `fetch` needs no second request.

`pages` also tells the lifecycle where pages begin and end: each page's SHA-256 (of its bytes and this
source's format setting) is offered to `unchanged` *before* parsing, and a page the lifecycle remembers
with the same digest is not parsed at all (its next-page link and remote ids come from that memory).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from rdflib import Graph, Literal, URIRef

from catalog.contexts import known_contexts
from catalog.namespaces import DCT
from catalog.rdf import RDFError, guess_format, parse
from catalog.records import split
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
        url: str | None = self.config.url
        seen: set[str] = set()
        while url:
            if url in seen:
                raise HarvestError(f"page loop: {url} is linked as the next page twice")
            if len(seen) >= self.max_pages:
                raise HarvestError(f"more than {self.max_pages} pages; stopped at {url}")
            seen.add(url)
            fetched = self.client.get_bytes(url, accept=ACCEPT)
            digest = hashlib.sha256(f"{self.format}\n".encode() + fetched.data).hexdigest()
            remembered = unchanged(url, digest)
            if remembered is not None:
                yield Page(url, digest, remembered[0], None, remembered[1])
                url = remembered[0]
                continue
            graph = self._parse(fetched)
            following = next_page(graph, fetched.url)
            refs = list(_refs(graph))
            yield Page(url, digest, following, refs, [ref.remote_id for ref in refs])
            url = following

    def fetch(self, ref: RemoteRef) -> Graph:
        return ref.payload

    def to_dcat(self, ref: RemoteRef, raw: Graph) -> Mapped:
        return Mapped(URIRef(ref.remote_id), raw)

    def _parse(self, fetched: Fetched) -> Graph:
        name = urlsplit(fetched.url).path
        try:
            fmt = self.format or guess_format(name, fetched.content_type, fetched.data)
            return parse(fetched.data, format=fmt, filename=fetched.url, base=fetched.url,
                         contexts=known_contexts())
        except RDFError as exc:
            raise HarvestError(str(exc), snippet=fetched.data[:500].decode("utf-8", "replace")) from exc


def _refs(graph: Graph) -> Iterator[RemoteRef]:
    records, _ = split(graph)
    for record in records:
        modified = graph.value(record.node, DCT.modified)
        yield RemoteRef(str(record.node), str(modified)[:64] if modified is not None else None, record.graph)


def next_page(graph: Graph, base: str) -> str | None:
    """The next page's URL (IRI or, as ckanext-dcat writes it, a literal), or None on the last page."""
    links = sorted(urljoin(base, str(obj).strip()) for pred in NEXT for obj in graph.objects(None, pred)
                   if isinstance(obj, URIRef | Literal) and str(obj).strip())
    return links[0] if links else None
