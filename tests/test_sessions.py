"""Issue 11.5: staying signed in is a server-side session. Whoever reads the store gets nothing
that signs anyone in (the old cookie was an HMAC keyed by the stored password hash); the table is
made by revision 0006 on SQLite, PostgreSQL and MariaDB (utf8mb4_bin there, like every table)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext

from data_sources import access
from data_sources.store import Store, _alembic_config, known_revisions
from tests.test_faults import dump_all


def _old_format_cookie(name: str, password_hash: str, expires: int) -> str:
    """What an attacker minted from the accounts table before revision 0006 (issue 11.5): the
    name and an expiry, signed with an HMAC keyed by the stored password hash."""
    payload = base64.urlsafe_b64encode(json.dumps([name, expires], ensure_ascii=False).encode("utf-8")).decode()
    mac = hmac.new(password_hash.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{payload}.{mac}"


def test_nothing_read_from_the_store_signs_anyone_in(store: Store) -> None:
    access.add_user(store, "王主席", "admin", password="password-1")
    access.add_user(store, "wang", "viewer", password="password-2")
    with store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM accounts WHERE role = 'admin'")).scalar_one()
    minted = _old_format_cookie("王主席", stored, 4102444800)  # valid until 2100
    assert access.account_for_session(store, minted) is None

    token = access.start_session(store, access.get_user(store, "王主席"))
    access.start_session(store, "wang")
    values = {str(v) for rows in dump_all(store.url).values() for row in rows for v in row if v is not None}
    assert not any(token in v for v in values)  # the cookie's token is nowhere in the store
    assert [v for v in values if access.account_for_session(store, v) is not None] == []
    assert access.account_for_session(store, token).name == "王主席"


def test_a_session_is_of_its_account_only_names_compare_code_point_by_code_point(store: Store) -> None:
    """MariaDB's default collation would make "LI" = "li" = "Ｌｉ": a session, a revocation or a
    lock of one would be another's (the tables of revision 0006 are utf8mb4_bin)."""
    names = ["li", "LI", "Ｌｉ"]
    for n in names:
        access.add_user(store, n, "viewer", password=f"password-{n}")
    tokens = {n: access.start_session(store, n) for n in names}
    assert {n: access.account_for_session(store, t).name for n, t in tokens.items()} == {n: n for n in names}
    access.set_password(store, "li", "password-new")
    assert [access.account_for_session(store, tokens[n]) is None for n in names] == [True, False, False]
    assert access.end_sessions(store, "LI") == 1
    assert access.account_for_session(store, tokens["Ｌｉ"]).name == "Ｌｉ"


def test_revision_0006_adds_the_session_and_lock_tables_to_a_0005_store(db_url: str) -> None:
    url = sa.make_url(db_url)
    if url.get_backend_name() == "sqlite":
        Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "0005")
        with engine.connect() as conn:
            assert "login_sessions" not in sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
    store = Store.open(db_url)
    try:
        with store.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == known_revisions()[1]  # head
            cols = {t: [c["name"] for c in sa.inspect(conn).get_columns(t)] for t in ("login_sessions", "login_locks")}
            if conn.dialect.name in ("mysql", "mariadb"):
                collations = dict(
                    conn.execute(
                        sa.text(
                            "SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES "
                            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('login_sessions', 'login_locks')"
                        )
                    ).all()
                )
                assert collations == {"login_sessions": "utf8mb4_bin", "login_locks": "utf8mb4_bin"}
        assert cols == {
            "login_sessions": ["token_hash", "account", "created_at", "last_seen_at", "expires_at", "revoked_at"],
            "login_locks": ["name_hash", "failures", "window_start", "locked_until"],
        }
        access.add_user(store, "a", "admin", password="password-a")
        assert access.account_for_session(store, access.start_session(store, "a")).name == "a"
    finally:
        store.close()
    with sa.create_engine(db_url).begin() as conn:  # and back
        command.downgrade(_alembic_config(conn), "0005")
        assert "login_sessions" not in sa.inspect(conn).get_table_names()


def test_a_page_view_during_an_import_on_sqlite_does_not_wait_for_the_write_lock(tmp_path: Path) -> None:
    """The use of a session is noted at most every few minutes; on SQLite, while another writer
    (an import's commit) holds the write lock, the note is skipped instead of waiting 30 s."""
    import time

    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    try:
        access.add_user(store, "a", "viewer", password="password-a")
        now = datetime.now(UTC)
        token = access.start_session(store, "a", now=now)
        later = now + timedelta(minutes=30)
        with store.engine.connect() as writer:
            writer.exec_driver_sql("BEGIN IMMEDIATE")  # what an import's commit holds
            started = time.monotonic()
            assert access.account_for_session(store, token, now=later).name == "a"
            waited = time.monotonic() - started
            writer.rollback()
        assert waited < 5, waited  # not the busy timeout of 30 s
        with store.engine.connect() as conn:
            seen = conn.execute(sa.text("SELECT last_seen_at FROM login_sessions")).scalar_one()
        assert str(seen).startswith(now.strftime("%Y-%m-%d %H:%M"))  # not noted this time
        assert access.account_for_session(store, token, now=later).name == "a"
        with store.engine.connect() as conn:
            seen = conn.execute(sa.text("SELECT last_seen_at FROM login_sessions")).scalar_one()
        assert str(seen).startswith(later.strftime("%Y-%m-%d %H:%M"))  # noted once the lock is free
    finally:
        store.close()
