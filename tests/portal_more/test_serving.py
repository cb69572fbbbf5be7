"""The production server as `make run` and `kaifang serve` start it: gunicorn with gunicorn.conf.py, on the
test catalogue, answering pages and the API, logging each request to stdout, and stopping cleanly on
SIGTERM (what a deploy or `systemctl stop` sends)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from portal.config import ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_conf_serves_logs_and_stops_gracefully(site, tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": str(site.store.engine.url), "KAIFANG_VAR": str(tmp_path),
           "SECRET_KEY": "test", "KAIFANG_INDEX_PREFIX": site.prefix, "KAIFANG_BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": "2", "ELASTICSEARCH_URL": site.app.extensions["kaifang"]["settings"]
           .elasticsearch_url}
    server = subprocess.Popen([str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py")], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                    break
            except requests.RequestException:  # refused, or accepted while the workers still boot
                pass
            assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()[-2000:]
            time.sleep(0.3)
        found = requests.get(f"{base}/api/1/datasets", params={"q": "公交"}, timeout=30)
        assert found.status_code == 200 and found.json()["total"] > 0
        assert requests.get(f"{base}/sitemap.xml", timeout=30).status_code == 200
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=45)
    assert server.returncode == 0, err[-2000:]
    assert '"GET /api/1/datasets?q=%E5%85%AC%E4%BA%A4 HTTP/1.1" 200' in out  # access log on stdout
    assert "Booting worker" in err and err.count("Booting worker") >= 2
    assert "Shutting down: Master" in err


def test_the_config_freezes_what_imports_and_each_worker_build(tmp_path):
    """A full garbage collection then walks only what requests made (gunicorn.conf.py says why)."""
    script = ("import gc, runpy; conf = runpy.run_path('gunicorn.conf.py'); "
              "imported = gc.get_freeze_count(); stuff = [[i] for i in range(1000)]; "
              "conf['post_worker_init'](None); print(imported, gc.get_freeze_count() - imported)")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "KAIFANG_VAR": str(tmp_path)}, timeout=120).stdout.split()
    imported, built = map(int, out)
    assert imported > 100_000 and built >= 1000
