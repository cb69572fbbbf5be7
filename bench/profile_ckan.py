"""CPU profile of CKAN `package_search` against the REST search on the same search service.

    .venv/bin/python bench/profile_ckan.py                  # 3,000 datasets, 300 requests per endpoint
    .venv/bin/python bench/profile_ckan.py --n 5000 --requests 400 --profile 25

Measures the portal process's CPU per request (time.process_time), not throughput, so that other work on
the machine does not decide the figures: Elasticsearch's own CPU is not counted. The catalogue is
bench/portal.py's (records varied from the real demo catalogue by bench/search.py's `varied`, bulk-inserted
into a temporary SQLite file, indexed by `Indexer.reindex` under a private prefix `bench-ckan-…`, deleted at
the end). Requests go through the Flask test client:

- `package_search q` – what bench/portal.py sends: `?q=<query>` (rows 10, the five default facets);
- `package_search mixed` – typical CKAN clients: rows 10..20, an `fq` on organization/res_format/tags some of
  the time, a `facet.field` list, a sort, POSTed as JSON like ckanapi half of the time;
- `/api/1/datasets?q=` – the REST search, for comparison.

Printed per endpoint: CPU ms per request (mean and median of the per-request figures), wall ms, SQL
statements per request (counted on the store's engine), response KB; then cProfile's top functions
(cumulative and own time) for the package_search workload.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]  # before bench/, whose search.py would shadow the package

from sqlalchemy import event  # noqa: E402

from bench import common  # noqa: E402
from bench.portal import build_catalogue, real_pool  # noqa: E402
from bench.search import QUERIES, demo_db  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402
from catalog.views import ckan as ckan_view  # noqa: E402
from portal.app import create_app  # noqa: E402
from portal.config import load as load_settings  # noqa: E402
from search.client import connect  # noqa: E402
from search.indexer import Indexer  # noqa: E402

SORTS = ["score desc", "metadata_modified desc", "metadata_modified asc", "title_string asc"]
FACETS = [["organization", "groups", "tags", "res_format", "license_id"], ["organization", "res_format"],
          ["tags"], None]


def workloads(client: Any, store: CatalogStore, n: int,
              rng: random.Random) -> dict[str, list[tuple[str, str, Any]]]:
    """(method, path, JSON body or None) lists, one per endpoint; only searches that fill their page (as
    nearly all do at 100,000 datasets), so each request maps a full page of packages."""
    orgs = [p.slug for p in store.publisher_counts()[:15]]
    tags = [k for k, _n in store.term_counts("keyword")[:30]]
    queries = [q for q, _ in QUERIES if count(client, {"q": q}) >= 20]
    simple = [("GET", "/api/3/action/package_search?" + urlencode({"q": queries[i % len(queries)]}), None)
              for i in range(n)]
    rest = [("GET", "/api/1/datasets?" + urlencode({"q": queries[i % len(queries)]}), None) for i in range(n)]
    mixed = []
    while len(mixed) < n:
        params: dict[str, Any] = {"q": rng.choice(queries + ["*:*"]), "rows": rng.randint(10, 20)}
        kind = rng.random()
        if kind < 0.25:
            params["fq"] = f'organization:"{rng.choice(orgs)}"'
        elif kind < 0.45:
            params["fq"] = f"res_format:{rng.choice(['CSV', 'JSON', 'XLSX', 'PDF'])}"
        elif kind < 0.55:
            params["fq"] = f'tags:"{rng.choice(tags)}"'
        facets = rng.choice(FACETS)
        if facets is not None:
            params["facet.field"] = json.dumps(facets)
        if rng.random() < 0.5:
            params["sort"] = rng.choice(SORTS)
        if count(client, params) < params["rows"]:
            continue
        if rng.random() < 0.5:
            mixed.append(("POST", "/api/3/action/package_search", params))
        else:
            mixed.append(("GET", "/api/3/action/package_search?" + urlencode(params), None))
    return {"package_search q": simple, "package_search mixed": mixed, "/api/1/datasets?q=": rest}


def count(client: Any, params: dict[str, Any]) -> int:
    response = send(client, "POST", "/api/3/action/package_search", {**params, "rows": 0})
    return response.get_json()["result"]["count"]


def send(client: Any, method: str, path: str, body: Any) -> Any:
    response = client.post(path, json=body) if method == "POST" else client.get(path)
    if response.status_code != 200:
        text = response.get_data(as_text=True)[:300]
        raise RuntimeError(f"{method} {path} {body}: {response.status_code} {text}")
    return response


def hits(response: Any) -> int:
    body = response.get_json()
    return len(body["result"]["results"] if "result" in body else body["data"])


def measure(client: Any, requests: list[tuple[str, str, Any]], counter: list[int],
            cold: bool = False) -> dict[str, float]:
    """With cold, the per-record CKAN dict cache (when there is one) is emptied before each request."""
    forget = getattr(ckan_view, "_cached_package", None) if cold else None
    for method, path, body in requests[:20]:  # warm caches, connections, the request cache
        send(client, method, path, body)
    cpu, wall, sizes, found = [], [], [], []
    counter[0] = 0
    for method, path, body in requests:
        if forget is not None:
            forget.cache_clear()
        c0, w0 = time.process_time(), time.perf_counter()
        response = send(client, method, path, body)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        sizes.append(len(response.get_data()))
        found.append(hits(response))
    n = len(requests)
    return {"cpu_mean": 1000 * sum(cpu) / n, "cpu_p50": 1000 * statistics.median(cpu),
            "wall_p50": 1000 * statistics.median(wall), "sql": counter[0] / n, "kb": sum(sizes) / n / 1024,
            "hits": sum(found) / n}


def profile(client: Any, requests: list[tuple[str, str, Any]], top: int, cold: bool) -> None:
    forget = getattr(ckan_view, "_cached_package", None) if cold else None
    profiler = cProfile.Profile(time.process_time)  # CPU, as the figures above
    for method, path, body in requests:
        if forget is not None:
            forget.cache_clear()
        profiler.enable()
        send(client, method, path, body)
        profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        text = out.getvalue()
        print(text[text.find("   ncalls"):].rstrip() + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3_000, help="datasets in the catalogue")
    parser.add_argument("--requests", type=int, default=300, help="requests per endpoint")
    parser.add_argument("--profile", type=int, default=30, help="cProfile rows (0: no profile)")
    parser.add_argument("--cold", action="store_true", help="profile with the CKAN dict cache emptied "
                        "before each request")
    parser.add_argument("--keep", type=Path, help="build the catalogue in this directory and keep it (and "
                        "its index) for later runs; a later run with the same directory reuses both")
    args = parser.parse_args()
    settings = load_settings()
    es = connect(settings.elasticsearch_url, timeout=120)
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="kaifang-bench-ckan-") as tmp:
        where = args.keep or Path(tmp)
        url = f"sqlite:///{where}/kaifang.db"
        kept = (where / "prefix.txt").exists()
        prefix = (where / "prefix.txt").read_text().strip() if kept else f"bench-ckan-{uuid.uuid4().hex[:6]}"
        try:
            if kept:
                print(f"catalogue: reusing {where} (index prefix {prefix})")
            else:
                where.mkdir(parents=True, exist_ok=True)
                pool, reports = real_pool(demo_db())
                seconds = build_catalogue(url, args.n, pool, reports)
                store = CatalogStore.from_url(url)
                indexed = Indexer(es, prefix).reindex(store)
                store.engine.dispose()
                if args.keep:
                    (where / "prefix.txt").write_text(prefix)
                print(f"catalogue: {args.n:,} datasets (inserted in {seconds:.1f} s), {indexed['indexed']:,} "
                      f"indexed under {prefix}")
            app = create_app(load_settings({
                "DATABASE_URL": url, "KAIFANG_VAR": str(where), "SECRET_KEY": "bench",
                "ELASTICSEARCH_URL": settings.elasticsearch_url, "KAIFANG_INDEX_PREFIX": prefix}))
            app_store: CatalogStore = app.extensions["kaifang"]["store"]
            counter = [0]

            @event.listens_for(app_store.engine, "before_cursor_execute")
            def count(*_args: Any) -> None:
                counter[0] += 1

            client = app.test_client()
            loads = workloads(client, app_store, args.requests, rng)
            print(f"\n{'endpoint':<24} {'CPU ms/req':>10} {'CPU p50':>8} {'wall p50':>9} {'SQL/req':>8} "
                  f"{'KB/resp':>8} {'hits/req':>8}")
            runs = [(label, requests, False) for label, requests in loads.items()]
            runs.insert(2, ("package_search mixed, cold", loads["package_search mixed"], True))
            for label, requests, cold in runs:
                m = measure(client, requests, counter, cold)
                print(f"{label:<28} {m['cpu_mean']:10.2f} {m['cpu_p50']:8.2f} {m['wall_p50']:9.2f} "
                      f"{m['sql']:8.2f} {m['kb']:8.1f} {m['hits']:8.1f}", flush=True)
            if args.profile:
                print(f"\ncProfile, package_search q + mixed ({2 * args.requests} requests"
                      f"{', cold' if args.cold else ''}):")
                profile(client, loads["package_search q"] + loads["package_search mixed"], args.profile,
                        args.cold)
        finally:
            if args.keep:
                print(f"kept {where} and the index {prefix}-*: delete both when done")
            else:
                print(f"cleaned up {common.drop_indices(es, prefix)} index(es) and the temporary database")


if __name__ == "__main__":
    main()
