"""The Altair charts as Vega-Lite specs: Chinese titles and tooltips with exact figures, the target
line, laggards in the status red, the unit selection used for drill-down, and the fixed level order."""

from __future__ import annotations

import functools
import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboard import charts
from dashboard.config import load_settings
from dashboard.i18n import campaign_names

SETTINGS = load_settings(Path(__file__).resolve().parent.parent / "config.toml")


def units_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": ["塑编车间", "包装车间", "供销科"],
            "department": ["生产系统", "生产系统", "机关"],
            "headcount": [130, 1200, 30],
            "participants": [130, 1140, 20],
            "participation_rate": [1.0, 0.95, 20 / 30],
        }
    )


def monthly_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": ["2024-01", "2024-02", "2024-03"],
            "headcount": [800, 800, 800],
            "participants": [700, 790, 795],
            "participation_rate": [0.875, 0.9875, 0.99375],
            "training_hours": [12345.5, 4000.0, 4100.0],
            "certificates": [3, 4, 5],
            "units_reported": [10, 10, 9],
        }
    )


def spec(chart: Any) -> dict[str, Any]:
    return chart.to_dict()


def rows(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for data in s.get("datasets", {}).values() for r in data]


def layers(s: dict[str, Any]) -> list[dict[str, Any]]:
    return s.get("layer", [s])


def tooltip_titles(layer: dict[str, Any]) -> list[str]:
    tips = layer.get("encoding", {}).get("tooltip", [])
    return [t.get("title") for t in (tips if isinstance(tips, list) else [tips])]


def text(s: dict[str, Any]) -> str:
    return json.dumps(s, ensure_ascii=False)


# ---- participation by unit ---------------------------------------------------------------------


def test_participation_chart_has_chinese_titles_and_exact_tooltips() -> None:
    s = spec(charts.participation_by_unit(units_frame(), 0.98, 0.9))
    assert s["title"] == "各单位参学率"
    bars = layers(s)[0]
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["x"]["title"] == "参学率"
    assert tooltip_titles(bars) == ["单位", "部门", "参学率", "参学人数", "职工人数", "目标", "状态"]
    by_unit = {r["unit"]: r for r in rows(s) if "unit" in r}
    assert by_unit["包装车间"]["rate_text"] == "95.0%"
    assert by_unit["包装车间"]["participants_text"] == "1,140"  # thousands separators
    assert by_unit["供销科"]["rate_text"] == "66.7%"


def test_participation_chart_draws_the_target_line() -> None:
    s = spec(charts.participation_by_unit(units_frame(), 0.98, 0.9))
    rules = [lyr for lyr in layers(s) if lyr["mark"]["type"] == "rule"]
    assert len(rules) == 1
    assert rules[0]["encoding"]["x"]["field"] == "target"
    assert any(r.get("target") == 0.98 for r in rows(s))
    assert "目标 98.0%" in text(s)


def test_laggards_are_red_and_statuses_use_the_shared_palette() -> None:
    s = spec(charts.participation_by_unit(units_frame(), 0.98, 0.9))
    color = layers(s)[0]["encoding"]["color"]
    mapping = dict(zip(color["scale"]["domain"], color["scale"]["range"], strict=True))
    assert mapping == {"达标": charts.GREEN, "接近目标": charts.AMBER, "未达标": charts.RED}
    status = {r["unit"]: r["status"] for r in rows(s) if "status" in r}
    assert status == {"塑编车间": "达标", "包装车间": "接近目标", "供销科": "未达标"}
    assert charts.RED == "#D55E00" and charts.GREEN == "#009E73" and charts.AMBER == "#E69F00"


def test_participation_bars_are_sorted_highest_first() -> None:
    s = spec(charts.participation_by_unit(units_frame(), 0.98, 0.9))
    assert layers(s)[0]["encoding"]["y"]["sort"] == ["塑编车间", "包装车间", "供销科"]


