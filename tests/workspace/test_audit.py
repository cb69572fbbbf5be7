"""The audit trail (who, when, where, what, with diffs), activity pages and Atom feeds."""

from __future__ import annotations

from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own feed in a test

from click.testing import CliRunner

from catalog import audit
from catalog.store import name_for
from catalog.tables_accounts import AuditEventRow
from portal.cli import main

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = "<script>alert('x')</script> & </title><![CDATA[ ]]> \x07bell"


def _events(ws, **where) -> list[AuditEventRow]:
    with ws.store.sessions() as s:
        return audit.events(s, **where)


def test_dataset_changes_are_recorded_with_diffs(ws):
    client, iri = ws.client(), "https://data.example.cn/dataset/audited"
    first = client.post("/api/1/datasets", json=ws.body(iri, "第一版"), headers=ws.headers("editor"))
    assert first.status_code == 201
    name = name_for(iri)
    changed = ws.body(iri, "第二版")
    assert client.put(f"/api/1/datasets/{name}", json=changed, headers=ws.headers("admin")).status_code == 200
    assert client.post(f"/api/1/datasets/{name}/withdraw", headers=ws.headers("editor")).status_code == 200
    assert client.delete(f"/api/1/datasets/{name}", headers=ws.headers("sysadmin")).status_code == 204
    found = _events(ws, object_id=iri)
    assert [(e.action, e.actor_name, e.organisation) for e in found] == [
        ("delete", "sysadmin", "epb"), ("withdraw", "editor", "epb"), ("update", "admin", "epb"),
        ("create", "editor", "epb")]
    assert all(e.ip == "127.0.0.1" and e.at is not None for e in found)
    delete, withdraw, update, create = found
    assert update.diff == {"title.zh": {"from": "第一版", "to": "第二版"}}
    assert withdraw.diff == {"status": {"from": "active", "to": "withdrawn"}}
    assert create.diff["title.zh"] == {"from": None, "to": "第一版"} and "creator" not in create.diff
    assert delete.diff["iri"] == {"from": iri, "to": None}
    # refused writes leave no trace
    refused = client.post("/api/1/datasets", json=ws.body(iri + "2"), headers=ws.headers("viewer"))
    assert refused.status_code == 403
    assert _events(ws, object_id=iri + "2") == []


def test_cli_membership_and_token_changes_are_recorded(ws, db_url):
    env = {"DATABASE_URL": db_url}
    runner = CliRunner()
    create = ["user", "create", "newcomer", "--email", "n@example.org", "--password-stdin"]
    result = runner.invoke(main, create, input="a long enough password\n", env=env)
    assert result.exit_code == 0, result.output
    short = runner.invoke(main, ["user", "create", "weak", "--email", "w@example.org", "--password-stdin"],
                          input="short\n", env=env)
    assert short.exit_code != 0 and "12 characters" in short.output
    result = runner.invoke(main, ["org", "add-member", "epb", "newcomer", "--role", "editor"], env=env)
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["org", "add-member", "epb", "newcomer", "--role", "admin"], env=env)
    token = runner.invoke(main, ["token", "create", "newcomer", "--expires-days", "7"], env=env)
    token = token.output.strip()
    assert token.startswith("kf_")
    member = _events(ws, object_type="membership")
    assert [e.diff for e in member] == [{"role": {"from": "editor", "to": "admin"}},
                                        {"role": {"from": None, "to": "editor"}}]
    assert all(e.actor_name == "cli" for e in member)
    (created,) = _events(ws, object_type="token")
    assert token not in str(created.diff) and created.diff["prefix"]["to"] == token[3:15]
    body = ws.body("https://data.example.cn/dataset/by-newcomer")
    assert ws.client().post("/api/1/datasets", json=body, headers={"Authorization": token}).status_code == 201


def test_activity_pages_and_atom_feeds_escape_everything(ws):
    client, iri = ws.client(), "https://data.example.cn/dataset/hostile"
    response = client.post("/api/1/datasets", json=ws.body(iri, HOSTILE), headers=ws.headers("editor"))
    assert response.status_code == 201, response.get_json()
    name = name_for(iri)
    page = client.get(f"/dataset/{name}/activity").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "create" in page
    assert "editor" not in page and "127.0.0.1" not in page  # no person, no address in public
    org_page = client.get("/organization/epb/activity").get_data(as_text=True)
    assert "&lt;script&gt;" in org_page and "<script>alert" not in org_page
    assert client.get("/organization/nope/activity").status_code == 404
    for path in ("/feeds/recent.atom", f"/dataset/{name}/activity.atom"):
        feed = client.get(path)
        assert feed.mimetype == "application/atom+xml"
        root = ET.fromstring(feed.data)  # noqa: S314 - our own output
        assert root.tag == f"{ATOM}feed" and root.find(f"{ATOM}updated") is not None
        titles = [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]
        assert f"create: {HOSTILE.replace(chr(7), '')}" in titles
        assert b"<script>" not in feed.data and b"editor" not in feed.data
