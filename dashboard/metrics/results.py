"""What a page or the command line asks for in one call: ``Summary`` (the KPI tiles and the
``summary --json`` object, DESIGN §6) and ``Overview`` (everything the 总览 page shows, with the
per-unit figures and the top learners computed once).

Owns ``summary``, ``overview``, ``earlier_kpis`` (环比 / 同比) and the certificates by level.
Imports every other metrics module; none of them imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dashboard.metrics.departments import department_frame
from dashboard.metrics.learners import TOP_COLUMNS, top_rows
from dashboard.metrics.milestones import milestone_matrix
from dashboard.metrics.plain import ratio, tidy
from dashboard.metrics.selection import Selection, has_stored_month, in_period, period_of, units_subquery
from dashboard.metrics.units import UnitData, monthly, unit_frame
from data_sources import store as db
from data_sources.schema import LEVELS, UNGRADED

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dashboard.config import Settings
    from data_sources.store import Store


@dataclass
class Summary:
    """The JSON object of ``python -m dashboard summary --json`` (and the KPI tiles)."""

    month_from: str
    month_to: str
    units: int
    headcount: int
    participants: int
    participation_rate: float
    training_hours: float
    hours_per_capita: float
    certificates: int
    certificates_by_level: dict[str, int]
    launch_rate: float
    phase_progress: float
    units_behind: int
    top_learners: list[dict[str, Any]]
    participants_is_lower_bound: bool = False
    behind_units: list[str] = field(default_factory=list)
    current_phase: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The CLI JSON: plain numbers, rates as fractions, floats rounded to kill float noise."""
        return {
            "period": {"from": self.month_from, "to": self.month_to},
            "units": int(self.units),
            "headcount": int(self.headcount),
            "participants": int(self.participants),
            "participation_rate": tidy(self.participation_rate),
            "training_hours": tidy(self.training_hours),
            "hours_per_capita": tidy(self.hours_per_capita),
            "certificates": int(self.certificates),
            "certificates_by_level": {k: int(v) for k, v in self.certificates_by_level.items() if v > 0},
            "launch_rate": tidy(self.launch_rate),
            "phase_progress": tidy(self.phase_progress),
            "units_behind": int(self.units_behind),
            "behind_units": list(self.behind_units),
            "top_learners": [
                {
                    "employee_id": p["employee_id"],
                    "name": p["name"],
                    "unit": p["unit"],
                    "points": tidy(p["points"]),
                    "hours": tidy(p["hours"]),
                }
                for p in self.top_learners
            ],
            "participants_is_lower_bound": bool(self.participants_is_lower_bound),
            "current_phase": self.current_phase,
        }


def summary(
    store: Store, settings: Settings, selection: Selection, today: date | None = None, kpis_only: bool = False
) -> Summary:
    """The organisation's figures for U and P (the KPI tiles and the CLI JSON). ``kpis_only``
    leaves ``top_learners`` and ``certificates_by_level`` empty: the previous period's tiles
    only need the KPIs."""
    sel = period_of(store, selection)[0]
    with store.engine.connect() as conn:
        return summarise(conn, settings, sel, UnitData.load(conn, settings, sel), today, kpis_only)


def summarise(
    conn: sa.Connection, settings: Settings, sel: Selection, data: UnitData, today: date | None, kpis_only: bool
) -> Summary:
    """``summary`` of per-unit figures already loaded: totals over U are sums, rates ratios of sums."""
    assert sel.month_from and sel.month_to
    first, last = sel.month_from, sel.month_to
    us, figs, prog = data.units, data.figures, data.progress
    levels = {} if kpis_only else certificates_by_level(conn, sel, first, last)
    top = [
        dict(zip(TOP_COLUMNS, t, strict=True))
        for t in ([] if kpis_only else top_rows(conn, sel, first, last, settings.top_learners, None))
    ]
    headcount = sum(f.headcount for f in figs.values())
    participants = sum(f.participants for f in figs.values())
    hours = sum(f.hours for f in figs.values())
    behind = [u.name for u in us if prog[u.name].behind]
    phase = settings.phase_of(today or date.today())
    return Summary(
        month_from=first,
        month_to=last,
        units=len(us),
        headcount=headcount,
        participants=participants,
        participation_rate=ratio(participants, headcount),
        training_hours=hours,
        hours_per_capita=ratio(hours, headcount),
        certificates=sum(f.certificates for f in figs.values()),
        certificates_by_level=levels,
        launch_rate=ratio(sum(p.launched for p in prog.values()), len(us)),
        phase_progress=ratio(sum(p.progress for p in prog.values()), len(us)),
        units_behind=len(behind),
        top_learners=top,
        participants_is_lower_bound=any(f.lower_bound for f in figs.values()),
        behind_units=behind,
        current_phase=phase.name if phase else None,
    )


