"""DESIGN §4b in the database: each unit's 考核得分 from the figures of its KPI tiles, the vetoes, and
the 先进集体 and 知识型职工标兵 shortlists.

The per-unit figures are ``metrics.unit_table``'s (the ones 单位排名 and the KPI tiles show) and the
targets ``briefing.kpi_targets``'s (the tiles'), so a score can never disagree with a tile. What
§4b adds is three small GROUP BYs: the months each unit reported, the training funds and payroll of
its summary rows, and the certificates of the leaderboard's first people. Nothing reads every ledger
row: the leaderboard is ``metrics.top_learners`` with a limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from dashboard import metrics
from dashboard.briefing import kpi_targets
from dashboard.config import EVALUATION_INDICATORS, EvaluationRules
from dashboard.evaluation.ranking import rank_units
from dashboard.metrics.selection import in_units
from data_sources import store as db

if TYPE_CHECKING:  # pragma: no cover
    from dashboard.config import Settings
    from data_sources.store import Store

INDICATORS = EVALUATION_INDICATORS
# Veto reasons (``vetoed_by``) and why a unit that is not vetoed is no candidate.
VETO_PARTICIPATION = "participation_rate"
VETO_FUNDS = "training_funds"
BELOW_SCORE = "below_min_score"
BEYOND_SHARE = "beyond_award_share"
# Why a person of the leaderboard is no 标兵 candidate.
FEW_HOURS = "hours_below_minimum"
NO_CERTIFICATE = "no_certificate"

_EPS = 1e-9  # 49/50 reaches a 98% target, 0.9 is not below 0.9, despite float rounding

# The frame of ``ranking``: every column of metrics.unit_table (participation_rate capped at 1),
# then these.
SCORE_COLUMNS = [
    "submitted_months",  # months of P (up to the organisation's latest) the unit reported in
    "due_months",  # months of P up to the latest month any unit reported
    "submission_rate",
    "training_funds",  # Σ 培训经费 of the summary rows that give both (元), None when none do
    "payroll",  # Σ 工资总额 of the same rows (元)
    "funds_ratio",
    *[f"points_{k}" for k in INDICATORS],
    "score",
    "vetoed_by",  # list of reasons, empty when not vetoed
    "candidate",  # 先进集体 candidate
    "not_candidate_because",  # None for a candidate; a veto, below_min_score or beyond_award_share
]
INDICATOR_COLUMNS = ["unit", "indicator", "weight", "actual", "target", "attainment", "points"]
INDIVIDUAL_COLUMNS = [*metrics.TOP_COLUMNS, "certificates", "candidate", "excluded_by"]


@dataclass
class Evaluation:
    """The evaluation of a selection: what the 考核评比 page shows and ``evaluate --json`` prints."""

    month_from: str
    month_to: str
    rules: EvaluationRules
    units: pd.DataFrame  # in the one ranking order: metrics.UNIT_COLUMNS + SCORE_COLUMNS, "rank" first
    indicators: pd.DataFrame  # long form, INDICATOR_COLUMNS, one row per unit and indicator (ranking order)
    individuals: pd.DataFrame  # INDIVIDUAL_COLUMNS: the leaderboard down to the last candidate
    award_quota: int  # ceil(award_share × units in U): how many 先进集体 at most
    min_hours: float  # min_hours_per_month × months of P: a 标兵's least hours

    @property
    def unit_candidates(self) -> pd.DataFrame:
        return self.units[self.units["candidate"]].reset_index(drop=True)

    @property
    def individual_candidates(self) -> pd.DataFrame:
        return self.individuals[self.individuals["candidate"]].reset_index(drop=True)

    @property
    def vetoed(self) -> pd.DataFrame:
        return self.units[self.units["vetoed_by"].map(bool)].reset_index(drop=True)

    def to_json(self) -> dict[str, Any]:
        """The JSON of ``python -m dashboard evaluate --json`` (DESIGN §6): plain numbers, rates
        as fractions 0..1."""
        by_unit: dict[str, dict[str, Any]] = {}
        for r in self.indicators.itertuples(index=False):
            by_unit.setdefault(r.unit, {})[r.indicator] = {
                "actual": _num(r.actual),
                "target": _num(r.target),
                "attainment": _num(r.attainment),
                "points": _num(r.points),
            }
        return {
            "units": [
                {
                    "unit": r["unit"],
                    "department": r["department"],
                    "score": float(r["score"]),
                    "rank": int(r["rank"]),
                    "indicators": by_unit.get(r["unit"], {}),
                    "funds_ratio": _optional(r["funds_ratio"]),
                    "vetoed_by": list(r["vetoed_by"]),
                    "candidate": bool(r["candidate"]),
                }
                for r in self.units.to_dict("records")
            ],
            "individuals": [
                {
                    "employee_id": r["employee_id"],
                    "name": r["name"],
                    "unit": r["unit"],
                    "points": _num(r["points"]),
                    "hours": _num(r["hours"]),
                    "certificates": int(r["certificates"]),
                    "candidate": bool(r["candidate"]),
                }
                for r in self.individuals.to_dict("records")
            ],
        }


def _num(x: Any) -> float:
    """A float without binary noise (6 decimals), for JSON."""
    return round(float(x), 6) + 0.0


def _optional(x: Any) -> float | None:
    """A figure that may be missing (pandas keeps None as NaN in a float column)."""
    return None if x is None or x != x else _num(x)


def score_of(total: float) -> float:
    """The score as ranked and compared with the award threshold: one decimal, half up
    (四舍五入), after dropping float noise beyond the sixth decimal."""
    return float(Decimal(repr(round(total, 6))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def attainment(actual: float, target: float) -> float:
    """min(actual / target, 1); a target of 0 is reached by anything."""
    if target <= 0:
        return 1.0
    return min(actual / target, 1.0)


def award_quota(share: float, n_units: int) -> int:
    """ceil(share × units) without float noise (0.7 × 10 is 7, not 8)."""
    return max(0, math.ceil(share * n_units - _EPS))


# ---- the figures §4b adds (SQL) -----------------------------------------------------------


def _latest_month(conn: sa.Connection) -> str | None:
    """The latest month any unit of the organisation reported (summary, ledger or certificates)."""
    return conn.execute(sa.select(sa.func.max(db.unit_months.c.month))).scalar()


def _submitted(conn: sa.Connection, first: str, last: str) -> dict[str, int]:
    """Months in first..last each unit reported in (a month with only certificate rows counts):
    every unit, grouped in the database (a row per unit comes back, not per unit-month)."""
    um = db.unit_months
    reported = sa.or_(um.c.has_summary, um.c.has_ledger, um.c.has_cert_rows)
    q = (
        sa.select(um.c.unit, sa.func.count())
        .where(um.c.month >= first, um.c.month <= last, reported)
        .group_by(um.c.unit)
    )
    return {u: int(n) for u, n in conn.execute(q)}


def _funds(conn: sa.Connection, first: str, last: str) -> dict[str, tuple[float, float]]:
    """(Σ 培训经费, Σ 工资总额) per unit over the summary rows of first..last that give both."""
    sr = db.summary_rows
    q = (
        sa.select(sr.c.unit, sa.func.sum(sr.c.training_funds), sa.func.sum(sr.c.payroll))
        .where(sr.c.month >= first, sr.c.month <= last, sr.c.training_funds.is_not(None), sr.c.payroll.is_not(None))
        .group_by(sr.c.unit)
    )
    return {u: (float(f or 0), float(p or 0)) for u, f, p in conn.execute(q)}


def _certificates_by_person(conn: sa.Connection, first: str, last: str) -> dict[str, int]:
    """Certificates dated in first..last per 工号 (in any unit): one GROUP BY over the period's
    certificate rows (a fraction of the staff gain one in a year)."""
    cr = db.certificate_rows
    q = sa.select(cr.c.employee_id, sa.func.count()).where(cr.c.month >= first, cr.c.month <= last)
    return {e: int(n) for e, n in conn.execute(q.group_by(cr.c.employee_id))}


def _people(
    sel: metrics.Selection,
    first: str,
    last: str,
    min_hours: float | None = None,
    min_points: float | None = None,
    with_certificate: bool = False,
) -> Any:
    """(employee_id, points, hours): Σ over P of everyone with ledger rows of U in P who has at
    least ``min_hours`` / ``min_points`` (and a certificate dated in P), from learner_years (one
    row per person, unit and year: the month columns of P summed). Inside one year the people with
    one row that year (nearly everyone) need no GROUP BY: a GROUP BY over 100,000 people took
    0.5 s on SQLite, the filtered scan 0.1 s."""
    ly = db.learner_years
    by_year: dict[str, list[str]] = {}
    for month in metrics.months_between(first, last):
        by_year.setdefault(month[:4], []).append(month[5:7])

    def total(prefix: str) -> Any:
        per_year = [
            (ly.c.year == y, sum((ly.c[f"{prefix}_{m}"] for m in ms), sa.literal(0.0))) for y, ms in by_year.items()
        ]
        return per_year[0][1] if len(per_year) == 1 else sa.case(*per_year, else_=0.0)

    in_p = sa.or_(
        *[
            sa.and_(ly.c.year == y, ly.c.row_mask.op("&")(sa.literal(sum(1 << (int(m) - 1) for m in ms))) != 0)
            for y, ms in by_year.items()
        ]
    )
    where = [in_units(ly.c.unit, sel), in_p]
    if with_certificate:
        cr = db.certificate_rows
        where.append(ly.c.employee_id.in_(sa.select(cr.c.employee_id).where(cr.c.month >= first, cr.c.month <= last)))

    def at_least(points: Any, hours: Any) -> list[Any]:
        return [
            c
            for c in (
                None if min_hours is None else hours >= min_hours - _EPS,
                None if min_points is None else points >= min_points,
            )
            if c is not None
        ]

    points, hours = total("points"), total("hours")
    grouped = sa.select(ly.c.employee_id, sa.func.sum(points).label("points"), sa.func.sum(hours).label("hours"))
    if len(by_year) > 1:
        return (
            grouped.where(*where).group_by(ly.c.employee_id).having(*at_least(sa.func.sum(points), sa.func.sum(hours)))
        )
    single = sa.select(ly.c.employee_id, points.label("points"), hours.label("hours")).where(
        *where, ly.c.person_rows == 1, *at_least(points, hours)
    )
    several = (
        grouped.where(*where, ly.c.person_rows > 1)
        .group_by(ly.c.employee_id)
        .having(*at_least(sa.func.sum(points), sa.func.sum(hours)))
    )
    return sa.union_all(single, several)


def _deep_candidates(
    conn: sa.Connection,
    sel: metrics.Selection,
    first: str,
    last: str,
    rules: EvaluationRules,
    min_hours: float,
    certs: dict[str, int],
) -> pd.DataFrame:
    """The first ``individual_awards`` people who qualify, as leaderboard rows, when they are
    below the top of the board: the database finds the Σ points of the last of them; everyone
    with at least that many points is ranked here as the leaderboard ranks (points, hours, 工号,
    at 6 decimals), and the candidates get the name and unit of their latest ledger row of U in
    P. A December whose top 8,000 people lack hours costs a scan, not the leaderboard's 8,000
    rows with their names; nobody qualifying costs one query."""
    wanted = rules.individual_awards
    qualify = _people(sel, first, last, min_hours=min_hours, with_certificate=rules.require_certificate).subquery()
    top = [p for (p,) in conn.execute(sa.select(qualify.c.points).order_by(qualify.c.points.desc()).limit(wanted))]
    if not top:
        return pd.DataFrame(columns=metrics.TOP_COLUMNS)
    people = [tuple(r) for r in conn.execute(_people(sel, first, last, min_points=top[-1] - 1e-6))]
    people.sort(key=lambda r: (-round(r[1], 6), -round(r[2], 6), r[0]))
    chosen = []
    for rank, (eid, points, hours) in enumerate(people, start=1):
        if hours >= min_hours - _EPS and (not rules.require_certificate or certs.get(eid)):
            chosen.append((rank, eid, points, hours))
            if len(chosen) == wanted:
                break
    lr, un = db.ledger_rows, db.units
    latest: dict[str, tuple[str, str, str]] = {}
    months: dict[str, set[str]] = {}
    q = sa.select(lr.c.employee_id, lr.c.month, lr.c.unit, lr.c.name).where(
        lr.c.employee_id.in_([c[1] for c in chosen]),
        lr.c.month >= first,
        lr.c.month <= last,
        in_units(lr.c.unit, sel),
    )
    for eid, month, unit, name in conn.execute(q):
        months.setdefault(eid, set()).add(month)
        if month >= latest.get(eid, ("",))[0]:
            latest[eid] = (month, unit, name)
    units = {u for _, u, _ in latest.values()}
    depts = dict(conn.execute(sa.select(un.c.name, un.c.department).where(un.c.name.in_(sorted(units)))).all())
    rows = [
        (
            rank,
            eid,
            latest[eid][2],
            latest[eid][1],
            depts.get(latest[eid][1]),
            round(p, 6),
            round(h, 6),
            len(months[eid]),
        )
        for rank, eid, p, h in chosen
    ]
    return pd.DataFrame(rows, columns=metrics.TOP_COLUMNS)


# ---- scoring ------------------------------------------------------------------------------


def _rules(settings: Settings, rules: EvaluationRules | None) -> EvaluationRules:
    return rules if rules is not None else settings.evaluation


def _unit_scores(
    store: Store, settings: Settings, sel: metrics.Selection, rules: EvaluationRules
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(the ranking frame, the long indicator frame, the award quota) of a resolved selection."""
    assert sel.month_from and sel.month_to
    first, last = sel.month_from, sel.month_to
    table = metrics.unit_table(store, settings, sel)
    with store.engine.connect() as conn:
        latest = _latest_month(conn)
        due_to = min(last, latest) if latest is not None else None
        due = len(metrics.months_between(first, due_to)) if due_to is not None and due_to >= first else 0
        submitted = _submitted(conn, first, due_to) if due else {}
        funds = _funds(conn, first, last)
    weights = dict(rules.weights)
    total_weight = sum(weights.values())
    overrides = settings.targets
    scoped: dict[tuple[str | None, str | None], dict[str, float]] = {}

    def targets_of(department: str | None, unit: str) -> dict[str, float]:
        """The tiles' targets of a unit (computed once per scope that has overrides)."""
        key = (
            department if department in overrides.departments else None,
            unit if unit in overrides.units else None,
        )
        if key not in scoped:
            scoped[key] = {**kpi_targets(settings, first, last, *key), "submission_rate": 1.0}
        return scoped[key]

    # column by column (a thousand units: building a dict per unit took longer than the SQL)
    df = table.copy()
    head = df["headcount"].fillna(0).astype(float)
    has_head = head > 0
    per_head = head.where(has_head, 1.0)
    df["participation_rate"] = (df["participants"] / per_head).clip(upper=1.0).where(has_head, 0.0)
    df["submitted_months"] = [submitted.get(u, 0) for u in df["unit"]]
    df["due_months"] = due
    df["submission_rate"] = df["submitted_months"] / due if due else 1.0
    sums = [funds.get(u) for u in df["unit"]]
    df["training_funds"] = [None if f is None else f[0] for f in sums]
    df["payroll"] = [None if f is None else f[1] for f in sums]
    df["funds_ratio"] = [f[0] / f[1] if f is not None and f[1] else None for f in sums]
    actual = {
        "participation_rate": df["participation_rate"],
        "hours_per_capita": (df["training_hours"] / per_head).where(has_head, 0.0),
        "certificates_per_100": (df["certificates"] / per_head * 100).where(has_head, 0.0),
        "phase_progress": (df["milestones_done"] / df["milestones_total"].where(df["milestones_total"] > 0, 1)).where(
            df["milestones_total"] > 0, 0.0
        ),
        # no month of P is due yet (P after the latest report): nothing is missing
        "submission_rate": df["submission_rate"].astype(float),
    }
    scopes = [targets_of(d, u) for d, u in zip(df["department"], df["unit"], strict=True)]
    long_parts = []
    total = pd.Series(0.0, index=df.index)
    for k in INDICATORS:
        target = pd.Series([t[k] for t in scopes], index=df.index, dtype=float)
        att = (actual[k] / target.where(target > 0, 1.0)).clip(upper=1.0).where(target > 0, 1.0)
        points = weights[k] / total_weight * 100 * att
        df[f"points_{k}"] = points
        total += points
        long_parts.append(
            pd.DataFrame(
                {
                    "unit": df["unit"],
                    "indicator": k,
                    "weight": weights[k],
                    "actual": actual[k].astype(float),
                    "target": target,
                    "attainment": att,
                    "points": points,
                }
            )
        )
    df["score"] = [score_of(x) for x in total]
    low_participation = df["participation_rate"] < rules.veto_participation_rate - _EPS
    low_funds = [r is not None and r < rules.min_training_funds_ratio - _EPS for r in df["funds_ratio"]]
    df["vetoed_by"] = [
        [v for v, bad in ((VETO_PARTICIPATION, p), (VETO_FUNDS, f)) if bad]
        for p, f in zip(low_participation, low_funds, strict=True)
    ]
    ranked = rank_units(df[[*table.columns, *SCORE_COLUMNS[:-2]]])
    quota = award_quota(rules.award_share, len(ranked))
    candidate, why = [], []
    for vetoes, score in zip(ranked["vetoed_by"], ranked["score"], strict=True):
        if vetoes:
            reason = vetoes[0]
        elif score < rules.award_min_score - _EPS:
            reason = BELOW_SCORE
        elif sum(candidate) >= quota:
            reason = BEYOND_SHARE
        else:
            reason = None
        candidate.append(reason is None)
        why.append(reason)
    ranked["candidate"] = candidate
    ranked["not_candidate_because"] = pd.Series(why, dtype=object)
    order = {u: i for i, u in enumerate(ranked["unit"])}
    long = pd.concat(long_parts, ignore_index=True) if long_parts else pd.DataFrame(columns=INDICATOR_COLUMNS)
    long["_i"] = long["indicator"].map(INDICATORS.index)
    long = long.assign(_o=long["unit"].map(order)).sort_values(["_o", "_i"], kind="stable")
    long = long[INDICATOR_COLUMNS].reset_index(drop=True)
    return ranked, long, quota


