"""kaifang user|org|token: people, organisations, roles and API tokens, from the command line.

There are no default accounts: the first sysadmin is `kaifang user create NAME --email ... --admin`.
Passwords are prompted for (hidden, twice) or read from stdin; never given as an argument, where they
would end up in shell history and process listings. Changes are audited as made by "cli".
"""

from __future__ import annotations

import sys

import click

from catalog import accounts, audit, publishing
from catalog.store import CatalogStore
from catalog.validation import Validator

CLI = audit.Actor(None, None, "cli")


def _store(settings) -> CatalogStore:
    return CatalogStore.from_url(settings.database_url)


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.group("user")
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("name")
@click.option("--email", required=True)
@click.option("--admin", is_flag=True, help="A sysadmin: may change every organisation's datasets.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_obj
def create_user(settings, name: str, email: str, admin: bool, password_stdin: bool) -> None:
    """Create a user (prompting for the password)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _store(settings).sessions.begin() as s:
        try:
            row = accounts.create_user(s, name, email, password, sysadmin=admin)
        except accounts.AccountError as exc:
            _fail(str(exc))
        audit.record(s, CLI, "create", "user", f"user:{name}", after={"name": name, "sysadmin": admin})
    click.echo(f"user {row.name} created{' (sysadmin)' if admin else ''}")


@click.group("org")
def org() -> None:
    """Organisations (DCAT publishers) and their members."""


@org.command("create")
@click.argument("slug")
@click.option("--title", required=True, help="The primary title, in Chinese.")
@click.option("--title-en", default=None, help="The English title (optional: else --title is shown).")
@click.option("--publisher", required=True, help="IRI of the DCAT agent (dct:publisher) it publishes as.")
@click.pass_obj
def create_org(settings, slug: str, title: str, title_en: str | None, publisher: str) -> None:
    """Create an organisation; datasets whose dct:publisher is its IRI belong to it."""
    with _store(settings).sessions.begin() as s:
        try:
            found = accounts.create_org(s, slug, title, publisher, title_en)
        except accounts.AccountError as exc:
            _fail(str(exc))
        audit.record(s, CLI, "create", "organisation", f"org:{slug}", organisation=slug, title=found.title,
                     after={"slug": slug, "publisher": publisher, **accounts.org_titles(found)})
    click.echo(f"organisation {slug} created for {publisher}")


@org.command("edit")
@click.argument("slug")
@click.option("--title", default=None, help="The new primary (Chinese) title.")
@click.option("--title-en", default=None, help='The new English title ("" removes it).')
@click.pass_obj
def edit_org(settings, slug: str, title: str | None, title_en: str | None) -> None:
    """Change an organisation's titles; options left out keep their value. Its slug and publisher IRI stay:
    datasets point at the IRI. Datasets it published through the CKAN write API get the new names in the
    same transaction (decision 0013)."""
    store, validator = _store(settings), Validator([settings.shapes])
    with store.sessions.begin() as s:
        found = accounts.org_by_slug(s, slug)
        if found is None:
            _fail("no such organisation")
        primary = found.title if title is None else title
        english = found.title_en if title_en is None else title_en
        try:
            renamed = publishing.rename_org(store, s, found, primary, english, actor=CLI, validator=validator)
        except accounts.AccountError as exc:
            _fail(str(exc))
    store.save_reports(renamed.reports, validator.shapes_hash)
    after = renamed.after
    click.echo(f"organisation {slug}: {after['title']} / {after['title_en'] or '-'}; "
               f"{len(renamed.reports)} datasets renamed")


@org.command("add-member")
@click.argument("slug")
@click.argument("username")
@click.option("--role", type=click.Choice(sorted(accounts.ROLES)), required=True)
@click.pass_obj
def add_member(settings, slug: str, username: str, role: str) -> None:
    """Give USERNAME a role in the organisation SLUG (or change it)."""
    with _store(settings).sessions.begin() as s:
        found, person = accounts.org_by_slug(s, slug), accounts.user_by_name(s, username)
        if found is None or person is None:
            _fail("no such organisation" if found is None else "no such user")
        before, after = accounts.set_member(s, found, person, role)
        audit.record(s, CLI, "member", "membership", f"membership:{slug}:{username}", organisation=slug,
                     before={"role": before}, after={"role": after})
    click.echo(f"{username} is {role} of {slug}")


@click.group("token")
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("username")
@click.option("--expires-days", type=click.IntRange(1, 3650), default=90, show_default=True)
@click.option("--name", default="cli", help="What the token is for.")
@click.pass_obj
def create_token(settings, username: str, expires_days: int, name: str) -> None:
    """Create a token for USERNAME and print it (the only time it is shown)."""
    with _store(settings).sessions.begin() as s:
        person = accounts.user_by_name(s, username)
        if person is None:
            _fail("no such user")
        row, secret = accounts.create_token(s, person, name, expires_days)
        audit.record(s, CLI, "create", "token", f"token:{row.prefix}", after=accounts.token_fields(row))
    click.echo(secret)


GROUPS = (user, org, token)
