"""Organisations and their members in the browser, so agency officers run their workspace themselves.

The one rule of decision 0007 decides every page: an organisation's members see who else is in it; its
admins (and sysadmins) add people by user name or e-mail address, change roles and remove members;
anyone may leave; only sysadmins create organisations, and admins rename theirs (a title in
Chinese, optionally one in English: decision 0013), which renames the publisher of the datasets it
published through the CKAN write API in the same transaction (catalog/publishing.py). E-mail addresses
are personal data: only the organisation's admins and sysadmins see them. An organisation always keeps an
admin (accounts.LastAdmin), or nobody but a sysadmin could manage it again. Each change and its audit
event commit together.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import accounts, audit, publishing
from catalog.tables_accounts import OrganisationRow, UserRow
from portal import auth
from portal.api import write
from portal.web import deps, listings, workspace
from portal.web.workspace import NO_STORE

bp = Blueprint("members", __name__, url_prefix="/workspace/orgs")
HISTORY = 20
# accounts.AccountError messages are English and safe to show; these are the ones a form can meet.
MESSAGES = {
    "an organisation keeps at least one admin": lazy_gettext(
        "An organisation needs at least one admin: make someone else admin first."),
    "organisation slugs are 2-64 characters: a-z, 0-9, _ . -": lazy_gettext(
        "Names are 2-64 characters: a-z, 0-9, _ . -"),
    "the publisher must be an IRI": lazy_gettext("The publisher must be an IRI (http://, https:// or urn:)."),
    "an organisation with that slug or publisher exists": lazy_gettext(
        "An organisation with this name or publisher exists."),
    "an organisation needs a title (at most 500 characters)": lazy_gettext(
        "An organisation needs a title (at most 500 characters)."),
    "the English title is at most 500 characters": lazy_gettext(
        "The English title has at most 500 characters."),
}
ROLE_LABELS = {"admin": lazy_gettext("admin"), "editor": lazy_gettext("editor"),
               "viewer": lazy_gettext("viewer")}  # in accounts.ROLES order
Change = Callable[[Session, UserRow, OrganisationRow], None]


def _org(s: Session, user: UserRow, slug: str, need: str) -> OrganisationRow:
    org = accounts.org_by_slug(s, slug)
    if org is None:
        abort(404)
    if not accounts.may(s, user, org, need):
        abort(403)
    return org


def _actor(user: UserRow) -> audit.Actor:
    return audit.Actor(user, auth.client_ip())


# -- pages --------------------------------------------------------------------------------------------
@bp.get("")
def orgs():
    user = workspace._user()
    with deps.store().sessions() as s:
        mine = accounts.user_orgs(s, user)
        if user.is_sysadmin:
            roles = {org.id: role for org, role in mine}
            mine = [(org, roles.get(org.id)) for org in s.scalars(select(OrganisationRow)
                                                                  .order_by(OrganisationRow.slug))]
    return render_template("workspace/orgs.html", orgs=mine, labels=ROLE_LABELS), 200, NO_STORE


@bp.get("/<slug>")
def org(slug: str):
    return _page(slug)


def _page(slug: str, error: str | None = None, status: int = 200):
    user = workspace._user()
    with deps.store().sessions() as s:
        found = _org(s, user, slug, "viewer")
        manage = accounts.may(s, user, found, "admin")
        people = accounts.members(s, found)
        history = (audit.events(s, object_type="membership", organisation=slug, limit=HISTORY)
                   if manage else [])  # who changed what is for those who may change it
        mine = accounts.role_in(s, user, found)
    return render_template("workspace/org.html", org=found, members=people, manage=manage,
                           mine=mine, labels=ROLE_LABELS, history=history,
                           error=error, aware=accounts.aware), status, NO_STORE


def _change(slug: str, need: str, change: Change, done: str | None = None):
    """Apply `change` in one transaction with its audit event; a refused change shows the page again."""
    user = workspace._user()
    try:
        with deps.store().sessions.begin() as s:
            change(s, user, _org(s, user, slug, need))
    except accounts.AccountError as exc:
        return _page(slug, str(MESSAGES.get(str(exc), str(exc))), 422)
    return redirect(done or url_for(".org", slug=slug), 303)


def _member(s: Session, org: OrganisationRow, name: str) -> UserRow:
    person = accounts.user_by_name(s, name)
    if person is None or accounts.role_in(s, person, org) is None:
        abort(404)
    return person


@bp.post("/<slug>/members")
def add_member(slug: str):
    wanted, role = request.form.get("user", "")[:320], request.form.get("role", "")

    def add(s: Session, user: UserRow, org: OrganisationRow) -> None:
        person = accounts.find_user(s, wanted)
        if person is None:
            raise accounts.AccountError(_("No user has this name or e-mail address."))
        if accounts.role_in(s, person, org) is not None:
            raise accounts.AccountError(_("%(name)s is already a member.", name=person.name))
        _set_role(s, user, org, person, role, "add-member")
    return _change(slug, "admin", add)


@bp.post("/<slug>/members/<name>/role")
def change_role(slug: str, name: str):
    role = request.form.get("role", "")

    def change(s: Session, user: UserRow, org: OrganisationRow) -> None:
        _set_role(s, user, org, _member(s, org, name), role, "set-role")
    return _change(slug, "admin", change)


def _set_role(s: Session, user: UserRow, org: OrganisationRow, person: UserRow, role: str,
              action: str) -> None:
    if role not in accounts.ROLES:
        raise accounts.AccountError(_("Choose a role."))
    before, after = accounts.set_member(s, org, person, role)
    if before != after:
        audit.membership(s, _actor(user), action, org.slug, person.name, before, after)


@bp.post("/<slug>/members/<name>/remove")
def remove_member(slug: str, name: str):
    def remove(s: Session, user: UserRow, org: OrganisationRow) -> None:
        person = _member(s, org, name)
        before = accounts.remove_member(s, org, person)
        audit.membership(s, _actor(user), "remove-member", org.slug, person.name, before, None)
    return _change(slug, "admin", remove)


@bp.post("/<slug>/leave")
def leave(slug: str):
    def go(s: Session, user: UserRow, org: OrganisationRow) -> None:
        before = accounts.remove_member(s, org, user)
        if before is None:
            abort(403)
        audit.membership(s, _actor(user), "leave", org.slug, user.name, before, None)
    return _change(slug, "viewer", go, done=url_for(".orgs"))


# -- creating (sysadmins) and renaming (its admins) an organisation -----------------------------------------
FIELDS = ("slug", "title", "title_en", "publisher")


@bp.route("/new", methods=["GET", "POST"])
def new_org():
    user = workspace._user()
    if not user.is_sysadmin:
        abort(403)
    values = _values()
    if request.method == "GET":
        return _form(values)
    try:
        with deps.store().sessions.begin() as s:
            org = accounts.create_org(s, values["slug"], values["title"], values["publisher"],
                                      values["title_en"])
            audit.record(s, _actor(user), "create", "organisation", f"org:{org.slug}", organisation=org.slug,
                         after={"slug": org.slug, "publisher": org.publisher_iri, **accounts.org_titles(org)},
                         title=org.title)
    except accounts.AccountError as exc:
        return _form(values, str(MESSAGES.get(str(exc), str(exc))), 422)
    return redirect(url_for(".org", slug=values["slug"]), 303)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit_org(slug: str):
    """Its admins change an organisation's titles, as in CKAN and udata; the slug and the publisher IRI
    stay, since datasets point at the IRI."""
    user = workspace._user()
    with deps.store().sessions() as s:
        found = _org(s, user, slug, "admin")
        values = {"slug": found.slug, "publisher": found.publisher_iri, "title": found.title,
                  "title_en": found.title_en or ""}
    if request.method == "GET":
        return _form(values, editing=True)
    typed = _values()
    values |= {"title": typed["title"], "title_en": typed["title_en"]}
    try:
        _rename(user, slug, values["title"], values["title_en"])
    except publishing.RenameRefused as exc:
        message = _("Nothing was renamed: with these titles, the dataset %(iri)s would not conform to "
                    "the metadata profile.", iri=exc.iri)
        return _form(values, message, 422, editing=True)
    except accounts.AccountError as exc:
        return _form(values, str(MESSAGES.get(str(exc), str(exc))), 422, editing=True)
    listings.forget()  # publisher listings and CKAN organization_show name it by these titles
    return redirect(url_for(".org", slug=slug), 303)


def _rename(user: UserRow, slug: str, title: str, title_en: str) -> None:
    """The new titles and the datasets the organisation published through the CKAN write API, renamed in
    one transaction (decision 0013); their SHACL reports are saved after it, as a publish saves them."""
    store, validator = deps.store(), write.validator()
    with store.sessions.begin() as s:
        renamed = publishing.rename_org(store, s, _org(s, user, slug, "admin"), title, title_en,
                                        actor=_actor(user), validator=validator)
    store.save_reports(renamed.reports, validator.shapes_hash)


def _values() -> dict[str, str]:
    return {key: request.form.get(key, "").strip() for key in FIELDS}


def _form(values: dict[str, str], error: str | None = None, status: int = 200, *, editing: bool = False):
    return render_template("workspace/org_form.html", values=values, error=error,
                           editing=editing), status, NO_STORE
