"""The whole catalogue for machines: DCAT in four serialisations (paged with Hydra), and DCAT-US data.json.

N-Triples of the whole catalogue are streamed record by record. Turtle, RDF/XML and JSON-LD need the
whole graph in memory to serialise, so for large catalogues harvesters should use N-Triples or the
pages (`?page=N`, 100 records each, Hydra PartialCollectionView links between them).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import islice

from flask import Blueprint, Response, abort, request, url_for
from rdflib import Graph, Literal, URIRef

from catalog.namespaces import DCAT, DCT, FOAF, HYDRA, RDF
from catalog.rdf import serialize
from catalog.store import CatalogStore
from catalog.views.datajson import stream_catalog
from portal.i18n import lang
from portal.web import deps
from portal.web.negotiation import EXTENSIONS, accepted_format, rdf_response

bp = Blueprint("exports", __name__)
PAGE_SIZE = 100


@bp.get("/catalog")
def catalog():
    fmt = accepted_format(html=False)
    if fmt is None:
        abort(406)
    return _export(fmt, {v: k for k, v in EXTENSIONS.items()}[fmt])


@bp.get("/catalog.<ext>")
def export(ext: str):
    if ext not in EXTENSIONS:
        abort(404)
    return _export(EXTENSIONS[ext], ext)


def _export(fmt: str, ext: str) -> Response:
    page = request.args.get("page", type=int)
    if page is not None:
        return rdf_response(serialize(_page_graph(page, ext), fmt), fmt)
    if fmt == "nt":
        header = _description(deps.store().iris()).serialize(format="nt")
        return rdf_response(_stream_nt(header, deps.store()), fmt)
    graph = deps.store().export_graph() + _description(deps.store().iris())
    return rdf_response(serialize(graph, fmt), fmt)


def _catalog_iri() -> URIRef:
    return URIRef(url_for("exports.catalog", _external=True))


def _description(iris: list[str]) -> Graph:
    """Kaifang's own dcat:Catalog node, listing the given records. DCAT-AP 3 requires a catalogue's title,
    description and publisher (an agent with a name): the portal that runs Kaifang publishes it."""
    g = Graph()
    node, name = _catalog_iri(), deps.settings().site_name
    home = url_for("home.index", _external=True)
    publisher = URIRef(home + "#publisher")
    g.add((node, RDF.type, DCAT.Catalog))
    g.add((node, DCT.title, Literal(name)))
    g.add((node, DCT.description, Literal(f"{name}: the datasets of this open-data portal.")))
    g.add((node, DCT.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(name)))
    g.add((node, FOAF.homepage, URIRef(home)))
    for iri in iris:
        g.add((node, DCAT.dataset, URIRef(iri)))
    return g


def _stream_nt(header: str, store: CatalogStore) -> Iterator[str]:
    """Runs after the view has returned (no app context): everything it needs is passed in."""
    yield header
    yield from store.export_nt()


def _page_graph(page: int, ext: str) -> Graph:
    store = deps.store()
    total = store.count()
    last = max(1, math.ceil(total / PAGE_SIZE))
    if not 1 <= page <= last:
        abort(404)
    records = list(islice(store.iter_datasets(batch=PAGE_SIZE), (page - 1) * PAGE_SIZE, page * PAGE_SIZE))
    graph = _description([r.iri for r in records])
    for record in records:
        graph += record.graph()
    _hydra(graph, page, last, total, ext)
    return graph


def _hydra(graph: Graph, page: int, last: int, total: int, ext: str) -> None:
    """Hydra paging so a DCAT harvester can walk the pages: first, last, next and previous."""
    def link(n: int) -> URIRef:
        return URIRef(url_for("exports.export", ext=ext, page=n, _external=True))

    catalog, view = _catalog_iri(), link(page)
    graph.add((catalog, RDF.type, HYDRA.Collection))
    graph.add((catalog, HYDRA.totalItems, Literal(total)))
    graph.add((catalog, HYDRA.view, view))
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, HYDRA.first, link(1)))
    graph.add((view, HYDRA.last, link(last)))
    if page > 1:
        graph.add((view, HYDRA.previous, link(page - 1)))
    if page < last:
        graph.add((view, HYDRA.next, link(page + 1)))


@bp.get("/data.json")
def data_json():
    records = deps.store().iter_datasets()
    url = url_for("exports.data_json", _external=True)
    return Response(stream_catalog(records, url, lang()), content_type="application/json; charset=utf-8")
