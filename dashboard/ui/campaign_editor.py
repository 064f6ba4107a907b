"""活动设置's campaign plan: where the year's plan comes from, "copy last year's plan" and "start
next year" in one click, and the forms that edit its phases and milestones, targets and 考核评比
rules. What a table means and every mistake in it is ``dashboard.campaign_edit``'s; saving is
``dashboard.campaigns.save_plan`` (checked by config's parser, audited, a new data version).

Imports ``session``, ``database``, ``signin``, ``cache``, ``filters`` and ``frame``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import campaign_edit, campaigns
from dashboard.campaign_edit import PlanInvalid
from dashboard.config import EVALUATION_INDICATORS, TARGET_KEYS, CampaignPlan, SettingsError
from dashboard.i18n import indicator_label
from dashboard.ui.cache import clear_caches, years
from dashboard.ui.database import store
from dashboard.ui.filters import switch_year
from dashboard.ui.frame import flash
from dashboard.ui.session import get_settings, lang, settings, t, tm
from dashboard.ui.signin import acting_user


def year_plan() -> campaigns.YearPlan:
    """The plan of the sidebar's year and where it comes from."""
    return campaigns.year_plan(store(), get_settings(), settings().year)


def _save(plan: CampaignPlan, how: str, message: str, then_year: int | None = None) -> None:
    try:
        revision = campaigns.save_plan(store(), get_settings(), plan, acting_user(), how=how)
    except SettingsError as e:  # the parser's last word: a plan the forms let through but it does not
        st.error(tm("plan_bad_config", key=e.key, problem=e.problem), icon=":material/error:")
        return
    clear_caches()
    flash(t(message, year=plan.year, revision=revision))  # the page header shows it after the rerun
    if then_year is not None:
        switch_year(then_year)
    st.rerun()


def _invalid(e: PlanInvalid, table: str) -> None:
    where = t("plan_row", table=t(table), row=e.row) if e.row else ""
    value = "" if e.value is None else str(e.value)
    st.error(where + tm(f"plan_{e.code}", value=value, **e.params), icon=":material/error:")


def plan_source(found: campaigns.YearPlan) -> None:
    """Say where the year's plan comes from, and the copy buttons."""
    year = found.plan.year
    st.caption(tm(f"plan_source_{found.source}", year=year, from_year=found.from_year))
    offered = years()
    row = st.container(horizontal=True)
    copy_last = found.source != "stored" and year - 1 in offered
    label = t("plan_copy_last", year=year, from_year=year - 1)
    if copy_last and row.button(label, key="plan_copy_last", icon=":material/content_copy:"):
        before = campaigns.year_plan(store(), get_settings(), year - 1).plan
        _save(campaigns.moved_to(before, year), "copy", "plan_copied_msg")
    nxt = max(offered) + 1
    label = t("plan_new_year", year=nxt, from_year=nxt - 1)
    if row.button(label, key="plan_new_year", icon=":material/add:"):
        latest = campaigns.year_plan(store(), get_settings(), nxt - 1).plan
        _save(campaigns.moved_to(latest, nxt), "copy", "plan_copied_msg", then_year=nxt)


def _pct(label: str) -> str:
    """A label of a figure typed in percent: 参学率（%） / Participation rate (%)."""
    return f"{label}（%）" if lang() == "zh" else f"{label} (%)"


def _date_column(label: str, plan: CampaignPlan) -> Any:
    return st.column_config.DateColumn(
        label, format="YYYY-MM-DD", min_value=date(plan.year, 1, 1), max_value=date(plan.year, 12, 31), required=True
    )


def phases_form(plan: CampaignPlan) -> None:
    """The phases and their milestones as two editable tables, and the report due day."""
    with st.form("plan_phases", border=False):
        st.markdown(f"**{t('plan_phases')}**")
        phases = st.data_editor(
            pd.DataFrame(campaign_edit.phase_rows(plan), columns=campaign_edit.PHASE_COLUMNS),
            key="plan_phase_table",
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            column_config={
                "name": st.column_config.TextColumn(t("plan_phase_name"), required=True),
                "name_en": st.column_config.TextColumn(t("plan_name_en")),
                "start": _date_column(t("plan_start"), plan),
                "end": _date_column(t("plan_end"), plan),
            },
        )
        st.markdown(f"**{t('plan_milestones')}**")
        milestones = st.data_editor(
            pd.DataFrame(campaign_edit.milestone_rows(plan), columns=campaign_edit.MILESTONE_COLUMNS),
            key="plan_milestone_table",
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            column_config={
                "phase": st.column_config.SelectboxColumn(
                    t("plan_phase"), options=[p.name for p in plan.phases], required=True
                ),
                "name": st.column_config.TextColumn(t("plan_milestone_name"), required=True),
                "name_en": st.column_config.TextColumn(t("plan_name_en")),
                "due": _date_column(t("plan_due"), plan),
            },
        )
        due_day = st.number_input(
            t("plan_due_day"), min_value=1, max_value=28, value=plan.report_due_day, step=1, key="plan_due_day"
        )
        st.caption(t("plan_phases_help"))
        if st.form_submit_button(t("plan_save"), type="primary", icon=":material/save:"):
            try:
                edited = campaign_edit.edited_plan(
                    plan,
                    phases=phases.to_dict("records"),
                    milestones=milestones.to_dict("records"),
                    report_due_day=int(due_day),
                )
            except PlanInvalid as e:
                _invalid(e, "plan_milestones" if e.code.startswith("milestone") else "plan_phases")
                return
            _save(edited, "edit", "plan_saved_msg")


