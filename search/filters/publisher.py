"""Publishers, by IRI (or by name when a portal gives none), labelled with their name."""

from search.filters.base import TermsFacet

FACET = TermsFacet("publisher", "publisher.key", label_field="publisher.name.raw")
