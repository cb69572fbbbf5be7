"""A real HTTP server on 127.0.0.1 for harvest tests: the fixture files plus scripted misbehaviour.

`FixtureServer.route(path, handler)` adds a behaviour; helpers below build the usual ones (status codes,
redirects, a lazily generated 2 GB body, a stall, a slow drip, a truncated body) and paged DCAT
catalogues made from a real DCAT-AP record whose identifier and title vary.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harvesters.http import GuardedClient

FIXTURES = Path(__file__).parent.parent / "fixtures"
TEMPLATE = FIXTURES / "dcat-ap/3.0.0-hvd/examples/example-ms_dataset_2_distributions.ttl"
TEMPLATE_IRI = "https://data.exampleMS.gov/id/dataset/1T2p3o4B"
TEMPLATE_TITLE = '"The population of bees"@en'
LOCAL = ["127.0.0.1/32"]  # the fixture server's address, allowed explicitly by tests that need it
TYPES = {".ttl": "text/turtle", ".rdf": "application/rdf+xml", ".jsonld": "application/ld+json",
         ".json": "application/json", ".nt": "application/n-triples"}

Handler = Callable[[BaseHTTPRequestHandler], None]


class FixtureServer:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.stopping = threading.Event()
        self.delay = 0.0  # seconds before every scripted response (a slow source)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def serve(self, path: str, data: bytes, content_type: str = "text/turtle") -> str:
        return self.route(path, send(200, data, content_type))

    def fixture(self, relpath: str) -> str:
        return self.url(f"/fixtures/{relpath}")

    def publish(self, name: str, pages: list[bytes], content_type: str = "text/turtle") -> str:
        """Serve `pages` at /<name>/1 … /<name>/N and return the first page's URL."""
        for number, page in enumerate(pages, start=1):
            self.serve(f"/{name}/{number}", page, content_type)
        return self.url(f"/{name}/1")


