"""Analysis chains for the dataset index, built only from what our engine has.

The engine has no analysis-common module: besides the standard tokenizer and the lowercase, stop and
shingle filters, everything comes from our kaifang-analysis plugin. Chinese text is indexed twice: CJK
bigrams never miss a place or agency name a segmenter does not know; smartcn words rank real words higher.
"""

from __future__ import annotations

from elasticsearch.dsl import analyzer, normalizer, token_filter

PUNCTUATION = [",", ".", "，", "。", "、", "；", ";", ":", "：", "!", "?", "！", "？", "(", ")", "（", "）"]

cjk_bigram = token_filter("zh_bigram", "kaifang_cjk_bigram")
punctuation = token_filter("punctuation", "stop", stopwords=PUNCTUATION)
english_stop = token_filter("english_stop", "stop", stopwords="_english_")
prefixes = token_filter("prefixes", "kaifang_edge_ngram", min_gram=1, max_gram=20)

zh_bigram = analyzer("zh_bigram", tokenizer="standard", filter=["kaifang_cjk_width", "lowercase", cjk_bigram])
zh_words = analyzer("zh_words", tokenizer="kaifang_smartcn",
                    filter=["kaifang_cjk_width", "lowercase", punctuation])
zh_prefix = analyzer("zh_prefix", tokenizer="kaifang_smartcn",
                     filter=["kaifang_cjk_width", "lowercase", punctuation, prefixes])
english = analyzer("english_text", tokenizer="standard",
                   # KStem first gets plurals right (Porter alone: bus -> bu, buses -> buse), Porter then
                   # joins derivations (statistic/statistics, run/running) that KStem leaves apart.
                   filter=["kaifang_english_possessive", "lowercase", english_stop, "kaifang_kstem",
                           "kaifang_porter_stem"])
neutral = analyzer("neutral", tokenizer="standard",
                   filter=["kaifang_cjk_width", "lowercase", "kaifang_ascii_folding", cjk_bigram])
suggest = analyzer("suggest_text", tokenizer="standard", filter=["kaifang_cjk_width", "lowercase"])
lower = normalizer("lower", filter=["lowercase"])
