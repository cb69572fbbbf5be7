"""Organisation members in the browser: the audit trail of each change, the last admin, CSRF, privacy
of e-mail addresses, escaping and Chinese messages. Who may call which route is in test_authorisation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog import accounts, audit
from catalog.tables_accounts import AuditEventRow

ORG = "/workspace/orgs/epb"


def _role(ws, name: str) -> str | None:
    with ws.store.sessions() as s:
        return accounts.role_in(s, accounts.user_by_name(s, name), accounts.org_by_slug(s, "epb"))


def _events(ws) -> list[dict]:
    """epb's membership events, oldest first, as (actor, ip, action, object, diff)."""
    with ws.store.sessions() as s:
        rows = reversed(audit.events(s, object_type="membership", organisation="epb"))
        return [{"actor": e.actor_name, "ip": e.ip, "action": e.action, "object": e.object_id, "diff": e.diff}
                for e in rows]


def _post(client, path: str, token: str, **form: str) -> int:
    return client.post(path, data={**form, "csrf_token": token}).status_code


def _count(ws) -> int:
    with ws.store.sessions() as s:
        return s.scalar(select(func.count()).select_from(AuditEventRow))


def test_an_admin_adds_changes_and_removes_a_member_each_audited(ws):
    with ws.store.sessions.begin() as s:
        accounts.create_user(s, "lihua", "Li.Hua@Example.org", ws.password)
    client, token = ws.browser("admin")
    assert client.post(f"{ORG}/members", data={"user": "li.hua@example.org", "role": "viewer",
                                               "csrf_token": token}).status_code == 303
    page = client.get(ORG).get_data(as_text=True)
    assert "lihua" in page and "Li.Hua@Example.org" in page
    assert _post(client, f"{ORG}/members/lihua/role", token, role="editor") == 303
    assert _role(ws, "lihua") == "editor"
    assert client.post(f"{ORG}/members/lihua/remove", data={"csrf_token": token}).status_code == 303
    assert _role(ws, "lihua") is None
    viewer, viewer_token = ws.browser("viewer")
    assert viewer.post(f"{ORG}/leave", data={"csrf_token": viewer_token}).status_code == 303
    assert _role(ws, "viewer") is None
    member = "membership:epb:lihua"
    assert _events(ws) == [
        {"actor": "admin", "ip": "127.0.0.1", "action": "add-member", "object": member,
         "diff": {"role": {"from": None, "to": "viewer"}}},
        {"actor": "admin", "ip": "127.0.0.1", "action": "set-role", "object": member,
         "diff": {"role": {"from": "viewer", "to": "editor"}}},
        {"actor": "admin", "ip": "127.0.0.1", "action": "remove-member", "object": member,
         "diff": {"role": {"from": "editor", "to": None}}},
        {"actor": "viewer", "ip": "127.0.0.1", "action": "leave", "object": "membership:epb:viewer",
         "diff": {"role": {"from": "viewer", "to": None}}},
    ]
    history = client.get(ORG).get_data(as_text=True)  # admins read the membership history on the page
    assert "add-member" in history and "remove-member" in history and "leave" in history


def test_an_organisation_never_loses_its_last_admin(ws):
    client, token = ws.browser("admin")
    before = _count(ws)
    for path, form in ((f"{ORG}/members/admin/role", {"role": "editor"}), (f"{ORG}/members/admin/remove", {}),
                       (f"{ORG}/leave", {})):
        response = client.post(path, data={**form, "csrf_token": token}, headers={"Accept-Language": "en"})
        assert response.status_code == 422
        assert "needs at least one admin" in response.get_data(as_text=True)
    sysadmin, sys_token = ws.browser("sysadmin")  # not even a sysadmin may
    assert sysadmin.post(f"{ORG}/members/admin/remove", data={"csrf_token": sys_token}).status_code == 422
    assert _role(ws, "admin") == "admin" and _count(ws) == before  # nothing changed, nothing audited
    with ws.store.sessions.begin() as s, pytest.raises(accounts.LastAdmin):  # the CLI's path too
        accounts.set_member(s, accounts.org_by_slug(s, "epb"), accounts.user_by_name(s, "admin"), "viewer")
    # with a second admin, the first may step down
    assert _post(client, f"{ORG}/members/editor/role", token, role="admin") == 303
    assert client.post(f"{ORG}/leave", data={"csrf_token": token}).status_code == 303
    assert _role(ws, "admin") is None and _role(ws, "editor") == "admin"
    editor, editor_token = ws.browser("editor")
    response = editor.post(f"{ORG}/members/editor/role", data={"role": "viewer", "csrf_token": editor_token})
    assert response.status_code == 422


