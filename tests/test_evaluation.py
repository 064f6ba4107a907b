"""考核评比 (DESIGN §4b): the [evaluation] settings, scores, vetoes, both shortlists and the one
ranking order, checked against the independent oracle (tests/oracle_evaluation.py) on the demo and
on a small organisation built for the edge cases, on SQLite, PostgreSQL and MariaDB, through
``python -m dashboard evaluate --json`` and ``units --json``.

The small organisation (P = 2024-01..03, three months; phase progress's target is 0 in its settings):
  G 10 staff: 10 take part, 45 h a month, a certificate a month      → 100, best hours per capita
  A 10 staff: 10 take part, 40 h a month, 1 certificate a month      → 100 } A and B alike in everything:
  B 10 staff: as A, funds not reported                               → 100 } the name decides
  F 100 staff: 99 take part, 400 h a month                           → 100, lower participation
  C 5 staff: two months of three reported, certificates target 0 (unit override), funds 0.5% → vetoed
  E 4 staff: 3 take part                                              → 75%: vetoed on participation
  D 8 staff: never reports                                            → only the phase indicator
  H 8 staff: ledger only (the learners P1..P4): 4 take part, vetoed
"""

from __future__ import annotations

import io
import json
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from dashboard import metrics as m
from dashboard.briefing import build_briefing
from dashboard.cli import main
from dashboard.config import EvaluationRules, SettingsError, load_settings, parse_settings
from dashboard.demo import TEST_TODAY, demo_files
from dashboard.evaluation import evaluate, rank_units, ranking, score_of
from dashboard.evaluation.explain import person_reasons, unit_reasons
from data_sources import store as db
from data_sources.importer import read_and_validate
from data_sources.schema import Kind
from data_sources.store import Store
from tests import builders as b
from tests.conftest import scratch_database
from tests.oracle import stored_rows
from tests.oracle_evaluation import expected_evaluation

ROOT = Path(__file__).resolve().parent.parent
RAW = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
SETTINGS = load_settings()


def settings_with(**sections: dict[str, Any]) -> Any:
    """config.toml with some tables replaced or added (``targets={...}`` merges into [targets])."""
    raw = {**RAW}
    for key, value in sections.items():
        raw[key] = {**raw.get(key, {}), **value} if isinstance(value, dict) else value
    return parse_settings(raw, ROOT)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


# ---- [evaluation] ---------------------------------------------------------------------------


def test_the_shipped_rules_are_the_design_defaults() -> None:
    r = SETTINGS.evaluation
    assert dict(r.weights) == {
        "participation_rate": 30,
        "hours_per_capita": 25,
        "certificates_per_100": 15,
        "phase_progress": 20,
        "submission_rate": 10,
    }
    assert (r.veto_participation_rate, r.min_training_funds_ratio, r.award_min_score, r.award_share) == (
        0.90,
        0.015,
        90,
        0.2,
    )
    assert (r.min_hours_per_month, r.require_certificate, r.individual_awards) == (4, False, 10)
    # without an [evaluation] table the same defaults apply
    raw = {k: v for k, v in RAW.items() if k != "evaluation"}
    assert parse_settings(raw, ROOT).evaluation == r == EvaluationRules()


KNOWN_INDICATORS = "participation_rate, hours_per_capita, certificates_per_100, phase_progress, submission_rate"
KNOWN_KEYS = (
    "weights, veto_participation_rate, min_training_funds_ratio, award_min_score, award_share, "
    "min_hours_per_month, require_certificate, individual_awards"
)


