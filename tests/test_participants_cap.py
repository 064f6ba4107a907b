"""DESIGN §4: a unit's participants never exceed its headcount; the excess is listed under data
quality with both numbers. Checked against the plain-Python oracle (tests/oracle.py) on every
database.

Units: 甲班 (roster 3 staff, ledger only): January E1 E2 E3, February E2 E3 E4 (E1 left, E4
joined), March E1..E4 (four people, three staff). 乙班 (roster 5, summary 2024-01: 5 staff, 4
took part; summary 2024-02: 4 staff, ledger 2024-02: five people) — its last headcount is 4.
丙班 (roster 10) stays within its headcount.
"""

from __future__ import annotations

import pytest

from dashboard import metrics as m
from data_sources.store import Store
from tests import builders as b
from tests import oracle

X, Y, Z = "甲班", "乙班", "丙班"
ROSTER = [b.roster(X, "一部", 3), b.roster(Y, "一部", 5), b.roster(Z, "二部", 10)]
SUMMARY = [b.summary(Y, "2024-01", 5, 4, 20), b.summary(Y, "2024-02", 4, 4, 20)]
LEDGER = [
    *(b.ledger(e, e, X, "2024-01", 2, 1) for e in ("E1", "E2", "E3")),
    *(b.ledger(e, e, X, "2024-02", 2, 1) for e in ("E2", "E3", "E4")),
    *(b.ledger(e, e, X, "2024-03", 2, 1) for e in ("E1", "E2", "E3", "E4")),
    *(b.ledger(e, e, Y, "2024-02", 3, 1) for e in ("F1", "F2", "F3", "F4", "F5")),
    *(b.ledger(e, e, Z, "2024-02", 3, 1) for e in ("G1", "G2")),
]
FILES = dict(roster=ROSTER, summary=SUMMARY, ledger=LEDGER)
CAMPAIGN: list = []


@pytest.fixture
def org(store: Store) -> Store:
    store.commit(b.parsed("cap.xlsx", **FILES), "test")
    return store


def _rows():
    return oracle.stored_rows([b.parsed("cap.xlsx", **FILES)])


PERIODS = [("2024-01", "2024-03"), ("2024-02", "2024-02"), ("2024-03", "2024-03"), ("2024-01", "2024-01")]


@pytest.mark.parametrize(("first", "last"), PERIODS)
def test_participants_capped_as_the_oracle_says(org: Store, settings, first: str, last: str) -> None:
    sel = m.Selection(month_from=first, month_to=last)
    table = m.unit_table(org, settings, sel).set_index("unit")
    rows = _rows()
    for unit in (X, Y, Z):
        want = oracle.unit_figures(rows, CAMPAIGN, unit, first, last)
        assert (table.loc[unit, "participants"], table.loc[unit, "headcount"]) == (
            want["participants"],
            want["headcount"],
        ), unit
    assert table["participation_rate"].max() <= 1.0
    got = m.summary(org, settings, sel).to_json()
    want = oracle.expected_summary(rows, CAMPAIGN, first, last)
    assert (got["participants"], got["headcount"]) == (want["participants"], want["headcount"])
    assert got["participation_rate"] <= 1.0
    over = m.over_headcount(org, settings, sel)
    assert list(
        over[["unit", "participants", "headcount"]].itertuples(index=False, name=None)
    ) == oracle.over_headcount(rows, CAMPAIGN, first, last)
    monthly = m.monthly(org, settings, sel).set_index("month")
    for month in monthly.index:
        assert (monthly.loc[month, "participants"], monthly.loc[month, "headcount"]) == oracle.monthly_participants(
            rows, month
        ), month
    assert monthly["participation_rate"].max() <= 1.0


def test_the_hand_worked_figures(org: Store, settings) -> None:
    """Q1 by hand: 甲班 counts E1..E4 = 4 of 3 → 3 (100%); 乙班 max(5 in the February ledger, 4 in
    the January summary) = 5 of 4 (its last summary) → 4; 丙班 2 of 10."""
    sel = m.Selection(month_from="2024-01", month_to="2024-03")
    s = m.summary(org, settings, sel).to_json()
    assert (s["participants"], s["headcount"]) == (3 + 4 + 2, 3 + 4 + 10)
    over = m.over_headcount(org, settings, sel)
    assert sorted(over.to_dict("records"), key=lambda r: r["participants"]) == [
        {"unit": X, "department": "一部", "participants": 4, "headcount": 3, "excess": 1},
        {"unit": Y, "department": "一部", "participants": 5, "headcount": 4, "excess": 1},
    ]
    march = m.monthly(org, settings, m.Selection(month_from="2024-03", month_to="2024-03")).iloc[0]
    # March: 甲班 four people of three → 3; 乙班 (roster 5) and 丙班 did not report
    assert (march["participants"], march["headcount"], round(march["participation_rate"], 6)) == (
        3,
        3 + 5 + 10,
        round(3 / 18, 6),
    )


def test_within_headcount_lists_nobody(org: Store, settings) -> None:
    sel = m.Selection(month_from="2024-01", month_to="2024-01", departments=("二部",))
    assert m.over_headcount(org, settings, sel).empty


def test_the_pages_list_the_excess_under_data_quality(tmp_path, monkeypatch) -> None:
    """单位详情 says both numbers; 报送情况 lists the units with more participants than staff."""
    from streamlit.testing.v1 import AppTest

    from dashboard.config import ENV_DB_URL
    from tests.test_pages import APP, TIMEOUT

    url = f"sqlite:///{tmp_path / 'cap.db'}"
    s = Store.open(url)
    try:
        s.commit(b.parsed("cap.xlsx", **FILES), "test")
    finally:
        s.close()
    monkeypatch.setenv(ENV_DB_URL, url)

    def page(name: str, **query: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        for k, v in {"from": "2024-01", "to": "2024-03", **query}.items():
            at.query_params[k] = v
        at.run()
        at.switch_page(f"../pages/{name}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    at = page("unit", unit=X)
    assert (
        "本期统计到 4 名参学职工，多于职工人数 3 人（期间离职人员或花名册未更新）；参学人数按 3 人计，参学率不超过 100%。"
        in [w.value for w in at.warning]
    )
    at = page("submissions")
    (over,) = [df.value for df in at.dataframe if "超出人数" in df.value.columns]
    assert over[["单位", "统计参学人数", "职工人数", "超出人数"]].values.tolist() == [[X, 4, 3, 1], [Y, 5, 4, 1]]
