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


def _certificates_of(conn: sa.Connection, people: list[str], first: str, last: str) -> dict[str, int]:
    """Certificates dated in first..last of each of these 工号 (in any unit)."""
    cr = db.certificate_rows
    out: dict[str, int] = {}
    for i in range(0, len(people), db.CHUNK):
        chunk = people[i : i + db.CHUNK]
        q = (
            sa.select(cr.c.employee_id, sa.func.count())
            .where(cr.c.employee_id.in_(chunk), cr.c.month >= first, cr.c.month <= last)
            .group_by(cr.c.employee_id)
        )
        out.update({e: int(n) for e, n in conn.execute(q)})
    return out


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
    rows: list[dict[str, Any]] = []
    long: list[tuple[Any, ...]] = []
    for rec in table.to_dict("records"):
        unit, head = rec["unit"], int(rec["headcount"] or 0)
        participation = min(rec["participants"] / head, 1.0) if head else 0.0
        n_sub = submitted.get(unit, 0)
        f, p = funds.get(unit, (None, None))
        ratio = f / p if f is not None and p else None
        actual = {
            "participation_rate": participation,
            "hours_per_capita": rec["training_hours"] / head if head else 0.0,
            "certificates_per_100": rec["certificates"] / head * 100 if head else 0.0,
            "phase_progress": rec["milestones_done"] / rec["milestones_total"] if rec["milestones_total"] else 0.0,
            # no month of P is due yet (P after the latest report): nothing is missing
            "submission_rate": n_sub / due if due else 1.0,
        }
        targets = kpi_targets(settings, first, last, rec["department"], unit)
        targets["submission_rate"] = 1.0
        points: dict[str, float] = {}
        for k in INDICATORS:
            att = attainment(actual[k], targets[k])
            points[k] = weights[k] / total_weight * 100 * att
            long.append((unit, k, weights[k], actual[k], targets[k], att, points[k]))
        vetoes = []
        if participation < rules.veto_participation_rate - _EPS:
            vetoes.append(VETO_PARTICIPATION)
        if ratio is not None and ratio < rules.min_training_funds_ratio - _EPS:
            vetoes.append(VETO_FUNDS)
        rows.append(
            {
                **rec,
                "participation_rate": participation,
                "submitted_months": n_sub,
                "due_months": due,
                "submission_rate": actual["submission_rate"],
                "training_funds": f,
                "payroll": p,
                "funds_ratio": ratio,
                **{f"points_{k}": points[k] for k in INDICATORS},
                "score": score_of(sum(points.values())),
                "vetoed_by": vetoes,
            }
        )
    columns = [*table.columns, *SCORE_COLUMNS[:-2]]
    ranked = rank_units(pd.DataFrame(rows, columns=columns))
    quota = award_quota(rules.award_share, len(ranked))
    candidate, why = [], []
    for r in ranked.to_dict("records"):
        if r["vetoed_by"]:
            reason = r["vetoed_by"][0]
        elif r["score"] < rules.award_min_score - _EPS:
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
    long.sort(key=lambda t: (order[t[0]], INDICATORS.index(t[1])))
    return ranked, pd.DataFrame(long, columns=INDICATOR_COLUMNS), quota


def _individuals(
    store: Store, settings: Settings, sel: metrics.Selection, rules: EvaluationRules
) -> tuple[pd.DataFrame, float]:
    """The leaderboard from the top down to the ``individual_awards``-th person who qualifies
    (everyone walked past is listed with the reason), and the least hours a 标兵 needs."""
    assert sel.month_from and sel.month_to
    first, last = sel.month_from, sel.month_to
    min_hours = rules.min_hours_per_month * len(metrics.months_between(first, last))
    wanted = rules.individual_awards
    if wanted <= 0:
        return pd.DataFrame(columns=INDIVIDUAL_COLUMNS), min_hours
    n = max(2 * wanted, wanted + 20)
    while True:
        board = metrics.top_learners(store, settings, sel, n=n)
        with store.engine.connect() as conn:
            certs = _certificates_of(conn, list(board["employee_id"]), first, last)
        rows, found = [], 0
        for r in board.to_dict("records"):
            excluded = []
            if r["hours"] < min_hours - _EPS:
                excluded.append(FEW_HOURS)
            if rules.require_certificate and not certs.get(r["employee_id"]):
                excluded.append(NO_CERTIFICATE)
            rows.append(
                {
                    **r,
                    "certificates": certs.get(r["employee_id"], 0),
                    "candidate": not excluded,
                    "excluded_by": excluded,
                }
            )
            found += not excluded
            if found == wanted:
                break
        if found == wanted or len(board) < n:  # enough, or the whole leaderboard was read
            return pd.DataFrame(rows, columns=INDIVIDUAL_COLUMNS), min_hours
        n *= 4


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
