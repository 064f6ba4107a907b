"""活动设置 (issue 15) as the app shows it (AppTest): only an administrator opens it, even by URL;
"start next year" copies the plan and switches the year; the forms refuse a mistake in the page's
words and save nothing; a save is audited and the other pages show the year's plan at once; the
year switch is kept in the URL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import campaign_edit, campaigns
from dashboard.config import load_settings
from dashboard.i18n import ui_text
from data_sources import access
from data_sources.store import Store
from tests import test_access

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
SETTINGS = load_settings(ROOT / "config.toml")


# the demo store of tests/test_access.py (an administrator boss, a reporter li, a viewer wang),
# copied for each test
demo_file = test_access.demo_file
accounts_url = test_access.accounts_url


def sign_in(name: str, password: str, page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception, [e.value for e in at.exception]
    if page:
        at.switch_page(f"../pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def chart_data(at: AppTest, kind: str) -> pd.DataFrame:
    """The rows behind the page's first chart (its Arrow dataset), as its tooltips read them."""
    import pyarrow as pa

    chart = next(el for el in at.main if getattr(el, "type", "") == kind)
    return pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pandas()


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


@pytest.mark.parametrize(
    ("name", "password", "role"), [("wang", "wang-password", "查看"), ("li", "li-password", "填报")]
)
def test_a_viewer_and_a_reporter_cannot_open_it_even_by_url(
    accounts_url: str, name: str, password: str, role: str
) -> None:
    at = sign_in(name, password)
    assert "settings" not in at.session_state["_nav_visible"]
    at.switch_page("../pages/settings.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == [ui_text("access_denied", "zh", role=role, page="活动设置")]
    assert not at.get("data_editor") and not at.tabs


def test_start_next_year_copies_the_plan_switches_the_year_and_is_audited(accounts_url: str) -> None:
    at = sign_in("boss", "admin-pw", "settings")
    assert "settings" in at.session_state["_nav_visible"]
    assert [c.value for c in at.caption][1] == ui_text("plan_source_stored", "zh", year=2024)  # the demo's
    button(at, "plan_new_year").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [ui_text("plan_copied_msg", "zh", year=2025, revision=1)]
    assert at.selectbox(key="f_year").value == 2025
    assert at.query_params["year"] == "2025"
    store = Store.open(accounts_url)
    try:
        stored = campaigns.stored_plans(store)
        entry = access.audit_entries(store, 1)[0]
    finally:
        store.close()
    assert stored == {2024: SETTINGS.plan, 2025: campaigns.moved_to(SETTINGS.plan, 2025)}  # config's year kept
    assert (entry.user, entry.action, entry.detail) == (
        "boss",
        "campaign_plan",
        {"year": 2025, "revision": 1, "how": "copy"},
    )


def _edit_milestones(at: AppTest, rows: list[dict]) -> None:
    """Put ``rows`` in the milestone table as an edit would (AppTest has no data editor widget)."""
    edited = {
        i: {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()} for i, row in enumerate(rows)
    }
    at.session_state["plan_milestone_table"] = {"edited_rows": edited, "added_rows": [], "deleted_rows": []}


def test_a_moved_due_date_is_saved_and_the_phase_page_shows_it(accounts_url: str) -> None:
    at = sign_in("boss", "admin-pw", "settings")
    _edit_milestones(at, [{"due": date(2024, 2, 20)}])  # 成立领导小组: 01-31 → 02-20
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == [ui_text("plan_saved_msg", "zh", year=2024, revision=2)]  # 1: the demo's
    store = Store.open(accounts_url)
    try:
        plan = campaigns.stored_plans(store)[2024]
    finally:
        store.close()
    assert plan.milestones[0].due == date(2024, 2, 20)
    assert plan.milestones[1:] == SETTINGS.plan.milestones[1:]
    at.switch_page("../pages/phases.py").run()
    assert not at.exception
    matrix = chart_data(at, "vega_lite_chart")
    dues = set(matrix[matrix["milestone"] == "成立领导小组"]["due_text"])
    assert dues == {"2024年2月20日"}  # the tooltip of every unit's 成立领导小组 cell


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"due": date(2025, 1, 5)}], "「工作事项」第 1 行：截止日期 2025-01-05 不在2024年内。"),
        ([{}, {"name": "成立领导小组"}], "「工作事项」第 2 行：工作事项「成立领导小组」重复。"),
        ([{"phase": "不存在"}], "「工作事项」第 1 行：所属阶段「不存在」不在阶段表中。"),
    ],
)
def test_a_mistake_is_named_in_the_pages_words_and_nothing_is_saved(
    accounts_url: str, rows: list[dict], message: str
) -> None:
    at = sign_in("boss", "admin-pw", "settings")
    _edit_milestones(at, rows)
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception
    assert [e.value.replace("\\", "") for e in at.error] == [message]  # Markdown escapes (2025\-01\-05) aside
    store = Store.open(accounts_url)
    try:
        assert campaigns.stored_plans(store) == {2024: SETTINGS.plan}  # as the demo stored it
    finally:
        store.close()


