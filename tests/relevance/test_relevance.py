"""Measured relevance: judged queries over the real demo catalogue, through the one search service.

The judgments (queries.yaml) were made by reading the records, not by running the engine, so a change
in analysis, boosts or ranking signals that hurts people's searches makes this test fail. The table goes
to the terminal summary and to var/relevance-report.txt on every run.
"""

from __future__ import annotations

import time

import pytest

from portal.config import load as load_settings
from search.query import SearchParams, SearchService
from tests.relevance.metrics import Judged, K, load_queries, run, summary, table

pytestmark = [pytest.mark.es, pytest.mark.timeout(1800)]  # the first run builds the demo catalogue
MIN_RECALL = 0.9
QUERIES = load_queries()


def test_the_query_set_is_big_enough_and_bilingual():
    langs = [q.lang for q in QUERIES]
    assert len(QUERIES) >= 40
    assert langs.count("zh") >= 20 and langs.count("en") >= 20
    assert len({q.id for q in QUERIES}) == len(QUERIES)
    assert all(q.why and q.grades for q in QUERIES)


def test_every_judged_dataset_is_an_active_record_of_the_demo_catalogue(demo_store):
    judged = {iri for q in QUERIES for iri in q.grades}
    active = {s.iri for s in demo_store.iter_datasets(status="active")}
    assert sorted(judged - active) == []


def test_recall_and_ndcg_at_10(es_client, demo_index, relevance_report):
    service = SearchService(es_client, demo_index)

    def search(query: Judged) -> list[str]:
        return [hit.iri for hit in service.search(SearchParams(q=query.q, lang=query.lang, size=K)).hits]

    started = time.monotonic()
    scored = run(QUERIES, search)
    elapsed = time.monotonic() - started
    text = table(scored, f"{len(QUERIES)} judged queries, index {demo_index}, {elapsed:.1f} s")
    relevance_report["text"] = text
    out = load_settings().var / "relevance-report.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(text)  # also in the captured output of `pytest -rA`

    totals = summary(scored)
    assert totals["recall@10"] >= MIN_RECALL, text
