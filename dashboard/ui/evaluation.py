"""What the 考核评比 page shows (DESIGN §4b): the ranking with each unit's score split by indicator,
the vetoes and why, the 先进集体 and 知识型职工标兵 shortlists, their downloads (推荐名单.xlsx, each
推荐表 .docx, a .zip), the rules in force, and for an administrator weights to try ("what if").

The figures are ``dashboard.evaluation``'s, the words ``explain``'s (the same sentences as the
downloads and the command line). Imports ``session``, ``cache``, ``database``, ``filters``,
``signin``, ``navigation``, ``widgets`` and ``scale`` (the last module of ``dashboard.ui``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.config import EvaluationRules, SettingsError
from dashboard.evaluation import INDICATORS, Evaluation, evaluate
from dashboard.evaluation.documents import form_builders, nominations_zip, shortlist_xlsx
from dashboard.evaluation.explain import funds_text, person_reasons, rules_text, unit_reasons
from dashboard.evaluation.scoring import VETO_FUNDS, VETO_PARTICIPATION
from dashboard.formatting import fmt_pct
from dashboard.i18n import evaluation_text, indicator_label
from dashboard.metrics import SCALE_ENDS, Selection, at_scale
from dashboard.ui.cache import cached
from dashboard.ui.database import data_as_of
from dashboard.ui.filters import scope_text
from dashboard.ui.navigation import go_to_unit
from dashboard.ui.scale import EVALUATION_VIEWS, LAGGARD_PAGE_SIZES, end_rows, paged_table, view
from dashboard.ui.session import lang, list_sep, md, settings
from dashboard.ui.signin import account
from dashboard.ui.widgets import XLSX_MIME, chart, rows_height

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP_MIME = "application/zip"
WEIGHT_KEY = "eval_weight_{}"  # session_state keys of the what-if inputs


def e(key: str, **params: Any) -> str:
    """An evaluation string in the session's language."""
    return evaluation_text(key, lang(), **params)


# ---- the rules: config.toml's, or an administrator's what-if -------------------------------------


def _reset_weights(rules: EvaluationRules) -> None:
    for k, w in rules.weights:
        st.session_state[WEIGHT_KEY.format(k)] = float(w)


def rules_in_force() -> tuple[EvaluationRules, bool]:
    """The rules to evaluate with and whether they are a what-if. config.toml's [evaluation] for
    everyone; an administrator gets one input per weight (the ranking recomputes at once) — saving
    them is config.toml's, which the inputs' note says."""
    saved = settings().evaluation
    if not account().is_admin:
        return saved, False
    with st.expander(e("page_whatif_title"), icon=":material/tune:"):
        st.caption(e("page_whatif_note"))
        cols = st.columns(len(saved.weights))
        chosen: dict[str, float] = {}
        for col, (k, w) in zip(cols, saved.weights, strict=True):
            key = WEIGHT_KEY.format(k)
            st.session_state.setdefault(key, float(w))
            with col:
                chosen[k] = st.number_input(
                    indicator_label(k, lang()), min_value=0.0, max_value=100.0, step=5.0, format="%.1f", key=key
                )
        st.button(e("page_whatif_reset"), on_click=_reset_weights, args=(saved,), key="eval_weight_reset")
    if chosen == dict(saved.weights):
        return saved, False
    try:
        trial = saved.with_weights(chosen)
    except SettingsError:  # every weight 0: nothing to score by
        st.warning(e("page_whatif_zero"))
        return saved, False
    st.info(e("page_whatif_active"), icon=":material/science:")
    return trial, True


def evaluation(sel: Selection, rules: EvaluationRules) -> Evaluation:
    """``evaluate`` for the selection and these rules, cached like every metric."""
    return cached(evaluate)(sel, rules)


# ---- the ranking -----------------------------------------------------------------------------------


def _veto_text(ev: Evaluation, unit: dict[str, Any]) -> str:
    """The vetoes of a unit in words (empty when none)."""
    vetoes = {VETO_PARTICIPATION, VETO_FUNDS}
    r = dict(unit, not_candidate_because=None, vetoed_by=[v for v in unit["vetoed_by"] if v in vetoes])
    return list_sep().join(unit_reasons(ev, r, lang()))


