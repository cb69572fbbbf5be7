"""Analysis chains for the dataset index, built only from what our engine has.

The engine has no analysis-common module: besides the standard tokenizer and the lowercase, stop and
shingle filters, everything comes from our kaifang-analysis plugin. Chinese text is indexed twice: CJK
bigrams never miss a place or agency name a segmenter does not know; smartcn words rank real words higher.
"""

from __future__ import annotations

from elasticsearch import ApiError, Elasticsearch
from elasticsearch.dsl import analyzer, normalizer, token_filter

PUNCTUATION = [",", ".", "，", "。", "、", "；", ";", ":", "：", "!", "?", "！", "？", "(", ")", "（", "）"]

cjk_bigram = token_filter("zh_bigram", "kaifang_cjk_bigram")
punctuation = token_filter("punctuation", "stop", stopwords=PUNCTUATION)
english_stop = token_filter("english_stop", "stop", stopwords="_english_")
english_stem = token_filter("english_stem", "kaifang_porter_stem")
prefixes = token_filter("prefixes", "kaifang_edge_ngram", min_gram=1, max_gram=20)

zh_bigram = analyzer("zh_bigram", tokenizer="standard", filter=["kaifang_cjk_width", "lowercase", cjk_bigram])
zh_words = analyzer("zh_words", tokenizer="kaifang_smartcn",
                    filter=["kaifang_cjk_width", "lowercase", punctuation])
zh_prefix = analyzer("zh_prefix", tokenizer="kaifang_smartcn",
                     filter=["kaifang_cjk_width", "lowercase", punctuation, prefixes])
english = analyzer("english_text", tokenizer="standard",
                   filter=["kaifang_english_possessive", "lowercase", english_stop, english_stem])
neutral = analyzer("neutral", tokenizer="standard",
                   filter=["kaifang_cjk_width", "lowercase", "kaifang_ascii_folding", cjk_bigram])
suggest = analyzer("suggest_text", tokenizer="standard", filter=["kaifang_cjk_width", "lowercase"])
lower = normalizer("lower", filter=["lowercase"])

# Porter stems "bus" to "bu" but "buses" to "buse"; KStem gets plurals right. Use it when the plugin has it.
PREFERRED_STEMMERS = ("kaifang_kstem", "kaifang_porter_stem")


def english_stemmer(client: Elasticsearch) -> str:
    """The best English stemming filter the engine offers (asked once per index creation)."""
    for name in PREFERRED_STEMMERS:
        try:
            client.indices.analyze(tokenizer="standard", filter=[name], text="buses")
            return name
        except ApiError:
            continue
    return PREFERRED_STEMMERS[-1]


def with_stemmer(settings: dict, stemmer: str) -> dict:
    """Index settings whose english_stem filter is `stemmer` (the analysers refer to it by name)."""
    settings["analysis"]["filter"]["english_stem"] = {"type": stemmer}
    return settings
