"""The REST write API (/api/1/datasets) and the publishing rules it shares with the CKAN write actions.

Every write: an authenticated user (token or browser session) -> a parsed body -> the publisher's
organisation, which the user must be allowed to edit -> Kaifang's SHACL profile (any Violation refuses
the body with 422 and the findings; warnings are allowed and returned) -> one transaction holding the
catalogue change, its search-outbox entry and its audit event.

    POST   /api/1/datasets                  create: that JSON, or DCAT (Turtle, JSON-LD, RDF/XML)
    PUT    /api/1/datasets/<name>           replace (same bodies; the IRI must stay the same)
    POST   /api/1/datasets/<name>/withdraw  hide from listings and search, keep the record (editors)
    DELETE /api/1/datasets/<name>           remove the record (organisation admins); the audit trail keeps it

Bodies: the JSON that GET /api/1/datasets/<name> (portal/api/rest_datasets.py) gives, read back by
catalog/views/json_in.py, or a DCAT document. Errors are RFC 9457 problem details (application/problem+json).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from rdflib import Graph, URIRef
from sqlalchemy.orm import Session

from catalog import accounts, audit
from catalog.model import from_graph, pick
from catalog.rdf import MEDIA_TYPE_FORMATS, RDFError, parse
from catalog.records import split
from catalog.store import StoredDataset, name_for
from catalog.validation import Report, Validator
from catalog.views.json_in import JSONInputError, to_graph
from portal import auth
from portal.api.openapi import documented, obj
from portal.api.rest_datasets import DETAIL, NAME
from portal.web import deps

bp = Blueprint("write_api", __name__)
SOURCE = "workspace"
PROBLEM = "application/problem+json"
WRITTEN = {**DETAIL, "properties": {"outcome": {"type": "string"}, "warnings": {"type": "array"}}}
BODY = (400, 401, 403, 409, 415, 422)  # problems of a write with a body


class Problem(Exception):
    """An RFC 9457 problem; `extra` members (findings, fields) join the body."""

    def __init__(self, status: int, title: str, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra

    def body(self) -> dict[str, Any]:
        return {"type": "about:blank", "title": self.title, "status": self.status,
                "detail": self.detail, **self.extra}


@dataclass
class Published:
    stored: StoredDataset
    outcome: str
    warnings: list[dict] = field(default_factory=list)


# -- the publishing rules (shared with portal/api/ckan_write.py) ----------------------------------------
def require_user() -> accounts.UserRow:
    user = auth.current_user()
    if user is None:
        raise Problem(401, "Authentication required", "Send an API token in the Authorization header")
    return user


def validator() -> Validator:
    """Compiled once per app: building the shapes graph is the slow part of validation."""
    services = current_app.extensions["kaifang"]
    if "validator" not in services:
        services["validator"] = Validator(deps.settings().shapes)
    return services["validator"]


def check_shapes(graph: Graph) -> Report:
    """The report of a conforming graph (warnings allowed); raises a 422 Problem listing findings on any
    Violation."""
    report = validator().validate(graph)
    findings = [asdict(f) for f in report.findings]
    if report.error or any(f["severity"] == "Violation" for f in findings):
        raise Problem(422, "The dataset does not conform to Kaifang's DCAT-AP profile",
                      report.error or "", findings=findings)
    return report


def editable_org(s: Session, user: accounts.UserRow, publisher_iri: str | None,
                 need: str = "editor") -> accounts.OrganisationRow | None:
    org = accounts.org_for_publisher(s, publisher_iri)
    if not accounts.may(s, user, org, need):
        raise Problem(403, "Not allowed", f"You may not {need} datasets of this publisher")
    return org


def publish(user: accounts.UserRow, node: URIRef, graph: Graph, *, replaces: StoredDataset | None,
            action: str, source: str = SOURCE) -> Published:
    """Authorise, validate and store one record, with its audit event, in one transaction. `source` tells
    the write paths apart in the store: a rename rewrites only what the CKAN actions wrote (decision 0013)."""
    dataset = from_graph(graph, node)
    publisher = dataset.publisher.iri if dataset.publisher else None
    store = deps.store()
    with store.sessions() as s:
        if replaces is not None:
            editable_org(s, user, replaces.dataset.publisher.iri if replaces.dataset.publisher else None)
        org = editable_org(s, user, publisher)
    report = check_shapes(graph)
    warnings = [asdict(f) for f in report.findings]
    with store.sessions.begin() as s:
        outcome = store.upsert(node, graph, source=source, session=s)
        before = replaces.dataset.to_dict() if replaces else None
        audit.record(s, auth_actor(user), action, "dataset", str(node), before=before,
                     after=dataset.to_dict(), organisation=org.slug if org else None,
                     title=pick(dataset.title, "zh"))
    store.save_report(str(node), report.to_dict(), validator().shapes_hash)
    forget_directory()
    return Published(store.get(str(node)), outcome, warnings)


def withdraw(user: accounts.UserRow, stored: StoredDataset) -> bool:
    store = deps.store()
    with store.sessions.begin() as s:
        org = editable_org(s, user, _publisher(stored))
        done = store.withdraw(stored.iri, session=s)
        if done:
            audit.record(s, auth_actor(user), "withdraw", "dataset", stored.iri,
                         before={"status": stored.status}, after={"status": "withdrawn"},
                         organisation=org.slug if org else None, title=pick(stored.dataset.title, "zh"))
    forget_directory()
    return done


def purge(user: accounts.UserRow, stored: StoredDataset) -> None:
    """Remove the record (organisation admins only); the audit event keeps its last projection."""
    with deps.store().sessions.begin() as s:
        org = editable_org(s, user, _publisher(stored), need="admin")
        deps.store().delete(stored.iri, session=s)
        audit.record(s, auth_actor(user), "delete", "dataset", stored.iri,
                     before=stored.dataset.to_dict(), after=None, organisation=org.slug if org else None,
                     title=pick(stored.dataset.title, "zh"))
    forget_directory()


def forget_directory() -> None:
    """This process's listings show a write at once (other processes within listings.TTL_SECONDS)."""
    current_app.extensions["kaifang"].pop("listings", None)


