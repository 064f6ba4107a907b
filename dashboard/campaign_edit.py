"""活动设置's tables ⇄ a campaign plan: the phases, milestones and target overrides as the rows an
administrator edits, and back into a ``CampaignPlan`` with every mistake named in the page's words
(``PlanInvalid``: a code for ``i18n``, the table's row as the page shows it, the value).

No Streamlit here: the page (``dashboard.ui.campaign_editor``) draws the tables and shows the
message; this module decides what a table means. Imports ``config`` only.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from typing import Any

from dashboard.config import TARGET_KEYS, CampaignPlan, EvaluationRules, Milestone, Phase, Targets

PHASE_COLUMNS = ("name", "name_en", "start", "end")
MILESTONE_COLUMNS = ("phase", "name", "name_en", "due")
OVERRIDE_COLUMNS = ("scope", "name", "target", "value")  # scope: department | unit
RATE_TARGETS = ("participation_rate", "launch_rate", "phase_progress")  # shares, edited as %


class PlanInvalid(Exception):
    """What an administrator typed cannot be a plan: ``code`` names the mistake (``plan_<code>`` in
    ``i18n``), ``row`` the table's row as the page numbers it (1-based), ``value`` what was typed."""

    def __init__(self, code: str, row: int | None = None, value: Any = None, **params: Any):
        super().__init__(code)
        self.code = code
        self.row = row
        self.value = value
        self.params = params


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _text(v: Any) -> str:
    return "" if _blank(v) else str(v).strip()


def _day(v: Any) -> date | None:
    if _blank(v):
        return None
    if hasattr(v, "date") and callable(v.date):  # a pandas Timestamp or a datetime
        return v.date()
    return v if isinstance(v, date) else None


def phase_rows(plan: CampaignPlan) -> list[dict[str, Any]]:
    return [{"name": p.name, "name_en": p.name_en, "start": p.start, "end": p.end} for p in plan.phases]


def milestone_rows(plan: CampaignPlan) -> list[dict[str, Any]]:
    return [{"phase": m.phase, "name": m.name, "name_en": m.name_en, "due": m.due} for m in plan.milestones]


def override_rows(plan: CampaignPlan) -> list[dict[str, Any]]:
    out = []
    for scope, table in (("department", plan.targets.departments), ("unit", plan.targets.units)):
        for name, values in table.items():
            for key, value in values.items():
                shown = value * 100 if key in RATE_TARGETS else value
                out.append({"scope": scope, "name": name, "target": key, "value": shown})
    return out


def _in_year(d: date | None, year: int, code: str, row: int) -> date:
    if d is None:
        raise PlanInvalid(f"{code}_missing", row)
    if d.year != year:
        raise PlanInvalid(f"{code}_outside_year", row, d.isoformat(), year=year)
    return d


def phases_from_rows(year: int, phases: list[dict[str, Any]], milestones: list[dict[str, Any]]) -> tuple[Phase, ...]:
    """The phases and milestones of the two tables (rows left wholly blank are ignored)."""
    phases = [r for r in phases if not all(_blank(r.get(c)) for c in PHASE_COLUMNS)]
    milestones = [r for r in milestones if not all(_blank(r.get(c)) for c in MILESTONE_COLUMNS)]
    if not phases:
        raise PlanInvalid("no_phase")
    made: dict[str, tuple[str, date, date]] = {}
    for i, r in enumerate(phases, start=1):
        name = _text(r.get("name"))
        if not name:
            raise PlanInvalid("phase_name_missing", i)
        if name in made:
            raise PlanInvalid("phase_twice", i, name)
        start = _in_year(_day(r.get("start")), year, "phase_start", i)
        end = _in_year(_day(r.get("end")), year, "phase_end", i)
        if end < start:
            raise PlanInvalid("phase_ends_before_start", i, name)
        made[name] = (_text(r.get("name_en")) or name, start, end)
    by_phase: dict[str, list[Milestone]] = {name: [] for name in made}
    seen: set[str] = set()
    for i, r in enumerate(milestones, start=1):
        name = _text(r.get("name"))
        if not name:
            raise PlanInvalid("milestone_name_missing", i)
        if name in seen:
            raise PlanInvalid("milestone_twice", i, name)
        seen.add(name)
        phase = _text(r.get("phase"))
        if phase not in made:
            raise PlanInvalid("milestone_phase_unknown", i, phase or "—")
        due = _in_year(_day(r.get("due")), year, "milestone_due", i)
        by_phase[phase].append(Milestone(name, _text(r.get("name_en")) or name, phase, due))
    return tuple(
        Phase(name, en, start, end, tuple(sorted(by_phase[name], key=lambda m: m.due)))
        for name, (en, start, end) in made.items()
    )


def targets_from(defaults: dict[str, float], overrides: list[dict[str, Any]], amber_ratio: float) -> Targets:
    """Targets from the default figures (rates as shares) and the override rows (rates in %)."""
    departments: dict[str, dict[str, float]] = {}
    units: dict[str, dict[str, float]] = {}
    for i, r in enumerate(overrides, start=1):
        if all(_blank(r.get(c)) for c in OVERRIDE_COLUMNS):
            continue
        scope, name, key = _text(r.get("scope")), _text(r.get("name")), _text(r.get("target"))
        if scope not in ("department", "unit"):
            raise PlanInvalid("override_scope_missing", i)
        if not name:
            raise PlanInvalid("override_name_missing", i)
        if key not in TARGET_KEYS:
            raise PlanInvalid("override_target_missing", i)
        value = r.get("value")
        if _blank(value) or float(value) < 0:
            raise PlanInvalid("override_value_bad", i, value)
        value = float(value) / 100 if key in RATE_TARGETS else float(value)
        (departments if scope == "department" else units).setdefault(name, {})[key] = value
    return Targets(
        **{k: float(defaults[k]) for k in TARGET_KEYS}, amber_ratio=amber_ratio, departments=departments, units=units
    )


def edited_plan(
    plan: CampaignPlan,
    *,
    phases: list[dict[str, Any]] | None = None,
    milestones: list[dict[str, Any]] | None = None,
    report_due_day: int | None = None,
    targets: Targets | None = None,
    evaluation: EvaluationRules | None = None,
) -> CampaignPlan:
    """``plan`` with what one form of the page changed."""
    out = plan
    if phases is not None and milestones is not None:
        out = replace(out, phases=phases_from_rows(plan.year, phases, milestones))
    if report_due_day is not None:
        if not 1 <= report_due_day <= 28:
            raise PlanInvalid("due_day_bad", None, report_due_day)
        out = replace(out, report_due_day=report_due_day)
    if targets is not None:
        out = replace(out, targets=targets)
    if evaluation is not None:
        out = replace(out, evaluation=evaluation)
    return out