def _make_handler(server: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = urlsplit(self.path).path
            server.hits[path] += 1
            try:
                if path in server.routes:
                    if server.delay:
                        time.sleep(server.delay)
                    server.routes[path](self)
                elif path.startswith("/fixtures/"):
                    self._file(FIXTURES / path.removeprefix("/fixtures/"))
                else:
                    send(404, b"not found", "text/plain")(self)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _file(self, file: Path) -> None:
            if FIXTURES.resolve() not in file.resolve().parents or not file.is_file():
                send(404, b"not found", "text/plain")(self)
                return
            send(200, file.read_bytes(), TYPES.get(file.suffix, "application/octet-stream"))(self)

    return Handler


@pytest.fixture(scope="session")
def server() -> Iterator[FixtureServer]:
    fixture = FixtureServer()
    fixture.thread.start()
    yield fixture
    fixture.stopping.set()
    fixture.httpd.shutdown()
    fixture.httpd.server_close()


@pytest.fixture
def local_client() -> Iterator[GuardedClient]:
    """A client that may reach the fixture server (127.0.0.1 only), with fast retries."""
    client = GuardedClient(allow_private=LOCAL, backoff=0.01, total_timeout=20)
    yield client
    client.close()


# -- behaviours ---------------------------------------------------------------------------------------
def send(status: int, data: bytes = b"", content_type: str = "text/plain",
         headers: dict[str, str] | None = None) -> Handler:
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(data)
    return handler


def redirect(location: str, status: int = 302) -> Handler:
    return send(status, b"", headers={"Location": location})


def sequence(*handlers: Handler) -> Handler:
    """Answer the n-th request with the n-th handler (the last one repeats)."""
    calls = Counter()

    def handler(h: BaseHTTPRequestHandler) -> None:
        index = min(calls["n"], len(handlers) - 1)
        calls["n"] += 1
        handlers[index](h)
    return handler


def endless(declare_length: bool) -> Handler:
    """A 2 GB body generated lazily, with or without a Content-Length header."""
    size, chunk = 2 * 1024 ** 3, b"\0" * (1024 * 1024)

    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/octet-stream")
        if declare_length:
            h.send_header("Content-Length", str(size))
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(size // len(chunk)):
            h.wfile.write(chunk)
    return handler


def stall(stopping: threading.Event, seconds: float = 30) -> Handler:
    """Accept the request and never answer."""
    return lambda h: stopping.wait(seconds)


def drip(stopping: threading.Event, interval: float = 0.1) -> Handler:
    """Answer 200, then one byte per interval, forever (each read succeeds, the whole never ends)."""
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/turtle")
        h.send_header("Connection", "close")
        h.end_headers()
        while not stopping.wait(interval):
            h.wfile.write(b"#")
            h.wfile.flush()
    return handler


def truncated(data: bytes) -> Handler:
    """Promise len(data) bytes, send half, close the connection."""
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/turtle")
        h.send_header("Content-Length", str(len(data)))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(data[: len(data) // 2])
        h.close_connection = True
    return handler


# -- DCAT catalogues from a real record ---------------------------------------------------------------
def _template() -> tuple[str, str]:
    text = TEMPLATE.read_text(encoding="utf-8")
    lines = text.splitlines()
    head = "\n".join(line for line in lines if line.lower().startswith(("prefix", "@prefix")))
    body = "\n".join(line for line in lines if not line.lower().startswith(("prefix", "@prefix")))
    return head, body


HEAD, BODY = _template()


def dataset_iri(number: int) -> str:
    return f"{TEMPLATE_IRI}-{number}"


def record(number: int, version: int = 1, modified: int | None = None) -> str:
    """The real record with its identifier, title and blank-node labels varied, plus dct:modified
    (day `modified`, by default the version: a publisher that forgets to bump it passes the old one)."""
    text = BODY.replace("1T2p3o4B", f"1T2p3o4B-{number}")
    text = text.replace(TEMPLATE_TITLE, f'"The population of bees {number} (v{version})"@en')
    text = re.sub(r"_:([A-Za-z][\w-]*)", rf"_:\1x{number}", text)
    day = modified or version
    return f"{text}\n<{dataset_iri(number)}> dct:modified \"2024-01-{day:02d}\"^^xsd:date .\n"


def catalogue(base_url: str, numbers: list[int], per_page: int, versions: dict[int, int] | None = None,
              *, modified: dict[int, int] | None = None, old_hydra: bool = False,
              loop: bool = False) -> list[bytes]:
    """Turtle pages of the records `numbers`, linked with Hydra. `base_url` is the page URL without its
    number; `old_hydra` uses ckanext-dcat's PagedCollection/nextPage literal; `loop` links the last page
    back to the first."""
    versions, modified = versions or {}, modified or {}
    chunks = [numbers[i:i + per_page] for i in range(0, len(numbers), per_page)] or [[]]
    hydra = "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n"
    pages = []
    for index, chunk in enumerate(chunks, start=1):
        body = "\n".join(record(n, versions.get(n, 1), modified.get(n)) for n in chunk)
        following = index + 1 if index < len(chunks) else (1 if loop else None)
        link = ""
        if following and old_hydra:
            link = f'<{base_url}{index}> a hydra:PagedCollection ; hydra:nextPage "{base_url}{following}" .'
        elif following:
            link = f"<{base_url}{index}> a hydra:PartialCollectionView ; hydra:next <{base_url}{following}> ."
        pages.append(f"{HEAD}\n{hydra}{body}\n{link}\n".encode())
    return pages


# -- running harvests ---------------------------------------------------------------------------------
def harvest(store, name: str, url: str, *, config: dict | None = None, **options):  # noqa: ANN001, ANN201
    """Run the `dcat` source `name` at `url` with a client that may reach the fixture server."""
    from harvesters.base import run
    from harvesters.source import SourceConfig

    client = GuardedClient(allow_private=LOCAL, backoff=0.01, total_timeout=20)
    try:
        return run(store, SourceConfig(name, url, "dcat", config=config or {}), client=client, **options)
    finally:
        client.close()


def active(store, source: str | None = None) -> dict[str, str]:  # noqa: ANN001
    """iri -> content hash of the active datasets (of one harvest source)."""
    return {d.iri: d.content_hash for d in store.iter_datasets()
            if source is None or d.source == f"harvest:{source}"}
