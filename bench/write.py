"""Write API throughput: datasets created per second through CKAN `package_create` (ckanapi, a token,
SHACL validation on), against the portal served by gunicorn on 127.0.0.1 with a fresh SQLite catalogue.

    .venv/bin/python bench/write.py [--n 300] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import ckanapi
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog import accounts, migrate  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402

PUBLISHER = "https://data.example.cn/org/bench"


def prepare(url: str) -> str:
    """A migrated catalogue with one organisation, one editor and that editor's API token."""
    migrate.upgrade(url)
    store = CatalogStore.from_url(url)
    with store.sessions.begin() as s:
        user = accounts.create_user(s, "bench", "bench@example.cn", "a long bench password 1")
        org = accounts.create_org(s, "bench", "基准测试局", PUBLISHER)
        accounts.set_member(s, org, user, "editor")
        token = accounts.create_token(s, user, "bench")
    return token if isinstance(token, str) else token[1]


def package(i: int) -> dict:
    """A realistic CKAN dict, as existing publishing scripts send it."""
    return {
        "name": f"bench-dataset-{i}", "title": f"公交线路客流统计 {i}", "owner_org": "bench",
        "notes": "按线路和月份统计的公共汽车客流量。Monthly bus ridership by route.",
        "tags": [{"name": "公交"}, {"name": "交通"}, {"name": "ridership"}],
        "license_id": "cc-by", "url": f"https://data.example.cn/datasets/{i}",
        "resources": [{"url": f"https://data.example.cn/files/bus-{i}.csv", "format": "CSV", "name": "CSV"},
                      {"url": f"https://data.example.cn/files/bus-{i}.xlsx", "format": "XLSX"}],
        "extras": [{"key": "frequency", "value": "monthly"}],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(var: Path, db: str, workers: int, port: int) -> subprocess.Popen:
    env = {**os.environ, "KAIFANG_VAR": str(var), "DATABASE_URL": db, "KAIFANG_INDEX_PREFIX": "bench-write"}
    proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers),
                             "--threads", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                             "--error-logfile", "-", "portal:create_app()"], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/api/3/action/status_show", timeout=10)
            return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the portal did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"# bench/write.py  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {platform.node()}  "
          f"cores={os.cpu_count()}  load={os.getloadavg()[0]:.2f}  python={platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/bench.db"
        token = prepare(db)
        port = free_port()
        proc = serve(Path(tmp), db, args.workers, port)
        try:
            ckan = ckanapi.RemoteCKAN(f"http://127.0.0.1:{port}", apikey=token)
            ckan.action.package_create(**package(-1))  # warm-up: compiles the shapes in a worker
            start = time.perf_counter()
            for i in range(args.n):
                ckan.action.package_create(**package(i))
            elapsed = time.perf_counter() - start
        finally:
            proc.terminate()
            proc.wait(10)
        stored = CatalogStore.from_url(db).count()
    print(f"package_create with SHACL validation: {args.n} datasets in {elapsed:.1f} s = "
          f"{args.n / elapsed:.1f} datasets/s (sequential client, {args.workers} gunicorn workers); "
          f"stored {stored}")


if __name__ == "__main__":
    main()
