"""PostgreSQL stopped under the running app, in a real browser: the page says so in Chinese (no
traceback) and recovers by itself when the server is back; the same when the server is down
before the app first opens the store.

The server stopped and started here is a private PostgreSQL instance (initdb into a temporary
folder, its own port), so the machine's shared server and the other tests are never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_browser import ROOT, Server, _free_port, browser, kpis, new_page, settle, shot  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def _pg_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PrivatePostgres:
    """initdb + pg_ctl in a temporary folder (as the postgres user when the tests run as root,
    since PostgreSQL refuses to run as root)."""

    def __init__(self, folder: Path):
        bindir = _pg_bin()
        if bindir is None:
            reason = "the outage test needs PostgreSQL's initdb and pg_ctl (Debian's postgresql)"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        self.bin = bindir
        self.folder = folder
        self.data = folder / "data"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self._as, str(self.bin / tool), *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "server.log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    # straight under /tmp: pytest's own temporary folders are private to root, and the server
    # runs as postgres
    folder = Path(tempfile.mkdtemp(prefix="dash_pg_"))
    try:
        server = PrivatePostgres(folder)
        try:
            yield server
        finally:
            if server.running():
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_text(page, text: str, timeout_ms: int = 60_000) -> None:
    page.wait_for_function("(t) => document.body.innerText.includes(t)", arg=text, timeout=timeout_ms)


def test_postgresql_stopped_under_the_app_is_a_message_and_the_page_recovers(
    browser,  # noqa: F811
    private_postgres: PrivatePostgres,
    tmp_path: Path,
) -> None:
    demo = subprocess.run(
        [sys.executable, "-m", "dashboard", "demo", "--today", "2025-01-15", "--db", private_postgres.url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
    app = Server(private_postgres.url, tmp_path / "streamlit.log")
    try:
        page = new_page(browser)
        page.goto(f"{app.url}/overview?from=2024-01&to=2024-12")
        settle(page)
        before = kpis(page)
        assert before, "no KPI tiles on the overview"

        # the server goes down in the middle of the session: the next page is a message
        private_postgres.stop()
        page.goto(f"{app.url}/units?from=2024-01&to=2024-12")
        _wait_for_text(page, "与数据库的连接中断")
        body = page.inner_text("body")
        assert "已导入的数据不会因此丢失" in body
        # issue 11.10: a visitor who is not a signed-in administrator learns neither the URL nor
        # the driver's error; the server log has both
        assert f"127.0.0.1:{private_postgres.port}" not in body and "postgresql" not in body
        assert f"postgresql+psycopg://postgres@127.0.0.1:{private_postgres.port}/postgres" in app.log.read_text()
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "Traceback" not in body
        shot(page, "outage")

        # back up: the page reruns by itself (no click), with the figures as before
        private_postgres.start()
        page.wait_for_function(
            """() => !document.body.innerText.includes('与数据库的连接中断')
                && document.querySelector('h1')?.innerText.includes('单位排名')""",
            timeout=60_000,
        )
        page.goto(f"{app.url}/overview?from=2024-01&to=2024-12")
        settle(page)
        assert kpis(page) == before
        page.context.close()
    finally:
        app.stop()

    # down before the app opens the store at all: the start-up message, then recovery
    private_postgres.stop()
    app = Server(private_postgres.url, tmp_path / "streamlit2.log")
    try:
        page = new_page(browser)
        page.goto(f"{app.url}/overview?from=2024-01&to=2024-12")
        _wait_for_text(page, "无法连接数据库")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert str(private_postgres.port) not in page.inner_text("body")
        private_postgres.start()
        page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
        settle(page)
        assert kpis(page) == before
        page.context.close()
    finally:
        app.stop()
