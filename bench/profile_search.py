"""CPU the portal itself spends per search: what `bench/search.py` calls the portal's overhead, measured as
process CPU time instead of latency, so other work on the machine barely moves it.

    .venv/bin/python bench/profile_search.py                    # 3,000 docs, 120 searches per path, 7 rounds
    .venv/bin/python bench/profile_search.py --profile api      # plus cProfile (CPU time) for one path
    .venv/bin/python bench/profile_search.py --n 20000 --keep bench-profile-20k   # build once, then reuse it
    .venv/bin/python bench/profile_search.py --drop bench-profile-20k

To compare two versions of the code, run this script from two copies of the tree at the same time (both
then see the same load; the figures in bench/RESULTS.md were taken so). With more documents each search
counts more facet values (65 per search at 20,000, up to 180 at 100,000), which the page turns into links.

A few thousand records varied from the real demo catalogue (bench/search.py's `varied`) are indexed into
the running Elasticsearch under a prefix `bench-profile-…` (deleted at the end); a portal app over an empty
SQLite catalogue searches them through Flask's test client, in this process. For each path the figure is
this process's CPU time (user + system) over all searches divided by their number (Elasticsearch's own CPU
is in another process and not counted): the best and the median of `--rounds` rounds, and the median in
"reference units" (CPU per search / CPU of a fixed pure-Python workload timed just before each round). On a
machine shared with other jobs the best round moved least between runs; the medians move by up to 30%.
The workload is bench/search.py's: 20 queries (half Chinese), all nine facets counted, one facet filter.

Paths:
- `api`: GET /api/1/datasets?q=… (JSON), `html`: GET /search?q=… (the page), each through the test client
  and as a bare WSGI call with a prebuilt environ (what the portal spends under a server; profiled this way);
- `service`: SearchService.search alone (building the msearch, the client, reading the answer);
- `client`: the client's msearch with a prebuilt body (what bench/search.py's "Elasticsearch direct" pays);
- `raw`: the same msearch as ndjson bytes over a bare urllib3 pool (HTTP alone, nothing parsed);
- pieces: building the body, serialising it, parsing the response bytes, reading them into a SearchResult.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]  # before bench/, whose search.py would shadow the package

import urllib3  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from bench import common  # noqa: E402
from bench.search import build_index, demo_db, real_records, workload  # noqa: E402
from catalog import migrate  # noqa: E402
from portal.app import create_app  # noqa: E402
from portal.config import load as load_settings  # noqa: E402
from search.client import connect  # noqa: E402
from search.documents import alias_name  # noqa: E402
from search.query import SEARCH_PATH, SearchParams, SearchService, today  # noqa: E402

Item = tuple[str, str, str, list[str]]


def url(path: str, item: Item) -> str:
    q, lang, facet, values = item
    args: list[tuple[str, str]] = [("q", q), ("lang", lang)]
    if path.startswith("/api"):
        args.append(("page_size", "20"))
    args += [(facet, v) for v in values]
    return f"{path}?{urlencode(args)}"


def params_of(item: Item) -> SearchParams:
    q, lang, facet, values = item
    return SearchParams(q=q, lang=lang, size=20, filters={facet: values} if values else {})


def reference() -> None:
    """A fixed piece of pure-Python work (dicts, strings, JSON) that the machine's speed scales like ours."""
    for i in range(200):
        body = {"q": f"空气质量 {i}", "fields": [f"title.{n}^4" for n in ("zh", "en", "any")], "n": i}
        json.loads(json.dumps(body, ensure_ascii=False))
        "&".join(quote_plus(f"{k}={v}") for k, v in body.items())


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_per_call(run: Callable[[Any], Any], items: list[Any], rounds: int) -> dict[str, float]:
    """Process CPU (user + system, `getrusage`) per call in ms, best and median of the rounds, and the
    median in reference units: each round divided by the reference work's CPU measured just before it, so
    a machine slowed by other jobs (shared cores, lower clock) moves the figure less."""
    totals, units, wall = [], [], []
    for _ in range(rounds):
        started = cpu()
        for _ in range(5):
            reference()
        ref = (cpu() - started) / 5
        started, started_wall = cpu(), time.perf_counter()
        for item in items:
            run(item)
        spent = (cpu() - started) / len(items)
        totals.append(spent * 1000)
        units.append(spent / ref)
        wall.append((time.perf_counter() - started_wall) * 1000 / len(items))
    return {"cpu_best": min(totals), "cpu_median": statistics.median(totals),
            "units": statistics.median(units), "wall_median": statistics.median(wall)}


