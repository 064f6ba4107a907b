"""The connection to the database: a URL → an Engine with each dialect's settings, the schema
created or upgraded by Alembic (a newer one refused), an outage told from a bug, the writers'
lock, and the test hook that pauses before COMMIT. Error messages never carry the password.

Imports: ``data_sources.schema`` (the exceptions) and Alembic; no table of the store.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data_sources.schema import StoreTooNew, StoreUnavailable

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def hide_password(url: str) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: strip anything that looks like user:password@
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def clean_error(detail: str, u: sa.URL) -> str:
    """An error message without the URL's password."""
    if u.password:
        detail = detail.replace(str(u.password), "***")
    return detail.strip().splitlines()[0] if detail.strip() else detail


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


def known_revisions() -> tuple[set[str], str]:
    """Every revision our migrations know, and the head."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    revs = {s.revision for s in script.walk_revisions()}
    head = script.get_current_head()
    assert head is not None
    return revs, head


def open_engine(url: str) -> Engine:
    """Connect, create or upgrade the schema, and refuse a schema newer than this code."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    shown = hide_password(url)
    try:
        u = sa.make_url(url)
    except Exception as e:
        raise StoreUnavailable(shown, f"not a database URL: {type(e).__name__}") from e
    kwargs: dict[str, Any] = {}
    if u.get_backend_name() == "sqlite":
        db = u.database
        if db and db != ":memory:" and not db.startswith("file:"):
            try:
                Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreUnavailable(shown, str(e)) from e
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = sa.create_engine(u, **kwargs)
    except Exception as e:  # unknown dialect, driver not installed
        raise StoreUnavailable(shown, clean_error(str(e), u)) from e
    if u.get_backend_name() == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            # a second writer (another import, the CLI next to the app) waits up to 30 s for
            # the first instead of failing; WAL lets the pages read while an import commits
            cur.execute("PRAGMA busy_timeout = 30000")
            cur.execute("PRAGMA journal_mode = WAL")
            # a 32 MB page cache instead of 2 MB: an import of 100,000 rows touches pages all
            # over a ledger of millions; sorts of a page's queries stay in memory
            cur.execute("PRAGMA cache_size = -32768")
            cur.execute("PRAGMA temp_store = MEMORY")
            cur.close()

    revs, head = known_revisions()
    try:
        with engine.begin() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            if current is not None and current not in revs:
                raise StoreTooNew(current)
            if current != head:
                command.upgrade(_alembic_config(conn), "head")
    except StoreTooNew:
        engine.dispose()
        raise
    except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DatabaseError) as e:
        engine.dispose()
        raise StoreUnavailable(shown, clean_error(str(getattr(e, "orig", None) or e), u)) from e
    return engine


def lost_error(url: str, error: BaseException) -> StoreUnavailable | None:
    """``error`` as a StoreUnavailable when it says the database went away under a running
    app (server stopped, network down), so the app shows a message and waits for it; None
    for any other error (a bug is not to be passed off as an outage)."""
    if not isinstance(error, sa.exc.DBAPIError):
        return None
    if not isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)) and not error.connection_invalidated:
        return None
    return StoreUnavailable(hide_password(url), clean_error(str(error.orig or error), sa.make_url(url)))


def reachable(engine: Engine) -> bool:
    """Whether a query gets through now (the pool replaces connections the outage broke)."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return False
    return True


# ---- the transactions that write ----------------------------------------------------------


def lock(conn: Connection) -> None:
    """Serialise writers: an advisory lock on PostgreSQL; on SQLite the write lock is taken up
    front (BEGIN IMMEDIATE), so a second writer waits for the busy timeout instead of reading
    first and then failing with "database is locked" when it wants to write."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7262001)"))
    elif conn.dialect.name in ("mysql", "mariadb"):
        # a row lock on alembic_version's one row, held to COMMIT/ROLLBACK (GET_LOCK would
        # outlive the transaction on a pooled connection); a locking read takes no snapshot,
        # so the first plain read after it sees what the writer before committed
        # (and waits for as long as an import may take, not InnoDB's default 50 s)
        conn.exec_driver_sql("SET SESSION innodb_lock_wait_timeout = 3600")
        conn.execute(sa.text("SELECT version_num FROM alembic_version FOR UPDATE"))
    elif conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


TEST_PAUSE_ENV = "DASHBOARD_TEST_PAUSE_IN_COMMIT"


def pause_before_commit() -> None:
    """Test hook (tests/test_faults.py): with DASHBOARD_TEST_PAUSE_IN_COMMIT=<seconds>, commit_many
    says so on stderr and sleeps right before COMMIT, so a test can kill the process while every
    row is written but not committed. Unset (always, outside that test) it does nothing."""
    seconds = os.environ.get(TEST_PAUSE_ENV)
    if seconds:
        sys.stderr.write(f"{TEST_PAUSE_ENV}: pausing {seconds} s before COMMIT\n")
        sys.stderr.flush()
        time.sleep(float(seconds))
