"""SHACL before commit (422 with findings), and what never leaves the server: emails, hashes, tokens."""

from __future__ import annotations

import logging

from catalog.store import name_for
from portal.auth import RedactSecrets, redact


def test_violations_are_refused_with_findings_and_warnings_are_returned(ws):
    client, iri = ws.client(), "https://data.example.cn/dataset/invalid"
    body = ws.body(iri)
    body["distributions"][0]["access_url"] = None  # DCAT-AP: a distribution must have dcat:accessURL
    response = client.post("/api/1/datasets", json=body, headers=ws.headers("editor"))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    violations = [f for f in problem["findings"] if f["severity"] == "Violation"]
    assert [f["path"] for f in violations] == ["http://www.w3.org/ns/dcat#accessURL"]
    assert ws.store.get(iri) is None
    ok = client.post("/api/1/datasets", json=ws.body(iri), headers=ws.headers("editor"))
    assert ok.status_code == 201
    warnings = ok.get_json()["warnings"]
    assert warnings and {f["severity"] for f in warnings} <= {"Warning", "Info"}
    assert ok.headers["Location"].endswith(f"/api/1/datasets/{name_for(iri)}")
    typo = {**ws.body(iri), "titel": "typo"}
    bad_json = client.post("/api/1/datasets", json=typo, headers=ws.headers("editor"))
    assert bad_json.status_code == 400 and bad_json.get_json()["fields"] == {"titel": "unknown key"}


def test_public_apis_never_show_accounts(ws):
    client = ws.client()
    body = ws.body("https://data.example.cn/dataset/p")
    assert client.post("/api/1/datasets", json=body, headers=ws.headers("editor")).status_code == 201
    pages = [client.get(path).get_data(as_text=True) for path in (
        f"/api/1/datasets/{ws.seeded}", "/api/3/action/package_list", "/feeds/recent.atom",
        "/api/3/action/organization_list?all_fields=true", f"/dataset/{ws.seeded}/activity",
        "/api/3/action/current_package_list_with_resources")]
    for text in pages:
        assert "@example.org" not in text and "scrypt" not in text and "kf_" not in text


def test_logs_never_carry_passwords_or_tokens(ws, caplog):
    token = ws.tokens["editor"]
    lines = [f"Authorization: {token}", "authorization=Bearer abc.def", "POST /x?password=hunter2hunter2&a=1",
             '{"password": "hunter2hunter2"}', f"token {token} used"]
    for line in lines:
        cleaned = redact(line)
        assert "hunter2" not in cleaned and token not in cleaned and "abc.def" not in cleaned
    logger = logging.getLogger("kaifang.test")
    handler = logging.Handler()
    handler.addFilter(RedactSecrets())
    records = []
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        logger.warning("login failed for %s with password=%s", "editor", "hunter2hunter2")
    finally:
        logger.removeHandler(handler)
    assert records and "hunter2" not in records[0].getMessage() and "editor" in records[0].getMessage()
    # the app installed the filter on the handlers that write its logs
    assert any(isinstance(f, RedactSecrets) for f in logging.getLogger("werkzeug").filters)
