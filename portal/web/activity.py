"""What changed, and when: activity pages per dataset and per organisation, and Atom feeds.

Public: they show the action, the time, the organisation and which fields changed, never who (the
person) or from where (the IP address); the full trail stays in the database for administrators.
The feeds are built with ElementTree, so every harvested or published text is escaped as XML.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET  # noqa: S405 - building XML, never parsing it

from flask import Blueprint, Response, abort, render_template, url_for

from catalog import accounts, audit
from catalog.store import name_for
from portal.web import deps

bp = Blueprint("activity", __name__)
ATOM = "http://www.w3.org/2005/Atom"
LIMIT = 50


def _events(**where: str) -> list[dict]:
    with deps.store().sessions() as s:
        found = audit.events(s, object_type="dataset", limit=LIMIT, **where)
    return [{**audit.public(e), "name": name_for(e.object_id), "at": accounts.aware(e.at)} for e in found]


def _dataset(name: str):
    stored = deps.store().get_by_name(name)
    if stored is None:
        abort(404)
    return stored


@bp.get("/dataset/<name>/activity")
def dataset_page(name: str):
    stored = _dataset(name)
    return render_template("activity/list.html", events=_events(object_id=stored.iri),
                           heading=stored.dataset.title or {"": stored.name}, stored=stored,
                           feed=url_for("activity.dataset_feed", name=name))


@bp.get("/organization/<slug>/activity")
def organisation_page(slug: str):
    with deps.store().sessions() as s:
        org = accounts.org_by_slug(s, slug)
    if org is None:
        abort(404)
    return render_template("activity/list.html", events=_events(organisation=slug), heading=org.titles,
                           stored=None, feed=None)


@bp.get("/feeds/recent.atom")
def recent_feed():
    return _atom(_events(), "Kaifang: recent changes", url_for("activity.recent_feed", _external=True))


@bp.get("/dataset/<name>/activity.atom")
def dataset_feed(name: str):
    stored = _dataset(name)
    title = stored.dataset.text("title") or stored.name
    return _atom(_events(object_id=stored.iri), f"Changes: {title}",
                 url_for("activity.dataset_feed", name=name, _external=True))


def _atom(events: list[dict], title: str, self_url: str) -> Response:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    newest = events[0]["at"] if events else datetime(2000, 1, 1, tzinfo=UTC)
    _text(feed, "updated", newest.isoformat())
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", deps.settings().site_name)
    for event in events:
        feed.append(_entry(event))
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


def _entry(event: dict) -> ET.Element:
    entry = ET.Element(f"{{{ATOM}}}entry")
    _text(entry, "id", f"urn:kaifang:audit:{event['id']}")
    _text(entry, "title", f"{event['action']}: {event['title'] or event['object_id']}")
    _text(entry, "updated", event["at"].isoformat())
    if event["action"] != "delete":
        href = url_for("dataset.show", name=event["name"], _external=True)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=href)
    changed = ", ".join(event["changed"])
    _text(entry, "summary", f"Changed: {changed}" if changed else event["action"])
    return entry


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{tag}").text = _xml_safe(text)


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped; harvested titles sometimes have them."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20 and c not in "\ufffe\uffff")
