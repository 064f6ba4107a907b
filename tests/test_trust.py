"""Import trust rules (DESIGN §3, issues 10.2, 10.3, 10.9, 11.9, 11.10): an unknown unit is refused
with the nearest roster names; a person is in one unit a month (a reporter never changes another
unit's rows, an administrator's move is a warning); one spelling of a unit everywhere; a missing
optional column keeps the stored values. On SQLite, PostgreSQL and MariaDB (the ``store`` fixture)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from dashboard.i18n import format_problem, problem_fields
from data_sources import access
from data_sources import store as db
from data_sources.importer import import_files
from data_sources.schema import ImportRejected, Kind
from data_sources.store import Store
from data_sources.suggest import nearest_names
from data_sources.values import unit_name
from tests import builders as b

ROSTER_UNITS = [("电修车间", "辅助系统", 40), ("成型车间", "生产系统", 120), ("挤出车间", "生产系统", 120)]


def _xlsx(sheets: dict[str, list[list[Any]]]) -> io.BytesIO:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def _roster_file() -> tuple[str, io.BytesIO]:
    return "名册.xlsx", _xlsx({"单位": [["单位", "部门", "职工人数"], *[list(u) for u in ROSTER_UNITS]]})


def _summary_file(unit: str, name: str = "2024年12月月报.xlsx") -> tuple[str, io.BytesIO]:
    head = ["单位", "职工人数", "参学人数", "培训场次", "培训人次", "培训学时", "取证人数"]
    return name, _xlsx({"月报": [["塑件化工厂2024年12月创争活动月报表"], head, [unit, 40, 30, 3, 60, 120.5, 1]]})


def _ledger_file(rows: list[tuple[str, str, str]], name: str = "台账.xlsx") -> tuple[str, io.BytesIO]:
    head = ["工号", "姓名", "单位", "月份", "培训学时", "学习积分"]
    return name, _xlsx({"学习台账": [head, *[[e, n, u, "2024-12", 8, 10] for e, n, u in rows]]})


def _with_roster(store: Store, settings: Any) -> None:
    import_files(store, [_roster_file()], settings, user="admin")


def _count(store: Store, table: sa.Table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


# ---- unknown units (10.3) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "roster", "expected"),
    [
        ("电修车问", ["电修车间", "电气车间", "成型车间"], ["电修车间"]),  # a character that looks alike
        ("电秀车间", ["电修车间", "成型车间", "挤出车间"], ["电修车间"]),  # one that sounds alike (pinyin)
        ("成形车间", ["电修车间", "成型车间", "塑编车间"], ["成型车间"]),
        ("机修二班", ["机修(二)班", "电修车间"], ["机修(二)班"]),
        ("办工室", ["办公室", "一车间"], ["办公室"]),
        ("完全不同的名字", ["电修车间", "成型车间"], []),
        ("三班组", ["一车间", "办公室"], []),
    ],
)
def test_nearest_roster_names_by_characters_and_by_pinyin(typed: str, roster: list[str], expected: list[str]) -> None:
    assert nearest_names(typed, roster) == expected


def test_an_unknown_unit_is_refused_with_the_nearest_roster_name(store: Store, settings: Any) -> None:
    _with_roster(store, settings)
    before = (_count(store, db.units), _count(store, db.summary_rows), len(store.batches()))
    with pytest.raises(ImportRejected) as e:
        import_files(store, [_summary_file("电修车问")], settings, user="admin")
    errors = [p for p in e.value.problems if p.severity == "error"]
    assert [format_problem(p, "zh") for p in errors] == [
        "2024年12月月报.xlsx · 工作表「月报」第3行 · A 列「单位」值「电修车问」：单位不在名册中，您是否要填：电修车间"
    ]
    assert [format_problem(p, "en") for p in errors] == [
        '2024年12月月报.xlsx, sheet "月报", row 3, column A "单位", value "电修车问": '
        "unit not in the roster; did you mean: 电修车间"
    ]
    # nothing written: no unit made up, no row, no batch
    assert (_count(store, db.units), _count(store, db.summary_rows), len(store.batches())) == before
    # a dry run (the web preview) is refused the same way
    with pytest.raises(ImportRejected):
        import_files(store, [_summary_file("电修车问")], settings, user="admin", dry_run=True)


def test_an_unknown_unit_without_a_near_name_says_how_to_add_one(store: Store, settings: Any) -> None:
    _with_roster(store, settings)
    with pytest.raises(ImportRejected) as e:
        import_files(store, [_summary_file("质量管理部")], settings, user="admin")
    assert [format_problem(p, "zh") for p in e.value.problems if p.severity == "error"] == [
        "2024年12月月报.xlsx · 工作表「月报」第3行 · A 列「单位」值「质量管理部」："
        "单位不在名册中：请填写名册中的单位；新单位须由管理员先导入单位名册"
    ]


def test_a_new_unit_comes_in_through_a_roster_sheet_of_the_same_upload(store: Store, settings: Any) -> None:
    _with_roster(store, settings)
    name, content = (
        "新单位.xlsx",
        _xlsx(
            {
                "单位": [["单位", "部门", "职工人数"], ["质量管理部", "机关", 12]],
                "月报": [
                    ["塑件化工厂2024年12月创争活动月报表"],
                    ["单位", "职工人数", "参学人数", "培训场次", "培训人次", "培训学时", "取证人数"],
                    ["质量管理部", 12, 10, 1, 10, 20, 0],
                ],
            }
        ),
    )
    (o,) = import_files(store, [(name, content)], settings, user="admin")
    assert (o.added, o.units_added, [w.code for w in o.warnings]) == (2, [], [])
    with store.engine.connect() as conn:
        r = conn.execute(sa.select(db.units).where(db.units.c.name == "质量管理部")).one()
    assert (r.auto_added, r.department, r.headcount) == (False, "机关", 12)


def test_the_plan_carries_the_refusal_for_the_preview(store: Store, settings: Any) -> None:
    _with_roster(store, settings)
    plan = store.plan(b.parsed("x.xlsx", ledger=[b.ledger("E1", "甲", "挤出车问", "2024-12", 1, 1)]))
    assert [(p.code, p.row, p.value, p.params["suggestions"]) for p in plan.errors] == [
        ("unit_unknown", 3, "挤出车问", ["挤出车间"])
    ]
    assert plan.units_added == []


# ---- one unit per person per month (10.2, 11.9) ------------------------------------------------


def _people(store: Store) -> dict[str, str]:
    with store.engine.connect() as conn:
        return dict(conn.execute(sa.select(db.ledger_rows.c.employee_id, db.ledger_rows.c.unit)).all())


def test_a_reporter_cannot_take_a_person_stored_in_another_unit(store: Store, settings: Any) -> None:
    _with_roster(store, settings)
    import_files(
        store, [_ledger_file([("SJ00300", "王五", "成型车间"), ("SJ00301", "赵六", "成型车间")])], settings, "admin"
    )
    with pytest.raises(ImportRejected) as e:
        import_files(
            store,
            [_ledger_file([("SJ00300", "王五", "挤出车间"), ("SJ00400", "钱七", "挤出车间")], "挤出.xlsx")],
            settings,
            user="li",
            allowed_units=["挤出车间"],
        )
    assert [format_problem(p, "zh") for p in e.value.problems if p.severity == "error"] == [
        "挤出.xlsx · 工作表「学习台账」第2行 · C 列「单位」值「挤出车间」："
        "工号 SJ00300 在2024年12月属于成型车间：只有该单位的填报人或管理员可以修改"
    ]
    assert [format_problem(p, "en") for p in e.value.problems if p.severity == "error"] == [
        '挤出.xlsx, sheet "学习台账", row 2, column C "单位", value "挤出车间": '
        "employee SJ00300 belongs to 成型车间 in 2024-12: only that unit's reporter or an administrator may change it"
    ]
    assert _people(store) == {"SJ00300": "成型车间", "SJ00301": "成型车间"}
    assert len(store.batches()) == 2  # the roster and the first ledger; nothing of the refused upload


def test_an_administrators_move_is_a_warning_and_moves_the_person(store: Store, settings: Any) -> None:
    _with_roster(store, settings)
    import_files(store, [_ledger_file([("SJ00300", "王五", "成型车间")])], settings, "admin")
    (preview,) = import_files(
        store, [_ledger_file([("SJ00300", "王五", "挤出车间")], "调动.xlsx")], settings, "admin", dry_run=True
    )
    assert [format_problem(p, "zh") for p in preview.warnings] == [
        "调动.xlsx · 工作表「学习台账」第2行 · C 列「单位」值「挤出车间」：工号 SJ00300 在2024年12月由成型车间调到挤出车间（调动）"
    ]
    assert _people(store) == {"SJ00300": "成型车间"}  # a dry run
    (o,) = import_files(store, [_ledger_file([("SJ00300", "王五", "挤出车间")], "调动.xlsx")], settings, "admin")
    assert (o.replaced, [w.code for w in o.warnings]) == (1, ["unit_moved"])
    assert _people(store) == {"SJ00300": "挤出车间"}
    with store.engine.connect() as conn:
        um = db.unit_months
        counts = dict(conn.execute(sa.select(um.c.unit, um.c.participants).where(um.c.month == "2024-12")).all())
    assert (counts.get("成型车间", 0), counts["挤出车间"]) == (0, 1)  # both unit-months follow the move


def test_a_reporter_of_both_units_may_move_a_person_between_them(store: Store, settings: Any) -> None:
    _with_roster(store, settings)
    import_files(store, [_ledger_file([("SJ00300", "王五", "成型车间")])], settings, "admin")
    (o,) = import_files(
        store,
        [_ledger_file([("SJ00300", "王五", "挤出车间")])],
        settings,
        "li",
        allowed_units=["成型车间", "挤出车间"],
    )
    assert [w.code for w in o.warnings] == ["unit_moved"]
    assert _people(store) == {"SJ00300": "挤出车间"}


def _cert_file(unit: str, name: str = "证书.xlsx") -> tuple[str, io.BytesIO]:
    head = ["工号", "姓名", "单位", "证书名称", "等级", "取证日期"]
    return name, _xlsx({"证书": [head, ["SJ00300", "王五", unit, "电工", "中级", date(2024, 12, 5)]]})


def test_a_reporter_cannot_take_another_units_certificate(store: Store, settings: Any) -> None:
    """11.9: a certificate is keyed by 工号+证书名称+取证日期, without the unit."""
    _with_roster(store, settings)
    import_files(store, [_cert_file("成型车间")], settings, "admin")
    with pytest.raises(ImportRejected) as e:
        import_files(store, [_cert_file("挤出车间", "挤出证书.xlsx")], settings, "li", allowed_units=["挤出车间"])
    assert [format_problem(p, "zh") for p in e.value.problems if p.severity == "error"] == [
        "挤出证书.xlsx · 工作表「证书」第2行 · C 列「单位」值「挤出车间」："
        "工号 SJ00300 的证书「电工」（2024-12-05）登记在成型车间：只有该单位的填报人或管理员可以修改"
    ]
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(db.certificate_rows.c.unit)).scalars().all() == ["成型车间"]
    (o,) = import_files(store, [_cert_file("挤出车间", "挤出证书.xlsx")], settings, "admin")
    assert [format_problem(p, "zh") for p in o.warnings] == [
        "挤出证书.xlsx · 工作表「证书」第2行 · C 列「单位」值「挤出车间」："
        "工号 SJ00300 的证书「电工」（2024-12-05）由成型车间移到挤出车间（调动）"
    ]


# ---- one spelling of a unit (11.10) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("机修（二）班", "机修(二)班"),
        ("机修 (二) 班", "机修(二)班"),
        ("　机修(二)班　", "机修(二)班"),
        ("机修（二）班", "机修(二)班"),
        ("Plant A", "Plant A"),
        ("电修车间", "电修车间"),
    ],
)
def test_unit_names_are_written_one_way(written: str, stored: str) -> None:
    assert unit_name(written) == stored


def test_a_reporter_given_full_width_brackets_reports_for_their_unit(store: Store, settings: Any) -> None:
    name, content = "名册.xlsx", _xlsx({"单位": [["单位", "部门", "职工人数"], ["机修（二）班", "辅助系统", 30]]})
    import_files(store, [(name, content)], settings, user="admin")
    account = access.add_user(store, "li", "reporter", ["机修（二）班"], password="a-long-password-1")
    assert account.units == ("机修(二)班",)
    # an account stored before the names were written one way still reports for its unit
    old = access.Account("old", "reporter", ("机修（二）班",))
    for allowed in (account.allowed_units(), old.allowed_units()):
        for typed in ("机修(二)班", "机修（二）班"):
            (o,) = import_files(store, [_summary_file(typed, f"{typed}.xlsx")], settings, "li", allowed_units=allowed)
            assert o.warnings == []
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(db.units.c.name)).scalars().all() == ["机修(二)班"]
        assert conn.execute(sa.select(db.summary_rows.c.unit)).scalars().all() == ["机修(二)班"]


# ---- a missing optional column keeps the stored values (10.9) ----------------------------------

_FULL = {
    Kind.ROSTER: b.roster("一车间", "生产部", 10, "车间", True),
    Kind.SUMMARY: {
        **b.summary("一车间", "2024-01", 10, 6, 20, suggestions=3),
        "training_funds": 5000.0,
        "payroll": 900000.0,
    },
    Kind.LEDGER: {**b.ledger("E01", "张一", "一车间", "2024-01", 4, 10), "attendance": 5},
    Kind.MILESTONES: b.milestone("一车间", "成立领导小组", planned=date(2024, 2, 1), done=date(2024, 1, 20)),
}
_TABLE = {
    Kind.ROSTER: db.units,
    Kind.SUMMARY: db.summary_rows,
    Kind.LEDGER: db.ledger_rows,
    Kind.MILESTONES: db.milestone_rows,
}
# kind → (the optional fields left out, a required field changed to show the row was replaced)
_LEFT_OUT = {
    Kind.ROSTER: (("unit_type", "is_pilot"), {"headcount": 11}),
    Kind.SUMMARY: (("suggestions", "training_funds", "payroll"), {"participants": 7}),
    Kind.LEDGER: (("attendance",), {"hours": 5}),
    Kind.MILESTONES: (("planned_date",), {"phase": "组织实施"}),
}


@pytest.mark.parametrize("kind", list(_LEFT_OUT), ids=lambda k: k.value)
def test_a_missing_optional_column_keeps_the_stored_values(store: Store, kind: Kind) -> None:
    roster = [b.roster("一车间", "生产部", 10, "车间", True)]
    first = {"roster": roster} if kind is Kind.ROSTER else {"roster": roster, kind.value: [_FULL[kind]]}
    store.commit(b.parsed("full.xlsx", **first), "admin")
    left_out, changed = _LEFT_OUT[kind]
    row = {k: v for k, v in _FULL[kind].items() if k not in left_out} | changed
    res = store.commit(b.parsed("partial.xlsx", **{kind.value: [row]}), "admin")
    assert res.plan.kinds[kind].replaced == 1
    with store.engine.connect() as conn:
        stored = dict(conn.execute(sa.select(_TABLE[kind])).one()._mapping)
    for f in left_out:
        assert stored[f] == _FULL[kind][f], f
    for f, v in changed.items():
        assert stored[f] == v


def test_a_milestone_sheet_without_planned_dates_keeps_them(store: Store, settings: Any) -> None:
    """10.9 as the clerk meets it: a 阶段进度 sheet with no 计划完成日期 column."""
    _with_roster(store, settings)
    full = [
        ["单位", "阶段", "工作事项", "计划完成日期", "完成日期"],
        ["电修车间", "宣传发动", "成立领导小组", date(2024, 3, 1), None],
    ]
    import_files(store, [("进度.xlsx", _xlsx({"阶段进度": full}))], settings, "admin")
    done = [["单位", "阶段", "工作事项", "完成日期"], ["电修车间", "宣传发动", "成立领导小组", date(2024, 2, 20)]]
    (o,) = import_files(store, [("进度2.xlsx", _xlsx({"阶段进度": done}))], settings, "admin")
    assert o.replaced == 1
    with store.engine.connect() as conn:
        r = conn.execute(sa.select(db.milestone_rows)).one()
    assert (r.planned_date, r.done_date) == (date(2024, 3, 1), date(2024, 2, 20))


def test_a_new_row_without_an_optional_column_stores_null(store: Store) -> None:
    store.commit(b.parsed("a.xlsx", roster=[b.roster("一车间", "生产部", 10)]), "admin")
    store.commit(b.parsed("b.xlsx", ledger=[b.ledger("E01", "张一", "一车间", "2024-01", 4, 10)]), "admin")
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(db.ledger_rows.c.attendance)).scalar_one() is None


def test_problem_fields_give_the_page_its_words() -> None:
    """The upload page names its 报表月份 box where the command line says --period."""
    from data_sources.schema import Problem

    p = Problem("no_period", "x.csv")
    assert problem_fields(p, "zh", web=True)["reason"] == (
        "无法确定月份：表中没有月份列，标题和文件名中也没有年月，请在上方“报表月份”中选择月份"
    )
    assert problem_fields(p, "en", web=True)["reason"] == (
        "cannot tell the month: no month column, no year and month in the title or file name; "
        "choose it in “Report month” above"
    )
    assert "--period" in format_problem(p, "zh")  # the CLI keeps its option


def test_the_command_line_refuses_an_unknown_unit_with_the_suggestion(tmp_path: Path) -> None:
    from dashboard.cli import main

    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    roster_name, roster = _roster_file()
    (tmp_path / roster_name).write_bytes(roster.getvalue())
    report_name, report = _summary_file("电修车问")
    (tmp_path / report_name).write_bytes(report.getvalue())
    out, err = io.StringIO(), io.StringIO()
    assert main(["import", str(tmp_path / roster_name), "--db", db_url], out, err) == 0
    out, err = io.StringIO(), io.StringIO()
    assert main(["import", str(tmp_path / report_name), "--db", db_url], out, err) == 1
    assert err.getvalue().splitlines() == [
        "2024年12月月报.xlsx · 工作表「月报」第3行 · A 列「单位」值「电修车问」：单位不在名册中，您是否要填：电修车间",
        "导入被拒绝：共 1 个错误，未写入任何数据。",
    ]
