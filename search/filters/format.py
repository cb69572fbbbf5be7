"""Distribution formats, as short upper-case names (CSV, JSON, XLSX)."""

from search.filters.base import TermsFacet

FACET = TermsFacet("format", "formats")
