"""``python -m dashboard bench --browser``: how fast each page's figures are on a leader's screen.

It starts the app (``streamlit run serve.py``, headless, on a free port) on a store and drives
Debian's Chromium through Playwright at 1366×768, as a leader's laptop shows it, signed in as a
viewer (the store gets an administrator and that account if it has none; each browser context
carries the sign-in cookie a leader's browser keeps). For each page it
measures, from the click or the navigation until the page's figures are drawn (the server has
reported the script run's end, no skeleton is left, every Vega chart shown has its canvas or SVG
and every table shown its grid):

- first: the first visit after the server started (the server's figure cache is empty);
- cold: a fresh browser context opening the page's URL (a new Streamlit session; the server has
  seen the page once);
- reopen: a new tab of that browser (a new session; the browser has the app's code cached);
- warm: a page switch through the sidebar menu, in one session;
- period / dept: a filter change on the page (a period button, a department in the sidebar), a
  different one in each run, so the server computes the figures anew;

plus the page's height in screens (the main section's scroll height ÷ the window's height), and
each time split into before the script run, the script run and drawing (``Timing``). Each figure is the median of ``repeat`` runs. Nothing here is asserted in a test.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from dashboard.i18n import ui_text
from dashboard.server import SESSION_COOKIE

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ENV = "DASHBOARD_TEST_CHROMIUM"
# the floor's timings (``measure_floor``) and what each is, as the table prints them
FLOOR_KINDS = ("cold", "rerun", "switch")
FLOOR_WHAT = ("a new browser opening the URL", "its button clicked", "its other page chosen in the menu")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
VIEWPORT = {"width": 1366, "height": 768}
# url path → title key, in the menu's order (数据管理 is left out: it needs an administrator)
PAGES = {
    "overview": "page_overview",
    "units": "page_units",
    "unit": "page_unit",
    "learners": "page_learners",
    "phases": "page_phases",
    "submissions": "page_submissions",
    "evaluation": "page_evaluation",
}


@dataclasses.dataclass(frozen=True)
class Goals:
    """What a leader should wait at most (ms) and the tallest page (screens; None: no limit)."""

    label: str
    warm_ms: float
    cold_ms: float
    screens: float | None


DEMO_GOALS = Goals("demo", 500.0, 1500.0, None)
SCALE_GOALS = Goals("1,000 units", 1000.0, 2500.0, 4.0)


BENCH_VIEWER = "会议大屏"  # the viewer account the pages are timed as
KINDS = ("first", "cold", "reopen", "warm", "period", "dept")


class Timing(NamedTuple):
    """ms until the figures are drawn, and its parts: before the script run began (for a new page:
    loading the app and opening its session), the script run(s) on the server until the browser
    heard they ended, and drawing after that (charts, tables, lazily loaded code)."""

    total: float
    before: float
    script: float
    after: float


@dataclasses.dataclass
class PageTiming:
    """One page's medians by kind (``KINDS``; a kind the page lacks is missing) and its height in
    screens."""

    page: str
    title: str
    times: dict[str, Timing]
    screens: float

    def ms(self, kind: str) -> float | None:
        found = self.times.get(kind)
        return None if found is None else found.total


def default_chromium() -> str:
    return os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or "/usr/bin/chromium"


# ---- the app server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(db_url: str, log_path: Path, script: Path = ROOT / "serve.py") -> Iterator[str]:
    """``streamlit run serve.py`` (or ``script``) on a free port with ``db_url`` as its store;
    yields its URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DASHBOARD_DB_URL": db_url, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    argv += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    argv += ["--server.fileWatcherType", "none"]
    with log_path.open("w") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"streamlit did not start; see {log_path}") from None
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


# ---- in the browser -------------------------------------------------------------------------------

