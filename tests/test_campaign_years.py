"""The campaign year after year (issue 15): a plan per year in the store, config.toml seeding its
year, each year's figures by its own milestones and targets (against the oracle, on SQLite,
PostgreSQL and MariaDB), the plan's document and TOML round trips, and the command line."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from dashboard import campaigns
from dashboard import metrics as m
from dashboard.cli import main
from dashboard.config import CampaignPlan, Milestone, Phase, SettingsError, Targets, parse_plan
from data_sources.access import audit_entries
from data_sources.store import Store
from tests import builders as b
from tests import oracle

A, B = "甲车间", "乙车间"
ROSTER = [b.roster(A, "生产", 10), b.roster(B, "生产", 20)]
SUMMARY = [
    b.summary(u, f"{y}-{mo:02d}", h, h // 2, 10 * mo)
    for u, h in ((A, 10), (B, 20))
    for y in (2024, 2025)
    for mo in (1, 2, 3)
]
# 2024's plan is config.toml's (成立领导小组 …); 2025 has its own milestones, with rows of both years
MILESTONES = [
    b.milestone(A, "成立领导小组", done=date(2024, 1, 20)),
    b.milestone(B, "成立领导小组", done=date(2024, 2, 5)),
    b.milestone(A, "制定活动方案", done=date(2024, 3, 1)),
    b.milestone(A, "修订学习计划", phase="动员部署", done=date(2025, 1, 10)),
    b.milestone(B, "修订学习计划", phase="动员部署", done=None),
    b.milestone(A, "年度技能比武", phase="动员部署", done=date(2025, 3, 15)),
]


def plan_2025(settings) -> CampaignPlan:
    """Other phases and milestones than 2024's, and other targets."""
    phase = Phase(
        "动员部署",
        "Deployment",
        date(2025, 1, 1),
        date(2025, 12, 31),
        (
            Milestone("修订学习计划", "Revise the study plan", "动员部署", date(2025, 1, 31)),
            Milestone("年度技能比武", "Skills contest", "动员部署", date(2025, 3, 31)),
            Milestone("年度总结", "Year's summary", "动员部署", date(2025, 12, 15)),
        ),
    )
    targets = replace(
        settings.targets, participation_rate=0.5, hours_per_capita_month=1.0, units={B: {"participation_rate": 0.4}}
    )
    return CampaignPlan(2025, (phase,), targets, settings.evaluation, 15)


@pytest.fixture
def two_years(store: Store, settings) -> Store:
    store.commit(b.parsed("years.xlsx", roster=ROSTER, summary=SUMMARY, milestones=MILESTONES), "test")
    campaigns.save_plan(store, settings, plan_2025(settings), "管理员", how="edit")
    return store


def _campaign(plan: CampaignPlan) -> list[tuple[str, date]]:
    return [(ms.name, ms.due) for ms in plan.milestones]


@pytest.mark.parametrize(
    ("year", "month_from", "month_to"),
    [
        (2024, "2024-01", "2024-03"),
        (2025, "2025-01", "2025-03"),
        (2025, "2025-02", "2025-02"),
        (2024, "2024-01", "2024-12"),
    ],
)
def test_each_year_has_the_figures_of_its_own_plan(two_years: Store, settings, year, month_from, month_to) -> None:
    sel = m.Selection(month_from=month_from, month_to=month_to)
    year_settings = campaigns.settings_for(two_years, settings, sel)
    assert year_settings.year == year
    got = m.summary(two_years, year_settings, sel).to_json()
    rows = oracle.stored_rows([b.parsed("years.xlsx", roster=ROSTER, summary=SUMMARY, milestones=MILESTONES)])
    want = oracle.expected_summary(rows, _campaign(year_settings.plan), month_from, month_to)
    for key in (
        "units",
        "headcount",
        "participants",
        "training_hours",
        "launch_rate",
        "phase_progress",
        "units_behind",
    ):
        assert got[key] == pytest.approx(want[key], abs=1e-6), key


def test_a_milestone_done_last_year_is_not_done_this_year(two_years: Store, settings) -> None:
    """成立领导小组 was done in 2024: 2024's progress counts it, 2025's plan does not have it and
    its rows do not leak into 2025 as extra milestones."""
    s24 = campaigns.settings_for_year(two_years, settings, 2024)
    s25 = campaigns.settings_for_year(two_years, settings, 2025)
    sel24 = m.Selection(month_from="2024-01", month_to="2024-12")
    sel25 = m.Selection(month_from="2025-01", month_to="2025-12")
    matrix24 = m.milestone_matrix(two_years, s24, sel24)
    matrix25 = m.milestone_matrix(two_years, s25, sel25)
    assert set(matrix24["milestone"]) == {ms.name for ms in settings.milestones}
    assert set(matrix25["milestone"]) == {"修订学习计划", "年度技能比武", "年度总结"}
    done25 = set(matrix25[matrix25["status"] == "done"][["unit", "milestone"]].itertuples(index=False, name=None))
    assert done25 == {(A, "修订学习计划"), (A, "年度技能比武")}


