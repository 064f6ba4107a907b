"""The figures of DESIGN.md section 4, computed with SQL in the database.

Every function takes a ``Store`` (data_sources.store), the ``Settings`` and a ``Selection`` and
returns plain Python objects or small DataFrames built from aggregated query results — never from
every raw row. Pages and the CLI call these and add no metric logic of their own.
"""

from __future__ import annotations

import calendar
import functools
import operator
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from data_sources import store as db
from data_sources.schema import LEVELS, UNGRADED
from data_sources.store import _aware

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dashboard.config import Settings
    from data_sources.store import Store


def month_end(month: str) -> date:
    """The last day of a ``YYYY-MM`` month (the "end of P")."""
    y, m = int(month[:4]), int(month[5:7])
    return date(y, m, calendar.monthrange(y, m)[1])


def add_months(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    i = y * 12 + (m - 1) + n
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out


@dataclass(frozen=True)
class Selection:
    """A set of units U (the filters) and a period P = month_from..month_to (inclusive).

    Empty filter tuples mean "no restriction". A missing month_from/month_to is filled by
    ``resolve_period`` with the first/last month that has data (today's month on an empty store).
    """

    departments: tuple[str, ...] = ()
    unit_types: tuple[str, ...] = ()
    pilot_only: bool = False
    units: tuple[str, ...] = ()
    month_from: str | None = None
    month_to: str | None = None

    def with_period(self, month_from: str, month_to: str) -> Selection:
        return replace(self, month_from=month_from, month_to=month_to)

    def previous(self) -> Selection:
        """The period of the same length just before this one (for month-over-month change)."""
        assert self.month_from and self.month_to
        n = len(months_between(self.month_from, self.month_to))
        return self.with_period(add_months(self.month_from, -n), add_months(self.month_from, -1))


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
            "participation_rate": _r(self.participation_rate),
            "training_hours": _r(self.training_hours),
            "hours_per_capita": _r(self.hours_per_capita),
            "certificates": int(self.certificates),
            "certificates_by_level": {k: int(v) for k, v in self.certificates_by_level.items() if v > 0},
            "launch_rate": _r(self.launch_rate),
            "phase_progress": _r(self.phase_progress),
            "units_behind": int(self.units_behind),
            "behind_units": list(self.behind_units),
            "top_learners": [
                {
                    "employee_id": p["employee_id"],
                    "name": p["name"],
                    "unit": p["unit"],
                    "points": _r(p["points"]),
                    "hours": _r(p["hours"]),
                }
                for p in self.top_learners
            ],
            "participants_is_lower_bound": bool(self.participants_is_lower_bound),
            "current_phase": self.current_phase,
        }


def _r(x: float | int | None) -> float:
    """A float without binary noise (0.1 + 0.2 → 0.3), for JSON and tables."""
    if x is None:
        return 0.0
    x = float(x)
    # a multiple of 1/64 has at most 6 decimals: round() would return it unchanged (×64 is exact)
    return x + 0.0 if (x * 64).is_integer() else round(x, 6) + 0.0


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


# ---- the selection ------------------------------------------------------------------------


def _unit_conditions(sel: Selection) -> list[Any]:
    u = db.units
    cond: list[Any] = []
    if sel.departments:
        cond.append(u.c.department.in_(sel.departments))
    if sel.unit_types:
        cond.append(u.c.unit_type.in_(sel.unit_types))
    if sel.pilot_only:
        cond.append(u.c.is_pilot == sa.true())
    if sel.units:
        cond.append(u.c.name.in_(sel.units))
    return cond


def _units_subquery(sel: Selection) -> sa.Select[Any]:
    """U as a subquery, so U is never sent to the database as a long list of names."""
    return sa.select(db.units.c.name).where(*_unit_conditions(sel))


class _Unit(NamedTuple):  # a NamedTuple: a thousand per call, a frozen dataclass is slower
    name: str
    department: str | None
    unit_type: str | None
    is_pilot: bool
    headcount: int | None


