"""The app in a real browser (headless Chromium via Playwright): the drill-down by clicking a bar
or a table row, filters kept in the URL across pages, and the language switch.

AppTest cannot click Vega marks or grid rows, so these run the real server. Chromium comes from
DASHBOARD_TEST_CHROMIUM (scripts/ensure_services.sh); without it the tests skip, except in CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from playwright.sync_api import Page, sync_playwright

from dashboard.config import ENV_DB_URL, load_settings
from dashboard.demo import load_demo
from data_sources.store import Store

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ENV = "DASHBOARD_TEST_CHROMIUM"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or ""
    if not path:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {CHROMIUM_ENV} is not set: the browser tests must run in CI")
        pytest.skip(f"browser tests need {CHROMIUM_ENV}")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run dashboard/app.py`` on the demo organisation, on a free port."""
    _chromium()
    db = tmp_path_factory.mktemp("browser") / "demo.db"
    store = Store.open(f"sqlite:///{db}")
    try:
        load_demo(store, load_settings(ROOT / "config.toml"))
    finally:
        store.close()
    port = _free_port()
    env = {**os.environ, ENV_DB_URL: f"sqlite:///{db}"}
    cmd = [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port)]
    cmd += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("the Streamlit server did not start")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def page(server: str) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1600, "height": 1400}, locale="zh-CN")
            pg.set_default_timeout(30_000)
            yield pg
        finally:
            browser.close()


def settle(pg: Page) -> None:
    """Wait until the script run is over (the running indicator is gone) and charts are drawn."""
    time.sleep(1.0)
    deadline = time.time() + 30
    while time.time() < deadline and pg.locator("[data-testid='stStatusWidget']").count():
        time.sleep(0.3)
    time.sleep(1.0)


def query(pg: Page) -> dict[str, list[str]]:
    return {k: [unquote(x) for x in v] for k, v in parse_qs(urlparse(pg.url).query).items()}


def heading(pg: Page) -> str:
    return pg.locator("h1").first.inner_text().strip()


def test_click_a_bar_opens_the_unit_and_keeps_the_filters(server: str, page: Page, tmp_path: Path) -> None:
    pg = page
    pg.goto(f"{server}/?dept=机关")
    pg.wait_for_selector("[aria-roledescription='bar']")
    settle(pg)
    assert heading(pg) == "总览"
    assert pg.locator("[data-testid='stMetric']").count() == 6
    bar = pg.locator("[aria-roledescription='bar'][aria-label*='单位: 供销科']").first
    bar.click()
    pg.wait_for_url("**/unit?**")
    settle(pg)
    assert heading(pg) == "单位详情"
    q = query(pg)
    assert q["unit"] == ["供销科"] and q["dept"] == ["机关"] and "from" in q and "to" in q
    captions = " ".join(pg.locator("[data-testid='stCaptionContainer']").all_inner_texts())
    assert "范围：供销科" in captions
    pg.screenshot(path=str(tmp_path / "unit.png"))

    # back to the overview through the menu: the filters stay and the old click does not bounce
    pg.locator("[data-testid='stSidebarNav'] a", has_text="总览").click()
    settle(pg)
    time.sleep(2)
    assert heading(pg) == "总览"
    assert query(pg)["dept"] == ["机关"]


def test_period_survives_navigation_and_language_switch(server: str, page: Page) -> None:
    pg = page
    pg.goto(f"{server}/units?from=2024-03&to=2024-05&pilot=1")
    settle(pg)
    assert heading(pg) == "单位排名"
    pg.locator("[data-testid='stSidebarNav'] a", has_text="阶段进度").click()
    settle(pg)
    assert heading(pg) == "阶段进度"
    q = query(pg)
    assert (q["from"], q["to"], q["pilot"]) == (["2024-03"], ["2024-05"], ["1"])
    pg.get_by_text("English", exact=True).click()
    settle(pg)
    assert heading(pg) == "Phase progress"
    assert query(pg)["lang"] == ["en"]


def test_click_a_table_row_opens_the_unit(server: str, page: Page) -> None:
    pg = page
    pg.goto(f"{server}/units?dept=机关")
    pg.wait_for_selector("[data-testid='stDataFrame']")
    settle(pg)
    grid = pg.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    row_height = 35
    pg.mouse.click(box["x"] + 15, box["y"] + row_height * 1.5 + 2)  # first data row
    pg.wait_for_url("**/unit?**")
    settle(pg)
    assert heading(pg) == "单位详情"
    assert query(pg)["unit"][0] in {"机关支部", "质检科", "供销科"}
