"""Measure proposed ranking changes on the judged queries without touching search/ (run by hand).

    .venv/bin/python tests/relevance/experiments.py [path/to/demo.db]

Indexes the demo catalogue (default: the file the relevance fixture keeps) under a private prefix, runs
every variant's queries through SearchService with the variant applied in this process only (field boosts,
the constants of search/query.py, expansions off), prints recall@10 and nDCG@10 per variant, and deletes
the index. "before (0.843)" is the ranking as it was before the fallback, phrase and expansion clauses.
"""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from catalog.store import CatalogStore  # noqa: E402
from portal.config import load as load_settings  # noqa: E402
from search import query as search_query  # noqa: E402
from search.client import connect  # noqa: E402
from search.indexer import Indexer  # noqa: E402
from search.query import SearchParams, SearchService  # noqa: E402
from tests.relevance.metrics import K, load_queries, run, summary  # noqa: E402


@contextmanager
def variant(fields: list[str] | None = None, knobs: dict[str, Any] | None = None,
            expansions: bool = True) -> Iterator[None]:
    """Apply a change to search.query in this process only: FIELDS, module constants, expansions off."""
    saved_fields = list(search_query.FIELDS)
    saved = {name: getattr(search_query, name) for name in (knobs or {})}
    saved_expand = search_query.expand
    try:
        if fields is not None:
            search_query.FIELDS[:] = fields
        for name, value in (knobs or {}).items():
            setattr(search_query, name, value)
        if not expansions:
            search_query.expand = lambda text: text
        yield
    finally:
        search_query.FIELDS[:] = saved_fields
        for name, value in saved.items():
            setattr(search_query, name, value)
        search_query.expand = saved_expand


def boosted(changes: dict[str, str]) -> list[str]:
    out = []
    for f in search_query.FIELDS:
        name = f.split("^")[0]
        if name in changes:
            if changes[name]:
                out.append(changes[name])
        else:
            out.append(f)
    out += [v for k, v in changes.items() if v and not any(re.match(re.escape(k) + r"(\^|$)", f)
                                                          for f in search_query.FIELDS)]
    return out


KEYWORDS_25 = {"keywords.text": "keywords.text^2.5", "keywords.en": "keywords.en^2.5",
               "keywords.words": "keywords.words^2.5"}
OFF = {"FALLBACK_MSM": "", "PHRASE_BOOST": 0}
VARIANTS: dict[str, dict[str, Any]] = {
    "current": {},
    "fallback always": {"knobs": {"FALLBACK_BELOW": 10**12}},  # session 4's ranking
    "fallback below 10": {"knobs": {"FALLBACK_BELOW": 10}},
    "fallback below 50": {"knobs": {"FALLBACK_BELOW": 50}},
    "before (0.843)": {"fields": boosted(KEYWORDS_25), "knobs": OFF, "expansions": False},
    "B keywords^1.5": {"knobs": OFF, "expansions": False},
    "A+B expansions": {"knobs": OFF},
    "A+B+fallback": {"knobs": {"PHRASE_BOOST": 0}},
    "phrase slop 2": {"knobs": {"PHRASE_SLOP": 2}},
    "fallback ^1.0": {"knobs": {"FALLBACK_BOOST": 1.0}},
    "description^1.5": {"fields": boosted({"description.en": "description.en^1.5",
                                           "description.zh.words": "description.zh.words^1.5"})},
    "title.zh.words^6": {"fields": boosted({"title.zh.words": "title.zh.words^6"})},
}


def main() -> None:
    settings = load_settings()
    kept = sorted((settings.var / "relevance").glob("demo-*.db"))
    db = Path(sys.argv[1]) if len(sys.argv) > 1 else kept[-1]
    client = connect(settings.elasticsearch_url, timeout=120)
    store = CatalogStore.from_url(f"sqlite:///{db}")
    prefix = f"kaifang-test-relevance-exp-{uuid.uuid4().hex[:6]}"
    queries = load_queries()
    try:
        Indexer(client, prefix).reindex(store)
        base = None
        for name, spec in VARIANTS.items():
            service = SearchService(client, prefix)  # a new one each time: a service keeps built bodies
            with variant(**spec):
                scored = run(queries, lambda q, service=service: [h.iri for h in service.search(
                    SearchParams(q=q.q, lang=q.lang, size=K)).hits])
            totals = summary(scored)
            line = "  ".join(f"{k} {v:.3f}" for k, v in totals.items())
            print(f"{name:<20} {line}")
            if base is not None:
                changed = [f"{s.query.id} {b.recall:.2f}->{s.recall:.2f}"
                           for s, b in zip(scored, base, strict=True) if abs(s.recall - b.recall) > 1e-9]
                print(f"{'':<20} changed: {', '.join(changed) or 'none'}")
            else:
                base = scored
    finally:
        store.engine.dispose()
        names = list(client.indices.get(index=f"{prefix}-*", expand_wildcards="all").body)
        if names:
            client.indices.delete(index=",".join(names), ignore_unavailable=True)


if __name__ == "__main__":
    main()
