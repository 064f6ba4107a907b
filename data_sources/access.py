"""Who may do what: roles, accounts with salted password hashes, upload scope and the audit log.

Roles (DESIGN §1): ``viewer`` reads; ``reporter`` also uploads, for the units assigned to them
only; ``admin`` does everything (roster, targets, undo of any batch, users). The web app, the CLI
and the tests share these functions; nothing here imports Streamlit.

Passwords are stored as ``scrypt$n$r$p$salt_b64$hash_b64`` (hashlib.scrypt, a random 16-byte salt
per password) and compared in constant time. The audit log records every import, undo and
sign-in (success and failure) with who, when and a JSON detail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from data_sources.schema import Kind, ParsedFile, Problem, UndoRefused

if TYPE_CHECKING:  # pragma: no cover
    from data_sources.store import Store

ROLES = ("viewer", "reporter", "admin")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
_DUMMY_HASH: str | None = None  # verified against for unknown names, so both cost the same


# ---- passwords ---------------------------------------------------------------------------


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def hash_password(password: str, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """``scrypt$n$r$p$salt_b64$hash_b64`` with a fresh random 16-byte salt."""
    salt = os.urandom(SALT_BYTES)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=128 * r * (n + p + 2) * 2)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches ``stored``; a malformed or missing hash is never a match."""
    if not stored:
        return False
    try:
        scheme, n_s, r_s, p_s, salt_b64, hash_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        n, r, p = int(n_s), int(r_s), int(p_s)
        salt, expected = base64.b64decode(salt_b64, validate=True), base64.b64decode(hash_b64, validate=True)
        if not (2 <= n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16 and expected):
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=128 * r * (n + p + 2) * 2
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


# ---- accounts ----------------------------------------------------------------------------


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
        """The units this account may upload for; None = any (admin); () = none (viewer)."""
        if self.role == "admin":
            return None
        if self.role == "reporter":
            return self.units
        return ()


class AccountError(ValueError):
    """A user command that cannot be done; ``code`` selects the message."""

    def __init__(self, code: str, name: str = ""):
        super().__init__(f"{code}: {name}")
        self.code = code  # exists | unknown | bad_role | no_units | empty_password
        self.name = name


def _tables():
    from data_sources.store import accounts, audit_log

    return accounts, audit_log


def _account(row: Any) -> Account:
    return Account(
        name=row.name,
        role=row.role,
        units=tuple(json.loads(row.units or "[]")),
        email=row.email,
        has_password=bool(row.password_hash),
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def add_user(
    store: Store,
    name: str,
    role: str,
    units: Sequence[str] = (),
    password: str | None = None,
    email: str | None = None,
) -> Account:
    """Create an account; a reporter needs at least one unit; a password or an email (OIDC)."""
    accounts, _ = _tables()
    name = name.strip()
    if not name:
        raise AccountError("empty_name")
    if role not in ROLES:
        raise AccountError("bad_role", role)
    units = [u.strip() for u in units if u.strip()]
    if role == "reporter" and not units:
        raise AccountError("no_units", name)
    if password is not None and password == "":
        raise AccountError("empty_password", name)
    if password is None and not email:
        raise AccountError("empty_password", name)
    with store.engine.begin() as conn:
        if conn.execute(sa.select(accounts.c.name).where(accounts.c.name == name)).first():
            raise AccountError("exists", name)
        conn.execute(
            accounts.insert().values(
                name=name,
                role=role,
                units=json.dumps(units, ensure_ascii=False),
                password_hash=hash_password(password) if password else None,
                email=email.strip().lower() if email else None,
                created_at=_now(),
            )
        )
    return Account(name, role, tuple(units), email.strip().lower() if email else None, bool(password))


def set_password(store: Store, name: str, password: str) -> None:
    accounts, _ = _tables()
    if not password:
        raise AccountError("empty_password", name)
    with store.engine.begin() as conn:
        done = conn.execute(
            accounts.update().where(accounts.c.name == name).values(password_hash=hash_password(password))
        )
        if done.rowcount == 0:
            raise AccountError("unknown", name)


def remove_user(store: Store, name: str) -> None:
    accounts, _ = _tables()
    with store.engine.begin() as conn:
        if conn.execute(accounts.delete().where(accounts.c.name == name)).rowcount == 0:
            raise AccountError("unknown", name)


def list_users(store: Store) -> list[Account]:
    accounts, _ = _tables()
    with store.engine.connect() as conn:
        return [_account(r) for r in conn.execute(sa.select(accounts).order_by(accounts.c.name))]


def get_user(store: Store, name: str) -> Account | None:
    accounts, _ = _tables()
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(accounts).where(accounts.c.name == name)).first()
    return _account(row) if row is not None else None