def test_every_form_needs_the_sessions_csrf_token(ws):
    client, token = ws.browser("sysadmin")
    forms = {f"{ORG}/members": {"user": "other-editor", "role": "admin"},
             f"{ORG}/members/viewer/role": {"role": "admin"}, f"{ORG}/members/viewer/remove": {},
             f"{ORG}/leave": {}, "/workspace/orgs/new": {"slug": "forged", "title": "x",
                                                          "publisher": "https://forged.example/org"}}
    before = _count(ws)
    for path, form in forms.items():
        assert client.post(path, data=form).status_code == 400
        assert client.post(path, data={**form, "csrf_token": "x" * 43}).status_code == 400
    assert _role(ws, "viewer") == "viewer" and _role(ws, "other-editor") is None
    assert _count(ws) == before


def test_a_token_cannot_use_the_browser_pages(ws):
    for path in ("/workspace/orgs", ORG):
        assert ws.client().get(path, headers=ws.headers("sysadmin")).status_code == 403
    response = ws.client().post(f"{ORG}/members", data={"user": "other-editor", "role": "admin"},
                                headers=ws.headers("admin"))
    assert response.status_code == 403 and _role(ws, "other-editor") is None


def test_email_addresses_only_for_the_organisations_admins_and_sysadmins(ws):
    admin, token = ws.browser("admin")
    assert _post(admin, f"{ORG}/members/viewer/role", token, role="editor") == 303
    for role, shown in (("viewer", False), ("editor", False), ("admin", True), ("sysadmin", True)):
        page = ws.browser(role)[0].get(ORG).get_data(as_text=True)
        assert ("@example.org" in page) is shown, role
        assert "editor" in page  # everyone in the organisation sees names and roles
    public = [ws.client().get(path).get_data(as_text=True) for path in (
        "/organization/epb/activity", "/feeds/recent.atom", "/api/3/action/organization_show?id=epb",
        "/api/3/action/organization_list?all_fields=true", "/publishers")]
    for text in public:
        assert "@example.org" not in text
        assert "membership:" not in text  # membership changes are not public activity


def test_refused_additions_say_why_in_chinese_and_english(ws):
    client, token = ws.browser("admin")
    cases = (({"user": "nobody@example.org", "role": "viewer"}, "没有使用此用户名或电子邮件地址的用户",
              "No user has this name"),
             ({"user": "editor", "role": "viewer"}, "editor 已是成员", "already a member"),
             ({"user": "other-editor", "role": "owner"}, "请选择角色", "Choose a role"))
    for form, zh, en in cases:
        for lang, text in (("zh", zh), ("en", en)):
            response = client.post(f"{ORG}/members?lang={lang}", data={**form, "csrf_token": token})
            assert response.status_code == 422 and text in response.get_data(as_text=True), (form, lang)
    assert _role(ws, "other-editor") is None and _role(ws, "editor") == "editor"


def test_a_sysadmin_creates_an_organisation_and_its_first_admin(ws):
    client, token = ws.browser("sysadmin")
    form = {"slug": "stats", "title": "统计局 <script>alert(1)</script>",
            "publisher": "https://data.example.cn/org/stats", "csrf_token": token}
    response = client.post("/workspace/orgs/new", data=form)
    assert response.status_code == 303 and response.headers["Location"].endswith("/workspace/orgs/stats")
    page = client.get("/workspace/orgs/stats").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    again = client.post("/workspace/orgs/new?lang=en", data=form)
    assert again.status_code == 422 and "exists" in again.get_data(as_text=True)
    bad = client.post("/workspace/orgs/new?lang=en", data={**form, "slug": "x2", "publisher": "javascript:x"})
    assert bad.status_code == 422 and "must be an IRI" in bad.get_data(as_text=True)
    assert client.post("/workspace/orgs/stats/members", data={"user": "other-editor", "role": "admin",
                                                              "csrf_token": token}).status_code == 303
    with ws.store.sessions() as s:
        created = audit.events(s, object_type="organisation", organisation="stats")
        assert [(e.actor_name, e.action, e.diff["slug"]["to"]) for e in created] == \
            [("sysadmin", "create", "stats")]
    other, _ = ws.browser("other_editor")
    assert "stats" in other.get("/workspace/orgs").get_data(as_text=True)


def test_an_admin_manages_only_their_own_organisation(ws):
    client, token = ws.browser("admin")
    assert client.get("/workspace/orgs/other").status_code == 403
    assert _post(client, "/workspace/orgs/other/members", token, user="admin", role="admin") == 403
    assert _post(client, "/workspace/orgs/other/members/other-editor/remove", token) == 403
    assert client.get("/workspace/orgs/nowhere").status_code == 404
    assert _post(client, f"{ORG}/members/other-editor/role", token, role="admin") == 404  # not a member
    with ws.store.sessions() as s:
        assert accounts.role_in(s, accounts.user_by_name(s, "other-editor"),
                                accounts.org_by_slug(s, "other")) == "editor"
