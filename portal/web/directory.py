"""Publishers, themes, tags and package names across the catalogue, for index pages and the CKAN API.

Built by one pass over the stored projections and kept for a short while (or until the record count
changes), because every listing needs it and a catalogue changes by harvest, not by page view.
A store-side aggregate (GROUP BY publisher_iri) can replace the pass when catalogues get large.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app

from catalog.model import Agent, LangText
from catalog.store import CatalogStore
from catalog.views.ckan import ckan_id, publisher_slug, tags
from portal.web import deps

TTL_SECONDS = 60.0


@dataclass
class Summary:
    name: str
    iri: str
    title: LangText
    modified: str | None


@dataclass
class Publisher:
    slug: str
    agent: Agent
    datasets: list[Summary] = field(default_factory=list)


@dataclass
class Directory:
    count: int
    built: float
    datasets: list[Summary] = field(default_factory=list)
    publishers: dict[str, Publisher] = field(default_factory=dict)
    themes: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)
    ids: dict[str, str] = field(default_factory=dict)  # CKAN id (uuid5 of IRI) -> name
    ttl: float = TTL_SECONDS

    def publisher(self, key: str) -> Publisher | None:
        """By slug or CKAN id, as organization_show accepts either."""
        found = self.publishers.get(key)
        return found or next((p for p in self.publishers.values() if ckan_id(p.agent.iri or p.slug) == key),
                             None)


def build(store: CatalogStore) -> Directory:
    directory = Directory(count=store.count(), built=time.monotonic())
    for stored in store.iter_datasets():
        d = stored.dataset
        summary = Summary(stored.name, stored.iri, d.title, d.modified or d.issued)
        directory.datasets.append(summary)
        directory.ids[ckan_id(stored.iri)] = stored.name
        directory.themes.update(set(d.themes))
        directory.tags.update(tags(d))
        if d.publisher:
            slug = publisher_slug(d.publisher)
            directory.publishers.setdefault(slug, Publisher(slug, d.publisher)).datasets.append(summary)
    return directory


def current() -> Directory:
    """The cached directory, rebuilt when stale or when the number of records changed.

    One thread rebuilds while the others keep serving the stale copy (no stampede of full scans), and a
    directory that took long to build is kept longer (ten times its build time), so a large catalogue is
    not rebuilt back to back."""
    services = current_app.extensions["kaifang"]
    lock: threading.Lock = services.setdefault("directory_lock", threading.Lock())
    cached: Directory | None = services.get("directory")
    store = deps.store()
    if cached is not None and not _stale(cached, store):
        return cached
    if not lock.acquire(blocking=cached is None):
        return cached  # another thread is rebuilding: the previous directory serves meanwhile
    try:
        cached = services.get("directory")
        if cached is None or _stale(cached, store):
            started = time.monotonic()
            cached = build(store)
            cached.ttl = max(TTL_SECONDS, 10 * (time.monotonic() - started))
            services["directory"] = cached
        return cached
    finally:
        lock.release()


def _stale(directory: Directory, store: CatalogStore) -> bool:
    return time.monotonic() - directory.built > directory.ttl or directory.count != store.count()
