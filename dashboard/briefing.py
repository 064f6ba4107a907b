"""Excel exports: any table as a styled .xlsx, and the meeting briefing (会议简报) for the current
filters — KPIs against targets with red/amber/green status, the unit ranking, the laggards, the top
learners and who has reported.

Leaders open these files in Excel or WPS in meetings and forward them, so every string that comes
from uploaded data (unit and person names …) goes through ``safe_cell`` first: a value such as
``=HYPERLINK(…)`` or ``@SUM(…)`` must stay text and never become a live formula (CSV/formula
injection).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from dashboard.formatting import (
    COLUMN_KINDS,
    COUNT,
    DECIMAL,
    MISSING,
    RATE,
    Delta,
    Kind,
    delta,
    delta_excel,
    fmt_figure,
    fmt_month,
    fmt_num,
    fmt_pct,
)
from dashboard.i18n import UI_TEXT, campaign_names, level_label
from dashboard.metrics.selection import add_months
from dashboard.names import pinyin_key
from dashboard.template import text_width

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.worksheet.worksheet import Worksheet

    from dashboard.config import Settings
    from dashboard.evaluation.scoring import Evaluation
    from dashboard.metrics import Summary

Status = Literal["green", "amber", "red"]

# ---- formula-injection guard ---------------------------------------------------------------

# A cell whose text starts with one of these may be run as a formula by Excel, WPS or LibreOffice
# (directly, after "edit + Enter", or once the sheet is saved as CSV and opened again).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def safe_cell(value: Any) -> Any:
    """Return ``value`` ready for a cell: text that looks like a formula gets a leading ``'``.

    Why a literal apostrophe in the value (and not only Excel's hidden "quote prefix" style): the
    guard then survives every later step — a re-save as CSV, a copy into another tool, WPS —
    because it is part of the text. The cost is a visible ``'`` in front of such rare values,
    which also shows the reader that the original text began with ``=``/``+``/``-``/``@``.
    Non-text values (numbers, dates, None) are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return GUARD + value
    return value


def _put(ws: Worksheet, row: int, col: int, value: Any) -> Any:
    """Write one cell through ``safe_cell``; text is forced to the string type so openpyxl never
    stores it as a formula, and characters XML cannot hold are dropped instead of failing."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        # drop control characters first, so "\x01=1+1" cannot turn into "=1+1" after the guard
        value = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.value = value
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


# ---- plain values out of pandas ------------------------------------------------------------

_YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}


def _py(value: Any, lang: str = "zh") -> Any:
    """A pandas/numpy scalar as the plain Python value openpyxl can write (None for missing)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, set, dict)):
        return str(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return str(value)
    if hasattr(value, "item") and not isinstance(value, (pd.Timestamp, datetime, date, str)):
        value = value.item()  # numpy scalar → Python
    if isinstance(value, bool):
        yes, no = _YES_NO.get(lang, _YES_NO["zh"])
        return yes if value else no
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:
        # Excel has no time zones: show the server's local time (the office's), as the app does.
        value = value.astimezone().replace(tzinfo=None)
    if isinstance(value, float) and math.isinf(value):
        return None
    if isinstance(value, (int, float, str, date)):
        return value
    return str(value)


def _as_bool(value: Any) -> bool:
    """A flag column read back as bool (numpy bools, NA → False, 是/否 text)."""
    value = _py(value, "en")
    return value in ("yes", "是", "true", "True", 1)


def _sheet_title(name: str) -> str:
    """A sheet name Excel accepts: no []:*?/\\, at most 31 characters, not empty."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'").strip()
    return cleaned[:31] or "数据"


# ---- styles --------------------------------------------------------------------------------

_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_TITLE_FONT = Font(bold=True, size=14)
_SECTION_FONT = Font(bold=True, size=12, color="1F4E79")
_NOTE_FONT = Font(italic=True, color="595959")
# Excel's own "good / neutral / bad" colours, which leaders already read as green / amber / red.
STATUS_FILLS: dict[str, PatternFill] = {
    "green": PatternFill("solid", fgColor="C6EFCE"),
    "amber": PatternFill("solid", fgColor="FFEB9C"),
    "red": PatternFill("solid", fgColor="FFC7CE"),
}
STATUS_FONTS: dict[str, Font] = {
    "green": Font(bold=True, color="006100"),
    "amber": Font(bold=True, color="9C5700"),
    "red": Font(bold=True, color="9C0006"),
}
STATUS_LABELS: dict[str, dict[str, str]] = {
    "green": {"zh": "绿", "en": "Green"},
    "amber": {"zh": "黄", "en": "Amber"},
    "red": {"zh": "红", "en": "Red"},
}

# Excel number formats: the rounding of dashboard.formatting, so a cell reads as on the screen
# (98.0%, 12,345, 2,743.5) — 0.98 never shows as "1.0" nor 0.333 as "0.3".
INT_FORMAT = COUNT.excel
FLOAT_FORMAT = DECIMAL.excel
PCT_FORMAT = RATE.excel
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def is_rate_column(name: str) -> bool:
    """Columns shown as percentages: names ending with 率 or _rate (a fraction 0..1 inside)."""
    n = str(name).strip().lower()
    return n.endswith("率") or n.endswith("_rate") or n.endswith(" rate")


def _labels_to_kinds() -> dict[str, Kind]:
    """Every header a figure column can have in a download — its internal name, or its label in
    either language (the briefing's COLUMN_LABELS, the pages' UI_TEXT) — to the figure's kind."""
    out: dict[str, Kind] = {}
    for key, kind in COLUMN_KINDS.items():
        out[key] = kind
        for table in (COLUMN_LABELS, UI_TEXT):
            for label in table.get(key, {}).values():
                out.setdefault(label, kind)
    return out


def column_kind(name: str) -> Kind | None:
    """The kind of figure a column of this name holds (None: not a known figure column)."""
    kind = _LABEL_KINDS.get(str(name).strip())
    if kind is None and is_rate_column(name):
        return RATE
    return kind


def _column_format(values: list[Any], kind: Kind | None) -> str | None:
    present = [v for v in values if v is not None and not isinstance(v, str)]
    if not present:
        return None
    numbers = all(isinstance(v, (int, float)) for v in present)
    if kind is not None and numbers:
        return kind.excel
    if all(isinstance(v, int) for v in present):
        return INT_FORMAT
    if numbers:
        return FLOAT_FORMAT
    if all(isinstance(v, datetime) for v in present):
        return DATETIME_FORMAT
    if all(isinstance(v, date) for v in present):
        return DATE_FORMAT
    return None


_FORMAT_KINDS: dict[str, Kind] = {INT_FORMAT: COUNT, FLOAT_FORMAT: DECIMAL, PCT_FORMAT: RATE}


def _shown(value: Any, fmt: str | None) -> str:
    """The text Excel will show (the formatter's), to size the column."""
    if value is None:
        return ""
    kind = _FORMAT_KINDS.get(fmt or "")
    if kind is not None and isinstance(value, (int, float)):
        return fmt_figure(value, kind)
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _title(ws: Worksheet, row: int, text: str, font: Font = _TITLE_FONT) -> None:
    cell = _put(ws, row, 1, text)
    cell.font = font


def _write_table(
    ws: Worksheet,
    df: pd.DataFrame,
    header_row: int,
    percent_columns: Iterable[str] = (),
    lang: str = "zh",
    freeze: bool = True,
    kinds: Mapping[str, Kind] | None = None,
) -> dict[str, int]:
    """Write ``df`` with its header at ``header_row``; returns column name → column number.

    Header bold on a dark fill, thin borders, each figure column in its kind's number format
    (``kinds`` by header, else ``column_kind``: counts #,##0, hours #,##0.0, rates and
    ``percent_columns`` 0.0%), dates as yyyy-mm-dd, auto filter, the header row frozen and widths
    that fit CJK text.
    """
    percent = {str(c) for c in percent_columns}
    given = {str(k): v for k, v in (kinds or {}).items()}
    columns = [str(c) for c in df.columns]
    positions: dict[str, int] = {}
    widths: dict[int, int] = {}
    for j, name in enumerate(columns, start=1):
        cell = _put(ws, header_row, j, name)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        positions.setdefault(name, j)
        widths[j] = text_width(str(safe_cell(name)))
    for j, name in enumerate(columns, start=1):
        values = [_py(v, lang) for v in df.iloc[:, j - 1].tolist()]  # by position: names may repeat
        kind = RATE if name in percent else given.get(name) or column_kind(name)
        fmt = _column_format(values, kind)
        for i, value in enumerate(values, start=header_row + 1):
            cell = _put(ws, i, j, value)
            cell.border = _BORDER
            if fmt and not isinstance(value, str):
                cell.number_format = fmt
            widths[j] = max(widths[j], text_width(_shown(safe_cell(value), fmt)))
    for j, w in widths.items():
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 3, 8), 60)
    if columns:
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(df), 1)}"
    if freeze:
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    return positions


