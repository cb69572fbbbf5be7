"""Update frequency."""

from search.filters.base import TermsFacet

FACET = TermsFacet("frequency", "frequency", vocabulary=True)