# Every script run as the server reports it, with its time, from the first moment of the page:
# Streamlit's messages are read off its WebSocket (a ForwardMsg's top-level field 4 new_session:
# a run began; field 6 script_finished: it ended). The app's data-test-script-state attribute is
# not enough: when a run is fast, React renders "running" and "notRunning" in one go and the
# attribute never shows the run.
WATCH_JS = """
window.__runs = [];
const fieldsOf = (buf) => {
  const b = new Uint8Array(buf), found = new Set();
  let i = 0;
  const varint = () => { let x = 0, m = 1, c; do { c = b[i++]; x += (c & 127) * m; m *= 128; } while (c & 128); return x; };
  while (i < b.length) {
    const tag = varint(), wire = tag % 8;
    found.add(Math.floor(tag / 8));
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 2) { const n = varint(); i += n; }  // not i += varint(): i is read first
    else if (wire === 5) i += 4;
    else break;
  }
  return found;
};
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', (ev) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      const f = fieldsOf(ev.data), t = performance.now();
      if (f.has(4)) window.__runs.push({s: 'running', t});
      if (f.has(6)) window.__runs.push({s: 'notRunning', t});
    });
  }
};
"""

# The page's figures are drawn: a script run began after `since` and every run since has ended,
# nothing is stale or a skeleton, a heading is there, every chart shown has its canvas or SVG and
# every table shown its grid (one folded in a closed expander is not drawn until it is opened).
DRAWN_JS = """(since) => {
  const runs = (window.__runs || []).filter(r => r.t >= since);
  if (!runs.some(r => r.s === 'running') || runs[runs.length - 1].s !== 'notRunning') return false;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  if (!document.querySelector('[data-testid="stMain"] h1')) return false;
  const shown = e => e.checkVisibility();  // false when folded away in a closed expander
  for (const c of document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
    if (shown(c) && !c.querySelector('canvas, svg')) return false;
  for (const g of document.querySelectorAll('[data-testid="stDataFrame"]'))
    if (shown(g) && !g.querySelector('canvas')) return false;
  return true;
}"""

SCREENS_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  return Math.max(main.scrollHeight, document.body.scrollHeight) / window.innerHeight;
}"""


def _wait_drawn(pg: Any, since: float, timeout_ms: float = 120_000) -> None:
    pg.wait_for_function(DRAWN_JS, arg=since, timeout=timeout_ms)


def _timed(pg: Any, action: Callable[[], None]) -> Timing:
    """From ``action`` (a click, a navigation) until the figures are drawn."""
    since = pg.evaluate("performance.now()") if pg.url.startswith("http") else 0.0
    t0 = time.perf_counter()
    action()
    _wait_drawn(pg, since)
    total = (time.perf_counter() - t0) * 1000
    now, runs = pg.evaluate("[performance.now(), window.__runs]")
    began = next(r["t"] for r in runs if r["s"] == "running" and r["t"] >= since)
    ended = runs[-1]["t"]
    return Timing(total, began - since, ended - began, now - ended)


def _new_page(browser: Any, signed_in: tuple[str, str] | None = None) -> Any:
    """A fresh browser context's page; ``signed_in`` (the app's URL, a session token): with the
    sign-in cookie a leader's browser keeps."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.add_init_script(WATCH_JS)
    if signed_in is not None:
        context.add_cookies([{"name": SESSION_COOKIE, "value": signed_in[1], "url": signed_in[0]}])
    pg = context.new_page()
    pg.set_default_timeout(120_000)
    return pg


def _open(new_page: Callable[[], Any], url: str) -> tuple[Any, Timing]:
    """A fresh context (``new_page``) at ``url``: (the page, until its figures are drawn)."""
    pg = new_page()
    return pg, _timed(pg, lambda: pg.goto(url))


def _reopen(pg: Any, url: str) -> Timing:
    """A new tab of ``pg``'s browser at ``url`` (a new session; the browser has the app's code)."""
    tab = pg.context.new_page()
    try:
        return _timed(tab, lambda: tab.goto(url))
    finally:
        tab.close()


def _nav(pg: Any, path: str) -> None:
    title = ui_text(PAGES[path], "zh")
    pg.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()


def _period_buttons(pg: Any) -> Any:
    """The period buttons not chosen now (本月, 本季度, 本年累计, the phases)."""
    return pg.locator('[data-testid="stSidebar"] .st-key-f_quick button[aria-checked="false"]')


def _period(pg: Any, i: int) -> None:
    buttons = _period_buttons(pg)
    buttons.nth(i % buttons.count()).click()


def _dept_box(pg: Any) -> Any:
    return pg.locator('[data-testid="stSidebar"] .st-key-f_dept [data-testid="stMultiSelect"]')


