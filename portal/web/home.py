"""The home page: a search box, themes of both schemes, recently updated datasets, the largest publishers,
catalogue figures and the regions map. One search (the six newest datasets plus the facets) feeds it; when
the engine is down the page still shows, with themes and figures from the catalogue database.

There is no view counter, so there is no "most viewed": recently updated datasets and the largest
publishers stand in for it."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.i18n import label, lang
from portal.web import deps, directory
from search.filters import FACETS, FacetValue
from search.query import SearchParams, SearchUnavailable

bp = Blueprint("home", __name__)
NEWEST = 6
PUBLISHERS = 8
SCHEMES = {"eu": "http://publications.europa.eu/resource/authority/data-theme/",
           "cn": "https://w3id.org/kaifang/def/cn-theme/"}


@bp.get("/")
def index():
    catalogue = directory.current()
    try:
        result = deps.search().search(SearchParams(sort="modified", size=NEWEST, lang=lang()))
        facets = result.facets
    except SearchUnavailable:
        result = None
        facets = {"theme": [FacetValue(iri, n, label(iri)) for iri, n in catalogue.themes.most_common()]}
    formats = facets.get("format", [])
    return render_template(
        "home.html", site_name=deps.settings().site_name, result=result,
        themes={scheme: [v for v in facets["theme"] if v.value.startswith(prefix)]
                for scheme, prefix in SCHEMES.items()},
        count=result.total if result else catalogue.count, publisher_count=len(catalogue.publishers),
        publishers=facets.get("publisher", [])[:PUBLISHERS],
        # the facet lists at most FACETS["format"].size formats: a full list means "at least that many"
        format_count=len(formats), format_more=len(formats) >= FACETS["format"].size)
