"""Dataset page views, counted without a database write per view.

Each process keeps its views in memory and adds them to `datasets.views` every FLUSH_SECONDS or
FLUSH_VIEWS views (whichever comes first) with `UPDATE … SET views = views + n`, which is atomic in
SQLite and PostgreSQL, so several gunicorn workers never lose each other's counts. A process that dies
loses at most its last unflushed views; a clean exit flushes them. Robots, HEAD requests and DCAT exports
are not views.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
import time
import weakref
from collections import Counter

from flask import current_app, request

from catalog.store import CatalogStore
from portal.web import deps

FLUSH_SECONDS = 10.0
FLUSH_VIEWS = 200
ROBOTS = re.compile(r"bot|crawl|spider|slurp|curl|wget|python-requests|httpx|headless", re.IGNORECASE)
log = logging.getLogger(__name__)


class ViewCounter:
    """Buffered view counts of one process."""

    def __init__(self, store: CatalogStore, seconds: float = FLUSH_SECONDS, views: int = FLUSH_VIEWS) -> None:
        self.store, self.seconds, self.views = store, seconds, views
        self.pending: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.flushed = time.monotonic()

    def add(self, name: str) -> None:
        with self.lock:
            self.pending[name] += 1
            due = (self.pending.total() >= self.views or time.monotonic() - self.flushed >= self.seconds)
        if due:
            self.flush()

    def flush(self, last: bool = False) -> None:
        """Add the buffered views to the database; on failure they stay buffered for the next flush
        (the last flush, at exit, gives up quietly: the database may be gone by then)."""
        with self.lock:
            taken, self.pending, self.flushed = self.pending, Counter(), time.monotonic()
        try:
            self.store.add_views(dict(taken))
        except Exception:  # noqa: BLE001 - a view count is never worth a failed page
            if last:
                return
            log.warning("could not add %d page views; kept for the next flush", taken.total(), exc_info=True)
            with self.lock:
                self.pending.update(taken)


def counter() -> ViewCounter:
    """This app's counter, made on first use (flushed when the process exits)."""
    services = current_app.extensions["kaifang"]
    found = services.get("views")
    if found is None:
        config = current_app.config
        found = services.setdefault("views", ViewCounter(
            deps.store(), config.get("KAIFANG_VIEWS_FLUSH_SECONDS", FLUSH_SECONDS),
            config.get("KAIFANG_VIEWS_FLUSH_VIEWS", FLUSH_VIEWS)))
        atexit.register(_last_flush, weakref.ref(found))
    return found


def _last_flush(ref: weakref.ref[ViewCounter]) -> None:
    found = ref()
    if found is not None:
        found.flush(last=True)


def count_view(name: str) -> None:
    """Count a page view of a record by a person (GET, not a robot)."""
    if request.method == "GET" and not ROBOTS.search(request.headers.get("User-Agent", "")):
        counter().add(name)
