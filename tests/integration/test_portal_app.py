"""The app factory, /healthz and / against the real database and the real Elasticsearch."""

from __future__ import annotations

from portal import create_app
from portal.config import load


def _app(db_url: str, es_url: str):
    settings = load({"DATABASE_URL": db_url, "ELASTICSEARCH_URL": es_url, "KAIFANG_VAR": "/tmp/kaifang-test"})
    return create_app(settings)


def test_healthz_reports_database_and_elasticsearch(db_url, es_url):
    client = _app(db_url, es_url).test_client()
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["revision"] == body["database"]["expected"]
    assert body["elasticsearch"]["status"] in ("green", "yellow")
    assert body["elasticsearch"]["version"].startswith("8.")


def test_healthz_says_503_when_elasticsearch_is_down(db_url):
    client = _app(db_url, "http://127.0.0.1:9").test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"]["ok"] is True
    assert body["elasticsearch"]["ok"] is False
    assert body["elasticsearch"]["status"] == "unreachable"


def test_healthz_flags_an_unmigrated_database(tmp_path, es_url):
    client = _app(f"sqlite:///{tmp_path / 'empty.db'}", es_url).test_client()
    body = client.get("/healthz").get_json()
    assert body["database"]["ok"] is False


def test_home_page_counts_datasets_in_both_languages(db_url, es_url):
    client = _app(db_url, es_url).test_client()
    zh = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert zh.status_code == 200
    assert 'lang="zh-Hans"' in zh.get_data(as_text=True)
    en = client.get("/?lang=en")
    assert 'lang="en"' in en.get_data(as_text=True)
