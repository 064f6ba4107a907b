"""What the parts of ``data_sources.access`` share: the Account, AccountError, the clock, the
tables, hashing of tokens and typed names, and the lock that makes "check, then write" on the
accounts table atomic on SQLite, PostgreSQL and MySQL/MariaDB."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_sources.values import unit_name

ROLES = ("viewer", "reporter", "admin")


@dataclass(frozen=True)
class Account:
    """A signed-in (or configured) user. ``units`` matters for reporters only."""

    name: str
    role: str
    units: tuple[str, ...] = ()
    email: str | None = None
    has_password: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def allowed_units(self) -> tuple[str, ...] | None:
        """The units this account may upload for, as the importer writes them (``unit_name``: an
        account made with 机修（二）班 reports for 机修(二)班); None = any (admin); () = none (viewer)."""
        if self.role == "admin":
            return None
        if self.role == "reporter":
            return tuple(dict.fromkeys(unit_name(u) for u in self.units))
        return ()


class AccountError(ValueError):
    """A user command that cannot be done; ``code`` selects the message (``user_<code>`` in
    dashboard/i18n.py), ``params`` fills it."""

    def __init__(self, code: str, name: str = "", **params: Any):
        super().__init__(f"{code}: {name}")
        # exists | unknown | bad_role | no_units | empty_name | empty_password | short_password
        # | unknown_units | not_first
        self.code = code
        self.name = name
        self.params: Mapping[str, Any] = params


@dataclass(frozen=True)
class Tables:
    accounts: sa.Table
    audit_log: sa.Table
    login_sessions: sa.Table
    login_locks: sa.Table
    units: sa.Table


def tables() -> Tables:
    """The store's tables (imported late: data_sources.store imports nothing from here)."""
    from data_sources.store import accounts, audit_log, login_locks, login_sessions, units

    return Tables(accounts, audit_log, login_sessions, login_locks, units)


def utcnow(now: datetime | None = None) -> datetime:
    """Naive UTC to the second (``now`` if given, aware or naive UTC): what every database's
    DateTime column stores and compares the same way."""
    now = now or datetime.now(UTC)
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    return now.replace(microsecond=0)


def aware(d: datetime | None) -> datetime | None:
    return None if d is None else d.replace(tzinfo=UTC)


def account_of(row: Any) -> Account:
    return Account(
        name=row.name,
        role=row.role,
        units=tuple(json.loads(row.units or "[]")),
        email=row.email,
        has_password=bool(row.password_hash),
    )


def digest(text: str) -> str:
    """SHA-256 hex: what the store keeps of a session token or of a name typed at sign-in."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lock_accounts(conn: Connection) -> None:
    """Serialise writers that check the accounts table and then write it (the first
    administrator of a fresh install). Call first in the
    transaction: on SQLite the write lock up front (``begin_write``); on PostgreSQL a table lock
    that conflicts with itself and with writes but not with reads; on MySQL/MariaDB the row of
    alembic_version (the import's lock; a locking read takes no snapshot, so the reads after it
    see what the writer before committed)."""
    name = conn.dialect.name
    if name == "postgresql":
        conn.execute(sa.text("LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE"))
    elif name in ("mysql", "mariadb"):
        conn.execute(sa.text("SELECT version_num FROM alembic_version FOR UPDATE"))
    else:
        begin_write(conn)


def begin_write(conn: Connection) -> None:
    """SQLite: take the write lock now (BEGIN IMMEDIATE), before a read that a write depends on,
    so a second writer waits for the busy timeout instead of failing when it wants to write.
    Elsewhere nothing: reads that a write depends on lock their rows (FOR UPDATE)."""
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def revoke_sessions(conn: Connection, account: str, now: datetime) -> int:
    """End every open session of ``account`` (new password, account removed); how many."""
    s = tables().login_sessions
    done = conn.execute(s.update().where(s.c.account == account, s.c.revoked_at.is_(None)).values(revoked_at=now))
    return done.rowcount


def clear_lock(conn: Connection, name: str) -> None:
    """Forget the failed sign-ins of ``name`` (a sign-in succeeded, an administrator unlocked it)."""
    locks = tables().login_locks
    conn.execute(locks.delete().where(locks.c.name_hash == name_key(name)))


def name_key(name: str) -> str:
    """The lockout row of a name as typed: its SHA-256, so the table never holds what was typed
    (a password typed into 用户名)."""
    return digest("login-name\x00" + (name or "").strip())
