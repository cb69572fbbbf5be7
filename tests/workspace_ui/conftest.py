"""A portal with two organisations and one person per role, plus a real HTTP server on 127.0.0.1 serving a
small slice of Shanghai's real inventory export (and a route that holds its answer until released, for a
long-running harvest).

The portal may reach 127.0.0.1 only because the tests allow that network through the app-level setting
HARVEST_ALLOW_NETWORKS; a deployment allows nothing private by default.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from catalog import accounts
from harvesters import jobs
from portal import create_app
from portal.config import load

FIXTURES = Path(__file__).parent.parent / "fixtures"
SHANGHAI = FIXTURES / "chinese/mainland-portal-metadata-cnpds/shanghai_shanghai.json"
MAPPING = Path(__file__).parent.parent.parent / "harvesters/mappings/shanghai.yaml"
EPB, OTHER = "https://data.example.cn/org/epb", "https://data.example.cn/org/other"
PASSWORD = "correct horse battery staple"
LOCAL = ["127.0.0.1/32"]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# One record without a title, with markup in it: it must fail, and its snippet must come back escaped.
BAD = {"数据集名称": "", "摘要": "<script>alert('x')</script>", "数据提供方": "测试局",
       "首次发布日期": "2020-01-01"}


def shanghai_slice(n: int = 12) -> list[dict]:
    rows, names = [], set()
    for row in json.loads(SHANGHAI.read_text(encoding="utf-8")):
        if row["数据集名称"] not in names:
            names.add(row["数据集名称"])
            rows.append(row)
        if len(rows) == n:
            break
    return rows


@dataclass
class Fixtures:
    """The local HTTP server: `routes` maps a path to bytes; paths in `held` answer once `release` is set."""

    port: int = 0
    routes: dict[str, bytes] = field(default_factory=dict)
    held: set[str] = field(default_factory=set)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="session")
def http() -> Iterator[Fixtures]:
    fx = Fixtures()
    fx.routes["/shanghai.json"] = json.dumps([*shanghai_slice(), BAD], ensure_ascii=False).encode()
    fx.routes["/other.json"] = json.dumps(shanghai_slice(17)[12:], ensure_ascii=False).encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path in fx.held:
                fx.release.wait(600)  # the test releases it; a busy machine must not
            data = fx.routes.get(self.path)
            self.send_response(200 if data is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data or b"")))
            self.end_headers()
            self.wfile.write(data or b"")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    fx.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield fx
    fx.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def portal(db_url, tmp_path):
    """The app (allowed to reach 127.0.0.1), with organisations epb and other and users per role."""
    app = create_app(load({"DATABASE_URL": db_url, "KAIFANG_VAR": str(tmp_path), "SECRET_KEY": "test"}))
    app.config["HARVEST_ALLOW_NETWORKS"] = LOCAL
    store = app.extensions["kaifang"]["store"]
    with store.sessions.begin() as s:
        epb = accounts.create_org(s, "epb", "生态环境局", EPB)
        other = accounts.create_org(s, "other", "Other bureau", OTHER)
        for name, org, role in (("viewer", epb, "viewer"), ("editor", epb, "editor"),
                                ("other-editor", other, "editor"), ("sysadmin", None, None)):
            user = accounts.create_user(s, name, f"{name}@example.org", PASSWORD, sysadmin=org is None)
            if org is not None:
                accounts.set_member(s, org, user, role)
    yield app
    store.engine.dispose()


def login(app, name: str):
    """A test client signed in as `name`, and its session's CSRF token."""
    client = app.test_client()
    token = CSRF.search(client.get("/user/login").get_data(as_text=True)).group(1)
    response = client.post("/user/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    token = CSRF.search(client.get("/user/tokens").get_data(as_text=True)).group(1)
    return client, token


def wait_for_jobs(store, name: str, count: int, timeout: float = 120) -> list:
    """The source's jobs (newest first) once `count` of them exist and none is running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [job for job, _ in jobs.list_jobs(store, name)]
        if len(found) >= count and all(job.status != "running" for job in found):
            return found
        time.sleep(0.2)
    raise AssertionError(f"{name}: {count} finished jobs expected, have {jobs.list_jobs(store, name)}")


@pytest.fixture
def signin(portal):
    return lambda name: login(portal, name)


@pytest.fixture
def finished():
    return wait_for_jobs


@pytest.fixture
def mapping_yaml() -> bytes:
    return MAPPING.read_bytes()