def write_cell(ws: Worksheet, row: int, col: int, value: Any) -> Any:
    """One cell through the formula-injection guard (for other exports: 考核评比's 推荐名单)."""
    return _put(ws, row, col, value)


def write_table(
    ws: Worksheet, df: pd.DataFrame, header_row: int, percent_columns: Iterable[str] = (), lang: str = "zh"
) -> dict[str, int]:
    """A table styled as the briefing's (guarded, formatted, filtered, frozen); column → number."""
    return _write_table(ws, df, header_row, percent_columns, lang)


def _to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def table_to_xlsx(
    df: pd.DataFrame,
    sheet_name: str = "数据",
    title: str | None = None,
    *,
    percent_columns: Iterable[str] = (),
    lang: str = "zh",
    kinds: Mapping[str, Kind] | None = None,
) -> bytes:
    """Any table of the app as a styled .xlsx, so every table can be downloaded as leaders expect it.

    With ``title`` the title is row 1 and the header row 2; without it the header is row 1 (so
    ``pandas.read_excel(..., header=1 or 0)`` reads the table back). A figure column gets the number
    format of its kind (``dashboard.formatting``): from ``kinds`` (header → kind), else from its
    header — an internal name or its label in either language (参学率 / 阶段进度 / Phase progress
    are fractions shown as 0.0%, 参学人数 a count, 培训学时 one decimal), else 率/_rate names and
    ``percent_columns`` are rates.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(sheet_name)
    header_row = 1
    if title:
        _title(ws, 1, title)
        ws.row_dimensions[1].height = 22
        header_row = 2
    _write_table(ws, df, header_row, percent_columns, lang, kinds=kinds)
    return _to_bytes(wb)


# ---- KPIs ----------------------------------------------------------------------------------

_EPS = 1e-9  # 49/50 must count as reaching a 98% target despite float rounding


def kpi_status(value: float | None, target: float, amber_ratio: float) -> Status:
    """green when ``value`` reaches the target, amber when it reaches ``amber_ratio`` × target,
    red below that. A missing value (no data) is red: a leader must not read it as on target."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "red"
    if value >= target - _EPS:
        return "green"
    if value >= amber_ratio * target - _EPS:
        return "amber"
    return "red"


def _months(month_from: str, month_to: str) -> int:
    """Number of months in from..to inclusive (at least 1)."""
    a = int(month_from[:4]) * 12 + int(month_from[5:7])
    b = int(month_to[:4]) * 12 + int(month_to[5:7])
    return max(b - a + 1, 1)


