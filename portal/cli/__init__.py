"""The `kaifang` command: one module per command group, each a thin adapter over the library."""

from __future__ import annotations

import click

from portal import config
from portal.cli import catalog, db, demo, geo, harvest, scheduler, search, serve, users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Kaifang (开放): an open government data portal."""
    ctx.obj = config.load()


for group in (db.group, search.group, catalog.group, demo.group, harvest.group, *users.GROUPS, geo.group):
    main.add_command(group)
main.add_command(serve.serve)
main.add_command(scheduler.scheduler)
