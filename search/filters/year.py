"""Year of last modification (or of issue), newest first."""

from search.filters.base import TermsFacet

FACET = TermsFacet("year", "year", size=30, by_key=True)
