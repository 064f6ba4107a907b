"""``python -m dashboard bench --browser`` runs: the app served on the demo, two pages timed in
Chromium, the table printed with its goal lines. Only the structure is checked, never a time
against a goal (speed depends on the machine). Needs Chromium and Playwright like
tests/test_browser.py."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dashboard import bench_browser
from dashboard.i18n import ui_text
from tests.test_browser import CHROMIUM, _need_browser

pytestmark = pytest.mark.browser

PAGES = ("overview", "units")


def test_the_browser_bench_times_each_page_on_the_demo(settings, tmp_path: Path) -> None:
    _need_browser()
    log = io.StringIO()
    results = bench_browser.collect(
        settings,
        log,
        demo=True,
        sqlite_path=str(tmp_path / "demo.db"),
        pg_url="",
        repeat=1,
        chromium=CHROMIUM,
        pages=PAGES,
    )
    assert [label for label, _ in results] == ["SQLite"]
    rows = results[0][1]
    assert [r.page for r in rows] == list(PAGES)
    assert [r.title for r in rows] == [ui_text(bench_browser.PAGES[p], "zh") for p in PAGES]
    for r in rows:
        assert sorted(r.times) == sorted(bench_browser.KINDS), r
        assert all(t.total > 0 and min(t) >= 0 for t in r.times.values()), r
        assert r.screens > 0

    # the floor: two bare Streamlit pages served alone, opened, rerun and switched in the menu
    floor = bench_browser.measure_floor(CHROMIUM, repeat=1)
    assert list(floor) == list(bench_browser.FLOOR_KINDS) == ["cold", "rerun", "switch"]
    assert all(t.total > 0 and min(t) >= 0 and t.script > 0 for t in floor.values()), floor

    out = io.StringIO()
    bench_browser.print_table(out, "the demo", 1, results, bench_browser.DEMO_GOALS, floor)
    lines = out.getvalue().splitlines()
    assert [ln.split()[0] for ln in lines if ln.startswith("  ")] == ["cold", "rerun", "switch"]
    cold_line, warm_line = (ln for ln in lines if ln.startswith("- SQLite:"))
    assert f"; the floor {floor['cold'].total:,.0f} ms)" in cold_line
    floor_warm = f"; the floor's rerun {floor['rerun'].total:,.0f} ms, switch {floor['switch'].total:,.0f} ms)"
    assert floor_warm in warm_line
    titles = [r.title for r in rows]
    shown = [ln.split()[0] for ln in lines if ln.split() and ln.split()[0] in titles]
    assert shown == titles * 2  # the times, then where the time goes
    goals = [ln.split(":")[1].strip() for ln in lines if ln.startswith("- SQLite:")]
    assert goals == ["cold ≤ 1,500 ms", "page switch and filter change ≤ 500 ms"]
    assert all(ln.endswith(")") and (" met (" in ln or " not met (" in ln) for ln in lines if ln.startswith("- "))


def test_without_a_browser_the_command_says_where_it_looked(tmp_path: Path) -> None:
    from dashboard.cli import main

    missing = tmp_path / "no-chromium"
    out, err = io.StringIO(), io.StringIO()
    code = main(["bench", "--browser", "--demo", "--chromium", str(missing), "--pg-url", ""], out, err)
    assert (code, out.getvalue()) == (1, "")
    assert err.getvalue() == f"no Chromium at {missing}: give --chromium or set {bench_browser.CHROMIUM_ENV}\n"


def test_the_pages_are_timed_signed_in_as_a_viewer(settings, tmp_path: Path) -> None:
    """A deployed store has an administrator, so no first-run form sits above the figures: the
    bench gives a store without accounts one, and times the pages as a signed-in viewer."""
    from data_sources import access
    from data_sources.store import Store

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    token = bench_browser._fill("SQLite", url, settings, True, None, io.StringIO())
    again = bench_browser._fill("SQLite", url, settings, True, None, io.StringIO())  # reused: no second admin
    store = Store.open(url)
    try:
        users = sorted((a.name, a.role) for a in access.list_users(store))
        assert users == sorted([("管理员", "admin"), (bench_browser.BENCH_VIEWER, "viewer")])
        for t in (token, again):
            signed_in = access.account_for_session(store, t)
            assert signed_in is not None and signed_in.name == bench_browser.BENCH_VIEWER
    finally:
        store.close()
