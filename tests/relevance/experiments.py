"""Measure proposed ranking changes on the judged queries without touching search/ (run by hand).

    .venv/bin/python tests/relevance/experiments.py [path/to/demo.db]

Indexes the demo catalogue (default: the file the relevance fixture keeps) under a private prefix, runs
every variant's queries through SearchService with the variant applied in this process only, prints
recall@10 and nDCG@10 per variant, and deletes the index.
"""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Callable, Iterator
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

# Proposed query-side expansions, one way only (a general word also finds its usual names, not the reverse:
# two-way groups cost 公交 its precision, measured). The engine has no synonym filter (decision 0001).
EXPANSIONS = {"公共交通": ["公交", "地铁", "轨道交通"], "养老院": ["敬老院", "养老机构"]}


def expand(text: str) -> str:
    """Rewrite a whitespace word that has expansions as `(word | a | b)`."""
    words = [f"({' | '.join([w, *EXPANSIONS[w]])})" if w in EXPANSIONS else w for w in text.split()]
    return " ".join(words)


@contextmanager
def variant(fields: list[str] | None = None, rewrite: Callable[[str], str] | None = None) -> Iterator[None]:
    saved_fields, saved_query = list(search_query.FIELDS), SearchService.__dict__["_query"]
    try:
        if fields is not None:
            search_query.FIELDS[:] = fields
        if rewrite is not None:
            def _query(text: str, filters: list[dict[str, Any]]) -> dict[str, Any]:
                return saved_query.__func__(rewrite(text) if text else text, filters)
            SearchService._query = staticmethod(_query)  # type: ignore[method-assign]
        yield
    finally:
        search_query.FIELDS[:] = saved_fields
        SearchService._query = saved_query  # type: ignore[method-assign] - the staticmethod itself


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


VARIANTS: dict[str, dict[str, Any]] = {
    "current": {},
    "A synonyms": {"rewrite": expand},
    "B keywords^1.5": {"fields": boosted({"keywords.text": "keywords.text^1.5",
                                          "keywords.en": "keywords.en^1.5",
                                          "keywords.words": "keywords.words^1.5"})},
    "A+B": {"rewrite": expand, "fields": boosted({"keywords.text": "keywords.text^1.5",
                                                  "keywords.en": "keywords.en^1.5",
                                                  "keywords.words": "keywords.words^1.5"})},
    "C description^1.5": {"fields": boosted({"description.en": "description.en^1.5",
                                             "description.zh.words": "description.zh.words^1.5"})},
    "B+C": {"fields": boosted({"keywords.text": "keywords.text^1.5", "keywords.en": "keywords.en^1.5",
                               "keywords.words": "keywords.words^1.5", "description.en": "description.en^1.5",
                               "description.zh.words": "description.zh.words^1.5"})},
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
        service = SearchService(client, prefix)
        base = None
        for name, spec in VARIANTS.items():
            with variant(**spec):
                scored = run(queries, lambda q: [h.iri for h in service.search(
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
