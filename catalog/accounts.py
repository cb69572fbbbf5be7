"""Accounts, organisations, roles, API tokens and login throttling: pure functions over a Session.

There are no default users: the first sysadmin comes from `kaifang user create --admin`. Passwords are
scrypt hashes; API tokens are shown once and stored as SHA-256 hashes, found by a public prefix and
compared in constant time. Failed logins are rows, so lockouts hold across processes. Callers own the
transaction, so a change and its audit event commit together.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from catalog.tables import utcnow
from catalog.tables_accounts import ApiTokenRow, LoginAttemptRow, MembershipRow, OrganisationRow, UserRow

ROLES = {"viewer": 0, "editor": 1, "admin": 2}
MIN_PASSWORD = 12
TOKEN_PREFIX = "kf_"  # noqa: S105 - the public marker of a token, not a secret
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
# Checked when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method="scrypt")


class AccountError(ValueError):
    """A refused account operation; the message is safe to show (never holds a secret)."""


class LastAdmin(AccountError):
    """Refused: the change would leave an organisation without an admin."""


@dataclass(frozen=True)
class Throttle:
    """Lock an account after `max_failures` failed logins within `window`; refuse an IP after `ip_max`."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    ip_max: int = 50


class LoginRefused(Exception):
    def __init__(self, reason: str) -> None:  # "invalid" | "locked" | "rate-limited"
        super().__init__(reason)
        self.reason = reason


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without a zone; they were written in UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# -- users ------------------------------------------------------------------------------------------
def create_user(s: Session, name: str, email: str, password: str, *, sysadmin: bool = False) -> UserRow:
    if not NAME.match(name):
        raise AccountError("user names are 2-64 characters: a-z, 0-9, _ . -")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"passwords need at least {MIN_PASSWORD} characters")
    if "@" not in email:
        raise AccountError("an email address is required")
    if s.scalar(select(UserRow).where(UserRow.name == name)) is not None:
        raise AccountError(f"user {name} exists")
    user = UserRow(name=name, email=email, is_sysadmin=sysadmin, active=True,
                   password_hash=generate_password_hash(password, method="scrypt"))
    s.add(user)
    s.flush()
    return user


def user_by_name(s: Session, name: str) -> UserRow | None:
    return s.scalar(select(UserRow).where(UserRow.name == name))


def authenticate(s: Session, name: str, password: str, ip: str, throttle: Throttle = Throttle()) -> UserRow:
    """The user, or LoginRefused. Every attempt is recorded; a locked account fails even with the right
    password, so guessing on cannot tell a locked account from a wrong password."""
    since = utcnow() - throttle.window
    if _failures(s, LoginAttemptRow.ip == ip, since) >= throttle.ip_max:
        raise LoginRefused("rate-limited")
    locked = _failures(s, LoginAttemptRow.username == name, since) >= throttle.max_failures
    user = user_by_name(s, name)
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    success = bool(ok and user and user.active and not locked)
    s.add(LoginAttemptRow(ip=ip[:64], username=name[:64], success=success))
    if locked:
        raise LoginRefused("locked")
    if not success:
        raise LoginRefused("invalid")
    return user


def _failures(s: Session, who: object, since: datetime) -> int:
    """Failures since `since` and since the last success of the same key (IP or account)."""
    last_ok = s.scalar(select(func.max(LoginAttemptRow.at)).where(who, LoginAttemptRow.success.is_(True)))
    start = max(since, aware(last_ok) or since)
    query = select(func.count()).where(who, LoginAttemptRow.success.is_(False), LoginAttemptRow.at > start)
    return s.scalar(query) or 0