def test_the_year_switch_is_in_the_url_and_a_shared_link_opens_that_year(accounts_url: str) -> None:
    store = Store.open(accounts_url)
    try:
        campaigns.save_plan(store, SETTINGS, campaigns.moved_to(SETTINGS.plan, 2025), "boss", how="copy")
    finally:
        store.close()
    at = sign_in("wang", "wang-password", year="2025")
    assert at.selectbox(key="f_year").value == 2025
    assert at.query_params["from"] == "2025-01"
    at.selectbox(key="f_year").set_value(2024).run()
    assert not at.exception
    assert at.query_params["year"] == "2024" and at.query_params["from"].startswith("2024-")


@pytest.mark.parametrize(
    ("phases", "milestones", "code", "row"),
    [
        ([], [], "no_phase", None),
        ([{"name": "", "start": date(2024, 1, 1), "end": date(2024, 2, 1)}], [], "phase_name_missing", 1),
        ([{"name": "甲", "start": date(2024, 3, 1), "end": date(2024, 2, 1)}], [], "phase_ends_before_start", 1),
        ([{"name": "甲", "start": date(2023, 3, 1), "end": date(2024, 2, 1)}], [], "phase_start_outside_year", 1),
        ([{"name": "甲", "start": pd.Timestamp("2024-01-01"), "end": None}], [], "phase_end_missing", 1),
        (
            [{"name": "甲", "start": date(2024, 1, 1), "end": date(2024, 2, 1)}],
            [{"phase": "甲", "name": "事项", "due": None}],
            "milestone_due_missing",
            1,
        ),
    ],
)
def test_each_table_mistake_has_its_code_and_row(phases, milestones, code, row) -> None:
    with pytest.raises(campaign_edit.PlanInvalid) as e:
        campaign_edit.phases_from_rows(2024, phases, milestones)
    assert (e.value.code, e.value.row) == (code, row)


def test_the_tables_give_back_the_plan_they_show() -> None:
    plan = SETTINGS.plan
    again = campaign_edit.edited_plan(
        plan, phases=campaign_edit.phase_rows(plan), milestones=campaign_edit.milestone_rows(plan), report_due_day=10
    )
    assert again == plan
    targets = campaign_edit.targets_from(
        {
            k: getattr(plan.targets, k)
            for k in (
                "participation_rate",
                "launch_rate",
                "hours_per_capita_month",
                "certificates_per_100",
                "phase_progress",
            )
        },
        [
            {"scope": "unit", "name": "质检科", "target": "participation_rate", "value": 95},
            {"scope": "department", "name": "机关", "target": "hours_per_capita_month", "value": 3},
        ],
        plan.targets.amber_ratio,
    )
    assert targets.for_scope("participation_rate", unit="质检科") == 0.95
    assert targets.for_scope("hours_per_capita_month", department="机关") == 3.0
    assert campaign_edit.override_rows(campaign_edit.edited_plan(plan, targets=targets)) == [
        {"scope": "department", "name": "机关", "target": "hours_per_capita_month", "value": 3.0},
        {"scope": "unit", "name": "质检科", "target": "participation_rate", "value": 95.0},
    ]
