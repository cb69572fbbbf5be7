"""The local Elasticsearch engine: its lifecycle, and our analysis plugin seen through the real HTTP API.

The module starts its own node (free port, temporary var dir) rather than reusing a shared one, because it
stops that node at the end and probes error paths.
"""

import shutil
import socket
import tempfile
from pathlib import Path

import pytest
import requests

from search.engine import ENGINE_HOME, ES_VERSION, EngineConfig, EngineError, start, status, stop

pytestmark = pytest.mark.es


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _free_port() -> int:
    """A free HTTP port whose transport port (+100) is free too."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port + 100 < 65536 and _port_free(port + 100):
            return port


def _var_dir() -> Path:
    # not under pytest's tmp_path: that is 0700 root, and as root the node runs as the kaifang-es user
    return Path(tempfile.mkdtemp(prefix="kaifang-es-test-"))


@pytest.fixture(scope="module")
def engine() -> EngineConfig:
    cfg = EngineConfig(home=ENGINE_HOME, var=_var_dir(), port=_free_port(), heap="512m")
    try:
        start(cfg)
        yield cfg
    finally:
        stop(cfg)
        shutil.rmtree(cfg.var, ignore_errors=True)


def _tokens(cfg: EngineConfig, **body) -> list[str]:
    response = requests.post(f"{cfg.url}/_analyze", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return [token["token"] for token in response.json()["tokens"]]


def test_start_reports_a_healthy_node_and_is_idempotent(engine):
    first = status(engine)
    assert first["running"] and isinstance(first["pid"], int)
    assert first["health"] in ("yellow", "green")
    assert first["version"] == ES_VERSION
    assert first["url"] == f"http://127.0.0.1:{engine.port}"
    assert start(engine)["pid"] == first["pid"]


def test_cjk_bigram_splits_chinese_into_overlapping_bigrams(engine):
    tokens = _tokens(engine, tokenizer="standard", filter=["kaifang_cjk_bigram"], text="上海市空气质量")
    assert tokens == ["上海", "海市", "市空", "空气", "气质", "质量"]


def test_cjk_bigram_can_keep_unigrams(engine):
    bigram = {"type": "kaifang_cjk_bigram", "output_unigrams": True}
    tokens = _tokens(engine, tokenizer="standard", filter=[bigram], text="上海市")
    assert tokens == ["上", "上海", "海", "海市", "市"]


def test_smartcn_segments_chinese_into_words(engine):
    tokens = _tokens(engine, tokenizer="kaifang_smartcn", text="空气质量监测数据")
    assert "空气质量" in tokens or {"空气", "质量"} <= set(tokens)
    assert {"监测", "数据"} <= set(tokens)
    assert not set("空气质量监测数据") & set(tokens)  # words, not single characters


def test_porter_stem_reduces_english_words_to_stems(engine):
    stem = ["lowercase", "kaifang_porter_stem"]
    tokens = _tokens(engine, tokenizer="standard", filter=stem, text="buses running statistics")
    assert tokens == ["buse", "run", "statist"]


@pytest.mark.parametrize(
    ("token_filter", "text", "expected"),
    [
        ("kaifang_english_possessive", "London's", ["London"]),
        ("kaifang_kstem", "bus buses datasets", ["bus", "bus", "dataset"]),
        ("kaifang_ascii_folding", "Zürich Bogotá", ["Zurich", "Bogota"]),
        ("kaifang_cjk_width", "ＰＭ２", ["PM2"]),
        ("kaifang_edge_ngram", "air", ["a", "ai", "air"]),
        ({"type": "kaifang_edge_ngram", "min_gram": 2, "max_gram": 3}, "quality", ["qu", "qua"]),
    ],
)
def test_token_filters(engine, token_filter, text, expected):
    assert _tokens(engine, tokenizer="standard", filter=[token_filter], text=text) == expected


@pytest.mark.parametrize(
    ("analyzer", "text", "expected"),
    [
        ("kaifang_chinese", "空气质量监测数据，Statistics", ["空气", "质量", "监测", "数据", "statist"]),
        ("kaifang_english", "The city's buses", ["citi", "buse"]),
        ("kaifang_cjk", "上海市 Air", ["上海", "海市", "air"]),
    ],
)
def test_analyzers(engine, analyzer, text, expected):
    assert _tokens(engine, analyzer=analyzer, text=text) == expected


def test_index_with_custom_analyzers_matches_what_it_should(engine):
    index = f"{engine.url}/kaifang-engine-test"
    chains = {
        "zh": ("kaifang_smartcn", ["lowercase", "stop"]),
        "bigram": ("standard", ["kaifang_cjk_width", "kaifang_cjk_bigram"]),
        "en": ("standard", ["kaifang_english_possessive", "lowercase", "kaifang_porter_stem"]),
        "prefix": ("standard", ["lowercase", "kaifang_ascii_folding", "prefix"]),
        "folded": ("standard", ["lowercase", "kaifang_ascii_folding"]),
    }
    analysis = {
        "filter": {"prefix": {"type": "kaifang_edge_ngram", "max_gram": 10}},
        "analyzer": {
            name: {"type": "custom", "tokenizer": t, "filter": f} for name, (t, f) in chains.items()
        },
    }
    title = {
        "type": "text",
        "analyzer": "en",
        "fields": {"zh": {"type": "text", "analyzer": "zh"}, "bi": {"type": "text", "analyzer": "bigram"}},
    }
    name = {"type": "text", "analyzer": "prefix", "search_analyzer": "folded"}
    mappings = {"properties": {"title": title, "name": name}}
    created = requests.put(index, json={"settings": {"analysis": analysis}, "mappings": mappings}, timeout=30)
    assert created.status_code == 200, created.text
    docs = {
        "air": {"title": "上海市空气质量监测数据 Bus statistics", "name": "Zürich air"},
        "water": {"title": "北京市水资源公报 Water resources", "name": "Beijing water"},
    }
    for doc_id, doc in docs.items():
        assert requests.put(f"{index}/_doc/{doc_id}", json=doc, timeout=10).status_code == 201
    requests.post(f"{index}/_refresh", timeout=10).raise_for_status()

    def ids(query: dict) -> set[str]:
        hits = requests.post(f"{index}/_search", json={"query": query}, timeout=10).json()["hits"]["hits"]
        return {hit["_id"] for hit in hits}

    try:
        assert ids({"match": {"title": "statistic"}}) == {"air"}
        assert ids({"match": {"title.zh": "空气质量"}}) == {"air"}
        assert ids({"match_phrase": {"title.bi": "空气质量"}}) == {"air"}
        assert ids({"match_phrase": {"title.bi": "水资源"}}) == {"water"}
        assert ids({"match": {"name": "zur"}}) == {"air"}
        assert ids({"match": {"title": "rivers"}}) == set()
    finally:
        requests.delete(index, timeout=30)


def test_start_refuses_a_port_held_by_another_process(engine):
    other = EngineConfig(home=ENGINE_HOME, var=_var_dir(), port=engine.port)
    try:
        with pytest.raises(EngineError, match=f"port {engine.port} is held by another process"):
            start(other)
    finally:
        shutil.rmtree(other.var, ignore_errors=True)


def test_start_reports_a_node_that_dies_with_its_log():
    broken = EngineConfig(home=ENGINE_HOME, var=_var_dir(), port=_free_port(), heap="banana")
    try:
        with pytest.raises(EngineError, match="died at start-up(.|\n)*banana"):
            start(broken, timeout=60)
        assert not status(broken)["running"]
    finally:
        stop(broken)
        shutil.rmtree(broken.var, ignore_errors=True)


def test_stop_ends_the_node_and_status_says_so(engine):  # last: the node is gone afterwards
    pid = status(engine)["pid"]
    assert stop(engine) is True
    stopped = {"running": False, "pid": None, "url": engine.url, "health": None, "version": None}
    assert status(engine) == stopped
    assert not Path(f"/proc/{pid}").exists()
    assert _port_free(engine.port)
    assert stop(engine) is False