def report(label: str, stats: dict[str, float]) -> None:
    print(f"  {label:<42} CPU {stats['cpu_best']:6.3f} ms best, {stats['cpu_median']:6.3f} median, "
          f"{stats['units']:6.3f} ref units  (wall {stats['wall_median']:5.1f} ms)")


def profile(run: Callable[[Any], Any], items: list[Any], top: int) -> None:
    profiler = cProfile.Profile(time.process_time)  # CPU, not waiting on Elasticsearch
    profiler.enable()
    for item in items:
        run(item)
    profiler.disable()
    by_package: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        by_package[package(filename)] = by_package.get(package(filename), 0.0) + own
    total = sum(by_package.values())
    print(f"\n-- cProfile (process CPU, inflated by profiling), {len(items)} searches: own time by package")
    for name, own in sorted(by_package.items(), key=lambda kv: -kv[1])[:20]:
        print(f"  {name:<40} {own * 1000 / len(items):7.3f} ms/search  {own / total:6.1%}")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
        stats.print_stats(top)
        print(f"\n-- cProfile (process CPU time), {len(items)} searches, by {order} --")
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


def package(filename: str) -> str:
    """A profiled function's package: the top directory under site-packages, ours under the repository,
    the standard library's module, or the kind of built-in."""
    path = Path(filename)
    if "site-packages" in path.parts:
        return path.parts[path.parts.index("site-packages") + 1].removesuffix(".py")
    if path.is_relative_to(ROOT):
        return "kaifang: " + "/".join(path.relative_to(ROOT).parts[:2]).removesuffix(".py")
    if filename.startswith("<") or filename == "~":
        return "built-ins (C: str, dict, sockets...)"
    if filename.endswith(".html"):
        return "templates"
    return "stdlib: " + path.stem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=3_000, help="documents to index")
    parser.add_argument("--searches", type=int, default=120, help="searches per path and round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", choices=["api", "html", "service", "client"], action="append",
                        default=[])
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--only", help="paths to time, comma-separated (api,html,service,client,raw,pieces)")
    parser.add_argument("--keep", metavar="PREFIX", help="reuse (or create and keep) the index of this "
                        "prefix, for repeated runs while changing code; delete it with --drop")
    parser.add_argument("--drop", metavar="PREFIX", help="delete a kept index and exit")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else {"api", "html", "service", "client", "raw", "pieces"}
    settings = load_settings()
    client = connect(settings.elasticsearch_url, timeout=120)
    if args.drop:
        drop(client, args.drop)
        return
    prefix = args.keep or f"bench-profile-{uuid.uuid4().hex[:6]}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = f"sqlite:///{Path(tmp) / 'kaifang.db'}"
            migrate.upgrade(db)
            if args.keep and client.indices.exists_alias(name=alias_name(prefix)):
                built = {"docs": client.count(index=alias_name(prefix))["count"]}
            else:
                built = build_index(client, prefix, args.n, real_records(demo_db()))
            app = create_app(load_settings({"DATABASE_URL": db, "KAIFANG_VAR": tmp, "SECRET_KEY": "bench",
                                            "ELASTICSEARCH_URL": settings.elasticsearch_url,
                                            "KAIFANG_INDEX_PREFIX": prefix}))
            app.logger.disabled = True
            run(app, prefix, built, args, only)
            app.extensions["kaifang"]["store"].engine.dispose()
    finally:
        if not args.keep:
            drop(client, prefix)


def drop(client: Any, prefix: str) -> None:
    print(f"deleted {common.drop_indices(client, prefix)} bench index(es)")


