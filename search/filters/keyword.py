"""Keywords as published."""

from search.filters.base import TermsFacet

FACET = TermsFacet("keyword", "keywords", size=30)
