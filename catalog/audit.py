"""The audit trail: who changed what, when and from where, with a JSON diff, in the change's transaction.

Events are written with the same Session as the change they describe, so a change without its event
(or an event without its change) cannot be committed. Public pages read `public()` of an event, which
leaves out the person and the IP address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.tables_accounts import AuditEventRow, UserRow

_MISSING = object()


@dataclass(frozen=True)
class Actor:
    """Who made a change and from where (None for the command line or a harvest)."""

    user: UserRow | None
    ip: str | None = None
    name: str | None = None  # for changes without a user: "cli", a harvest source...


def diff(before: Any, after: Any) -> dict[str, Any]:
    """Changed leaves as {"a.b": {"from": old, "to": new}}; dicts are walked, lists compared whole."""
    changes: dict[str, Any] = {}
    before = {} if before is None and isinstance(after, dict) else before
    after = {} if after is None and isinstance(before, dict) else after
    _walk("", before, after, changes)
    return changes


def _walk(path: str, before: Any, after: Any, out: dict[str, Any]) -> None:
    before = {} if before is _MISSING and isinstance(after, dict) else before
    after = {} if after is _MISSING and isinstance(before, dict) else after
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            sub = f"{path}.{key}" if path else str(key)
            _walk(sub, before.get(key, _MISSING), after.get(key, _MISSING), out)
        return
    if _empty(before) and _empty(after):
        return
    if before != after:
        out[path or "."] = {"from": None if before is _MISSING else before,
                            "to": None if after is _MISSING else after}


def _empty(value: Any) -> bool:
    return value is _MISSING or value in (None, "", [], {})


def record(s: Session, actor: Actor, action: str, object_type: str, object_id: str, *,
           before: Any = None, after: Any = None, organisation: str | None = None,
           title: str = "") -> AuditEventRow:
    user = actor.user
    event = AuditEventRow(actor_id=user.id if user else None, actor_name=user.name if user else actor.name,
                          ip=(actor.ip or None) and actor.ip[:64], action=action, object_type=object_type,
                          object_id=object_id, organisation=organisation, title=title[:2000],
                          diff=diff(before, after))
    s.add(event)
    return event


def membership(s: Session, actor: Actor, action: str, organisation: str, username: str,
               before: str | None, after: str | None) -> AuditEventRow:
    """A change of someone's role (None: not a member). The diff holds roles only, never the person's
    e-mail address, so the trail adds no personal data beyond the user name."""
    return record(s, actor, action, "membership", f"membership:{organisation}:{username}",
                  before={"role": before}, after={"role": after}, organisation=organisation)


def events(s: Session, *, object_type: str | None = None, object_id: str | None = None,
           organisation: str | None = None, limit: int = 50) -> list[AuditEventRow]:
    """Newest first, filtered by object and/or organisation slug."""
    query = select(AuditEventRow).order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc()).limit(limit)
    if object_type:
        query = query.where(AuditEventRow.object_type == object_type)
    if object_id:
        query = query.where(AuditEventRow.object_id == object_id)
    if organisation:
        query = query.where(AuditEventRow.organisation == organisation)
    return list(s.scalars(query))


def public(event: AuditEventRow) -> dict[str, Any]:
    """What anyone may see of an event: no person, no IP address."""
    return {"id": event.id, "at": event.at, "action": event.action, "object_type": event.object_type,
            "object_id": event.object_id, "organisation": event.organisation, "title": event.title,
            "changed": sorted(event.diff or {})}