def test_targets_and_rules_are_the_years(two_years: Store, settings) -> None:
    s25 = campaigns.settings_for_year(two_years, settings, 2025)
    assert s25.targets.for_scope("participation_rate", unit=B) == 0.4
    assert s25.targets.participation_rate == 0.5
    assert s25.report_due_day == 15
    s24 = campaigns.settings_for_year(two_years, settings, 2024)
    assert s24.plan == settings.plan  # config.toml's year keeps config.toml's plan until one is saved


def test_years_offered_and_where_each_plan_comes_from(two_years: Store, settings) -> None:
    assert campaigns.campaign_years(two_years, settings) == [2024, 2025]
    assert campaigns.year_plan(two_years, settings, 2025).source == "stored"
    assert campaigns.year_plan(two_years, settings, 2024).source == "stored"  # seeded by the first save
    later = campaigns.year_plan(two_years, settings, 2027)
    assert (later.source, later.from_year, later.plan.year) == ("inherited", 2025, 2027)
    assert [ms.due for ms in later.plan.milestones] == [date(2027, 1, 31), date(2027, 3, 31), date(2027, 12, 15)]
    earlier = campaigns.year_plan(two_years, settings, 2020)
    assert (earlier.source, earlier.from_year) == ("inherited", 2024)


@pytest.mark.parametrize(
    ("years", "today", "expected"),
    [([2024, 2025], date(2025, 6, 1), 2025), ([2024, 2025], date(2026, 12, 1), 2025), ([2027], date(2026, 1, 1), 2027)],
)
def test_the_app_opens_on_this_year_or_the_latest_before_it(years, today, expected) -> None:
    assert campaigns.default_year(years, today) == expected


def test_config_seeds_its_year_until_the_first_save_stores_it(store: Store, settings) -> None:
    """config.toml's plan is its year's while the store holds none; the first save of another year
    stores it too, so a later edit of config.toml no longer changes a year the store keeps."""
    assert campaigns.year_plan(store, settings, 2024) == campaigns.YearPlan(settings.plan, "config")
    assert campaigns.plans(store, settings) == {2024: settings.plan}
    campaigns.save_plan(store, settings, campaigns.moved_to(settings.plan, 2025), "管理员", how="copy")
    assert campaigns.stored_plans(store) == {2024: settings.plan, 2025: campaigns.moved_to(settings.plan, 2025)}
    edited_config = replace(settings, targets=replace(settings.targets, participation_rate=0.5))
    assert campaigns.settings_for_year(store, edited_config, 2024).targets == settings.targets
    log = [(e.action, e.detail["year"], e.detail["how"]) for e in audit_entries(store, 2)]
    assert log == [("campaign_plan", 2025, "copy"), ("campaign_plan", 2024, "config")]


def test_saving_a_plan_changes_the_data_version_and_is_audited(store: Store, settings) -> None:
    before = store.data_version()
    assert (
        campaigns.save_plan(store, settings, campaigns.moved_to(settings.plan, 2025), "管理员", how="copy") == 1
    )  # and 2024's
    middle = store.data_version()
    assert campaigns.save_plan(store, settings, campaigns.moved_to(settings.plan, 2025), "管理员", how="edit") == 2
    assert len({before, middle, store.data_version()}) == 3
    entry = audit_entries(store, limit=1)[0]
    assert (entry.user, entry.action, entry.detail) == (
        "管理员",
        "campaign_plan",
        {"year": 2025, "revision": 2, "how": "edit"},
    )
    assert campaigns.stored_plans(store)[2025] == campaigns.moved_to(settings.plan, 2025)


def test_copying_keeps_month_and_day_and_the_end_of_february(settings) -> None:
    copied = campaigns.moved_to(settings.plan, 2025)
    assert [(ms.name, ms.due.month, ms.due.day) for ms in copied.milestones][:2] == [
        ("成立领导小组", 1, 31),
        ("制定活动方案", 2, 28),
    ]
    assert copied.year == 2025 and copied.targets == settings.targets and copied.evaluation == settings.evaluation


