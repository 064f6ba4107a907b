"""The evaluation in words: why a unit or a person is (not) on a shortlist, and the rules that made
the shortlists — the same sentences on the page, in the 推荐名单 and on the command line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dashboard.evaluation.scoring import (
    BELOW_SCORE,
    BEYOND_SHARE,
    FEW_HOURS,
    INDICATORS,
    NO_CERTIFICATE,
    VETO_FUNDS,
    VETO_PARTICIPATION,
)
from dashboard.i18n import evaluation_text, fmt_num, fmt_pct, indicator_label
from dashboard.metrics import months_between

if TYPE_CHECKING:  # pragma: no cover
    from dashboard.evaluation.scoring import Evaluation


def score_text(score: float) -> str:
    return f"{score:.1f}"


def funds_text(ratio: float | None, lang: str = "zh") -> str:
    """The funds ratio with two decimals (1.49% must not read as 1.5%), or 未报送."""
    if ratio is None or ratio != ratio:  # None or NaN: not reported
        return evaluation_text("funds_not_reported", lang)
    return fmt_pct(ratio, 2)


def unit_reasons(ev: Evaluation, unit: Mapping[str, Any], lang: str = "zh") -> list[str]:
    """Why a unit (a row of ``ev.units``) is not a 先进集体 candidate: every veto, then the score
    or the places; empty for a candidate."""
    r = ev.rules
    out = []
    for veto in unit["vetoed_by"]:
        if veto == VETO_PARTICIPATION:
            out.append(
                evaluation_text(
                    "why_participation_rate",
                    lang,
                    actual=fmt_pct(unit["participation_rate"]),
                    threshold=fmt_pct(r.veto_participation_rate),
                )
            )
        elif veto == VETO_FUNDS:
            out.append(
                evaluation_text(
                    "why_training_funds",
                    lang,
                    actual=funds_text(unit["funds_ratio"], lang),
                    threshold=fmt_pct(r.min_training_funds_ratio, 2),
                )
            )
    why = unit["not_candidate_because"]
    if why == BELOW_SCORE:
        out.append(
            evaluation_text(
                "why_below_min_score", lang, score=score_text(unit["score"]), min_score=f"{r.award_min_score:g}"
            )
        )
    elif why == BEYOND_SHARE:
        out.append(evaluation_text("why_beyond_award_share", lang, quota=ev.award_quota))
    return out


def person_reasons(ev: Evaluation, person: Mapping[str, Any], lang: str = "zh") -> list[str]:
    """Why a person of ``ev.individuals`` is not a 标兵 candidate; empty for a candidate."""
    out = []
    for why in person["excluded_by"]:
        if why == FEW_HOURS:
            out.append(
                evaluation_text(
                    "why_hours_below_minimum", lang, hours=fmt_num(person["hours"]), min_hours=fmt_num(ev.min_hours)
                )
            )
        elif why == NO_CERTIFICATE:
            out.append(evaluation_text("why_no_certificate", lang))
    return out


def weights_text(ev: Evaluation, lang: str = "zh") -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(f"{indicator_label(k, lang)} {fmt_num(w, 0)}" for k, w in ev.rules.weights if k in INDICATORS)


def rules_text(ev: Evaluation, lang: str = "zh") -> dict[str, str]:
    """The rules of this evaluation as sentences: ``score``, ``submission``, ``vetoes``, ``units``,
    ``individuals``."""
    r = ev.rules
    months = len(months_between(ev.month_from, ev.month_to))
    return {
        "score": evaluation_text("rule_score", lang, weights=weights_text(ev, lang)),
        "submission": evaluation_text("rule_submission", lang),
        "vetoes": evaluation_text(
            "rule_vetoes",
            lang,
            rate=fmt_pct(r.veto_participation_rate, 0),
            ratio=fmt_pct(r.min_training_funds_ratio, 1),
        ),
        "units": evaluation_text(
            "rule_units",
            lang,
            min_score=f"{r.award_min_score:g}",
            quota=ev.award_quota,
            share=f"{r.award_share:g}",
            n=len(ev.units),
        ),
        "individuals": evaluation_text(
            "rule_individuals",
            lang,
            min_hours=fmt_num(ev.min_hours),
            per_month=fmt_num(r.min_hours_per_month),
            months=months,
            certificate=evaluation_text("rule_certificate", lang) if r.require_certificate else "",
            k=r.individual_awards,
        ),
    }
