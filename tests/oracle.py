"""An independent, deliberately naive implementation of DESIGN.md section 4 in plain Python.

It works on the typed rows the reader produced (after upsert by key: the last row with a key wins)
and shares no code with dashboard.metrics, so comparing the two checks the SQL against the
definitions on whole organisations (the demo, the samples) and many selections.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date
from typing import Any

from pypinyin import lazy_pinyin

from data_sources.schema import KEYS, UNGRADED, Kind, ParsedFile, milestone_year, report_year


def stored_rows(parsed_files: list[ParsedFile]) -> dict[Kind, list[dict[str, Any]]]:
    """What the store should hold after importing the files in order: upsert by key."""
    out: dict[Kind, dict[tuple, dict[str, Any]]] = {k: {} for k in Kind}
    for pf in parsed_files:
        for sheet in pf.sheets:
            for row in sheet.rows:
                r = dict(row)
                if sheet.kind in (Kind.SUMMARY, Kind.LEDGER) and not r.get("month"):
                    r["month"] = sheet.period
                if sheet.kind is Kind.MILESTONES:
                    year = report_year(sheet.period, sheet.rows)
                    r["year"] = milestone_year(r.get("done_date"), r.get("planned_date"), year)
                out[sheet.kind][tuple(r[k] for k in KEYS[sheet.kind])] = r
    return {k: list(v.values()) for k, v in out.items()}


def _end(month: str) -> date:
    y, m = int(month[:4]), int(month[5:7])
    return date(y, m, calendar.monthrange(y, m)[1])


def chosen_units(
    rows: dict[Kind, list[dict[str, Any]]],
    departments: tuple[str, ...] = (),
    units: tuple[str, ...] = (),
    unit_types: tuple[str, ...] = (),
    pilot_only: bool = False,
) -> list[str]:
    """U: every unit the rows mention (the roster and the units rows name), filtered."""
    roster = {r["unit"]: r for r in rows[Kind.ROSTER]}
    all_units = set(roster)
    for kind in (Kind.SUMMARY, Kind.LEDGER, Kind.CERTIFICATES, Kind.MILESTONES):
        all_units |= {r["unit"] for r in rows[kind]}

    def keep(u: str) -> bool:
        r = roster.get(u) or {}
        return (
            (not departments or r.get("department") in departments)
            and (not unit_types or r.get("unit_type") in unit_types)
            and (not pilot_only or bool(r.get("is_pilot")))
            and (not units or u in units)
        )

    # in pinyin order, as every list of units is shown (its own key, not dashboard.names')
    return sorted((u for u in all_units if keep(u)), key=lambda u: ([p.lower() for p in lazy_pinyin(u)], u))


def unit_figures(
    rows: dict[Kind, list[dict[str, Any]]],
    campaign_milestones: list[tuple[str, date]],
    u: str,
    month_from: str,
    month_to: str,
) -> dict[str, Any]:
    """One unit's figures over P by the definitions of DESIGN §4: ``participants`` capped at the
    headcount, ``counted`` before the cap."""
    roster = {r["unit"]: r for r in rows[Kind.ROSTER]}
    in_p = lambda m: month_from <= m <= month_to  # noqa: E731
    end = _end(month_to)
    ledger = [r for r in rows[Kind.LEDGER] if r["unit"] == u and in_p(r["month"])]
    certs = [r for r in rows[Kind.CERTIFICATES] if r["unit"] == u and in_p(r["cert_date"].strftime("%Y-%m"))]
    summ = sorted((r for r in rows[Kind.SUMMARY] if r["unit"] == u and in_p(r["month"])), key=lambda r: r["month"])
    ledger_months = {r["month"] for r in ledger}
    cert_months = {r["cert_date"].strftime("%Y-%m") for r in certs}
    levels: dict[str, int] = defaultdict(int)
    for r in certs:
        levels[r["level"]] += 1
    levels[UNGRADED] += sum(r["certificates"] for r in summ if r["month"] not in cert_months)
    people = {r["employee_id"] for r in ledger if r["hours"] > 0}
    summary_max = max((r["participants"] for r in summ if r["month"] not in ledger_months), default=0)
    due = dict(campaign_milestones)
    done_dates: dict[str, date | None] = dict.fromkeys(due)
    # the campaign year is the plan's (its milestones' year); a row of another year (its key's
    # year: done, else planned, else reported) is not this year's
    years = {d.year for _, d in campaign_milestones}
    for r in rows[Kind.MILESTONES]:
        if r["unit"] != u:
            continue
        year = r.get("year") or milestone_year(r.get("done_date"), r.get("planned_date"), report_year(None, []))
        if years and year not in years:
            continue
        if r.get("planned_date") or r["milestone"] not in due:
            due[r["milestone"]] = r.get("planned_date")
        done_dates[r["milestone"]] = r.get("done_date")
    done = {m for m, d in done_dates.items() if d is not None and d <= end}
    headcount = summ[-1]["headcount"] if summ else ((roster.get(u) or {}).get("headcount") or 0)
    counted = len(people) if len(people) > summary_max else summary_max
    return {
        "headcount": headcount,
        "participants": headcount if counted > headcount else counted,
        "counted": counted,
        "hours": sum(r["hours"] for r in ledger) + sum(r["hours"] for r in summ if r["month"] not in ledger_months),
        "certificates": len(certs) + sum(r["certificates"] for r in summ if r["month"] not in cert_months),
        "levels": dict(levels),
        "milestones_done": len(done),
        "milestones_total": len(due),
        "behind": any(d is not None and d <= end and m not in done for m, d in due.items()),
    }


def over_headcount(
    rows: dict[Kind, list[dict[str, Any]]],
    campaign_milestones: list[tuple[str, date]],
    month_from: str,
    month_to: str,
    departments: tuple[str, ...] = (),
) -> list[tuple[str, int, int]]:
    """(unit, participants as counted, headcount) of the units whose count exceeds the headcount."""
    out = []
    for u in chosen_units(rows, departments):
        f = unit_figures(rows, campaign_milestones, u, month_from, month_to)
        if f["counted"] > f["headcount"]:
            out.append((u, f["counted"], f["headcount"]))
    return out


def monthly_participants(
    rows: dict[Kind, list[dict[str, Any]]], month: str, departments: tuple[str, ...] = ()
) -> tuple[int, int]:
    """(participants, headcount) of one month over U, each unit capped at that month's headcount."""
    roster = {r["unit"]: r for r in rows[Kind.ROSTER]}
    total_p = total_h = 0
    for u in chosen_units(rows, departments):
        summ = [r for r in rows[Kind.SUMMARY] if r["unit"] == u and r["month"] == month]
        ledger = [r for r in rows[Kind.LEDGER] if r["unit"] == u and r["month"] == month]
        head = summ[0]["headcount"] if summ else ((roster.get(u) or {}).get("headcount") or 0)
        if ledger:
            p = len({r["employee_id"] for r in ledger if r["hours"] > 0})
        else:
            p = summ[0]["participants"] if summ else 0
        total_p += head if p > head else p
        total_h += head
    return total_p, total_h


