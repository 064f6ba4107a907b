"""Staying signed in: server-side sessions.

A session is a row of ``login_sessions`` keyed by the SHA-256 of a random token
(``secrets.token_urlsafe(TOKEN_BYTES)``); the browser's cookie holds the token, the store only its
hash, so reading the database signs nobody in. A session ends at the first of: its absolute
lifetime (SESSION_HOURS after the sign-in), SESSION_IDLE_HOURS without use, sign-out
(``end_session``), a new password or the account's removal (``set_password`` / ``remove_user``
revoke every session of the account in their own transaction). ``account_for_session`` re-reads
the account each time, so a changed role counts at once and a removed one signs out.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from data_sources.access.base import (
    Account,
    AccountError,
    account_of,
    begin_write,
    digest,
    revoke_sessions,
    tables,
    utcnow,
)

if TYPE_CHECKING:  # pragma: no cover
    from data_sources.store import Store

SESSION_HOURS = 12  # a sign-in lasts a working day at most, across reloads and new tabs
SESSION_IDLE_HOURS = 4  # … and ends after half a day without a page view
TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 random bits
TOUCH_EVERY = timedelta(minutes=5)  # last_seen_at is written at most this often per session
MAX_TOKEN_LENGTH = 200  # anything longer is not one of ours and is not even hashed


def start_session(store: Store, account: Account | str, now: datetime | None = None) -> str:
    """A new session of ``account`` (which must exist: AccountError "unknown"); returns the token
    for the cookie. Only its hash is stored. Sessions that ended are swept at the same time."""
    name = account if isinstance(account, str) else account.name
    now = utcnow(now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    accounts = tables().accounts
    with store.engine.begin() as conn:
        begin_write(conn)
        # the account's row stays locked to COMMIT, so a concurrent removal or new password
        # either comes first (refused here) or revokes this session too
        found = conn.execute(sa.select(accounts.c.name).where(accounts.c.name == name).with_for_update()).first()
        if found is None:
            raise AccountError("unknown", name)
        insert_session(conn, name, token, now)
    return token


def insert_session(conn: sa.Connection, name: str, token: str, now: datetime) -> None:
    """The row of a new session (inside the caller's transaction), and the sweep of every
    session whose lifetime is over (a revoked one stays until then, for ``end_session``)."""
    sessions = tables().login_sessions
    conn.execute(sessions.delete().where(sessions.c.expires_at <= now))
    conn.execute(
        sessions.insert().values(
            token_hash=digest(token),
            account=name,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
            revoked_at=None,
        )
    )


def _live(token: str | None) -> str | None:
    """The hash to look ``token`` up by, or None when it cannot be one of ours."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return digest(token)


def account_for_session(store: Store, token: str | None, now: datetime | None = None) -> Account | None:
    """The account of a live session, re-read from the store; None when the token is unknown,
    malformed, revoked, past its lifetime or idle limit, or its account is gone. Notes the use (at most every TOUCH_EVERY)."""
    key = _live(token)
    if key is None:
        return None
    now = utcnow(now)
    accounts, sessions = tables().accounts, tables().login_sessions
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(
                accounts,
                sessions.c.last_seen_at,
                sessions.c.expires_at,
                sessions.c.revoked_at,
            )
            .join(accounts, accounts.c.name == sessions.c.account)
            .where(sessions.c.token_hash == key)
        ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if row.last_seen_at <= now - timedelta(hours=SESSION_IDLE_HOURS):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        _touch(store, key, now)
    return account_of(row)


def _touch(store: Store, key: str, now: datetime) -> None:
    """Note that the session was used now. On SQLite a running import holds the write lock for
    as long as its commit takes; the page must not wait for it, so the note is skipped then
    (the next page view writes it)."""
    sessions = tables().login_sessions
    sqlite = store.engine.dialect.name == "sqlite"
    try:
        with store.engine.begin() as conn:
            if sqlite:
                conn.exec_driver_sql("PRAGMA busy_timeout = 200")
            try:
                conn.execute(sessions.update().where(sessions.c.token_hash == key).values(last_seen_at=now))
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout = 30000")
    except sa.exc.OperationalError:
        if not sqlite:
            raise


def end_session(store: Store, token: str | None, now: datetime | None = None) -> str | None:
    """Sign-out: revoke the session of ``token`` and record ``logout`` in the audit log. Returns
    the name of its account (None when the token was not a live session: nothing recorded)."""
    from data_sources.store import write_audit

    key = _live(token)
    if key is None:
        return None
    now = utcnow(now)
    sessions = tables().login_sessions
    with store.engine.begin() as conn:
        row = conn.execute(
            sa.select(sessions.c.account).where(
                sessions.c.token_hash == key, sessions.c.revoked_at.is_(None), sessions.c.expires_at > now
            )
        ).first()
        if row is None:
            return None
        conn.execute(sessions.update().where(sessions.c.token_hash == key).values(revoked_at=now))
        write_audit(conn, row.account, "logout")
    return str(row.account)


def end_sessions(store: Store, name: str, now: datetime | None = None) -> int:
    """Revoke every open session of the account ``name`` (sign it out everywhere); how many."""
    with store.engine.begin() as conn:
        return revoke_sessions(conn, name, utcnow(now))
