"""Page tests with Streamlit's AppTest: every page renders on the demo organisation, the sidebar
filters and the URL change the figures, an empty store shows the guide, and an upload is previewed
before it is committed (and can be undone).

The app is pointed at a temporary SQLite store through DASHBOARD_DB_URL; the demo is loaded once
per module and copied for each test, so uploads and undos never leak between tests.
"""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from dashboard import metrics as metrics_module
from dashboard.config import ENV_DB_URL, load_settings
from dashboard.demo import TEST_TODAY, load_demo
from dashboard.i18n import ui_text
from dashboard.metrics import Selection
from dashboard.ui import cache, signin
from data_sources import access
from data_sources.importer import import_files
from data_sources.store import Store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
PAGES = {
    "overview": "page_overview",
    "units": "page_units",
    "unit": "page_unit",
    "learners": "page_learners",
    "phases": "page_phases",
    "submissions": "page_submissions",
    "evaluation": "page_evaluation",
    "data": "page_data",
}
TIMEOUT = 60


ADMIN = ("管理员", "admin-password")
ADMIN_TOKEN: str | None = None  # the session app() runs in: the demo's administrator, signed in


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo organisation with its administrator (since issue 11.4 nobody changes data
    anonymously), and the token of a session of that administrator."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = Store.open(f"sqlite:///{path}")
    try:
        load_demo(store, load_settings(ROOT / "config.toml"), today=TEST_TODAY)
        token = access.start_session(store, access.create_first_admin(store, *ADMIN))
    finally:
        store.close()
    return path, token