def _load_units(conn: sa.Connection, sel: Selection) -> list[_Unit]:
    u = db.units
    rows = _fetch_plain(
        conn,
        sa.select(u.c.name, u.c.department, u.c.unit_type, u.c.is_pilot, u.c.headcount).where(*_unit_conditions(sel)),
    )
    # sorted in Python: the database's collation would order Chinese names differently per server
    units = [_Unit(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]
    return sorted(units, key=lambda x: x.name)


def _period(store: Store, sel: Selection) -> tuple[Selection, str, str]:
    if not (sel.month_from and sel.month_to):
        sel = resolve_period(store, sel)
    assert sel.month_from and sel.month_to
    return sel, sel.month_from, sel.month_to


def resolve_period(store: Store, selection: Selection, today: date | None = None) -> Selection:
    """Fill a missing end of P with the first/last month that has data (today's month if none)."""
    if selection.month_from and selection.month_to:
        return selection
    um = db.unit_months
    with store.engine.connect() as conn:
        lo, hi = conn.execute(sa.select(sa.func.min(um.c.month), sa.func.max(um.c.month))).one()
    if lo is None:
        t = today or date.today()
        lo = hi = f"{t.year:04d}-{t.month:02d}"
    first, last = selection.month_from, selection.month_to
    if first is None and last is None:
        first, last = lo, hi
    elif first is None:
        assert last is not None
        first = lo if lo <= last else last
    elif last is None:
        last = hi if hi >= first else first
    assert first is not None and last is not None
    return selection.with_period(first, last)


# ---- per unit figures ---------------------------------------------------------------------


@dataclass
class _Figures:
    headcount: int = 0
    participants: int = 0
    lower_bound: bool = False
    hours: float = 0.0
    certificates: int = 0
    suggestions: int = 0
    sessions: int = 0
    person_times: int = 0
    points: float = 0.0
    months_reported: int = 0


def _in_period(col: Any, first: str, last: str) -> Any:
    return sa.and_(col >= first, col <= last)


def _year_months(first: str, last: str) -> dict[str, list[str]]:
    """P as {year: [its months "01".."12" in P]} (the columns and bits of learner_years)."""
    out: dict[str, list[str]] = defaultdict(list)
    for m in months_between(first, last):
        out[m[:4]].append(m[5:7])
    return dict(out)


def _mask(months: list[str]) -> int:
    return sum(1 << (int(m) - 1) for m in months)


def _in_units(col: Any, sel: Selection) -> Any:
    """``col`` names a unit of U; no condition at all without a unit filter (every row's unit is
    in the roster: an import adds the units its rows mention)."""
    return col.in_(_units_subquery(sel)) if _unit_conditions(sel) else sa.true()


def _any_bit(col: Any, months: list[str]) -> Any:
    """A learner_years mask has a bit of these months set (bitwise & on every database)."""
    return col.op("&")(sa.literal(_mask(months), sa.Integer)) != 0


def _unit_figures(conn: sa.Connection, sel: Selection, first: str, last: str, us: list[_Unit]) -> dict[str, _Figures]:
    """DESIGN §4 per unit over P: the effective month figures of unit_months, summed in SQL."""
    um = db.unit_months
    # IN U even without a filter: SQLite then reads each unit's months by the primary key, in
    # unit order (no sort for the GROUP BY); through the (month, unit) index it takes twice as long
    in_u = um.c.unit.in_(_units_subquery(sel))
    in_p = _in_period(um.c.month, first, last)
    summary_only = sa.and_(um.c.has_summary, sa.not_(um.c.has_ledger))
    reported = sa.or_(um.c.has_summary, um.c.has_ledger)
    one = lambda cond: sa.func.sum(sa.case((cond, 1), else_=0))  # noqa: E731
    # the driver's tuples (a thousand units: Row attribute access was a third of the time)
    agg = _fetch_plain(
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
        for unit, month, h in _fetch_plain(conn, q):
            if wanted.get(unit) == month and h is not None:
                heads[unit] = int(h)
    # distinct 工号 with hours > 0 over P: one month → already in unit_months; else a bit test on
    # the masks of unit_active_masks (one year) or learner_years (P across years)
    years = _year_months(first, last)
    if first == last:
        distinct = {r[0]: r[7] for r in agg}
    elif len(years) == 1:
        # inside one year: Σ people of the unit's active masks that have a bit of P (people who
        # trained in the same months share a mask: a few rows per unit, not one per person)
        uam = db.unit_active_masks
        ((y, ms),) = years.items()
        distinct = dict(
            conn.execute(
                sa.select(uam.c.unit, sa.func.sum(uam.c.people))
                .where(uam.c.year == y, _any_bit(uam.c.active_mask, ms), _in_units(uam.c.unit, sel))
                .group_by(uam.c.unit)
            ).all()
        )
    else:
        ly = db.learner_years
        active = sa.or_(*[sa.and_(ly.c.year == y, _any_bit(ly.c.active_mask, ms)) for y, ms in years.items()])
        count = sa.func.count(sa.distinct(ly.c.employee_id))
        distinct = dict(
            conn.execute(sa.select(ly.c.unit, count).where(_in_units(ly.c.unit, sel), active).group_by(ly.c.unit)).all()
        )
    out = {u.name: _Figures(headcount=int(u.headcount or 0)) for u in us}
    for unit, hours, certs, sugg, sess, pt, points, _lp, reported_n, n_ledger, n_summary_only, s_max, _ls in agg:
        if unit not in out:
            continue
        n_summary_only, n_ledger = int(n_summary_only or 0), int(n_ledger or 0)
        out[unit] = _Figures(
            headcount=heads.get(unit, out[unit].headcount),
            participants=max(int(distinct.get(unit, 0) or 0), int(s_max or 0)),
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


def _levels(conn: sa.Connection, sel: Selection, first: str, last: str) -> dict[str, int]:
    """Certificates by level: the rows' levels, summary counts under 未分级."""
    cr, um = db.certificate_rows, db.unit_months
    counts: dict[str, int] = {}
    for level, n in conn.execute(
        sa.select(cr.c.level, sa.func.count())
        .where(cr.c.unit.in_(_units_subquery(sel)), _in_period(cr.c.month, first, last))
        .group_by(cr.c.level)
    ):
        counts[level] = int(n)
    ungraded = conn.execute(
        sa.select(sa.func.sum(um.c.summary_certificates)).where(
            um.c.unit.in_(_units_subquery(sel)),
            _in_period(um.c.month, first, last),
            um.c.has_summary,
            sa.not_(um.c.has_cert_rows),
        )
    ).scalar()
    if ungraded:
        counts[UNGRADED] = counts.get(UNGRADED, 0) + int(ungraded)
    order = {lv: i for i, lv in enumerate((*LEVELS, UNGRADED))}
    return {k: v for k, v in sorted(counts.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])) if v > 0}


# ---- milestones ---------------------------------------------------------------------------


class _Milestone(NamedTuple):  # a NamedTuple: thousands are made per call, a dataclass is slower
    phase: str | None
    name: str
    due: date | None
    done_date: date | None


def _milestones(
    conn: sa.Connection, settings: Settings, sel: Selection, us: list[_Unit]
) -> dict[str, list[_Milestone]]:
    """Each unit's milestones: the campaign's (with the unit's own planned date if it gave one)
    plus the extra ones its 阶段进度 rows add. The rows come as the driver's tuples and each
    distinct date is converted once (thousands of rows, a few dates): Row objects and SQLite's
    per-value date parsing were most of the time of every page that shows progress."""
    mr = db.milestone_rows
    days: dict[Any, date | None] = {None: None}
    rows: dict[str, dict[str, tuple[str | None, date | None, date | None]]] = defaultdict(dict)
    q = sa.select(mr.c.unit, mr.c.milestone, mr.c.phase, mr.c.planned_date, mr.c.done_date).where(
        _in_units(mr.c.unit, sel)
    )
    for unit, name, phase, planned, done in _fetch_plain(conn, q):
        for v in (planned, done):
            if v not in days:
                days[v] = _day(v)
        rows[unit][name] = (phase, days[planned], days[done])
    config = [(m.phase, m.name, m.due) for m in settings.milestones]  # a property: read it once
    config_names = {c[1] for c in config}
    plain = [_Milestone(*c, None) for c in config]  # a unit without rows
    make = functools.partial(tuple.__new__, _Milestone)  # skips the NamedTuple's Python __new__
    out: dict[str, list[_Milestone]] = {}
    for u in us:
        own = rows.get(u.name)
        if not own:
            out[u.name] = plain
            continue
        items = []
        for phase, name, due in config:
            r = own.get(name)
            items.append(make((phase, name, due, None) if r is None else (phase, name, r[1] or due, r[2])))
        if len(own) > len(config) or not own.keys() <= config_names:
            for name in sorted(own.keys() - config_names):
                phase, planned, done = own[name]
                items.append(_Milestone(phase, name, planned, done))
        out[u.name] = items
    return out


def _day(v: Any) -> date | None:
    """A DATE column's value as the driver gives it (SQLite: ISO text) → date."""
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


def _status(m: _Milestone, end: date) -> str:
    if m.done_date is not None and m.done_date <= end:
        return "done"
    if m.due is not None and m.due <= end:
        return "overdue"
    return "pending"


@dataclass
class _Progress:
    done: int
    total: int
    behind: bool

    @property
    def progress(self) -> float:
        return _ratio(self.done, self.total)

    @property
    def launched(self) -> bool:
        return self.done > 0


def _progress(ms: dict[str, list[_Milestone]], end: date) -> dict[str, _Progress]:
    out = {}
    for unit, items in ms.items():
        done = overdue = 0
        for m in items:  # _status inlined: thousands of milestones per call
            if m.done_date is not None and m.done_date <= end:
                done += 1
            elif m.due is not None and m.due <= end:
                overdue += 1
        out[unit] = _Progress(done, len(items), overdue > 0)
    return out


def _unit_progress(
    conn: sa.Connection, settings: Settings, sel: Selection, us: list[_Unit], end: date
) -> dict[str, _Progress]:
    """``_progress`` of ``_milestones`` as of ``end``, counted per unit in SQL (a row per unit, not
    per milestone): done = rows done by ``end``; total = the campaign's milestones plus the unit's
    extra ones; behind = a row overdue (its planned date, else the campaign's due, ≤ end and not
    done) or a campaign milestone due by ``end`` that the unit has no row for."""
    config = settings.milestones
    names = [m.name for m in config]
    if len(set(names)) != len(names):  # the same name twice: each counts, as _milestones does
        return _progress(_milestones(conn, settings, sel, us), end)
    mr = db.milestone_rows
    dues = {m.name: m.due for m in config if m.due is not None}
    config_due = (
        sa.case({n: sa.literal(d, sa.Date) for n, d in dues.items()}, value=mr.c.milestone, else_=sa.null())
        if dues
        else sa.null()
    )
    is_config = mr.c.milestone.in_(names)
    due = sa.case((is_config, sa.func.coalesce(mr.c.planned_date, config_due)), else_=mr.c.planned_date)
    last = sa.literal(end, sa.Date)
    past = [n for n, d in dues.items() if d <= end]  # campaign milestones due by the end of P
    q = (
        sa.select(
            mr.c.unit,
            sa.func.sum(sa.case((mr.c.done_date <= last, 1), else_=0)),
            sa.func.sum(sa.case((is_config, 0), else_=1)),
            sa.func.sum(sa.case((mr.c.done_date <= last, 0), (due <= last, 1), else_=0)),
            sa.func.sum(sa.case((mr.c.milestone.in_(past), 1), else_=0)),
        )
        .where(_in_units(mr.c.unit, sel))
        .group_by(mr.c.unit)
    )
    got = {r[0]: r for r in conn.execute(q).all()}
    out = {}
    for u in us:
        r = got.get(u.name)
        if r is None:
            out[u.name] = _Progress(0, len(config), bool(past))
        else:
            overdue, present = int(r[3] or 0), int(r[4] or 0)
            out[u.name] = _Progress(int(r[1] or 0), len(config) + int(r[2] or 0), overdue > 0 or present < len(past))
    return out


# ---- top learners -------------------------------------------------------------------------


def _binary(col: Any, conn: sa.Connection) -> Any:
    """Order 工号 by code point on every database (PostgreSQL/MySQL collations would not)."""
    name = conn.dialect.name
    if name == "postgresql":
        return sa.collate(col, "C")
    if name in ("mysql", "mariadb"):
        return sa.collate(col, "utf8mb4_bin")
    return col


def _top_rows(
    conn: sa.Connection, sel: Selection, first: str, last: str, n: int | None, search: str | None
) -> list[dict[str, Any]]:
    """Σ points desc, Σ hours desc, 工号 asc over U's ledger rows in P; name/unit of the latest row.

    Summed from learner_years (one row per person, unit and year): the month columns of P, the
    masks for the months with a row. The name and unit of a person's latest row in P are the
    row's own when the person has one learner_years row in P that carries one name; otherwise
    (moved units, changed name, P across years) they are looked up in ledger_rows by
    (工号, last month) — a primary-key read for the few people who need it.
    """
    ly = db.learner_years
    years = _year_months(first, last)
    one_year = len(years) == 1

    def by_year(expr: Any) -> Any:
        """expr(year, months) for the row's year (a CASE when P spans years)."""
        if one_year:
            y, ms = next(iter(years.items()))
            return expr(y, ms)
        return sa.case(*[(ly.c.year == y, expr(y, ms)) for y, ms in years.items()], else_=None)

    def month_sum(prefix: str) -> Any:
        return by_year(lambda _y, ms: functools.reduce(operator.add, [ly.c[f"{prefix}_{m}"] for m in ms]))

    def row_months(_y: str, ms: list[str]) -> Any:
        return functools.reduce(operator.add, [sa.case((_any_bit(ly.c.row_mask, [m]), 1), else_=0) for m in ms])

    latest = [(y, m) for y, ms in years.items() for m in ms][::-1]
    last_month = sa.case(
        *[
            (
                _any_bit(ly.c.row_mask, [m]) if one_year else sa.and_(ly.c.year == y, _any_bit(ly.c.row_mask, [m])),
                f"{y}-{m}",
            )
            for y, m in latest
        ],
        else_=None,
    )
    in_sel = sa.and_(
        _in_units(ly.c.unit, sel),
        sa.or_(*[sa.and_(ly.c.year == y, _any_bit(ly.c.row_mask, ms)) for y, ms in years.items()]),
    )
    no_int, no_text = sa.cast(sa.null(), sa.Integer), sa.cast(sa.null(), sa.String)
    # "+ 0": one learner_years row is most of the year, read in key order, never through the
    # (year, person_rows) index that finds the few people who moved
    alone = (ly.c.person_rows + 0) == 1
    pts, hrs = month_sum("points"), month_sum("hours")
    grouped = sa.select(
        ly.c.employee_id,
        sa.func.sum(pts).label("points"),
        sa.func.sum(hrs).label("hours"),
        sa.func.sum(by_year(row_months)).label("months"),
        sa.func.max(last_month).label("last_month"),
        sa.func.count().label("n_rows"),
        sa.func.max(ly.c.unit).label("unit"),
        sa.func.max(ly.c.name).label("name"),
        sa.func.max(sa.case((ly.c.names_vary, 1), else_=0)).label("vary"),
        no_int.label("row_mask"),
    ).group_by(ly.c.employee_id)
    if one_year:
        # inside one year most people have one learner_years row (they stayed in one unit): their
        # figures are that row's (months and last month from its mask, in Python), no GROUP BY;
        # only the people who moved are grouped
        single = sa.select(
            ly.c.employee_id,
            pts.label("points"),
            hrs.label("hours"),
            no_int.label("months"),
            no_text.label("last_month"),
            sa.literal(1, sa.Integer).label("n_rows"),
            ly.c.unit,
            ly.c.name,
            sa.case((ly.c.names_vary, 1), else_=0).label("vary"),
            ly.c.row_mask,
        )
        multi = grouped.where(in_sel, ly.c.person_rows > 1)
        if n is not None and n <= db.TOP_KEEP and not search:
            ((y, ms),) = years.items()
            block = next((b for b, bm in db.BLOCKS.items() if list(bm) == ms), None)
            if block is not None and not _unit_conditions(sel):
                floor, cands = _kept_candidates(conn, y, block, n)
            else:
                floor, cands = _top_candidates(conn, pts, in_sel, alone, n)
            if cands is not None:
                # only these people, by 工号: "year || ''" keeps SQLite (no statistics) on
                # (employee_id, year) instead of the primary key's whole year
                year = ly.c.year.concat("") if conn.dialect.name == "sqlite" else ly.c.year
                in_year = sa.and_(year == y, _any_bit(ly.c.row_mask, ms))
                single = single.where(_in_units(ly.c.unit, sel), in_year, alone, ly.c.employee_id.in_(cands))
            else:
                single = single.where(in_sel, alone, *([pts >= floor] if floor is not None else []))
            if floor is not None:
                multi = multi.having(sa.func.sum(pts) >= floor)
        else:
            single = single.where(in_sel, alone)
        per = sa.union_all(single, multi).subquery()
    else:
        per = grouped.where(in_sel).subquery()
    # rank on rounded sums so float noise cannot break a tie differently per database
    rp, rh = _rounded(per.c.points, conn), _rounded(per.c.hours, conn)
    order = (rp.desc(), rh.desc(), _binary(per.c.employee_id, conn).asc())
    # rows as lists: employee_id, points, hours, months, last_month, n_rows, unit, name, vary,
    # row_mask, rank
    if search or n is None:
        # every person ranked, then filtered: a match keeps its overall rank
        ranked = sa.select(per, sa.func.row_number().over(order_by=order).label("rank")).subquery()
        q = sa.select(ranked).order_by(ranked.c.rank)
        if search:
            # contains(autoescape=True): a % or _ typed in the search box is a character, not a wildcard
            term = search.strip()
            exact = sa.and_(ranked.c.n_rows == 1, ranked.c.vary == 0)
            # the people whose name is not known yet stay candidates until looked up below
            q = q.where(
                sa.or_(
                    ranked.c.employee_id.contains(term, autoescape=True),
                    sa.not_(exact),
                    ranked.c.name.contains(term, autoescape=True),
                )
            )
        rows = [list(r) for r in _fetch_plain(conn, q)]
    else:
        # the leaderboard: ORDER BY … LIMIT n lets the database keep a top-n heap instead of a sort
        q = sa.select(per).order_by(*order).limit(n)
        rows = [[*r, i] for i, r in enumerate(_fetch_plain(conn, q), start=1)]
    if one_year:
        ((y, ms),) = years.items()
        pmask = _mask(ms)
        for r in rows:
            if r[3] is None:  # a single learner_years row: its mask tells months and the last one
                bits = int(r[9]) & pmask
                r[3] = bits.bit_count()
                r[4] = f"{y}-{bits.bit_length():02d}"
    # name and unit of the latest row for the people learner_years cannot tell exactly
    unsure = [r for r in rows if r[5] != 1 or r[8]]
    if unsure:
        lr = db.ledger_rows
        match = sa.true()
        if search:
            term = search.strip()
            match = sa.or_(lr.c.employee_id.contains(term, autoescape=True), lr.c.name.contains(term, autoescape=True))
        found: dict[tuple[str, str], Any] = {}
        by_month: dict[str, list[str]] = defaultdict(list)
        for r in unsure:
            by_month[r[4]].append(r[0])
        for month, emps in by_month.items():
            for chunk in db._chunks(sorted(emps)):
                q = sa.select(lr.c.employee_id, lr.c.name, lr.c.unit, sa.case((match, 1), else_=0)).where(
                    lr.c.month == month, lr.c.employee_id.in_(chunk)
                )
                for x in conn.execute(q).all():
                    found[(x[0], month)] = x
        missed = set()
        for r in unsure:
            x = found[(r[0], r[4])]
            r[7], r[6] = x[1], x[2]
            if not x[3]:
                missed.add(r[0])
        if search and missed:
            rows = [r for r in rows if r[0] not in missed]
    if search and n is not None:
        rows = rows[:n]
    u = db.units
    depts: dict[str, str | None] = {}
    for chunk in db._chunks(sorted({r[6] for r in rows})):
        depts.update(conn.execute(sa.select(u.c.name, u.c.department).where(u.c.name.in_(chunk))).all())
    return [(int(r[10]), r[0], r[7], r[6], depts.get(r[6]), _r(r[1]), _r(r[2]), int(r[3])) for r in rows]


TIE_MARGIN = 2000  # people past the n-th in the first pass of the leaderboard


def _max_binds(conn: sa.Connection) -> int:
    """How many values one IN list may bind: SQLite before 3.32 allows 999 in a statement."""
    if conn.dialect.name == "sqlite":
        import sqlite3

        return 30000 if sqlite3.sqlite_version_info >= (3, 32) else db.CHUNK
    return 30000


def _kept_candidates(conn: sa.Connection, year: str, block: str, n: int) -> tuple[float | None, Any]:
    """What ``_top_candidates`` finds, from learner_tops: P is a month, a quarter or the year and U
    the whole organisation, so the people who can rank are kept there already. The 工号 come as a
    subquery (a list of a thousand binds costs more to send than the query takes)."""
    lt = db.learner_tops
    kept = sa.and_(lt.c.year == year, lt.c.block == block)
    floor = conn.execute(
        sa.select(lt.c.points).where(kept).order_by(lt.c.points.desc()).limit(1).offset(n - 1)
    ).scalar()
    floor = None if floor is None else float(floor) - 1e-5
    return floor, sa.select(lt.c.employee_id).where(kept, *([lt.c.points >= floor] if floor is not None else []))


def _top_candidates(
    conn: sa.Connection, pts: Any, in_sel: Any, alone: Any, n: int
) -> tuple[float | None, list[str] | None]:
    """The floor of a one-year leaderboard of n, and the people with one row who reach it.

    The n-th largest raw Σ points bounds the leaderboard from below: whoever ranks in the top n on
    the rounded sums has at least that minus the rounding (the floor), so the costly sort only
    sees the people above it. One pass over the year finds it: a top-n heap of the raw sums of the
    people with one row (工号 and sum only, ``n + TIE_MARGIN`` of them: points tie a lot) plus the
    sums of the few who moved (through the (year, person_rows) index). The 工号 list is returned
    when the heap holds everyone with one row at or above the floor (None: filter by the floor).
    """
    ly = db.learner_years
    limit = n + TIE_MARGIN
    tops = _fetch_plain(
        conn, sa.select(ly.c.employee_id, pts.label("p")).where(in_sel, alone).order_by(pts.desc()).limit(limit)
    )
    moved = _fetch_plain(
        conn,
        sa.select(sa.func.sum(pts)).where(in_sel, ly.c.person_rows > 1).group_by(ly.c.employee_id),
    )
    sums = sorted([float(t[1]) for t in tops[:n]] + [float(t[0]) for t in moved], reverse=True)
    floor = sums[n - 1] - 1e-5 if len(sums) >= n else None
    if len(tops) < limit or (floor is not None and float(tops[-1][1]) < floor):
        cands = [t[0] for t in tops if floor is None or float(t[1]) >= floor]
        if len(cands) <= _max_binds(conn):
            return floor, cands
    return floor, None


def _fetch_plain(conn: sa.Connection, q: Any) -> list[tuple[Any, ...]]:
    """Every row of ``q`` as the driver's tuples (up to one per person: no Row objects). Only for
    queries whose columns need no result conversion: text, integers, floats."""
    result = conn.execute(q)
    try:
        return result.cursor.fetchall()  # type: ignore[union-attr]
    finally:
        result.close()


def _rounded(col: Any, conn: sa.Connection) -> Any:
    """A sum rounded to 6 decimals in SQL, the cheapest way each database does it exactly alike:
    SQLite round(x, 6) (a CAST to NUMERIC would change nothing), PostgreSQL a cast to
    NUMERIC(18, 6) (which rounds by itself), elsewhere ROUND(CAST(x AS NUMERIC(18, 6)), 6)."""
    name = conn.dialect.name
    if name == "sqlite":
        return sa.func.round(col, 6)
    if name == "postgresql":
        return sa.cast(col, sa.Numeric(18, 6))
    return sa.func.round(sa.cast(col, sa.Numeric(18, 6)), 6)


TOP_COLUMNS = ["rank", "employee_id", "name", "unit", "department", "points", "hours", "months"]


# ---- public functions ---------------------------------------------------------------------


def summary(
    store: Store, settings: Settings, selection: Selection, today: date | None = None, kpis_only: bool = False
) -> Summary:
    """The organisation's figures for U and P (the KPI tiles and the CLI JSON). ``kpis_only``
    leaves ``top_learners`` and ``certificates_by_level`` empty: the previous period's tiles
    only need the KPIs."""
    sel = _period(store, selection)[0]
    with store.engine.connect() as conn:
        return _summary(conn, settings, sel, _UnitData.load(conn, settings, sel), today, kpis_only)


@dataclass
class _UnitData:
    """Each unit of U with its figures and milestone progress over P: what the KPI tiles and the
    unit ranking are both made of (the overview computes it once for both)."""

    units: list[Any]
    figures: dict[str, Any]
    progress: dict[str, Any]

    @classmethod
    def load(cls, conn: sa.Connection, settings: Settings, sel: Selection) -> _UnitData:
        assert sel.month_from and sel.month_to
        us = _load_units(conn, sel)
        figs = _unit_figures(conn, sel, sel.month_from, sel.month_to, us)
        return cls(us, figs, _unit_progress(conn, settings, sel, us, month_end(sel.month_to)))


def _summary(
    conn: sa.Connection, settings: Settings, sel: Selection, data: _UnitData, today: date | None, kpis_only: bool
) -> Summary:
    assert sel.month_from and sel.month_to
    first, last = sel.month_from, sel.month_to
    us, figs, prog = data.units, data.figures, data.progress
    levels = {} if kpis_only else _levels(conn, sel, first, last)
    top = [
        dict(zip(TOP_COLUMNS, t, strict=True))
        for t in ([] if kpis_only else _top_rows(conn, sel, first, last, settings.top_learners, None))
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
        participation_rate=_ratio(participants, headcount),
        training_hours=hours,
        hours_per_capita=_ratio(hours, headcount),
        certificates=sum(f.certificates for f in figs.values()),
        certificates_by_level=levels,
        launch_rate=_ratio(sum(p.launched for p in prog.values()), len(us)),
        phase_progress=_ratio(sum(p.progress for p in prog.values()), len(us)),
        units_behind=len(behind),
        top_learners=top,
        participants_is_lower_bound=any(f.lower_bound for f in figs.values()),
        behind_units=behind,
        current_phase=phase.name if phase else None,
    )


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
    sel = _period(store, selection)[0]
    with store.engine.connect() as conn:
        return _unit_frame(_UnitData.load(conn, settings, sel))


def _unit_frame(data: _UnitData) -> pd.DataFrame:
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
                _r(_ratio(f.participants, f.headcount)),
                _r(f.hours),
                _r(_ratio(f.hours, f.headcount)),
                f.certificates,
                f.suggestions,
                f.sessions,
                f.person_times,
                _r(f.points),
                p.done,
                p.total,
                _r(p.progress),
                p.behind,
                p.launched,
                f.months_reported,
                f.lower_bound,
            )
        )
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


