"""DESIGN §4 on a small organisation whose figures are worked out by hand below.

Units (roster): 一车间 A (生产部, 车间, pilot, 10 staff), 二车间 B (生产部, 车间, 8), 办公室 C (机关,
科室, 5), 质检科 D (机关, 科室, pilot, 4 — never reports). Campaign: config.toml, year 2024, nine
milestones, the first three due 01-31, 02-29, 03-31.

Per unit-month (ledger Σ hours / distinct 工号 with hours > 0; summary 学时 / 参学人数 / 职工人数):
  A 01: ledger 4+3+0 = 7 h, {E01,E02} = 2        summary 20 h, 6 of 10
  A 02: ledger 10+10+7.5+4 = 31.5 h, 4 people     summary 30 h, 4 of 11 (31.5-30 = 1.5 = exactly 5 %)
  A 03: —                                          summary 25 h, 7 of 12
  B 01: —                                          summary 16 h, 4 of 8
  B 02: —                                          summary 18 h, 6 of 9
  B 04: ledger E20 50 h (outside the usual P)
  C 01: ledger 2+4 = 6 h, {E10,E11}
  C 03: ledger 3+0+1 = 4 h, {E10,E04}             summary 0 h, 2 of 6
Certificates: A 01 E01 中级 (summary says 1), A 02 none (summary 4 → 未分级), A 03 E02 初级 (summary
2, ignored), B 02 summary 2 (未分级), C 03 E10 高级, C 04 E11 中级 (outside the usual P).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from dashboard import metrics as m
from data_sources.store import Store
from tests import builders as b

A, B, C, D = "一车间", "二车间", "办公室", "质检科"

ROSTER = [
    b.roster(A, "生产部", 10, "车间", True),
    b.roster(B, "生产部", 8, "车间", False),
    b.roster(C, "机关", 5, "科室", False),
    b.roster(D, "机关", 4, "科室", True),
]
SUMMARY = [
    b.summary(A, "2024-01", 10, 6, 20, certificates=1, sessions=2, person_times=12, suggestions=3),
    b.summary(A, "2024-02", 11, 4, 30, certificates=4, sessions=1, person_times=5, suggestions=1),
    b.summary(A, "2024-03", 12, 7, 25, certificates=2, sessions=3, person_times=20, suggestions=0),
    b.summary(B, "2024-01", 8, 4, 16, certificates=0, sessions=1, person_times=4),
    b.summary(B, "2024-02", 9, 6, 18, certificates=2, sessions=2, person_times=12, suggestions=2),
    b.summary(C, "2024-03", 6, 2, 0, certificates=0, sessions=1, person_times=2, suggestions=0),
]
LEDGER = [
    b.ledger("E01", "张一", A, "2024-01", 4, 10),
    b.ledger("E02", "张二", A, "2024-01", 3, 8),
    b.ledger("E03", "张三", A, "2024-01", 0, 0),
    b.ledger("E01", "张一", A, "2024-02", 10, 5),
    b.ledger("E02", "张二", A, "2024-02", 10, 15),
    b.ledger("E04", "赵六", A, "2024-02", 7.5, 0),
    b.ledger("E05", "张五", A, "2024-02", 4, 15),
    b.ledger("E10", "李一", C, "2024-01", 2, 18),
    b.ledger("E11", "李二", C, "2024-01", 4, 15),
    b.ledger("E10", "李一", C, "2024-03", 3, 5),
    b.ledger("E12", "李三", C, "2024-03", 0, 1),
    b.ledger("E04", "赵六六", C, "2024-03", 1, 2),  # E04 moved to 办公室 (and fixed the name) in March
    b.ledger("E20", "王一", B, "2024-04", 50, 100),
]
CERTS = [
    b.cert("E01", "张一", A, "电工", "中级", date(2024, 1, 15)),
    b.cert("E02", "张二", A, "焊工", "初级", date(2024, 3, 20)),
    b.cert("E10", "李一", C, "叉车", "高级", date(2024, 3, 5)),
    b.cert("E11", "李二", C, "电工", "中级", date(2024, 4, 2)),
]
MILESTONES = [
    b.milestone(A, "成立领导小组", done=date(2024, 1, 20)),
    b.milestone(A, "制定活动方案", done=date(2024, 2, 25)),
    b.milestone(A, "召开动员会", done=date(2024, 4, 10)),  # done after the end of March
    b.milestone(B, "成立领导小组", done=date(2024, 1, 31)),
    b.milestone(B, "制定活动方案", planned=date(2024, 4, 30)),  # B's own date instead of 02-29
    b.milestone(B, "召开动员会", done=date(2024, 3, 31)),  # on the last day of P: done
    b.milestone(C, "成立领导小组", done=date(2024, 1, 10)),
    b.milestone(C, "制定活动方案", done=date(2024, 2, 10)),
    b.milestone(C, "召开动员会", done=date(2024, 3, 10)),
    b.milestone(C, "建立职工书屋", planned=date(2024, 3, 15)),  # an extra milestone, overdue
    b.milestone(C, "读书月活动", done=date(2024, 2, 1)),  # an extra one without a date, done
]

Q1 = m.Selection(month_from="2024-01", month_to="2024-03")


@pytest.fixture
def org(store: Store) -> Store:
    res = store.commit(
        b.parsed("org.xlsx", roster=ROSTER, summary=SUMMARY, ledger=LEDGER, certificates=CERTS, milestones=MILESTONES),
        "test",
    )
    assert not res.warnings
    return store


def test_summary_q1_all_units(org: Store, settings) -> None:
    s = m.summary(org, settings, Q1, today=date(2024, 3, 15))
    j = s.to_json()
    assert j["period"] == {"from": "2024-01", "to": "2024-03"}
    assert j["units"] == 4
    # headcount: last summary month in P — A 03: 12, B 02: 9, C 03: 6; D has none → roster 4
    assert j["headcount"] == 12 + 9 + 6 + 4
    # participants: A max(|{E01,E02,E04,E05}| = 4, summary-only 03: 7) = 7; B max(0, 4, 6) = 6;
    # C |{E10,E11,E04}| = 3 (C 03 has a ledger, its summary does not count); D 0
    assert j["participants"] == 7 + 6 + 3 + 0
    assert j["participation_rate"] == round(16 / 31, 6)
    # hours: A 7 + 31.5 (ledger) + 25 (summary); B 16 + 18; C 6 + 4 (ledger beats C 03's 0)
    assert j["training_hours"] == 7 + 31.5 + 25 + 16 + 18 + 6 + 4
    assert j["hours_per_capita"] == round(107.5 / 31, 6)
    # certificates: A 1 row + 4 summary + 1 row; B 2 summary; C 1 row
    assert j["certificates"] == 1 + 4 + 1 + 2 + 1
    assert j["certificates_by_level"] == {"初级": 1, "中级": 1, "高级": 1, "未分级": 4 + 2}
    # milestones by 03-31: A 2 done of 9 (动员会 done 04-10 → overdue); B 2 of 9 (方案 due 04-30,
    # 动员会 done 03-31); C 3 + 读书月 = 4 of 11 (书屋 overdue); D 0 of 9
    assert j["launch_rate"] == 0.75
    assert j["phase_progress"] == round((2 / 9 + 2 / 9 + 4 / 11 + 0) / 4, 6)
    assert j["units_behind"] == 3
    assert j["behind_units"] == [C, A, D]  # in pinyin order: 办公室 ban, 一车间 yi, 质检科 zhi
    # B has two summary-only months, A one next to ledger months: lower bounds
    assert j["participants_is_lower_bound"] is True
    assert j["current_phase"] == "宣传发动"
    # points: E02 23 (13 h) > E10 23 (5 h) > E01 15 (14 h) > E05 15 (4 h) = E11 15 (4 h) → by 工号
    # > E04 2 (latest row in P: 办公室, 赵六六) > E12 1 > E03 0; E20 is outside P
    assert [p["employee_id"] for p in j["top_learners"]] == ["E02", "E10", "E01", "E05", "E11", "E04", "E12", "E03"]
    e04 = j["top_learners"][5]
    assert e04 == {"employee_id": "E04", "name": "赵六六", "unit": C, "points": 2.0, "hours": 8.5}
    assert set(j) >= {
        "units",
        "headcount",
        "participants",
        "participation_rate",
        "training_hours",
        "hours_per_capita",
        "certificates",
        "certificates_by_level",
        "launch_rate",
        "phase_progress",
        "units_behind",
        "top_learners",
    }


def test_single_month_uses_that_months_source(org: Store, settings) -> None:
    j = m.summary(org, settings, m.Selection(month_from="2024-03", month_to="2024-03")).to_json()
    # A 03 summary (12 staff, 7, 25 h); B no row in March → roster 8; C 03 ledger (6 staff from its
    # summary, {E10, E04}, 4 h); D roster 4
    assert j["headcount"] == 12 + 8 + 6 + 4
    assert j["participants"] == 7 + 0 + 2 + 0
    assert j["training_hours"] == 25 + 4
    assert j["certificates"] == 1 + 1 and j["certificates_by_level"] == {"初级": 1, "高级": 1}
    assert j["participants_is_lower_bound"] is False  # one month is exact


def test_lower_bound_flag(org: Store, settings) -> None:
    jan_feb = m.Selection(month_from="2024-01", month_to="2024-02")
    # A has ledger rows in both months: exact (4 people); B: two summary-only months
    assert m.summary(org, settings, jan_feb).participants_is_lower_bound is True
    only_a = m.summary(org, settings, m.Selection(units=(A,), month_from="2024-01", month_to="2024-02"))
    assert (only_a.participants, only_a.participants_is_lower_bound) == (4, False)
    only_b = m.summary(org, settings, m.Selection(units=(B,), month_from="2024-01", month_to="2024-02"))
    assert (only_b.participants, only_b.participants_is_lower_bound) == (max(4, 6), True)
    b_jan = m.summary(org, settings, m.Selection(units=(B,), month_from="2024-01", month_to="2024-01"))
    assert (b_jan.participants, b_jan.participants_is_lower_bound) == (4, False)


def test_filters(org: Store, settings) -> None:
    dept = m.summary(org, settings, m.Selection(departments=("机关",), month_from="2024-01", month_to="2024-03"))
    # C and D: headcount 6 + 4, participants 3, hours 10, one 高级 certificate; C launched, both behind
    assert (dept.units, dept.headcount, dept.participants, dept.training_hours) == (2, 10, 3, 10.0)
    assert dept.certificates_by_level == {"高级": 1}
    assert (dept.launch_rate, dept.units_behind, dept.participants_is_lower_bound) == (0.5, 2, False)
    typ = m.summary(org, settings, m.Selection(unit_types=("车间",), month_from="2024-01", month_to="2024-03"))
    assert (typ.units, typ.headcount, typ.participants, typ.training_hours) == (2, 12 + 9, 7 + 6, 63.5 + 34)
    pilot = m.summary(org, settings, m.Selection(pilot_only=True, month_from="2024-01", month_to="2024-03"))
    assert (pilot.units, pilot.headcount, pilot.participants, pilot.training_hours) == (2, 12 + 4, 7, 63.5)
    one = m.summary(org, settings, m.Selection(units=(B,), month_from="2024-01", month_to="2024-03"))
    assert (one.units, one.headcount, one.participants, one.training_hours, one.certificates) == (1, 9, 6, 34.0, 2)
    # top learners of 生产部: E04's latest row inside the selection is in 一车间, as 赵六;
    # E04 (0 points, 7.5 h) before E03 (0 points, 0 h)
    prod = m.top_learners(org, settings, m.Selection(departments=("生产部",), month_from="2024-01", month_to="2024-03"))
    assert list(prod["employee_id"]) == ["E02", "E01", "E05", "E04", "E03"]
    assert list(prod["rank"]) == [1, 2, 3, 4, 5]
    row = prod[prod.employee_id == "E04"].iloc[0]
    assert (row["name"], row["unit"], row["department"], row["months"]) == ("赵六", A, "生产部", 1)


def test_top_learners_n_and_search(org: Store, settings) -> None:
    top3 = m.top_learners(org, settings, Q1, n=3)
    assert list(top3["employee_id"]) == ["E02", "E10", "E01"]
    assert list(top3.columns) == ["rank", "employee_id", "name", "unit", "department", "points", "hours", "months"]
    found = m.top_learners(org, settings, Q1, search="李")
    # the overall rank is kept: E10 is 2nd, E11 5th, E12 7th
    assert list(zip(found["employee_id"], found["rank"], strict=True)) == [("E10", 2), ("E11", 5), ("E12", 7)]
    assert list(m.top_learners(org, settings, Q1, search="E05")["rank"]) == [4]


def test_milestones_after_the_end_of_p(org: Store, settings) -> None:
    to_april = m.Selection(month_from="2024-01", month_to="2024-04")
    s = m.summary(org, settings, to_april)
    # by 04-30: A's 动员会 (04-10) is done → 3 of 9, not behind; B's own 方案 date 04-30 has come → behind
    assert s.phase_progress == pytest.approx((3 / 9 + 2 / 9 + 4 / 11 + 0) / 4)
    assert sorted(s.behind_units) == sorted([B, C, D])
    mm = m.milestone_matrix(org, settings, Q1)
    assert list(mm.columns) == ["unit", "department", "phase", "milestone", "due", "done_date", "status"]
    status = {(r.unit, r.milestone): r.status for r in mm.itertuples()}
    assert status[(A, "召开动员会")] == "overdue"
    assert status[(A, "成立领导小组")] == "done"
    assert status[(B, "制定活动方案")] == "pending"
    assert status[(B, "召开动员会")] == "done"
    assert status[(C, "建立职工书屋")] == "overdue"
    assert status[(C, "读书月活动")] == "done"
    assert status[(D, "开展集中学习")] == "pending"
    due = {(r.unit, r.milestone): r.due for r in mm.itertuples()}
    assert due[(B, "制定活动方案")] == date(2024, 4, 30) and due[(A, "制定活动方案")] == date(2024, 2, 29)
    assert len(mm) == 9 + 9 + 11 + 9


def test_a_milestone_name_listed_twice_counts_twice(org: Store, settings) -> None:
    """A campaign that lists 成立领导小组 again in 总结评比 (due 12-31): every listing is a milestone,
    and a unit's row for that name completes both (progress is then counted milestone by milestone
    instead of per unit in SQL)."""
    last = settings.phases[-1]
    again = replace(settings.milestones[0], phase=last.name, due=date(2024, 12, 31))
    twice = replace(settings, phases=(*settings.phases[:-1], replace(last, milestones=(*last.milestones, again))))
    t = m.unit_table(org, twice, Q1).set_index("unit")
    # by 03-31 (see test_summary_q1_all_units): A 2 + 1, B 2 + 1, C 4 + 1 done; D none
    got = {u: (int(t.loc[u].milestones_done), int(t.loc[u].milestones_total), bool(t.loc[u].behind)) for u in t.index}
    assert got == {A: (3, 10, True), B: (3, 10, False), C: (5, 12, True), D: (0, 10, True)}
    mm = m.milestone_matrix(org, twice, Q1)
    assert len(mm) == 10 + 10 + 12 + 10
    assert list(mm[(mm.unit == A) & (mm.milestone == again.name)].status) == ["done", "done"]


def test_unit_table(org: Store, settings) -> None:
    t = m.unit_table(org, settings, Q1).set_index("unit")
    assert list(t.index) == [C, B, A, D]  # pinyin order: ban, er, yi, zhi (not code points: 一 二 办 质)
    assert list(t.reset_index().columns) == [
        "unit",
        "department",
        "unit_type",
        "is_pilot",
        "headcount",
        "participants",
        "participation_rate",
        "training_hours",
        "hours_per_capita",
        "certificates",
        "suggestions",
        "sessions",
        "person_times",
        "points",
        "milestones_done",
        "milestones_total",
        "phase_progress",
        "behind",
        "launched",
        "months_reported",
        "participants_is_lower_bound",
    ]
    a = t.loc[A]
    assert (a.headcount, a.participants, a.training_hours, a.certificates) == (12, 7, 63.5, 6)
    assert a.participation_rate == round(7 / 12, 6) and a.hours_per_capita == round(63.5 / 12, 6)
    assert (a.suggestions, a.sessions, a.person_times) == (3 + 1 + 0, 2 + 1 + 3, 12 + 5 + 20)
    assert a.points == (10 + 8 + 0) + (5 + 15 + 0 + 15)
    assert (a.milestones_done, a.milestones_total, bool(a.behind), bool(a.launched)) == (2, 9, True, True)
    assert (a.months_reported, bool(a.participants_is_lower_bound)) == (3, True)
    c = t.loc[C]
    assert (c.headcount, c.participants, c.training_hours, c.certificates, c.milestones_total) == (6, 3, 10, 1, 11)
    assert not c.participants_is_lower_bound
    d = t.loc[D]  # no data: zeros, roster headcount, still listed
    assert (d.headcount, d.participants, d.training_hours, d.months_reported, bool(d.launched)) == (4, 0, 0, 0, False)
    assert bool(t.loc[B].participants_is_lower_bound)


def test_monthly(org: Store, settings) -> None:
    mo = m.monthly(org, settings, Q1)
    assert list(mo.columns) == [
        "month",
        "headcount",
        "participants",
        "participation_rate",
        "training_hours",
        "certificates",
        "units_reported",
    ]
    rows = [
        tuple(r)
        for r in mo[
            ["month", "headcount", "participants", "training_hours", "certificates", "units_reported"]
        ].itertuples(index=False)
    ]
    assert rows == [
        # headcount: A 10 + B 8 + C roster 5 + D 4; participants A 2 + B 4 + C 2; hours 7 + 16 + 6
        ("2024-01", 10 + 8 + 5 + 4, 2 + 4 + 2, 7 + 16 + 6, 1 + 0, 3),
        ("2024-02", 11 + 9 + 5 + 4, 4 + 6, 31.5 + 18, 4 + 2, 2),
        ("2024-03", 12 + 8 + 6 + 4, 7 + 2, 25 + 4, 1 + 1, 2),
    ]


def test_submission_matrix(org: Store, settings) -> None:
    sm = m.submission_matrix(org, settings, Q1)
    assert list(sm.columns) == [
        "unit",
        "department",
        "month",
        "status",
        "source",
        "last_updated",
        "state",  # 迟报 told apart: tests/test_lateness.py
        "first_received",
        "due",
    ]
    cells = {(r.unit, r.month): (r.status, r.source) for r in sm.itertuples()}
    assert len(cells) == 4 * 3
    assert cells[(A, "2024-01")] == ("reported", "both")
    assert cells[(A, "2024-03")] == ("reported", "summary")
    assert cells[(B, "2024-03")] == ("missing", "")
    assert cells[(C, "2024-01")] == ("reported", "ledger")
    assert cells[(C, "2024-02")] == ("missing", "")
    assert all(cells[(D, mo)] == ("missing", "") for mo in ("2024-01", "2024-02", "2024-03"))
    assert sm[sm.status == "reported"].last_updated.notna().all()


def test_data_quality_five_percent_rule(org: Store, settings) -> None:
    dq = m.data_quality(org, settings, Q1)
    # A 01: 2 vs 6 participants, 7 vs 20 h → listed; A 02: 4 = 4 and |31.5 − 30| = 5 % of 30 exactly
    # → not "more than 5 %"; C 03: 4 h vs a summary of 0 → listed
    assert [(r.unit, r.month) for r in dq.itertuples()] == [(C, "2024-03"), (A, "2024-01")]  # pinyin order
    a = dq[dq.unit == A].iloc[0]
    assert (a.ledger_participants, a.summary_participants, a.ledger_hours, a.summary_hours) == (2, 6, 7, 20)
    assert a.participants_diff == round((2 - 6) / 6, 6)
    c = dq[dq.unit == C].iloc[0]
    assert c.hours_diff is None or c.hours_diff != c.hours_diff  # no ratio to a 0 summary


def test_resolve_period_and_filter_options(org: Store, settings) -> None:
    sel = m.resolve_period(org, m.Selection())
    # the data runs from January to April (B's ledger and C's certificate in April)
    assert (sel.month_from, sel.month_to) == ("2024-01", "2024-04")
    assert m.resolve_period(org, m.Selection(month_to="2024-02")).month_from == "2024-01"
    assert m.resolve_period(org, m.Selection(month_from="2024-02")).month_to == "2024-04"
    opts = m.filter_options(org)
    assert opts == {
        "departments": ["机关", "生产部"],
        "unit_types": ["车间", "科室"],  # pinyin order: che jian, ke shi
        "units": [C, B, A, D],
        "months": ["2024-01", "2024-02", "2024-03", "2024-04"],
    }


def test_empty_store(store: Store, settings) -> None:
    sel = m.resolve_period(store, m.Selection(), today=date(2024, 5, 6))
    assert (sel.month_from, sel.month_to) == ("2024-05", "2024-05")
    j = m.summary(store, settings, sel, today=date(2025, 1, 2)).to_json()
    assert j["units"] == 0 and j["headcount"] == 0 and j["participation_rate"] == 0.0
    assert j["top_learners"] == [] and j["certificates_by_level"] == {} and j["current_phase"] is None
    assert m.unit_table(store, settings, sel).empty
    assert len(m.monthly(store, settings, sel)) == 1


def test_undo_updates_the_figures(org: Store, settings) -> None:
    fix = org.commit(b.parsed("fix.xlsx", ledger=[b.ledger("E03", "张三", A, "2024-01", 2, 1)]), "test")
    s = m.summary(org, settings, m.Selection(units=(A,), month_from="2024-01", month_to="2024-01"))
    assert (s.participants, s.training_hours) == (3, 4 + 3 + 2)
    org.undo(fix.batch_id, "test")
    s = m.summary(org, settings, m.Selection(units=(A,), month_from="2024-01", month_to="2024-01"))
    assert (s.participants, s.training_hours) == (2, 7)


def test_summary_kpis_only_differs_only_in_top_learners_and_levels(org: Store, settings) -> None:
    """The previous period's tiles ask for the KPIs only (``kpis_only=True``)."""
    full = m.summary(org, settings, Q1, today=date(2024, 3, 15))
    kpis_only = m.summary(org, settings, Q1, today=date(2024, 3, 15), kpis_only=True)
    assert full.top_learners and full.certificates_by_level
    assert (kpis_only.top_learners, kpis_only.certificates_by_level) == ([], {})
    assert replace(kpis_only, top_learners=full.top_learners, certificates_by_level=full.certificates_by_level) == full


