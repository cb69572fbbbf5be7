"""One-way query-side expansions from `search/expansions.yaml` (the engine has no synonym filter).

`expand("浦东 养老院")` gives `浦东 (养老院 | 敬老院 | 养老机构 | 养老服务机构)` for `simple_query_string`:
each alternative is searched like the word it stands for, and the record still has to match the rest of
the query. A query word that already carries an operator (quotes, parentheses, `|`, `-`...) is left alone.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

EXPANSIONS = Path(__file__).with_name("expansions.yaml")
PLAIN = re.compile(r"^[^\"'+\-|*()~\\]+$")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_ALTERNATIVES = 8


@cache
def table() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    data = yaml.safe_load(EXPANSIONS.read_text(encoding="utf-8")) or {}
    zh = {str(k): [str(v) for v in vs] for k, vs in (data.get("zh") or {}).items()}
    en = {str(k).lower(): [str(v) for v in vs] for k, vs in (data.get("en") or {}).items()}
    return zh, en


def alternatives(word: str) -> list[str]:
    """Other ways to say `word` (without `word` itself); multi-word alternatives come back space-separated."""
    if not PLAIN.match(word):
        return []
    zh, en = table()
    if CJK.search(word):
        out = []
        for key, names in zh.items():
            if key in word:
                # 浦东养老院 -> 浦东 敬老院: the rest of the word stays a separate, required part
                out += [" ".join(p for p in word.replace(key, f" {name} ").split()) for name in names]
        return out[:MAX_ALTERNATIVES]
    lower = word.lower()
    names = en.get(lower) or (en.get(lower[:-1]) if lower.endswith("s") else None) or []
    return names[:MAX_ALTERNATIVES]


def expand(text: str) -> str:
    """Rewrite every whitespace word that has alternatives as `(word | alt | (two words))`."""
    out = []
    for word in text.split():
        alts = alternatives(word)
        if alts:
            parts = [word, *(f"({a})" if " " in a else a for a in alts)]
            out.append(f"({' | '.join(parts)})")
        else:
            out.append(word)
    return " ".join(out)
