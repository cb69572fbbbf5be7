"""kaifang search: the local Elasticsearch node (install, start, stop, status)."""

from __future__ import annotations

import json

import click

from search.engine.local import EngineConfig, EngineError, install, start, status, stop


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
