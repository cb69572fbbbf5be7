"""Themes: EU data themes and Chinese national theme IRIs alike."""

from search.filters.base import TermsFacet

FACET = TermsFacet("theme", "themes", vocabulary=True)
