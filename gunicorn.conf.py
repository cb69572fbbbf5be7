"""gunicorn settings for the portal, used by `make run` and `kaifang serve` (gunicorn -c gunicorn.conf.py).

Workers are processes (searches and DCAT serialisation are CPU work the GIL would serialise); each runs a
few threads for the requests that wait on Elasticsearch or the database. Environment variables, for
containers and service managers: KAIFANG_BIND, WEB_CONCURRENCY (workers; the convention most platforms
set), KAIFANG_THREADS, KAIFANG_TIMEOUT. Command-line options still win over this file.
"""

from __future__ import annotations

import gc
import os

# The application's modules are imported here, in the master, so workers are forked with them loaded:
# starting or recycling a worker then takes milliseconds instead of ~2.7 s of imports (rdflib, pyshacl,
# geopandas), during which its queued requests waited (p99 > 1 s in bench/portal.py). The app itself, with
# its database and Elasticsearch connections, is still created in each worker (no preload_app).
import portal.app  # noqa: E402, F401

# The ~210,000 objects those imports made live as long as the process: frozen, the garbage collector no longer
# walks them. Unfrozen, each full collection in a worker took 200-330 ms under load, with all its threads
# stopped (three in a 25-second run of 8 clients on the search page): the slowest requests of the p99.
gc.freeze()

bind = os.environ.get("KAIFANG_BIND", "127.0.0.1:5000")
# Processes: one per core, at most 8 (each holds rdflib, pyshacl and the app: ~200 MB). Not the usual
# cores + 1: Elasticsearch shares the cores, and on 2 cores 3 workers served 8 concurrent searches ~12%
# slower than 2 (bench/search.py's portal path, 2 rounds; 4 threads or 2 made no clear difference).
workers = int(os.environ.get("WEB_CONCURRENCY") or min(os.cpu_count() or 1, 8))
threads = int(os.environ.get("KAIFANG_THREADS", "4"))
worker_class = "gthread"
wsgi_app = "portal:create_app()"
# A request that takes longer than this is stuck (the whole-catalogue exports stream, and each chunk
# resets the clock); the worker is killed and replaced.
timeout = int(os.environ.get("KAIFANG_TIMEOUT", "60"))
# On SIGTERM (deploys, systemd stop) workers finish the requests they have for this long.
graceful_timeout = 30
keepalive = 5  # behind a reverse proxy that reuses connections
# Recycle workers now and then, so a slow leak in a dependency never grows without bound.
max_requests = 20000
max_requests_jitter = 2000
# Logs to stdout/stderr, where service managers and containers collect them.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Never preload: Elasticsearch and database connections must not be shared across a fork.
preload_app = False


def post_worker_init(worker) -> None:  # noqa: ANN001 - gunicorn's Worker
    """The worker's app (its store, client, templates' environment) is built: freeze it too, for the same
    reason as the imports. What requests create later is collected as usual (a full collection of it took
    ~1.5 ms after a warm-up of searches and pages)."""
    gc.freeze()
