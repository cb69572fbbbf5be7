"""Licences of the dataset and its distributions."""

from search.filters.base import TermsFacet

FACET = TermsFacet("licence", "licence", vocabulary=True)