def _month_end(month: str) -> date:
    y, m = int(month[:4]), int(month[5:7])
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def due_share(settings: Settings, month_to: str) -> float:
    """Share of the configured milestones due by the end of ``month_to`` (1.0 with none).

    Phase progress is done / all milestones, but its target means "every milestone due by the end
    of the period done" (config.toml), so the target is scaled by this share — in March of the
    default campaign 3 of 9 milestones are due, and a unit with those 3 done is on target.
    """
    ms = settings.milestones
    if not ms:
        return 1.0
    end = _month_end(month_to)
    return sum(1 for m in ms if m.due <= end) / len(ms)


KPI_LABELS: dict[str, dict[str, str]] = {
    "participation_rate": {"zh": "参学率", "en": "Participation rate"},
    "launch_rate": {"zh": "开展率", "en": "Launch rate"},
    "hours_per_capita": {"zh": "人均学时", "en": "Hours per capita"},
    "certificates_per_100": {"zh": "每百名职工取证数", "en": "Certificates per 100 staff"},
    "phase_progress": {"zh": "阶段进度", "en": "Phase progress"},
}


def kpi_targets(
    settings: Settings, month_from: str, month_to: str, department: str | None = None, unit: str | None = None
) -> dict[str, float]:
    """The KPI targets of a period for a scope (the unit's override, else its department's, else the
    default): per-month targets times the months of the period, phase progress's scaled by
    ``due_share``. The tiles, the briefing and the evaluation's attainment all take them from here."""
    t = settings.targets
    return {
        "participation_rate": t.for_scope("participation_rate", department, unit),
        "launch_rate": t.for_scope("launch_rate", department, unit),
        "hours_per_capita": t.for_scope("hours_per_capita_month", department, unit) * _months(month_from, month_to),
        "certificates_per_100": t.for_scope("certificates_per_100", department, unit),
        "phase_progress": t.for_scope("phase_progress", department, unit) * due_share(settings, month_to),
    }


def kpis(
    settings: Settings,
    summary: Summary,
    lang: str = "zh",
    department: str | None = None,
    unit: str | None = None,
) -> list[dict[str, Any]]:
    """The five KPIs of the selection against their targets, for the briefing and the KPI tiles.

    Each dict: ``key``, ``label``, ``value`` (None without data), ``target``, ``format``
    (``"pct"`` fraction or ``"num"``), ``status`` (green/amber/red), ``value_text``,
    ``target_text`` and ``note`` (how the target was derived). ``department``/``unit`` pick the
    per-scope target overrides of config.toml when the selection is one department or unit.
    """
    lang = lang if lang in ("zh", "en") else "zh"
    zh = lang == "zh"
    t = settings.targets
    n_months = _months(summary.month_from, summary.month_to)
    share = due_share(settings, summary.month_to)
    per_month = t.for_scope("hours_per_capita_month", department, unit)
    phase_target = t.for_scope("phase_progress", department, unit)
    per_100 = summary.certificates / summary.headcount * 100 if summary.headcount else None
    targets = kpi_targets(settings, summary.month_from, summary.month_to, department, unit)
    rows: list[tuple[str, float | None, float, str, str]] = [
        (
            "participation_rate",
            summary.participation_rate if summary.headcount else None,
            targets["participation_rate"],
            "pct",
            "参学人数 ÷ 职工人数" + ("（多月无台账时为下限）" if summary.participants_is_lower_bound else "")
            if zh
            else "participants ÷ headcount" + (" (a lower bound)" if summary.participants_is_lower_bound else ""),
        ),
        (
            "launch_rate",
            summary.launch_rate if summary.units else None,
            targets["launch_rate"],
            "pct",
            "至少完成一项工作事项的单位 ÷ 单位数" if zh else "units with a milestone done ÷ units",
        ),
        (
            "hours_per_capita",
            summary.hours_per_capita if summary.headcount else None,
            targets["hours_per_capita"],
            "num",
            f"每月 {fmt_num(per_month)} 学时 × {n_months} 个月"
            if zh
            else f"{fmt_num(per_month)} hours a month × {n_months} month(s)",
        ),
        (
            "certificates_per_100",
            per_100,
            targets["certificates_per_100"],
            "num",
            "取证数 ÷ 职工人数 × 100" if zh else "certificates ÷ headcount × 100",
        ),
        (
            "phase_progress",
            summary.phase_progress if summary.units else None,
            targets["phase_progress"],
            "pct",
            f"目标 {fmt_pct(phase_target, 0)} × 截至期末应完成事项占比 {fmt_pct(share, 0)}"
            if zh
            else f"target {fmt_pct(phase_target, 0)} × share of milestones due by the end of the period {fmt_pct(share, 0)}",
        ),
    ]
    out: list[dict[str, Any]] = []
    for key, value, target, kind, note in rows:
        fmt = fmt_pct if kind == "pct" else fmt_num
        out.append(
            {
                "key": key,
                "label": KPI_LABELS[key][lang],
                "value": value,
                "target": target,
                "format": kind,
                "status": kpi_status(value, target, t.amber_ratio),
                "value_text": fmt(value),
                "target_text": fmt(target),
                "note": note,
            }
        )
    return out


# ---- the meeting briefing ------------------------------------------------------------------

