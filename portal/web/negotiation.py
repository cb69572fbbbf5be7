"""Content negotiation between the HTML page and the RDF serialisations of the same resource."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, request

from catalog.rdf import CONTENT_TYPES

# File extension in the URL -> rdflib format name (catalog.rdf.serialize accepts these).
EXTENSIONS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld", "nt": "nt"}
MEDIA_TYPES = {media: fmt for fmt, media in CONTENT_TYPES.items()}


def split_extension(name: str) -> tuple[str, str | None]:
    """"abc.ttl" -> ("abc", "turtle"); names (slugs) never contain dots, so the split is unambiguous."""
    base, dot, ext = name.rpartition(".")
    return (base, EXTENSIONS.get(ext)) if dot and ext in EXTENSIONS else (name, None)


def accepted_format(html: bool = True) -> str | None:
    """The RDF format the client prefers to HTML, or None when HTML (or nothing we have) wins."""
    offers = (["text/html"] if html else []) + list(MEDIA_TYPES)
    return MEDIA_TYPES.get(request.accept_mimetypes.best_match(offers) or "")


def rdf_response(body: bytes | Iterable[str], fmt: str) -> Response:
    response = Response(body, content_type=f"{CONTENT_TYPES[fmt]}; charset=utf-8")
    response.vary.add("Accept")
    return response
