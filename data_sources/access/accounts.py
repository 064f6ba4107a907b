"""Accounts: add, change the password, remove, list, and the first administrator of a fresh
install. The rules live here so the CLI and the pages refuse the same things with the same
AccountError codes: a reporter needs units; once the store has a roster, every unit must be in it;
a password has at least MIN_PASSWORD_LENGTH characters. A new password or a removed account ends
every open session of the account and clears its sign-in lock, in the same transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_sources.access.base import (
    ROLES,
    Account,
    AccountError,
    account_of,
    clear_lock,
    lock_accounts,
    revoke_sessions,
    tables,
    utcnow,
)
from data_sources.access.passwords import MIN_PASSWORD_LENGTH, hash_password, password_problem, verify_nothing
from data_sources.values import unit_name

if TYPE_CHECKING:  # pragma: no cover
    from data_sources.store import Store


def _check_password(password: str | None, name: str) -> None:
    problem = password_problem(password)
    if problem is not None:
        raise AccountError(problem, name, min=MIN_PASSWORD_LENGTH)


def roster_units(conn: Connection) -> set[str]:
    """The units of the roster (imported from a 单位 sheet; not those a data row brought along)."""
    units = tables().units
    return set(conn.execute(sa.select(units.c.name).where(units.c.auto_added == sa.false())).scalars())


def add_user(
    store: Store,
    name: str,
    role: str,
    units: Sequence[str] = (),
    password: str | None = None,
    email: str | None = None,
) -> Account:
    """Create an account; a reporter needs at least one unit, every unit must be in the roster
    (once the store has one); a password of MIN_PASSWORD_LENGTH characters or more, or an email
    (OIDC sign-in only)."""
    name = name.strip()
    if not name:
        raise AccountError("empty_name")
    if role not in ROLES:
        raise AccountError("bad_role", role)
    # as the importer writes them: 机修（二）班 → 机修(二)班 (values.unit_name)
    units = list(dict.fromkeys(unit_name(u) for u in units if u.strip()))
    if role == "reporter" and not units:
        raise AccountError("no_units", name)
    if password is not None or not email:
        _check_password(password, name)
    email = email.strip().lower() if email else None
    password_hash = hash_password(password) if password else None
    accounts = tables().accounts
    with store.engine.begin() as conn:
        roster = roster_units(conn)
        unknown = [u for u in units if u not in roster] if roster else []
        if unknown:
            raise AccountError("unknown_units", name, units=unknown)
        if conn.execute(sa.select(accounts.c.name).where(accounts.c.name == name)).first():
            raise AccountError("exists", name)
        conn.execute(
            accounts.insert().values(
                name=name,
                role=role,
                units=json.dumps(units, ensure_ascii=False),
                password_hash=password_hash,
                email=email,
                created_at=utcnow(),
            )
        )
    return Account(name, role, tuple(units), email, bool(password))


def create_first_admin(store: Store, name: str, password: str, now: datetime | None = None) -> Account:
    """The administrator of a fresh install, from the first-run page: only while no account
    exists at all (AccountError "not_first" otherwise). Atomic: of two concurrent calls one
    succeeds and the other is refused, on every database. Recorded in the audit log."""
    from data_sources.store import write_audit

    name = name.strip()
    if not name:
        raise AccountError("empty_name")
    _check_password(password, name)
    password_hash = hash_password(password)
    accounts = tables().accounts
    with store.engine.begin() as conn:
        lock_accounts(conn)
        if conn.execute(sa.select(sa.literal(1)).select_from(accounts).limit(1)).first() is not None:
            raise AccountError("not_first", name)
        conn.execute(
            accounts.insert().values(
                name=name,
                role="admin",
                units="[]",
                password_hash=password_hash,
                email=None,
                created_at=utcnow(now),
            )
        )
        write_audit(conn, name, "user_add", name=name, role="admin", units=[], first_admin=True)
    return Account(name, "admin", (), None, True)


def set_password(store: Store, name: str, password: str) -> None:
    """A new password; every open session of the account ends and its sign-in lock is lifted."""
    _check_password(password, name)
    password_hash = hash_password(password)
    accounts = tables().accounts
    now = utcnow()
    with store.engine.begin() as conn:
        done = conn.execute(accounts.update().where(accounts.c.name == name).values(password_hash=password_hash))
        if done.rowcount == 0:
            raise AccountError("unknown", name)
        revoke_sessions(conn, name, now)
        clear_lock(conn, name)


def remove_user(store: Store, name: str) -> None:
    """Remove an account; its open sessions end with it."""
    accounts = tables().accounts
    with store.engine.begin() as conn:
        if conn.execute(accounts.delete().where(accounts.c.name == name)).rowcount == 0:
            raise AccountError("unknown", name)
        revoke_sessions(conn, name, utcnow())


def list_users(store: Store) -> list[Account]:
    accounts = tables().accounts
    with store.engine.connect() as conn:
        return [account_of(r) for r in conn.execute(sa.select(accounts).order_by(accounts.c.name))]


def get_user(store: Store, name: str) -> Account | None:
    accounts = tables().accounts
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(accounts).where(accounts.c.name == name)).first()
    return account_of(row) if row is not None else None


def user_by_email(store: Store, email: str) -> Account | None:
    """The account an e-mail maps to: by its email, else by a name equal to the email. Trusts
    the e-mail as given: an OIDC sign-in goes through ``oidc_account``, which checks it first."""
    accounts = tables().accounts
    email = (email or "").strip().lower()
    if not email:
        return None
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(accounts)
            .where(sa.or_(accounts.c.email == email, sa.func.lower(accounts.c.name) == email))
            .order_by(accounts.c.name)
            .limit(1)
        ).first()
    return account_of(row) if row is not None else None


def has_accounts(store: Store) -> bool:
    accounts = tables().accounts
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.literal(1)).select_from(accounts).limit(1)).first() is not None


def authenticate(store: Store, name: str, password: str) -> Account | None:
    """The account when name and password match, else None (an unknown name costs a hash too).
    Only the check: no lockout, no audit, no session. A sign-in form calls ``sign_in``."""
    from data_sources.access.passwords import verify_password

    accounts = tables().accounts
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(accounts).where(accounts.c.name == (name or "").strip())).first()
    if row is None or not row.password_hash:
        verify_nothing(password)
        return None
    return account_of(row) if verify_password(password or "", row.password_hash) else None
