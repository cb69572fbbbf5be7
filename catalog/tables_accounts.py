"""Tables of the publishing workspace: people, organisations, roles, API tokens, the audit trail and
login attempts. Created by migration 0003 on the catalogue's `Base`, so a dataset change and its audit
event commit in one transaction. Secrets are never stored: passwords as scrypt hashes, tokens as SHA-256.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalog.model import LangText
from catalog.tables import Base, Json, utcnow

Stamp = DateTime(timezone=True)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_sysadmin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class OrganisationRow(Base):
    """A publishing organisation: the DCAT agent whose IRI is `publisher_iri` (dct:publisher).

    `title` is the primary title, in Chinese; `title_en` (migration 0007, optional) the English one.
    Decision 0013: readers of English pages see `title_en` when there is one, else the primary title."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str | None] = mapped_column(String(500))
    publisher_iri: Mapped[str] = mapped_column(String(2048), unique=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)

    @property
    def titles(self) -> LangText:
        """The titles as LangText, for `choose`/`pick`/`ml` like any multilingual metadata. The primary
        title is tagged zh only beside an English one: a title typed before the form asked for Chinese
        (or with no English twin) keeps no language claim, exactly as it was published before."""
        if self.title_en:
            return {"zh": self.title, "en": self.title_en}
        return {"": self.title}


class MembershipRow(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id", name="uq_memberships"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | editor | viewer
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class ApiTokenRow(Base):
    """`prefix` (public, in the token's text) finds the row; `token_hash` (SHA-256) proves it."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(Stamp)
    last_used_at: Mapped[datetime | None] = mapped_column(Stamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Stamp)


class AuditEventRow(Base):
    """Who (user, IP) did what (action, diff) to which object, when. Written in the change's transaction."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(16))  # dataset | membership | token | organisation
    object_id: Mapped[str] = mapped_column(String(2048), index=True)
    organisation: Mapped[str | None] = mapped_column(String(100), index=True)  # slug
    title: Mapped[str] = mapped_column(Text, default="")
    diff: Mapped[dict] = mapped_column(Json, default=dict)


class LoginAttemptRow(Base):
    """Kept in the database so rate limits and lockouts hold across worker processes."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    success: Mapped[bool] = mapped_column(Boolean)