def ranked_learners(
    rows: dict[Kind, list[dict[str, Any]]], chosen: list[str], month_from: str, month_to: str
) -> list[dict[str, Any]]:
    """Top learners, everyone: U's ledger rows in P, Σ points desc, Σ hours desc, 工号; the name
    and unit of the person's latest row."""
    people: dict[str, dict[str, Any]] = {}
    for r in sorted(rows[Kind.LEDGER], key=lambda r: r["month"]):
        if r["unit"] in chosen and month_from <= r["month"] <= month_to:
            p = people.setdefault(r["employee_id"], {"points": 0.0, "hours": 0.0})
            p["points"] += r["points"]
            p["hours"] += r["hours"]
            p["name"], p["unit"] = r["name"], r["unit"]
    ranked = sorted(people.items(), key=lambda kv: (-kv[1]["points"], -kv[1]["hours"], kv[0]))
    return [{"employee_id": k, **v} for k, v in ranked]


def expected_summary(
    rows: dict[Kind, list[dict[str, Any]]],
    campaign_milestones: list[tuple[str, date]],
    month_from: str,
    month_to: str,
    departments: tuple[str, ...] = (),
    units: tuple[str, ...] = (),
    top_n: int = 10,
) -> dict[str, Any]:
    chosen = chosen_units(rows, departments, units)
    total = defaultdict(float)
    levels: dict[str, int] = defaultdict(int)
    behind: list[str] = []
    progress: list[float] = []
    launched = 0
    for u in chosen:
        f = unit_figures(rows, campaign_milestones, u, month_from, month_to)
        for level, n in f["levels"].items():
            levels[level] += n
        for k in ("headcount", "participants", "hours", "certificates"):
            total[k] += f[k]
        progress.append(f["milestones_done"] / f["milestones_total"] if f["milestones_total"] else 0.0)
        launched += f["milestones_done"] > 0
        if f["behind"]:
            behind.append(u)
    ranked = ranked_learners(rows, chosen, month_from, month_to)[:top_n]
    hc = total["headcount"]
    return {
        "units": len(chosen),
        "headcount": int(hc),
        "participants": int(total["participants"]),
        "participation_rate": total["participants"] / hc if hc else 0.0,
        "training_hours": total["hours"],
        "hours_per_capita": total["hours"] / hc if hc else 0.0,
        "certificates": int(total["certificates"]),
        "certificates_by_level": {k: v for k, v in levels.items() if v},
        "launch_rate": launched / len(chosen) if chosen else 0.0,
        "phase_progress": sum(progress) / len(progress) if progress else 0.0,
        "units_behind": len(behind),
        "behind_units": behind,
        "top_learners": [{k: p[k] for k in ("employee_id", "name", "unit", "points", "hours")} for p in ranked],
    }
