"""The JSON-LD contexts that may be used without fetching: URL -> the local copy (see contexts/SOURCES.md)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).with_name("contexts")
KNOWN = {
    "https://semiceu.github.io/DCAT-AP/releases/3.0.1/context/dcat-ap.jsonld": "dcat-ap-3.0.1.jsonld",
    "https://semiceu.github.io/uri.semic.eu-generated/DCAT-AP/releases/3.0.0/html/examples/context.jsonld":
        "semic-dcat-ap-3-examples.jsonld",
}


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads((HERE / name).read_text(encoding="utf-8"))


def known_contexts() -> dict[str, Any]:
    return {url: _load(name) for url, name in KNOWN.items()}