COLUMN_LABELS: dict[str, dict[str, str]] = {
    "rank": {"zh": "名次", "en": "Rank"},
    "unit": {"zh": "单位", "en": "Unit"},
    "department": {"zh": "部门", "en": "Department"},
    "unit_type": {"zh": "类型", "en": "Unit type"},
    "is_pilot": {"zh": "试点单位", "en": "Pilot"},
    "headcount": {"zh": "职工人数", "en": "Headcount"},
    "participants": {"zh": "参学人数", "en": "Participants"},
    "participation_rate": {"zh": "参学率", "en": "Participation rate"},
    "training_hours": {"zh": "培训学时", "en": "Training hours"},
    "hours_per_capita": {"zh": "人均学时", "en": "Hours per capita"},
    "certificates": {"zh": "取证人数", "en": "Certificates"},
    "suggestions": {"zh": "合理化建议", "en": "Suggestions"},
    "sessions": {"zh": "培训场次", "en": "Sessions"},
    "person_times": {"zh": "培训人次", "en": "Person-times"},
    "points": {"zh": "学习积分", "en": "Learning points"},
    "milestones_done": {"zh": "已完成事项", "en": "Milestones done"},
    "milestones_total": {"zh": "工作事项数", "en": "Milestones"},
    "phase_progress": {"zh": "阶段进度", "en": "Phase progress"},
    "behind": {"zh": "进度滞后", "en": "Behind schedule"},
    "launched": {"zh": "已开展", "en": "Launched"},
    "months_reported": {"zh": "报送月数", "en": "Months reported"},
    "participants_is_lower_bound": {"zh": "参学人数为下限", "en": "Participants a lower bound"},
    "employee_id": {"zh": "工号", "en": "Employee ID"},
    "name": {"zh": "姓名", "en": "Name"},
    "hours": {"zh": "培训学时", "en": "Training hours"},
    "months": {"zh": "学习月数", "en": "Months"},
    "month": {"zh": "月份", "en": "Month"},
    "status": {"zh": "状态", "en": "Status"},
    "source": {"zh": "数据来源", "en": "Source"},
    "last_updated": {"zh": "最近更新", "en": "Last updated"},
    # the scores of 考核评比 (evaluation.ranking)
    "score": {"zh": "考核得分", "en": "Score"},
    "submitted_months": {"zh": "已报月数", "en": "Months reported"},
    "due_months": {"zh": "应报月数", "en": "Months due"},
    "submission_rate": {"zh": "报送率", "en": "Submission rate"},
    "training_funds": {"zh": "培训经费（元）", "en": "Training funds (yuan)"},
    "payroll": {"zh": "工资总额（元）", "en": "Payroll (yuan)"},
    "funds_ratio": {"zh": "培训经费占比", "en": "Training funds ÷ payroll"},
    "vetoed_by": {"zh": "一票否决", "en": "Vetoed"},
    "candidate": {"zh": "先进集体候选", "en": "Collective candidate"},
    "points_participation_rate": {"zh": "参学率得分", "en": "Participation points"},
    "points_hours_per_capita": {"zh": "人均学时得分", "en": "Hours per capita points"},
    "points_certificates_per_100": {"zh": "每百人取证得分", "en": "Certificates per 100 points"},
    "points_phase_progress": {"zh": "阶段进度得分", "en": "Phase progress points"},
    "points_submission_rate": {"zh": "报送率得分", "en": "Submission points"},
}
PERCENT_KEYS = ("participation_rate", "phase_progress", "launch_rate", "funds_ratio")
_LABEL_KINDS = _labels_to_kinds()

_TEXT: dict[str, dict[str, str]] = {
    "sheet_kpi": {"zh": "关键指标", "en": "KPIs"},
    "sheet_rank": {"zh": "单位排名", "en": "Ranking"},
    "sheet_behind": {"zh": "落后单位", "en": "Laggards"},
    "sheet_top": {"zh": "学习标兵", "en": "Top learners"},
    "sheet_short": {"zh": "推荐名单", "en": "Shortlists"},
    "sheet_sub": {"zh": "报送情况", "en": "Submissions"},
    "title": {"zh": "{org}创争活动会议简报", "en": "{org} — campaign meeting briefing"},
    "period": {"zh": "统计期间", "en": "Period"},
    "months": {"zh": "（{n}个月）", "en": " ({n} month(s))"},
    "filters": {"zh": "筛选条件", "en": "Filters"},
    "all_units": {"zh": "全部单位", "en": "all units"},
    "phase": {"zh": "当前阶段", "en": "Current phase"},
    "none": {"zh": "无", "en": "none"},
    "generated": {"zh": "生成时间", "en": "Generated"},
    "as_of": {"zh": "数据截至", "en": "Data as of"},
    "kpi_cols": {
        "zh": "指标|实际值|目标|达成率|状态|{mom}|{yoy}|说明",
        "en": "KPI|Value|Target|Of target|Status|{mom}|{yoy}|Note",
    },
    "compared": {
        "zh": "环比：与上一个等长期间（{previous}）相比；同比：与去年同期（{last_year}）相比；比率的变化以百分点计。",
        "en": "vs last period: the previous period of the same length ({previous}); vs last year: the same "
        "months a year earlier ({last_year}); rates change in percentage points.",
    },
    "facts": {"zh": "基本情况", "en": "Key figures"},
    "fact_cols": {"zh": "项目|数值", "en": "Item|Value"},
    "units": {"zh": "单位数", "en": "Units"},
    "headcount": {"zh": "职工人数", "en": "Headcount"},
    "participants": {"zh": "参学人数", "en": "Participants"},
    "hours": {"zh": "培训学时", "en": "Training hours"},
    "certificates": {"zh": "取证数", "en": "Certificates"},
    "behind_units": {"zh": "进度滞后单位数", "en": "Units behind schedule"},
    "by_level": {"zh": "取证（{level}）", "en": "Certificates: {level}"},
    "legend": {
        "zh": "状态：绿 = 达到目标；黄 = 达到目标的 {amber}；红 = 低于目标的 {amber} 或无数据。",
        "en": "Status: green = target reached; amber = at least {amber} of target; red = below that or no data.",
    },
    "lower_bound": {
        "zh": "注：部分单位多个月无学习台账，参学人数按月报最大值计，为下限。",
        "en": "Note: some units have several months without ledger rows; participants are a lower bound.",
    },
    "empty": {"zh": "（无数据）", "en": "(no data)"},
    "target_rate": {"zh": "参学率目标", "en": "Participation target"},
    "rate_status": {"zh": "参学率状态", "en": "Participation status"},
    "gap": {"zh": "差距", "en": "Gap"},
    "overdue": {"zh": "逾期工作事项", "en": "Overdue milestones"},
    "reason": {"zh": "原因", "en": "Reason"},
    "reason_rate": {"zh": "参学率 {rate} 低于目标 {target}", "en": "participation {rate} below target {target}"},
    "reason_late": {"zh": "工作事项未按期完成", "en": "milestones not done on time"},
    "reason_late_named": {"zh": "未按期完成：{names}", "en": "not done on time: {names}"},
    "no_laggards": {"zh": "本期没有落后单位。", "en": "No unit is behind this period."},
    "reported": {"zh": "已报", "en": "reported"},
    "missing": {"zh": "缺报", "en": "missing"},
    "late": {"zh": "迟报", "en": "late"},
    "missing_count": {"zh": "缺报月数", "en": "Months missing"},
    "sub_total": {
        "zh": "应报 {expected} 次，已报 {reported} 次，缺报 {missing} 次",
        "en": "{expected} reports due, {reported} in, {missing} missing",
    },
}


