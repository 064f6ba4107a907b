"""Signing in with a name and a password: the lockout, the session and the audit entries.

MAX_FAILURES failed sign-ins of one name within FAILURE_WINDOW lock that name for LOCK_DURATION:
during the lock even the right password is refused (reason "locked"), and the attempts are not
checked at all. The count is kept in the store (``login_locks``), so it holds across browser
sessions, tabs and app processes. It is kept per name as typed, for unknown names too, so a lock
does not tell which names exist; the row holds the SHA-256 of the name, never the text.

The audit log gets ``login`` (method "password"), ``login_failed`` (reason "wrong_password" or
"unknown_name") and ``login_locked`` (the attempt was refused because of a lock, or this failure
set one). A name that is no account is recorded as UNKNOWN_NAME, never as typed: people type
their password into 用户名.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_sources.access.audit import record
from data_sources.access.base import Account, account_of, aware, begin_write, clear_lock, name_key, tables, utcnow
from data_sources.access.passwords import verify_nothing, verify_password
from data_sources.access.sessions import TOKEN_BYTES, insert_session

if TYPE_CHECKING:  # pragma: no cover
    from data_sources.store import Store

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
UNKNOWN_NAME = "?"  # the audit log's user for a sign-in with a name that is no account


class SignInRefused(Exception):
    """A refused sign-in. ``reason``: "wrong" (name or password wrong: the message never says
    which) or "locked" (too many failures: ``until`` is when the lock ends, aware UTC, and
    ``minutes`` how many whole minutes that is from the attempt, rounded up)."""

    def __init__(self, reason: str, until: datetime | None = None, now: datetime | None = None):
        super().__init__(reason)
        self.reason = reason
        self.until = aware(until)
        self.minutes = 0
        if until is not None and now is not None:
            self.minutes = max(1, -int(-(until - now).total_seconds() // 60))


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in: the account and the token of its new session (for the cookie)."""

    account: Account
    token: str


def sign_in(store: Store, name: str, password: str, now: datetime | None = None) -> SignedIn:
    """Check ``name`` and ``password`` against the lockout and the account, start a session and
    record the outcome. Raises SignInRefused("locked" | "wrong")."""
    from data_sources.store import write_audit

    name = (name or "").strip()
    password = password or ""
    now = utcnow(now)
    accounts = tables().accounts
    with store.engine.connect() as conn:
        until = _locked_until(conn, name, now)
        row = conn.execute(sa.select(accounts).where(accounts.c.name == name)).first() if name else None
    who = row.name if row is not None else UNKNOWN_NAME
    if until is not None:
        record(store, who, "login_locked", method="password", until=aware(until).isoformat())
        raise SignInRefused("locked", until, now)
    if row is None or not row.password_hash:
        verify_nothing(password)
        ok = False
    else:
        ok = verify_password(password, row.password_hash)
    if not ok:
        reason = "wrong_password" if row is not None else "unknown_name"
        until = _note_failure(store, name, now)
        with store.engine.begin() as conn:
            write_audit(conn, who, "login_failed", method="password", reason=reason)
            if until is not None:
                write_audit(conn, who, "login_locked", method="password", until=aware(until).isoformat())
        raise SignInRefused("locked" if until is not None else "wrong", until, now)
    return SignedIn(account_of(row), _session_for(store, row, name, now))


def _session_for(store: Store, row: sa.Row, name: str, now: datetime) -> str:
    """The session of a sign-in whose password matched, and its audit entry: in one
    transaction, with the account's row locked, check that the password is still the one just
    verified (a new password ends every session, this one too) and that no lock was set by
    concurrent failures meanwhile. Returns the token."""
    from data_sources.store import write_audit

    accounts = tables().accounts
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with store.engine.begin() as conn:
        begin_write(conn)
        current = conn.execute(
            sa.select(accounts.c.password_hash).where(accounts.c.name == row.name).with_for_update()
        ).scalar()
        until = _locked_until(conn, name, now)
        if current == row.password_hash and until is None:
            insert_session(conn, row.name, token, now)
            clear_lock(conn, name)
            write_audit(conn, row.name, "login", method="password", role=row.role)
            return token
    if until is not None:
        record(store, row.name, "login_locked", method="password", until=aware(until).isoformat())
        raise SignInRefused("locked", until, now)
    record(store, row.name, "login_failed", method="password", reason="password_changed")
    raise SignInRefused("wrong")


def _locked_until(conn: Connection, name: str, now: datetime) -> datetime | None:
    locks = tables().login_locks
    until = conn.execute(sa.select(locks.c.locked_until).where(locks.c.name_hash == name_key(name))).scalar()
    return until if until is not None and until > now else None


def _note_failure(store: Store, name: str, now: datetime) -> datetime | None:
    """Count a failed sign-in of ``name``; when it is the MAX_FAILURES-th within FAILURE_WINDOW,
    lock the name and return when the lock ends. Safe against concurrent failures of the same
    name from other sessions and processes: the row is created if missing (ignoring a
    duplicate), then updated under its row lock (SQLite: under the write lock)."""
    locks = tables().login_locks
    key = name_key(name)
    with store.engine.begin() as conn:
        begin_write(conn)
        _insert_missing(conn, key, now)
    with store.engine.begin() as conn:
        begin_write(conn)
        row = conn.execute(sa.select(locks).where(locks.c.name_hash == key).with_for_update()).one()
        if row.locked_until is not None and row.locked_until > now:
            return row.locked_until  # locked meanwhile by failures in other sessions: stays so
        # the first failure, the first after the window or after a lock, starts a new count
        fresh = row.failures == 0 or row.window_start <= now - FAILURE_WINDOW or row.locked_until is not None
        failures = 1 if fresh else row.failures + 1
        locked = now + LOCK_DURATION if failures >= MAX_FAILURES else None
        conn.execute(
            locks.update()
            .where(locks.c.name_hash == key)
            .values(failures=failures, window_start=now if fresh else row.window_start, locked_until=locked)
        )
        # forget names whose failures and lock are over
        conn.execute(
            locks.delete().where(
                locks.c.window_start <= now - FAILURE_WINDOW - LOCK_DURATION,
                sa.or_(locks.c.locked_until.is_(None), locks.c.locked_until <= now),
            )
        )
    return locked


def _insert_missing(conn: Connection, key: str, now: datetime) -> None:
    """The lockout row of ``key`` with no failure yet, unless it exists (a concurrent failure of
    the same name may have created it a moment ago)."""
    locks = tables().login_locks
    values = {"name_hash": key, "failures": 0, "window_start": now, "locked_until": None}
    dialect = conn.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(locks).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(locks).values(values).on_conflict_do_nothing())
    else:
        conn.execute(locks.insert().prefix_with("IGNORE").values(values))


def locked_until(store: Store, name: str, now: datetime | None = None) -> datetime | None:
    """When the sign-in lock of ``name`` ends (aware UTC), None when it is not locked."""
    with store.engine.connect() as conn:
        return aware(_locked_until(conn, (name or "").strip(), utcnow(now)))


def unlock(store: Store, name: str) -> bool:
    """Lift the sign-in lock of ``name`` and forget its failures (an administrator's command);
    whether it was locked."""
    now = utcnow()
    with store.engine.begin() as conn:
        was = _locked_until(conn, name.strip(), now) is not None
        clear_lock(conn, name.strip())
    return was
