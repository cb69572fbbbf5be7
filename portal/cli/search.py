"""kaifang search: the local Elasticsearch node (install, start, stop, status) and the dataset index
(reindex, verify, drain)."""

from __future__ import annotations

import json

import click

from catalog.store import CatalogStore
from search.client import connect
from search.engine.local import EngineConfig, EngineError, install, start, status, stop
from search.indexer import Indexer, IndexingFailed
from search.query import SearchUnavailable


def _engine(settings) -> EngineConfig:
    return EngineConfig(home=settings.engine_home, var=settings.var / "elasticsearch",
                        port=settings.elasticsearch_port)


@click.group("search")
def group() -> None:
    """Search engine and index management."""


def _run(fn, settings, **kwargs):
    try:
        return fn(_engine(settings), **kwargs)
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc


@group.command("install")
@click.pass_obj
def install_cmd(settings) -> None:
    """Fetch Elasticsearch from Maven Central and build Kaifang's analysis plugin (once)."""
    click.echo(f"Elasticsearch ready in {_run(install, settings)}")


@group.command("start")
@click.pass_obj
def start_cmd(settings) -> None:
    """Start the local Elasticsearch node and wait until it is healthy."""
    state = _run(start, settings)
    click.echo(f"Elasticsearch {state.get('version')} at {state.get('url')}: {state.get('health')}")


@group.command("stop")
@click.pass_obj
def stop_cmd(settings) -> None:
    """Stop the local Elasticsearch node."""
    click.echo("stopped" if _run(stop, settings) else "not running")


@group.command("status")
@click.pass_obj
def status_cmd(settings) -> None:
    """Show the local node's state as JSON."""
    click.echo(json.dumps(_run(status, settings), indent=2))


# -- the dataset index --------------------------------------------------------------------------------------
def _index_run(settings, fn):
    """Run fn(indexer, store) with clear one-line errors for an unreachable engine or refused documents."""
    store = CatalogStore.from_url(settings.database_url)
    try:
        return fn(Indexer(connect(settings.elasticsearch_url), settings.index_prefix), store)
    except (SearchUnavailable, IndexingFailed) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.engine.dispose()


@group.command("reindex")
@click.pass_obj
def reindex_cmd(settings) -> None:
    """Rebuild the dataset index from the catalogue and swap it in without interrupting searches."""
    click.echo(json.dumps(_index_run(settings, lambda ix, store: ix.reindex(store)), indent=2))


@group.command("verify")
@click.option("--repair", is_flag=True, help="Index missing and stale records, delete extra documents.")
@click.pass_obj
def verify_cmd(settings, repair: bool) -> None:
    """Compare the index with the catalogue (content hashes); exit 1 if they differ and were not repaired."""
    report = _index_run(settings, lambda ix, store: ix.verify(store, repair=repair))
    click.echo(json.dumps({k: {"count": len(v), "sample": v[:10]} for k, v in report.items()}, indent=2))
    if any(report.values()) and not repair:
        raise SystemExit(1)


@group.command("drain")
@click.option("--batch", default=500, show_default=True, help="Outbox entries per bulk request.")
@click.pass_obj
def drain_cmd(settings, batch: int) -> None:
    """Apply the catalogue changes queued in the search outbox."""
    done = _index_run(settings, lambda ix, store: ix.drain_outbox(store, batch=batch))
    click.echo(f"{done} outbox entries applied")
