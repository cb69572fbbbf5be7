"""Benchmark the geo library on generated ~50 MB files: extent extraction and conversions; and OGC API –
Features items through the real portal.

Writes a GeoPackage and a GeoJSON of small polygons over Shanghai (Chinese attributes, CGCS2000 / 3-degree
Gauss-Kruger for the GeoPackage, WGS84 for the GeoJSON), then times read_layer + compute_extent and
conversions, each step in a fresh process so its peak RSS (resource.getrusage) is its own.

OGC part: a GeoPackage of --ogc-features polygons (default 60,000, CGCS2000) generated with geopandas is
served by a local HTTP file server (tests/geo_portal's); a dataset pointing at it goes into a temporary SQLite
catalogue and is enriched (harvesters.geo_enrich, which writes the geo_reads row that makes it a collection);
the portal runs under gunicorn (bench/common.py: the project's gunicorn.conf.py, else 2 workers x 4 threads;
each worker's guarded client may reach 127.0.0.1, as in tests/geo_portal). Timed: the first items request
(download, read, reprojection, GeoPackage cache), then `/ogc/collections/<id>/items?limit=100&bbox=…` over
500 random boxes (0.02-0.2 degrees) at concurrency 8 for --ogc-seconds: requests/s, p50, p99.

    .venv/bin/python bench/geo.py [--mb 50] [--dir /tmp/kaifang-geo-bench] [--only files|ogc]
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import platform
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402

from geo.convert import convert  # noqa: E402
from geo.extent import compute_extent  # noqa: E402
from geo.read import read_layer  # noqa: E402
from geo.safety import Limits  # noqa: E402

OGC_BOX = (120.9, 30.7, 121.9, 31.8)  # where generate() scatters its polygons

LIMITS = Limits(max_bytes=500 * 1024**2, max_features=5_000_000)


def generate(n: int) -> gpd.GeoDataFrame:
    """n small hexagons-ish polygons (12 vertices) scattered over Shanghai, with Chinese attributes."""
    rng = np.random.default_rng(42)
    x, y = rng.uniform(120.9, 121.9, n), rng.uniform(30.7, 31.8, n)
    shapes = shapely.buffer(shapely.points(x, y), 0.0005, quad_segs=3)
    names = [f"地块{i}" for i in range(n)]
    district = rng.choice(["浦东新区", "黄浦区"], n)
    return gpd.GeoDataFrame({"编号": np.arange(n), "名称": names, "区": district}, geometry=shapes, crs=4326)


def make_file(target: Path, fmt: str, mb: float) -> None:
    """Write `target` of about `mb` megabytes, sizing the feature count from a small sample."""
    sample = target.with_suffix(".sample" + target.suffix)
    driver, crs = ("GPKG", 4549) if fmt == "gpkg" else ("GeoJSON", 4326)
    generate(2000).to_crs(crs).to_file(sample, driver=driver)
    n = int(mb * 1e6 / sample.stat().st_size * 2000)
    sample.unlink()
    generate(n).to_crs(crs).to_file(target, driver=driver)


def _measure(queue, step: str, path: str, arg: str) -> None:
    start = time.perf_counter()
    if step == "extent":
        extent = compute_extent(read_layer(path, limits=LIMITS))
        detail = f"{extent.feature_count:,} features, bbox {tuple(round(v, 3) for v in extent.bbox)}"
    else:
        out = convert(path, None, arg, limits=LIMITS, out_dir=Path(path).parent / "out")
        detail = f"{out.stat().st_size / 1e6:.1f} MB"
    seconds = time.perf_counter() - start
    queue.put((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, detail))


def run(step: str, path: Path, arg: str = "") -> None:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_measure, args=(queue, step, str(path), arg))
    proc.start()
    seconds, rss_mb, detail = queue.get()
    proc.join()
    label = f"{step} {path.name}" + (f" -> {arg}" if arg else "")
    print(f"{label:<42} {seconds:8.2f} s  peak RSS {rss_mb:8.0f} MB  {detail}", flush=True)


def ogc_paths(cid: str, count: int = 500, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    west, south, east, north = OGC_BOX
    paths = []
    for _ in range(count):
        size = rng.uniform(0.02, 0.2)
        x, y = rng.uniform(west, east - size), rng.uniform(south, north - size)
        box = f"{x:.4f},{y:.4f},{x + size:.4f},{y + size:.4f}"
        paths.append(f"/ogc/collections/{cid}/items?limit=100&bbox={box}")
    return paths


def ogc(features: int, seconds: float, concurrency: int) -> None:
    """Items of a collection of `features` polygons through the portal under gunicorn, at `concurrency`."""
    import requests

    from bench import common
    from catalog import migrate
    from catalog.store import CatalogStore, name_for
    from harvesters.geo_enrich import enrich
    from harvesters.http import GuardedClient
    from portal.config import load as load_settings
    from search.client import connect
    from tests.geo_portal.conftest import FileServer, add_dataset

    common.stop_on_sigterm()
    settings = load_settings()
    prefix = f"bench-geo-{uuid.uuid4().hex[:6]}"
    print(f"\nOGC API – Features items, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
          f"{common.load()}")
    with tempfile.TemporaryDirectory(prefix="kaifang-bench-ogc-") as tmp:
        gpkg = Path(tmp) / "parcels.gpkg"
        generate(features).to_crs(4549).to_file(gpkg, driver="GPKG")
        server = FileServer({"/parcels.gpkg": (gpkg.read_bytes(), "application/geopackage+sqlite3")})
        url = f"sqlite:///{tmp}/kaifang.db"
        try:
            migrate.upgrade(url)
            store = CatalogStore.from_url(url)
            iri = add_dataset(store, "bench-ogc-parcels", "上海地块（基准测试）",
                              [(server.url("/parcels.gpkg"), "GPKG")])
            client = GuardedClient(allow_private=["127.0.0.1/32"], retries=0, total_timeout=120,
                                   max_bytes=200 * 1024**2)
            started = time.perf_counter()
            result = enrich(store, iri, client, LIMITS)
            client.close()
            store.engine.dispose()
            if result.status != "enriched":
                raise RuntimeError(f"enrichment failed: {result}")
            cid = f"{name_for(iri)}-0"
            print(f"collection {cid}: {features:,} polygons, GeoPackage EPSG:4549 "
                  f"{gpkg.stat().st_size / 1e6:.1f} MB, enriched in {time.perf_counter() - started:.1f} s")
            env = {"DATABASE_URL": url, "KAIFANG_VAR": tmp, "KAIFANG_INDEX_PREFIX": prefix,
                   "ELASTICSEARCH_URL": settings.elasticsearch_url, "SECRET_KEY": "bench-geo"}
            paths = ogc_paths(cid)
            with common.portal(env, ready_path="/ogc/", allow_loopback=True) as (base, served, _pid):
                started = time.perf_counter()
                first = requests.get(base + paths[0], timeout=300)
                first.raise_for_status()
                print(f"first items request (download, read, reproject, cache as GeoPackage): "
                      f"{time.perf_counter() - started:.2f} s")
                common.warm(base, paths, "application/geo+json", count=40)  # every worker loads the cache
                sizes = [len(requests.get(base + p, timeout=60).json()["features"]) for p in paths[:50]]
                stats = common.hammer(base, paths, concurrency=concurrency, seconds=seconds,
                                      accept="application/geo+json")
            print(f"portal: {served}; client {common.client_name()}; {len(paths)} random bboxes, limit=100 "
                  f"(mean {sum(sizes) / len(sizes):.0f} features returned over 50 sampled)")
            print("| endpoint | c | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors "
                  "| load (1/5/15) |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            print(f"| `/ogc/collections/<id>/items?limit=100&bbox=…` ({features:,} features) | {concurrency} "
                  f"| {stats.n:,} | {stats.per_s:.1f} | {stats.p50:.1f} | {stats.p95:.1f} | {stats.p99:.1f} "
                  f"| {stats.max:.0f} | {stats.errors} | {stats.load.removeprefix('load ')} |")
        finally:
            server.httpd.shutdown()
            es = connect(settings.elasticsearch_url)
            common.drop_indices(es, prefix)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/kaifang-geo-bench"))
    parser.add_argument("--only", choices=["files", "ogc"])
    parser.add_argument("--ogc-features", type=int, default=60_000)
    parser.add_argument("--ogc-seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(f"{datetime.datetime.now().isoformat(timespec='seconds')}  {platform.platform()}  "
          f"python {platform.python_version()}  cpus {os.cpu_count()}  load {os.getloadavg()[0]:.2f}  "
          f"geopandas {gpd.__version__}  shapely {shapely.__version__}")  # fmt: skip
    if args.only != "ogc":
        files_part(args)
    if args.only != "files":
        ogc(args.ogc_features, args.ogc_seconds, args.concurrency)


def files_part(args: argparse.Namespace) -> None:
    args.dir.mkdir(parents=True, exist_ok=True)
    files = {"gpkg": args.dir / "parcels.gpkg", "geojson": args.dir / "parcels.geojson"}
    for fmt, path in files.items():
        if not path.exists():
            make_file(path, fmt, args.mb)
        print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")
    for path in files.values():
        run("extent", path)
    run("convert", files["gpkg"], "geojson")
    for fmt in ("gpkg", "shp", "csv", "kml"):
        run("convert", files["geojson"], fmt)


if __name__ == "__main__":
    main()