def _status_text(ev: Evaluation, unit: dict[str, Any]) -> str:
    """推荐, or why not (every reason)."""
    if unit["candidate"]:
        return e("candidate_yes")
    return list_sep().join(unit_reasons(ev, unit, lang()))


def _chart_notes(ev: Evaluation) -> dict[str, str]:
    """What stands after a bar's score: ★ 推荐 for a candidate, 否决 for a vetoed unit."""
    notes = {}
    for r in ev.units.to_dict("records"):
        if r["candidate"]:
            notes[r["unit"]] = "★ " + e("candidate_yes")
        elif r["vetoed_by"]:
            notes[r["unit"]] = e("page_vetoed_short")
    return notes


def chart_units(units: pd.DataFrame) -> pd.DataFrame:
    """The units the chart lists: all up to ``SCALE_UNITS``, else the 10 highest and the 10 lowest
    (DESIGN §5 "at scale", ``scale.end_rows``)."""
    return end_rows(units)


def page_view(ev: Evaluation) -> str:
    """Above 30 units the chart, the vetoes or the score table, one at a time (DESIGN §5 at
    scale: the page stays a few screens tall); ``all`` below."""
    return view("eval_view", EVALUATION_VIEWS, e) if at_scale(len(ev.units)) else "all"


def ranking_chart(ev: Evaluation) -> None:
    """The stacked bars; a click on a unit opens 单位详情."""
    shown = chart_units(ev.units)
    chart(charts.evaluation_scores, shown, ev.indicators, INDICATORS, _chart_notes(ev), lang(), key="eval_chart")
    if len(shown) < len(ev.units):
        st.caption(e("page_chart_ends", n=SCALE_ENDS, total=len(ev.units)))


def score_frame(ev: Evaluation) -> pd.DataFrame:
    """The ranking table as shown: rank, unit, score, points per indicator, participation rate,
    funds ratio, vetoes and whether (or why not) nominated — headers in the session's language."""
    rows = []
    for r in ev.units.to_dict("records"):
        row = {
            e("col_rank"): int(r["rank"]),
            e("form_unit"): r["unit"],
            e("form_department"): r["department"],
            e("col_score"): float(r["score"]),
        }
        for k in INDICATORS:
            row[e("col_points", indicator=indicator_label(k, lang()))] = round(float(r[f"points_{k}"]), 1)
        row[indicator_label("participation_rate", lang())] = fmt_pct(r["participation_rate"])
        row[e("col_funds_ratio")] = funds_text(r["funds_ratio"], lang())
        row[e("col_candidate")] = _status_text(ev, r)
        rows.append(row)
    return pd.DataFrame(rows)


def score_table(ev: Evaluation) -> None:
    """Every unit with its points per indicator; a click on a row opens the unit."""
    df = score_frame(ev)
    number = st.column_config.NumberColumn(format="%.1f")
    scores = [e("col_score"), *(e("col_points", indicator=indicator_label(k, lang())) for k in INDICATORS)]
    config: dict[str, Any] = {c: number for c in scores}
    config[e("col_rank")] = st.column_config.NumberColumn(width="small")
    event = st.dataframe(
        df,
        key="eval_table",
        hide_index=True,
        column_config=config,
        on_select="rerun",
        selection_mode="single-row",
        height=rows_height(len(df), 640),
    )
    picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if picked:
        go_to_unit(str(ev.units.iloc[picked[0]]["unit"]))


def vetoes(ev: Evaluation) -> None:
    """The vetoed units and why (一票否决), or that none is."""
    st.subheader(e("page_vetoes"))
    vetoed = ev.vetoed
    if vetoed.empty:
        st.caption(e("page_no_vetoes"))
        return
    records = vetoed.to_dict("records")
    if at_scale(len(records)):  # a federation's hundreds of vetoes: a table with a search and pages
        table = pd.DataFrame(
            {
                "unit": [r["unit"] for r in records],
                "department": [r["department"] for r in records],
                "veto_score": [float(r["score"]) for r in records],
                "veto_reason": [_veto_text(ev, r) for r in records],
            }
        )
        columns = ["unit", "veto_reason", "veto_score", "department"]
        paged_table(table, "eval_vetoes", columns, e("page_vetoes"), None, sizes=LAGGARD_PAGE_SIZES)
        return
    for r in records:
        st.markdown(
            "- " + e("page_veto_line", unit=md(r["unit"]), score=f"{r['score']:.1f}", why=md(_veto_text(ev, r)))
        )


