"""The campaign year after year (issue 15): each year has its own plan — phases, milestones, targets,
考核评比 rules, the report due day — kept in the store; config.toml seeds the year it names until
the store holds a plan for that year, and stays the way to script a set-up
(``python -m dashboard campaign import``).

A plan is stored as the document of config.toml's ``[campaign]``, ``[targets]`` and
``[evaluation]`` tables, so ``config.parse_plan`` checks a stored, an imported and a configured
plan the same way. The figures of a selection use the plan of its period's year (``settings_for``):
a period lies inside one campaign year in the app; the command line says so when it does not.

Imports ``config`` and ``metrics.selection`` (the months with data).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from dashboard.config import (
    EVALUATION_INDICATORS,
    TARGET_KEYS,
    CampaignPlan,
    Settings,
    SettingsError,
    parse_plan,
)
from dashboard.metrics.selection import Selection, filter_options

if TYPE_CHECKING:  # pragma: no cover
    from data_sources.store import Store


@dataclass(frozen=True)
class YearPlan:
    """A year's plan and where it comes from: ``stored`` (saved in the app or imported), ``config``
    (config.toml's seed) or ``inherited`` (no plan for the year: the nearest year's, moved to it,
    named by ``from_year``)."""

    plan: CampaignPlan
    source: str
    from_year: int | None = None


def plan_document(plan: CampaignPlan) -> dict[str, Any]:
    """The plan as config.toml's tables (dates as MM-DD): what is stored, exported and parsed back."""
    t = plan.targets
    ev = plan.evaluation
    return {
        "campaign": {
            "year": plan.year,
            "report_due_day": plan.report_due_day,
            "phases": [
                {
                    "name": p.name,
                    "name_en": p.name_en,
                    "start": f"{p.start:%m-%d}",
                    "end": f"{p.end:%m-%d}",
                    "milestones": [
                        {"name": m.name, "name_en": m.name_en, "due": f"{m.due:%m-%d}"} for m in p.milestones
                    ],
                }
                for p in plan.phases
            ],
        },
        "targets": {
            **{k: float(getattr(t, k)) for k in TARGET_KEYS},
            "amber_ratio": float(t.amber_ratio),
            "departments": {d: dict(v) for d, v in t.departments.items()},
            "units": {u: dict(v) for u, v in t.units.items()},
        },
        "evaluation": {
            "veto_participation_rate": ev.veto_participation_rate,
            "min_training_funds_ratio": ev.min_training_funds_ratio,
            "award_min_score": ev.award_min_score,
            "award_share": ev.award_share,
            "min_hours_per_month": ev.min_hours_per_month,
            "require_certificate": ev.require_certificate,
            "individual_awards": ev.individual_awards,
            "weights": {k: ev.weight(k) for k in EVALUATION_INDICATORS},
        },
    }


def moved_to(plan: CampaignPlan, year: int) -> CampaignPlan:
    """The same plan for ``year``: every date keeps its month and day (02-29 becomes 02-28 in a
    common year) — "copy last year's plan"."""
    doc = plan_document(plan)
    doc["campaign"]["year"] = year
    return parse_plan(doc)


def stored_plans(store: Store) -> dict[int, CampaignPlan]:
    """Every plan the store holds, by year."""
    return {year: parse_plan(doc) for year, doc in store.campaign_plans().items()}


def plans(store: Store, settings: Settings) -> dict[int, CampaignPlan]:
    """The plans in force: the stored ones; config.toml's for its year while none is stored (it
    seeds the first year only: the first save stores it too, ``save_plan``)."""
    found = stored_plans(store) or {settings.year: settings.plan}
    return dict(sorted(found.items()))


def campaign_years(store: Store, settings: Settings) -> list[int]:
    """The years the year switch offers: every year with a plan or with data."""
    months = filter_options(store).get("months") or []
    return sorted(set(plans(store, settings)) | {int(m[:4]) for m in months})


def year_plan(store: Store, settings: Settings, year: int) -> YearPlan:
    """``year``'s plan: stored, else config.toml's for its year while the store holds none, else the
    nearest earlier year's (a later one's when there is none) moved to ``year``."""
    stored = stored_plans(store)
    if year in stored:
        return YearPlan(stored[year], "stored")
    if not stored and year == settings.year:
        return YearPlan(settings.plan, "config")
    known = stored or {settings.year: settings.plan}
    earlier = [y for y in known if y < year]
    source_year = max(earlier) if earlier else min(known)
    return YearPlan(moved_to(known[source_year], year), "inherited", source_year)


