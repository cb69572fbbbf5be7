"""The publishing workspace's harvest pages: an organisation's editors register and edit its harvest
sources, run them (or dry-run them) and read the job reports.

A source belongs to the organisation whose publisher IRI it carries (decision 0007: organisations are
DCAT publishers), so the one rule `accounts.may(..., "editor")` decides every page here; sources of no
organisation are for sysadmins. Runs happen in a background thread (harvesters.scheduler.Runner), so a
request returns at once; the job page reloads itself while the job's heartbeat updates its counts.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import accounts, audit
from catalog.store import CatalogStore
from catalog.tables import DatasetRow, ValidationRow, utcnow
from catalog.tables_accounts import OrganisationRow, UserRow
from harvesters import jobs, registry
from harvesters.inventory import MAX_MAPPING_BYTES
from harvesters.scheduler import Runner, live_job, next_run
from harvesters.source import HarvestError
from harvesters.tables import HarvestRecord, HarvestSource
from portal import auth
from portal.web import deps
from portal.web import workspace_forms as forms

bp = Blueprint("workspace", __name__, url_prefix="/workspace")
NO_STORE = {"Cache-Control": "no-store"}
HISTORY = 20
EXAMPLES = 3


def allowed_networks() -> tuple[str, ...]:
    """Networks besides public ones that workspace sources may reach: none unless the operator lists some
    (settings.harvest_allow_networks, or app.config["HARVEST_ALLOW_NETWORKS"] as the tests set)."""
    return tuple(current_app.config.get("HARVEST_ALLOW_NETWORKS")
                 or deps.settings().harvest_allow_networks)


def runner() -> Runner:
    shapes = deps.settings().shapes
    return Runner(deps.store(), shapes if shapes.exists() else None, allowed_networks())


# -- who may do what ----------------------------------------------------------------------------------
def _user() -> UserRow:
    user = auth.current_user()
    if user is None:
        abort(redirect(url_for("account.login", next=request.path)))
    if auth.via_token():
        abort(403)  # the workspace is for people in a browser; scripts use the CLI or the API
    return user


def _editable_orgs(s: Session, user: UserRow) -> list[OrganisationRow]:
    if user.is_sysadmin:
        return list(s.scalars(select(OrganisationRow).order_by(OrganisationRow.slug)))
    editor = accounts.ROLES["editor"]
    return [org for org, role in accounts.user_orgs(s, user) if accounts.ROLES[role] >= editor]


def _source(s: Session, user: UserRow, name: str) -> tuple[HarvestSource, OrganisationRow | None]:
    row = s.scalar(select(HarvestSource).where(HarvestSource.name == name))
    if row is None:
        abort(404)
    org = accounts.org_for_publisher(s, row.publisher)
    if not accounts.may(s, user, org, "editor"):
        abort(403)
    return row, org


def _snapshot(row: HarvestSource) -> dict[str, Any]:
    return {"type": row.type, "url": row.url, "publisher": row.publisher, "schedule": row.schedule,
            "withdraw_threshold": row.withdraw_threshold, "config": dict(row.config or {})}


# -- pages --------------------------------------------------------------------------------------------
@bp.get("")
def index():
    _user()
    return redirect(url_for(".sources"))


@bp.get("/sources")
def sources():
    user = _user()
    store, rows = deps.store(), []
    with store.sessions() as s:
        for row in s.scalars(select(HarvestSource).order_by(HarvestSource.name)):
            org = accounts.org_for_publisher(s, row.publisher)
            if accounts.may(s, user, org, "editor"):
                rows.append((row, org))
        can_add = bool(_editable_orgs(s, user))
    listing = [(row, org, next(iter(jobs.list_jobs(store, row.name, 1)), (None,))[0], next_run(store, row))
               for row, org in rows]
    return render_template("workspace/sources.html", sources=listing, can_add=can_add), 200, NO_STORE


@bp.route("/sources/new", methods=["GET", "POST"])
def new_source():
    return _form(None)


@bp.route("/sources/<name>/edit", methods=["GET", "POST"])
def edit_source(name: str):
    return _form(name)


def _form(name: str | None):
    """Create (name None) or edit a source: the same form, the same checks, one audited transaction."""
    user = _user()
    request.max_content_length = MAX_MAPPING_BYTES + 64 * 1024  # the upload plus the form's fields
    store = deps.store()
    with store.sessions.begin() as s:
        orgs = _editable_orgs(s, user)
        row, org = _source(s, user, name) if name else (None, None)
        if not orgs:
            abort(403)
        if request.method == "GET":
            values = forms.values_of(row, org.slug if org else None) if row else {"threshold": "20"}
            return _render_form(row, values, orgs, [])
        form = request.form.copy()
        if row:
            form["name"] = row.name  # the edit form has no name field: a source keeps its name
        values, config, errors = forms.read(form, request.files.get("mapping_file"),
                                            allow=allowed_networks(), config=row.config if row else None)
        target = next((o for o in orgs if o.slug == values["organisation"]), None)
        if target is None:
            if values["organisation"] and accounts.org_by_slug(s, values["organisation"]):
                abort(403)
            errors.append(_("Choose an organisation."))
        if row is None and s.scalar(select(HarvestSource.id).where(HarvestSource.name == values["name"])):
            errors.append(_("A source with this name exists."))
        if errors:
            return _render_form(row, values, orgs, errors, 422)
        before = _snapshot(row) if row else None
        if row is None:
            row = HarvestSource(name=values["name"], created_at=utcnow())
            s.add(row)
        row.type, row.url, row.config = values["type"], values["url"], config
        row.publisher = target.publisher_iri
        row.schedule, row.withdraw_threshold = values["schedule"] or None, forms.threshold(values)
        row.updated_at = utcnow()
        audit.record(s, audit.Actor(user, auth.client_ip()), "update" if before else "create",
                     "harvest_source", row.name, before=before, after=_snapshot(row),
                     organisation=target.slug, title=row.name)
    return redirect(url_for(".source", name=values["name"]), 303)


def _render_form(row: HarvestSource | None, values: dict[str, str], orgs: list[OrganisationRow],
                 errors: list[str], status: int = 200):
    return render_template("workspace/source_form.html", source=row, values=values, orgs=orgs, errors=errors,
                           types=sorted(registry.TYPES), mappings=forms.shipped_mappings(),
                           uploaded=forms.UPLOADED, max_kb=MAX_MAPPING_BYTES // 1024), status, NO_STORE


@bp.get("/sources/<name>")
def source(name: str):
    user = _user()
    store = deps.store()
    with store.sessions() as s:
        row, org = _source(s, user, name)
        events = audit.events(s, object_type="harvest_source", object_id=name, limit=10)
    history = [job for job, _ in jobs.list_jobs(store, name, HISTORY)]
    return render_template("workspace/source.html", source=row, org=org, history=history, events=events,
                           next_run=next_run(store, row), busy=live_job(store, row.id) is not None,
                           started=request.args.get("started")), 200, NO_STORE


@bp.post("/sources/<name>/run")
def run(name: str):
    """Start a run (or a dry run) in the background; the lease refuses a second one while one is live."""
    user = _user()
    dry_run = request.form.get("dry_run") == "1"
    store = deps.store()
    with store.sessions.begin() as s:
        row, org = _source(s, user, name)
        if live_job(store, row.id) is not None:
            return redirect(url_for(".source", name=name, started="busy"), 303)
        audit.record(s, audit.Actor(user, auth.client_ip()), "dry-run" if dry_run else "run",
                     "harvest_source", name, organisation=org.slug if org else None, title=name)
    runner().start(name, dry_run=dry_run)
    return redirect(url_for(".source", name=name, started="dry-run" if dry_run else "run"), 303)


@bp.get("/sources/<name>/jobs/<int:job_id>")
def job(name: str, job_id: int):
    user = _user()
    store = deps.store()
    with store.sessions() as s:
        row = _source(s, user, name)[0]
    try:
        report = jobs.load_report(store, job_id)
    except HarvestError:
        abort(404)
    if report["source"] != row.name:
        abort(404)
    examples = _examples(store, job_id, row.id)
    for rule in report["findings"]:
        rule["examples"] = examples.get((rule["severity"], rule["shape"], rule["path"] or ""), [])
    return render_template("workspace/job.html", source=row, report=report), 200, NO_STORE


Examples = dict[tuple[str, str, str], list[tuple[str, dict]]]


def _examples(store: CatalogStore, job_id: int, source_id: int) -> Examples:
    """A few (dataset IRI, finding) per SHACL rule among this job's records, to show beside the counts."""
    out: Examples = defaultdict(list)
    with store.sessions() as s:
        rows = s.execute(select(DatasetRow.iri, ValidationRow.findings).join(ValidationRow)
                         .join(HarvestRecord, HarvestRecord.dataset_iri == DatasetRow.iri)
                         .where(HarvestRecord.last_job_id == job_id, HarvestRecord.source_id == source_id,
                                HarvestRecord.status == "ok").order_by(DatasetRow.iri).limit(2000))
        for iri, findings in rows:
            for item in findings or []:
                key = (item["severity"], item["shape"], item.get("path") or "")
                if len(out[key]) < EXAMPLES and all(iri != seen for seen, _ in out[key]):
                    out[key].append((iri, item))
    return out
