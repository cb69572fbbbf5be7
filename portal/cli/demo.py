"""kaifang demo: load the real demo catalogue described in demo/sources.yaml."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click
import yaml

from catalog.importer import import_file
from catalog.store import CatalogStore
from catalog.validation import Validator
from demo import ckan_replay
from harvesters import jobs
from harvesters.base import run
from harvesters.http import GuardedClient
from harvesters.source import SourceConfig
from portal.config import ROOT
from search.client import connect
from search.documents import is_current
from search.indexer import Indexer
from search.query import SearchUnavailable


@click.group("demo")
def group() -> None:
    """The demo catalogue."""


@group.command("load")
@click.option("--sources", type=click.Path(exists=True, path_type=Path),
              default=ROOT / "demo" / "sources.yaml")
@click.option("--no-index", is_flag=True, help="Do not index into Elasticsearch.")
@click.pass_obj
def load(settings, sources: Path, no_index: bool) -> None:
    """Import and harvest the demo sources (idempotent: unchanged records are skipped), then index."""
    spec = yaml.safe_load(sources.read_text(encoding="utf-8"))
    store = CatalogStore.from_url(settings.database_url)
    _import_rdf(store, spec.get("rdf", []))
    with Validator([settings.shapes], cache_size=2_000) as validator:
        for source in spec.get("harvest", []):
            _harvest(store, source, validator)
    click.echo(f"{store.count()} datasets in the catalogue")
    if not no_index:
        _index(store, settings)


def _import_rdf(store: CatalogStore, patterns: list[str]) -> None:
    totals = {"added": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    for pattern in patterns:
        for path in sorted(ROOT.glob(pattern)):
            result = import_file(store, path, source="demo")
            if not result.ok:
                totals["skipped"] += 1
                click.echo(f"skipped: {result.error}", err=True)
                continue
            for key in ("added", "updated", "unchanged"):
                totals[key] += getattr(result, key)
    click.echo("rdf files: " + ", ".join(f"{v} {k}" for k, v in totals.items()))


def _harvest(store: CatalogStore, source: dict[str, Any], validator: Validator) -> None:
    replay = source.get("replay")
    files = [p for pattern in replay or [] for p in sorted(ROOT.glob(pattern))]
    packages = ckan_replay.load_packages(files) if replay else None
    with ckan_replay.serve(packages) if replay else nullcontext(None) as replay_url:
        url = replay_url or str(ROOT / source["url"])
        config = {key: source[key] for key in ("mapping", "base_iri") if source.get(key)}
        cfg = SourceConfig(source["name"], url, source["type"], source.get("publisher"), config)
        jobs.save_source(store, cfg)
        client = GuardedClient(allow_private=["127.0.0.1/32"] if replay else False, allow_files=True)
        report = run(store, cfg, validator=validator, client=client)
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items() if v)
    click.echo(f"harvest {source['name']}: {report.status} ({counts})")


def _index(store: CatalogStore, settings) -> None:
    indexer = Indexer(connect(settings.elasticsearch_url), settings.index_prefix)
    try:
        if not is_current(indexer.ensure_index()):
            click.echo("the index has an older mapping: rebuilding it")
            indexer.reindex(store)
        click.echo(f"indexed {indexer.drain_outbox(store)} changes")
    except SearchUnavailable as exc:
        click.echo(f"not indexed ({exc}); run `kaifang search drain` when Elasticsearch is up", err=True)
