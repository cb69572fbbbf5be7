"""Facets and filters, one small module each. A module with a `FACET` is registered in `FACETS` by
itself: adding a facet is adding a module. `geo` and `dates` are filters without counts."""

from __future__ import annotations

import importlib
import pkgutil

from search.filters.base import FacetValue, TermsFacet


def _discover() -> dict[str, TermsFacet]:
    facets = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        facet = getattr(importlib.import_module(f"{__name__}.{info.name}"), "FACET", None)
        if facet is not None:
            facets[facet.name] = facet
    return facets


FACETS: dict[str, TermsFacet] = _discover()

__all__ = ["FACETS", "FacetValue", "TermsFacet"]
