"""Administrative regions the data covers (filled by the geo gazetteer)."""

from search.filters.base import TermsFacet

FACET = TermsFacet("region", "regions", vocabulary=True)