@pytest.fixture
def demo_url(demo_file: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private copy of the demo store for this test, set as the app's database; app() runs
    signed in as its administrator (the session row is copied with the file)."""
    path = tmp_path / "dashboard.db"
    shutil.copy(demo_file[0], path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv(ENV_DB_URL, url)
    monkeypatch.setattr(sys.modules[__name__], "ADMIN_TOKEN", demo_file[1])
    yield url


@pytest.fixture
def empty_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv(ENV_DB_URL, url)
    return url


def app(**query: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if ADMIN_TOKEN:
        at.session_state[signin.TOKEN] = ADMIN_TOKEN
    for k, v in query.items():
        at.query_params[k] = v
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    """Run the entry once (st.navigation registers the pages), then switch and run again."""
    at.run()
    if page != "overview":
        at.switch_page(f"../pages/{page}.py").run()
    return at


def no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


# ---- every page ----------------------------------------------------------------------------


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_on_the_demo(demo_url: str, page: str) -> None:
    at = open_page(app(), page)
    no_exceptions(at)
    assert [t.value for t in at.title] == [ui_text(PAGES[page], "zh")]
    assert "数据截至" in captions(at)  # every page says how fresh the data is
    assert not at.error


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_in_english(demo_url: str, page: str) -> None:
    at = open_page(app(lang="en"), page)
    no_exceptions(at)
    assert [t.value for t in at.title] == [ui_text(PAGES[page], "en")]
    assert "Data as of" in captions(at)


def test_overview_shows_the_six_kpis_against_targets(demo_url: str) -> None:
    at = open_page(app(), "overview")
    tiles = metrics(at)
    assert list(tiles) == ["参学率", "开展率", "阶段进度", "培训学时", "人均学时", "取证数"]
    assert tiles["参学率"].endswith("%")
    assert "," in tiles["培训学时"]  # thousands separators: 51,140
    badges = "\n".join(h.proto.body for h in at.get("html"))
    assert "目标 98.0%" in badges
    assert any(word in badges for word in ("达标", "未达标", "接近目标"))


# ---- filters and the URL ---------------------------------------------------------------------


def test_sidebar_filter_changes_the_figures_and_the_url(demo_url: str) -> None:
    at = open_page(app(), "overview")
    everyone = metrics(at)
    at.multiselect(key="f_dept").set_value(["机关"]).run()
    no_exceptions(at)
    office = metrics(at)
    assert office["培训学时"] != everyone["培训学时"]
    assert at.query_params["dept"] == "机关"
    assert "范围：机关" in captions(at)


def test_url_restores_department_pilot_and_period(demo_url: str) -> None:
    at = open_page(app(dept="生产系统", pilot="1", **{"from": "2024-03", "to": "2024-03"}), "units")
    no_exceptions(at)
    assert at.multiselect(key="f_dept").value == ["生产系统"]
    assert at.toggle(key="f_pilot").value is True
    assert "期间：2024年3月" in captions(at)
    table = at.dataframe[0].value
    assert table["单位"].tolist() == ["塑编车间"]  # the only pilot workshop of 生产系统
    assert (at.query_params["from"], at.query_params["to"]) == ("2024-03", "2024-03")


def test_a_shorter_period_gives_smaller_totals(demo_url: str) -> None:
    year = metrics(open_page(app(), "overview"))
    march = metrics(open_page(app(**{"from": "2024-03", "to": "2024-03"}), "overview"))

    def hours(tiles: dict[str, str]) -> float:
        return float(tiles["培训学时"].replace(",", ""))

    assert 0 < hours(march) < hours(year)


def test_quick_pick_sets_the_period(demo_url: str) -> None:
    at = open_page(app(), "overview")
    at.pills(key="f_quick").set_value("phase0").run()  # 宣传发动 01-01 … 05-31
    no_exceptions(at)
    assert (at.query_params["from"], at.query_params["to"]) == ("2024-01", "2024-05")
    assert "期间：2024年1月至2024年5月" in captions(at)


def test_unknown_filter_values_in_the_url_are_ignored(demo_url: str) -> None:
    at = open_page(app(dept="<script>alert(1)</script>", **{"from": "1999-01"}), "overview")
    no_exceptions(at)
    assert at.multiselect(key="f_dept").value == []
    assert "dept" not in at.query_params


# ---- unit page and drill-down ---------------------------------------------------------------


def test_unit_page_reads_the_unit_from_the_url(demo_url: str) -> None:
    at = open_page(app(unit="供销科"), "unit")
    no_exceptions(at)
    assert at.selectbox(key="unit_pick").value == "供销科"
    assert any("部门：机关" in m.value for m in at.markdown)
    assert "范围：供销科" in captions(at)
    assert len(at.metric) == 6


def test_unit_page_says_when_the_unit_is_unknown(demo_url: str) -> None:
    at = open_page(app(unit="不存在的单位"), "unit")
    no_exceptions(at)
    assert any("不存在的单位" in w.value for w in at.warning)


def test_unit_picker_lists_only_the_filtered_departments_units(demo_url: str) -> None:
    """Issue 10.8: 部门=机关 offers 机关's units only and opens one of them."""
    at = open_page(app(dept="机关"), "unit")
    no_exceptions(at)
    assert sorted(at.selectbox(key="unit_pick").options) == sorted(["供销科", "机关支部", "质检科"])
    assert at.selectbox(key="unit_pick").value in {"供销科", "机关支部", "质检科"}


def test_a_unit_outside_the_department_filter_is_not_opened(demo_url: str) -> None:
    """Issue 10.8: 部门=机关 with ?unit=仪表车间 (辅助系统) names the unit and opens nothing."""
    at = open_page(app(dept="机关", unit="仪表车间"), "unit")
    no_exceptions(at)
    assert [w.value for w in at.warning] == [
        "「仪表车间」不在当前筛选范围（机关）内；请选择范围内的单位，或在左侧清除筛选。"
    ]
    assert at.selectbox(key="unit_pick").value is None
    assert "仪表车间" not in at.selectbox(key="unit_pick").options
    assert len(at.metric) == 0
    assert "范围：仪表车间" not in captions(at)


def test_picking_another_unit_updates_the_url(demo_url: str) -> None:
    at = open_page(app(unit="供销科"), "unit")
    at.selectbox(key="unit_pick").set_value("质检科").run()
    no_exceptions(at)
    assert at.query_params["unit"] == "质检科"
    assert "范围：质检科" in captions(at)


def test_go_to_unit_keeps_the_filters(demo_url: str) -> None:
    """What a click on a bar or a row does: switch to the unit page with ?unit= and the filters."""
    at = AppTest.from_string(
        f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from dashboard.metrics import Selection
from dashboard.ui import navigation, site

real = st.switch_page
st.switch_page = lambda page, query_params=None: st.session_state.update(
    switched=(page.url_path, {{k: v if isinstance(v, str) else list(v) for k, v in query_params.items()}})
)
try:
    site.build_pages()
    st.session_state["_selection"] = Selection(departments=("机关",), month_from="2024-02", month_to="2024-04")
    navigation.go_to_unit("质检科")
finally:
    st.switch_page = real
""",
        default_timeout=TIMEOUT,
    )
    at.run()
    no_exceptions(at)
    page, params = at.session_state["switched"]
    assert page == "unit"
    assert params == {"dept": ["机关"], "from": "2024-02", "to": "2024-04", "unit": "质检科"}


# ---- cached metric calls -----------------------------------------------------------------------

CALLS: list[str] = []  # what the counted metrics below were asked, in order


def _counted_unit_table(store: Store, settings: Any, sel: Selection, label: str = "") -> pd.DataFrame:
    CALLS.append(f"units{label}")
    return metrics_module.unit_table(store, settings, sel)


def _counted_monthly(store: Store, settings: Any, sel: Selection) -> pd.DataFrame:
    CALLS.append("monthly")
    return metrics_module.monthly(store, settings, sel)


def test_cached_calls_run_once_per_database_selection_arguments_and_data_version(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cache.cached(fn)(sel, …)``: computed once per function, database URL, selection, arguments
    and data version (an import shows at once); ``clear_caches`` forgets everything."""
    cache.clear_caches()
    CALLS.clear()
    settings = load_settings(ROOT / "config.toml")
    sel = Selection(month_from="2024-01", month_to="2024-03")
    units = cache.cached(_counted_unit_table)
    first = units(sel)
    again = units(sel)
    assert CALLS == ["units"]
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, metrics_module.unit_table(Store.open(demo_url), settings, sel))

    units(sel, label="x")  # other arguments
    units(replace(sel, month_to="2024-04"))  # another selection
    cache.cached(_counted_monthly)(sel)  # another function, the same arguments
    assert CALLS == ["units", "unitsx", "units", "monthly"]
    assert cache.cached(metrics_module.overview).__wrapped__ is metrics_module.overview

    other = tmp_path / "other.db"  # another database
    shutil.copy(demo_url.removeprefix("sqlite:///"), other)
    monkeypatch.setenv(ENV_DB_URL, f"sqlite:///{other}")
    units(sel)
    assert CALLS[4:] == ["units"]
    monkeypatch.setenv(ENV_DB_URL, demo_url)
    units(sel)
    assert len(CALLS) == 5

    assert "2025-01" not in cache.filter_options()["months"]
    store = Store.open(demo_url)
    import_files(store, [("质检科_2025年1月.xlsx", io.BytesIO(_summary_workbook()))], settings, user="测试")
    assert cache.filter_options()["months"] == metrics_module.filter_options(store)["months"]
    assert "2025-01" in cache.filter_options()["months"]  # the import is seen at once
    units(sel)
    units(sel)
    assert CALLS[5:] == ["units"]  # computed again once for the new data version

    cache.clear_caches()
    units(sel)
    assert CALLS[6:] == ["units"]


@pytest.mark.parametrize("page", ["overview", "unit"])
def test_a_script_run_reads_the_data_version_once_and_the_next_run_sees_an_import(
    demo_url: str, page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every figure of a run is keyed by the version read at its start (one read, not one per
    figure); an import through another app process (here another Store on the same database)
    shows at the next run."""
    reads: list[str] = []
    read = Store.data_version
    monkeypatch.setattr(Store, "data_version", lambda self: reads.append(read(self)) or reads[-1])
    at = open_page(app(unit="供销科"), page)
    no_exceptions(at)
    reads.clear()
    at.run()
    assert len(reads) == 1
    assert "2025" not in "".join(at.selectbox(key="f_year").options)

    settings = load_settings(ROOT / "config.toml")
    import_files(
        Store.open(demo_url), [("质检科_2025年1月.xlsx", io.BytesIO(_summary_workbook()))], settings, user="测试"
    )
    at.run()
    no_exceptions(at)
    assert len(reads) == 2 and reads[1] != reads[0]
    assert "2025" in "".join(at.selectbox(key="f_year").options)


# ---- learners, phases, submissions -------------------------------------------------------------


def test_learner_search_by_employee_id(demo_url: str) -> None:
    at = open_page(app(), "learners")
    at.text_input(key="learner_search").set_value("SJ00001").run()
    no_exceptions(at)
    found = at.dataframe[0].value
    assert found["工号"].tolist() == ["SJ00001"]
    assert "找到 1 人" in captions(at)


def test_phase_matrix_lists_overdue_units_first(demo_url: str) -> None:
    at = open_page(app(), "phases")
    table = at.dataframe[0].value
    overdue = table["逾期事项"].tolist()
    assert overdue == sorted(overdue, reverse=True)
    assert overdue[0] > 0


def test_submissions_flag_missing_units(demo_url: str) -> None:
    at = open_page(app(**{"from": "2024-12", "to": "2024-12"}), "submissions")
    no_exceptions(at)
    assert at.success or at.error  # either everyone reported or the missing units are named
    assert "最近更新" in at.dataframe[0].value.columns


# ---- empty store ----------------------------------------------------------------------------


def test_empty_store_shows_the_guide_and_loads_the_demo(empty_url: str) -> None:
    """A fresh install (issue 11.4): the guide and, above it, the notice that there is no
    administrator and the form that creates one; only the administrator, signed in by that
    form, gets the button that loads the demo."""
    at = app()
    at.run()
    no_exceptions(at)
    assert [t.value for t in at.title] == [ui_text("app_title", "zh")]
    assert any(ui_text("empty_title", "zh") in s.value for s in at.subheader)
    assert [w.value for w in at.warning] == [ui_text("first_admin_notice", "zh")]
    assert not at.metric
    assert not [b for b in at.button if b.key == "load_demo"]  # a visitor loads nothing
    at.text_input(key="first_admin_name").input("王主席")
    at.text_input(key="first_admin_password").input("wang-password")
    at.text_input(key="first_admin_password_again").input("wang-password")
    next(b for b in at.button if b.label == ui_text("first_admin_submit", "zh")).click().run()
    no_exceptions(at)
    assert not at.warning  # the notice is gone
    assert "已登录：王主席（管理）" in [c.value for c in at.sidebar.caption]
    at.button(key="load_demo").click().run()
    no_exceptions(at)
    assert [t.value for t in at.title] == ["总览"]
    assert len(at.metric) == 6
    assert any("演示数据已加载" in s.value for s in at.success)


def test_empty_store_still_opens_the_data_page(empty_url: str) -> None:
    at = open_page(app(), "data")  # before the first administrator: a refusal, no uploader
    no_exceptions(at)
    assert not at.get("file_uploader")
    store = Store.open(empty_url)
    try:
        token = access.start_session(store, access.create_first_admin(store, *ADMIN))
    finally:
        store.close()
    at = app()
    at.session_state[signin.TOKEN] = token
    open_page(at, "data")
    no_exceptions(at)
    assert [t.value for t in at.title] == ["数据管理"]
    assert at.get("file_uploader")


def test_unreachable_database_is_a_message_not_a_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "a_file").write_text("x")
    monkeypatch.setenv(ENV_DB_URL, f"sqlite:///{tmp_path / 'a_file' / 'nested' / 'db.sqlite'}")
    at = app()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [ui_text("store_unavailable_public", "zh")]


def test_an_outage_shows_its_details_to_a_signed_in_administrator_only(
    demo_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 11.10: before sign-in an unreachable database showed anyone its URL (user, host,
    port, database) and the driver's error; now only an administrator who was signed in
    reads them (everybody else a plain message; the server log has them)."""
    (tmp_path / "a_file").write_text("x")
    broken = f"sqlite:///{tmp_path / 'a_file' / 'nested' / 'secret_db.sqlite'}"
    admin = app()
    admin.run()
    assert "已登录：管理员（管理）" in [c.value for c in admin.sidebar.caption]
    visitor = AppTest.from_file(APP, default_timeout=TIMEOUT)  # nobody signed in
    visitor.run()
    monkeypatch.setenv(ENV_DB_URL, broken)
    admin.run()
    visitor.run()
    assert not admin.exception and not visitor.exception
    assert [e.value for e in visitor.error] == [ui_text("store_unavailable_public", "zh")]
    (shown,) = [e.value for e in admin.error]
    assert shown.startswith("无法连接数据库（sqlite\\:///") and "secret\\_db" in shown


# ---- upload, preview, commit, undo -----------------------------------------------------------


def _summary_workbook(
    participants: int = 20, unit: str = "质检科", month: str = "2025-01", roster: bool = False
) -> bytes:
    """A 月报 of one unit; ``roster``: with a 单位 sheet naming it (how a new unit comes in)."""
    wb = Workbook()
    if roster:
        wb.create_sheet("单位").append(["单位", "部门", "职工人数"])
        wb["单位"].append([unit, "机关", 40])
    ws = wb.active
    ws.title = "月报"
    ws.append([f"塑件化工厂{month[:4]}年{int(month[5:])}月创争活动月报表"])
    ws.append(["单位", "职工人数", "参学人数", "培训场次", "培训人次", "培训学时", "取证人数"])
    ws.append([unit, 40, participants, 3, 60, 120.5, 1])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_upload_is_previewed_then_committed_then_undone(demo_url: str) -> None:
    at = open_page(app(), "data")
    batches_before = len(Store.open(demo_url).batches())
    at.get("file_uploader")[0].set_value(("质检科_2025年1月.xlsx", _summary_workbook(), XLSX))
    at.run()
    no_exceptions(at)
    preview = at.dataframe[0].value
    assert preview["表类型"].tolist() == ["月报汇总"]
    assert preview["月份"].tolist() == ["2025年1月"]
    assert preview["新增"].tolist() == [1]
    assert any("可以导入" in m.value for m in at.markdown)
    assert len(Store.open(demo_url).batches()) == batches_before  # a preview writes nothing

    at.button(key="data_confirm").click().run()
    no_exceptions(at)
    assert any("导入完成" in s.value for s in at.success)
    store = Store.open(demo_url)
    batches = store.batches()
    assert len(batches) == batches_before + 1
    new_id = batches[0].id

    at.button(key=f"undo_{new_id}").click().run()
    no_exceptions(at)
    assert any(f"批次 #{new_id} 已撤销" in s.value for s in at.success)
    assert Store.open(demo_url).batches()[0].undone


def test_rejected_upload_names_row_and_column_and_cannot_be_imported(demo_url: str) -> None:
    at = open_page(app(), "data")
    at.get("file_uploader")[0].set_value(("坏表.xlsx", _summary_workbook(participants=-3), XLSX))
    at.run()
    no_exceptions(at)
    assert at.button(key="data_confirm").disabled
    errors = next(df.value for df in at.dataframe if "原因" in df.value.columns)
    row = errors.iloc[0]
    assert (row["文件"], row["工作表"], row["行号"], row["列"], row["值"]) == (
        "坏表.xlsx",
        "月报",
        "3",
        "C 列「参学人数」",
        "-3",
    )
    assert row["原因"] == "不能为负数"
    assert any("不能导入" in e.value for e in at.error)


def test_uploaded_names_are_shown_as_text(demo_url: str) -> None:
    """A unit named like HTML must never become markup: tables show it as text."""
    name = "<b>x</b><script>alert(1)</script>"
    at = open_page(app(), "data")
    # not in the roster: refused, the name shown as text in the problems table
    at.get("file_uploader")[0].set_value(("x.xlsx", _summary_workbook(unit=name), XLSX))
    at.run()
    no_exceptions(at)
    for block in at.get("html"):
        assert "<script>" not in block.proto.body
    errors = next(df.value for df in at.dataframe if "原因" in df.value.columns)
    assert errors["值"].tolist() == [name]
    shown = [e.value for e in [*at.caption, *at.markdown, *at.success, *at.error, *at.warning]]
    assert not any("<script>" in v for v in shown)  # Markdown elements never get it raw
    # brought in by a roster sheet of the same upload, it is imported
    at.get("file_uploader")[0].set_value(("x.xlsx", _summary_workbook(unit=name, roster=True), XLSX))
    at.run()
    no_exceptions(at)
    for block in at.get("html"):
        assert "<script>" not in block.proto.body
    shown = [e.value for e in [*at.caption, *at.markdown, *at.success, *at.error, *at.warning]]
    assert not any("<script>" in v for v in shown)
    at.button(key="data_confirm").click().run()
    no_exceptions(at)
    at.switch_page("../pages/units.py").run()
    no_exceptions(at)
    assert name in at.dataframe[0].value["单位"].tolist()


def test_submissions_name_the_units_missing_the_last_month(demo_url: str) -> None:
    from data_sources.importer import import_files

    store = Store.open(demo_url)
    try:
        import_files(
            store,
            [("质检科_2025年1月.xlsx", io.BytesIO(_summary_workbook()))],
            load_settings(ROOT / "config.toml"),
            user="test",
        )
    finally:
        store.close()
    at = open_page(app(**{"from": "2024-12", "to": "2025-01"}), "submissions")
    no_exceptions(at)
    assert at.error and "2025年1月未报送的单位（9 个）" in at.error[0].value
    assert "质检科" not in at.error[0].value
    table = at.dataframe[0].value
    assert table["单位"].tolist()[-1] == "质检科"  # the one unit that reported comes last
    assert set(table["未报送月数"]) == {0, 1}


def test_the_audit_log_reads_in_words(demo_url: str) -> None:
    """Issue 10.10: the 详情 column of the audit log is one sentence per event, no raw JSON."""
    at = open_page(app(), "data")
    no_exceptions(at)
    (audit,) = [df.value for df in at.dataframe if "详情" in df.value.columns]
    details = audit["详情"].tolist()
    assert details
    assert not [d for d in details if "{" in d or '"' in d]
    assert "添加用户 管理员，角色：管理（首个管理员）" in details
    at = open_page(app(lang="en"), "data")
    (audit,) = [df.value for df in at.dataframe if "Detail" in df.value.columns]
    assert "added user 管理员, role: Administrator (the first administrator)" in audit["Detail"].tolist()


def test_the_unit_picker_lists_units_in_pinyin_order(demo_url: str) -> None:
    """Issue 10.10: 包装 bao, 成型 cheng, 电修 dian, 供销 gong, 挤出 ji chu, 机关 ji guan … — not in
    code-point order (仪 and 供 first)."""
    at = open_page(app(), "unit")
    assert at.selectbox(key="unit_pick").options == [
        "包装车间",
        "成型车间",
        "电修车间",
        "供销科",
        "挤出车间",
        "机关支部",
        "水汽车间",
        "塑编车间",
        "仪表车间",
        "质检科",
    ]


def test_the_laggards_table_shows_the_reasons_next_to_the_unit(demo_url: str) -> None:
    """Issue 10.10: 逾期工作事项 and the rate's status come right after the unit, so a long list of
    milestones never pushes the reason off-screen at 1366."""
    at = open_page(app(**{"from": "2024-01", "to": "2024-12"}), "overview")
    no_exceptions(at)
    (lag,) = [df.value for df in at.dataframe if "逾期工作事项" in df.value.columns]
    assert list(lag.columns)[:3] == ["单位", "逾期工作事项", "参学率状态"]


def test_english_unit_page_and_targets_have_english_names(demo_url: str) -> None:
    """Issue 10.10: in English the unit's milestones and phases and the targets' KPIs read in English."""
    at = open_page(app(lang="en", unit="供销科"), "unit")
    no_exceptions(at)
    (ms,) = [df.value for df in at.dataframe if "Milestone" in df.value.columns]
    settings = load_settings(ROOT / "config.toml")
    assert set(ms["Milestone"]) <= {m.name_en for m in settings.milestones} | {"—"}
    assert set(ms["Phase"]) <= {p.name_en for p in settings.phases}
    at = open_page(app(lang="en"), "data")
    (targets,) = [df.value for df in at.dataframe if "Target value" in df.value.columns]
    kpis = set(targets.iloc[:, 1])
    assert {"Participation rate", "Launch rate", "Certificates per 100 staff"} <= kpis
    assert not [k for k in kpis if any("\u4e00" <= ch <= "\u9fff" for ch in str(k))]