def _dept(pg: Any, i: int) -> None:
    """Choose the i-th department (in turn) in the sidebar."""
    _dept_box(pg).first.click()
    options = pg.get_by_role("option")
    options.first.wait_for()
    options.nth(i % options.count()).click()


def _median(values: Sequence[Timing]) -> Timing:
    return Timing(*(statistics.median(v) for v in zip(*values, strict=True)))


def measure(
    base_url: str,
    chromium: str,
    pages: Sequence[str] = tuple(PAGES),
    repeat: int = 3,
    log: TextIO | None = None,
    token: str | None = None,
) -> list[PageTiming]:
    """Time every page of ``pages`` on the app at ``base_url`` (see the module's docstring), signed
    in with the session ``token`` when given."""
    from playwright.sync_api import sync_playwright

    def say(text: str) -> None:
        if log is not None:
            log.write(text + "\n")
            log.flush()

    runs: dict[str, dict[str, list[Timing]]] = {p: {k: [] for k in KINDS} for p in pages}
    screens: dict[str, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            new_page = functools.partial(_new_page, browser, None if token is None else (base_url, token))
            pg = new_page()  # the first visit of each page, in one session
            for i, path in enumerate(pages):
                action = (lambda p=path: pg.goto(f"{base_url}/{p}")) if i == 0 else (lambda p=path: _nav(pg, p))
                runs[path]["first"].append(_timed(pg, action))
                screens[path] = float(pg.evaluate(SCREENS_JS))
            pg.context.close()
            for k in range(repeat):
                say(f"  run {k + 1} of {repeat} …")
                for path in pages:
                    pg, timing = _open(new_page, f"{base_url}/{path}")
                    runs[path]["cold"].append(timing)
                    runs[path]["reopen"].append(_reopen(pg, f"{base_url}/{path}"))
                    if _period_buttons(pg).count():
                        runs[path]["period"].append(_timed(pg, lambda pg=pg, k=k: _period(pg, k)))
                    if _dept_box(pg).count():
                        runs[path]["dept"].append(_timed(pg, lambda pg=pg, k=k: _dept(pg, k)))
                    pg.context.close()
                if len(pages) > 1:  # warm: around the menu once, in one session
                    pg, _ = _open(new_page, f"{base_url}/{pages[-1]}")
                    for path in pages:
                        runs[path]["warm"].append(_timed(pg, lambda pg=pg, p=path: _nav(pg, p)))
                    pg.context.close()
        finally:
            browser.close()
    return [
        PageTiming(
            path,
            ui_text(PAGES[path], "zh"),
            {k: _median(v) for k, v in runs[path].items() if v},
            screens[path],
        )
        for path in pages
    ]


def measure_floor(chromium: str, repeat: int = 3) -> dict[str, Timing]:
    """The floor (``bench_floor.py``, served alone): ``cold``, a fresh browser context opening it;
    ``rerun``, its button clicked (a script run, its chart and table drawn with other figures); and
    ``switch``, its other page chosen in the menu (as the app's ``warm``); medians of ``repeat`` runs
    after a first visit that is not counted."""
    from playwright.sync_api import sync_playwright

    runs: dict[str, list[Timing]] = {kind: [] for kind in FLOOR_KINDS}
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve("", Path(tmp) / "streamlit.log", ROOT / "dashboard" / "bench_floor.py") as base,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            new_page = functools.partial(_new_page, browser)
            for k in range(repeat + 1):
                pg, cold = _open(new_page, base)
                rerun = _timed(pg, lambda pg=pg: pg.get_by_role("button", name="刷新").click())
                menu = pg.locator("[data-testid='stSidebarNav'] a", has_text="持证率")
                switch = _timed(pg, lambda menu=menu: menu.first.click())
                pg.context.close()
                if k:
                    for kind, timing in zip(FLOOR_KINDS, (cold, rerun, switch), strict=True):
                        runs[kind].append(timing)
        finally:
            browser.close()
    return {k: _median(v) for k, v in runs.items()}


# ---- the stores and the table ---------------------------------------------------------------------


@contextlib.contextmanager
def _stores(
    settings: Any, demo: bool, org: Any, sqlite_path: str | None, pg_url: str | None, keep: bool, log: TextIO
) -> Iterator[list[tuple[str, str, str]]]:
    """(name, URL, a viewer's session token) of the stores to serve: SQLite (``sqlite_path`` kept
    and reused, else a temporary file) and PostgreSQL when a server is given (a database of our
    own, dropped after unless ``keep``); each holds the demo or the bench's organisation."""
    from dashboard import bench

    tmp = Path(tempfile.mkdtemp(prefix="dashboard-bench-browser-"))
    pg = pg_url if pg_url is not None else bench.default_pg_url()
    name = bench.PG_DATABASE + ("_demo" if demo else "")
    try:
        urls = [("SQLite", f"sqlite:///{Path(sqlite_path) if sqlite_path else tmp / 'bench.db'}")]
        if pg:
            urls.append(("PostgreSQL", bench._pg_database(pg, name, fresh=not keep)))
        yield [(label, url, _fill(label, url, settings, demo, org, log)) for label, url in urls]
    finally:
        if pg and not keep:
            bench._drop_pg_database(pg, name)
        shutil.rmtree(tmp, ignore_errors=True)


def _fill(label: str, url: str, settings: Any, demo: bool, org: Any, log: TextIO) -> str:
    """Load the demo or build the organisation into an empty store (a store with data is reused);
    returns the session token of a viewer. As deployed, the store has an administrator and the
    leaders' accounts (random passwords), and the pages are timed signed in: without the
    first-run form of a store that has no account."""
    from dashboard import bench
    from data_sources import access
    from data_sources.store import Store

    store = Store.open(url)
    try:
        if not store.is_empty():
            log.write(f"[{label}] reusing the stored data\n")
        elif demo:
            from dashboard.demo import TEST_TODAY, load_demo

            log.write(f"[{label}] loading the demo …\n")
            load_demo(store, settings, today=TEST_TODAY)  # the tests' demo: 2024
        else:
            log.write(f"[{label}] building {org.units:,} units, {org.staff:,} staff …\n")
            log.flush()
            bench.build(store, org, settings)
        if not access.has_accounts(store):
            access.create_first_admin(store, "管理员", secrets.token_urlsafe(16))
        if access.get_user(store, BENCH_VIEWER) is None:
            access.add_user(store, BENCH_VIEWER, "viewer", password=secrets.token_urlsafe(16))
        bench._analyze(store)
        return access.start_session(store, BENCH_VIEWER)
    finally:
        store.close()


def collect(
    settings: Any,
    log: TextIO,
    demo: bool = False,
    units: int = 1000,
    staff: int = 100_000,
    months: int = 24,
    pg_url: str | None = None,
    sqlite_path: str | None = None,
    keep: bool = False,
    repeat: int = 3,
    chromium: str | None = None,
    pages: Sequence[str] = tuple(PAGES),
) -> list[tuple[str, list[PageTiming]]]:
    """Serve each store (SQLite; PostgreSQL when a server is given) and time its pages in Chromium."""
    from dashboard import bench

    org = bench.Org(units, staff, bench._months(settings.year, months))
    results: list[tuple[str, list[PageTiming]]] = []
    with _stores(settings, demo, org, sqlite_path, pg_url, keep, log) as stores:
        for label, url, token in stores:
            log.write(f"[{label}] serving the app and timing {len(pages)} pages in Chromium …\n")
            log.flush()
            with tempfile.TemporaryDirectory() as tmp, serve(url, Path(tmp) / "streamlit.log") as base:
                results.append((label, measure(base, chromium or default_chromium(), pages, repeat, log, token)))
    return results


def run(settings: Any, out: TextIO, log: TextIO, **options: Any) -> int:
    """``collect`` (same options) and print the table; 0 when it ran (whether or not the goals
    are met), 1 without a browser."""
    chromium = options.get("chromium") or default_chromium()
    if not Path(chromium).exists():
        log.write(f"no Chromium at {chromium}: give --chromium or set {CHROMIUM_ENV}\n")
        return 1
    results = collect(settings, log, **options)
    log.write("[floor] two bare Streamlit pages …\n")
    log.flush()
    floor = measure_floor(chromium, options.get("repeat", 3))
    demo = options.get("demo", False)
    what = (
        "the demo"
        if demo
        else "{:,} units, {:,} staff".format(options.get("units", 1000), options.get("staff", 100_000))
    )
    print_table(out, what, options.get("repeat", 3), results, DEMO_GOALS if demo else SCALE_GOALS, floor)
    return 0


def _ms(v: float | None) -> str:
    return "—" if v is None else f"{v:,.0f}"


def print_table(
    out: TextIO,
    what: str,
    repeat: int,
    results: list[tuple[str, list[PageTiming]]],
    goals: Goals,
    floor: dict[str, Timing] | None = None,
) -> None:
    """The table (ms until the figures are drawn, height in screens), where the time goes, the
    floor (``measure_floor``) when measured, and the goal lines."""
    from dashboard.bench import _pad

    w = out.write
    size = f"{VIEWPORT['width']}×{VIEWPORT['height']}"
    w(f"\nbrowser benchmark: {what}; Chromium at {size}; median of {repeat} runs (ms until the figures are drawn)\n")
    for label, rows in results:
        head = _pad(label, 16) + "".join(f"{c:>10}" for c in (*KINDS, "screens"))
        w("\n" + head + "\n" + "-" * len(head) + "\n")
        for r in rows:
            w(_pad(r.title, 16) + "".join(f"{_ms(r.ms(k)):>10}" for k in KINDS) + f"{r.screens:>10.1f}\n")
    w(
        "\nfirst: the first visit after the server started; cold: a new browser opening the URL; reopen: a\n"
        "new tab of that browser (it has the app's code); warm: a page switch in the menu; period, dept:\n"
        "a period button, a department in the sidebar\n"
    )
    for label, rows in results:
        w(f"\nwhere the time goes on {label} (ms: before the script run / script run / drawing after it)\n")
        for r in rows:
            parts = (r.times.get(k) for k in KINDS)
            cells = ("—" if t is None else f"{t.before:.0f}/{t.script:.0f}/{t.after:.0f}" for t in parts)
            w(_pad(r.title, 16) + "".join(f"{c:>16}" for c in cells) + "\n")
    if floor is not None:
        w("\nfloor: two bare Streamlit pages (a heading, one chart, one table each), no store\n")
        for kind, what_ in zip(FLOOR_KINDS, FLOOR_WHAT, strict=True):
            t = floor[kind]
            w(f"  {kind:<8}{t.total:>8,.0f} ms  ({t.before:.0f}/{t.script:.0f}/{t.after:.0f}; {what_})\n")
    w(f"\ngoals ({goals.label})\n")
    for label, rows in results:
        _goal_lines(w, label, rows, goals, floor)


def _goal_lines(
    w: Callable[[str], Any], label: str, rows: list[PageTiming], goals: Goals, floor: dict[str, Timing] | None
) -> None:
    cold = max(rows, key=lambda r: r.ms("cold") or 0.0)
    worst = cold.ms("cold") or 0.0
    ok = "met" if worst <= goals.cold_ms else "not met"
    bare = "" if floor is None else f"; the floor {floor['cold'].total:,.0f} ms"
    w(f"- {label}: cold ≤ {goals.cold_ms:,.0f} ms: {ok} (slowest: {cold.title} {worst:,.0f} ms{bare})\n")
    warm = [(r.title, k, r.ms(k)) for r in rows for k in ("warm", "period", "dept") if r.ms(k) is not None]
    if warm:
        title, kind, ms = max(warm, key=lambda x: x[2] or 0.0)
        ok = "met" if (ms or 0.0) <= goals.warm_ms else "not met"
        bare = (
            ""
            if floor is None
            else f"; the floor's rerun {floor['rerun'].total:,.0f} ms, switch {floor['switch'].total:,.0f} ms"
        )
        w(
            f"- {label}: page switch and filter change ≤ {goals.warm_ms:,.0f} ms: {ok} "
            f"(slowest: {title} {kind} {ms:,.0f} ms{bare})\n"
        )
    if goals.screens is not None:
        tall = max(rows, key=lambda r: r.screens)
        ok = "met" if tall.screens <= goals.screens else "not met"
        w(f"- {label}: every page ≤ {goals.screens:.0f} screens: {ok} (tallest: {tall.title} {tall.screens:.1f})\n")
