"""The real demo catalogue, built by `kaifang demo load` itself and indexed under a prefix of its own.

Loading the demo harvests and SHACL-validates 5,000+ records (about ten minutes on two busy cores), so
the SQLite file is kept in `$KAIFANG_VAR/relevance/` under a digest of everything that shapes it: the demo
sources and their files, the harvesters, the catalogue model and the vocabularies. Change any of them and
the next run builds a fresh one; otherwise a session copies the kept file and only re-indexes (seconds).
The index is always rebuilt from the current `search/` code, so analysis and mapping changes count.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from elasticsearch import Elasticsearch

from catalog import migrate
from catalog.store import CatalogStore
from portal.cli import main as kaifang
from portal.config import ROOT
from portal.config import load as load_settings
from search.client import connect, health
from search.indexer import Indexer

SOURCES = ROOT / "demo" / "sources.yaml"
# Code and data whose change can change a stored record (its IRI, projection or SHACL report).
INPUT_DIRS = ("harvesters", "catalog", "vocab", "demo", "geo")
INPUT_FILES = ("portal/cli/demo.py",)
INPUT_SUFFIXES = {".py", ".yaml", ".yml", ".json", ".ttl", ".csv", ".tsv"}
REPORT = pytest.StashKey[dict[str, Any]]()  # filled by test_relevance, printed by pytest_terminal_summary


def demo_inputs() -> list[Path]:
    spec = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))
    patterns = [*spec.get("rdf", []), *(s["url"] for s in spec.get("harvest", []) if s.get("url")),
                *(p for s in spec.get("harvest", []) for p in s.get("replay", []))]
    files = {p for pattern in patterns for p in ROOT.glob(pattern)}
    for folder in INPUT_DIRS:
        files |= {p for p in (ROOT / folder).rglob("*") if p.suffix in INPUT_SUFFIXES
                  and "__pycache__" not in p.parts and "target" not in p.parts}
    files |= {ROOT / f for f in INPUT_FILES}
    return sorted(f for f in files if f.is_file())


def inputs_digest() -> str:
    digest = hashlib.sha256()
    for path in [SOURCES, *demo_inputs()]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def build_demo(path: Path) -> None:
    """Run the real `kaifang demo load --no-index` into a fresh SQLite file."""
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    result = CliRunner().invoke(kaifang, ["demo", "load", "--no-index"], env={"DATABASE_URL": url},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "datasets in the catalogue" in result.output, result.output


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Iterator[Path]:
    """A private copy of the demo catalogue (built once per set of inputs, see the module docstring)."""
    cache = load_settings().var / "relevance"
    cache.mkdir(parents=True, exist_ok=True)
    kept = cache / f"demo-{inputs_digest()}.db"
    if not kept.exists():
        building = tmp_path_factory.mktemp("demo-build") / "demo.db"
        build_demo(building)
        for old in cache.glob("demo-*.db"):
            old.unlink()
        shutil.copyfile(building, kept)
    copy = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(kept, copy)
    yield copy


@pytest.fixture(scope="session")
def demo_store(demo_db) -> Iterator[CatalogStore]:
    store = CatalogStore.from_url(f"sqlite:///{demo_db}")
    yield store
    store.engine.dispose()


@pytest.fixture(scope="session")
def es_client(es_url) -> Elasticsearch:
    client = connect(es_url, timeout=120)
    state = health(client)
    if not state["ok"]:
        pytest.fail(f"Elasticsearch not usable at {es_url} ({state}); run `make search-start`")
    return client


@pytest.fixture(scope="session")
def demo_index(es_client, demo_store) -> Iterator[str]:
    """The demo catalogue indexed by the real Indexer under `kaifang-test-relevance-…`; returns the prefix."""
    prefix = f"kaifang-test-relevance-{uuid.uuid4().hex[:6]}"
    try:
        result = Indexer(es_client, prefix).reindex(demo_store)
        assert result["failed"] == 0, result
        yield prefix
    finally:
        names = list(es_client.indices.get(index=f"{prefix}-*", expand_wildcards="all").body)
        if names:
            es_client.indices.delete(index=",".join(names), ignore_unavailable=True)


@pytest.fixture(scope="session")
def relevance_report(pytestconfig) -> dict[str, Any]:
    """Where the test leaves its table for the terminal summary."""
    return pytestconfig.stash.setdefault(REPORT, {})


def pytest_terminal_summary(terminalreporter) -> None:
    """The relevance table, whatever the capture mode (-s or not)."""
    text = terminalreporter.config.stash.get(REPORT, {}).get("text")
    if text:
        terminalreporter.section("relevance (tests/relevance)")
        for line in text.splitlines():
            terminalreporter.write_line(line)
