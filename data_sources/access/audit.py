"""The audit log: every import, undo, sign-in (success, failure, lock), sign-out and user change,
with who, when and a JSON detail; newest first for the administrators' page."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from data_sources.access.base import tables

if TYPE_CHECKING:  # pragma: no cover
    from data_sources.store import Store


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime  # UTC, aware
    user: str
    action: str
    detail: dict[str, Any] = field(default_factory=dict)


def record(store: Store, user: str, action: str, **detail: Any) -> None:
    """Append one entry to the audit log (its own short transaction; imports, syncs and undos
    write theirs inside their own transaction instead)."""
    from data_sources.store import write_audit

    with store.engine.begin() as conn:
        write_audit(conn, user, action, **detail)


def audit_entries(store: Store, limit: int | None = None) -> list[AuditEntry]:
    """The audit log, newest first."""
    audit_log = tables().audit_log
    q = sa.select(audit_log).order_by(audit_log.c.id.desc())
    if limit:
        q = q.limit(limit)
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    out = []
    for r in rows:
        try:
            detail = json.loads(r.detail)
        except ValueError:
            detail = {"text": r.detail}
        out.append(AuditEntry(r.id, r.at.replace(tzinfo=UTC), r.user_name, r.action, detail))
    return out
