"""The home page: a search box, themes of both schemes, recently updated and most viewed datasets, the
largest publishers, catalogue figures and the regions map. One search (the six newest datasets plus the
facets) feeds it; when the engine is down the page still shows, with themes and figures from the catalogue
database. Views are counted by portal/web/views.py."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.i18n import label, lang
from portal.web import deps, listings
from search.filters import FACETS, FacetValue
from search.query import SearchParams, SearchUnavailable

bp = Blueprint("home", __name__)
NEWEST = 6
MOST_VIEWED = 6
PUBLISHERS = 8
SCHEMES = {"eu": "http://publications.europa.eu/resource/authority/data-theme/",
           "cn": "https://w3id.org/kaifang/def/cn-theme/"}


@bp.get("/")
def index():
    try:
        result = deps.search().search(SearchParams(sort="modified", size=NEWEST, lang=lang()))
        facets = result.facets
    except SearchUnavailable:
        result = None
        facets = {"theme": [FacetValue(iri, n, label(iri)) for iri, n in listings.themes()]}
    formats = facets.get("format", [])
    return render_template(
        "home.html", site_name=deps.settings().site_name, result=result,
        themes={scheme: [v for v in facets["theme"] if v.value.startswith(prefix)]
                for scheme, prefix in SCHEMES.items()},
        count=result.total if result else deps.store().count(), publisher_count=len(listings.publishers()),
        publishers=facets.get("publisher", [])[:PUBLISHERS],
        most_viewed=deps.store().most_viewed(MOST_VIEWED),
        # the facet lists at most FACETS["format"].size formats: a full list means "at least that many"
        format_count=len(formats), format_more=len(formats) >= FACETS["format"].size)
