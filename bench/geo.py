"""Benchmark the geo library on generated ~50 MB files: extent extraction and conversions.

Writes a GeoPackage and a GeoJSON of small polygons over Shanghai (Chinese attributes, CGCS2000 / 3-degree
Gauss-Kruger for the GeoPackage, WGS84 for the GeoJSON), then times read_layer + compute_extent and
conversions, each step in a fresh process so its peak RSS (resource.getrusage) is its own.

    .venv/bin/python bench/geo.py [--mb 50] [--dir /tmp/kaifang-geo-bench]
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import platform
import resource
import sys
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/kaifang-geo-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"{datetime.datetime.now().isoformat(timespec='seconds')}  {platform.platform()}  "
          f"python {platform.python_version()}  cpus {os.cpu_count()}  "
          f"geopandas {gpd.__version__}  shapely {shapely.__version__}")  # fmt: skip
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
