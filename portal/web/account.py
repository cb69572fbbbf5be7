"""Signing in and out, and the API tokens page (a new token is shown once, then only its prefix)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from catalog import accounts, audit
from catalog.tables_accounts import UserRow
from portal import auth
from portal.web import deps

bp = Blueprint("account", __name__)
MAX_TOKEN_DAYS = 365


def _throttle() -> accounts.Throttle:
    return current_app.extensions["kaifang"].get("throttle") or accounts.Throttle()


@bp.route("/user/login", methods=["GET", "POST"])
def login():
    auth.csrf_token()
    if request.method == "GET":
        return render_template("account/login.html")
    name = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    with deps.store().sessions.begin() as s:
        try:
            user, refused = accounts.authenticate(s, name, password, auth.client_ip(), _throttle()), None
        except accounts.LoginRefused as exc:
            user, refused = None, exc.reason
    if user is None:
        status = 401 if refused == "invalid" else 429
        message = (_("Wrong user name or password.") if status == 401
                   else _("Too many failed attempts. Try again later."))
        return render_template("account/login.html", error=message, username=name), status
    auth.login(user)
    return redirect(_next_url())


def _next_url() -> str:
    """Only a path on this site, so the login form cannot redirect anywhere else."""
    target = request.args.get("next", "")
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("account.tokens")


@bp.post("/user/logout")
def logout():
    auth.logout()
    return redirect(url_for("home.index"))


def _signed_in() -> UserRow:
    user = auth.current_user()
    if user is None:
        abort(redirect(url_for("account.login", next=request.path)))
    if auth.via_token():
        abort(403)  # tokens cannot manage tokens
    return user


@bp.get("/user/tokens")
def tokens(new_token: str | None = None, status: int = 200):
    user = _signed_in()
    with deps.store().sessions() as s:
        rows = accounts.user_tokens(s, user)
        orgs = accounts.user_orgs(s, user)
    return render_template("account/tokens.html", tokens=rows, orgs=orgs, new_token=new_token,
                           now=accounts.utcnow(), aware=accounts.aware), status, {"Cache-Control": "no-store"}


@bp.post("/user/tokens")
def create_token():
    user = _signed_in()
    days = request.form.get("expires_days", type=int) or 90
    days = min(max(days, 1), MAX_TOKEN_DAYS)
    with deps.store().sessions.begin() as s:
        row, secret = accounts.create_token(s, user, request.form.get("name", ""), days)
        audit.record(s, audit.Actor(user, auth.client_ip()), "create", "token", f"token:{row.prefix}",
                     after=accounts.token_fields(row))
    return tokens(new_token=secret, status=201)


@bp.post("/user/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    user = _signed_in()
    with deps.store().sessions.begin() as s:
        row = accounts.revoke_token(s, user, token_id)
        if row is None:
            abort(404)
        audit.record(s, audit.Actor(user, auth.client_ip()), "revoke", "token", f"token:{row.prefix}",
                     before={"revoked_at": None},
                     after={"revoked_at": accounts.token_fields(row)["revoked_at"]})
    return redirect(url_for("account.tokens"))
