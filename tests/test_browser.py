"""The app as a leader and a unit reporter use it: a real Streamlit server and headless Chromium.

Each test server runs on a free port with its own temporary SQLite store. Screenshots of every
page land in docs/screenshots/ (the README shows them). Needs Debian's chromium and Playwright;
outside CI a missing browser skips with the reason, in CI it fails.
"""

from __future__ import annotations

import io
import os
import re
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

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
SAMPLES = ROOT.parent / "shared" / "samples"
CHROMIUM = os.environ.get("DASHBOARD_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _need_browser() -> None:
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"browser tests need Debian's chromium at {CHROMIUM}"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "browser tests need the playwright package"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run serve.py` (as `make run` starts it) on a free port with its own store;
    ``token``: a session of the store's administrator, for ``new_page(browser, server)``."""

    def __init__(self, db_url: str, log: Path, port: int | None = None, extra_args: tuple[str, ...] = ()):
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = db_url
        self.log = log
        self.token: str | None = None
        env = {**os.environ, "DASHBOARD_DB_URL": db_url, "PYTHONPATH": str(ROOT)}
        self._log = log.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "serve.py"),
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                *extra_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not start; log: {log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _demo_db(path: Path) -> str:
    return load_demo(f"sqlite:///{path}")


def load_demo(url: str) -> str:
    """The demo loaded into the database ``url`` by the command line, as `make run` loads it."""
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "demo", "--today", "2025-01-15", "--db", url],  # demo.TEST_TODAY
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return url


ADMIN = ("管理员", "admin-password")


def admin_session(url: str) -> str:
    """Create the store's first administrator (ADMIN) and return the token of a session of it:
    since issue 11.4 a store without an account lets visitors only read."""
    from data_sources import access
    from data_sources.store import Store

    store = Store.open(url)
    try:
        acc = access.get_user(store, ADMIN[0]) or access.create_first_admin(store, *ADMIN)
        return access.start_session(store, acc)
    finally:
        store.close()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[Server]:
    """The demo organisation with its administrator; ``new_page(browser, demo_server)`` opens
    a browser signed in as that administrator."""
    _need_browser()
    tmp = tmp_path_factory.mktemp("browser")
    url = _demo_db(tmp / "demo.db")
    token = admin_session(url)
    server = Server(url, tmp / "streamlit.log")
    server.token = token
    yield server
    server.stop()


def session_cookie(server: Server, token: str) -> dict[str, object]:
    """The cookie the app sets at sign-in (HttpOnly, SameSite=Strict), for Playwright."""
    return {"name": "cz_session", "value": token, "url": server.url, "httpOnly": True, "sameSite": "Strict"}


def new_page(browser, server: Server | None = None, width: int = 1600, height: int = 1000):
    """A page in a new browser context; signed in as the administrator of ``server`` when given."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    if server is not None and server.token:
        context.add_cookies([session_cookie(server, server.token)])
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def settle(page) -> None:
    """Wait until Streamlit has finished running the script (no running indicator, no skeletons)."""
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid="stSkeleton"]');
        }""",
        timeout=60_000,
    )
    page.wait_for_timeout(400)


def kpis(page) -> dict[str, str]:
    """The KPI tiles as label → value text."""
    out: dict[str, str] = {}
    for tile in page.locator('[data-testid="stMetric"]').all():
        label = tile.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = tile.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


PAGES = [
    ("overview", "总览"),
    ("units", "单位排名"),
    ("unit", "单位详情"),
    ("learners", "学习标兵"),
    ("phases", "阶段进度"),
    ("submissions", "报送情况"),
    ("data", "数据管理"),
]


@pytest.mark.parametrize(("url_path", "title"), PAGES)
def test_every_page_renders_in_chinese_with_data_as_of(browser, demo_server, url_path, title):
    page = new_page(browser, demo_server)
    page.goto(
        f"{demo_server.url}/{url_path}?from=2024-01&to=2024-12" + ("&unit=塑编车间" if url_path == "unit" else "")
    )
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert title in page.locator("h1").first.inner_text()
    assert "数据截至" in page.inner_text("body")
    shot(page, url_path)
    page.context.close()


def test_no_request_leaves_the_server(browser, demo_server) -> None:
    """A factory's or hospital's intranet often has no way out, and Google's servers cannot be
    reached from mainland China: every request a leader's browser makes, over the pages and a
    period change, goes to the app's own server (the tab's icon too, an emoji drawn by the
    browser; Streamlit fetched a :material/…: page icon from fonts.gstatic.com)."""
    page = new_page(browser, demo_server)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{demo_server.url}/overview?from=2024-01&to=2024-12")
    settle(page)
    for _path, title in PAGES[1:]:
        open_from_menu(page, title)
    page.locator('[data-testid="stSidebar"] .st-key-f_quick button[aria-checked="false"]').first.click()
    settle(page)
    icon = page.evaluate("document.querySelector(\"link[rel='shortcut icon']\").href")
    page.context.close()
    assert icon.startswith("data:image/svg+xml,") and "🎓" in unquote(icon), icon
    assert len(requested) > 20, requested
    assert [u for u in requested if not u.startswith((demo_server.url + "/", "data:", "blob:"))] == []


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)], ids=["laptop", "projector"])
def test_the_first_screen_of_the_overview_on_a_laptop_and_a_projector(browser, demo_server, width, height):
    """What a meeting sees without scrolling (the README shows both): the title, the six tiles with
    their figures whole, and the first charts."""
    page = new_page(browser, demo_server, width, height)
    page.goto(f"{demo_server.url}/overview?from=2024-01&to=2024-12")
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    values = page.locator('[data-testid="stMetricValue"]')
    assert values.count() == 6
    assert all(v.is_visible() for v in values.all())
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"overview_{width}.png"))  # the viewport, as on the screen
    page.context.close()


def test_department_filter_changes_the_kpis_and_the_url_restores_the_view(browser, demo_server):
    page = new_page(browser, demo_server)
    page.goto(f"{demo_server.url}/overview?from=2024-01&to=2024-12")
    settle(page)
    before = kpis(page)
    assert before, "no KPI tiles on the overview"
    sidebar = page.locator('[data-testid="stSidebar"]')
    dept = sidebar.locator('[data-testid="stMultiSelect"]').first
    dept.click()
    page.get_by_role("option", name="机关").click()
    page.keyboard.press("Escape")
    settle(page)
    page.wait_for_function("() => location.search.includes('dept=')")
    after = kpis(page)
    assert after != before
    query = parse_qs(urlparse(page.url).query)
    assert query["dept"] == ["机关"]

    # A leader bookmarks the URL: a fresh browser session restores the same view.
    copied = page.url
    page.context.close()
    again = new_page(browser, demo_server)
    again.goto(copied)
    settle(again)
    assert kpis(again) == after
    assert "机关" in again.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.inner_text()
    again.context.close()


def create_first_admin(page, name: str, password: str) -> None:
    """Fill the first-run form (every page offers it while the store has no account)."""
    page.get_by_text("创建管理员", exact=True).click()
    page.get_by_label("管理员用户名").fill(name)
    page.get_by_label("密码（至少 8 个字符）").fill(password)
    page.get_by_label("再次输入密码").fill(password)
    page.get_by_role("button", name="创建管理员并登录").click()
    page.wait_for_function("(n) => document.body.innerText.includes('已登录：' + n)", arg=name)
    settle(page)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not present")
def test_upload_a_sample_report_and_commit(browser, tmp_path):
    """A fresh install (issue 11.4): an empty store with no account says on every page that
    there is no administrator and offers to create one; until then nobody uploads (no 数据管理,
    its URL refused); the administrator created in the form is signed in and imports a sample."""
    _need_browser()
    server = Server(f"sqlite:///{tmp_path / 'upload.db'}", tmp_path / "streamlit.log")
    try:
        page = new_page(browser)
        page.goto(f"{server.url}/overview")
        settle(page)
        assert not kpis(page), "an empty store shows the guide, not figures"
        notice = "尚未设置管理员：现在任何访问者都只能查看，不能导入、撤销或加载演示数据。"
        assert notice in page.inner_text("body")
        assert "数据管理" not in page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert page.get_by_role("button", name="加载演示数据").count() == 0
        page.goto(f"{server.url}/data")
        settle(page)
        assert notice in page.inner_text("body")
        assert page.locator('[data-testid="stFileUploader"]').count() == 0
        assert page_error(page).endswith("您的角色（查看）无权使用“数据管理”页面。")
        shot(page, "first_admin")

        create_first_admin(page, "王主席", "wang-password")
        assert notice not in page.inner_text("body")
        assert heading(page) == "数据管理"  # the URL typed before opens now
        sample = next(p for p in sorted(SAMPLES.iterdir()) if p.suffix == ".xlsx" and "3月" in p.name)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(sample))
        # settle() alone can return before the upload's rerun has begun: wait for the preview
        page.wait_for_function("() => document.body.innerText.includes('导入预览')", timeout=60_000)
        settle(page)
        body = page.inner_text("body")
        assert sample.name in body
        shot(page, "data_preview")
        page.get_by_role("button", name="确认导入").click()
        settle(page)
        page.wait_for_function("() => document.body.innerText.includes('导入完成')")
        shot(page, "data_imported")
        # The store was empty (the overview showed the guide); now the KPIs of March are there.
        page.goto(f"{server.url}/overview?from=2024-03&to=2024-03")
        settle(page)
        tiles = kpis(page)
        assert "参学率" in tiles and tiles["参学率"].endswith("%")
        page.context.close()
    finally:
        server.stop()
    from data_sources.store import Store

    store = Store.open(server.db_url)
    try:
        assert [b.user for b in store.batches()] == ["王主席"]  # never "网页上传", a name anyone types
    finally:
        store.close()


def test_a_page_url_opened_first_on_a_fresh_server_goes_through_the_router(browser, tmp_path):
    """Streamlit serves an auto-discovered pages/ folder to the first visitor; ours must not exist."""
    url = _demo_db(tmp_path / "fresh.db")
    token = admin_session(url)
    server = Server(url, tmp_path / "streamlit.log")
    server.token = token
    try:
        page = new_page(browser, server)
        page.goto(f"{server.url}/phases")
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "阶段进度" in page.locator("h1").first.inner_text()
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        for _, title in PAGES:
            assert title in nav
        page.context.close()
    finally:
        server.stop()


def query(pg) -> dict[str, list[str]]:
    return {k: [unquote(x) for x in v] for k, v in parse_qs(urlparse(pg.url).query).items()}


def heading(pg) -> str:
    return pg.locator("h1").first.inner_text().strip()


def open_from_menu(pg, title: str) -> None:
    """Click a page in the sidebar menu and wait until its heading is drawn: just after the click
    the old page may still read as settled (the rerun has not started yet)."""
    pg.locator("[data-testid='stSidebarNav'] a", has_text=title).click()
    pg.wait_for_function("t => document.querySelector('h1')?.innerText.trim() === t", arg=title, timeout=60_000)
    settle(pg)


def test_click_a_bar_opens_the_unit_and_keeps_the_filters(browser, demo_server, tmp_path: Path) -> None:
    pg = new_page(browser, demo_server)
    pg.goto(f"{demo_server.url}/?dept=机关")
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
    shot(pg, "unit_drilldown")

    # back to the overview through the menu: the filters stay and the old click does not bounce
    open_from_menu(pg, "总览")
    pg.wait_for_timeout(2000)  # long enough for a stale click to bounce back to 单位详情
    assert heading(pg) == "总览"
    assert query(pg)["dept"] == ["机关"]


def test_period_survives_navigation_and_language_switch(browser, demo_server) -> None:
    pg = new_page(browser, demo_server)
    pg.goto(f"{demo_server.url}/units?from=2024-03&to=2024-05&pilot=1")
    settle(pg)
    assert heading(pg) == "单位排名"
    open_from_menu(pg, "阶段进度")
    assert heading(pg) == "阶段进度"
    q = query(pg)
    assert (q["from"], q["to"], q["pilot"]) == (["2024-03"], ["2024-05"], ["1"])
    pg.get_by_text("English", exact=True).click()
    settle(pg)
    assert heading(pg) == "Phase progress"
    assert query(pg)["lang"] == ["en"]


def test_click_a_table_row_opens_the_unit(browser, demo_server) -> None:
    pg = new_page(browser, demo_server)
    pg.goto(f"{demo_server.url}/units?dept=机关")
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


# ---- who may do what: viewer, reporter, admin (accounts in the store → sign-in required) ------


def _accounts_db(path: Path) -> str:
    """The demo organisation plus one account per role (created with the user command)."""
    url = _demo_db(path)
    for name, role, units, password in (
        ("wang", "viewer", "", "wang-password"),
        ("li", "reporter", "塑编车间", "li-password"),
        ("boss", "admin", "", "boss-password"),
    ):
        argv = [sys.executable, "-m", "dashboard", "user", "add", name, "--role", role, "--password-stdin"]
        argv += ["--db", url] + (["--units", units] if units else [])
        done = subprocess.run(
            argv,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    return url


@pytest.fixture(scope="module")
def accounts_server(tmp_path_factory) -> Iterator[Server]:
    _need_browser()
    tmp = tmp_path_factory.mktemp("accounts")
    server = Server(_accounts_db(tmp / "accounts.db"), tmp / "streamlit.log")
    yield server
    server.stop()


def sign_in(pg, name: str, password: str) -> None:
    settle(pg)
    pg.get_by_label("用户名").fill(name)
    pg.get_by_label("密码", exact=True).fill(password)  # not the eye button, 显示密码
    pg.get_by_role("button", name="登录").click()
    pg.wait_for_selector('[data-testid="stMain"] [data-testid="stForm"]', state="detached")
    settle(pg)


def _workbook_file(path: Path, rows: list[tuple[str, int]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "月报"
    ws.append(["塑件化工厂2025年1月创争活动月报表"])
    ws.append(["单位", "职工人数", "参学人数", "培训场次", "培训人次", "培训学时", "取证人数"])
    for unit, participants in rows:
        ws.append([unit, 40, participants, 3, 60, 120.5, 1])
    wb.save(path)
    return path


def test_a_viewer_cannot_see_or_open_the_data_page_even_by_url(browser, tmp_path) -> None:
    server = Server(_accounts_db(tmp_path / "fresh.db"), tmp_path / "streamlit.log")
    try:
        pg = new_page(browser)
        pg.goto(f"{server.url}/data")  # the first visitor of a fresh server types the URL
        settle(pg)
        assert "数据管理" not in pg.inner_text("body")  # only the sign-in form
        sign_in(pg, "wang", "wang-password")
        assert page_error(pg).endswith("您的角色（查看）无权使用“数据管理”页面。")
        assert pg.locator('[data-testid="stFileUploader"]').count() == 0
        nav = pg.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "总览" in nav and "数据管理" not in nav
        open_from_menu(pg, "总览")
        assert heading(pg) == "总览" and kpis(pg)
        pg.context.close()
    finally:
        server.stop()


def page_error(pg) -> str:
    return pg.locator('[data-testid="stAlertContentError"]').first.inner_text().strip()


def test_a_reporter_cannot_upload_another_units_rows(browser, accounts_server, tmp_path) -> None:
    pg = new_page(browser)
    pg.goto(f"{accounts_server.url}/data")
    sign_in(pg, "li", "li-password")
    assert heading(pg) == "数据管理"
    upload = _workbook_file(tmp_path / "报表.xlsx", [("塑编车间", 20), ("质检科", 3)])
    pg.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    pg.wait_for_function("() => document.body.innerText.includes('导入预览')", timeout=60_000)
    settle(pg)
    pg.wait_for_selector('[data-testid="stDataFrame"]')
    assert "报表.xlsx：有 1 个错误，不能导入" in pg.inner_text("body")
    # the error table names the row (the grid is a canvas: read it through its download)
    assert pg.get_by_role("button", name="确认导入").is_disabled()
    with pg.expect_download() as dl:
        pg.locator('[data-testid="stDownloadButton"] button').filter(has_text="下载 Excel").first.click()
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert "报表.xlsx · 工作表「月报」第4行 · A 列「单位」值「质检科」：无权为该单位填报（您可填报：塑编车间）" in cells
    shot(pg, "data_reporter_refused")
    pg.context.close()


def test_an_admin_can_undo(browser, accounts_server, tmp_path) -> None:
    pg = new_page(browser)
    pg.goto(f"{accounts_server.url}/data")
    sign_in(pg, "boss", "boss-password")
    assert heading(pg) == "数据管理"
    upload = _workbook_file(tmp_path / "质检科.xlsx", [("质检科", 7)])
    pg.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    pg.wait_for_function("() => document.body.innerText.includes('导入预览')", timeout=60_000)
    settle(pg)
    pg.get_by_role("button", name="确认导入").click()
    settle(pg)
    pg.wait_for_function("() => document.body.innerText.includes('导入完成')")
    batch = int(re.search(r"批次 #(\d+)", pg.inner_text("body")).group(1))
    pg.get_by_text(f"撤销批次 #{batch}", exact=True).first.click()
    pg.get_by_text(f"确认撤销批次 #{batch}", exact=True).click()
    settle(pg)
    pg.wait_for_function(f"() => document.body.innerText.includes('批次 #{batch} 已撤销')")
    assert "操作日志" in pg.inner_text("body")
    pg.context.close()


def session_cookie_of(pg, timeout: float = 15) -> dict | None:
    """The browser's cz_session cookie (None when it has none), waiting up to ``timeout`` s for
    the page's request that sets or clears it."""
    deadline = time.monotonic() + timeout
    while True:
        found = next((c for c in pg.context.cookies() if c["name"] == "cz_session"), None)
        if found is not None or time.monotonic() > deadline:
            return found
        pg.wait_for_timeout(200)


def wait_for_no_session_cookie(pg, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while any(c["name"] == "cz_session" for c in pg.context.cookies()):
        assert time.monotonic() < deadline, "the session cookie was not cleared"
        pg.wait_for_timeout(200)


def sign_in_form_shown(pg) -> bool:
    return pg.locator('[data-testid="stMain"] [data-testid="stForm"]').count() == 1


def test_a_sign_in_survives_a_reload_and_a_new_tab_until_sign_out(browser, accounts_server) -> None:
    """Issue 11.5: the cookie holds a random session token, HttpOnly (no script in the page
    reads it) and SameSite=Strict, set by the server's route (serve.py)."""
    pg = new_page(browser)
    pg.goto(f"{accounts_server.url}/overview")
    sign_in(pg, "boss", "boss-password")
    cookie = session_cookie_of(pg)
    assert cookie is not None, "no session cookie after the sign-in"
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert 11 * 3600 < cookie["expires"] - time.time() <= 12 * 3600 + 60
    assert "cz_session" not in pg.evaluate("document.cookie")  # invisible to scripts

    pg.reload()  # a new Streamlit session: signed in again from the cookie, no form
    settle(pg)
    assert "已登录：boss（管理）" in pg.locator('[data-testid="stSidebar"]').inner_text()
    assert heading(pg) == "总览" and kpis(pg)
    tab = pg.context.new_page()
    tab.goto(f"{accounts_server.url}/data")
    settle(tab)
    assert heading(tab) == "数据管理"
    tab.close()

    # a forged or altered cookie signs nobody in
    pg.context.add_cookies([{**cookie, "value": cookie["value"][:-1] + ("0" if cookie["value"][-1] != "0" else "1")}])
    pg.reload()
    settle(pg)
    assert sign_in_form_shown(pg)

    pg.context.add_cookies([cookie])
    pg.reload()
    settle(pg)
    assert not sign_in_form_shown(pg)
    pg.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").click()
    settle(pg)
    wait_for_no_session_cookie(pg)
    pg.reload()
    settle(pg)
    assert sign_in_form_shown(pg)  # the sign-in form again
    pg.context.close()


def test_a_cookie_replayed_after_sign_out_signs_nobody_in(browser, accounts_server) -> None:
    """Issue 11.5: 退出登录 used to clear the cookie in this browser only; a copy of it still
    signed in elsewhere. Now the session ends on the server."""
    pg = new_page(browser)
    pg.goto(f"{accounts_server.url}/overview")
    sign_in(pg, "boss", "boss-password")
    cookie = session_cookie_of(pg)
    assert cookie is not None
    pg.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").click()
    settle(pg)
    wait_for_no_session_cookie(pg)
    pg.context.close()

    # the cookie copied before the sign-out, replayed in another browser: nobody
    thief = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    thief.add_cookies([cookie])
    other = thief.new_page()
    other.goto(f"{accounts_server.url}/data")
    settle(other)
    assert sign_in_form_shown(other)
    assert "您的登录已结束" in other.inner_text("body")
    assert "数据管理" not in other.locator("h1").first.inner_text()
    wait_for_no_session_cookie(other)  # and the dead cookie is cleared
    thief.close()


def _cli(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *argv],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_open_tab_is_signed_out_by_a_new_password(browser, accounts_server) -> None:
    """Issue 11.5: `user passwd` ends every session of the account; a tab left open notices at
    its next click (it used to stay signed in), and its cookie no longer signs in."""
    done = _cli(
        "user",
        "add",
        "zhou",
        "--role",
        "admin",
        "--password-stdin",
        "--db",
        accounts_server.db_url,
        stdin="zhou-password\n",
    )
    assert done.returncode == 0, done.stderr
    pg = new_page(browser)
    pg.goto(f"{accounts_server.url}/overview")
    sign_in(pg, "zhou", "zhou-password")
    assert session_cookie_of(pg) is not None
    assert "已登录：zhou（管理）" in pg.locator('[data-testid="stSidebar"]').inner_text()

    done = _cli(
        "user", "passwd", "zhou", "--password-stdin", "--db", accounts_server.db_url, stdin="zhou-new-password\n"
    )
    assert done.returncode == 0, done.stderr
    pg.locator("[data-testid='stSidebarNav'] a", has_text="数据管理").click()
    settle(pg)
    assert sign_in_form_shown(pg)
    assert "您的登录已结束（已退出、密码已更改、账号已删除或已超时），请重新登录。" in pg.inner_text("body")
    assert "zhou" not in pg.locator('[data-testid="stSidebar"]').inner_text()
    wait_for_no_session_cookie(pg)
    sign_in(pg, "zhou", "zhou-new-password")
    assert heading(pg) == "数据管理"  # the page the click asked for
    pg.context.close()


def test_the_meeting_briefing_downloads_from_the_overview(browser, demo_server) -> None:
    """Built only on click (in Streamlit's download thread): every sheet, submissions included."""
    from openpyxl import load_workbook

    pg = new_page(browser, demo_server)
    pg.goto(f"{demo_server.url}/overview?from=2024-01&to=2024-12")
    settle(pg)
    with pg.expect_download() as dl:
        pg.get_by_role("button", name="下载会议简报（Excel）").click()
    assert dl.value.suggested_filename.startswith("创争活动会议简报_") and dl.value.suggested_filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert "报送情况" in wb.sheetnames
    cells = [str(c.value) for row in wb["报送情况"].iter_rows() for c in row if c.value is not None]
    assert "包装车间" in cells  # a demo unit, one row of the grid
    assert wb.sheetnames[1:3] == ["单位排名", "推荐名单"]  # ranked by score, then both shortlists (issue 14)
    ranked = [str(c.value) for c in wb["单位排名"]["B"] if c.value is not None]
    assert ranked[1:3] == ["机关支部", "塑编车间"]  # 100.0 each, the order of the 考核评比 page
    pg.context.close()


# ---- Streamlit's upload endpoint before sign-in (issue 11.6) --------------------------------------

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PUT_FILES = """async ({ids, size, count}) => {
    const xsrf = document.cookie.split('; ').find(c => c.startsWith('_streamlit_xsrf='));
    const token = xsrf ? decodeURIComponent(xsrf.slice('_streamlit_xsrf='.length)) : '';
    const out = [];
    for (let i = 0; i < count; i++) {
        const codes = [];
        for (const id of ids) {
            const form = new FormData();
            form.append('file', new Blob([new Uint8Array(size)]), 'big.xlsx');
            try {
                const r = await fetch(`/_stcore/upload_file/${id}/${crypto.randomUUID()}`,
                    {method: 'PUT', body: form, headers: {'X-Xsrftoken': token}, credentials: 'same-origin'});
                codes.push(r.status);
            } catch (e) {
                codes.push(0);  // the server closed the connection before the body was sent
            }
        }
        out.push(codes.includes(204) ? 204 : Math.max(...codes));
    }
    return out;
}"""


def page_with_session_ids(browser, server: Server | None = None):
    """A page and the UUIDs its websocket received (Streamlit's session id among them: the
    upload URL's first part, which any visitor learns from their own connection)."""
    pg = new_page(browser, server)
    seen: list[str] = []

    def frames(ws) -> None:
        def note(payload) -> None:
            text = payload if isinstance(payload, str) else payload.decode("latin-1")
            seen.extend(u for u in UUID_RE.findall(text) if u not in seen)

        ws.on("framereceived", note)

    pg.on("websocket", frames)
    return pg, seen


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_uploads_before_sign_in_are_refused_before_the_server_reads_them(browser, accounts_server) -> None:
    """The attack of issue 11.6: from the sign-in form, with the page's XSRF token, PUT files
    to Streamlit's upload endpoint. It used to accept 6 × 40 MB and hold them for the browser
    session's life; now serve.py's guard answers 403 before the body is read, also to a
    signed-in viewer, and lets a reporter's upload through."""
    pg, ids = page_with_session_ids(browser)
    pg.goto(f"{accounts_server.url}/overview")
    settle(pg)
    assert sign_in_form_shown(pg) and ids
    before = rss_mb(accounts_server.proc.pid)
    assert pg.evaluate(PUT_FILES, {"ids": ids, "size": 40 * 1024 * 1024, "count": 6}) == [403] * 6
    grown = rss_mb(accounts_server.proc.pid) - before
    assert grown < 40, f"the server grew by {grown:.0f} MB"

    sign_in(pg, "wang", "wang-password")  # a viewer: signed in, but no 数据管理
    assert pg.evaluate(PUT_FILES, {"ids": ids, "size": 1024, "count": 1}) == [403]
    pg.context.close()

    reporter, ids = page_with_session_ids(browser)
    reporter.goto(f"{accounts_server.url}/data")
    sign_in(reporter, "li", "li-password")
    assert session_cookie_of(reporter) is not None
    assert reporter.evaluate(PUT_FILES, {"ids": ids, "size": 1024, "count": 1}) == [204]
    reporter.context.close()


# ---- CSV injection through the tables' own download (issue 11.8) -----------------------------------

FORMULA_UNIT = "=cmd|' /C calc'!A0"


def test_no_table_offers_streamlits_raw_csv_download(browser, tmp_path) -> None:
    """A reporter can name a unit (or a person) like a formula in a CSV report; Streamlit's
    "Download as CSV" of a table wrote it raw, and Excel would run it. The app turns that
    download off (client.disableDataExport); the table's own .xlsx download keeps the name as
    text."""
    from openpyxl import load_workbook

    url = _demo_db(tmp_path / "formula.db")
    roster = tmp_path / "单位.csv"  # a new unit comes in by the roster first (issue 10.3)
    roster.write_text(f'单位,部门,职工人数\n"{FORMULA_UNIT}",机关,40\n', encoding="utf-8")
    done = _cli("import", str(roster), "--db", url)
    assert done.returncode == 0, done.stderr
    report = tmp_path / "月报.csv"
    report.write_text(
        "单位,职工人数,参学人数,培训场次,培训人次,培训学时,取证人数\n" + f'"{FORMULA_UNIT}",40,20,3,60,120.5,1\n',
        encoding="utf-8",
    )
    done = _cli("import", str(report), "--period", "2025-01", "--db", url)
    assert done.returncode == 0, done.stderr
    server = Server(url, tmp_path / "streamlit.log")
    server.token = admin_session(url)
    try:
        pg = new_page(browser, server)
        pg.goto(f"{server.url}/units?from=2025-01&to=2025-01")
        settle(pg)
        grid = pg.locator("[data-testid='stDataFrame']").first
        grid.hover()
        toolbar = pg.locator("[data-testid='stElementToolbar']").first
        # the page is Chinese: dashboard/frontend.py gives the toolbar's buttons Chinese names
        toolbar.get_by_role("button", name="搜索").wait_for()  # the toolbar is there …
        csv = re.compile(r"Download as CSV|下载为 CSV")
        assert toolbar.get_by_role("button", name=csv).count() == 0  # … without the CSV
        with pg.expect_download() as dl:
            pg.locator('[data-testid="stDownloadButton"] button').filter(has_text="下载 Excel").first.click()
        ws = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
        cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "cmd|" in c.value]
        assert [(c.value, c.data_type) for c in cells] == [("'" + FORMULA_UNIT, "s")]
        pg.context.close()
    finally:
        server.stop()
