"""A CKAN Action API that replays recorded, real CKAN package dicts (tests/fixtures/ckan-api).

The demo harvests it with the real CKAN harvester over real HTTP on 127.0.0.1, exactly as it would
harvest a live portal: `package_search` with rows/start paging and `metadata_modified` filters.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACTIONS = ("/api/action/package_search", "/api/3/action/package_search")


def load_packages(files: list[Path]) -> list[dict[str, Any]]:
    """Package dicts from recorded responses: package_show/package_search envelopes or JSON lines."""
    packages: dict[str, dict[str, Any]] = {}
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        docs = [json.loads(line) for line in text.splitlines() if line.strip()] if path.suffix == ".jsonl" \
            else [json.loads(text)]
        for doc in docs:
            result = doc.get("result", doc)
            for pkg in result.get("results", [result]) if isinstance(result, dict) else []:
                if isinstance(pkg, dict) and pkg.get("id") and pkg.get("metadata_modified"):
                    packages[pkg["id"]] = pkg
    return sorted(packages.values(), key=lambda p: (p["metadata_modified"], p["id"]))


def _handler(packages: list[dict[str, Any]]) -> type[BaseHTTPRequestHandler]:
    class Replay(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer({k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._answer(json.loads(self.rfile.read(length) or b"{}"))

        def _answer(self, query: dict[str, Any]) -> None:
            if urlsplit(self.path).path not in ACTIONS:
                return self._send(404, {"success": False, "error": {"__type": "Not Found Error"}})
            selected = packages
            fq = str(query.get("fq", ""))
            if "metadata_modified:[" in fq:
                since = fq.split("[", 1)[1].split(" TO")[0].rstrip("Z")
                selected = [p for p in packages if p["metadata_modified"] >= since]
            start, rows = int(query.get("start", 0)), min(int(query.get("rows", 10)), 1000)
            self._send(200, {"success": True, "result": {"count": len(selected),
                                                          "results": selected[start:start + rows]}})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Replay


@contextmanager
def serve(packages: list[dict[str, Any]]) -> Iterator[str]:
    """Serve the packages on 127.0.0.1 (an ephemeral port) for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(packages))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
