"""A local single-node Elasticsearch for development and tests, built from Maven Central artefacts only.

The node is the genuine integ-test-zip distribution plus our stable-API analysis plugin (plugin/). It runs
as a real daemon with a pid file under ``var``, so the CLI, the Makefile and tests share one lifecycle.
Elasticsearch refuses to run as root, so as root the node runs as the system user ``kaifang-es``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

from search.engine.build import install, java_home
from search.engine.config import ES_USER, EngineConfig, EngineError, run

__all__ = ["install", "start", "status", "stop"]


def start(cfg: EngineConfig, timeout: float = 180) -> dict:
    """Start the node unless it runs already, and wait until the cluster is yellow or green."""
    current = status(cfg)
    if current["running"]:
        return _wait_healthy(cfg, None, timeout)
    for port in (cfg.port, cfg.port + 100):
        if _port_open(port):
            raise EngineError(f"port {port} is held by another process: stop it or choose another port")
    install(cfg)
    home = java_home(cfg)
    _prepare_var(cfg)
    env = {
        **os.environ,
        "ES_JAVA_HOME": str(home),
        "ES_PATH_CONF": str(cfg.var / "conf"),
        "ES_JAVA_OPTS": f"-Xms{cfg.heap} -Xmx{cfg.heap}",
    }
    cmd = [str(cfg.dist / "bin" / "elasticsearch"), "-d", "-p", str(cfg.pid_file), *_settings(cfg)]
    with cfg.log_file.open("wb") as log:
        proc = subprocess.Popen(
            _as_es_user(cmd),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return _wait_healthy(cfg, proc, timeout)


def stop(cfg: EngineConfig, timeout: float = 60) -> bool:
    """Stop the node; False if none was running. SIGTERM lets Elasticsearch flush and drop its pid file."""
    pid = _live_pid(cfg)
    if pid is None:
        cfg.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    if not _wait_gone(pid, timeout):
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid, 10)
    cfg.pid_file.unlink(missing_ok=True)
    return True


def status(cfg: EngineConfig) -> dict:
    """What the pid file and the HTTP API say; health and version are None while the node cannot answer."""
    pid = _live_pid(cfg)
    health = version = None
    if pid is not None:
        try:
            health = requests.get(f"{cfg.url}/_cluster/health", timeout=2).json()["status"]
            # this distribution has no root endpoint (GET / answers 405), so ask the node itself
            nodes = requests.get(f"{cfg.url}/_nodes/_local/none", timeout=2).json()["nodes"]
            version = next(iter(nodes.values()))["version"]
        except (requests.RequestException, ValueError, KeyError):
            pass
    return {"running": pid is not None, "pid": pid, "url": cfg.url, "health": health, "version": version}


def _settings(cfg: EngineConfig) -> list[str]:
    settings = {
        "cluster.name": "kaifang",
        "discovery.type": "single-node",
        "network.host": "127.0.0.1",
        "http.port": cfg.port,
        "transport.port": cfg.port + 100,
        "path.data": cfg.var / "data",
        "path.logs": cfg.var / "logs",
        "xpack.security.enabled": "false",
        # a developer's nearly full disk must not turn indices read-only
        "cluster.routing.allocation.disk.threshold_enabled": "false",
    }
    return [f"-E{name}={value}" for name, value in settings.items()]


def _wait_healthy(cfg: EngineConfig, proc: subprocess.Popen | None, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() not in (None, 0):
            raise EngineError(f"Elasticsearch died at start-up:\n{_log_tail(cfg)}")
        current = status(cfg)
        if current["health"] in ("yellow", "green"):
            return current
        if proc is not None and proc.poll() == 0 and not current["running"]:
            raise EngineError(f"Elasticsearch exited after start-up:\n{_log_tail(cfg)}")
        time.sleep(0.5)
    if proc is None:  # a node started earlier: report it, leave it running
        raise EngineError(f"Elasticsearch at {cfg.url} is not healthy: {status(cfg)}")
    stop(cfg)
    raise EngineError(f"Elasticsearch was not healthy within {timeout:.0f} s (stopped it):\n{_log_tail(cfg)}")


def _log_tail(cfg: EngineConfig, lines: int = 25) -> str:
    tails = []
    for path in (cfg.log_file, cfg.var / "logs" / "kaifang.log"):
        if path.is_file():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"--- {path}\n" + "\n".join(text))
    return "\n".join(tails) or f"(no log in {cfg.var})"


def _prepare_var(cfg: EngineConfig) -> None:
    """Per-instance config, data and logs; owned by kaifang-es when we are root."""
    for sub in ("data", "logs"):
        (cfg.var / sub).mkdir(parents=True, exist_ok=True)
    if not (cfg.var / "conf" / "jvm.options").is_file():
        shutil.copytree(cfg.dist / "config", cfg.var / "conf", dirs_exist_ok=True)
    if os.geteuid() != 0:
        return
    _ensure_es_user()
    run(["chown", "-R", f"{ES_USER}:", str(cfg.var)])
    probe = ["test", "-x", str(cfg.dist / "bin" / "elasticsearch"), "-a", "-w", str(cfg.var / "data")]
    if subprocess.run(_as_es_user(probe), check=False).returncode != 0:
        raise EngineError(
            f"user {ES_USER} cannot reach {cfg.dist} or {cfg.var}: "
            "make their parent folders searchable (chmod o+x)"
        )


def _ensure_es_user() -> None:
    if subprocess.run(["id", "-u", ES_USER], capture_output=True, check=False).returncode != 0:
        run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ES_USER])


def _as_es_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", ES_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def _live_pid(cfg: EngineConfig) -> int | None:
    """The pid in the pid file if that process is still an Elasticsearch (pids get reused)."""
    try:
        pid = int(cfg.pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"org.elasticsearch" in cmdline else None


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.2)
    return False


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0
