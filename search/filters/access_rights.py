"""Access rights (public, restricted, non-public; 无条件开放 / 有条件开放)."""

from search.filters.base import TermsFacet

FACET = TermsFacet("access_rights", "access_rights", vocabulary=True)
