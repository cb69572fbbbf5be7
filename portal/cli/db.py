"""kaifang db: schema migrations."""

from __future__ import annotations

import click

from catalog import migrate


@click.group("db")
def group() -> None:
    """Database schema (Alembic migrations)."""


@group.command()
@click.pass_obj
def upgrade(settings) -> None:
    """Migrate the database to the latest schema."""
    migrate.upgrade(settings.database_url)
    click.echo(f"database at revision {migrate.current(settings.database_url)}")


@group.command()
@click.pass_obj
def current(settings) -> None:
    """Show the schema revision."""
    click.echo(migrate.current(settings.database_url) or "empty")
