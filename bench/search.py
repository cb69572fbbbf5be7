"""Search benchmark: 100,000 realistic datasets, bulk indexing rate, and search latency through the portal's
REST API (`/api/1/datasets` under gunicorn) and straight against Elasticsearch, in one run.

    .venv/bin/python bench/search.py                 # 100,000 datasets, 400 searches per setting
    .venv/bin/python bench/search.py --n 20000 --searches 200

Documents are varied from the real demo catalogue (a SQLite file built by `kaifang demo load`; by default
the one tests/relevance keeps in $KAIFANG_VAR/relevance/, else $KAIFANG_VAR/kaifang.db): each synthetic record
takes a real record and gets another real record's publisher, a district or year in its title, keywords
mixed with a third record's, a modified date between 2015 and 2024 and, for some, a jittered extent. Search
documents come from `catalog/views/search_doc.py` like the indexer's, under the prefix `bench-search-…`,
which is deleted at the end. The searches are typical: text (Chinese or English), all nine facets
counted, one facet filter selected. The ES-direct request is the msearch `SearchService._searches` builds
(the page of hits, then the facet counts, with the portal's `filter_path`), so both paths run the same
queries. Both paths are sent by the same client, one urllib3 pool (what the Elasticsearch client uses
underneath), from prebuilt URLs and bodies, and both read the whole answer without parsing it: only the
server side differs. Until session 5 the portal path went through `requests`, which here spends ~1-2 ms more
per request than the Elasticsearch client (trust_env, hooks, cookie handling), so part of the "portal
overhead" was the benchmark's own client. The workload repeats 80
distinct searches, so after warm-up the counts come from Elasticsearch's request cache, as a live portal's
popular searches do; `--no-request-cache` turns that cache off on the bench index for the worst case.
Targets: bulk >= 2,000 docs/s; portal p50 <= 1.2 x ES p50; p99 < 150 ms at
concurrency 8. Bounded: stops searching after --budget seconds; total run well under 10 minutes.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
import urllib3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from elasticsearch.helpers import parallel_bulk  # noqa: E402

from bench import common  # noqa: E402
from catalog import migrate  # noqa: E402
from catalog.model import Dataset, Location  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402
from catalog.views.search_doc import search_document  # noqa: E402
from portal.config import load as load_settings  # noqa: E402
from search.client import NDJSON, connect  # noqa: E402
from search.documents import alias_name, doc_id, index_body, new_index_name  # noqa: E402
from search.filters import FACETS  # noqa: E402
from search.query import SEARCH_PATH, SearchParams, SearchService, today  # noqa: E402

DISTRICTS = ["浦东新区", "黄浦区", "静安区", "徐汇区", "闵行区", "南明区", "云岩区", "花溪区", "观山湖区",
             "Center City", "West Philadelphia", "South Philadelphia"]
QUERIES = [("空气质量", "zh"), ("幼儿园", "zh"), ("公交", "zh"), ("医院", "zh"), ("停车", "zh"),
           ("养老", "zh"), ("预算", "zh"), ("人口", "zh"), ("旅游景区", "zh"), ("上海 交通", "zh"),
           ("crime", "en"), ("parking", "en"), ("schools", "en"), ("budget", "en"), ("air quality", "en"),
           ("trees", "en"), ("bike lanes", "en"), ("property assessments", "en"), ("covid", "en"),
           ("public transit", "en")]
FILTERS = [("year", ["2023"]), ("year", ["2021"]), ("format", ["CSV"]), ("format", ["JSON"])]
TARGET_BULK, TARGET_OVERHEAD, TARGET_P99_MS = 2_000, 0.20, 150


# -- data ------------------------------------------------------------------------------------------------
def demo_db() -> Path:
    var = load_settings().var
    kept = sorted((var / "relevance").glob("demo-*.db"), key=lambda p: p.stat().st_mtime)
    path = kept[-1] if kept else var / "kaifang.db"
    if not path.exists():
        sys.exit(f"no demo catalogue at {path}: run `kaifang demo load` (or the relevance tests) first")
    return path


def real_records(path: Path) -> list[Dataset]:
    """The demo's active records, read from a migrated copy (a kept file may predate the newest migration)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "demo.db"
        shutil.copyfile(path, copy)
        migrate.upgrade(f"sqlite:///{copy}")
        store = CatalogStore.from_url(f"sqlite:///{copy}")
        try:
            return [s.dataset for s in store.iter_datasets(status="active") if s.dataset.title]
        finally:
            store.engine.dispose()