def auth_actor(user: accounts.UserRow) -> audit.Actor:
    return audit.Actor(user, auth.client_ip())


def _publisher(stored: StoredDataset) -> str | None:
    return stored.dataset.publisher.iri if stored.dataset.publisher else None


# -- bodies ------------------------------------------------------------------------------------------
def read_body() -> tuple[URIRef, Graph]:
    """The one record of a JSON dataset body or a DCAT document (by Content-Type)."""
    kind = (request.mimetype or "").lower()
    if kind == "application/json":
        try:
            return to_graph(request.get_json(silent=True))
        except JSONInputError as exc:
            raise Problem(400, "Not a dataset JSON object", str(exc), fields=exc.fields) from exc
    fmt = MEDIA_TYPE_FORMATS.get(kind)
    if fmt is None:
        raise Problem(415, "Unsupported Media Type",
                      "Send application/json, text/turtle, application/ld+json or application/rdf+xml")
    try:
        records, _rest = split(parse(request.get_data(), format=fmt, filename="body"))
    except RDFError as exc:
        raise Problem(400, "The RDF body could not be parsed", str(exc)) from exc
    if len(records) != 1:
        raise Problem(400, "One dataset per request", f"The body describes {len(records)} records")
    return URIRef(str(records[0].node)), records[0].graph


def _find(name: str) -> StoredDataset:
    stored = deps.store().get_by_name(name)
    if stored is None:
        raise Problem(404, "Not Found", f"No dataset {name}")
    return stored


def dataset_json(stored: StoredDataset) -> dict[str, Any]:
    return {"name": stored.name, "status": stored.status, **stored.dataset.to_dict()}


def _answer(published: Published, status: int):
    body = {**dataset_json(published.stored), "outcome": published.outcome, "warnings": published.warnings}
    response = jsonify(body)
    response.status_code = status
    response.headers["Location"] = f"{request.host_url}api/1/datasets/{published.stored.name}"
    return response


# -- routes --------------------------------------------------------------------------------------------
@bp.errorhandler(Problem)
def _problem(exc: Problem):
    response = jsonify(exc.body())
    response.status_code = exc.status
    response.mimetype = PROBLEM
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="kaifang"'
    return response


@bp.post("/api/1/datasets")
@documented("Publish a dataset (JSON as GET gives it, or DCAT)", WRITTEN, status=201, problems=BODY,
            tag="write")
def create():
    user = require_user()
    node, graph = read_body()
    if deps.store().get(str(node)) is not None:
        existing = name_for(str(node))
        raise Problem(409, "Conflict", f"A dataset with IRI {node} exists; PUT to /api/1/datasets/{existing}")
    return _answer(publish(user, node, graph, replaces=None, action="create"), 201)


@bp.put("/api/1/datasets/<name>")
@documented("Replace a dataset (the IRI stays)", WRITTEN, NAME, problems=(*BODY, 404), tag="write")
def replace(name: str):
    user = require_user()
    stored = _find(name)
    node, graph = read_body()
    if str(node) != stored.iri:
        raise Problem(409, "Conflict", f"The body describes {node}, not {stored.iri}")
    return _answer(publish(user, node, graph, replaces=stored, action="update"), 200)


@bp.post("/api/1/datasets/<name>/withdraw")
@documented("Withdraw a dataset (kept, hidden)", obj(("name", "status"), name={"type": "string"},
                                                      status={"type": "string"}),
            NAME, problems=(401, 403, 404, 409), tag="write")
def withdraw_route(name: str):
    user = require_user()
    stored = _find(name)
    if not withdraw(user, stored):
        raise Problem(409, "Conflict", f"Dataset {name} is already withdrawn")
    return jsonify({"name": stored.name, "status": "withdrawn"})


@bp.delete("/api/1/datasets/<name>")
@documented("Delete a dataset (organisation admins)", {}, NAME, status=204, problems=(401, 403, 404),
            tag="write")
def remove(name: str):
    user = require_user()
    purge(user, _find(name))
    return "", 204