def run(app: Any, prefix: str, built: dict[str, float], args: argparse.Namespace, only: set[str]) -> None:
    items: list[Item] = workload(args.searches)
    web = app.test_client()
    service: SearchService = SearchService(app.extensions["kaifang"]["es"], prefix)
    es = service.client

    def get(address: str) -> None:
        accept = "application/json" if "/api/" in address else "text/html"
        response = web.get(address, headers={"Accept": accept})
        assert response.status_code == 200, (address, response.status_code, response.data[:300])

    api = [url("/api/1/datasets", i) for i in items]
    html = [url("/search", i) for i in items]
    # The WSGI app called with a ready environ, as a server calls it: without the test client's own work
    # (building the environ, cookies, wrapping the response), which is not the portal's.
    environs = {address: EnvironBuilder(address, headers={"Accept": "application/json" if "/api/" in address
                                                          else "text/html"}).get_environ()
                for address in api + html}

    def call(address: str) -> None:
        status = []
        body = app.wsgi_app(dict(environs[address]), lambda s, h, e=None: status.append(s))
        try:
            b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
        assert status[0].startswith("200"), (address, status)

    bodies = [service._searches(params_of(i), None, today()) for i in items]
    for address in api[:80] + html[:80]:  # warm: vocabularies, templates, the request cache, connections
        get(address)
    print(f"index: {built['docs']:.0f} docs under {prefix}; {len(items)} searches per round, "
          f"{args.rounds} rounds")
    if "api" in only:
        report("GET /api/1/datasets?q=… (test client)", cpu_per_call(get, api, args.rounds))
        report("GET /api/1/datasets?q=… (WSGI call)", cpu_per_call(call, api, args.rounds))
    if "html" in only:
        report("GET /search?q=… (test client)", cpu_per_call(get, html, args.rounds))
        report("GET /search?q=… (WSGI call)", cpu_per_call(call, html, args.rounds))
    if "service" in only:
        report("SearchService.search", cpu_per_call(lambda i: service.search(params_of(i)), items,
                                                    args.rounds))
    if "client" in only:
        report("client.msearch, prebuilt body", cpu_per_call(
            lambda b: es.msearch(searches=b, filter_path=SEARCH_PATH), bodies, args.rounds))
    ndjson = es.transport.serializers.get_serializer("application/x-ndjson")
    json_serializer = es.transport.serializers.get_serializer("application/json")
    if "raw" in only or "pieces" in only:
        node = es.transport.node_pool.get()
        base = node.base_url
        pool = urllib3.PoolManager(maxsize=1)
        raw = [ndjson.dumps(b) for b in bodies]
        target = f"{base}/_msearch?{urlencode({'filter_path': SEARCH_PATH})}"
        headers = {"content-type": "application/x-ndjson", "accept": "application/json"}
        answers = [pool.request("POST", target, body=b, headers=headers).data for b in raw[:80]]
        if "raw" in only:
            report("urllib3 POST /_msearch, bytes in and out", cpu_per_call(
                lambda b: pool.request("POST", target, body=b, headers=headers).data, raw, args.rounds))
        if "pieces" in only:
            print(f"  (msearch body {statistics.mean(map(len, raw)):,.0f} bytes, "
                  f"answer {statistics.mean(map(len, answers)):,.0f} bytes on average)")
            report("  build the msearch body (_searches)", cpu_per_call(
                lambda i: service._searches(params_of(i), None, today()), items * 3, args.rounds))
            report(f"  serialise it ({type(ndjson).__name__})",
                   cpu_per_call(ndjson.dumps, bodies * 3, args.rounds))
            report(f"  parse the answer ({type(json_serializer).__name__})",
                   cpu_per_call(json_serializer.loads, answers * 3, args.rounds))
            parsed = [json_serializer.loads(a)["responses"] for a in answers]
            report("  read it into a SearchResult (_result)", cpu_per_call(
                lambda pair: service._result(pair[1][0], pair[1][1], params_of(pair[0]), today()),
                list(zip(items, parsed, strict=False)) * 3, args.rounds))
    for name in args.profile:
        run_one = {"api": call, "html": call, "service": lambda i: service.search(params_of(i)),
                   "client": lambda b: es.msearch(searches=b, filter_path=SEARCH_PATH)}[name]
        profile(run_one, {"api": api, "html": html, "service": items, "client": bodies}[name], args.top)


if __name__ == "__main__":
    main()