def varied(i: int, base: Dataset, pool: list[Dataset], rng: random.Random) -> Dataset:
    """A plausible new record: real text recombined, like another district or year of the same dataset."""
    other, third = rng.choice(pool), rng.choice(pool)
    district, year = rng.choice(DISTRICTS), rng.randint(2015, 2024)
    title = {lang: (f"{district}{text}{year}年" if lang.startswith("zh") or not lang else
                    f"{text} ({district}, {year})") for lang, text in base.title.items()}
    keywords = {lang: sorted(set(values) | set(rng.sample(third.keywords.get(lang, []),
                                                          min(2, len(third.keywords.get(lang, []))))))
                for lang, values in (base.keywords or third.keywords).items()}
    modified = date(2015, 1, 1) + timedelta(days=rng.randint(0, 3_650))
    spatial = base.spatial
    if rng.random() < 0.3:
        west, south = rng.uniform(-125, 125), rng.uniform(-50, 50)
        size = rng.uniform(0.05, 3)
        spatial = [Location(None, {}, None, f"POLYGON(({west} {south},{west + size} {south},{west + size} "
                                            f"{south + size},{west} {south + size},{west} {south}))")]
    return dataclasses.replace(base, iri=f"{base.iri}#bench-{i}", title=title, keywords=keywords,
                               publisher=other.publisher or base.publisher, modified=modified.isoformat(),
                               spatial=spatial)


def actions(n: int, pool: list[Dataset], index: str, seed: int = 7) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        record = varied(i, pool[i % len(pool)], pool, rng)
        source = search_document(record, content_hash=f"bench-{i}", name=f"bench-{i}", source="bench",
                                 report={"conforms": rng.random() < 0.6, "counts": {"Warning": 2}})
        yield {"_op_type": "index", "_index": index, "_id": doc_id(record.iri), "_source": source}


def build_index(client, prefix: str, n: int, pool: list[Dataset]) -> dict[str, float]:
    """Documents are built first (search_doc.py's own rate), then bulk-loaded (Elasticsearch's rate)."""
    name = new_index_name(prefix)
    client.indices.create(index=name, **index_body(building=True))
    started = time.monotonic()
    docs = list(actions(n, pool, name))
    building = time.monotonic() - started
    started = time.monotonic()
    failed = 0
    for ok, _ in parallel_bulk(client, docs, thread_count=2, chunk_size=1_000, queue_size=4,
                               raise_on_error=False):
        failed += not ok
    bulk = time.monotonic() - started
    client.indices.put_settings(index=name, settings={"index": {"refresh_interval": None}})
    client.indices.refresh(index=name)
    started = time.monotonic()  # as Indexer.reindex does before the index takes searches
    client.options(request_timeout=600).indices.forcemerge(index=name, max_num_segments=1)
    merge = time.monotonic() - started
    client.indices.update_aliases(actions=[{"add": {"index": name, "alias": alias_name(prefix)}}])
    count = client.count(index=name)["count"]
    return {"docs": count, "failed": failed, "seconds": bulk, "docs_per_s": n / bulk,
            "build_seconds": building, "build_per_s": n / building, "merge_seconds": merge}


# -- searches --------------------------------------------------------------------------------------------
def workload(count: int, seed: int = 11) -> list[tuple[str, str, str, list[str]]]:
    rng = random.Random(seed)
    return [(*rng.choice(QUERIES), *rng.choice(FILTERS)) for _ in range(count)]


def api_url(base: str, item: tuple[str, str, str, list[str]]) -> str:
    q, lang, facet, values = item
    params: list[tuple[str, Any]] = [("q", q), ("lang", lang), ("page_size", 20)]
    params += [(facet, value) for value in values]
    return f"{base}/api/1/datasets?{urlencode(params)}"


def es_searches(service: SearchService, item: tuple[str, str, str, list[str]]) -> list[dict[str, Any]]:
    q, lang, facet, values = item
    params = SearchParams(q=q, lang=lang, size=20, filters={facet: values} if values else {})
    return service._searches(params, None, today())


class Client:
    """One keep-alive HTTP client for both paths, so they differ only on the server side."""

    def __init__(self, concurrency: int = 8) -> None:
        self.pool = urllib3.PoolManager(maxsize=concurrency, block=True, retries=False,
                                        timeout=urllib3.Timeout(total=30))

    def get(self, url: str) -> None:
        self._check(self.pool.request("GET", url, headers={"Accept": "application/json"}))

    def post(self, url: str, body: bytes) -> None:
        self._check(self.pool.request("POST", url, body=body,
                                      headers={"Content-Type": "application/x-ndjson"}))

    @staticmethod
    def _check(response: urllib3.BaseHTTPResponse) -> None:
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {response.data[:200]!r}")


def measure(run_one: Callable[[Any], None], items: list[Any], concurrency: int,
            budget: float) -> dict[str, float]:
    """Latency percentiles (ms) and throughput; each worker stops once the time budget is spent."""
    latencies: list[float] = []
    deadline = time.monotonic() + budget

    def worker(chunk: list[Any]) -> None:
        for item in chunk:
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            run_one(item)
            latencies.append((time.perf_counter() - started) * 1000)

    chunks = [items[i::concurrency] for i in range(concurrency)]
    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, chunks))
    wall = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"n": len(latencies), "p50": cuts[49], "p95": cuts[94], "p99": cuts[98],
            "per_s": len(latencies) / wall}