# ---- the shortlists --------------------------------------------------------------------------------


def shortlists(ev: Evaluation) -> None:
    """先进集体 (units) beside 知识型职工标兵 (persons), each with the rule that selected them."""
    rules = rules_text(ev, lang())
    left, right = st.columns([2, 3])  # the persons' table has the more columns
    with left:
        st.subheader(e("sheet_units"))
        st.caption(rules["units"])
        units = ev.unit_candidates
        if units.empty:
            st.info(e("none_selected"))
        else:
            df = pd.DataFrame(
                {
                    e("col_rank"): units["rank"].astype(int),
                    e("form_unit"): units["unit"],
                    e("form_department"): units["department"],
                    e("col_score"): units["score"].astype(float),
                    e("col_funds_ratio"): [funds_text(x, lang()) for x in units["funds_ratio"]],
                }
            )
            st.dataframe(
                df,
                key="eval_units_short",
                hide_index=True,
                height=rows_height(len(df), 420),
                column_config={e("col_score"): st.column_config.NumberColumn(format="%.1f")},
            )
    with right:
        st.subheader(e("sheet_people"))
        st.caption(rules["individuals"])
        people = ev.individual_candidates
        if people.empty:
            st.info(e("none_selected"))
        else:
            df = pd.DataFrame(
                {
                    e("col_board_rank"): people["rank"].astype(int),
                    e("form_name"): people["name"],
                    e("form_employee_id"): people["employee_id"],
                    e("form_unit"): people["unit"],
                    e("form_points"): people["points"].astype(float),
                    e("col_training_hours"): people["hours"].astype(float),
                    e("col_certificates_in_p"): people["certificates"].astype(int),
                }
            )
            st.dataframe(
                df,
                key="eval_people_short",
                hide_index=True,
                height=rows_height(len(df), 420),
                column_config={
                    e("form_points"): st.column_config.NumberColumn(format="localized"),
                    e("col_training_hours"): st.column_config.NumberColumn(format="localized"),
                },
            )
        left_out = ev.individuals[~ev.individuals["candidate"]]
        for r in left_out.to_dict("records"):
            why = list_sep().join(person_reasons(ev, r, lang()))
            st.caption(e("page_person_line", name=md(r["name"]), employee_id=md(r["employee_id"]), why=md(why)))


# ---- downloads and rules ---------------------------------------------------------------------------


def downloads(ev: Evaluation, sel: Selection) -> None:
    """推荐名单.xlsx, the .zip of every paper, and each 推荐表 .docx; built only when clicked."""
    st.subheader(e("page_downloads"))
    s, language, scope, as_of = settings(), lang(), scope_text(sel), data_as_of()
    c1, c2 = st.columns(2)
    with c1:
        st.download_button(
            e("page_download_xlsx"),
            data=lambda: shortlist_xlsx(ev, s, language, scope=scope, data_as_of=as_of),
            file_name=e("file_shortlist"),
            mime=XLSX_MIME,
            icon=":material/download:",
            type="primary",
            on_click="ignore",
            key="eval_xlsx",
        )
    with c2:
        st.download_button(
            e("page_download_zip"),
            data=lambda: nominations_zip(ev, s, language, scope=scope, data_as_of=as_of),
            file_name=e("file_zip"),
            mime=ZIP_MIME,
            icon=":material/folder_zip:",
            on_click="ignore",
            key="eval_zip",
        )
    forms = form_builders(ev, s, language)
    if not forms:
        return
    with st.expander(e("page_forms", n=len(forms)), icon=":material/description:"):
        for i, (path, build) in enumerate(forms):
            name = path.rsplit("/", 1)[-1]
            st.download_button(
                name, data=build, file_name=name, mime=DOCX_MIME, on_click="ignore", key=f"eval_form_{i}"
            )


def rules_note(ev: Evaluation, what_if: bool) -> None:
    """The rules in force (weights, thresholds) and where they are set."""
    rules = rules_text(ev, lang())
    with st.container(border=True):
        st.markdown(f"**{e('page_rules')}**" + (f" · {e('page_whatif_badge')}" if what_if else ""))
        for k in ("score", "submission", "vetoes", "units", "individuals"):
            st.caption(rules[k])
        st.caption(e("page_rules_where"))