def _t(key: str, lang: str, **kw: Any) -> str:
    text = _TEXT[key][lang]
    return text.format(**kw) if kw else text


def _campaign_name(settings: Settings, name: str | None, lang: str) -> str | None:
    """A configured phase or milestone in the briefing's language (config.toml ``name_en``)."""
    return campaign_names(settings.phases, lang).get(name, name) if name else name


def _label(col: str, lang: str) -> str:
    return COLUMN_LABELS.get(col, {}).get(lang, col)


def _period_text(summary: Summary, lang: str) -> str:
    return _span(summary.month_from, summary.month_to, lang) + _t(
        "months", lang, n=_months(summary.month_from, summary.month_to)
    )


def _span(month_from: str, month_to: str, lang: str) -> str:
    a, b = fmt_month(month_from, lang), fmt_month(month_to, lang)
    return a if month_from == month_to else f"{a}—{b}"


def _subtitle(summary: Summary, filters_text: str, lang: str) -> str:
    sep = " · "
    return sep.join([_period_text(summary, lang), filters_text or _t("all_units", lang)])


# the change's font: green up, red down, grey for 持平 and for no data (the tiles' delta colours)
CHANGE_FONTS = {1: Font(color="0C5A44"), -1: Font(color="9E303B"), 0: Font(color="686255")}


def kpi_changes(
    settings: Settings,
    items: list[dict[str, Any]],
    earlier: Summary | None,
    lang: str,
    department: str | None,
    unit: str | None,
) -> dict[str, Delta | None]:
    """Per KPI key of ``items`` (``kpis`` of the selection): the change against ``earlier`` as
    the formatter gives it — rates in percentage points, 持平 when the figures read the same —
    or None when there is nothing to compare with (no earlier figures, or a KPI without data)."""
    if earlier is None:
        return dict.fromkeys((item["key"] for item in items), None)
    before = {row["key"]: row["value"] for row in kpis(settings, earlier, lang, department=department, unit=unit)}
    return {item["key"]: delta(item["value"], before[item["key"]], _kpi_kind(item), lang) for item in items}


def _kpi_kind(item: dict[str, Any]) -> Kind:
    return RATE if item["format"] == "pct" else DECIMAL


def _change_cell(ws: Worksheet, row: int, col: int, change: Delta | None, kind: Kind, missing: str, lang: str) -> None:
    """A 环比 / 同比 cell: the change as a number in the formatter's delta format (+1.2 个百分点,
    持平), else the words for no data; green up, red down, grey otherwise, as on the tiles."""
    if change is None:
        c = _put(ws, row, col, missing)
    else:
        c = _put(ws, row, col, change.amount)
        c.number_format = delta_excel(kind, lang)
    c.font = CHANGE_FONTS[change.sign if change is not None else 0]
    c.alignment = Alignment(horizontal="center", wrap_text=True)
    c.border = _BORDER


def _status_cell(ws: Worksheet, row: int, col: int, status: str, lang: str) -> None:
    cell = _put(ws, row, col, STATUS_LABELS[status][lang])
    cell.fill = STATUS_FILLS[status]
    cell.font = STATUS_FONTS[status]
    cell.alignment = Alignment(horizontal="center")
    cell.border = _BORDER


def _empty(df: pd.DataFrame | None) -> bool:
    return df is None or len(df) == 0


