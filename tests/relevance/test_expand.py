"""Query-side expansions (search/expansions.yaml): one way, inside Chinese words, whole English words."""

from __future__ import annotations

from search.expand import expand


def test_chinese_expansion_one_way_and_inside_a_longer_word():
    assert expand("公共交通") == "(公共交通 | 公交 | 地铁 | 轨道交通)"
    assert expand("公交") == "公交"  # never the reverse
    assert expand("浦东养老院").startswith("(浦东养老院 | (浦东 敬老院) | ")


def test_english_whole_words_with_plural_and_case():
    assert expand("Bikes lanes") == "(Bikes | bicycle) lanes"
    assert expand("biker") == "biker"


def test_words_with_operators_are_left_alone():
    for text in ['"公共交通"', "-crime", "crime*", "(bike)"]:
        assert expand(text) == text
