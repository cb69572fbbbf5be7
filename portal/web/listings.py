"""Publishers, themes and tags across the catalogue, for index pages, the CKAN API and the REST catalogue.

Each is one indexed GROUP BY in the store (catalog/store.py, "listings"), kept per process for a short
while because a catalogue changes by harvest, not by page view; a write through the portal forgets them
at once (`forget`). Lookups of single records (CKAN ids, names) go to the store directly, never here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from flask import current_app
from sqlalchemy import select

from catalog.store import PublisherCount
from catalog.tables_accounts import OrganisationRow
from catalog.views.ckan import ckan_id
from portal.web import deps

TTL_SECONDS = 60.0
T = TypeVar("T")


def publishers() -> list[PublisherCount]:
    """Publishers with their record counts, most records first."""
    return _cached("publishers", lambda: named_by_organisations(deps.store().publisher_counts()))


def named_by_organisations(found: list[PublisherCount]) -> list[PublisherCount]:
    """A publisher that an organisation owns is named by the organisation's titles (decision 0013), not by
    whichever of its records the store took the agent from: that record may predate an English title or a
    new name, so CKAN's organization_show and the publisher pages would otherwise never show them."""
    with deps.store().sessions() as s:
        titles = {org.publisher_iri: org.titles for org in s.scalars(select(OrganisationRow))}
    return [replace(p, agent=replace(p.agent, name=titles[p.agent.iri])) if p.agent.iri in titles else p
            for p in found]


def publisher(key: str) -> PublisherCount | None:
    """By slug or CKAN organization id (uuid5 of the agent's IRI, or of its slug), as CKAN accepts either."""
    return next((p for p in publishers() if key in (p.slug, ckan_id(p.agent.iri or p.slug))), None)


def themes() -> list[tuple[str, int]]:
    """(theme IRI, record count), most records first."""
    return _cached("themes", lambda: deps.store().term_counts("theme"))


def tags() -> list[str]:
    """Keywords in use, sorted."""
    return _cached("tags", lambda: sorted(k for k, _n in deps.store().term_counts("keyword")))


def forget() -> None:
    """This process's listings show a write at once (other processes within TTL_SECONDS)."""
    current_app.extensions["kaifang"].pop("listings", None)


def _cached(name: str, build: Callable[[], T]) -> T:
    """The cached value; when it is stale one thread rebuilds it while the others keep the stale one."""
    services = current_app.extensions["kaifang"]
    cache: dict[str, tuple[float, object]] = services.setdefault("listings", {})
    lock: threading.Lock = services.setdefault("listings_lock", threading.Lock())
    found = cache.get(name)
    if found is not None and time.monotonic() - found[0] < TTL_SECONDS:
        return found[1]  # type: ignore[return-value]
    if not lock.acquire(blocking=found is None):
        return found[1]  # type: ignore[union-attr, return-value]
    try:
        value = build()
        cache[name] = (time.monotonic(), value)
        return value
    finally:
        lock.release()