def _individuals(
    store: Store, settings: Settings, sel: metrics.Selection, rules: EvaluationRules
) -> tuple[pd.DataFrame, float]:
    """The leaderboard's first ``individual_awards`` people and the first ``individual_awards``
    who qualify (Σ hours in P ≥ ``min_hours_per_month`` × months of P, and a certificate dated
    in P when ``require_certificate``), in leaderboard order; the least hours a 标兵 needs."""
    assert sel.month_from and sel.month_to
    first, last = sel.month_from, sel.month_to
    min_hours = rules.min_hours_per_month * len(metrics.months_between(first, last))
    wanted = rules.individual_awards
    if wanted <= 0:
        return pd.DataFrame(columns=INDIVIDUAL_COLUMNS), min_hours
    n = max(4 * wanted, 100)  # the top of the board: usually holds the candidates
    board = metrics.top_learners(store, settings, sel, n=n)
    with store.engine.connect() as conn:
        certs = _certificates_by_person(conn, first, last)
        ok = _qualifies(board, certs, rules, min_hours)
        chosen = ok & (ok.cumsum() <= wanted)
        if ok.sum() < wanted and len(board) == n:  # the candidates are further down
            deep = _deep_candidates(conn, sel, first, last, rules, min_hours, certs)
            extra = deep[~deep["employee_id"].isin(board["employee_id"])]
            board = pd.concat([board, extra], ignore_index=True) if len(extra) else board
            chosen = board["employee_id"].isin(deep["employee_id"])
    listed = board[(board.index < wanted) | chosen].copy()
    listed["certificates"] = [certs.get(e, 0) for e in listed["employee_id"]]
    listed["candidate"] = chosen[listed.index]
    listed["excluded_by"] = [
        []
        if c
        else [
            why
            for why, bad in ((FEW_HOURS, h < min_hours - _EPS), (NO_CERTIFICATE, rules.require_certificate and not n_c))
            if bad
        ]
        for c, h, n_c in zip(listed["candidate"], listed["hours"], listed["certificates"], strict=True)
    ]
    return listed[INDIVIDUAL_COLUMNS].reset_index(drop=True), min_hours