def _kpi_sheet(
    ws: Worksheet,
    settings: Settings,
    summary: Summary,
    lang: str,
    filters_text: str,
    data_as_of: datetime | None,
    generated_at: datetime,
    department: str | None,
    unit: str | None,
    previous: Summary | None = None,
    last_year: Summary | None = None,
) -> list[dict[str, Any]]:
    _title(ws, 1, _t("title", lang, org=settings.organisation))
    ws.row_dimensions[1].height = 24
    header = [
        (_t("period", lang), _period_text(summary, lang)),
        (_t("filters", lang), filters_text or _t("all_units", lang)),
        (_t("phase", lang), _campaign_name(settings, summary.current_phase, lang) or _t("none", lang)),
        (_t("generated", lang), f"{generated_at:%Y-%m-%d %H:%M}"),
    ]
    if data_as_of is not None:
        header.append((_t("as_of", lang), f"{_py(data_as_of):%Y-%m-%d %H:%M}"))
    r = 2
    for k, v in header:
        _put(ws, r, 1, k).font = Font(bold=True)
        _put(ws, r, 2, v)
        r += 1
    r += 1
    items = kpis(settings, summary, lang, department=department, unit=unit)
    mom = kpi_changes(settings, items, previous, lang, department, unit)
    yoy = kpi_changes(settings, items, last_year, lang, department, unit)
    # no earlier figures: say so (上期无数据 / 去年同期无数据); a KPI without data: —
    no_mom = UI_TEXT["kpi_no_previous"][lang] if previous is None else MISSING
    no_yoy = UI_TEXT["kpi_no_last_year"][lang] if last_year is None else MISSING
    cols = _t("kpi_cols", lang, mom=UI_TEXT["kpi_mom"][lang], yoy=UI_TEXT["kpi_yoy"][lang]).split("|")
    for j, name in enumerate(cols, start=1):
        c = _put(ws, r, j, name)
        c.font, c.fill, c.border = _HEADER_FONT, _HEADER_FILL, _BORDER
        c.alignment = Alignment(horizontal="center")
    for item in items:
        r += 1
        fmt = RATE.excel if item["format"] == "pct" else DECIMAL.excel
        _put(ws, r, 1, item["label"]).font = Font(bold=True)
        for j, v in ((2, item["value"]), (3, item["target"])):
            c = _put(ws, r, j, v)
            c.number_format = fmt
        ratio = item["value"] / item["target"] if item["value"] is not None and item["target"] else None
        _put(ws, r, 4, ratio).number_format = RATE.excel
        _status_cell(ws, r, 5, item["status"], lang)
        _change_cell(ws, r, 6, mom[item["key"]], _kpi_kind(item), no_mom, lang)
        _change_cell(ws, r, 7, yoy[item["key"]], _kpi_kind(item), no_yoy, lang)
        _put(ws, r, 8, item["note"]).font = _NOTE_FONT
        for j in (1, 2, 3, 4, 8):
            ws.cell(row=r, column=j).border = _BORDER
    r += 1
    _put(ws, r, 1, _t("legend", lang, amber=fmt_pct(settings.targets.amber_ratio, 0))).font = _NOTE_FONT
    r += 1
    n = _months(summary.month_from, summary.month_to)
    before = _span(add_months(summary.month_from, -n), add_months(summary.month_from, -1), lang)
    year_before = _span(add_months(summary.month_from, -12), add_months(summary.month_to, -12), lang)
    _put(ws, r, 1, _t("compared", lang, previous=before, last_year=year_before)).font = _NOTE_FONT
    if summary.participants_is_lower_bound:
        r += 1
        _put(ws, r, 1, _t("lower_bound", lang)).font = _NOTE_FONT
    r += 2
    _title(ws, r, _t("facts", lang), _SECTION_FONT)
    r += 1
    for j, name in enumerate(_t("fact_cols", lang).split("|"), start=1):
        c = _put(ws, r, j, name)
        c.font, c.fill, c.border = _HEADER_FONT, _HEADER_FILL, _BORDER
    facts: list[tuple[str, float | int, Kind]] = [
        (_t("units", lang), summary.units, COUNT),
        (_t("headcount", lang), summary.headcount, COUNT),
        (_t("participants", lang), summary.participants, COUNT),
        (_t("hours", lang), summary.training_hours, DECIMAL),
        (_t("certificates", lang), summary.certificates, COUNT),
        (_t("behind_units", lang), summary.units_behind, COUNT),
    ]
    facts += [
        (_t("by_level", lang, level=level_label(k, lang)), v, COUNT) for k, v in summary.certificates_by_level.items()
    ]
    for k, v, kind in facts:
        r += 1
        _put(ws, r, 1, k).border = _BORDER
        c = _put(ws, r, 2, _py(v))
        c.border = _BORDER
        c.number_format = kind.excel
    widths = {"A": 24, "B": 22, "C": 14, "D": 12, "E": 8, "F": 16, "G": 16, "H": 60}
    for letter, w in widths.items():
        ws.column_dimensions[letter].width = w
    return items