# -- organisations and roles ---------------------------------------------------------------------------
def create_org(s: Session, slug: str, title: str, publisher_iri: str,
               title_en: str | None = None) -> OrganisationRow:
    """A new organisation; `title` is the primary (Chinese) title, `title_en` the optional English one."""
    if not NAME.match(slug):
        raise AccountError("organisation slugs are 2-64 characters: a-z, 0-9, _ . -")
    if not publisher_iri.startswith(("http://", "https://", "urn:")):
        raise AccountError("the publisher must be an IRI")
    if s.scalar(select(OrganisationRow).where((OrganisationRow.slug == slug)
                                              | (OrganisationRow.publisher_iri == publisher_iri))):
        raise AccountError("an organisation with that slug or publisher exists")
    title, english = _titles(title, title_en)
    org = OrganisationRow(slug=slug, title=title, title_en=english, publisher_iri=publisher_iri)
    s.add(org)
    s.flush()
    return org


def set_org_titles(s: Session, org: OrganisationRow, title: str,
                   title_en: str | None) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Rename an organisation (its slug and publisher IRI never change: datasets point at the IRI);
    returns (before, after) titles for the audit trail. An empty `title_en` removes the English title."""
    title, english = _titles(title, title_en)
    before = org_titles(org)
    org.title, org.title_en = title, english
    s.flush()
    return before, org_titles(org)


def org_titles(org: OrganisationRow) -> dict[str, str | None]:
    """What the audit trail records of an organisation's titles."""
    return {"title": org.title, "title_en": org.title_en}


def _titles(title: str, title_en: str | None) -> tuple[str, str | None]:
    """(primary title, English title or None), stripped and checked: the primary one is required, the
    English one optional (readers of English pages then see the primary one)."""
    title, english = title.strip(), (title_en or "").strip() or None
    if not title or len(title) > 500:
        raise AccountError("an organisation needs a title (at most 500 characters)")
    if english is not None and len(english) > 500:
        raise AccountError("the English title is at most 500 characters")
    return title, english


def org_by_slug(s: Session, slug: str) -> OrganisationRow | None:
    return s.scalar(select(OrganisationRow).where(OrganisationRow.slug == slug))


def org_for_publisher(s: Session, publisher_iri: str | None) -> OrganisationRow | None:
    if not publisher_iri:
        return None
    return s.scalar(select(OrganisationRow).where(OrganisationRow.publisher_iri == publisher_iri))