def settings_for_year(store: Store, settings: Settings, year: int) -> Settings:
    """The settings with ``year``'s plan in place of the configured one."""
    return settings.with_plan(year_plan(store, settings, year).plan)


def selection_year(sel: Selection, settings: Settings) -> int:
    """The campaign year of a selection: the year its period ends in (the configured year when it
    has no period yet)."""
    return int(sel.month_to[:4]) if sel.month_to else settings.year


def spans_years(sel: Selection) -> bool:
    """A period that runs over two campaign years (the command line's --from 2024-10 --to 2025-03):
    its figures use the plan of the year it ends in, and the command line says so."""
    return bool(sel.month_from and sel.month_to and sel.month_from[:4] != sel.month_to[:4])


def settings_for(store: Store, settings: Settings, sel: Selection) -> Settings:
    """The settings whose plan a selection's figures use (its period's year)."""
    return settings_for_year(store, settings, selection_year(sel, settings))


def default_year(years: list[int], today: date | None = None) -> int:
    """The year the app opens on: this year when it is offered, else the latest before it, else the
    first offered."""
    this = (today or date.today()).year
    if this in years:
        return this
    before = [y for y in years if y < this]
    return max(before) if before else min(years)


def save_plan(store: Store, settings: Settings, plan: CampaignPlan, user: str, how: str) -> int:
    """Store ``plan`` for its year, checked by the one parser first (a plan that does not parse
    back raises SettingsError and nothing is written); ``how`` says in the audit log whether it was
    edited, copied, imported or the demo's. The first save of a store also stores config.toml's
    plan for its year (unless that is the year saved): from then on the store is the truth, and
    config.toml's year keeps the figures it had. Returns the year's revision."""
    doc = plan_document(plan)
    parse_plan(json.loads(json.dumps(doc)))
    if how != "demo" and plan.year != settings.year and not store.campaign_plans():
        store.save_campaign_plan(settings.year, plan_document(settings.plan), user, how="config")
    return store.save_campaign_plan(plan.year, doc, user, how=how)


# ---- the plan as TOML (``campaign export`` / ``campaign import``) ------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=False)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a TOML basic string: JSON's escapes are TOML's
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[\n" + "".join(f"  {_value(x)},\n" for x in v) + "]"
    raise TypeError(f"no TOML for {v!r}")


def plan_toml(plan: CampaignPlan) -> str:
    """The plan as the TOML of config.toml's three tables, to edit and import back."""
    doc = plan_document(plan)
    camp, targets, ev = doc["campaign"], doc["targets"], doc["evaluation"]
    out = [f"# 创争活动计划 {plan.year} — python -m dashboard campaign import FILE", "", "[campaign]"]
    out += [f"year = {camp['year']}", f"report_due_day = {camp['report_due_day']}"]
    for p in camp["phases"]:
        out += ["", "[[campaign.phases]]"]
        out += [f"{k} = {_value(p[k])}" for k in ("name", "name_en", "start", "end", "milestones")]
    out += ["", "[targets]"]
    out += [f"{k} = {_value(v)}" for k, v in targets.items() if not isinstance(v, dict)]
    for scope in ("departments", "units"):
        for name, values in targets[scope].items():
            out += ["", f"[targets.{scope}.{_key(name)}]"]
            out += [f"{k} = {_value(v)}" for k, v in values.items()]
    out += ["", "[evaluation]"]
    out += [f"{k} = {_value(v)}" for k, v in ev.items() if k != "weights"]
    out += ["", "[evaluation.weights]"]
    out += [f"{k} = {_value(v)}" for k, v in ev["weights"].items()]
    return "\n".join(out) + "\n"


def read_plan_toml(text: str) -> CampaignPlan:
    """A plan from TOML (``plan_toml``'s, or config.toml's three tables); SettingsError naming the
    key, or the line of a TOML syntax error."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SettingsError("toml", str(e)) from e
    unknown = sorted(set(raw) - {"campaign", "targets", "evaluation"})
    if unknown:
        raise SettingsError(unknown[0], "a plan holds only [campaign], [targets] and [evaluation]")
    return parse_plan(raw)
