"""The analysis chains produce the tokens search relies on (asked of the real index)."""

from __future__ import annotations

import pytest

from search.documents import alias_name
from search.indexer import Indexer


@pytest.fixture(scope="module")
def tokens(es, prefix):
    Indexer(es, prefix).ensure_index()

    def analyze(analyzer: str, text: str) -> list[str]:
        result = es.indices.analyze(index=alias_name(prefix), analyzer=analyzer, text=text)
        return [t["token"] for t in result["tokens"]]

    return analyze


def test_chinese_bigrams_never_miss_a_name(tokens):
    assert tokens("zh_bigram", "上海市空气质量") == ["上海", "海市", "市空", "空气", "气质", "质量"]


def test_full_width_latin_is_folded(tokens):
    assert tokens("zh_bigram", "ＡＱＩ数据") == ["aqi", "数据"]


def test_smartcn_words_without_punctuation(tokens):
    words = ["上海市", "空气", "质量", "监测", "数据", "浦东"]
    assert tokens("zh_words", "上海市空气质量，监测数据（浦东）") == words


def test_chinese_prefixes_of_words(tokens):
    assert tokens("zh_prefix", "空气质量") == ["空", "空气", "质", "质量"]


def test_english_possessive_stop_and_stem(tokens):
    assert tokens("english_text", "The city's statistics") == ["citi", "statist"]
    assert tokens("english_text", "statistic") == ["statist"]


def test_english_plurals_and_derivations_meet(tokens):
    assert tokens("english_text", "buses bus") == ["bu", "bu"]
    assert tokens("english_text", "running runs") == ["run", "run"]


def test_neutral_folds_accents_and_bigrams_cjk(tokens):
    assert tokens("neutral", "Zürich 上海市") == ["zurich", "上海", "海市"]
