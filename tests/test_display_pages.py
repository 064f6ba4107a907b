"""Issue 10 on the pages (Streamlit's AppTest): the 目标值 table names its KPIs in English too,
and the script that puts Streamlit's own widget text into Chinese is on every page, once."""

from __future__ import annotations

import pytest

from dashboard import frontend
from dashboard.i18n import ui_text
from tests.test_pages import app, demo_file, demo_url, no_exceptions, open_page  # noqa: F401 (demo_* are fixtures)

TARGET_KEYS = ("participation_rate", "launch_rate", "hours_per_capita_month", "certificates_per_100", "phase_progress")


def targets_frame(at):
    scope = ui_text("t_scope", "en")
    frames = [df.value for df in at.dataframe if scope in df.value.columns]
    assert len(frames) == 1, [list(df.value.columns) for df in at.dataframe]
    return frames[0]


@pytest.mark.usefixtures("demo_url")
def test_the_targets_table_names_its_kpis_in_english() -> None:
    at = open_page(app(lang="en"), "data")
    no_exceptions(at)
    table = targets_frame(at)
    assert len(table.columns) == 3, list(table.columns)  # scope, KPI, value: no header used twice
    cells = {str(v) for col in table.columns for v in table[col]}
    for key in TARGET_KEYS:
        assert ui_text(f"t_{key}", "en") in cells, key


@pytest.mark.usefixtures("demo_url")
def test_the_widget_text_script_is_on_every_page_once() -> None:
    for page, lang in (("overview", "zh"), ("data", "zh"), ("units", "en")):
        at = open_page(app(lang=lang), page)
        scripts = [h for h in at.get("html") if frontend.CONTAINER_KEY in h.proto.body]
        assert len(scripts) == 1, page
        assert scripts[0].proto.unsafe_allow_javascript
        assert f'const LANG = "{lang}";' in scripts[0].proto.body
