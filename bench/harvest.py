"""Harvest benchmark: a paged DCAT catalogue of N datasets (a real DCAT-AP record with varied identifier
and title) served from a local HTTP server, harvested end to end into SQLite.

    .venv/bin/python bench/harvest.py            # 10,000 datasets
    .venv/bin/python bench/harvest.py --n 50000  # peak RSS should not grow with N
    .venv/bin/python bench/harvest.py --fast-canonical  # store hashes with catalog.canonical (see below)

Each phase runs in its own process so its peak RSS is its own: cold without validation, cold with SHACL
validation (vocab/shapes/kaifang-dcat-ap.ttl, else the DCAT-AP 3.0.1 shapes), then an unchanged re-run
(pages are skipped by digest) and an unchanged `--full` re-run (every record read, the record-level skip).
`--fast-canonical` makes the store hash records with `catalog.canonical.canonical_nt` (now the store's
default; kept so older trees can be compared).
Pages are parsed (pyoxigraph), split and prepared (canonical form, hash, projection) in the dcat source type's
worker process, validated (Kaifang's profile: catalog.validation_fast, in the harvesting process; other
shapes: pyshacl in the validator's worker processes) and written by the harvesting process: each line also
gives the CPU per record of the harvesting process and of all its worker processes ("cpu main+workers"),
the figure that decides the rate on a machine with two cores, and less disturbed by other load.
Targets: >= 200 datasets/s cold with validation, >= 2,000/s unchanged, peak RSS < 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.harvest.conftest import HEAD, FixtureServer, record  # noqa: E402

SHAPES = [ROOT / "vocab/shapes/kaifang-dcat-ap.ttl"]
FALLBACK_SHAPES = [ROOT / "tests/fixtures/dcat-ap/3.0.1/shacl/shapes.ttl"]
HYDRA = "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n"


def serve(n: int, per_page: int) -> tuple[FixtureServer, str]:
    """Pages are generated on request, so the server holds no catalogue in memory."""
    server = FixtureServer()
    pages = (n + per_page - 1) // per_page

    def page(number: int):  # noqa: ANN202
        def handler(h) -> None:  # noqa: ANN001
            numbers = range((number - 1) * per_page, min(number * per_page, n))
            link = (f"<{server.url(f'/bench/{number}')}> a hydra:PartialCollectionView ; "
                    f"hydra:next <{server.url(f'/bench/{number + 1}')}> ." if number < pages else "")
            data = f"{HEAD}\n{HYDRA}" + "\n".join(record(i) for i in numbers) + f"\n{link}\n"
            body = data.encode()
            h.send_response(200)
            h.send_header("Content-Type", "text/turtle")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        return handler

    for number in range(1, pages + 1):
        server.route(f"/bench/{number}", page(number))
    server.thread.start()
    return server, server.url("/bench/1")


def phase(db_url: str, url: str, validate: bool, full: bool, fast_canonical: bool) -> None:
    """One harvest in this process; print its numbers as JSON."""
    import catalog.store
    from catalog.canonical import canonical_nt
    from catalog.store import CatalogStore
    from catalog.validation import Validator
    from harvesters.base import run
    from harvesters.http import GuardedClient
    from harvesters.source import SourceConfig

    if fast_canonical:
        catalog.store.canonical_nt = canonical_nt
    store = CatalogStore.from_url(db_url)
    shapes = SHAPES if SHAPES[0].exists() else FALLBACK_SHAPES
    validator = Validator(shapes, cache_size=2_000) if validate else None  # default cache grows with N
    started, cpu = time.perf_counter(), time.process_time()
    report = run(store, SourceConfig("bench", url, "dcat"), validator=validator, full=full,
                 client=GuardedClient(allow_private=["127.0.0.1/32"]))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if validator is not None:
        validator.close()
    import harvesters.dcat
    for pool in getattr(harvesters.dcat, "_POOL", []):  # worker CPU is counted once they have exited
        pool.shutdown()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "cpu_main": cpu, "cpu_workers": children.ru_utime + children.ru_stime,
        "status": report.status, "error": report.fatal_error, "counts": report.counts, "seconds": seconds,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "shapes": shapes[0].name if validate else None,
    }))


def child(db_url: str, url: str, validate: bool, full: bool, fast_canonical: bool) -> dict:
    flags = {"--validate": validate, "--full": full, "--fast-canonical": fast_canonical}
    args = [sys.executable, __file__, "--phase", db_url, url] + [flag for flag, on in flags.items() if on]
    out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--per-page", type=int, default=500)
    parser.add_argument("--phase", nargs=2, metavar=("DB_URL", "URL"), help=argparse.SUPPRESS)
    parser.add_argument("--validate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fast-canonical", action="store_true", help="Hash with catalog.canonical.")
    parser.add_argument("--skip-validation", action="store_true", help="No validation: cold, re-run.")
    args = parser.parse_args()
    if args.phase:
        phase(*args.phase, args.validate, args.full, args.fast_canonical)
        return

    from catalog import migrate

    server, url = serve(args.n, args.per_page)
    with tempfile.TemporaryDirectory() as tmp:
        plain, checked = f"sqlite:///{tmp}/plain.db", f"sqlite:///{tmp}/validated.db"
        for db in (plain, checked):
            migrate.upgrade(db)
        runs = [("cold, no validation", plain, False, False)]
        if args.skip_validation:
            runs += [("unchanged re-run", plain, False, False)]
        else:
            runs += [("cold, validation", checked, True, False), ("unchanged re-run", checked, True, False),
                     ("unchanged --full", checked, True, True)]
        canonical = "catalog.canonical" if args.fast_canonical else "catalog.rdf"
        print(f"{args.n} datasets, {args.per_page} per page, SQLite, store hashes with {canonical}; "
              f"load average {os.getloadavg()[0]:.1f}")
        for label, db, validate, full in runs:
            result = child(db, url, validate, full, args.fast_canonical)
            done = sum(result["counts"][k] for k in ("added", "updated", "unchanged"))
            rate = done / result["seconds"]
            per = 1000 / max(done, 1)
            print(f"{label:22s} {rate:8.0f} datasets/s  {result['seconds']:7.1f} s  cpu main+workers "
                  f"{result['cpu_main'] * per:.2f}+{result['cpu_workers'] * per:.2f} ms/dataset  "
                  f"peak RSS {result['rss_mb']:5.0f} MB (SHACL workers {result['children_rss_mb']:.0f} MB)"
                  f"  {result['status']} {result['counts']} {result['error'] or ''}")
    server.stopping.set()
    server.httpd.shutdown()


if __name__ == "__main__":
    main()