@pytest.mark.parametrize(
    ("evaluation", "message"),
    [
        (
            {"weights": {"participation": 30}},
            f"config.toml: evaluation.weights.participation: unknown indicator; known: {KNOWN_INDICATORS}",
        ),
        (
            {"weights": dict.fromkeys(KNOWN_INDICATORS.split(", "), 0)},
            "config.toml: evaluation.weights: at least one weight must be above 0",
        ),
        (
            {"weights": {"participation_rate": -5}},
            "config.toml: evaluation.weights.participation_rate: must not be negative, got -5",
        ),
        (
            {"weights": {"hours_per_capita": "25"}},
            "config.toml: evaluation.weights.hours_per_capita: expected int/float, got '25'",
        ),
        ({"weights": [30, 25]}, "config.toml: evaluation.weights: expected dict, got [30, 25]"),
        (
            {"veto_participation_rate": 90},
            "config.toml: evaluation.veto_participation_rate: expected a share between 0 and 1, got 90",
        ),
        (
            {"min_training_funds_ratio": 1.5},
            "config.toml: evaluation.min_training_funds_ratio: expected a share between 0 and 1, got 1.5",
        ),
        (
            {"award_min_score": 120},
            "config.toml: evaluation.award_min_score: expected a score between 0 and 100, got 120",
        ),
        ({"award_share": -0.2}, "config.toml: evaluation.award_share: must not be negative, got -0.2"),
        ({"min_hours_per_month": True}, "config.toml: evaluation.min_hours_per_month: expected a number, got True"),
        ({"require_certificate": "yes"}, "config.toml: evaluation.require_certificate: expected bool, got 'yes'"),
        ({"individual_awards": 2.5}, "config.toml: evaluation.individual_awards: expected int, got 2.5"),
        ({"individual_awards": -1}, "config.toml: evaluation.individual_awards: must not be negative, got -1"),
        ({"veto_rate": 0.9}, f"config.toml: evaluation.veto_rate: unknown key; known: {KNOWN_KEYS}"),
    ],
)
def test_a_wrong_evaluation_value_is_refused_naming_its_key(evaluation: dict[str, Any], message: str) -> None:
    raw = {**RAW, "evaluation": evaluation}
    with pytest.raises(SettingsError) as e:
        parse_settings(raw, ROOT)
    assert str(e.value) == message


def test_the_command_line_names_a_wrong_evaluation_key(tmp_path: Path) -> None:
    text = (ROOT / "config.toml").read_text(encoding="utf-8").replace("award_share = 0.2", "award_share = 2")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run("evaluate", "--config", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert code == 3
    assert err == "配置文件错误：evaluation.award_share：expected a share between 0 and 1, got 2\n"


def test_other_weights_for_a_what_if() -> None:
    r = SETTINGS.evaluation.with_weights({"submission_rate": 0, "participation_rate": 50})
    assert dict(r.weights)["participation_rate"] == 50 and r.weight("submission_rate") == 0
    assert r.weight("hours_per_capita") == 25  # not given: kept
    with pytest.raises(SettingsError) as e:
        SETTINGS.evaluation.with_weights({"speed": 1})
    assert e.value.key == "evaluation.weights.speed"


# ---- the small organisation -------------------------------------------------------------------

G, A, B, F, C, E, D, H = "G车间", "A车间", "B车间", "F车间", "C科室", "E科室", "D科室", "H班组"
Q1 = m.Selection(month_from="2024-01", month_to="2024-03")
ORG_SETTINGS = settings_with(
    targets={"phase_progress": 0.0, "units": {C: {"certificates_per_100": 0.0}}},
    evaluation={"individual_awards": 2},
)


def _summary(unit: str, month: str, head: int, part: int, hours: float, certs: int, funds=None, payroll=None):
    row = b.summary(unit, month, head, part, hours, certificates=certs)
    return {**row, "training_funds": funds, "payroll": payroll}


def _org_rows() -> dict[str, list[dict[str, Any]]]:
    roster = [
        b.roster(G, "生产部", 10, "车间", True),
        b.roster(A, "生产部", 10, "车间"),
        b.roster(B, "生产部", 10, "车间"),
        b.roster(F, "生产部", 100, "车间"),
        b.roster(C, "机关", 5, "科室"),
        b.roster(E, "机关", 4, "科室", True),
        b.roster(D, "机关", 8, "科室"),
        b.roster(H, "机关", 8, "班组"),
    ]
    summary = []
    for month in ("2024-01", "2024-02", "2024-03"):
        summary += [
            _summary(G, month, 10, 10, 45, 1, 300, 12_000),
            _summary(A, month, 10, 10, 40, 1, 200, 10_000),
            _summary(B, month, 10, 10, 40, 1),
            _summary(F, month, 100, 99, 400, 1, 2_000, 100_000),
            _summary(E, month, 4, 3, 20, 0, 100, 4_000),
        ]
    summary += [
        _summary(C, "2024-01", 5, 5, 20, 0, 50, 10_000),
        _summary(C, "2024-02", 5, 5, 20, 0, 9_999, None),  # payroll left blank: counts for neither sum
    ]
    ledger = [
        b.ledger("P1", "钱一", H, "2024-01", 5, 30),  # best points, 5 h < 4 × 3: not a 标兵
        b.ledger("P2", "孙二", H, "2024-02", 12, 20),
        b.ledger("P3", "李三", H, "2024-03", 13, 20),  # ties P2 on points, more hours: above P2
        b.ledger("P4", "周四", H, "2024-03", 20, 10),
    ]
    certs = [b.cert("P4", "周四", H, "电工", "中级", date(2024, 3, 1))]
    return {"roster": roster, "summary": summary, "ledger": ledger, "certificates": certs}


BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mysql),
]


