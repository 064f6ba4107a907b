"""活动设置 Campaign settings, for administrators: the plan of the sidebar's campaign year — phases and
milestones with their due dates, targets with department and unit overrides, 考核评比 rules, the
report due day — edited and saved in the store (every save in the audit log), "copy last year's
plan" and "start next year" in one click, the plan as TOML; and the unit roster."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import campaign_editor, database, filters, frame, roster_editor, signin
from dashboard.ui.session import t

signin.require_page("settings")  # viewers and reporters: a refusal, even when the URL is typed in
sel = filters.selection() if not database.is_empty() else None
frame.page_header("page_settings", sel)

found = campaign_editor.year_plan()
campaign_editor.plan_source(found)
phases, targets, rules, roster = st.tabs(
    [t("plan_tab_phases"), t("plan_tab_targets"), t("plan_tab_rules"), t("plan_tab_roster")]
)
with phases:
    campaign_editor.phases_form(found.plan)
with targets:
    campaign_editor.targets_form(found.plan)
with rules:
    campaign_editor.rules_form(found.plan)
with roster:
    roster_editor.roster_section()
campaign_editor.export_button(found.plan)
