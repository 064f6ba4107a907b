"""A city federation runs several app processes on one PostgreSQL store behind a load balancer
(issue 13): an import through one process is shown by the other at its next rerun.

Two real ``streamlit run serve.py`` servers on one fresh PostgreSQL database with the demo; a
leader has the overview open on process B while an administrator uploads a month's report on
process A's 数据管理 page; B's next rerun (a page switch in the menu, then a reload) shows the new
figures, the same as A shows. Each process caches figures under the store's data version, which it
reads from the database on every run, so no process keeps a figure another one made stale.
Servers and the browser come from tests/test_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import test_browser
from tests.conftest import scratch_database
from tests.test_browser import Server, _need_browser, admin_session, kpis, load_demo, new_page, open_from_menu, settle

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
browser = test_browser.browser  # the module-scoped Chromium of tests/test_browser.py (a fixture)

MONTH = ("2024-12", "2024年12月")
VIEW = f"overview?from={MONTH[0]}&to={MONTH[0]}"


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Processes A and B on one fresh PostgreSQL database holding the demo and its administrator."""
    _need_browser()
    with scratch_database("postgres") as url:
        load_demo(url)
        token = admin_session(url)
        servers: list[Server] = []
        try:
            for name in ("a", "b"):
                servers.append(Server(url, tmp_path / f"streamlit_{name}.log"))
                servers[-1].token = token
            yield servers[0], servers[1]
        finally:
            for s in servers:
                s.stop()


def _report(path: Path, unit: str, participants: int) -> Path:
    """A one-unit monthly report of MONTH, as a unit sends it."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "月报"
    ws.append([f"塑件化工厂{MONTH[1]}创争活动月报表"])
    ws.append(["单位", "职工人数", "参学人数", "培训场次", "培训人次", "培训学时", "取证人数"])
    ws.append([unit, 40, participants, 3, 60, 120.5, 1])
    wb.save(path)
    return path


def test_an_import_through_one_process_shows_on_the_other_at_its_next_rerun(browser, two_servers, tmp_path) -> None:
    a, b = two_servers
    leader = new_page(browser, b)
    leader.goto(f"{b.url}/{VIEW}")
    settle(leader)
    before = kpis(leader)
    assert before, "no KPI tiles on process B"

    admin = new_page(browser, a)
    admin.goto(f"{a.url}/data")
    settle(admin)
    upload = _report(tmp_path / "供销科.xlsx", "供销科", 1)
    admin.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    admin.wait_for_function("() => document.body.innerText.includes('导入预览')", timeout=60_000)
    settle(admin)
    admin.get_by_role("button", name="确认导入").click()
    settle(admin)
    admin.wait_for_function("() => document.body.innerText.includes('导入完成')")
    admin.goto(f"{a.url}/{VIEW}")
    settle(admin)
    after = kpis(admin)
    assert after != before, "the import changed no figure of the month"

    # B's next rerun in the same session (a page switch in the menu and back) shows A's import
    for title in ("单位排名", "总览"):
        open_from_menu(leader, title)
    assert kpis(leader) == after
    leader.reload()  # and so does a new session of B
    settle(leader)
    assert kpis(leader) == after
    leader.context.close()
    admin.context.close()
