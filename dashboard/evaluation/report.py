"""The ranking and the evaluation as the command line prints them: plain JSON (numbers as numbers,
rates as fractions, missing as null) and readable lines in Chinese or English."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from dashboard.evaluation.explain import funds_text, person_reasons, score_text, unit_reasons
from dashboard.i18n import evaluation_text, fmt_num, fmt_pct

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dashboard.evaluation.scoring import Evaluation
    from dashboard.metrics import Selection


def plain(value: Any) -> Any:
    """A pandas/numpy value as JSON has it: floats to 6 decimals, NaN as null, lists kept."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6) + 0.0
    return value


def ranking_json(table: pd.DataFrame) -> list[dict[str, Any]]:
    """``units --json``: the ranking, one object per unit with every column, in ranking order."""
    return [{k: plain(v) for k, v in rec.items()} for rec in table.to_dict("records")]


def ranking_lines(table: pd.DataFrame, sel: Selection, lang: str = "zh") -> list[str]:
    lines = [evaluation_text("cli_units_head", lang, month_from=sel.month_from, month_to=sel.month_to, n=len(table))]
    for r in table.to_dict("records"):
        lines.append(
            f"{r['rank']:>4}  {r['unit']}  {score_text(r['score'])}  "
            f"{evaluation_text('ind_participation_rate', lang)} {fmt_pct(r['participation_rate'])}  "
            f"{evaluation_text('ind_hours_per_capita', lang)} {fmt_num(r['hours_per_capita'])}"
        )
    return lines


def evaluation_lines(ev: Evaluation, lang: str = "zh") -> list[str]:
    """The report of ``evaluate`` without --json: every unit with its score and why it is not
    nominated, then both shortlists."""
    sep = "；" if lang == "zh" else "; "
    lines = [
        evaluation_text(
            "cli_eval_head", lang, month_from=ev.month_from, month_to=ev.month_to, n=len(ev.units), quota=ev.award_quota
        )
    ]
    for r in ev.units.to_dict("records"):
        mark = "★" if r["candidate"] else " "
        why = sep.join(unit_reasons(ev, r, lang))
        funds = f"{evaluation_text('col_funds_ratio', lang)} {funds_text(r['funds_ratio'], lang)}"
        lines.append(
            f"{r['rank']:>4} {mark} {r['unit']}  {score_text(r['score'])}  {funds}" + (f"  {why}" if why else "")
        )
    none = evaluation_text("cli_none", lang)
    comma = "、" if lang == "zh" else ", "
    lines.append(evaluation_text("cli_units_cands", lang, names=comma.join(ev.unit_candidates["unit"]) or none))
    people = [f"{r['name']}（{r['unit']}）" for r in ev.individual_candidates.to_dict("records")]
    lines.append(evaluation_text("cli_people_cands", lang, names=comma.join(people) or none))
    for r in ev.individuals.to_dict("records"):
        if not r["candidate"]:
            lines.append(f"  - {r['name']}（{r['employee_id']}）: {sep.join(person_reasons(ev, r, lang))}")
    return lines
