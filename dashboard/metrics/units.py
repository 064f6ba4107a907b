"""Per-unit figures (DESIGN §4): each unit's headcount, participants, hours, certificates … over P
from the effective month figures of ``unit_months``, the unit ranking table, and the figures month
by month.

Owns ``UnitFigures``, ``UnitData`` (what the KPI tiles and the unit ranking are both made of),
``UNIT_COLUMNS``, ``unit_table``, ``over_headcount`` and ``monthly``. Imports ``selection``, ``milestones`` (each
unit's progress) and ``plain``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dashboard.metrics.milestones import Progress, unit_progress
from dashboard.metrics.plain import fetch_plain, ratio, tidy
from dashboard.metrics.selection import (
    Selection,
    Unit,
    any_bit,
    in_period,
    in_units,
    load_units,
    month_end,
    months_between,
    period_of,
    roster_conditions,
    units_subquery,
    year_months,
)
from data_sources import store as db

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dashboard.config import Settings
    from data_sources.store import Store


@dataclass
class UnitFigures:
    headcount: int = 0
    participants: int = 0  # capped at headcount (DESIGN §4: no rate above 100%)
    counted: int = 0  # participants as counted, before the cap (more: listed under data quality)
    lower_bound: bool = False
    hours: float = 0.0
    certificates: int = 0
    suggestions: int = 0
    sessions: int = 0
    person_times: int = 0
    points: float = 0.0
    months_reported: int = 0


def unit_figures(conn: sa.Connection, sel: Selection, first: str, last: str, us: list[Unit]) -> dict[str, UnitFigures]:
    """DESIGN §4 per unit over P: the effective month figures of unit_months, summed in SQL."""
    um = db.unit_months
    # IN U even without a filter: SQLite then reads each unit's months by the primary key, in
    # unit order (no sort for the GROUP BY); through the (month, unit) index it takes twice as long
    in_u = um.c.unit.in_(units_subquery(sel))
    in_p = in_period(um.c.month, first, last)
    summary_only = sa.and_(um.c.has_summary, sa.not_(um.c.has_ledger))
    reported = sa.or_(um.c.has_summary, um.c.has_ledger)
    one = lambda cond: sa.func.sum(sa.case((cond, 1), else_=0))  # noqa: E731
    # the driver's tuples (a thousand units: Row attribute access was a third of the time)
    agg = fetch_plain(
        conn,
        sa.select(
            um.c.unit,
            sa.func.sum(um.c.hours).label("hours"),
            sa.func.sum(um.c.certificates).label("certificates"),
            sa.func.sum(um.c.summary_suggestions).label("suggestions"),
            sa.func.sum(um.c.summary_sessions).label("sessions"),
            sa.func.sum(um.c.summary_person_times).label("person_times"),
            sa.func.sum(um.c.ledger_points).label("points"),
            sa.func.sum(um.c.ledger_participants).label("ledger_participants_sum"),
            one(reported).label("months_reported"),
            one(um.c.has_ledger).label("ledger_months"),
            one(summary_only).label("summary_only_months"),
            sa.func.max(sa.case((summary_only, um.c.summary_participants), else_=None)).label("summary_max"),
            sa.func.max(sa.case((um.c.has_summary, um.c.month), else_=None)).label("last_summary"),
        )
        .where(in_u, in_p)
        .group_by(um.c.unit),
    )
    # headcount: the summary row of the last month in P that has one, read for those months only
    # (mostly one month for every unit: a thousand rows by the (month, unit) index)
    wanted = {r[0]: r[12] for r in agg if r[12] is not None}
    heads: dict[str, int] = {}
    if wanted:
        q = sa.select(um.c.unit, um.c.month, um.c.summary_headcount).where(
            in_u, um.c.month.in_(sorted(set(wanted.values()))), um.c.has_summary
        )
        for unit, month, h in fetch_plain(conn, q):
            if wanted.get(unit) == month and h is not None:
                heads[unit] = int(h)
    distinct = _distinct_participants(conn, sel, first, last, agg)
    out = {u.name: UnitFigures(headcount=int(u.headcount or 0)) for u in us}
    for unit, hours, certs, sugg, sess, pt, points, _lp, reported_n, n_ledger, n_summary_only, s_max, _ls in agg:
        if unit not in out:
            continue
        n_summary_only, n_ledger = int(n_summary_only or 0), int(n_ledger or 0)
        head = heads.get(unit, out[unit].headcount)
        counted = max(int(distinct.get(unit, 0) or 0), int(s_max or 0))
        out[unit] = UnitFigures(
            headcount=head,
            # never more than the unit's staff: people who left during P, a roster not updated
            participants=min(counted, head),
            counted=counted,
            # max() of several unknown sets is only a lower bound of their union
            lower_bound=n_summary_only >= 2 or (n_summary_only >= 1 and n_ledger >= 1),
            hours=float(hours or 0),
            certificates=int(certs or 0),
            suggestions=int(sugg or 0),
            sessions=int(sess or 0),
            person_times=int(pt or 0),
            points=float(points or 0),
            months_reported=int(reported_n or 0),
        )
    return out


def _distinct_participants(
    conn: sa.Connection, sel: Selection, first: str, last: str, agg: list[tuple[Any, ...]]
) -> dict[str, Any]:
    """Distinct 工号 with hours > 0 over P per unit: one month → already in unit_months (the
    aggregate's Σ ledger_participants); else a bit test on the masks of unit_active_masks (one
    year) or learner_years (P across years)."""
    years = year_months(first, last)
    if first == last:
        return {r[0]: r[7] for r in agg}
    if len(years) == 1:
        # inside one year: Σ people of the unit's active masks that have a bit of P (people who
        # trained in the same months share a mask: a few rows per unit, not one per person)
        uam = db.unit_active_masks
        ((y, ms),) = years.items()
        return dict(
            conn.execute(
                sa.select(uam.c.unit, sa.func.sum(uam.c.people))
                .where(uam.c.year == y, any_bit(uam.c.active_mask, ms), in_units(uam.c.unit, sel))
                .group_by(uam.c.unit)
            ).all()
        )
    ly = db.learner_years
    active = sa.or_(*[sa.and_(ly.c.year == y, any_bit(ly.c.active_mask, ms)) for y, ms in years.items()])
    count = sa.func.count(sa.distinct(ly.c.employee_id))
    return dict(
        conn.execute(sa.select(ly.c.unit, count).where(in_units(ly.c.unit, sel), active).group_by(ly.c.unit)).all()
    )


@dataclass
class UnitData:
    """Each unit of U with its figures and milestone progress over P: what the KPI tiles and the
    unit ranking are both made of (the overview computes it once for both)."""

    units: list[Unit]
    figures: dict[str, UnitFigures]
    progress: dict[str, Progress]

    @classmethod
    def load(cls, conn: sa.Connection, settings: Settings, sel: Selection) -> UnitData:
        assert sel.month_from and sel.month_to
        us = load_units(conn, sel)
        figs = unit_figures(conn, sel, sel.month_from, sel.month_to, us)
        return cls(us, figs, unit_progress(conn, settings, sel, us, month_end(sel.month_to)))


UNIT_COLUMNS = [
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


def unit_table(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    """One row per unit in U with every metric (units without data show zeros)."""
    sel = period_of(store, selection)[0]
    with store.engine.connect() as conn:
        return unit_frame(UnitData.load(conn, settings, sel))


def unit_frame(data: UnitData) -> pd.DataFrame:
    """``unit_table`` of figures already loaded."""
    import pandas as pd

    rows = []
    for u in data.units:  # tuples in UNIT_COLUMNS order (a DataFrame of dicts is slower to build)
        f, p = data.figures[u.name], data.progress[u.name]
        rows.append(
            (
                u.name,
                u.department,
                u.unit_type,
                u.is_pilot,
                f.headcount,
                f.participants,
                tidy(ratio(f.participants, f.headcount)),
                tidy(f.hours),
                tidy(ratio(f.hours, f.headcount)),
                f.certificates,
                f.suggestions,
                f.sessions,
                f.person_times,
                tidy(f.points),
                p.done,
                p.total,
                tidy(p.progress),
                p.behind,
                p.launched,
                f.months_reported,
                f.lower_bound,
            )
        )
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


OVER_HEADCOUNT_COLUMNS = ["unit", "department", "participants", "headcount", "excess"]


def over_headcount(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    """Units of U whose participants over P, as counted, exceed their headcount (staff who left
    during P, a roster not updated): the figures use the headcount, data quality lists both."""
    import pandas as pd

    sel = period_of(store, selection)[0]
    with store.engine.connect() as conn:
        assert sel.month_from and sel.month_to
        us = load_units(conn, sel)
        figs = unit_figures(conn, sel, sel.month_from, sel.month_to, us)
    rows = [
        (
            u.name,
            u.department,
            figs[u.name].counted,
            figs[u.name].headcount,
            figs[u.name].counted - figs[u.name].headcount,
        )
        for u in us
        if figs[u.name].counted > figs[u.name].headcount
    ]
    return pd.DataFrame(rows, columns=OVER_HEADCOUNT_COLUMNS)


MONTHLY_COLUMNS = [
    "month",
    "headcount",
    "participants",
    "participation_rate",
    "training_hours",
    "certificates",
    "units_reported",
]


def monthly(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    """Month by month over P; each month's figures are exact (one month, no lower bound)."""
    import pandas as pd

    sel, first, last = period_of(store, selection)
    um, u = db.unit_months, db.units
    with store.engine.connect() as conn:
        roster_total = int(
            conn.execute(
                sa.select(sa.func.sum(sa.func.coalesce(u.c.headcount, 0))).where(*roster_conditions(sel))
            ).scalar()
            or 0
        )
        reported = sa.or_(um.c.has_summary, um.c.has_ledger)
        roster_head = sa.func.coalesce(u.c.headcount, 0)
        head = sa.case((um.c.has_summary, sa.func.coalesce(um.c.summary_headcount, roster_head)), else_=roster_head)
        # a unit-month's participants never exceed its headcount (DESIGN §4)
        capped = sa.case((um.c.participants > head, head), else_=um.c.participants)
        rows = conn.execute(
            sa.select(
                um.c.month,
                # headcount of a month: its summary row, else the roster
                sa.func.sum(
                    sa.case((um.c.has_summary, um.c.summary_headcount - sa.func.coalesce(u.c.headcount, 0)), else_=0)
                ).label("head_delta"),
                sa.func.sum(capped).label("participants"),
                sa.func.sum(um.c.hours).label("hours"),
                sa.func.sum(um.c.certificates).label("certificates"),
                sa.func.sum(sa.case((reported, 1), else_=0)).label("units_reported"),
            )
            .join(u, u.c.name == um.c.unit)
            .where(*roster_conditions(sel), in_period(um.c.month, first, last))
            .group_by(um.c.month)
        ).all()
    by_month = {r.month: r for r in rows}
    out = []
    for m in months_between(first, last):
        r = by_month.get(m)
        head = roster_total + (int(r.head_delta or 0) if r else 0)
        part = int(r.participants or 0) if r else 0
        out.append(
            {
                "month": m,
                "headcount": head,
                "participants": part,
                "participation_rate": tidy(ratio(part, head)),
                "training_hours": tidy(r.hours) if r else 0.0,
                "certificates": int(r.certificates or 0) if r else 0,
                "units_reported": int(r.units_reported or 0) if r else 0,
            }
        )
    return pd.DataFrame(out, columns=MONTHLY_COLUMNS)