def _qualifies(board: pd.DataFrame, certs: dict[str, int], rules: EvaluationRules, min_hours: float) -> pd.Series:
    ok = board["hours"] >= min_hours - _EPS
    if rules.require_certificate:
        ok &= board["employee_id"].map(lambda e: certs.get(e, 0) > 0).astype(bool)
    return ok.astype(bool)


def ranking(
    store: Store, settings: Settings, selection: metrics.Selection, rules: EvaluationRules | None = None
) -> pd.DataFrame:
    """Every unit of U in the one ranking order with every metric of ``metrics.unit_table`` plus
    its score, the indicators' points, vetoes and whether it is a 先进集体 candidate: the table
    of 单位排名, the briefing's ranking sheet and ``python -m dashboard units``."""
    sel = metrics.resolve_period(store, selection)
    return _unit_scores(store, settings, sel, _rules(settings, rules))[0]


def evaluate(
    store: Store, settings: Settings, selection: metrics.Selection, rules: EvaluationRules | None = None
) -> Evaluation:
    """DESIGN §4b for a selection; ``rules`` (default: config.toml's [evaluation]) lets a page try
    other weights before they are saved (``settings.evaluation.with_weights({...})``)."""
    sel = metrics.resolve_period(store, selection)
    assert sel.month_from and sel.month_to
    r = _rules(settings, rules)
    units, indicators, quota = _unit_scores(store, settings, sel, r)
    individuals, min_hours = _individuals(store, settings, sel, r)
    return Evaluation(sel.month_from, sel.month_to, r, units, indicators, individuals, quota, min_hours)
