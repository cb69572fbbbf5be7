"""Who is calling: a browser session (signed cookie) or an API token (the `Authorization` header).

* Sessions: HttpOnly, SameSite=Lax, Secure when the site is served over HTTPS (setting
  `secure_cookies`), 8 hours. Logging in clears the session and mints a new session id and CSRF token,
  so a session planted before login (session fixation) is worth nothing after it.
* CSRF: every state-changing request of a browser session carries the session's token (form field
  `csrf_token` or header `X-CSRF-Token`), checked in constant time; so does the login form itself.
  Requests authenticated by an API token are exempt: a browser never adds that header on its own.
* Tokens: CKAN clients send the raw token in `Authorization`; `Bearer <token>` works too.
* Logs: `RedactSecrets` removes Authorization headers, tokens and password fields from every record.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from datetime import timedelta

from flask import Flask, abort, current_app, g, request, session

from catalog import accounts
from catalog.tables_accounts import UserRow

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
LOGIN_ENDPOINTS = {"account.login"}
SESSION_HOURS = 8
_SECRETS = [
    (re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(bearer\s+)?[^\s\"',;}]+"), r"\1[REDACTED]"),
    (re.compile(r"(?i)((?:password|passwd|apikey|api_key|csrf_token)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}]+"),
     r"\1[REDACTED]"),
    (re.compile(accounts.TOKEN_PREFIX + r"[0-9a-f]{12}_[A-Za-z0-9_-]+"), "[REDACTED]"),
]


# Every secret _SECRETS rewrites contains one of these (case-insensitively): one search of the line, and
# the three rewrites only for the rare line that has one. Every request writes an access-log line, which
# then cost three regex passes on the logger and three more on its handler.
_MAYBE_SECRET = re.compile(r"(?i)authorization|passw|api_?key|csrf_token|" + re.escape(accounts.TOKEN_PREFIX))


class RedactSecrets(logging.Filter):
    """Rewrite a record's message so no password, token or Authorization header reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_kaifang_redacted", False):  # already seen by the logger's filter
            return True
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        record._kaifang_redacted = True  # type: ignore[attr-defined]
        return True


def redact(text: str) -> str:
    if not _MAYBE_SECRET.search(text):
        return text
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def install_log_filter() -> None:
    """On the handlers that write (root's, Flask's, werkzeug's, gunicorn's), once each."""
    names = ("", "werkzeug", "gunicorn.error", "gunicorn.access", "flask.app")
    loggers = [logging.getLogger(n) for n in names]
    for logger in loggers:
        for target in [logger, *logger.handlers]:
            if not any(isinstance(f, RedactSecrets) for f in target.filters):
                target.addFilter(RedactSecrets())


# -- who is calling --------------------------------------------------------------------------------
def current_user() -> UserRow | None:
    return g.get("user")


def via_token() -> bool:
    return bool(g.get("via_token"))


def client_ip() -> str:
    return request.remote_addr or "unknown"


def _token_from_header() -> str | None:
    value = request.headers.get("Authorization", "").strip()
    if value.lower().startswith("bearer "):
        value = value[7:].strip()
    return value or None


def _identify() -> None:
    g.user, g.via_token = None, False
    token = _token_from_header()
    store = current_app.extensions["kaifang"]["store"]
    if token:
        with store.sessions.begin() as s:
            g.user, g.via_token = accounts.token_user(s, token), True
        return
    uid = session.get("uid")
    if uid is not None:
        with store.sessions() as s:
            user = s.get(UserRow, uid)
        if user is not None and user.active:
            g.user = user
        else:
            session.clear()


# -- sessions and CSRF -------------------------------------------------------------------------------
def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
        session.setdefault("sid", secrets.token_urlsafe(24))
    return session["csrf"]


def _check_csrf() -> None:
    if request.method not in UNSAFE or g.via_token:
        return
    if g.user is None and request.endpoint not in LOGIN_ENDPOINTS:
        return  # nothing to forge: the request acts as nobody (and write routes refuse it)
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="CSRF token missing or wrong")


def login(user: UserRow) -> None:
    """Start a fresh session for `user`: nothing from before login survives, ids are new."""
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["sid"] = secrets.token_urlsafe(24)
    session["csrf"] = secrets.token_urlsafe(32)
    g.user = user


def logout() -> None:
    session.clear()
    g.user = None


def init_app(app: Flask) -> None:
    settings = app.extensions["kaifang"]["settings"]
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.secure_cookies,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS))
    app.before_request(_identify)
    app.before_request(_check_csrf)
    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user)
    install_log_filter()
    from portal.api import ckan_write, write
    from portal.web import account, activity
    ckan_write.register()
    for module in (account, activity, write):
        app.register_blueprint(module.bp)
