"""Relevance metrics and the judged query set, shared by the test and by analysis experiments.

Recall@10 is capped: found / min(10, judged), so a query with 29 judged kindergarten lists scores 1.0 when
its first ten results are all judged ones (plain recall could never exceed 10/29). nDCG@10 uses graded
gains: grade 2 (what a person would expect first) counts 3, grade 1 (also right) counts 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from portal.config import ROOT

QUERIES = Path(__file__).with_name("queries.yaml")
K = 10


@dataclass(frozen=True)
class Judged:
    id: str
    q: str
    lang: str
    grades: dict[str, int]  # IRI -> 2 (expected first) or 1 (also relevant)
    why: str
    hard: str | None


@dataclass(frozen=True)
class Scored:
    query: Judged
    recall: float
    ndcg: float
    first: int | None  # 1-based rank of the first judged result in the top K
    top: list[str]


def load_queries(path: Path = QUERIES) -> list[Judged]:
    out = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]:
        grades = {_iri(iri): 2 for iri in item["expected"]} | {_iri(iri): 1 for iri in item.get("also", [])}
        out.append(Judged(item["id"], item["q"], item["lang"], grades, item["why"].strip(), item.get("hard")))
    return out


def _iri(text: str) -> str:
    """`{root}` stands for the checkout, for judgments of records minted from a local file path (none now)."""
    return text.replace("{root}", str(ROOT))


def score(query: Judged, ranked: list[str]) -> Scored:
    top = ranked[:K]
    found = [iri for iri in top if iri in query.grades]
    recall = len(found) / min(K, len(query.grades))
    gains = [2 ** query.grades.get(iri, 0) - 1 for iri in top]
    ideal = sorted((2 ** g - 1 for g in query.grades.values()), reverse=True)[:K]
    ndcg = _dcg(gains) / _dcg(ideal)
    first = next((i + 1 for i, iri in enumerate(top) if iri in query.grades), None)
    return Scored(query, recall, ndcg, first, top)


def _dcg(gains: list[int]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def run(queries: list[Judged], search: Callable[[Judged], list[str]]) -> list[Scored]:
    return [score(q, search(q)) for q in queries]


def summary(scored: list[Scored]) -> dict[str, float]:
    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    out = {"recall@10": mean([s.recall for s in scored]), "ndcg@10": mean([s.ndcg for s in scored])}
    for lang in ("zh", "en"):
        part = [s for s in scored if s.query.lang == lang]
        out[f"recall@10 {lang}"] = mean([s.recall for s in part])
        out[f"ndcg@10 {lang}"] = mean([s.ndcg for s in part])
    return out


def table(scored: list[Scored], title: str = "") -> str:
    width = max(len(s.query.q) for s in scored) + 2
    lines = [title] if title else []
    lines.append(f"{'id':<22}{'query':<{width}}{'lang':<6}{'judged':>7}{'recall@10':>11}{'nDCG@10':>9}"
                 f"{'first':>7}")
    for s in scored:
        first = str(s.first) if s.first else "-"
        lines.append(f"{s.query.id:<22}{s.query.q:<{width}}{s.query.lang:<6}{len(s.query.grades):>7}"
                     f"{s.recall:>11.3f}{s.ndcg:>9.3f}{first:>7}")
    lines += [f"{name}: {value:.3f}" for name, value in summary(scored).items()]
    return "\n".join(lines)