def test_unit_selection_is_there_for_drill_down() -> None:
    for chart in (
        charts.participation_by_unit(units_frame(), 0.98),
        charts.top_learners(
            pd.DataFrame(
                {
                    "rank": [1],
                    "employee_id": ["SJ1"],
                    "name": ["王伟"],
                    "unit": ["质检科"],
                    "department": ["机关"],
                    "points": [10.0],
                    "hours": [2.0],
                    "months": [1],
                }
            )
        ),
    ):
        s = spec(chart)
        params = [p for lyr in layers(s) for p in lyr.get("params", [])] + s.get("params", [])
        picks = [p for p in params if p["name"] == charts.UNIT_SELECTION]
        assert picks and picks[0]["select"]["fields"] == ["unit"]


def test_unit_target_column_overrides_the_default_target() -> None:
    frame = units_frame().assign(target=[1.0, 0.9, 0.6])
    s = spec(charts.participation_by_unit(frame, 0.98, 0.9))
    status = {r["unit"]: r["status"] for r in rows(s) if "status" in r}
    assert status == {"塑编车间": "达标", "包装车间": "达标", "供销科": "达标"}


def test_english_labels() -> None:
    s = spec(charts.participation_by_unit(units_frame(), 0.98, 0.9, lang="en"))
    assert s["title"] == "Participation rate by unit"
    assert tooltip_titles(layers(s)[0])[0] == "Unit"
    assert "Below target" in text(s)


def test_empty_selection_says_so() -> None:
    empty = units_frame().iloc[0:0]
    assert "所选范围内没有数据" in text(spec(charts.participation_by_unit(empty, 0.98)))
    assert "No data in the selection" in text(spec(charts.hours_by_month(monthly_frame().iloc[0:0], "en")))


# ---- months, certificates -------------------------------------------------------------------


def test_hours_by_month_labels_months_in_chinese() -> None:
    s = spec(charts.hours_by_month(monthly_frame()))
    assert s["title"] == "各月培训学时"
    bars = layers(s)[0]
    assert bars["encoding"]["x"]["sort"] == ["1月", "2月", "3月"]
    assert bars["encoding"]["x"]["title"] == "月份（2024年）"
    assert bars["encoding"]["y"]["title"] == "培训学时（小时）"
    assert tooltip_titles(bars)[:2] == ["月份", "培训学时"]
    first = next(r for r in rows(s) if r.get("month") == "2024-01")
    assert first["month_label"] == "2024年1月"
    assert first["hours_text"] == "12,345.5"


def test_months_over_two_years_keep_the_year() -> None:
    frame = monthly_frame().assign(month=["2024-12", "2025-01", "2025-02"])
    s = spec(charts.hours_by_month(frame))
    assert layers(s)[0]["encoding"]["x"]["sort"] == ["2024年12月", "2025年1月", "2025年2月"]


def test_participation_by_month_has_target_rule() -> None:
    s = spec(charts.participation_by_month(monthly_frame(), 0.98, 0.9))
    assert any(lyr["mark"]["type"] == "rule" for lyr in layers(s))
    assert {r["status"] for r in rows(s) if "status" in r} == {"未达标", "达标"}


def test_certificate_levels_in_the_fixed_order() -> None:
    s = spec(charts.certificates_by_level({"高级技师": 1, "初级": 3, "未分级": 2, "技师": 0}))
    bars = layers(s)[0]
    # horizontal bars (issue 10: the level names on a horizontal axis lost 中级 and 技师)
    assert bars["encoding"]["y"]["sort"] == ["初级", "中级", "高级", "技师", "高级技师", "其他", "未分级"]
    counts = {r["level"]: r["count"] for r in rows(s) if "level" in r}
    assert counts["初级"] == 3 and counts["中级"] == 0 and counts["未分级"] == 2
    assert s["title"] == "取证数（按等级）"


def test_certificate_levels_in_english() -> None:
    s = spec(charts.certificates_by_level({"初级": 1}, lang="en"))
    assert layers(s)[0]["encoding"]["y"]["sort"][0] == "Junior (5)"


# ---- phases, matrices -------------------------------------------------------------------------


