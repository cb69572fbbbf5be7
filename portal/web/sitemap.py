"""/sitemap.xml and /robots.txt, so search engines find every dataset page without crawling the search.

The sitemap protocol caps a file at 50,000 URLs, so /sitemap.xml is an index of numbered pages of dataset
URLs. Pages are streamed row by row from the database (names and change times only, never the records'
graphs), so a catalogue of any size costs constant memory. `lastmod` is when Kaifang's copy of the record
last changed, which is when its page changed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, current_app, stream_with_context, url_for
from sqlalchemy import func, select

from catalog.tables import DatasetRow
from portal.web import deps

bp = Blueprint("sitemap", __name__)
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000  # the protocol's limit per file; SITEMAP_PAGE_SIZE may lower it
XML = "application/xml; charset=utf-8"


def _page_size() -> int:
    return min(int(current_app.config.get("SITEMAP_PAGE_SIZE", MAX_URLS)), MAX_URLS)


def _active():
    return DatasetRow.status == "active"


def _w3c(moment: datetime) -> str:
    """W3C Datetime in UTC (SQLite hands back naive datetimes that Kaifang wrote as UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


@bp.get("/sitemap.xml")
def index() -> Response:
    with deps.store().sessions() as s:
        total = s.scalar(select(func.count(DatasetRow.id)).where(_active())) or 0
    pages = max(1, math.ceil(total / _page_size()))
    entries = "".join(f"<sitemap><loc>{escape(url_for('sitemap.page', number=n, _external=True))}</loc>"
                      "</sitemap>" for n in range(1, pages + 1))
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NS}">{entries}</sitemapindex>\n'
    return Response(body, content_type=XML)


@bp.get("/sitemap-<int:number>.xml")
def page(number: int) -> Response:
    size = _page_size()
    with deps.store().sessions() as s:
        total = s.scalar(select(func.count(DatasetRow.id)).where(_active())) or 0
    if not 1 <= number <= max(1, math.ceil(total / size)):
        abort(404)
    return Response(stream_with_context(_urls((number - 1) * size, size)), content_type=XML)


def _urls(offset: int, limit: int) -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">\n'
    query = (select(DatasetRow.name, DatasetRow.updated_at).where(_active()).order_by(DatasetRow.id)
             .offset(offset).limit(limit).execution_options(yield_per=1000))
    with deps.store().sessions() as s:
        for name, updated in s.execute(query):
            loc = escape(url_for("dataset.show", name=name, _external=True))
            yield f"<url><loc>{loc}</loc><lastmod>{_w3c(updated)}</lastmod></url>\n"
    yield "</urlset>\n"


@bp.get("/robots.txt")
def robots() -> Response:
    """Everything public may be crawled; the workspace and sign-in pages are of no use to a crawler."""
    body = (f"User-agent: *\nDisallow: /workspace\nDisallow: /user/\n\n"
            f"Sitemap: {url_for('sitemap.index', _external=True)}\n")
    return Response(body, content_type="text/plain; charset=utf-8")