def _labelled(df: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """Rename known columns to their labels; return the frame and the labels of rate columns."""
    out = df.rename(columns={c: _label(str(c), lang) for c in df.columns})
    return out, [_label(k, lang) for k in PERCENT_KEYS]


def _ranking_sheet(ws: Worksheet, settings: Settings, ranking: pd.DataFrame | None, subtitle: str, lang: str) -> None:
    _title(ws, 1, f"{_t('sheet_rank', lang)} · {subtitle}")
    if _empty(ranking):
        _put(ws, 3, 1, _t("empty", lang)).font = _NOTE_FONT
        return
    assert ranking is not None
    from dashboard.evaluation.ranking import rank_units  # the one ranking order (DESIGN §4)

    df = rank_units(ranking).drop(columns=["not_candidate_because"], errors="ignore")
    if "vetoed_by" in df.columns:  # the evaluation's reasons (codes) as the indicators' names
        sep = "、" if lang == "zh" else ", "
        named = {"participation_rate": "participation_rate", "training_funds": "funds_ratio"}
        df["vetoed_by"] = [sep.join(_label(named.get(v, v), lang) for v in vs) for vs in df["vetoed_by"]]
    labelled, pct = _labelled(df, lang)
    pos = _write_table(ws, labelled, 2, pct, lang)
    # Colour the participation rate of each unit against its own (possibly overridden) target.
    rate_col = pos.get(_label("participation_rate", lang))
    behind_col = pos.get(_label("behind", lang))
    for i, rec in enumerate(df.to_dict("records"), start=3):
        if rate_col is not None:
            target = settings.targets.for_scope("participation_rate", _py(rec.get("department")), _py(rec.get("unit")))
            status = kpi_status(_py(rec.get("participation_rate")), target, settings.targets.amber_ratio)
            ws.cell(row=i, column=rate_col).fill = STATUS_FILLS[status]
        if behind_col is not None and _as_bool(rec.get("behind")):
            ws.cell(row=i, column=behind_col).fill = STATUS_FILLS["red"]


def _overdue_by_unit(behind: pd.DataFrame | Sequence[str] | None) -> tuple[set[str], dict[str, list[str]]]:
    """Units behind and their overdue milestones, from a milestone matrix or a list of names."""
    if behind is None:
        return set(), {}
    if isinstance(behind, pd.DataFrame):
        if behind.empty or "unit" not in behind.columns:
            return set(), {}
        rows = behind
        if "status" in rows.columns:
            rows = rows[rows["status"] == "overdue"]
        names: dict[str, list[str]] = {}
        for rec in rows.to_dict("records"):
            unit = str(rec["unit"])
            ms = rec.get("milestone")
            names.setdefault(unit, [])
            if ms is not None and _py(ms) is not None and str(ms) not in names[unit]:
                names[unit].append(str(ms))
        return set(names), names
    return {str(u) for u in behind}, {}


def laggards(
    settings: Settings,
    ranking: pd.DataFrame | None,
    behind: pd.DataFrame | Sequence[str] | None = None,
    lang: str = "zh",
) -> pd.DataFrame:
    """Units below their participation target or behind schedule, worst participation first.

    ``behind`` may be the milestone matrix (``metrics.milestone_matrix``: its ``overdue`` rows name
    the late milestones), a list of unit names (``Summary.behind_units``) or None (then the
    ``behind`` column of the ranking decides). Columns are the internal names; the briefing labels
    them.
    """
    cols = ["unit", "department", "participation_rate", "target", "rate_status", "behind", "overdue", "reason"]
    if _empty(ranking):
        return pd.DataFrame(columns=cols)
    assert ranking is not None
    late_units, overdue = _overdue_by_unit(behind)
    english = campaign_names(settings.phases, lang)  # the configured milestones' name_en in English
    sep = "、" if lang == "zh" else ", "
    out: list[dict[str, Any]] = []
    for rec in ranking.to_dict("records"):
        unit = _py(rec.get("unit"))
        dept = _py(rec.get("department"))
        rate = _py(rec.get("participation_rate"))
        rate = rate if isinstance(rate, (int, float)) else None
        target = settings.targets.for_scope("participation_rate", dept, unit)
        low = rate is not None and rate < target - _EPS
        late = _as_bool(rec.get("behind")) or str(unit) in late_units
        if not (low or late):
            continue
        reasons = []
        if low:
            reasons.append(_t("reason_rate", lang, rate=fmt_pct(rate), target=fmt_pct(target)))
        names = [english.get(n, n) for n in overdue.get(str(unit), [])]
        if late:
            reasons.append(_t("reason_late_named", lang, names=sep.join(names)) if names else _t("reason_late", lang))
        out.append(
            {
                "unit": unit,
                "department": dept,
                "participation_rate": rate,
                "target": target,
                "rate_status": kpi_status(rate, target, settings.targets.amber_ratio) if rate is not None else None,
                "behind": late,
                "overdue": sep.join(names),
                "reason": "；".join(reasons) if lang == "zh" else "; ".join(reasons),
            }
        )
    df = pd.DataFrame(out, columns=cols)
    if not df.empty:
        df = df.sort_values(["participation_rate", "unit"], na_position="last", kind="stable").reset_index(drop=True)
    return df


def _laggard_sheet(
    ws: Worksheet,
    settings: Settings,
    ranking: pd.DataFrame | None,
    behind: pd.DataFrame | Sequence[str] | None,
    subtitle: str,
    lang: str,
) -> None:
    _title(ws, 1, f"{_t('sheet_behind', lang)} · {subtitle}")
    df = laggards(settings, ranking, behind, lang)
    if df.empty:
        _put(ws, 3, 1, _t("no_laggards", lang) if not _empty(ranking) else _t("empty", lang)).font = _NOTE_FONT
        return
    statuses = df["rate_status"].tolist()
    shown = df.drop(columns=["rate_status"]).copy()
    shown.insert(4, "rate_status", [STATUS_LABELS[s][lang] if s else None for s in statuses])
    names = {
        "target": _t("target_rate", lang),
        "rate_status": _t("rate_status", lang),
        "overdue": _t("overdue", lang),
        "reason": _t("reason", lang),
    }
    labelled = shown.rename(columns={c: names.get(c) or _label(c, lang) for c in shown.columns})
    pos = _write_table(ws, labelled, 2, [_label("participation_rate", lang), names["target"]], lang)
    status_col = pos[names["rate_status"]]
    behind_col = pos[_label("behind", lang)]
    for i, (status, late) in enumerate(zip(statuses, df["behind"].tolist(), strict=True), start=3):
        if status:
            cell = ws.cell(row=i, column=status_col)
            cell.fill, cell.font = STATUS_FILLS[status], STATUS_FONTS[status]
        if late:
            ws.cell(row=i, column=behind_col).fill = STATUS_FILLS["red"]


def _top_sheet(ws: Worksheet, top: pd.DataFrame | None, subtitle: str, lang: str) -> None:
    _title(ws, 1, f"{_t('sheet_top', lang)} · {subtitle}")
    if _empty(top):
        _put(ws, 3, 1, _t("empty", lang)).font = _NOTE_FONT
        return
    assert top is not None
    labelled, pct = _labelled(top.reset_index(drop=True), lang)
    _write_table(ws, labelled, 2, pct, lang)


SUBMISSION_STATUS: dict[str, tuple[str, str]] = {
    # status of metrics.submission_matrix → (text key, colour); any other status shows as is, amber
    "reported": ("reported", "green"),
    "missing": ("missing", "red"),
    "late": ("late", "amber"),
}


def _submission_sheet(ws: Worksheet, submissions: pd.DataFrame | None, subtitle: str, lang: str) -> None:
    """Units × months: 已报/缺报 per cell, months missing and the last update — missing first."""
    _title(ws, 1, f"{_t('sheet_sub', lang)} · {subtitle}")
    if _empty(submissions) or not {"unit", "month", "status"} <= set(submissions.columns):  # type: ignore[union-attr]
        _put(ws, 3, 1, _t("empty", lang)).font = _NOTE_FONT
        return
    assert submissions is not None
    months = sorted({str(m) for m in submissions["month"].tolist() if _py(m) is not None})
    rows: dict[str, dict[str, Any]] = {}
    for rec in submissions.to_dict("records"):
        unit = str(_py(rec["unit"]))
        row = rows.setdefault(unit, {"unit": unit, "department": _py(rec.get("department")), "_last": None})
        row[str(rec["month"])] = str(_py(rec["status"]) or "missing")
        last = _py(rec.get("last_updated"))
        if isinstance(last, (date, datetime)) and (row["_last"] is None or last > row["_last"]):
            row["_last"] = last
    missing_count = _t("missing_count", lang)
    table: list[dict[str, Any]] = []
    marks_by_row: list[list[str | None]] = []
    for row in rows.values():
        marks = [row.get(m) for m in months]
        rec = {_label("unit", lang): row["unit"], _label("department", lang): row["department"]}
        for m, status in zip(months, marks, strict=True):
            key = SUBMISSION_STATUS.get(status or "", (None, None))[0]
            rec[fmt_month(m, lang)] = None if status is None else (_t(key, lang) if key else status)
        rec[missing_count] = sum(1 for st in marks if st == "missing")
        rec[_label("last_updated", lang)] = row["_last"]
        table.append(rec)
        marks_by_row.append(marks)
    order = sorted(
        range(len(table)), key=lambda i: (-table[i][missing_count], pinyin_key(str(table[i][_label("unit", lang)])))
    )
    df = pd.DataFrame([table[i] for i in order])
    marks_by_row = [marks_by_row[i] for i in order]
    expected = sum(1 for marks in marks_by_row for st in marks if st is not None)
    reported = sum(1 for marks in marks_by_row for st in marks if st == "reported")
    missing = sum(1 for marks in marks_by_row for st in marks if st == "missing")
    total = _t("sub_total", lang, expected=expected, reported=reported, missing=missing)
    _put(ws, 2, 1, total).font = _NOTE_FONT
    _write_table(ws, df, 3, (), lang)
    for i, marks in enumerate(marks_by_row, start=4):
        for j, status in enumerate(marks, start=3):
            if status is None:
                continue
            colour = SUBMISSION_STATUS.get(status, ("", "amber"))[1]
            cell = ws.cell(row=i, column=j)
            cell.fill, cell.font = STATUS_FILLS[colour], STATUS_FONTS[colour]
            cell.alignment = Alignment(horizontal="center")


def build_briefing(
    settings: Settings,
    summary: Summary,
    ranking: pd.DataFrame | None,
    behind: pd.DataFrame | Sequence[str] | None,
    top: pd.DataFrame | None,
    submissions: pd.DataFrame | None,
    lang: str = "zh",
    filters_text: str = "",
    *,
    data_as_of: datetime | None = None,
    generated_at: datetime | None = None,
    department: str | None = None,
    unit: str | None = None,
    evaluation: Evaluation | None = None,
    previous: Summary | None = None,
    last_year: Summary | None = None,
) -> bytes:
    """The meeting briefing (会议简报) for the current filters as .xlsx bytes.

    Sheets: KPIs against targets with 红/黄/绿 status (period and filters on top), 单位排名
    (``metrics.unit_table``), 落后单位 (see ``laggards``; ``behind`` is the milestone matrix, a
    list of unit names or None), 学习标兵 (``metrics.top_learners``) and 报送情况
    (``metrics.submission_matrix`` pivoted to units × months); with ``evaluation`` (考核评比 of the
    same selection) also 推荐名单: the 先进集体 and 知识型职工标兵 shortlists with their rules.
    ``previous`` / ``last_year`` (``metrics.earlier_kpis``: None without a stored month) give the
    KPI table's 环比 and 同比 columns.
    """
    lang = lang if lang in ("zh", "en") else "zh"
    generated_at = generated_at or datetime.now()
    subtitle = _subtitle(summary, filters_text, lang)
    wb = Workbook()
    ws = wb.active
    ws.title = _t("sheet_kpi", lang)
    _kpi_sheet(
        ws, settings, summary, lang, filters_text, data_as_of, generated_at, department, unit, previous, last_year
    )
    _ranking_sheet(wb.create_sheet(_t("sheet_rank", lang)), settings, ranking, subtitle, lang)
    if evaluation is not None:
        from dashboard.evaluation.documents import shortlist_sheet  # it writes cells with this module's guard

        shortlist_sheet(wb.create_sheet(_t("sheet_short", lang)), evaluation, lang, subtitle)
    _laggard_sheet(wb.create_sheet(_t("sheet_behind", lang)), settings, ranking, behind, subtitle, lang)
    _top_sheet(wb.create_sheet(_t("sheet_top", lang)), top, subtitle, lang)
    _submission_sheet(wb.create_sheet(_t("sheet_sub", lang)), submissions, subtitle, lang)
    for sheet in wb.worksheets:
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return _to_bytes(wb)