def monthly(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    """Month by month over P; each month's figures are exact (one month, no lower bound)."""
    import pandas as pd

    sel, first, last = _period(store, selection)
    um, u = db.unit_months, db.units
    with store.engine.connect() as conn:
        roster_total = int(
            conn.execute(
                sa.select(sa.func.sum(sa.func.coalesce(u.c.headcount, 0))).where(*_unit_conditions(sel))
            ).scalar()
            or 0
        )
        reported = sa.or_(um.c.has_summary, um.c.has_ledger)
        rows = conn.execute(
            sa.select(
                um.c.month,
                # headcount of a month: its summary row, else the roster
                sa.func.sum(
                    sa.case((um.c.has_summary, um.c.summary_headcount - sa.func.coalesce(u.c.headcount, 0)), else_=0)
                ).label("head_delta"),
                sa.func.sum(um.c.participants).label("participants"),
                sa.func.sum(um.c.hours).label("hours"),
                sa.func.sum(um.c.certificates).label("certificates"),
                sa.func.sum(sa.case((reported, 1), else_=0)).label("units_reported"),
            )
            .join(u, u.c.name == um.c.unit)
            .where(*_unit_conditions(sel), _in_period(um.c.month, first, last))
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
                "participation_rate": _r(_ratio(part, head)),
                "training_hours": _r(r.hours) if r else 0.0,
                "certificates": int(r.certificates or 0) if r else 0,
                "units_reported": int(r.units_reported or 0) if r else 0,
            }
        )
    cols = [
        "month",
        "headcount",
        "participants",
        "participation_rate",
        "training_hours",
        "certificates",
        "units_reported",
    ]
    return pd.DataFrame(out, columns=cols)


