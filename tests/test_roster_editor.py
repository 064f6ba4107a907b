"""The roster section of 活动设置 (dashboard/ui/roster_editor.py) in Streamlit's AppTest: an
administrator renames, merges, retires, changes and adds units through its forms, sees what
changed in the page's words, and a refusal says why and writes nothing; anyone else gets a notice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.config import ENV_DB_URL
from data_sources import access
from data_sources.store import Store
from tests import builders as b
from tests.test_roster import FILE

A, B, D = "一班", "二班", "四班"


def section() -> None:
    """The script AppTest runs: the section alone, as the page will call it."""
    from dashboard.ui.roster_editor import roster_section

    roster_section()


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'dashboard.db'}"
    s = Store.open(url)
    try:
        s.commit(FILE, "test")
        s.commit(b.parsed("c.xlsx", summary=[b.summary("三班", "2024-04", 6, 1, 1)]), "test")
    finally:
        s.close()
    monkeypatch.setenv(ENV_DB_URL, url)
    yield url


def app(role: str = "admin") -> AppTest:
    at = AppTest.from_function(section, default_timeout=60)
    at.session_state["_run_account"] = access.Account("boss", role, (), None, True)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def roster_of(url: str) -> dict[str, dict]:
    s = Store.open(url)
    try:
        return {r["name"]: r for r in s.roster()}
    finally:
        s.close()


def submit(at: AppTest, label: str) -> AppTest:
    next(x for x in at.button if x.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_roster_table_lists_every_unit_with_its_columns(url: str) -> None:
    at = app()
    table = at.dataframe[0].value
    assert list(table.columns) == ["单位", "部门", "类型", "试点单位", "职工人数", "停止报送月份", "随数据自动添加"]
    assert sorted(table["单位"]) == sorted(["一班", "二班", "三班", "四班"])


def test_rename_says_what_changed_and_a_taken_name_is_refused(url: str) -> None:
    at = app()
    at.selectbox(key="roster_rename_unit").set_value(A)
    at.text_input(key="roster_rename_new").input(B)
    submit(at, "改名")
    assert [e.value for e in at.error] == ["单位「二班」已在名册中；要把两个单位合为一个，请使用“合并”。"]
    assert A in roster_of(url)
    at.text_input(key="roster_rename_new").input("一班组")
    submit(at, "改名")
    assert [s.value for s in at.success] == ["已将单位「一班」改名为「一班组」，其历史数据随之改名。"]
    assert "一班组" in list(at.dataframe[0].value["单位"])
    assert "一班组" in roster_of(url) and A not in roster_of(url)


def test_merge_needs_the_box_ticked_then_says_what_moved(url: str) -> None:
    at = app()
    at.selectbox(key="roster_merge_source").set_value(A)
    at.selectbox(key="roster_merge_into").set_value(B)
    submit(at, "合并")
    assert [e.value for e in at.error] == ["请先勾选确认合并。"]
    assert A in roster_of(url)
    at.checkbox(key="roster_merge_sure").check()
    submit(at, "合并")
    assert [s.value for s in at.success] == [
        "已将单位「一班」并入「二班」：7 行数据归入「二班」，3 个月两者都有月报，已相加。"
    ]
    assert A not in roster_of(url) and roster_of(url)[B]["headcount"] == 18


def test_retire_checks_the_month_and_can_be_lifted(url: str) -> None:
    at = app()
    at.selectbox(key="roster_retire_unit").set_value(D)
    at.text_input(key="roster_retire_month").input("2024年3月")
    submit(at, "保存")
    assert [e.value for e in at.error] == ["月份「2024年3月」应写作 YYYY-MM，例如 2024-07。"]
    at.text_input(key="roster_retire_month").input("2024-03")
    submit(at, "保存")
    assert [s.value for s in at.success] == ["单位「四班」自 2024-03 起停止报送，此前的数据保留。"]
    assert roster_of(url)[D]["retired_from"] == "2024-03"
    at.selectbox(key="roster_retire_unit").set_value(D)
    at.checkbox(key="roster_retire_again").check()
    submit(at, "保存")
    assert [s.value for s in at.success] == ["单位「四班」恢复报送。"]
    assert roster_of(url)[D]["retired_from"] is None


def test_change_and_add_a_unit(url: str) -> None:
    at = app()
    at.selectbox(key="roster_edit_unit").set_value(A).run()
    at.text_input(key=f"roster_edit_head_{A}").input("12")
    submit(at, "保存修改")
    assert [s.value for s in at.success] == ["已修改单位「一班」：职工人数 10 → 12。"]
    submit(at, "保存修改")
    assert [e.value for e in at.error] == ["单位「一班」没有要修改的内容。"]
    at.text_input(key="roster_add_name").input("五班")
    at.text_input(key="roster_add_headcount").input("三")
    submit(at, "添加")
    assert [e.value for e in at.error] == ["职工人数「三」应为不小于 0 的整数。"]
    at.text_input(key="roster_add_headcount").input("3")
    at.text_input(key="roster_add_department").input("机关")
    submit(at, "添加")
    assert [s.value for s in at.success] == ["已添加单位「五班」。"]
    assert roster_of(url)["五班"]["headcount"] == 3 and roster_of(url)["五班"]["department"] == "机关"
    s = Store.open(url)
    try:
        assert [(e.user, e.action) for e in access.audit_entries(s, 2)] == [("boss", "unit_add"), ("boss", "unit_set")]
    finally:
        s.close()


@pytest.mark.parametrize("role", ["viewer", "reporter"])
def test_anyone_but_an_administrator_gets_a_notice_and_no_form(url: str, role: str) -> None:
    at = app(role)
    assert [i.value for i in at.info] == ["只有管理员可以维护单位名册。"]
    assert not at.button and not at.text_input and not at.dataframe
