"""Browser sessions and API tokens: CSRF, session fixation, throttling and lockout, expiry, revocation."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from catalog import accounts
from catalog.tables import utcnow
from catalog.tables_accounts import ApiTokenRow, LoginAttemptRow

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(client, path: str = "/user/login") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def _login(client, name: str, password: str, token: str | None = None):
    token = token if token is not None else _csrf(client)
    return client.post("/user/login", data={"username": name, "password": password, "csrf_token": token})


def test_login_needs_the_csrf_token_and_rotates_the_session(ws):
    client = ws.client()
    assert _login(client, "editor", ws.password, token="").status_code == 400
    assert _login(client, "editor", ws.password, token="forged").status_code == 400
    planted = _csrf(client)
    with client.session_transaction() as before:
        sid_before = before["sid"]
    cookie_before = client.get_cookie("session").value
    response = _login(client, "editor", ws.password, token=planted)
    assert response.status_code == 302 and response.headers["Location"].endswith("/user/tokens")
    with client.session_transaction() as after:
        assert after["sid"] != sid_before and after["csrf"] != planted and after["uid"]
    cookie = client.get_cookie("session")
    assert cookie.value != cookie_before and cookie.http_only and cookie.same_site == "Lax"
    # the token known before login (a fixated session's) no longer passes
    assert client.post("/user/tokens", data={"name": "x", "csrf_token": planted}).status_code == 400


def test_forms_of_a_session_need_its_csrf_token(ws):
    client = ws.client()
    assert _login(client, "editor", ws.password).status_code == 302
    assert client.post("/user/tokens", data={"name": "no token"}).status_code == 400
    assert client.post("/user/tokens", data={"name": "bad", "csrf_token": "x" * 43}).status_code == 400
    # the JSON write API from a browser session needs the header too
    body = ws.body("https://data.example.cn/dataset/session")
    assert client.post("/api/1/datasets", json=body).status_code == 400
    token = _csrf(client, "/user/tokens")
    assert client.post("/api/1/datasets", json=body, headers={"X-CSRF-Token": token}).status_code == 201
    page = client.post("/user/tokens", data={"name": "script", "csrf_token": token})
    assert page.status_code == 201 and page.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="new-token">(kf_[^<]+)</code>', page.get_data(as_text=True)).group(1)
    assert secret not in client.get("/user/tokens").get_data(as_text=True)  # shown once
    assert client.post("/user/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/user/tokens").status_code == 302  # signed out: back to the login page
    # API calls with a token are exempt from CSRF (no session involved)
    other = ws.body("https://data.example.cn/dataset/by-token")
    response = ws.client().post("/api/1/datasets", json=other, headers={"Authorization": secret})
    assert response.status_code == 201


def test_token_revocation_and_expiry(ws):
    client = ws.client()
    body = ws.body("https://data.example.cn/dataset/t1")
    bearer = {"Authorization": "Bearer " + ws.tokens["editor"]}
    assert client.post("/api/1/datasets", json=body, headers=bearer).status_code == 201
    with ws.store.sessions() as s:
        row = s.scalar(select(ApiTokenRow).where(ApiTokenRow.prefix == ws.tokens["editor"][3:15]))
        assert row.last_used_at is not None and row.token_hash != ws.tokens["editor"]
    _login(client, "editor", ws.password)
    token = _csrf(client, "/user/tokens")
    assert client.post(f"/user/tokens/{row.id}/revoke", data={"csrf_token": token}).status_code == 302
    again = ws.body("https://data.example.cn/dataset/t2")
    assert ws.client().post("/api/1/datasets", json=again, headers=bearer).status_code == 401
    # someone else's token cannot be revoked through my session
    with ws.store.sessions() as s:
        admins = s.scalar(select(ApiTokenRow.id).where(ApiTokenRow.prefix == ws.tokens["admin"][3:15]))
    assert client.post(f"/user/tokens/{admins}/revoke", data={"csrf_token": token}).status_code == 404
    # expiry
    with ws.store.sessions.begin() as s:
        s.execute(update(ApiTokenRow).where(ApiTokenRow.id == admins)
                  .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert ws.client().post("/api/1/datasets", json=again, headers=ws.headers("admin")).status_code == 401
    # a token with a valid prefix but the wrong secret
    forged = ws.tokens["sysadmin"][:16] + "A" * 43
    response = ws.client().post("/api/1/datasets", json=again, headers={"Authorization": forged})
    assert response.status_code == 401
    assert ws.client().post("/api/1/datasets", json=again, headers=ws.headers("sysadmin")).status_code == 201


def test_account_lockout_holds_even_with_the_right_password(ws):
    client = ws.client()
    for _ in range(3):
        assert _login(client, "editor", "wrong password!!").status_code == 401
    assert _login(client, "editor", ws.password).status_code == 429
    # another account from the same address is not locked
    assert _login(ws.client(), "admin", ws.password).status_code == 302
    # the lock is in the database: a second app (another process) sees it
    with ws.store.sessions.begin() as s:
        try:
            accounts.authenticate(s, "editor", ws.password, "10.0.0.9", accounts.Throttle(max_failures=3))
            raise AssertionError("not locked")
        except accounts.LoginRefused as exc:
            assert exc.reason == "locked"
    # when the window has passed, the right password works again
    with ws.store.sessions.begin() as s:
        s.execute(update(LoginAttemptRow).values(at=utcnow() - timedelta(minutes=16)))
    assert _login(client, "editor", ws.password).status_code == 302


def test_login_rate_limit_per_address(ws):
    names = [f"nobody-{i}" for i in range(8)]
    for name in names:  # unknown names: each fails once, no account gets locked
        assert _login(ws.client(), name, "whatever password").status_code == 401
    assert _login(ws.client(), "admin", ws.password).status_code == 429
    with ws.store.sessions() as s:
        attempts = list(s.scalars(select(LoginAttemptRow)))
    assert len(attempts) == 8 and not any(a.success for a in attempts)  # refused before checking
    assert all("password" not in (a.username or "") for a in attempts)
