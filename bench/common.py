"""Helpers shared by the HTTP benchmarks (bench/portal.py, bench/geo.py): the machine line, gunicorn serving
the real portal on 127.0.0.1, and a load generator (Debian's `wrk` when installed, else a bounded Python
thread-pool client) that reports requests/s and latency percentiles at a fixed concurrency.

Import it as `bench.common` after putting the checkout's root first on sys.path (bench/search.py and
bench/geo.py would otherwise shadow the `search` and `geo` packages).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
PROJECT_CONF = ROOT / "gunicorn.conf.py"
DEFAULT_WORKERS, DEFAULT_THREADS = 2, 4

WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("KAIFANG_WRK_PATHS")) do paths[#paths + 1] = line end
local headers = {Accept = os.getenv("KAIFANG_WRK_ACCEPT")}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("KAIFANG-WRK %d %d %.0f %.0f %.0f %.0f %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> str:
    with open("/proc/meminfo", encoding="ascii") as f:
        mem = f"{int(f.readline().split()[1]) // 1024 // 1024} GiB RAM"
    with open("/proc/cpuinfo", encoding="ascii") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    return f"{socket.gethostname()}, {cpu}, {os.cpu_count()} cores, {mem}, Python {sys.version.split()[0]}"


def header(title: str) -> None:
    print(f"# {title}  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {load()}", flush=True)
    print(f"# machine: {machine()}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the portal under gunicorn ---------------------------------------------------------------------------
def _config(directory: Path, allow_loopback: bool) -> tuple[Path, str]:
    """A gunicorn config: the project's gunicorn.conf.py when there is one, else 2 workers x 4 threads;
    with allow_loopback, each worker's guarded client may fetch from 127.0.0.1 (the benchmark's file
    server), exactly as tests/geo_portal does for its in-process app."""
    lines = []
    if PROJECT_CONF.is_file():
        lines.append(f"exec(compile(open({str(PROJECT_CONF)!r}).read(), {str(PROJECT_CONF)!r}, 'exec'))")
        described = f"{PROJECT_CONF.name}"
    else:
        lines += [f"workers = {DEFAULT_WORKERS}", f"threads = {DEFAULT_THREADS}"]
        described = f"no gunicorn.conf.py: {DEFAULT_WORKERS} workers x {DEFAULT_THREADS} threads"
    if allow_loopback:
        lines += [
            "_project_post_worker_init = globals().get('post_worker_init')",
            "def post_worker_init(worker):",
            "    if _project_post_worker_init:",
            "        _project_post_worker_init(worker)",
            "    from harvesters.http import GuardedClient",
            "    worker.wsgi.extensions['kaifang']['http'] = GuardedClient(",
            "        allow_private=['127.0.0.1/32'], total_timeout=60, retries=0,",
            "        max_bytes=200 * 1024 * 1024)",
        ]
    path = directory / "gunicorn-bench.conf.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, described


@contextmanager
def portal(env: dict[str, str], ready_path: str = "/healthz", allow_loopback: bool = False,
           timeout: float = 180) -> Iterator[tuple[str, str, int]]:
    """Serve `portal:create_app()` with gunicorn on a free 127.0.0.1 port; yields (base URL, description,
    the gunicorn master's pid for `tree_cpu`)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="kaifang-gunicorn-") as tmp:
        conf, described = _config(Path(tmp), allow_loopback)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        log = open(Path(tmp) / "gunicorn.log", "w+", encoding="utf-8")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [str(gunicorn), "-c", str(conf), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
             "--error-logfile", "-", "portal:create_app()"],
            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"the portal did not start:\n{log.read()[-3000:]}")
                try:
                    if requests.get(base + ready_path, timeout=60).status_code < 500:
                        break
                except (requests.ConnectionError, requests.Timeout):
                    pass
                time.sleep(0.5)
            yield base, described, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            log.seek(0)
            errors = [line for line in log.read().splitlines() if "Traceback" in line or "ERROR" in line]
            if errors:
                print(f"  (gunicorn logged {len(errors)} error line(s), first: {errors[0][:200]})")
            log.close()


# -- load generation -------------------------------------------------------------------------------------
@dataclass
class Stats:
    n: int
    per_s: float
    p50: float  # milliseconds
    p95: float
    p99: float
    max: float
    errors: int
    load: str
    # CPU milliseconds per request of the server (gunicorn master and workers), of Elasticsearch and of the
    # load client, when measured: on a shared machine they move far less than requests/s, and requests/s
    # on 2 cores is about 2000 / (their sum) when the server saturates them.
    server_cpu: float | None = None
    es_cpu: float | None = None
    client_cpu: float | None = None

    def cpu(self) -> str:
        parts = [f"{label} {value:.2f}" for label, value in (("server", self.server_cpu),
                                                            ("ES", self.es_cpu), ("client", self.client_cpu))
                 if value is not None]
        return f"CPU ms/req: {', '.join(parts)}" if parts else ""