def milestone_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": ["A", "A", "B", "B"],
            "department": ["d"] * 4,
            "phase": ["宣传发动"] * 4,
            "milestone": ["成立领导小组", "制定活动方案", "成立领导小组", "制定活动方案"],
            "due": [date(2024, 1, 31), date(2024, 2, 29), date(2024, 1, 31), date(2024, 2, 29)],
            "done_date": [date(2024, 1, 20), date(2024, 2, 1), date(2024, 1, 25), None],
            "status": ["done", "done", "done", "overdue"],
        }
    )


def test_phase_timeline_marks_today_and_the_milestones() -> None:
    s = spec(charts.phase_timeline(SETTINGS.phases, milestone_frame(), date(2024, 3, 15), "今天"))
    assert s["title"] == "活动阶段与工作节点"
    marks = [lyr["mark"]["type"] for lyr in layers(s)]
    assert marks[0] == "bar" and "point" in marks and "rule" in marks
    phase_rows = [r for r in rows(s) if "state" in r]
    assert [r["phase"] for r in phase_rows] == ["宣传发动", "组织实施", "总结评比"]
    assert [r["state_key"] for r in phase_rows] == ["current", "future", "future"]
    ms = {r["milestone"]: r for r in rows(s) if "due_text" in r}
    assert ms["成立领导小组"]["status"] == "达标" and ms["成立领导小组"]["done_text"] == "2/2"
    assert ms["制定活动方案"]["done_text"] == "1/2"
    assert ms["表彰先进"]["status"] == "未到期"
    assert "今天" in text(s)


def test_phase_timeline_without_marker_outside_the_year() -> None:
    s = spec(charts.phase_timeline(SETTINGS.phases, None, date(2030, 1, 1), "今天"))
    assert "rule" not in [lyr["mark"]["type"] for lyr in layers(s)]


def test_milestone_matrix_colours_and_symbols() -> None:
    s = spec(charts.milestone_matrix(milestone_frame(), ["B", "A"]))
    rects = layers(s)[0]
    assert rects["encoding"]["y"]["sort"] == ["B", "A"]
    color = rects["encoding"]["color"]["scale"]
    assert dict(zip(color["domain"], color["range"], strict=True)) == {"已完成": charts.GREEN, "逾期未完成": charts.RED}
    assert {r["symbol"] for r in rows(s)} == {"✓", "✗"}


def submissions_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": ["A", "B"],
            "department": ["d", "d"],
            "month": ["2024-03", "2024-03"],
            "status": ["reported", "missing"],
            "source": ["ledger", ""],
            "last_updated": [pd.Timestamp("2024-04-02 08:00", tz="UTC"), None],
        }
    )


def test_submission_matrix_colours() -> None:
    s = spec(charts.submission_matrix(submissions_frame()))
    color = layers(s)[0]["encoding"]["color"]["scale"]
    assert dict(zip(color["domain"], color["range"], strict=True)) == {"已报送": charts.GREEN, "未报送": charts.RED}
    assert tooltip_titles(layers(s)[0]) == ["单位", "月份", "状态", "数据来源", "最近更新"]
    assert {r["source_label"] for r in rows(s)} == {"学习台账", "—"}


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [(0.98, 0.98, "green"), (0.9, 0.98, "amber"), (0.5, 0.98, "red"), (None, 0.98, "none"), (3, None, "neutral")],
)
def test_status_of(value: float | None, target: float | None, expected: str) -> None:
    assert charts.status_of(value, target, 0.9) == expected


def test_charts_use_large_fonts_for_a_projector() -> None:
    s = spec(charts.hours_by_month(monthly_frame()))
    assert s["config"]["axis"]["labelFontSize"] >= 14
    assert s["config"]["title"]["fontSize"] >= 18
    assert s["autosize"]["type"] == "fit-x"  # the height is the plot's, legends do not squeeze it


# ---- issue 10: labels, text contrast, one formatter, English names -----------------------------------