def set_member(s: Session, org: OrganisationRow, user: UserRow, role: str) -> tuple[str | None, str]:
    """Give `user` `role` in `org`; returns (previous role, new role) for the audit trail."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    row = _membership(s, org, user, lock=True)
    before = row.role if row else None
    if before == "admin" and role != "admin":
        _keep_an_admin(s, org)
    if row is None:
        s.add(MembershipRow(organisation_id=org.id, user_id=user.id, role=role))
    else:
        row.role = role
    s.flush()
    return before, role


def remove_member(s: Session, org: OrganisationRow, user: UserRow) -> str | None:
    """Take `user` out of `org`; returns the role they had (None if they were not a member)."""
    row = _membership(s, org, user, lock=True)
    if row is None:
        return None
    if row.role == "admin":
        _keep_an_admin(s, org)
    s.delete(row)
    s.flush()
    return row.role


def _keep_an_admin(s: Session, org: OrganisationRow) -> None:
    """Refuse to take away the last admin: nobody but a sysadmin could manage the organisation again."""
    admins = s.scalar(select(func.count()).where(MembershipRow.organisation_id == org.id,
                                                 MembershipRow.role == "admin"))
    if (admins or 0) <= 1:
        raise LastAdmin("an organisation keeps at least one admin")


def _membership(s: Session, org: OrganisationRow, user: UserRow, *,
                lock: bool = False) -> MembershipRow | None:
    """The membership row; `lock` first locks the organisation's row (PostgreSQL), so two admins demoting
    each other at the same moment are serialised and the last-admin check cannot be raced past."""
    if lock:
        s.execute(select(OrganisationRow.id).where(OrganisationRow.id == org.id).with_for_update())
    return s.scalar(select(MembershipRow).where(MembershipRow.organisation_id == org.id,
                                                MembershipRow.user_id == user.id))


def role_in(s: Session, user: UserRow | None, org: OrganisationRow | None) -> str | None:
    if user is None or org is None:
        return None
    row = _membership(s, org, user)
    return row.role if row else None


def may(s: Session, user: UserRow | None, org: OrganisationRow | None, need: str) -> bool:
    """The one authorisation rule: sysadmins may do anything; others need `need` or higher in `org`."""
    if user is None or not user.active:
        return False
    if user.is_sysadmin:
        return True
    role = role_in(s, user, org)
    return role is not None and ROLES[role] >= ROLES[need]


def members(s: Session, org: OrganisationRow) -> list[tuple[UserRow, str]]:
    """(user, role) of every member, by user name."""
    rows = s.execute(select(UserRow, MembershipRow.role)
                     .join(MembershipRow, MembershipRow.user_id == UserRow.id)
                     .where(MembershipRow.organisation_id == org.id).order_by(UserRow.name))
    return [(user, role) for user, role in rows]


def find_user(s: Session, name_or_email: str) -> UserRow | None:
    """The user with this name, else the one user with this e-mail address (case-insensitive);
    None when nobody or several people share the address."""
    text = name_or_email.strip()
    user = user_by_name(s, text)
    if user is not None or "@" not in text:
        return user
    found = list(s.scalars(select(UserRow).where(func.lower(UserRow.email) == text.lower()).limit(2)))
    return found[0] if len(found) == 1 else None


def user_orgs(s: Session, user: UserRow) -> list[tuple[OrganisationRow, str]]:
    rows = s.execute(select(OrganisationRow, MembershipRow.role).join(
        MembershipRow, MembershipRow.organisation_id == OrganisationRow.id)
        .where(MembershipRow.user_id == user.id).order_by(OrganisationRow.slug))
    return [(org, role) for org, role in rows]


# -- API tokens ------------------------------------------------------------------------------------
def create_token(s: Session, user: UserRow, name: str = "",
                 expires_days: int | None = 90) -> tuple[ApiTokenRow, str]:
    """A new token row and the token text, which exists only in the return value (shown once)."""
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    expires = utcnow() + timedelta(days=expires_days) if expires_days else None
    row = ApiTokenRow(user_id=user.id, name=name[:200], prefix=prefix, token_hash=_sha256(secret),
                      expires_at=expires)
    s.add(row)
    s.flush()
    return row, secret


def token_user(s: Session, secret: str) -> UserRow | None:
    """The active user a live token belongs to (and mark it used), else None."""
    match = re.fullmatch(TOKEN_PREFIX + r"([0-9a-f]{12})_[A-Za-z0-9_-]{20,}", secret or "")
    row = s.scalar(select(ApiTokenRow).where(ApiTokenRow.prefix == match.group(1))) if match else None
    if row is None or not hmac.compare_digest(row.token_hash, _sha256(secret)):
        return None
    now = utcnow()
    if row.revoked_at is not None or (row.expires_at is not None and aware(row.expires_at) <= now):
        return None
    user = s.get(UserRow, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = now
    return user


def user_tokens(s: Session, user: UserRow) -> list[ApiTokenRow]:
    return list(s.scalars(select(ApiTokenRow).where(ApiTokenRow.user_id == user.id)
                          .order_by(ApiTokenRow.created_at.desc())))


def revoke_token(s: Session, user: UserRow, token_id: int) -> ApiTokenRow | None:
    """Revoke one of the user's own tokens; None if it is not theirs or already revoked."""
    row = s.get(ApiTokenRow, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return None
    row.revoked_at = utcnow()
    return row


def token_fields(row: ApiTokenRow) -> dict[str, str | None]:
    """What the audit trail and pages may show of a token: never the hash."""
    def stamp(value: datetime | None) -> str | None:
        return aware(value).isoformat() if value else None
    return {"name": row.name, "prefix": row.prefix, "expires_at": stamp(row.expires_at),
            "revoked_at": stamp(row.revoked_at)}


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