# ---- the document and TOML round trips ------------------------------------------------------

names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 12, 31))
share = st.floats(min_value=0, max_value=1, allow_nan=False)


@st.composite
def plans(draw) -> CampaignPlan:
    phase_names = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    ms_names = iter(draw(st.lists(names, min_size=len(phase_names) * 2, max_size=len(phase_names) * 2, unique=True)))
    phases = []
    for pn in phase_names:
        start, end = sorted(draw(st.lists(days, min_size=2, max_size=2)))
        ms = tuple(Milestone(n, n + "_en", pn, draw(days)) for n in (next(ms_names), next(ms_names)))
        phases.append(Phase(pn, pn + " en", start, end, ms))
    targets = Targets(
        draw(share),
        draw(share),
        draw(st.floats(0, 50)),
        draw(st.floats(0, 50)),
        draw(share),
        draw(share),
        {},
        {draw(names): {"participation_rate": draw(share)}},
    )
    return CampaignPlan(2024, tuple(phases), targets, report_due_day=draw(st.integers(1, 28)))


@hsettings(max_examples=60, deadline=None)
@given(plans())
def test_a_plan_survives_its_document_and_its_toml(plan: CampaignPlan) -> None:
    assert parse_plan(campaigns.plan_document(plan)) == plan
    assert campaigns.read_plan_toml(campaigns.plan_toml(plan)) == plan


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("[campaign]\nyear = 2025\nphases = []\n", "campaign.phases", "at least one phase is needed"),
        (
            "[campaign]\nyear = 2025\nreport_due_day = 31\nphases = []\n",
            "campaign.report_due_day",
            "expected a day from 1 to 28, got 31",
        ),
        ("[database]\nurl = 'x'\n", "database", "a plan holds only [campaign], [targets] and [evaluation]"),
        (
            '[campaign]\nyear = 2025\n[[campaign.phases]]\nname = "甲"\nstart = "03-01"\nend = "02-01"\n',
            "campaign.phases[0].end",
            "ends before it starts",
        ),
    ],
)
def test_a_wrong_plan_file_names_its_key(text: str, key: str, problem: str) -> None:
    with pytest.raises(SettingsError) as e:
        campaigns.read_plan_toml(text)
    assert (e.value.key, e.value.problem) == (key, problem)


# ---- the command line -----------------------------------------------------------------------


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_campaign_copy_export_edit_import_and_list(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert run("campaign", "copy", "2025", "--db", db, "--user", "it") == (
        0,
        "已按2024年度计划建立2025年度活动计划（第 1 版）\n",
        "",
    )
    path = tmp_path / "2025.toml"
    assert run("campaign", "export", str(path), "--year", "2025", "--db", db)[0] == 0
    path.write_text(path.read_text(encoding="utf-8").replace('due = "01-31"', 'due = "02-15"'), encoding="utf-8")
    assert run("campaign", "import", str(path), "--db", db, "--user", "it") == (
        0,
        "已保存2025年度活动计划（第 2 版）\n",
        "",
    )
    code, out, _ = run("campaign", "list", "--db", db)
    assert (code, out) == (0, "2024年度：活动计划已保存在数据库中\n2025年度：活动计划已保存在数据库中\n")
    code, out, _ = run("campaign", "export", "-", "--year", "2025", "--db", db)
    assert 'name = "成立领导小组", name_en = "Set up the leading group", due = "02-15"' in out


def test_a_wrong_plan_file_is_one_line_and_nothing_stored(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    path = tmp_path / "bad.toml"
    path.write_text("[campaign]\nyear = 2025\nreport_due_day = 0\nphases = []\n", encoding="utf-8")
    assert run("campaign", "import", str(path), "--db", db) == (
        1,
        "",
        f"{path}：campaign.report_due_day：expected a day from 1 to 28, got 0\n",
    )
    assert run("campaign", "list", "--db", db)[1] == "2024年度：活动计划来自 config.toml\n"


def test_a_period_over_two_years_says_whose_plan_it_uses(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    code, _, err = run("summary", "--from", "2024-10", "--to", "2025-03", "--db", db)
    assert (code, err) == (
        0,
        "提示：2024-10 至 2025-03 跨越两个活动年度，工作事项、目标值和考核规则按2025年度计划计算\n",
    )
    code, out, err = run("summary", "--year", "2024", "--db", db, "--lang", "en")
    assert (code, err, out.splitlines()[0]) == (0, "", "Period 2024-01 to 2024-12")