@pytest.mark.parametrize(
    "sel",
    [
        Q1,
        m.Selection(month_from="2024-02", month_to="2024-02"),
        m.Selection(departments=("生产部",), month_from="2024-01", month_to="2024-03"),
    ],
)
def test_overview_is_exactly_the_separate_functions(org: Store, settings, sel) -> None:
    """The 总览 page's one call gives what the separate functions give."""
    import pandas.testing as pdt

    today = date(2024, 3, 15)
    ov = m.overview(org, settings, sel, today)
    assert ov.summary == m.summary(org, settings, sel, today)
    # the earlier periods' KPIs only when a month of them is stored (2024-01 is: February's 环比)
    previous = m.earlier_kpis(org, settings, sel.previous(), today)
    assert (previous is None) == (sel.previous().month_to < "2024-01")
    if previous is not None:
        assert previous == m.summary(org, settings, sel.previous(), today, kpis_only=True)
    assert m.earlier_kpis(org, settings, sel.same_period_last_year(), today) is None  # nothing in 2023
    pdt.assert_frame_equal(ov.units, m.unit_table(org, settings, sel))
    pdt.assert_frame_equal(ov.matrix, m.milestone_matrix(org, settings, sel))
    pdt.assert_frame_equal(ov.monthly, m.monthly(org, settings, sel))
    pdt.assert_frame_equal(ov.top, m.top_learners(org, settings, sel))
    assert len(ov.top)
