"""/api/1 publishers, themes, vocabularies and stats: the catalogue's structure, from the database
(publishers, themes), Kaifang's vocabularies, and the search index (stats, one aggregation query)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for

from catalog.model import pick
from catalog.store import PublisherCount, name_for
from portal.api.openapi import Param, array, documented, nullable, obj
from portal.api.rest_problems import Problem
from portal.i18n import label, lang
from portal.web import deps, listings
from search.query import SearchParams
from vocab.loader import Concept, names, vocabulary

bp = Blueprint("catalogue", __name__)
TEXT = {"type": "string"}
COUNT = {"type": "integer"}
PUBLISHER = obj(("key", "name", "dataset_count"), key=TEXT, iri=nullable(TEXT), name=TEXT,
                dataset_count=COUNT, links=obj(("self",), self=TEXT, html=TEXT))
THEME = obj(("iri", "label", "dataset_count"), iri=TEXT, key=TEXT, label=TEXT, dataset_count=COUNT)
CONCEPT = obj(("iri", "labels"), iri=TEXT, labels={"type": "object", "additionalProperties": TEXT},
              notation=nullable(TEXT), alt_labels=array(TEXT))
VOCABULARY = obj(("name", "iri"), name=TEXT, iri=TEXT, concept_count=COUNT, links=obj(("self",), self=TEXT))
VIEWED = obj(("name", "views"), name=TEXT, title=TEXT, views=COUNT, modified=nullable(TEXT),
             links=obj(("self",), self=TEXT))
BUCKET = obj(("value", "count"), value=TEXT, label=TEXT, count=COUNT)
STATS = obj(("datasets",), datasets=COUNT, indexed=COUNT, by_publisher=array(BUCKET), by_theme=array(BUCKET),
            by_format=array(BUCKET))


@bp.get("/publishers")
@documented("Publishers and how many datasets each has", obj(("data",), data=array(PUBLISHER)),
            tag="catalogue")
def publishers():
    return jsonify({"data": [_publisher(p) for p in listings.publishers()]})


@bp.get("/publishers/<key>")
@documented("A publisher and its datasets", {**PUBLISHER, "properties": {
    **PUBLISHER["properties"], "datasets": array(obj(("name",), name=TEXT, title=TEXT))}},
    (Param("key", "The publisher's key (from /api/1/publishers) or CKAN organization id", where="path"),),
    problems=(404, 406), tag="catalogue")
def publisher(key: str):
    found = listings.publisher(key)
    if found is None:
        raise Problem(404, f"No publisher {key!r}")
    datasets = [{"name": s.name, "title": pick(s.title, lang()), "modified": s.modified,
                 "links": {"self": url_for("rest.datasets.dataset", name=s.name, _external=True)}}
                for s in deps.store().summaries(0, found.count, publisher=found.slug)]
    return jsonify({**_publisher(found), "datasets": datasets})


@bp.get("/themes")
@documented("Themes in use and how many datasets each has", obj(("data",), data=array(THEME)),
            tag="catalogue")
def themes():
    counts = listings.themes()
    return jsonify({"data": [{"iri": iri, "key": name_for(iri), "label": label(iri), "dataset_count": n}
                             for iri, n in counts]})


@bp.get("/most-viewed")
@documented("The most viewed datasets (page views of their portal pages, counted in batches)",
            obj(("data",), data=array(VIEWED)),
            (Param("limit", "How many (at most 100)", {"type": "integer", "minimum": 1, "maximum": 100}),),
            tag="catalogue")
def most_viewed():
    limit = max(1, min(request.args.get("limit", 10, type=int) or 10, 100))
    return jsonify({"data": [
        {"name": s.name, "title": pick(s.title, lang()), "views": s.views, "modified": s.modified,
         "links": {"self": url_for("rest.datasets.dataset", name=s.name, _external=True)}}
        for s in deps.store().most_viewed(limit)]})


@bp.get("/vocabularies")
@documented("Kaifang's SKOS vocabularies", obj(("data",), data=array(VOCABULARY)), tag="vocabularies")
def vocabularies():
    return jsonify({"data": [_vocabulary(name) for name in names()]})


@bp.get("/vocabularies/<name>")
@documented("The concepts of one vocabulary, with zh/en labels",
            {**VOCABULARY, "properties": {**VOCABULARY["properties"], "concepts": array(CONCEPT)}},
            (Param("name", "Vocabulary name (from /api/1/vocabularies)", where="path"),),
            problems=(404, 406), tag="vocabularies")
def vocabulary_concepts(name: str):
    if name not in names():
        raise Problem(404, f"No vocabulary {name!r}")
    return jsonify({**_vocabulary(name), "concepts": [_concept(c) for c in vocabulary(name).concepts()]})


@bp.get("/stats")
@documented("Dataset counts, and the top publishers, themes and formats", STATS, problems=(406, 503),
            tag="catalogue")
def stats():
    result = deps.search().search(SearchParams(size=1, lang=lang()))
    buckets = {name: [{"value": v.value, "label": v.label, "count": v.count} for v in result.facets[name]]
               for name in ("publisher", "theme", "format")}
    return jsonify({"datasets": deps.store().count(), "indexed": result.total,
                    "by_publisher": buckets["publisher"], "by_theme": buckets["theme"],
                    "by_format": buckets["format"]})


def _publisher(found: PublisherCount) -> dict[str, Any]:
    agent = found.agent
    return {"key": found.slug, "iri": agent.iri, "name": pick(agent.name, lang()) or found.slug,
            "dataset_count": found.count,
            "links": {"self": url_for("rest.catalogue.publisher", key=found.slug, _external=True),
                      "html": url_for("browse.publisher", slug=found.slug, _external=True)}}


def _vocabulary(name: str) -> dict[str, Any]:
    found = vocabulary(name)
    return {"name": name, "iri": found.iri, "concept_count": len(found.concepts()),
            "links": {"self": url_for("rest.catalogue.vocabulary_concepts", name=name, _external=True)}}


def _concept(concept: Concept) -> dict[str, Any]:
    return {"iri": concept.iri, "labels": concept.labels, "notation": concept.notation,
            "alt_labels": list(concept.alt_labels)}
