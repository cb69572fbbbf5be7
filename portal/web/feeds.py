"""/search.atom: any search of the portal as an Atom feed, so people can follow "new bus data from the
transport commission" in a feed reader instead of coming back to look.

The feed takes exactly the query parameters of /search and /api/1/datasets (one search service, one
parameter table), newest change first unless a sort is given. It is built with ElementTree, so harvested
titles and descriptions are escaped as XML text; highlights are not used (they carry markup).
The search page advertises its feed in a `Link: <...>; rel="alternate"` header, and templates can add
the same link with `search_feed_url()`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET  # noqa: S405 - building XML, never parsing it

from flask import Blueprint, Response, request, url_for

from catalog.views.search_doc import parse_date
from portal.api.rest_params import search_params
from portal.i18n import lang
from portal.web import deps
from portal.web.activity import ATOM, _text
from search.query import Hit, InvalidSearch, SearchUnavailable

bp = Blueprint("feeds", __name__)
SIZE = 20
EPOCH = "2000-01-01T00:00:00+00:00"


def search_feed_url(external: bool = False) -> str:
    """The feed of the current request's search (same query string)."""
    return _with_query("feeds.search_feed", external)


def _with_query(endpoint: str, external: bool) -> str:
    query = request.query_string.decode("latin-1")
    return url_for(endpoint, _external=external) + (f"?{query}" if query else "")


@bp.get("/search.atom")
def search_feed() -> Response:
    args = request.args.copy()
    args.setdefault("sort", "modified")
    try:
        params = search_params(args, lang(), None if args.get("page_size") else SIZE)
        result = deps.search().search(params)
    except InvalidSearch as exc:
        return Response(str(exc), 400, content_type="text/plain; charset=utf-8")
    except SearchUnavailable:
        return Response("Search is temporarily unavailable.", 503, {"Retry-After": "30"},
                        content_type="text/plain; charset=utf-8")
    self_url = search_feed_url(external=True)
    q = params.q.strip()
    title = f"{deps.settings().site_name}: {q}" if q else f"{deps.settings().site_name}: datasets"
    entries = [_entry(hit) for hit in result.hits if hit.name]
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    _text(feed, "updated", max((e.findtext(f"{{{ATOM}}}updated") or EPOCH for e in entries), default=EPOCH))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html",
                  href=_with_query("search.search_page", True))
    _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", deps.settings().site_name)
    feed.extend(entries)
    return Response(ET.tostring(feed, encoding="utf-8", xml_declaration=True),
                    content_type="application/atom+xml; charset=utf-8")


def _entry(hit: Hit) -> ET.Element:
    entry = ET.Element(f"{{{ATOM}}}entry")
    href = url_for("dataset.show", name=hit.name, _external=True)
    _text(entry, "id", href)
    _text(entry, "title", hit.title or hit.name or hit.iri)
    day = parse_date(hit.source.get("modified"))
    _text(entry, "updated", datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat() if day else EPOCH)
    ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=href)
    if hit.description:
        _text(entry, "summary", hit.description)
    return entry


@bp.after_app_request
def advertise(response: Response) -> Response:
    """The search page names its feed (RFC 8288), whether or not its template links it."""
    if request.endpoint == "search.search_page" and response.status_code == 200:
        response.headers.add("Link", f'<{search_feed_url()}>; rel="alternate"; type="application/atom+xml"')
    return response


@bp.app_context_processor
def feed_link() -> dict:
    return {"search_feed_url": search_feed_url}