def user_by_email(store: Store, email: str) -> Account | None:
    """The account an OIDC identity maps to: by its email, else by a name equal to the email."""
    accounts, _ = _tables()
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
    return _account(row) if row is not None else None


def has_accounts(store: Store) -> bool:
    accounts, _ = _tables()
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.literal(1)).select_from(accounts).limit(1)).first() is not None


def authenticate(store: Store, name: str, password: str) -> Account | None:
    """The account when name and password match, else None (an unknown name costs a hash too)."""
    global _DUMMY_HASH
    accounts, _ = _tables()
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(accounts).where(accounts.c.name == (name or "").strip())).first()
    if row is None or not row.password_hash:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("-")
        verify_password(password or "", _DUMMY_HASH)
        return None
    return _account(row) if verify_password(password or "", row.password_hash) else None


# ---- staying signed in -------------------------------------------------------------------

SESSION_HOURS = 12  # a sign-in lasts a working day, across reloads and new tabs


def _session_mac(password_hash: str, payload: str) -> str:
    return hmac.new(password_hash.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).hexdigest()


def session_token(store: Store, name: str, now: datetime | None = None, hours: int = SESSION_HOURS) -> str | None:
    """A token that signs ``name`` in again until it expires (kept in a browser cookie).

    Signed with an HMAC keyed by the account's password hash, so a new password, a removed
    account or the expiry ends it, and nothing but the store holds a key. None for an account
    without a password (OIDC keeps its own sign-in)."""
    accounts, _ = _tables()
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(accounts.c.password_hash).where(accounts.c.name == name)).scalar()
    if not stored:
        return None
    expires = int((now or datetime.now(UTC)).timestamp()) + hours * 3600
    payload = base64.urlsafe_b64encode(json.dumps([name, expires], ensure_ascii=False).encode("utf-8")).decode()
    return f"{payload}.{_session_mac(stored, payload)}"


def account_from_token(store: Store, token: str | None, now: datetime | None = None) -> Account | None:
    """The account a ``session_token`` names, if the token is intact, unexpired and the
    account's password is still the one it was signed with; else None."""
    if not token or token.count(".") != 1 or len(token) > 2000:
        return None
    payload, mac = token.split(".")
    try:
        name, expires = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
        if not isinstance(name, str) or not isinstance(expires, int):
            return None
    except (ValueError, TypeError, UnicodeError):
        return None
    if expires <= int((now or datetime.now(UTC)).timestamp()):
        return None
    accounts, _ = _tables()
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(accounts).where(accounts.c.name == name)).first()
    if row is None or not row.password_hash:
        return None
    if not hmac.compare_digest(_session_mac(row.password_hash, payload), mac):
        return None
    return _account(row)


# ---- audit log ---------------------------------------------------------------------------


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
    _, audit_log = _tables()
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


def undo_batch(store: Store, batch_id: int, user: str, account: Account | None = None) -> None:
    """Undo a batch and record it. A reporter may undo only batches they imported themselves
    (``UndoRefused(reason="not_yours")``); a viewer none."""
    if account is not None and not account.is_admin:
        owner = next((b.user for b in store.batches() if b.id == batch_id), None)
        if account.role != "reporter" or owner != account.name:
            record(store, user, "undo_refused", batch=batch_id, reason="not_yours")
            raise UndoRefused(batch_id, "not_yours")
    try:
        store.undo(batch_id, user, audit=True)
    except UndoRefused as e:
        record(store, user, "undo_refused", batch=batch_id, reason=e.reason, later_batch=e.later_batch)
        raise


# ---- upload scope ------------------------------------------------------------------------


def scope_problems(parsed: ParsedFile, allowed_units: Iterable[str] | None) -> list[Problem]:
    """Errors for every row of ``parsed`` that names a unit outside ``allowed_units`` (a
    reporter's upload): file, sheet, Excel row, the 单位 column as written and the unit. A roster
    sheet is the administrators' (one error per sheet). ``None`` allows everything."""
    if allowed_units is None:
        return []
    allowed = set(allowed_units)
    shown = sorted(allowed)
    problems: list[Problem] = []
    for sheet in parsed.sheets:
        if sheet.kind is Kind.ROSTER and sheet.rows:
            problems.append(
                Problem(
                    "roster_not_allowed",
                    file=sheet.file,
                    sheet=sheet.sheet,
                    row=sheet.rows[0].get("_row"),
                    params={"kind": sheet.kind.value},
                )
            )
            continue
        column = sheet.columns.get("unit") or "单位"
        for row in sheet.rows:
            unit = row.get("unit")
            if unit is None or unit in allowed:
                continue
            problems.append(
                Problem(
                    "unit_not_allowed",
                    file=sheet.file,
                    sheet=sheet.sheet,
                    row=row.get("_row"),
                    column=column,
                    value=str(unit),
                    params={"units": list(shown)},
                )
            )
    return problems
