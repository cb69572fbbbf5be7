"""The seam every source type implements: gather -> fetch -> to_dcat.

A new source type is one module with one class that satisfies `SourceType`; the lifecycle in
harvesters/base.py (jobs, leases, hashing, withdrawal, reports) is shared by all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from rdflib import Graph, URIRef


class HarvestError(Exception):
    """A record- or source-level failure with a message a publisher can act on."""

    def __init__(self, message: str, snippet: str | None = None) -> None:
        super().__init__(message)
        self.snippet = snippet[:2000] if snippet else None


@dataclass
class RemoteRef:
    """One record as the gather stage sees it. `payload` carries the record when the listing already
    contains it (CKAN package_search, data.json, inventories), so fetch needs no second request."""

    remote_id: str
    modified: str | None = None
    payload: Any = None


@dataclass
class Mapped:
    """One record turned into DCAT: its node, its graph, and non-fatal mapping notes. A source type that
    already computed the store's form of the record (`catalog.store.Prepared`: canonical N-Triples, hash,
    projection) in another process passes it as `prepared`, with the graph's `triples` (for the
    validator, cheaper to send than to re-parse) instead of the graph."""

    node: URIRef
    graph: Graph | None
    warnings: list[str] = field(default_factory=list)
    prepared: Any = None
    triples: list[Any] | None = None


@dataclass
class SourceConfig:
    name: str
    url: str
    type: str
    publisher: str | None = None
    config: dict[str, Any] = field(default_factory=dict)


class SourceType(Protocol):
    type: str
    complete_listing: bool
    """Whether a successful gather lists the whole remote catalogue. False for a filtered gather (CKAN
    `since`/`fq`): records absent from it may still exist remotely, so the lifecycle withdraws nothing.
    Source types without the attribute are taken to list everything."""

    def gather(self) -> Iterator[RemoteRef]:
        """Stream the remote records' ids (never a whole catalogue in memory). Raise HarvestError when the
        listing fails or is cut short: the job then withdraws nothing."""

    def fetch(self, ref: RemoteRef) -> Any:
        """The record's raw content (within size/time limits)."""

    def to_dcat(self, ref: RemoteRef, raw: Any) -> Mapped:
        """Map the raw record to one DCAT graph. Raise HarvestError for a record that cannot be mapped."""
