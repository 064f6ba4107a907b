"""Roster maintenance (data_sources/store/roster.py) on SQLite, PostgreSQL and MariaDB: add, set,
rename, merge and retire a unit, each one transaction with its audit entry; the figures against
the oracle (a rename or a merge keeps the organisation's totals, a retired unit leaves U from its
month); the audit sentences and the command line word for word."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from dashboard import metrics as m
from dashboard.audit_text import audit_line
from dashboard.cli import main
from data_sources import access
from data_sources import store as db
from data_sources.schema import Kind, UndoRefused
from data_sources.store import (
    BadHeadcount,
    BadMonth,
    NothingToChange,
    SameUnit,
    Store,
    UnitExists,
    UnknownUnit,
)
from tests import builders as b
from tests.oracle import expected_summary, stored_rows
from tests.test_migrations import _derived_tables, _rebuild_derived

A, B, C, D = "一班", "二班", "三班", "四班"
ROSTER = [
    b.roster(A, "生产部", 10, "班组"),
    b.roster(B, "生产部", 8, "班组", True),
    b.roster(C, "机关", 6, "科室"),
    b.roster(D, "机关", 5, "科室"),
]
# A and B report the same way each month (summary Q1, ledger and certificates April) and peak in
# the same month: the case where a merge keeps every total (ARCHITECTURE: roster)
SUMMARY = [
    b.summary(A, "2024-01", 10, 5, 20, certificates=1, sessions=2, person_times=10, suggestions=1),
    b.summary(A, "2024-02", 10, 8, 30, sessions=3, person_times=16),
    b.summary(A, "2024-03", 11, 6, 25, certificates=2, sessions=1, person_times=6, suggestions=2),
    b.summary(B, "2024-01", 8, 3, 10, sessions=1, person_times=3),
    b.summary(B, "2024-02", 8, 7, 18, certificates=1, sessions=2, person_times=14, suggestions=4),
    b.summary(B, "2024-03", 9, 4, 12, sessions=1, person_times=4),
    b.summary(C, "2024-01", 6, 6, 9),
    b.summary(C, "2024-02", 6, 5, 7),
    b.summary(C, "2024-03", 6, 4, 8),
    b.summary(D, "2024-01", 5, 2, 4),
    b.summary(D, "2024-02", 5, 3, 6),
]
LEDGER = [
    b.ledger("E01", "张一", A, "2024-04", 4, 10),
    b.ledger("E02", "张二", A, "2024-04", 3, 5),
    b.ledger("E11", "李一", B, "2024-04", 6, 8),
    b.ledger("E12", "李二", B, "2024-04", 0, 1),
    b.ledger("E21", "王一", C, "2024-04", 2, 3),
]
CERTS = [
    b.cert("E01", "张一", A, "电工", "中级", date(2024, 4, 10)),
    b.cert("E11", "李一", B, "焊工", "初级", date(2024, 4, 12)),
]
MILESTONES = [
    b.milestone(A, "成立领导小组", done=date(2024, 1, 20)),
    b.milestone(A, "制定活动方案", done=date(2024, 2, 1)),
    b.milestone(A, "建立职工书屋", done=date(2024, 3, 1)),
    b.milestone(B, "成立领导小组"),
    b.milestone(B, "制定活动方案", done=date(2024, 2, 10)),
]
FILE = b.parsed("org.xlsx", roster=ROSTER, summary=SUMMARY, ledger=LEDGER, certificates=CERTS, milestones=MILESTONES)
PERIODS = [
    ("2024-01", "2024-01"),
    ("2024-02", "2024-02"),
    ("2024-03", "2024-03"),
    ("2024-04", "2024-04"),
    ("2024-01", "2024-03"),
    ("2024-01", "2024-04"),
    ("2024-02", "2024-04"),
]
TOTALS = ("headcount", "participants", "training_hours", "certificates", "certificates_by_level")
TODAY = date(2024, 4, 30)


@pytest.fixture
def org(store: Store) -> Store:
    store.commit(FILE, "test")
    access.add_user(store, "li", "reporter", [A], password="li-password")
    return store


def campaign(settings) -> list[tuple[str, date]]:
    return [(x.name, x.due) for x in settings.milestones]


def totals(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: pytest.approx(figures[k]) if isinstance(figures[k], float) else figures[k] for k in TOTALS}


def figures(store: Store, settings, first: str, last: str, **filters: Any) -> dict[str, Any]:
    j = m.summary(store, settings, m.Selection(month_from=first, month_to=last, **filters), today=TODAY).to_json()
    return {k: j[k] for k in TOTALS} | {"units": j["units"]}


def renamed(rows: dict[Kind, list[dict[str, Any]]], old: str, new: str) -> dict[Kind, list[dict[str, Any]]]:
    return {k: [{**r, "unit": new if r["unit"] == old else r["unit"]} for r in rs] for k, rs in rows.items()}


def unit_rows(store: Store, name: str) -> dict[str, int]:
    """How many rows of each table name the unit."""
    with store.engine.connect() as conn:
        out = {t.name: conn.execute(sa.select(sa.func.count()).where(t.c.unit == name)).scalar() for t in UNIT_TABLES}
        out["units"] = conn.execute(sa.select(sa.func.count()).where(db.units.c.name == name)).scalar()
    return out


UNIT_TABLES = [
    db.summary_rows,
    db.ledger_rows,
    db.certificate_rows,
    db.milestone_rows,
    db.unit_months,
    db.learner_years,
    db.unit_active_masks,
]


# ---- rename -----------------------------------------------------------------------------------


def test_a_renamed_unit_keeps_its_history_its_reporter_and_its_undo(org: Store, settings) -> None:
    fix = org.commit(b.parsed("fix.xlsx", summary=[b.summary(A, "2024-03", 11, 6, 40)]), "test")
    before = org.data_version()
    assert org.rename_unit(A, "一班组", "boss") == "一班组"
    assert org.data_version() != before
    assert all(n == 0 for n in unit_rows(org, A).values())
    assert unit_rows(org, "一班组")["summary_rows"] == 3 and unit_rows(org, "一班组")["learner_years"] == 2
    # every figure is the oracle's on the rows with the new name
    rows = renamed(stored_rows([FILE, b.parsed("fix.xlsx", summary=[b.summary(A, "2024-03", 11, 6, 40)])]), A, "一班组")
    for first, last in PERIODS:
        j = m.summary(org, settings, m.Selection(month_from=first, month_to=last), today=TODAY).to_json()
        want = expected_summary(rows, campaign(settings), first, last)
        assert j["units"] == want["units"] and totals(j) == totals(want)
        assert [p["unit"] for p in j["top_learners"]] == [p["unit"] for p in want["top_learners"]]
    # the reporter of 一班 reports for 一班组, and the old name is no unit any more
    li = access.get_user(org, "li")
    assert li is not None and li.units == ("一班组",)
    assert not org.plan(
        b.parsed("r.xlsx", summary=[b.summary("一班组", "2024-05", 11, 3, 5)]), li.allowed_units()
    ).errors
    refused = org.plan(b.parsed("r.xlsx", summary=[b.summary(A, "2024-05", 11, 3, 5)]), li.allowed_units()).errors
    assert refused and {p.code for p in refused} <= {"unit_unknown", "unit_unknown_no_match"}
    # the batches still undo, under the new name: the fix, then the whole import
    org.undo(fix.batch_id, "boss")
    with org.engine.connect() as conn:
        hours = conn.execute(
            sa.select(db.summary_rows.c.hours).where(
                db.summary_rows.c.unit == "一班组", db.summary_rows.c.month == "2024-03"
            )
        ).scalar()
    assert hours == 25
    org.undo(org.batches()[-1].id, "boss")
    assert org.is_empty()
    assert [e.action for e in access.audit_entries(org)] == ["unit_rename"]


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        (A, B, UnitExists),  # that is a merge
        (A, A, SameUnit),
        ("五班", "六班", UnknownUnit),
    ],
)
def test_a_rename_onto_a_unit_or_of_no_unit_is_refused_and_writes_nothing(org: Store, old, new, error) -> None:
    version, log = org.data_version(), len(access.audit_entries(org))
    with pytest.raises(error):
        org.rename_unit(old, new, "boss")
    assert org.data_version() == version and len(access.audit_entries(org)) == log
    assert unit_rows(org, A)["summary_rows"] == 3


# ---- merge ------------------------------------------------------------------------------------


def test_a_merge_keeps_the_organisations_totals_for_every_period(org: Store, settings) -> None:
    rows = stored_rows([FILE])
    for first, last in PERIODS:  # the store agrees with the oracle before
        assert totals(figures(org, settings, first, last)) == totals(
            expected_summary(rows, campaign(settings), first, last)
        )
    result = org.merge_units(A, B, "boss")
    assert result.months_summed == ("2024-01", "2024-02", "2024-03")
    for first, last in PERIODS:
        got = figures(org, settings, first, last)
        want = expected_summary(rows, campaign(settings), first, last)
        assert totals(got) == totals(want), (first, last)
        assert got["units"] == want["units"] - 1


def test_a_merge_sums_the_months_both_reported_and_moves_the_rest(org: Store) -> None:
    org.merge_units(A, B, "boss")
    assert all(n == 0 for n in unit_rows(org, A).values())
    with org.engine.connect() as conn:
        s = db.summary_rows
        jan = conn.execute(sa.select(s).where(s.c.unit == B, s.c.month == "2024-01")).mappings().one()
        ms = db.milestone_rows
        done = dict(conn.execute(sa.select(ms.c.milestone, ms.c.done_date).where(ms.c.unit == B)).all())
        head = conn.execute(sa.select(db.units.c.headcount).where(db.units.c.name == B)).scalar()
        ledger_units = set(conn.execute(sa.select(db.ledger_rows.c.unit)).scalars())
    assert (jan["headcount"], jan["participants"], jan["hours"], jan["certificates"]) == (18, 8, 30, 1)
    assert (jan["sessions"], jan["person_times"], jan["suggestions"]) == (3, 13, 1)
    # B's rows are kept; A's done date where B had none; A's own milestone moves
    assert done == {
        "成立领导小组": date(2024, 1, 20),
        "制定活动方案": date(2024, 2, 10),
        "建立职工书屋": date(2024, 3, 1),
    }
    assert head == 18
    assert ledger_units == {B, C}
    li = access.get_user(org, "li")
    assert li is not None and li.units == (B,)
    entry = access.audit_entries(org, 1)[0]
    assert (entry.action, entry.detail["source"], entry.detail["into"]) == ("unit_merge", A, B)


def test_batches_before_a_merge_can_no_longer_be_undone(org: Store) -> None:
    later = org.commit(b.parsed("c.xlsx", summary=[b.summary(C, "2024-04", 6, 1, 1)]), "test")
    org.merge_units(A, B, "boss")
    for batch in (later.batch_id, org.batches()[-1].id):
        with pytest.raises(UndoRefused) as e:
            org.undo(batch, "boss")
        assert e.value.reason == "merged"
    after = org.commit(b.parsed("d.xlsx", summary=[b.summary(D, "2024-04", 5, 1, 1)]), "test")
    org.undo(after.batch_id, "boss")  # a batch after the merge still undoes


@pytest.mark.parametrize(
    ("source", "into", "error"), [(A, A, SameUnit), (A, "五班", UnknownUnit), ("五班", A, UnknownUnit)]
)
def test_a_merge_of_no_unit_or_of_a_unit_with_itself_is_refused(org: Store, source, into, error) -> None:
    version = org.data_version()
    with pytest.raises(error):
        org.merge_units(source, into, "boss")
    assert org.data_version() == version and unit_rows(org, A)["summary_rows"] == 3


# ---- retire -----------------------------------------------------------------------------------


def test_a_retired_unit_leaves_u_from_its_month_and_is_not_missing_from_then_on(org: Store, settings) -> None:
    year = m.Selection(month_from="2024-01", month_to="2024-04")
    marks = lambda: m.submission_matrix(org, settings, year, TODAY).query("unit == @D")[["month", "status"]]  # noqa: E731
    assert marks().values.tolist()[2:] == [["2024-03", "missing"], ["2024-04", "missing"]]
    org.retire_unit(D, "2024-03", "boss")
    rows = stored_rows([FILE])
    others = (A, B, C)
    for first, last in PERIODS:
        got = figures(org, settings, first, last)
        if first >= "2024-03":
            want = expected_summary(rows, campaign(settings), first, last, units=others)
        else:  # a period starting before the month keeps the unit and its history
            want = expected_summary(rows, campaign(settings), first, last)
        assert got["units"] == want["units"] and totals(got) == totals(want), (first, last)
    assert D not in m.unit_names(org, settings, m.Selection(month_from="2024-03", month_to="2024-04"))
    assert D in m.unit_names(org, settings, m.Selection(month_from="2024-02", month_to="2024-04"))
    assert marks().values.tolist() == [["2024-01", "reported"], ["2024-02", "reported"]]
    org.retire_unit(D, None, "boss")  # it reports again
    assert figures(org, settings, "2024-03", "2024-04")["units"] == 4


@pytest.mark.parametrize("month", ["2024-13", "2024/03", ""])
def test_a_retire_month_must_read_yyyy_mm(org: Store, month: str) -> None:
    with pytest.raises(BadMonth) as e:
        org.retire_unit(D, month, "boss")
    assert e.value.params == {"month": month}


# ---- add and set ------------------------------------------------------------------------------


def test_add_and_set_a_unit(org: Store) -> None:
    assert org.add_unit(" 五 班 ", "boss", department="机关", headcount="12", unit_type="班组", pilot=True) == "五班"
    with pytest.raises(UnitExists):
        org.add_unit("五班", "boss")
    with pytest.raises(BadHeadcount):
        org.add_unit("六班", "boss", headcount="-1")
    five = next(r for r in org.roster() if r["name"] == "五班")
    assert five == {
        "name": "五班",
        "department": "机关",
        "unit_type": "班组",
        "is_pilot": True,
        "headcount": 12,
        "auto_added": False,
        "retired_from": None,
    }
    assert org.set_unit("五班", "boss", headcount=15, is_pilot=False, department="机关") == {
        "headcount": [12, 15],
        "is_pilot": [True, False],
    }
    with pytest.raises(NothingToChange):
        org.set_unit("五班", "boss", headcount="15")
    with pytest.raises(UnknownUnit):
        org.set_unit("七班", "boss", headcount=1)


def test_add_takes_a_unit_brought_by_data_onto_the_roster(store: Store) -> None:
    store.commit(b.parsed("s.xlsx", summary=[b.summary(A, "2024-01", 10, 5, 20)]), "test")
    assert store.roster()[0]["auto_added"] is True
    store.add_unit(A, "boss", department="生产部", headcount=10)
    assert store.roster()[0] == {
        "name": A,
        "department": "生产部",
        "unit_type": None,
        "is_pilot": False,
        "headcount": 10,
        "auto_added": False,
        "retired_from": None,
    }


OPERATIONS = {
    "add": lambda s: s.add_unit("五班", "boss"),
    "set": lambda s: s.set_unit(A, "boss", headcount=99),
    "rename": lambda s: s.rename_unit(A, "五班", "boss"),
    "merge": lambda s: s.merge_units(A, B, "boss"),
    "retire": lambda s: s.retire_unit(A, "2024-04", "boss"),
}


@pytest.mark.parametrize("op", list(OPERATIONS))
def test_every_roster_change_changes_the_data_version_and_is_audited(org: Store, op: str) -> None:
    before, then = org.data_version(), org.data_as_of()
    OPERATIONS[op](org)
    assert org.data_version() != before
    assert org.data_version().startswith(before.split(".")[0] + ".")
    assert org.data_as_of() is not None and then is not None and org.data_as_of() >= then
    assert access.audit_entries(org, 1)[0].action == f"unit_{op}"


# ---- the audit log in words -------------------------------------------------------------------

SENTENCES = [
    (
        "unit_add",
        {"name": "五班", "department": "机关", "unit_type": None, "is_pilot": True, "headcount": 12},
        "添加单位「五班」（部门：机关，类型：（空），试点单位：是，职工人数：12）",
        "added unit “五班” (department: 机关, unit type: (empty), pilot unit: Yes, headcount: 12)",
    ),
    (
        "unit_set",
        {"name": "五班", "changes": {"headcount": [12, 15], "is_pilot": [True, False]}},
        "修改单位「五班」：职工人数 12 → 15，试点单位 是 → 否",
        "changed unit “五班”: Headcount 12 → 15, Pilot unit Yes → No",
    ),
    (
        "unit_rename",
        {"old": "一班", "new": "一班组"},
        "单位「一班」改名为「一班组」",
        "renamed unit “一班” to “一班组”",
    ),
    (
        "unit_merge",
        {"source": "一班", "into": "二班", "months": ["2024-01", "2024-02"], "last_batch": 3},
        "单位「一班」并入「二班」，月报相加的月份：2024-01、2024-02（批次 #3 及以前的批次不能再撤销）",
        "merged unit “一班” into “二班”, reports summed for 2024-01, 2024-02 (batch #3 and earlier can no longer be undone)",
    ),
    (
        "unit_merge",
        {"source": "一班", "into": "二班", "months": [], "last_batch": 0},
        "单位「一班」并入「二班」",
        "merged unit “一班” into “二班”",
    ),
    (
        "unit_retire",
        {"name": "四班", "from": "2024-03"},
        "单位「四班」自 2024-03 起停止报送",
        "unit “四班” no longer reports from 2024-03",
    ),
    ("unit_retire", {"name": "四班", "from": None}, "单位「四班」恢复报送", "unit “四班” reports again"),
    (
        "undo_refused",
        {"batch": 2, "reason": "merged"},
        "撤销批次 #2 被拒：此后合并过单位",
        "undo of batch #2 refused: units were merged since",
    ),
]


@pytest.mark.parametrize(("action", "detail", "zh", "en"), SENTENCES)
def test_each_roster_change_reads_as_one_sentence(action: str, detail: dict, zh: str, en: str) -> None:
    assert audit_line(action, detail, "zh") == zh
    assert audit_line(action, detail, "en") == en


def test_the_stored_audit_details_read_as_sentences(org: Store) -> None:
    org.set_unit(A, "boss", headcount=12)
    org.merge_units(A, B, "boss")
    lines = [audit_line(e.action, e.detail, "zh") for e in access.audit_entries(org, 2)]
    batch = org.batches()[0].id
    assert lines == [
        f"单位「一班」并入「二班」，月报相加的月份：2024-01、2024-02、2024-03（批次 #{batch} 及以前的批次不能再撤销）",
        "修改单位「一班」：职工人数 10 → 12",
    ]


# ---- the command line -------------------------------------------------------------------------


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


CLI = [
    (["rename", A, "一班组"], 0, "已将单位「一班」改名为「一班组」，其历史数据随之改名。\n", ""),
    (["rename", A, B], 1, "", "单位「二班」已在名册中；要把两个单位合为一个，请使用“合并”。\n"),
    (["rename", "五班", "六班", "--lang", "en"], 1, "", "There is no unit “五班” in the roster.\n"),
    (
        ["merge", A, B],
        0,
        "已将单位「一班」并入「二班」：7 行数据归入「二班」，3 个月两者都有月报，已相加。\n",
        "",
    ),
    (["merge", A, A], 1, "", "「一班」是同一个单位。\n"),
    (["retire", D, "--from", "2024-03"], 0, "单位「四班」自 2024-03 起停止报送，此前的数据保留。\n", ""),
    (["retire", D, "--cancel", "--lang", "en"], 1, "", "Nothing to change for unit “四班”.\n"),
    (
        ["set", A, "--headcount", "12", "--pilot", "yes", "--department", "车间"],
        0,
        "已修改单位「一班」：部门 生产部 → 车间，职工人数 10 → 12，试点单位 否 → 是。\n",
        "",
    ),
    (["set", A, "--headcount", "x"], 1, "", "职工人数「x」应为不小于 0 的整数。\n"),
    (["set", A], 1, "", "单位「一班」没有要修改的内容。\n"),
    (["add", "五班", "--department", "机关", "--headcount", "3"], 0, "已添加单位「五班」。\n", ""),
]


@pytest.mark.parametrize(("args", "code", "out", "err"), CLI)
def test_the_unit_command(tmp_path, args: list[str], code: int, out: str, err: str) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    s = Store.open(url)
    try:
        s.commit(FILE, "test")
    finally:
        s.close()
    assert run("unit", *args, "--db", url, "--user", "cli") == (code, out, err)
    s = Store.open(url)
    try:
        newest = access.audit_entries(s, 1)
    finally:
        s.close()
    if code == 0:  # done and audited under --user; a refusal writes nothing
        assert (newest[0].user, newest[0].action) == ("cli", f"unit_{args[0]}")
    else:
        assert not newest


def test_the_merge_audit_detail_is_json(org: Store) -> None:
    org.merge_units(A, B, "boss")
    with org.engine.connect() as conn:
        text = conn.execute(sa.select(db.audit_log.c.detail).where(db.audit_log.c.action == "unit_merge")).scalar()
    assert json.loads(text)["last_batch"] == org.batches()[0].id


@pytest.mark.parametrize("op", ["rename", "merge"])
def test_the_derived_tables_equal_a_rebuild_after_a_rename_or_a_merge(org: Store, op: str) -> None:
    # E01 trains in 一班 in April and in 二班 in May: one person-year in two units until the merge
    org.commit(b.parsed("may.xlsx", ledger=[b.ledger("E01", "张一", B, "2024-05", 2, 4)]), "test")
    OPERATIONS[op](org)
    stored = _derived_tables(org)
    _rebuild_derived(org)
    assert _derived_tables(org) == stored
    with org.engine.connect() as conn:
        ly = db.learner_years
        e01 = conn.execute(sa.select(ly.c.unit, ly.c.person_rows).where(ly.c.employee_id == "E01")).all()
    assert sorted(tuple(r) for r in e01) == ([(B, 1)] if op == "merge" else [("二班", 2), ("五班", 2)])


@pytest.mark.parametrize("op", list(OPERATIONS))
def test_a_roster_change_that_fails_at_its_audit_entry_leaves_everything_as_it_was(
    org: Store, op: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All or nothing: the audit entry is the change's last statement; when it fails, the rows,
    the roster, the accounts and the data version are as before."""
    import data_sources.store.roster as roster_module

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    before = (org.data_version(), org.roster(), unit_rows(org, A), unit_rows(org, B), access.get_user(org, "li"))
    monkeypatch.setattr(roster_module, "write_audit", broken)
    with pytest.raises(RuntimeError):
        OPERATIONS[op](org)
    after = (org.data_version(), org.roster(), unit_rows(org, A), unit_rows(org, B), access.get_user(org, "li"))
    assert after == before