# Where a chart spec names no colour, Streamlit's chart theme decides: axis and legend text in
# #808495 (3.7:1 on white) — the grey issue 10 measured.
STREAMLIT_THEME_TEXT = "#808495"


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of #RRGGBB."""
    h = hex_colour.lstrip("#")
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@functools.cache
def all_charts() -> list[tuple[str, dict[str, Any]]]:
    top = pd.DataFrame(
        {
            "rank": [1, 2],
            "employee_id": ["SJ1", "SJ2"],
            "name": ["王伟", "李娜"],
            "unit": ["质检科", "塑编车间"],
            "department": ["机关", "生产系统"],
            "points": [10.0, 9.5],
            "hours": [2.0, 3.0],
            "months": [1, 1],
        }
    )
    subs = submissions_frame()
    out = []
    for lang in ("zh", "en"):
        out += [
            (f"participation_by_unit/{lang}", spec(charts.participation_by_unit(units_frame(), 0.98, lang=lang))),
            (f"hours_by_month/{lang}", spec(charts.hours_by_month(monthly_frame(), lang))),
            (f"participation_by_month/{lang}", spec(charts.participation_by_month(monthly_frame(), 0.98, lang=lang))),
            (f"certificates_by_level/{lang}", spec(charts.certificates_by_level({"初级": 3, "未分级": 1}, lang))),
            (f"top_learners/{lang}", spec(charts.top_learners(top, lang))),
            (
                f"phase_timeline/{lang}",
                spec(charts.phase_timeline(SETTINGS.phases, milestone_frame(), date(2024, 3, 15), "今天", lang=lang)),
            ),
            (f"milestone_matrix/{lang}", spec(charts.milestone_matrix(milestone_frame(), lang=lang))),
            (f"submission_matrix/{lang}", spec(charts.submission_matrix(subs, lang=lang))),
            (f"empty/{lang}", spec(charts.hours_by_month(monthly_frame().iloc[0:0], lang))),
        ]
    return out