@contextmanager
def _database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('eval') / 'store.db'}"
        return
    with scratch_database(backend) as url:
        yield url


@contextmanager
def _store_holding(backend: str, tmp_path_factory: pytest.TempPathFactory, rows: dict[str, Any]) -> Iterator[Store]:
    """A store on ``backend`` with these rows committed (for a module of tests that only read)."""
    with _database(backend, tmp_path_factory) as url:
        store = Store.open(url)
        try:
            store.commit(b.parsed("org.xlsx", **rows), "test")
            yield store
        finally:
            store.close()


@pytest.fixture(scope="module", params=BACKENDS)
def org(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The small organisation, once per database."""
    with _store_holding(request.param, tmp_path_factory, _org_rows()) as store:
        yield store


def _oracle_rows() -> dict[Kind, list[dict[str, Any]]]:
    parsed = b.parsed("org.xlsx", **_org_rows())
    return stored_rows([parsed])


def assert_agrees(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """``evaluate --json`` against the oracle: names, ranks, scores, vetoes and candidates exactly,
    figures to 6 decimals."""
    assert [u["unit"] for u in actual["units"]] == [u["unit"] for u in expected["units"]]
    for a, e in zip(actual["units"], expected["units"], strict=True):
        assert set(a) == {"unit", "department", "score", "rank", "indicators", "funds_ratio", "vetoed_by", "candidate"}
        for k in ("unit", "department", "score", "rank", "vetoed_by", "candidate"):
            assert a[k] == e[k], (a["unit"], k)
        assert a["funds_ratio"] == (None if e["funds_ratio"] is None else pytest.approx(e["funds_ratio"], abs=1e-6))
        assert set(a["indicators"]) == set(e["indicators"])
        for name, fig in e["indicators"].items():
            assert set(a["indicators"][name]) == {"actual", "target", "attainment", "points"}
            for k, v in fig.items():
                assert a["indicators"][name][k] == pytest.approx(v, abs=1e-6), (a["unit"], name, k)
    assert [p["employee_id"] for p in actual["individuals"]] == [p["employee_id"] for p in expected["individuals"]]
    for a, e in zip(actual["individuals"], expected["individuals"], strict=True):
        assert set(a) == {"employee_id", "name", "unit", "points", "hours", "certificates", "candidate"}
        assert (a["name"], a["unit"], a["certificates"], a["candidate"]) == (
            e["name"],
            e["unit"],
            e["certificates"],
            e["candidate"],
        )
        assert (a["points"], a["hours"]) == (pytest.approx(e["points"]), pytest.approx(e["hours"]))


def test_the_small_organisation_scores_as_worked_out(org: Store) -> None:
    ev = evaluate(org, ORG_SETTINGS, Q1)
    got = ev.to_json()
    units = {u["unit"]: u for u in got["units"]}
    # ties: G, A, B, F all score 100; G has more hours per capita, A and B are alike (name), F has
    # the lower participation; then the units below 100
    assert [u["unit"] for u in got["units"]][:4] == [G, A, B, F]
    assert [units[u]["score"] for u in (G, A, B, F)] == [100.0] * 4
    # phase progress's target is 0: attainment 1 for every unit, whatever its milestones
    assert all(u["indicators"]["phase_progress"]["attainment"] == 1.0 for u in got["units"])
    # C's certificate target is 0 (a unit override): 0 certificates reach it
    assert units[C]["indicators"]["certificates_per_100"] == {
        "actual": 0.0,
        "target": 0.0,
        "attainment": 1.0,
        "points": 15.0,
    }
    # C reported two of three months; the February row without payroll is left out of both sums
    assert units[C]["indicators"]["submission_rate"]["actual"] == pytest.approx(2 / 3, abs=1e-6)
    assert units[C]["funds_ratio"] == 0.005 and units[C]["vetoed_by"] == ["training_funds"]
    # E: 3 of 4 = 75% < 90%; D never reported: 0 of 3 months, no funds, vetoed on participation
    assert units[E]["vetoed_by"] == ["participation_rate"]
    assert units[D]["indicators"]["submission_rate"]["actual"] == 0.0
    assert units[D]["funds_ratio"] is None and units[D]["vetoed_by"] == ["participation_rate"]
    assert units[D]["score"] == 20.0  # only the phase indicator (target 0)
    assert units[B]["funds_ratio"] is None  # not reported: no veto
    # 8 units × 0.2 → ceil(1.6) = 2 places: G and A
    assert [u["unit"] for u in got["units"] if u["candidate"]] == [G, A]
    assert ev.award_quota == 2
    # 标兵: P1 has the most points but 5 h < 12; P3 ties P2 on points with more hours
    assert [(p["employee_id"], p["candidate"]) for p in got["individuals"]] == [
        ("P1", False),
        ("P3", True),
        ("P2", True),
    ]
    assert_agrees(got, expected_evaluation(_oracle_rows(), ORG_SETTINGS, "2024-01", "2024-03"))


def test_reasons_are_said_in_words(org: Store) -> None:
    ev = evaluate(org, ORG_SETTINGS, Q1)
    why = {r["unit"]: unit_reasons(ev, r) for r in ev.units.to_dict("records")}
    assert why[G] == [] and why[A] == []
    assert why[B] == ["超出推荐名额（2 个）"]
    assert why[C] == ["一票否决：培训经费占工资总额 0.50%，低于 1.50%"]
    assert why[H] == ["一票否决：参学率 50.0% 低于 90.0%"]
    assert why[E][0] == "一票否决：参学率 75.0% 低于 90.0%"
    en = {r["unit"]: unit_reasons(ev, r, "en") for r in ev.units.to_dict("records")}
    assert en[E][0] == "vetoed: participation 75.0% below 90.0%"
    p1 = ev.individuals.iloc[0].to_dict()
    assert person_reasons(ev, p1) == ["学时 5.0 少于 12.0"]
    assert person_reasons(ev, p1, "en") == ["5.0 hours, fewer than 12.0"]


@pytest.mark.parametrize(
    "rules",
    [
        # weights that do not add up to 100: scaled, the same scores as 30/25/15/20/10
        EvaluationRules().with_weights(
            {
                "participation_rate": 3,
                "hours_per_capita": 2.5,
                "certificates_per_100": 1.5,
                "phase_progress": 2,
                "submission_rate": 1,
            }
        ),
        EvaluationRules().with_weights({"participation_rate": 1, "hours_per_capita": 0, "phase_progress": 0}),
        replace(EvaluationRules(), award_share=0.5, award_min_score=95, individual_awards=1, require_certificate=True),
        replace(EvaluationRules(), veto_participation_rate=0.0, min_training_funds_ratio=0.0, award_share=1.0),
        replace(EvaluationRules(), individual_awards=0),
    ],
    ids=["weights-sum-10", "one-weight", "share-cert", "no-veto", "no-individuals"],
)
def test_other_rules_agree_with_the_oracle(org: Store, rules: EvaluationRules) -> None:
    got = evaluate(org, ORG_SETTINGS, Q1, rules).to_json()
    assert_agrees(got, expected_evaluation(_oracle_rows(), ORG_SETTINGS, "2024-01", "2024-03", rules=rules))


def test_weights_that_do_not_add_up_to_100_are_scaled(org: Store) -> None:
    default = evaluate(org, ORG_SETTINGS, Q1).to_json()
    tenth = EvaluationRules().with_weights(
        {
            "participation_rate": 3,
            "hours_per_capita": 2.5,
            "certificates_per_100": 1.5,
            "phase_progress": 2,
            "submission_rate": 1,
        }
    )
    scaled = evaluate(org, ORG_SETTINGS, Q1, tenth).to_json()
    assert [(u["unit"], u["score"]) for u in scaled["units"]] == [(u["unit"], u["score"]) for u in default["units"]]


def test_weights_change_the_ranking(org: Store) -> None:
    only_participation = EvaluationRules().with_weights(
        {
            "participation_rate": 1,
            "hours_per_capita": 0,
            "certificates_per_100": 0,
            "phase_progress": 0,
            "submission_rate": 0,
        }
    )
    got = evaluate(org, ORG_SETTINGS, Q1, only_participation).to_json()
    units = {u["unit"]: u for u in got["units"]}
    assert units[C]["score"] == 100.0  # five of five; its missing month no longer costs anything
    default = {u["unit"]: u["rank"] for u in evaluate(org, ORG_SETTINGS, Q1).to_json()["units"]}
    assert units[C]["rank"] < default[C]


def test_a_period_after_the_last_report_has_no_month_due(org: Store) -> None:
    later = m.Selection(month_from="2024-05", month_to="2024-06")
    got = evaluate(org, ORG_SETTINGS, later).to_json()
    assert all(u["indicators"]["submission_rate"]["actual"] == 1.0 for u in got["units"])
    assert_agrees(got, expected_evaluation(_oracle_rows(), ORG_SETTINGS, "2024-05", "2024-06"))


def test_an_empty_store_scores_nothing(store: Store) -> None:  # the per-test store: empty
    ev = evaluate(store, SETTINGS, m.Selection())
    assert ev.to_json() == {"units": [], "individuals": []}
    assert ev.award_quota == 0


# ---- the demo organisation, against the oracle, on every database ----------------------------

SELECTIONS = [
    ("2024-01", "2024-12", {}),  # the year
    ("2024-01", "2024-12", {"departments": ("生产系统",)}),
    ("2024-01", "2024-12", {"unit_types": ("科室",)}),
    ("2024-01", "2024-12", {"pilot_only": True}),
    ("2024-01", "2024-12", {"units": ("包装车间",)}),
    ("2024-12", "2024-12", {}),  # a month
    ("2024-04", "2024-06", {}),  # a quarter
    ("2024-07", "2024-09", {"departments": ("机关",)}),
]


def _argv(first: str, last: str, filters: dict[str, Any]) -> list[str]:
    argv = ["--from", first, "--to", last]
    for d in filters.get("departments", ()):
        argv += ["--department", d]
    for t in filters.get("unit_types", ()):
        argv += ["--type", t]
    for u in filters.get("units", ()):
        argv += ["--unit", u]
    if filters.get("pilot_only"):
        argv.append("--pilot")
    return argv


@pytest.fixture(scope="module")
def demo_rows() -> dict[Kind, list[dict[str, Any]]]:
    return stored_rows([read_and_validate(buf, name, SETTINGS) for name, buf in demo_files(SETTINGS, TEST_TODAY)])


@pytest.fixture(scope="module", params=BACKENDS)
def demo_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _database(request.param, tmp_path_factory) as url:
        assert run("demo", "--today", TEST_TODAY.isoformat(), "--db", url)[0] == 0
        yield url


def test_evaluate_json_agrees_with_the_oracle_on_the_demo(demo_url: str, demo_rows) -> None:
    for first, last, filters in SELECTIONS:
        code, out, err = run("evaluate", "--db", demo_url, *_argv(first, last, filters), "--json")
        assert code == 0, err
        got = json.loads(out)
        assert set(got) == {"units", "individuals"}
        assert_agrees(got, expected_evaluation(demo_rows, SETTINGS, first, last, **filters))


def test_units_json_is_the_evaluation_ranking(demo_url: str) -> None:
    for first, last, filters in SELECTIONS[:3]:
        argv = ["--db", demo_url, *_argv(first, last, filters), "--json"]
        units = json.loads(run("units", *argv)[1])
        scores = json.loads(run("evaluate", *argv)[1])["units"]
        assert [(u["unit"], u["rank"], u["score"]) for u in units] == [
            (u["unit"], u["rank"], u["score"]) for u in scores
        ]
        # every metric of 单位排名 is there, plus the score
        assert set(m.UNIT_COLUMNS) | {"rank", "score", "funds_ratio", "vetoed_by", "candidate"} <= set(units[0])


def test_the_demo_shows_every_case(demo_url: str) -> None:
    got = json.loads(run("evaluate", "--db", demo_url, "--json")[1])
    units = {u["unit"]: u for u in got["units"]}
    assert units["供销科"]["vetoed_by"] == ["participation_rate"]
    assert units["水汽车间"]["vetoed_by"] == ["training_funds"] and units["水汽车间"]["funds_ratio"] < 0.015
    assert units["仪表车间"]["funds_ratio"] is None and units["质检科"]["funds_ratio"] is None
    assert sum(u["funds_ratio"] is not None for u in got["units"]) == 8
    assert [u["unit"] for u in got["units"] if u["candidate"]] == ["机关支部", "塑编车间"]
    assert sum(p["candidate"] for p in got["individuals"]) == SETTINGS.evaluation.individual_awards


def test_evaluate_speaks_chinese_and_english(demo_url: str) -> None:
    code, zh, _ = run("evaluate", "--db", demo_url)
    assert code == 0
    assert zh.splitlines()[0] == "考核评比 2024-01 至 2024-12：10 个单位，先进集体名额 2 个"
    assert "先进集体候选：机关支部、塑编车间" in zh
    assert "一票否决：培训经费占工资总额 1.18%，低于 1.50%" in zh
    code, en, _ = run("evaluate", "--db", demo_url, "--lang", "en")
    assert en.splitlines()[0] == "Evaluation 2024-01 to 2024-12: 10 units, 2 collective place(s)"
    assert "Advanced collective candidates: 机关支部, 塑编车间" in en
    code, units, _ = run("units", "--db", demo_url, "--lang", "en", "--from", "2024-12", "--to", "2024-12")
    assert units.splitlines()[0] == (
        "Unit ranking 2024-12 to 2024-12 (10 units; score, participation, hours per capita, name)"
    )
    assert run("units", "--db", demo_url, "--from", "2024-05", "--to", "2024-04") == (
        2,
        "",
        "起始月份 2024-05 晚于截止月份 2024-04\n",
    )


def test_the_briefing_ranks_as_units_json(demo_url: str) -> None:
    from openpyxl import load_workbook

    store = Store.open(demo_url)
    try:
        sel = m.resolve_period(store, m.Selection(month_from="2024-12", month_to="2024-12"))
        table = ranking(store, SETTINGS, sel)
        summary = m.summary(store, SETTINGS, sel)
        data = build_briefing(SETTINGS, summary, table, None, None, None)
    finally:
        store.close()
    ws = load_workbook(io.BytesIO(data))["单位排名"]
    header = [c.value for c in ws[2]]
    names = [ws.cell(row=r, column=header.index("单位") + 1).value for r in range(3, 3 + len(table))]
    cli = json.loads(run("units", "--db", demo_url, "--from", "2024-12", "--to", "2024-12", "--json")[1])
    assert names == [u["unit"] for u in cli]
    assert "考核得分" in header and "一票否决" in header


# ---- the one ranking order -------------------------------------------------------------------


def test_rank_units_orders_by_score_participation_hours_then_name() -> None:
    df = pd.DataFrame(
        {
            "unit": ["乙", "甲", "丙", "丁", "戊"],
            "score": [90.0, 90.0, 90.0, 95.0, 90.0],
            "participation_rate": [0.9, 0.9, 0.95, 0.5, 0.9],
            "hours_per_capita": [5.0, 5.0, 1.0, 1.0, 6.0],
        }
    )
    ranked = rank_units(df)
    # 丁 the best score; 丙 the best participation; 戊 more hours; 乙 (U+4E59) and 甲 (U+7532) tie on
    # everything: by code point
    assert list(ranked["unit"]) == ["丁", "丙", "戊", "乙", "甲"]
    assert list(ranked["rank"]) == [1, 2, 3, 4, 5] and ranked.columns[0] == "rank"


@hsettings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([80.0, 90.0, 90.5, 100.0]),
            st.sampled_from([0.5, 0.9, 1.0]),
            st.sampled_from([1.0, 2.5, 7.0]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_rank_units_is_a_sort_by_the_four_keys(rows: list[tuple[float, float, float]]) -> None:
    df = pd.DataFrame(
        [
            {"unit": f"U{i:02d}", "score": s, "participation_rate": p, "hours_per_capita": h}
            for i, (s, p, h) in enumerate(rows)
        ]
    )
    want = sorted(
        df.to_dict("records"), key=lambda r: (-r["score"], -r["participation_rate"], -r["hours_per_capita"], r["unit"])
    )
    assert list(rank_units(df)["unit"]) == [r["unit"] for r in want]


@pytest.mark.parametrize(
    ("total", "shown"),
    [(92.25, 92.3), (92.35, 92.4), (89.95, 90.0), (0.0499994, 0.0), (100.0, 100.0), (92.24999999999, 92.3)],
)
def test_the_score_is_rounded_half_up_to_one_decimal(total: float, shown: float) -> None:
    """四舍五入 at one decimal; float noise past the sixth decimal (a sum of 25 × 0.9 …) is no
    reason to round down."""
    assert score_of(total) == shown


def test_a_unit_page_selection_of_one_unit_uses_its_overrides(org: Store) -> None:
    one = m.Selection(units=(C,), month_from="2024-01", month_to="2024-03")
    got = evaluate(org, ORG_SETTINGS, one).to_json()
    assert [u["unit"] for u in got["units"]] == [C]
    assert got["units"][0]["indicators"]["certificates_per_100"]["target"] == 0.0
    assert_agrees(got, expected_evaluation(_oracle_rows(), ORG_SETTINGS, "2024-01", "2024-03", units=(C,)))


def test_the_demo_stores_its_funds_in_yuan(demo_url: str, demo_rows) -> None:
    """The demo's 月报 writes 工资总额 in 万元 and 职工教育经费 in 元: both are stored in 元, blanks
    as NULL, on every database."""
    store = Store.open(demo_url)
    sr = db.summary_rows
    try:
        with store.engine.connect() as conn:
            q = sa.select(sr.c.unit, sr.c.month, sr.c.training_funds, sr.c.payroll)
            got = {(r[0], r[1]): (r[2], r[3]) for r in conn.execute(q)}
    finally:
        store.close()
    want = {(r["unit"], r["month"]): (r.get("training_funds"), r.get("payroll")) for r in demo_rows[Kind.SUMMARY]}
    assert got == want
    assert got[("成型车间", "2024-03")][1] is None and got[("仪表车间", "2024-03")] == (None, None)
    payroll = got[("机关支部", "2024-03")][1]
    assert payroll is not None and 50 * 7_000 < payroll < 50 * 12_000  # 50 staff's month in 元, not 万元


# ---- a leaderboard whose top lacks hours ------------------------------------------------------

CROWD_UNITS = ("甲班", "乙班")


def _crowd_rows() -> dict[str, list[dict[str, Any]]]:
    """150 people with many points and few hours over two months; four below them with enough
    (one of them moved units, one holds a certificate); 乙班's people are outside a 甲班 filter."""
    ledger = []
    for i in range(150):
        for month in ("2024-05", "2024-06"):
            ledger.append(b.ledger(f"C{i:03d}", f"众{i}", CROWD_UNITS[i % 2], month, 1.5, 50 - i % 7))
    ledger += [
        b.ledger("Q1", "达一", "甲班", "2024-05", 5, 10),
        b.ledger("Q1", "达一", "甲班", "2024-06", 4, 10),
        b.ledger("Q2", "达二", "甲班", "2024-05", 8, 9),
        b.ledger("Q2", "达二", "乙班", "2024-06", 1, 11),  # moved: 9 h over both units
        b.ledger("Q3", "达三", "乙班", "2024-06", 8, 19.5),
        b.ledger("Q4", "达四", "甲班", "2024-06", 30, 1),
        b.ledger("Q3", "达三", "乙班", "2023-12", 2, 0.5),  # the year before: two years' rows
    ]
    ledger += [b.ledger(f"C{i:03d}", f"众{i}", CROWD_UNITS[i % 2], "2023-12", 1.5, 5) for i in range(10)]
    certs = [b.cert("Q4", "达四", "甲班", "电工", "初级", date(2024, 6, 3))]
    roster = [b.roster(u, "车间", 100) for u in CROWD_UNITS]
    return {"roster": roster, "ledger": ledger, "certificates": certs}


@pytest.fixture(scope="module", params=BACKENDS)
def crowd(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with _store_holding(request.param, tmp_path_factory, _crowd_rows()) as store:
        yield store


@pytest.mark.parametrize(
    ("rules", "units", "first"),
    [
        (replace(EvaluationRules(), individual_awards=2), (), "2024-05"),
        (replace(EvaluationRules(), individual_awards=3), ("甲班",), "2024-05"),
        (replace(EvaluationRules(), individual_awards=2, require_certificate=True), (), "2024-05"),
        (replace(EvaluationRules(), individual_awards=5, min_hours_per_month=20), (), "2024-05"),  # nobody
        # a period across two years (7 months; at least 7 h): the people are summed over the years
        (replace(EvaluationRules(), individual_awards=3, min_hours_per_month=1), (), "2023-12"),
    ],
    ids=["two", "one-unit", "certificate", "nobody", "two-years"],
)
def test_candidates_far_down_the_leaderboard(
    crowd: Store, rules: EvaluationRules, units: tuple[str, ...], first: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The top 150 have 3 h over two months (< 4 × 2): the candidates are found below them without
    reading the leaderboard down to them, and the list shows the board's first people with the
    reason."""
    asked: list[int | None] = []
    top_learners = m.top_learners

    def counting(*args: Any, n: int | None = None, **kw: Any) -> Any:
        asked.append(n)
        return top_learners(*args, n=n, **kw)

    monkeypatch.setattr(m, "top_learners", counting)
    sel = m.Selection(units=units, month_from=first, month_to="2024-06")
    ev = evaluate(crowd, SETTINGS, sel, rules)
    assert asked == [100]  # the top of the board only: the database finds those further down
    got = ev.to_json()
    rows = stored_rows([b.parsed("crowd.xlsx", **_crowd_rows())])
    assert_agrees(got, expected_evaluation(rows, SETTINGS, first, "2024-06", units=units, rules=rules))
    listed = got["individuals"]
    assert all(not p["candidate"] for p in listed[: rules.individual_awards] if p["employee_id"].startswith("C"))
    assert all("hours_below_minimum" in r for r in ev.individuals["excluded_by"][: rules.individual_awards])