def top_learners(
    store: Store, settings: Settings, selection: Selection, n: int | None = None, search: str | None = None
) -> pd.DataFrame:
    """The leaderboard (rank over the whole selection); ``search`` filters by 工号/姓名 and keeps
    each person's overall rank, and then returns every match unless ``n`` is given."""
    import pandas as pd

    sel, first, last = _period(store, selection)
    if n is None and not search:
        n = settings.top_learners
    with store.engine.connect() as conn:
        rows = _top_rows(conn, sel, first, last, n, search)
    return pd.DataFrame(rows, columns=TOP_COLUMNS)


@dataclass
class Overview:
    """Everything the 总览 page shows. The KPI tiles and the unit ranking are made of the same
    per-unit figures, and the tiles' top learners are the leaderboard's: computed once here."""

    summary: Summary
    previous: Summary | None  # the previous period's KPIs (no top learners), for the deltas
    units: pd.DataFrame  # unit_table
    matrix: pd.DataFrame  # milestone_matrix
    monthly: pd.DataFrame
    top: pd.DataFrame  # top_learners with the configured n


def overview(
    store: Store,
    settings: Settings,
    selection: Selection,
    today: date | None = None,
    previous: Selection | None = None,
) -> Overview:
    """The 总览 page's figures: exactly what summary, unit_table, milestone_matrix, monthly and
    top_learners return for ``selection`` (and summary without top learners for ``previous``)."""
    import pandas as pd

    sel = _period(store, selection)[0]
    with store.engine.connect() as conn:
        data = _UnitData.load(conn, settings, sel)
        current = _summary(conn, settings, sel, data, today, kpis_only=False)
        before = None
        if previous is not None:
            psel = _period(store, previous)[0]
            before = _summary(conn, settings, psel, _UnitData.load(conn, settings, psel), today, kpis_only=True)
        units = _unit_frame(data)
    top = pd.DataFrame([tuple(t.values()) for t in current.top_learners], columns=TOP_COLUMNS)
    return Overview(
        summary=current,
        previous=before,
        units=units,
        matrix=milestone_matrix(store, settings, sel),
        monthly=monthly(store, settings, sel),
        top=top,
    )


