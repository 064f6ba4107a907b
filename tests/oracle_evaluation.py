"""An independent, deliberately naive implementation of DESIGN.md §4b (考核评比) in plain Python.

It computes from the typed rows the files held (``oracle.stored_rows``) with exact fractions, and
shares no code with dashboard/ (no metrics, no briefing targets, no evaluation): the targets are
resolved from the settings' raw override tables, the score rounded half up by hand, the ranking
sorted by tuples. Comparing it with ``python -m dashboard evaluate --json`` checks the SQL and the
scoring against the definitions.
"""

from __future__ import annotations

import calendar
from datetime import date
from fractions import Fraction
from typing import Any

from data_sources.schema import Kind
from tests.oracle import chosen_units, ranked_learners, unit_figures

WEIGHT_KEYS = ("participation_rate", "hours_per_capita", "certificates_per_100", "phase_progress", "submission_rate")


def _q(x: float) -> Fraction:
    """A float figure (a sum of hours with at most a few decimals) as the exact decimal it is."""
    return Fraction(str(round(x, 6)))


def _months(first: str, last: str) -> list[str]:
    out = []
    y, m = int(first[:4]), int(first[5:7])
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _target(settings: Any, key: str, department: str | None, unit: str) -> Fraction:
    t = settings.targets
    if key in t.units.get(unit, {}):
        return Fraction(str(t.units[unit][key]))
    if department is not None and key in t.departments.get(department, {}):
        return Fraction(str(t.departments[department][key]))
    return Fraction(str(getattr(t, key)))


def _half_up(x: Fraction) -> float:
    """One decimal, half up (四舍五入), exactly."""
    tenths = x * 10
    n = tenths.numerator // tenths.denominator
    if tenths - n >= Fraction(1, 2):
        n += 1
    return n / 10


def expected_evaluation(
    rows: dict[Kind, list[dict[str, Any]]],
    settings: Any,
    month_from: str,
    month_to: str,
    departments: tuple[str, ...] = (),
    units: tuple[str, ...] = (),
    unit_types: tuple[str, ...] = (),
    pilot_only: bool = False,
    rules: Any = None,
) -> dict[str, Any]:
    """What ``evaluate --json`` must print for this selection (numbers as floats)."""
    rules = rules or settings.evaluation
    roster = {r["unit"]: r for r in rows[Kind.ROSTER]}
    chosen = chosen_units(rows, departments, units, unit_types, pilot_only)
    campaign = [(m.name, m.due) for m in settings.milestones]
    months = _months(month_from, month_to)
    end = date(int(month_to[:4]), int(month_to[5:7]), calendar.monthrange(int(month_to[:4]), int(month_to[5:7]))[1])
    share = (
        Fraction(sum(1 for m in settings.milestones if m.due <= end), len(settings.milestones))
        if settings.milestones
        else Fraction(1)
    )
    # 报送率: months of P up to the latest month any unit reported (summary, ledger or certificates)
    reported: dict[str, set[str]] = {}
    for r in rows[Kind.SUMMARY] + rows[Kind.LEDGER]:
        reported.setdefault(r["unit"], set()).add(r["month"])
    for r in rows[Kind.CERTIFICATES]:
        reported.setdefault(r["unit"], set()).add(r["cert_date"].strftime("%Y-%m"))
    latest = max((m for ms in reported.values() for m in ms), default=None)
    due = [m for m in months if latest is not None and m <= latest]
    weights = dict(rules.weights)
    total_weight = Fraction(str(sum(weights.values())))

    units_out = []
    for u in chosen:
        dept = (roster.get(u) or {}).get("department")
        f = unit_figures(rows, campaign, u, month_from, month_to)
        head = f["headcount"]
        participation = min(Fraction(f["participants"], head), Fraction(1)) if head else Fraction(0)
        hours = _q(f["hours"])
        actual = {
            "participation_rate": participation,
            "hours_per_capita": hours / head if head else Fraction(0),
            "certificates_per_100": Fraction(f["certificates"] * 100, head) if head else Fraction(0),
            "phase_progress": Fraction(f["milestones_done"], f["milestones_total"])
            if f["milestones_total"]
            else Fraction(0),
            "submission_rate": Fraction(len([m for m in due if m in reported.get(u, set())]), len(due))
            if due
            else Fraction(1),
        }
        target = {
            "participation_rate": _target(settings, "participation_rate", dept, u),
            "hours_per_capita": _target(settings, "hours_per_capita_month", dept, u) * len(months),
            "certificates_per_100": _target(settings, "certificates_per_100", dept, u),
            "phase_progress": _target(settings, "phase_progress", dept, u) * share,
            "submission_rate": Fraction(1),
        }
        indicators = {}
        total = Fraction(0)
        for k in WEIGHT_KEYS:
            att = Fraction(1) if target[k] == 0 else min(actual[k] / target[k], Fraction(1))
            pts = Fraction(str(weights[k])) / total_weight * 100 * att
            total += pts
            indicators[k] = {
                "actual": float(actual[k]),
                "target": float(target[k]),
                "attainment": float(att),
                "points": float(pts),
            }
        both = [
            r
            for r in rows[Kind.SUMMARY]
            if r["unit"] == u
            and month_from <= r["month"] <= month_to
            and r.get("training_funds") is not None
            and r.get("payroll") is not None
        ]
        funds = sum(_q(r["training_funds"]) for r in both)
        payroll = sum(_q(r["payroll"]) for r in both)
        ratio = funds / payroll if both and payroll else None
        vetoed_by = []
        if participation < Fraction(str(rules.veto_participation_rate)):
            vetoed_by.append("participation_rate")
        if ratio is not None and ratio < Fraction(str(rules.min_training_funds_ratio)):
            vetoed_by.append("training_funds")
        score = _half_up(total)
        units_out.append(
            {
                "unit": u,
                "department": dept,
                "score": score,
                "indicators": indicators,
                "funds_ratio": None if ratio is None else float(ratio),
                "vetoed_by": vetoed_by,
                "_order": (-score, -participation, -(hours / head if head else Fraction(0)), u),
            }
        )
    units_out.sort(key=lambda x: x["_order"])
    quota = Fraction(str(rules.award_share)) * len(units_out)
    quota_n = -((-quota.numerator) // quota.denominator)  # ceil
    picked = 0
    for rank, x in enumerate(units_out, start=1):
        x["rank"] = rank
        ok = not x["vetoed_by"] and x["score"] >= rules.award_min_score and picked < quota_n
        picked += ok
        x["candidate"] = ok
        del x["_order"]

    # 标兵: the leaderboard's first k people and the first k who qualify, in leaderboard order
    people = []
    wanted = rules.individual_awards
    min_hours = Fraction(str(rules.min_hours_per_month)) * len(months)
    found = 0
    for i, p in enumerate(ranked_learners(rows, chosen, month_from, month_to)):
        n_certs = sum(
            1
            for c in rows[Kind.CERTIFICATES]
            if c["employee_id"] == p["employee_id"] and month_from <= c["cert_date"].strftime("%Y-%m") <= month_to
        )
        ok = _q(p["hours"]) >= min_hours and (not rules.require_certificate or n_certs > 0) and found < wanted
        found += ok
        if ok or i < wanted:
            people.append(
                {
                    "employee_id": p["employee_id"],
                    "name": p["name"],
                    "unit": p["unit"],
                    "points": p["points"],
                    "hours": p["hours"],
                    "certificates": n_certs,
                    "candidate": ok,
                }
            )
    return {"units": units_out, "individuals": people}
