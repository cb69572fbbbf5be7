"""CPU per request of the HTML dataset page against the JSON dataset API, with a profile of the page.

    .venv/bin/python bench/profile_page.py                     # 3,000 datasets, 300 distinct pages each
    .venv/bin/python bench/profile_page.py --n 5000 --pages 500 --top 30

Why CPU and not throughput: the machine is shared, so requests/s and latencies measure other people's jobs
as much as ours; `time.process_time()` counts only this process's CPU. The catalogue is bench/portal.py's
(records varied from the real demo catalogue with bench/search.py's `varied`, bulk-inserted into a
temporary SQLite file, indexed by the production `Indexer.reindex` under a unique `bench-profile-…` prefix
that is deleted at the end). Requests go through the Flask test client of the real app (`create_app`),
half of them in Chinese and half in English, each page a different record (so per-record caches never hit,
as with 100,000 records under wrk), after a warm-up on other records (templates compiled, vocabularies
loaded). Printed:

- CPU ms per request (mean and p50/p90 of the per-request process time) for `/dataset/<name>` and
  `/api/1/datasets/<name>`, and the difference;
- SQL statements per request (SQLAlchemy `before_cursor_execute`), Elasticsearch requests per request;
- the local Elasticsearch process's CPU per request (from /proc/<pid>/stat; it is another process, so not in
  the figures above; other people's searches on the shared node add to it, so read it as an upper bound);
- with --top N, a cProfile of the page requests: the top functions by own time and by cumulative time,
  and the cumulative time of the page's known parts.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]  # before bench/, whose search.py and geo.py would shadow the packages

from sqlalchemy import event  # noqa: E402

from bench import common  # noqa: E402
from bench.portal import build_catalogue, real_pool  # noqa: E402
from bench.search import demo_db  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402
from portal import create_app  # noqa: E402
from portal.config import load as load_settings  # noqa: E402
from search.client import connect  # noqa: E402
from search.indexer import Indexer  # noqa: E402

# Parts of the page whose cumulative profile time is printed (file suffix, function name, label).
PARTS = [
    ("portal/web/dataset.py", "show", "whole view (dataset.show)"),
    ("catalog/store.py", "get_by_name", "DB read + projection decode (get_by_name)"),
    ("flask/templating.py", "render_template", "render_template (all of dataset.html)"),
    ("portal/web/dataset.py", "_related", "related datasets (_related)"),
    ("portal/web/dataset.py", "related", "related view (not in the page since 0010)"),
    ("catalog/views/schemaorg.py", "to_schemaorg", "schema.org JSON-LD (to_schemaorg)"),
    ("catalog/views/schemaorg.py", "script_json", "schema.org JSON text (script_json)"),
    ("portal/web/dataset.py", "coverage", "map GeoJSON (coverage)"),
    ("portal/web/dataset.py", "findings_by_severity", "SHACL findings (findings_by_severity)"),
    ("portal/security.py", "markdown", "Markdown + nh3 (markdown filter)"),
    ("portal/html.py", "ml", "ml_html (multilingual text)"),
    ("portal/html.py", "link", "link_html"),
    ("portal/i18n.py", "_gettext", "_() in templates"),
    ("flask/helpers.py", "url_for", "url_for"),
    ("portal/i18n.py", "label", "label filter"),
    ("portal/i18n.py", "choose", "choose()"),
    ("portal/web/views.py", "count_view", "view counting"),
]


# Other requests a dataset page's browser makes to us, measured when the app has them (label, path template).
EXTRA = [("related fragment (page's JS)", "/dataset/{name}/related?fragment=1")]


class Counters:
    def __init__(self) -> None:
        self.sql = 0
        self.es = 0
        self.es_pid: int | None = None

    def es_cpu(self) -> float:
        """CPU seconds the local Elasticsearch process has used so far (0 when it is not readable here)."""
        try:
            fields = Path(f"/proc/{self.es_pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def instrument(app, counters: Counters) -> None:
    store: CatalogStore = app.extensions["kaifang"]["store"]

    @event.listens_for(store.engine, "before_cursor_execute")
    def _count(*_args) -> None:
        counters.sql += 1

    es = app.extensions["kaifang"]["es"]
    perform = es.transport.perform_request

    def counted(*args, **kwargs):
        counters.es += 1
        return perform(*args, **kwargs)

    es.transport.perform_request = counted
    try:
        nodes = es.nodes.info(metric="process").body["nodes"]
        counters.es_pid = next(iter(nodes.values()))["process"]["id"]
    except Exception:  # noqa: BLE001 - a remote cluster: its CPU is simply not reported
        counters.es_pid = None


def measure(client, paths: list[str], counters: Counters) -> dict[str, float]:
    cpu: list[float] = []
    sql0, es0, es_cpu0 = counters.sql, counters.es, counters.es_cpu()
    for i, path in enumerate(paths):
        headers = {"Accept-Language": "zh" if i % 2 == 0 else "en", "Accept": "text/html"
                   if path.startswith("/dataset/") else "application/json"}
        started = time.process_time()
        response = client.get(path, headers=headers)
        cpu.append((time.process_time() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} -> {response.status_code}: {response.text[:300]}")
    n = len(paths)
    cuts = statistics.quantiles(cpu, n=10)
    return {"mean": statistics.fmean(cpu), "p50": statistics.median(cpu), "p90": cuts[8],
            "sql": (counters.sql - sql0) / n, "es": (counters.es - es0) / n,
            "es_cpu": (counters.es_cpu() - es_cpu0) * 1000 / n}


def profile(client, paths: list[str], top: int) -> None:
    profiler = cProfile.Profile(time.process_time)  # CPU, so waiting for Elasticsearch is not counted
    profiler.enable()
    for i, path in enumerate(paths):
        client.get(path, headers={"Accept-Language": "zh" if i % 2 == 0 else "en", "Accept": "text/html"})
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(t for (_, _, t, _, _) in stats.stats.values()) or 1  # type: ignore[attr-defined]
    print(f"\ncProfile (CPU time) of {len(paths)} pages (profiler overhead inflates small calls): "
          f"{total * 1000 / len(paths):.1f} ms per page profiled")
    print(f"\n{'part':<46} {'ms/page':>8} {'share':>6} {'calls/page':>10}")
    for suffix, func, label in PARTS:
        found = [(cc, ct) for (file, _line, name), (_cc, cc, _tt, ct, _) in stats.stats.items()  # type: ignore[attr-defined]
                 if name == func and file.endswith(suffix)]
        if found:
            calls, cum = sum(c for c, _ in found), sum(t for _, t in found)
            print(f"{label:<46} {cum * 1000 / len(paths):8.2f} {cum / total:6.1%} {calls / len(paths):10.1f}")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        lines = out.getvalue().splitlines()
        start = next(i for i, line in enumerate(lines) if "ncalls" in line)
        print(f"\ntop {top} by {order}:")
        print("\n".join(lines[start:start + top + 1]))


def build(url: str, n: int, es, prefix: str) -> None:
    pool, reports = real_pool(demo_db())
    seconds = build_catalogue(url, n, pool, reports)
    store = CatalogStore.from_url(url)
    indexed = Indexer(es, prefix).reindex(store)
    store.engine.dispose()
    print(f"catalogue: {n:,} datasets ({seconds:.1f} s), {indexed['indexed']:,} indexed under {prefix}")


def run(args: argparse.Namespace, url: str, var: str, es, prefix: str, es_url: str) -> None:
    store = CatalogStore.from_url(url)
    names = sorted(s.name for s in store.iter_datasets())
    store.engine.dispose()
    app = create_app(load_settings({"DATABASE_URL": url, "KAIFANG_VAR": var, "KAIFANG_INDEX_PREFIX": prefix,
                                    "ELASTICSEARCH_URL": es_url, "SECRET_KEY": "bench-profile"}))
    counters = Counters()
    instrument(app, counters)
    client = app.test_client()
    rng = random.Random(5)
    rng.shuffle(names)
    warm, measured, profiled = (names[:40], names[40:40 + args.pages],
                                names[40 + args.pages:40 + 2 * args.pages])
    extra = [(label, template) for label, template in EXTRA if app.url_map.bind("x").test(
        template.format(name=warm[0]).split("?")[0], "GET")]
    for i, name in enumerate(warm):
        for path in ("/dataset/{name}", "/api/1/datasets/{name}", *(t for _, t in extra)):
            client.get(path.format(name=name), headers={"Accept-Language": "zh" if i % 2 else "en"})
    rows = [("/dataset/<name> (first view)", measure(client, [f"/dataset/{n}" for n in measured], counters)),
            ("/api/1/datasets/<name>", measure(client, [f"/api/1/datasets/{n}" for n in measured], counters))]
    rows += [(label, measure(client, [template.format(name=n) for n in measured], counters))
             for label, template in extra]
    rows.append(("/dataset/<name> (same pages again)",
                 measure(client, [f"/dataset/{n}" for n in measured], counters)))
    print(f"\nCPU per request (time.process_time, {len(measured)} distinct records, zh/en in turn)")
    print(f"{'endpoint':<36} {'mean ms':>8} {'p50':>7} {'p90':>7} {'SQL/req':>8} {'ES/req':>7} "
          f"{'ES CPU ms':>10}")
    for label, f in rows:
        print(f"{label:<36} {f['mean']:8.2f} {f['p50']:7.2f} {f['p90']:7.2f} {f['sql']:8.2f} {f['es']:7.2f} "
              f"{f['es_cpu']:10.2f}")
    print(f"page - API: {rows[0][1]['mean'] - rows[1][1]['mean']:.2f} ms of CPU per request (first views)")
    if args.top and profiled:
        profile(client, [f"/dataset/{n}" for n in profiled], args.top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3_000, help="datasets in the catalogue")
    parser.add_argument("--pages", type=int, default=300, help="distinct records measured per endpoint")
    parser.add_argument("--top", type=int, default=25, help="functions listed from the profile (0: none)")
    parser.add_argument("--keep", type=Path, help="build the catalogue in this directory and keep it (and "
                        "its index) for the next run with the same --keep; --drop deletes the index")
    parser.add_argument("--drop", action="store_true", help="with --keep: delete the kept index at the end")
    args = parser.parse_args()
    settings = load_settings()
    es = connect(settings.elasticsearch_url, timeout=120)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        marker = args.keep / "prefix"
        url = f"sqlite:///{args.keep.resolve()}/kaifang.db"
        if not marker.exists():
            prefix = f"bench-profile-{uuid.uuid4().hex[:6]}"
            build(url, args.n, es, prefix)
            marker.write_text(prefix)
        prefix = marker.read_text().strip()
        try:
            run(args, url, str(args.keep), es, prefix, settings.elasticsearch_url)
        finally:
            if args.drop:
                drop(es, prefix)
                marker.unlink()
        return
    prefix = f"bench-profile-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="kaifang-profile-page-") as tmp:
        url = f"sqlite:///{tmp}/kaifang.db"
        try:
            build(url, args.n, es, prefix)
            run(args, url, tmp, es, prefix, settings.elasticsearch_url)
        finally:
            drop(es, prefix)


def drop(es, prefix: str) -> None:
    print(f"\ncleaned up: {common.drop_indices(es, prefix)} index(es) {prefix}-*")


if __name__ == "__main__":
    main()