def milestone_matrix(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    """Units × milestones, long form, status as of the end of P."""
    import pandas as pd

    sel, _first, last = _period(store, selection)
    end = month_end(last)
    with store.engine.connect() as conn:
        us = _load_units(conn, sel)
        ms = _milestones(conn, settings, sel, us)
    rows = []
    for u in us:
        for m in ms[u.name]:  # _status inlined: thousands of cells
            status = (
                "done"
                if m.done_date is not None and m.done_date <= end
                else "overdue"
                if m.due is not None and m.due <= end
                else "pending"
            )
            rows.append((u.name, u.department, m.phase, m.name, m.due, m.done_date, status))
    return pd.DataFrame(rows, columns=["unit", "department", "phase", "milestone", "due", "done_date", "status"])


def submission_matrix(
    store: Store, settings: Settings, selection: Selection, today: date | None = None
) -> pd.DataFrame:
    """Units × months of P: reported (a summary or ledger rows) or missing, and when updated.

    Months after ``today``'s month are left out (they cannot be missing yet). A month with only
    certificate rows is not a report: certificates are dated by when they were gained.
    """
    import pandas as pd

    sel, first, last = _period(store, selection)
    if today is not None:
        now = f"{today.year:04d}-{today.month:02d}"
        last = min(last, max(now, first))
    um = db.unit_months
    with store.engine.connect() as conn:
        us = _load_units(conn, sel)
        # the driver's tuples; updated_at converted once per distinct value below (SQLite stores
        # text that SQLAlchemy would parse row by row: most of this page's time)
        got = {
            (r[0], r[1]): r
            for r in _fetch_plain(
                conn,
                # IN U even without a filter: SQLite reads by the primary key, unit by unit
                sa.select(um.c.unit, um.c.month, um.c.has_summary, um.c.has_ledger, um.c.updated_at).where(
                    um.c.unit.in_(_units_subquery(sel)), _in_period(um.c.month, first, last)
                ),
            )
        }
        to_datetime = um.c.updated_at.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    months = months_between(first, last)
    aware: dict[Any, Any] = {}  # one conversion per distinct time (an import writes one)
    # (has summary, has ledger) → status, source
    kinds = {
        (False, False): ("missing", ""),
        (True, False): ("reported", "summary"),
        (False, True): ("reported", "ledger"),
        (True, True): ("reported", "both"),
    }
    rows = []
    for u in us:
        name, dept = u.name, u.department
        for m in months:
            r = got.get((name, m))
            if r is None:
                rows.append((name, dept, m, "missing", "", None))
                continue
            if r[4] not in aware:
                aware[r[4]] = _aware(to_datetime(r[4]) if to_datetime else r[4])
            rows.append((name, dept, m, *kinds[(bool(r[2]), bool(r[3]))], aware[r[4]]))
    return pd.DataFrame(rows, columns=["unit", "department", "month", "status", "source", "last_updated"])


def data_quality(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    """Unit-months with both ledger and summary whose participants or hours differ by more than
    the tolerance relative to the summary (the ledger is what the figures use).

    ``participants_diff``/``hours_diff`` are (ledger − summary) / summary, None when the summary
    figure is 0.
    """
    import pandas as pd

    sel, first, last = _period(store, selection)
    tol = float(settings.quality_tolerance)
    um = db.unit_months
    eps = 1e-9  # float noise in Σ hours must not flag an exact match
    lp, sp = um.c.ledger_participants, um.c.summary_participants
    lh, sh = um.c.ledger_hours, um.c.summary_hours
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(um.c.unit, um.c.month, lp, sp, lh, sh).where(
                um.c.unit.in_(_units_subquery(sel)),
                _in_period(um.c.month, first, last),
                um.c.has_ledger,
                um.c.has_summary,
                sa.or_(sa.func.abs(lp - sp) > tol * sp + eps, sa.func.abs(lh - sh) > tol * sh + eps),
            )
        ).all()
    rows = sorted(rows, key=lambda r: (r.unit, r.month))
    out = [
        {
            "unit": r.unit,
            "month": r.month,
            "ledger_participants": int(r.ledger_participants),
            "summary_participants": int(r.summary_participants),
            "ledger_hours": _r(r.ledger_hours),
            "summary_hours": _r(r.summary_hours),
            "participants_diff": _r((r.ledger_participants - r.summary_participants) / r.summary_participants)
            if r.summary_participants
            else None,
            "hours_diff": _r((r.ledger_hours - r.summary_hours) / r.summary_hours) if r.summary_hours else None,
        }
        for r in rows
    ]
    cols = [
        "unit",
        "month",
        "ledger_participants",
        "summary_participants",
        "ledger_hours",
        "summary_hours",
        "participants_diff",
        "hours_diff",
    ]
    return pd.DataFrame(out, columns=cols)


def filter_options(store: Store) -> dict[str, list[Any]]:
    """What the sidebar filters can offer: departments, unit types, units and months with data."""
    u, um = db.units, db.unit_months
    with store.engine.connect() as conn:
        deps = conn.execute(sa.select(u.c.department).where(u.c.department.is_not(None)).distinct()).scalars().all()
        types = conn.execute(sa.select(u.c.unit_type).where(u.c.unit_type.is_not(None)).distinct()).scalars().all()
        names = conn.execute(sa.select(u.c.name)).scalars().all()
        months = conn.execute(sa.select(um.c.month).distinct().order_by(um.c.month)).scalars().all()
    return {"departments": sorted(deps), "unit_types": sorted(types), "units": sorted(names), "months": list(months)}