def certificates_by_level(conn: sa.Connection, sel: Selection, first: str, last: str) -> dict[str, int]:
    """Certificates by level: the rows' levels, summary counts under 未分级."""
    cr, um = db.certificate_rows, db.unit_months
    counts: dict[str, int] = {}
    for level, n in conn.execute(
        sa.select(cr.c.level, sa.func.count())
        .where(cr.c.unit.in_(units_subquery(sel)), in_period(cr.c.month, first, last))
        .group_by(cr.c.level)
    ):
        counts[level] = int(n)
    ungraded = conn.execute(
        sa.select(sa.func.sum(um.c.summary_certificates)).where(
            um.c.unit.in_(units_subquery(sel)),
            in_period(um.c.month, first, last),
            um.c.has_summary,
            sa.not_(um.c.has_cert_rows),
        )
    ).scalar()
    if ungraded:
        counts[UNGRADED] = counts.get(UNGRADED, 0) + int(ungraded)
    order = {lv: i for i, lv in enumerate((*LEVELS, UNGRADED))}
    return {k: v for k, v in sorted(counts.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])) if v > 0}


@dataclass
class Overview:
    """Everything the 总览 page shows. The KPI tiles and the unit ranking are made of the same
    per-unit figures, and the tiles' top learners are the leaderboard's: computed once here."""

    summary: Summary
    units: pd.DataFrame  # unit_table
    matrix: pd.DataFrame  # milestone_matrix
    monthly: pd.DataFrame
    top: pd.DataFrame  # top_learners with the configured n
    departments: pd.DataFrame  # department_table: the same per-unit figures, per department


def overview(
    store: Store,
    settings: Settings,
    selection: Selection,
    today: date | None = None,
) -> Overview:
    """The 总览 page's figures: exactly what summary, unit_table, milestone_matrix, monthly,
    top_learners and department_table return for ``selection``. The earlier periods' KPIs (环比,
    同比) are ``earlier_kpis``, each under the plan of its own campaign year."""
    import pandas as pd

    sel = period_of(store, selection)[0]
    with store.engine.connect() as conn:
        data = UnitData.load(conn, settings, sel)
        current = summarise(conn, settings, sel, data, today, kpis_only=False)
        units = unit_frame(data)
        departments = department_frame(data)
    top = pd.DataFrame([tuple(t.values()) for t in current.top_learners], columns=TOP_COLUMNS)
    return Overview(
        summary=current,
        units=units,
        matrix=milestone_matrix(store, settings, sel),
        monthly=monthly(store, settings, sel),
        top=top,
        departments=departments,
    )


def earlier_kpis(store: Store, settings: Settings, selection: Selection, today: date | None = None) -> Summary | None:
    """The KPIs of an earlier period to compare with — ``selection.previous()`` (环比) or
    ``selection.same_period_last_year()`` (同比): ``summary(..., kpis_only=True)``, or None when no
    month of that period is stored (the tiles then say 上期无数据 / 去年同期无数据). ``settings``
    carry the plan of that period's campaign year (``campaigns.settings_for``): last year's phase
    progress is last year's milestones'."""
    with store.engine.connect() as conn:
        return _kpis_if_stored(conn, settings, store, selection, today)


def _kpis_if_stored(
    conn: sa.Connection, settings: Settings, store: Store, selection: Selection | None, today: date | None
) -> Summary | None:
    """``earlier_kpis`` on an open connection: no SQL over the units spent on a period with no
    stored month."""
    if selection is None:
        return None
    sel = period_of(store, selection)[0]
    assert sel.month_from and sel.month_to
    if not has_stored_month(conn, sel.month_from, sel.month_to):
        return None
    return summarise(conn, settings, sel, UnitData.load(conn, settings, sel), today, kpis_only=True)