_PERCENT = {*campaign_edit.RATE_TARGETS}


def targets_form(plan: CampaignPlan) -> None:
    """The default targets and the department / unit overrides."""
    tg = plan.targets
    with st.form("plan_targets", border=False):
        cols = st.columns(3)
        defaults: dict[str, float] = {}
        for i, key in enumerate(TARGET_KEYS):
            value = float(getattr(tg, key))
            with cols[i % 3]:
                if key in _PERCENT:
                    got = st.number_input(
                        _pct(t(f"t_{key}")), 0.0, 100.0, round(value * 100, 2), step=0.5, key=f"plan_t_{key}"
                    )
                    defaults[key] = got / 100
                else:
                    defaults[key] = st.number_input(t(f"t_{key}"), 0.0, None, value, step=0.5, key=f"plan_t_{key}")
        with cols[len(TARGET_KEYS) % 3]:
            amber = st.number_input(
                t("plan_amber"), 0.0, 100.0, round(tg.amber_ratio * 100, 2), step=1.0, key="plan_t_amber"
            )
        st.markdown(f"**{t('plan_overrides')}**")
        scope_labels = {"department": t("plan_scope_department"), "unit": t("plan_scope_unit")}
        overrides = st.data_editor(
            pd.DataFrame(campaign_edit.override_rows(plan), columns=campaign_edit.OVERRIDE_COLUMNS),
            key="plan_override_table",
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            column_config={
                "scope": st.column_config.SelectboxColumn(
                    t("t_scope"), options=list(scope_labels), format_func=scope_labels.get, required=True
                ),
                "name": st.column_config.TextColumn(t("plan_scope_name"), required=True),
                "target": st.column_config.SelectboxColumn(
                    t("target"), options=list(TARGET_KEYS), format_func=lambda k: t(f"t_{k}"), required=True
                ),
                "value": st.column_config.NumberColumn(t("plan_override_value"), min_value=0.0, required=True),
            },
        )
        st.caption(t("plan_overrides_help"))
        if st.form_submit_button(t("plan_save"), type="primary", icon=":material/save:"):
            try:
                targets = campaign_edit.targets_from(defaults, overrides.to_dict("records"), amber / 100)
            except PlanInvalid as e:
                _invalid(e, "plan_overrides")
                return
            _save(campaign_edit.edited_plan(plan, targets=targets), "edit", "plan_saved_msg")


def rules_form(plan: CampaignPlan) -> None:
    """考核评比's weights, vetoes and award rules."""
    ev = plan.evaluation
    with st.form("plan_rules", border=False):
        st.markdown(f"**{t('plan_weights')}**")
        cols = st.columns(len(EVALUATION_INDICATORS))
        weights = {}
        for col, key in zip(cols, EVALUATION_INDICATORS, strict=True):
            with col:
                weights[key] = st.number_input(
                    indicator_label(key, lang()), 0.0, 100.0, ev.weight(key), step=1.0, key=f"plan_w_{key}"
                )
        c1, c2, c3 = st.columns(3)
        with c1:
            veto = st.number_input(
                t("plan_veto_rate"), 0.0, 100.0, ev.veto_participation_rate * 100, step=1.0, key="plan_veto"
            )
            funds = st.number_input(
                t("plan_min_funds"), 0.0, 100.0, ev.min_training_funds_ratio * 100, step=0.1, key="plan_funds"
            )
        with c2:
            score = st.number_input(
                t("plan_award_score"), 0.0, 100.0, ev.award_min_score, step=1.0, key="plan_award_score"
            )
            share = st.number_input(
                t("plan_award_share"), 0.0, 100.0, ev.award_share * 100, step=5.0, key="plan_award_share"
            )
        with c3:
            hours = st.number_input(
                t("plan_min_hours"), 0.0, None, ev.min_hours_per_month, step=0.5, key="plan_min_hours"
            )
            awards = st.number_input(t("plan_awards"), 0, None, ev.individual_awards, step=1, key="plan_awards")
            cert = st.checkbox(t("plan_require_cert"), ev.require_certificate, key="plan_require_cert")
        if st.form_submit_button(t("plan_save"), type="primary", icon=":material/save:"):
            if not any(w > 0 for w in weights.values()):
                _invalid(PlanInvalid("weights_zero"), "plan_weights")
                return
            rules = replace(
                ev.with_weights(weights),
                veto_participation_rate=veto / 100,
                min_training_funds_ratio=funds / 100,
                award_min_score=score,
                award_share=share / 100,
                min_hours_per_month=hours,
                individual_awards=int(awards),
                require_certificate=bool(cert),
            )
            _save(campaign_edit.edited_plan(plan, evaluation=rules), "edit", "plan_saved_msg")


def export_button(plan: CampaignPlan) -> None:
    """The year's plan as TOML (what ``python -m dashboard campaign import`` reads back)."""
    st.download_button(
        t("plan_export"),
        data=campaigns.plan_toml(plan).encode("utf-8"),
        file_name=t("plan_export_file", year=plan.year) + ".toml",
        mime="application/toml",
        key="plan_export",
        icon=":material/download:",
        on_click="ignore",
    )
    st.caption(t("plan_export_help"))
