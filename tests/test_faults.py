"""Faults: an import killed with SIGKILL inside its transaction leaves the store exactly as it was
(SQLite and PostgreSQL); two imports at once into one SQLite file both land; an unreachable or
broken database is a message, not a traceback."""

from __future__ import annotations

import io
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from dashboard.cli import main
from data_sources.importer import import_files
from data_sources.schema import StoreUnavailable
from data_sources.store import TEST_PAUSE_ENV, Store
from tests.conftest import _pg_admin_url
from tests.test_reading import LEDGER_HEADER

ROOT = Path(__file__).resolve().parent.parent
PAUSE_LINE = f"{TEST_PAUSE_ENV}: pausing"


def ledger_xlsx(path: Path, rows: int, prefix: str, unit: str = "一车间") -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("学习台账")
    ws.append(["2024年3月学习台账"])
    ws.append(LEDGER_HEADER)
    for i in range(rows):
        ws.append([f"{prefix}{i:06d}", f"职工{i}", unit if i % 3 else f"{unit}{i % 7}", "2024-03", 2.5, 10 + i % 5])
    wb.save(path)
    return path


def dump_all(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the database holds (ours, alembic_version, any added later)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            out = {}
            for name in names:
                t = sa.Table(name, sa.MetaData(), autoload_with=conn)
                out[name] = sorted((tuple(r) for r in conn.execute(sa.select(t))), key=repr)
        return out
    finally:
        engine.dispose()


def count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
    finally:
        engine.dispose()


def start_import(path: Path, url: str, pause: float | None, user: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DASHBOARD_DB_URL", TEST_PAUSE_ENV)}
    if pause is not None:
        env[TEST_PAUSE_ENV] = str(pause)
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard", "import", str(path), "--db", url, "--user", user],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_pause(proc: subprocess.Popen[str], timeout: float = 240) -> list[str]:
    """The stderr lines up to the hook's line: the process is then inside its transaction."""
    lines: list[str] = []
    found = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if line.startswith(PAUSE_LINE):
                found.set()
                return

    threading.Thread(target=pump, daemon=True).start()
    if not found.wait(timeout):
        proc.kill()
        pytest.fail(f"the import never reached its COMMIT: {''.join(lines)[-2000:]}")
    return lines


def test_the_pause_hook_is_off_unless_set() -> None:
    assert TEST_PAUSE_ENV not in os.environ


# ---- SIGKILL inside the transaction -------------------------------------------------------------


def test_an_import_killed_inside_its_transaction_changes_nothing(db_url: str, settings, tmp_path: Path) -> None:
    store = Store.open(db_url)
    try:
        first = ledger_xlsx(tmp_path / "first.xlsx", 50, "A")
        with first.open("rb") as f:
            import_files(store, [(first.name, f)], settings, user="alice")
    finally:
        store.close()
    before = dump_all(db_url)
    assert len(before["ledger_rows"]) == 50

    big = ledger_xlsx(tmp_path / "BIG.xlsx", 20_000, "B")
    proc = start_import(big, db_url, pause=600, user="killed")
    try:
        wait_for_pause(proc)
        # inside the transaction: every row is written but not committed, other sessions see none
        if db_url.startswith("sqlite"):
            # it holds the write lock: another writer that will not wait is refused
            probe = sqlite3.connect(sa.make_url(db_url).database, timeout=0, isolation_level=None)  # type: ignore[arg-type]
            try:
                with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                    probe.execute("BEGIN IMMEDIATE")
            finally:
                probe.close()
        else:
            assert _open_writers(db_url) == 1  # a transaction that has written, not committed
        assert count(db_url, "ledger_rows") == 50
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL

    # the store opens fine (SQLite rolls the WAL back, the servers aborted the transaction)
    # and every table is as it was
    if not db_url.startswith("sqlite"):
        _wait_for_backends_to_go(db_url)
    reopened = Store.open(db_url)
    reopened.close()
    assert dump_all(db_url) == before

    # and the same import, not killed, then goes through in full
    done = start_import(big, db_url, pause=None, user="again")
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    assert out.startswith("BIG.xlsx：已导入（批次 #")
    assert count(db_url, "ledger_rows") == 50 + 20_000


def _open_writers(url: str) -> int:
    """Other sessions' open transactions that have written something (PostgreSQL, MariaDB)."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":
        q = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
            "AND state = 'idle in transaction' AND backend_xid IS NOT NULL"
        )
    else:
        q = (
            "SELECT count(*) FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p "
            "ON p.ID = t.trx_mysql_thread_id WHERE p.DB = DATABASE() AND p.ID <> CONNECTION_ID() "
            "AND t.trx_rows_modified > 0"
        )
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(q)).scalar_one()
    finally:
        engine.dispose()


def _sessions(url: str) -> int:
    """Other sessions connected to this database."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":
        q = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
    else:
        q = "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(q)).scalar_one()
    finally:
        engine.dispose()


def _wait_for_backends_to_go(url: str, timeout: float = 30) -> None:
    """The server notices the dead client's socket and ends its session (rolling back)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _sessions(url):
        time.sleep(0.2)


# ---- two writers at once ------------------------------------------------------------------------


def test_two_imports_at_once_into_one_sqlite_file_both_land(tmp_path: Path) -> None:
    """The first import holds the write lock (paused before COMMIT); the second, started then,
    waits for it (busy timeout) instead of failing, and diffs against what the first wrote: both
    files mention the same unit that is not in the roster, added once."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    Store.open(url).close()
    a = ledger_xlsx(tmp_path / "a.xlsx", 3000, "A", unit="新车间")
    b = ledger_xlsx(tmp_path / "b.xlsx", 3000, "B", unit="新车间")
    first = start_import(a, url, pause=3, user="first")
    wait_for_pause(first)
    second = start_import(b, url, pause=None, user="second")
    out_a, err_a = first.communicate(timeout=300)
    out_b, err_b = second.communicate(timeout=300)
    assert (first.returncode, second.returncode) == (0, 0), err_a + err_b
    assert out_a.startswith("a.xlsx：已导入（批次 #1）")
    assert out_b.startswith("b.xlsx：已导入（批次 #2）")
    assert count(url, "ledger_rows") == 3000 + 3000
    rows = dump_all(url)
    assert sorted(r[0] for r in rows["units"]) == sorted({"新车间", *(f"新车间{i}" for i in range(7))})
    store = Store.open(url)
    try:
        assert [(b.id, b.user) for b in store.batches()] == [(2, "second"), (1, "first")]
        assert store.batches()[0].counts["units_added"] == 0  # the first import added them
    finally:
        store.close()


def test_sqlite_connections_wait_and_use_wal(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        store.close()


# ---- unreachable databases ----------------------------------------------------------------------


@pytest.fixture
def closing_port() -> Iterator[int]:
    """A port where something accepts connections and drops them at once (a server going down)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    stop = threading.Event()

    def serve() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield srv.getsockname()[1]
    finally:
        stop.set()
        t.join()
        srv.close()


def test_a_server_that_drops_the_connection_is_a_message(closing_port: int) -> None:
    url = f"postgresql+psycopg://dash:secret@127.0.0.1:{closing_port}/dash"
    with pytest.raises(StoreUnavailable) as e:
        Store.open(url)
    assert e.value.url == f"postgresql+psycopg://dash:***@127.0.0.1:{closing_port}/dash"
    assert "secret" not in e.value.detail
    out, err = io.StringIO(), io.StringIO()
    assert main(["summary", "--db", url, "--json"], out, err) == 3
    assert (
        err.getvalue()
        == f"无法连接数据库 postgresql+psycopg://dash:***@127.0.0.1:{closing_port}/dash：{e.value.detail}\n"
    )
    assert out.getvalue() == ""


@pytest.mark.postgres
def test_a_missing_postgresql_database_is_a_message() -> None:
    admin = sa.make_url(_pg_admin_url())
    name = f"dash_missing_{uuid.uuid4().hex[:8]}"
    url = admin.set(database=name).render_as_string(hide_password=False)
    with pytest.raises(StoreUnavailable) as e:
        Store.open(url)
    assert f'database "{name}" does not exist' in e.value.detail
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "import", str(ROOT / "config.toml"), "--db", url, "--lang", "en"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3
    assert done.stderr == f"Cannot reach the database {e.value.url}: {e.value.detail}\n"


# ---- the database lost in the middle of an import (issue 11.10) ---------------------------------


def _cut_connections(url: str) -> int:
    """End every other session of this database from the server's side, as a server that goes
    down or a network that breaks does to its clients; how many were ended."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return len(
                    conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                        )
                    ).all()
                )
            ids = conn.execute(
                sa.text("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()")
            ).scalars()
            ended = 0
            for i in list(ids):
                conn.exec_driver_sql(f"KILL CONNECTION {int(i)}")
                ended += 1
            return ended
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "server", [pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("mysql", marks=pytest.mark.mysql)]
)
def test_the_database_lost_inside_an_import_is_exit_3_and_one_line(server: str, tmp_path: Path) -> None:
    """The README promises exit 3 and a message when the store cannot be used; an import whose
    connection the server cuts while it writes (paused before COMMIT) used to end in a 91-line
    traceback and exit 1. Nothing is written."""
    from dashboard.i18n import CLI_TEXT
    from tests.conftest import scratch_database

    with scratch_database(server) as url:
        Store.open(url).close()
        big = ledger_xlsx(tmp_path / "big.xlsx", 2000, "C")
        proc = start_import(big, url, pause=4, user="cut")
        try:
            wait_for_pause(proc)
            assert _cut_connections(url) >= 1
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        hidden = sa.make_url(url).render_as_string(hide_password=True)
        assert (proc.returncode, out) == (3, ""), err
        assert "Traceback" not in err
        lines = err.splitlines()
        assert len(lines) == 1, err
        before, after = CLI_TEXT["store_lost"]["zh"].format(url=hidden, detail="\0").split("\0")
        assert lines[0].startswith(before) and lines[0].endswith(after), lines[0]
        assert len(lines[0]) > len(before + after)  # the driver's reason, on the same line
        assert count(url, "ledger_rows") == 0 and count(url, "import_batches") == 0