def floor(http: Client, base: str, budget: float) -> None:
    """The hop the portal adds before any work: a request that does nothing (/robots.txt) through gunicorn
    and Flask, at 1 client. The portal path's extra time over the direct one is this hop plus the portal's
    own work (parameters, the request to Elasticsearch and its answer through the client, the JSON)."""
    idle = measure(lambda _: http.get(f"{base}/robots.txt"), list(range(400)), 1, min(budget, 10))
    print(f"  the hop alone, c=1: portal /robots.txt p50 {idle['p50']:.2f} ms, p99 {idle['p99']:.2f} ms")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_portal(prefix: str, es_url: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "KAIFANG_INDEX_PREFIX": prefix, "ELASTICSEARCH_URL": es_url}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [str(gunicorn), "--workers", str(workers), "--threads", "4", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "portal:create_app()"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:  # the first request of each worker loads vocabularies: slow once
            if requests.get(f"{base}/api/1/datasets", params={"q": "x"}, timeout=60).status_code == 200:
                return process, base
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.5)
    process.terminate()
    process.wait(timeout=30)
    raise RuntimeError("portal did not start")


# -- the run ---------------------------------------------------------------------------------------------
def machine() -> str:
    mem = ""
    with open("/proc/meminfo", encoding="ascii") as f:
        mem = f"{int(f.readline().split()[1]) // 1024 // 1024} GiB RAM"
    with open("/proc/cpuinfo", encoding="ascii") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")),
                   platform.processor())
    return f"{platform.node()}, {cpu}, {os.cpu_count()} cores, {mem}, Python {platform.python_version()}"


def report(label: str, stats: dict[str, float]) -> None:
    print(f"  {label:<28} n={stats['n']:>5.0f}  p50={stats['p50']:7.1f} ms  p95={stats['p95']:7.1f} ms  "
          f"p99={stats['p99']:7.1f} ms  {stats['per_s']:7.1f} searches/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=400, help="per path and concurrency")
    parser.add_argument("--budget", type=float, default=45.0, help="seconds per path and concurrency")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (4 threads each)")
    parser.add_argument("--no-request-cache", action="store_true", help="every search counts its facets")
    args = parser.parse_args()
    settings = load_settings()
    client = connect(settings.elasticsearch_url, timeout=120)
    prefix = f"bench-search-{uuid.uuid4().hex[:6]}"
    print(f"search benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(f"elasticsearch: {settings.elasticsearch_url}, prefix {prefix}")
    portal = None
    try:
        db = demo_db()
        pool = real_records(db)
        print(f"real records: {len(pool)} from {db}")
        built = build_index(client, prefix, args.n, pool)
        print(f"building documents (search_doc.py, 1 process): {built['build_seconds']:.1f} s = "
              f"{built['build_per_s']:,.0f} docs/s")
        print(f"bulk indexing: {built['docs']:.0f} docs in {built['seconds']:.1f} s = "
              f"{built['docs_per_s']:,.0f} docs/s ({built['failed']:.0f} refused); target >= {TARGET_BULK:,}")
        print(f"force merge to one segment: {built['merge_seconds']:.1f} s")
        service = SearchService(client, prefix)
        if args.no_request_cache:
            client.indices.put_settings(index=service.index, settings={"index.requests.cache.enable": False})
        print(f"request cache: {'off' if args.no_request_cache else 'on'}")
        items = workload(args.searches)
        portal, base = start_portal(prefix, settings.elasticsearch_url, args.workers)
        http = Client()
        query = urlencode({"filter_path": SEARCH_PATH})
        msearch = f"{settings.elasticsearch_url}/{service.index}/_msearch?{query}"
        urls = [api_url(base, item) for item in items]
        bodies = [NDJSON.dumps(es_searches(service, item)) for item in items]
        for url, body in zip(urls[:40], bodies[:40], strict=True):  # warm both paths: caches, JIT, pools
            http.get(url)
            http.post(msearch, body)
        results = {}
        for concurrency in (1, 8):
            results[("es", concurrency)] = measure(lambda body: http.post(msearch, body), bodies, concurrency,
                                                   args.budget)
            results[("api", concurrency)] = measure(http.get, urls, concurrency, args.budget)
        print(f"searches: text + all {len(FACETS)} facets counted + 1 facet filter, "
              f"{len(QUERIES)} queries (half Chinese), page of 20")
        for concurrency in (1, 8):
            report(f"Elasticsearch direct, c={concurrency}", results[("es", concurrency)])
            report(f"portal /api/1/datasets, c={concurrency}", results[("api", concurrency)])
        for concurrency in (1, 8):
            es, api = results[("es", concurrency)], results[("api", concurrency)]
            print(f"  portal overhead at c={concurrency}: p50 +{api['p50'] - es['p50']:.1f} ms "
                  f"({api['p50'] / es['p50'] - 1:+.0%}; target <= +{TARGET_OVERHEAD:.0%})")
        api8, es8 = results[("api", 8)], results[("es", 8)]
        print(f"  p99 at c=8: portal {api8['p99']:.1f} ms, ES {es8['p99']:.1f} ms "
              f"(target < {TARGET_P99_MS} ms)")
        floor(http, base, args.budget)
    finally:
        if portal is not None:
            portal.terminate()
            portal.wait(timeout=30)
        print(f"deleted {common.drop_indices(client, prefix)} bench index(es)")


if __name__ == "__main__":
    main()