def process_cpu(pid: int | None, children: bool = False) -> float:
    """CPU seconds used by process `pid` (0 when it cannot be read: another user's, or gone); with
    `children`, plus its live children and the children it has reaped (gunicorn recycles workers)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = sum(int(v) for v in fields[11:13 + (2 if children else 0)])
    total = ticks / os.sysconf("SC_CLK_TCK")
    if children:
        for child in Path("/proc").glob("[0-9]*/stat"):
            try:
                stat = child.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(stat[1]) == pid:
                total += process_cpu(int(child.parent.name))
    return total


def es_pid(client: Any) -> int | None:
    """The local Elasticsearch node's pid (None for a remote cluster, whose CPU is then not reported)."""
    try:
        nodes = client.nodes.info(metric="process").body["nodes"]
        pid = next(iter(nodes.values()))["process"]["id"]
    except Exception:  # noqa: BLE001 - any failure: simply not measured
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def has_wrk() -> bool:
    return shutil.which("wrk") is not None


def hammer(base: str, paths: list[str], *, concurrency: int = 8, seconds: float = 20,
           accept: str = "*/*", server_pid: int | None = None, es: int | None = None) -> Stats:
    """Requests over `paths` in turn by `concurrency` keep-alive connections for `seconds`; with the
    server's and Elasticsearch's pids, also their CPU per request (and wrk's)."""
    before = (process_cpu(server_pid, children=True), process_cpu(es), _children_cpu())
    if has_wrk():
        stats = _wrk(base, paths, concurrency, seconds, accept)
        stats.client_cpu = (_children_cpu() - before[2]) * 1000 / max(stats.n, 1)
    else:
        stats = _threads(base, paths, concurrency, seconds, accept)
    if server_pid:
        stats.server_cpu = (process_cpu(server_pid, children=True) - before[0]) * 1000 / max(stats.n, 1)
    if es:
        stats.es_cpu = (process_cpu(es) - before[1]) * 1000 / max(stats.n, 1)
    return stats


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wrk(base: str, paths: list[str], concurrency: int, seconds: float, accept: str) -> Stats:
    with tempfile.TemporaryDirectory(prefix="kaifang-wrk-") as tmp:
        script, listing = Path(tmp) / "paths.lua", Path(tmp) / "paths.txt"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        env = {**os.environ, "KAIFANG_WRK_PATHS": str(listing), "KAIFANG_WRK_ACCEPT": accept}
        out = subprocess.run(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{int(seconds)}s", "--timeout", "30s", "-s", str(script),
             base], env=env, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("KAIFANG-WRK "))
    count, duration_us, p50, p95, p99, worst, status, socket_errors = (float(v) for v in line.split()[1:])
    return Stats(int(count), count / (duration_us / 1e6), p50 / 1000, p95 / 1000, p99 / 1000, worst / 1000,
                 int(status + socket_errors), load())


def _threads(base: str, paths: list[str], concurrency: int, seconds: float, accept: str) -> Stats:
    """The fallback without wrk: one keep-alive session per thread, bounded by time and by count."""
    latencies: list[float] = []
    errors = [0]
    deadline = time.monotonic() + seconds

    def worker(offset: int) -> None:
        session = requests.Session()
        for k in range(offset, offset + 100_000):
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            try:
                ok = session.get(base + paths[k % len(paths)], headers={"Accept": accept}, timeout=30).ok
            except requests.RequestException:
                ok = False
            latencies.append((time.perf_counter() - started) * 1000)
            errors[0] += not ok

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, [i * len(paths) // concurrency for i in range(concurrency)]))
    wall = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Stats(len(latencies), len(latencies) / wall, cuts[49], cuts[94], cuts[98], max(latencies),
                 errors[0], load())


def client_name() -> str:
    return "wrk -t1 (Debian)" if has_wrk() else "Python thread pool (requests), no wrk installed"


def warm(base: str, paths: list[str], accept: str = "*/*", count: int = 24, budget: float = 90) -> None:
    """A few sequential requests, then a few concurrent ones (to reach every worker process and thread), so
    vocabularies and templates are loaded; each must succeed (a benchmark of error pages would be
    worthless) within `budget` seconds in all, else RuntimeError."""
    deadline = time.monotonic() + budget

    def one(session: requests.Session, path: str) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"warm-up took more than {budget:.0f} s")
        try:
            response = session.get(base + path, headers={"Accept": accept}, timeout=left)
        except requests.Timeout:
            raise RuntimeError(f"warm-up took more than {budget:.0f} s (GET {path})") from None
        if not response.ok:
            raise RuntimeError(f"GET {path} -> {response.status_code}: {response.text[:300]}")

    session = requests.Session()
    for path in paths[: count // 2]:
        one(session, path)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda path: one(requests.Session(), path), paths[:count]))


def stop_on_sigterm() -> None:
    """Turn SIGTERM (a `timeout` wrapper, make) into SystemExit, so `finally` blocks clean up."""
    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def drop_indices(client: Any, prefix: str) -> int:
    """Delete a benchmark's indices (every index under `prefix`); returns how many there were."""
    names = list(client.indices.get(index=f"{prefix}-*", expand_wildcards="all").body)
    if names:
        client.indices.delete(index=",".join(names), ignore_unavailable=True)
    return len(names)