def text_layers(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [lyr for lyr in layers(s) if (lyr.get("mark") or {}).get("type") == "text"]


@pytest.mark.parametrize(("name", "s"), all_charts(), ids=lambda v: v if isinstance(v, str) else "")
def test_chart_text_is_at_least_14px_with_contrast_4_5(name: str, s: dict[str, Any]) -> None:
    config = s["config"]
    background = config.get("background", "#FFFFFF")
    axis, legend, title = config.get("axis", {}), config.get("legend", {}), config.get("title", {})
    texts = {
        "axis labels": (axis.get("labelColor", STREAMLIT_THEME_TEXT), axis.get("labelFontSize", 11)),
        "axis titles": (axis.get("titleColor", STREAMLIT_THEME_TEXT), axis.get("titleFontSize", 11)),
        "legend labels": (legend.get("labelColor", STREAMLIT_THEME_TEXT), legend.get("labelFontSize", 10)),
        "legend titles": (legend.get("titleColor", STREAMLIT_THEME_TEXT), legend.get("titleFontSize", 11)),
        "title": (title.get("color", STREAMLIT_THEME_TEXT), title.get("fontSize", 13)),
    }
    for lyr in text_layers(s):
        mark = lyr["mark"]
        texts[f"text mark {mark.get('color')}"] = (mark.get("color", STREAMLIT_THEME_TEXT), mark.get("fontSize", 11))
    for what, (colour, size) in texts.items():
        assert size >= 14, (name, what, size)
        if what.startswith("text mark") and len(text_layers(s)) and "matrix" in name:
            continue  # the symbols on the status cells: checked against the cells below
        assert contrast(colour, background) >= 4.5, (name, what, colour, round(contrast(colour, background), 2))
    for lyr in layers(s):  # axis overrides per encoding
        for channel in ("x", "y"):
            ax = (lyr.get("encoding", {}).get(channel) or {}).get("axis") or {}
            assert ax.get("labelFontSize", 14) >= 14, (name, channel)
            if "labelColor" in ax:
                assert contrast(ax["labelColor"], background) >= 4.5


@pytest.mark.parametrize("name", ["milestone_matrix", "submission_matrix"])
def test_status_symbols_stand_out_on_their_cells(name: str) -> None:
    s = dict(all_charts())[f"{name}/zh"]
    cells = layers(s)[0]["encoding"]["color"]["scale"]["range"]
    symbol = text_layers(s)[0]["mark"]["color"]
    for cell in cells:
        assert contrast(symbol, cell) >= 4.5, (cell, round(contrast(symbol, cell), 2))


@pytest.mark.parametrize(("name", "s"), all_charts(), ids=lambda v: v if isinstance(v, str) else "")
def test_no_chart_lets_vega_hide_overlapping_labels(name: str, s: dict[str, Any]) -> None:
    assert s["config"]["axis"].get("labelOverlap") is False, name
    for lyr in layers(s):
        for channel in ("x", "y"):
            ax = (lyr.get("encoding", {}).get(channel) or {}).get("axis") or {}
            assert ax.get("labelOverlap", False) is False, (name, channel)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_milestone_headers_fit_their_columns_at_1366(lang: str) -> None:
    """At the plot width of a 1366×768 screen, the default campaign's milestone names are wrapped
    into lines that fit their columns (zh) or turned 45° (en, whose words are longer than a column)."""
    frame = pd.DataFrame(
        [
            {"unit": "A", "department": "d", "phase": p.name, "milestone": m.name, "due": m.due}
            | {"done_date": None, "status": "pending"}
            for p in SETTINGS.phases
            for m in p.milestones
        ]
    )
    s = spec(charts.milestone_matrix(frame, lang=lang, labels=campaign_names(SETTINGS.phases, lang)))
    x = layers(s)[0]["encoding"]["x"]
    headers = x["sort"]
    names = [m.name if lang == "zh" else m.name_en for m in SETTINGS.milestones]
    assert [h.replace("\n", "").replace(" ", "") for h in headers] == [n.replace(" ", "") for n in names]
    column = charts.FULL_PLOT_PX / len(names)
    if lang == "zh":
        assert x["axis"]["labelAngle"] == 0
        for header in headers:
            for line in header.split("\n"):
                assert charts.text_px(line) <= column - 8, header
            assert not any(len(line) == 1 for line in header.split("\n")), header  # no lone character
    else:
        assert x["axis"]["labelAngle"] == charts.ROTATED
    assert x["axis"]["labelLimit"] == 0  # never cut off


def test_milestones_and_phases_in_english() -> None:
    s = spec(charts.milestone_matrix(milestone_frame(), None, "en", campaign_names(SETTINGS.phases, "en")))
    names = {r["milestone"] for r in rows(s)} | {r["phase"] for r in rows(s)}
    english = {m.name_en for m in SETTINGS.milestones} | {p.name_en for p in SETTINGS.phases}
    assert names <= english and not any("\u4e00" <= ch <= "\u9fff" for n in names for ch in n)


def test_the_same_hours_read_the_same_in_every_chart_text() -> None:
    """271.0 on the bar and in the tooltip (it was 271 on the bar and 271.0 in tables), 2,743.5
    (the f-string said 2,743.4); a large month reads 239.9万 on the bar, exactly in the tooltip."""
    frame = monthly_frame().assign(training_hours=[271.0, 2743.45, 2_399_123.4])
    by_month = {r["month"]: r for r in rows(spec(charts.hours_by_month(frame))) if "month" in r}
    assert [by_month[m]["hours_text"] for m in sorted(by_month)] == ["271.0", "2,743.5", "2,399,123.4"]
    assert [by_month[m]["hours_label"] for m in sorted(by_month)] == ["271.0", "2,743.5", "239.9万"]
    top = pd.DataFrame(
        {
            "rank": [1],
            "employee_id": ["SJ1"],
            "name": ["王伟"],
            "unit": ["质检科"],
            "department": ["机关"],
            "points": [2743.45],
            "hours": [271.0],
            "months": [1],
        }
    )
    learner = next(r for r in rows(spec(charts.top_learners(top))) if "points_text" in r)
    assert (learner["points_text"], learner["hours_text"]) == ("2,743.5", "271.0")
