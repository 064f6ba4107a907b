"""The upload template: an .xlsx that unit reporters fill in and the importer reads back as is.

The headers are the canonical (first) aliases of ``settings.column_aliases`` and the sheet names
are the canonical sheet names, so a filled-in template never depends on header guessing. Drop-down
lists and number rules catch most mistakes while the reporter types, before the importer has to
reject the whole file (DESIGN.md section 3: an import is all or nothing).
"""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation

from data_sources.reading.rows import EXAMPLE_MARK
from data_sources.schema import DERIVED_KEY_FIELDS, FIELDS, KEYS, LEVELS, FieldSpec, Kind

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.worksheet.worksheet import Worksheet

    from dashboard.config import Settings

# Sheet names the importer knows (the first name of each kind in config.toml [aliases.sheets]).
SHEET_NAMES: dict[Kind, str] = {
    Kind.ROSTER: "单位",
    Kind.SUMMARY: "月报",
    Kind.LEDGER: "学习台账",
    Kind.CERTIFICATES: "证书",
    Kind.MILESTONES: "阶段进度",
}
INSTRUCTIONS_SHEET = {"zh": "填写说明", "en": "Instructions"}
# Column A of every data sheet: the reporter may number rows there; the example row says 示例,
# which the importer sees (it reads values, not the yellow fill) and skips with a warning.
ROW_NUMBER_HEADER = "序号"
FIRST_FIELD_COLUMN = 2  # the fields start in column B
YES, NO = "是", "否"
# Validations cover the data rows below the header down to this row (no cells are created).
LAST_ROW = 5000
MAX_LIST_FORMULA = 255  # Excel's limit for an inline drop-down list

_THIN = Side(style="thin", color="9E9E9E")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_REQUIRED_FILL = PatternFill("solid", fgColor="1F4E79")
_OPTIONAL_FILL = PatternFill("solid", fgColor="5B9BD5")
_EXAMPLE_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FONT = Font(bold=True, color="FFFFFF", size=11)
_TITLE_FONT = Font(bold=True, size=14)
_SECTION_FONT = Font(bold=True, size=12, color="1F4E79")

_TYPE_FORMATS = {
    "int": "0",
    "number": "General",
    "month": "@",  # text, so Excel does not turn 2024-03 into a date
    "date": "yyyy-mm-dd",
    "text": "@",
}


def text_width(text: str) -> int:
    """Display width of ``text`` in Excel columns: a CJK character is as wide as two Latin ones."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in str(text))


def canonical_header(settings: Settings, field_name: str) -> str:
    """The header the template writes for a field: its first alias, else the field name."""
    aliases = settings.column_aliases.get(field_name)
    return aliases[0] if aliases else field_name


def example_rows(settings: Settings) -> dict[Kind, list[dict[str, Any]]]:
    """The example row of each sheet as typed values (what the importer should read back).

    Realistic figures for one workshop in March of the campaign year; the milestone row uses the
    first configured milestone so it always matches the campaign in config.toml.
    """
    year = settings.year
    month = f"{year}-03"
    first = settings.milestones[0] if settings.milestones else None
    milestone = first.name if first else "成立领导小组"
    phase_name = first.phase if first else (settings.phases[0].name if settings.phases else "宣传发动")
    planned = first.due if first else date(year, 1, 31)
    done = min(planned, date(year, 1, 20))
    return {
        Kind.ROSTER: [
            {"unit": "塑编车间", "department": "生产系统", "headcount": 120, "unit_type": "车间", "is_pilot": True}
        ],
        Kind.SUMMARY: [
            {
                "unit": "塑编车间",
                "month": month,
                "headcount": 120,
                "participants": 118,
                "sessions": 6,
                "person_times": 356,
                "hours": 712.5,
                "certificates": 3,
                "suggestions": 12,
                "training_funds": 25600.0,
                "payroll": 1_080_000.0,
            }
        ],
        Kind.LEDGER: [
            {
                "employee_id": "SB0012",
                "name": "张伟",
                "unit": "塑编车间",
                "month": month,
                "hours": 6.5,
                "points": 12.0,
                "attendance": 3,
            }
        ],
        Kind.CERTIFICATES: [
            {
                "employee_id": "SB0012",
                "name": "张伟",
                "unit": "塑编车间",
                "cert_name": "塑料编织工",
                "level": "中级",
                "cert_date": date(year, 3, 15),
            }
        ],
        Kind.MILESTONES: [
            {
                "unit": "塑编车间",
                "phase": phase_name,
                "milestone": milestone,
                "planned_date": planned,
                "done_date": done,
            }
        ],
    }


def _list_formula(values: list[str]) -> str | None:
    """An inline drop-down list, or None when Excel cannot hold it (too long, or a comma/quote
    in a value would split it); the instructions sheet still lists the values then."""
    if not values or any("," in v or '"' in v for v in values):
        return None
    formula = '"' + ",".join(values) + '"'
    return formula if len(formula) <= MAX_LIST_FORMULA else None


def _rule(spec: FieldSpec, lang: str) -> str:
    """The one-line rule of a column, shown as the header's comment and in the instructions."""
    zh = lang == "zh"
    need = ("必填" if zh else "required") if spec.required else ("选填" if zh else "optional")
    what = {
        "text": "文字" if zh else "text",
        "unit": "单位名册中的单位名称" if zh else "a unit's name as in the roster",
        "int": "整数，不能为负数" if zh else "whole number, not negative",
        "number": "数字，可有小数，不能为负数" if zh else "number, decimals allowed, not negative",
        "month": "年-月，如 2024-03" if zh else "year-month, e.g. 2024-03",
        "date": "日期，如 2024-03-15" if zh else "date, e.g. 2024-03-15",
        "bool": "是 或 否" if zh else "是 (yes) or 否 (no)",
        "level": "从下拉列表选择" if zh else "pick from the list",
    }[spec.type]
    if spec.name == "month":
        what += (
            "；可不填此列，月份取自标题或文件名"
            if zh
            else "; may be left out when the title or file name gives the month"
        )
    if spec.name == "participants":
        what += "；不得大于职工人数" if zh else "; not more than the headcount"
    if spec.name in ("training_funds", "payroll"):
        what += (
            "；单位为元（表头写“（万元）”时按万元填写）"
            if zh
            else "; in yuan (in 10,000 yuan when the header says （万元）)"
        )
    if spec.name == "done_date":
        what += "；留空表示尚未完成" if zh else "; blank means not done yet"
    if spec.name == "employee_id":
        what += "；按文字填写，保留前导零" if zh else "; kept as text so leading zeros stay"
    return f"{need}；{what}" if zh else f"{need}; {what}"


def _validations(ws: Worksheet, settings: Settings, fields: tuple[FieldSpec, ...], lang: str) -> None:
    phases = [p.name for p in settings.phases]
    milestones = [m.name for m in settings.milestones]
    for col, spec in enumerate(fields, start=FIRST_FIELD_COLUMN):
        letter = get_column_letter(col)
        rng = f"{letter}2:{letter}{LAST_ROW}"
        dv: DataValidation | None = None
        stop = True  # show an error for a wrong value (unless the value may be anything)
        style = "stop"  # refuse it, rather than only warn
        if spec.type == "bool":
            dv = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
        elif spec.type == "level":
            formula = _list_formula(list(LEVELS))
            dv = DataValidation(type="list", formula1=formula, allow_blank=True) if formula else None
        elif spec.name == "phase":
            formula = _list_formula(phases)
            dv = DataValidation(type="list", formula1=formula, allow_blank=True) if formula else None
        elif spec.name == "milestone":
            # A unit may add a milestone of its own (DESIGN §4): suggest the configured ones but
            # accept any text, so no stop error here.
            formula = _list_formula(milestones)
            dv = DataValidation(type="list", formula1=formula, allow_blank=True) if formula else None
            stop = False
        elif spec.type == "int":
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        elif spec.type == "number":
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        elif spec.type == "date":
            low, high = int(to_excel(date(2000, 1, 1))), int(to_excel(date(2100, 12, 31)))
            dv = DataValidation(
                type="date", operator="between", formula1=str(low), formula2=str(high), allow_blank=True
            )
        elif spec.type == "month":
            dv = DataValidation(type="textLength", operator="equal", formula1="7", allow_blank=True)
            # only warn: where a program ignores the text column style, 2024-03 typed in becomes a
            # date, which the importer still reads as a month
            style = "warning"
        if dv is None:
            continue
        header = canonical_header(settings, spec.name)
        if stop:
            dv.showErrorMessage = True
            dv.errorTitle = header[:32]
            dv.error = _rule(spec, lang)[:255]
            dv.errorStyle = style
        dv.showInputMessage = True
        dv.promptTitle = header[:32]
        dv.prompt = _rule(spec, lang)[:255]
        dv.add(rng)
        ws.add_data_validation(dv)


def _data_sheet(wb: Workbook, settings: Settings, kind: Kind, rows: list[dict[str, Any]], lang: str) -> None:
    ws = wb.create_sheet(SHEET_NAMES[kind])
    fields = FIELDS[kind]
    marker = ws.cell(row=1, column=1, value=ROW_NUMBER_HEADER)
    marker.font = _HEADER_FONT
    marker.fill = _OPTIONAL_FILL
    marker.border = _BORDER
    marker.alignment = Alignment(horizontal="center", vertical="center")
    marker.comment = Comment(
        "选填；可填行号。示例行标为“示例”，导入时跳过"
        if lang == "zh"
        else "optional; row numbers. The example row says 示例 and is skipped on import",
        "模板" if lang == "zh" else "template",
        width=220,
        height=80,
    )
    for r in range(2, 2 + len(rows)):
        c = ws.cell(row=r, column=1, value=EXAMPLE_MARK)
        c.border = _BORDER
        c.fill = _EXAMPLE_FILL
        c.alignment = Alignment(horizontal="center")
    ws.column_dimensions["A"].width = 8
    for col, spec in enumerate(fields, start=FIRST_FIELD_COLUMN):
        header = canonical_header(settings, spec.name)
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if spec.required else _OPTIONAL_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = Comment(_rule(spec, lang), "模板" if lang == "zh" else "template", width=220, height=80)
        fmt = _TYPE_FORMATS.get(spec.type)
        letter = get_column_letter(col)
        if fmt:
            # A column style, so cells the reporter types later get the format (text month, ids
            # with leading zeros, dates as 2024-03-15) without the template creating empty cells.
            ws.column_dimensions[letter].number_format = fmt
        widest = text_width(header)
        for r, row in enumerate(rows, start=2):
            value = row.get(spec.name)
            if spec.type == "bool" and isinstance(value, bool):
                value = YES if value else NO
            c = ws.cell(row=r, column=col, value=value)
            c.border = _BORDER
            c.fill = _EXAMPLE_FILL
            if fmt:
                c.number_format = fmt
            shown = value.isoformat() if isinstance(value, date) else value
            widest = max(widest, text_width(str(shown)) if shown is not None else 0)
        ws.column_dimensions[letter].width = min(max(widest + 4, 10), 40)
    ws.row_dimensions[1].height = 24
    ws.freeze_panes = "A2"
    _validations(ws, settings, fields, lang)


def _instructions(wb: Workbook, settings: Settings, lang: str) -> None:
    """The first sheet: what each sheet is and the import rules, written as sentences so that no
    cell looks like a column header to the importer's table detection."""
    zh = lang == "zh"
    ws = wb.active
    ws.title = INSTRUCTIONS_SHEET["zh" if zh else "en"]
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 100
    row_kind = {
        Kind.ROSTER: ("一个单位", "a unit"),
        Kind.SUMMARY: ("一个单位一个月的汇总", "one unit's figures for one month"),
        Kind.LEDGER: ("一名职工一个月的学习记录", "one person's study in one month"),
        Kind.CERTIFICATES: ("一本证书", "one certificate"),
        Kind.MILESTONES: ("一个单位的一项工作事项", "one milestone of one unit"),
    }
    kind_label = {
        Kind.ROSTER: ("单位名册", "roster"),
        Kind.SUMMARY: ("月报汇总", "monthly summary"),
        Kind.LEDGER: ("学习台账", "learning ledger"),
        Kind.CERTIFICATES: ("取证情况", "certificates"),
        Kind.MILESTONES: ("阶段工作进度", "milestones"),
    }
    sep = "、" if zh else ", "
    lines: list[tuple[str, str, Font | None]] = []
    title = (
        f"{settings.organisation}创争活动月报上传模板 — 填写说明"
        if zh
        else f"{settings.organisation} — campaign report upload template: instructions"
    )
    lines.append((title, "", _TITLE_FONT))
    lines.append(("", "", None))
    lines.append(("一、工作表" if zh else "1. Sheets", "", _SECTION_FONT))
    for kind in Kind:
        fields = FIELDS[kind]
        req = sep.join(canonical_header(settings, f.name) for f in fields if f.required)
        opt = sep.join(canonical_header(settings, f.name) for f in fields if not f.required)
        key = " + ".join(canonical_header(settings, k) for k in KEYS[kind] if k not in DERIVED_KEY_FIELDS)
        if kind is Kind.MILESTONES:  # its year: done, else planned, else the month of the report
            key += "（每个活动年度一行）" if zh else " (one row a campaign year)"
        label = kind_label[kind][0 if zh else 1]
        one_row = row_kind[kind]
        if zh:
            text = f"{label}：每行是{one_row[0]}；主键（不可重复）：{key}；必填列：{req}"
            text += f"；选填列：{opt}。" if opt else "。"
        else:
            text = f"{label}: one row is {one_row[1]}; key (no duplicates): {key}; required columns: {req}"
            text += f"; optional: {opt}." if opt else "."
        lines.append((f"工作表「{SHEET_NAMES[kind]}」" if zh else f'Sheet "{SHEET_NAMES[kind]}"', text, None))
    lines.append(("", "", None))
    lines.append(("二、填写规则" if zh else "2. Rules", "", _SECTION_FONT))
    rules_zh = [
        "全部导入或全部不导入：文件中任何一行有错误，整个文件都不会写入；错误提示会写明文件、工作表、行号、列和填写的值，改正后重新上传即可。",
        "数字不能为负数；人数、场次、人次、取证人数、出勤次数须为整数，学时和积分可以有小数。请填数字本身，不要带单位。",
        "参学人数不得大于职工人数。",
        "月份写成 2024-03（年-月）；日期写成 2024-03-15（年-月-日）。",
        "阶段进度中“完成日期”留空，表示该工作事项尚未完成。",
        "同一文件中主键不能重复；再次上传同一单位同一月份（或同一主键）的数据，会用新数据替换原数据。",
        "不在单位名册中的单位会自动添加（只作提示，不影响导入）。",
        "深蓝色表头为必填列，浅蓝色表头为选填列；请勿修改表头文字和工作表名称。",
        "第 2 行（黄色，序号列为“示例”）是示例，导入时自动跳过；在它下面填写本单位的数据即可。若要把示例行改成本单位的数据，请同时删除“示例”二字。用不到的工作表可以删除或留空。",
    ]
    rules_en = [
        "All or nothing: if any row has an error, nothing of the file is written; the error names the file, sheet, row, column and value. Fix it and upload again.",
        "Numbers must not be negative; people, sessions, person-times, certificates and attendance are whole numbers, hours and points may have decimals. Write the number only, without units.",
        "Participants must not exceed the headcount.",
        "Months are written 2024-03 (year-month); dates 2024-03-15 (year-month-day).",
        "In the milestones sheet a blank completion date means the milestone is not done yet.",
        "Keys must not repeat inside one file; uploading the same unit and month (or key) again replaces the stored data.",
        "A unit missing from the roster is added automatically (a warning, the import goes ahead).",
        "Dark-blue headers are required columns, light-blue ones optional; do not change header texts or sheet names.",
        "Row 2 (yellow, 序号 says 示例) is an example and is skipped on import: add your own rows below it. To turn the example row into your own data, clear 示例 as well. Sheets you do not need may be deleted or left empty.",
    ]
    for i, rule in enumerate(rules_zh if zh else rules_en, start=1):
        lines.append((f"规则{i}" if zh else f"Rule {i}", rule, None))
    lines.append(("", "", None))
    lines.append(("三、可选值" if zh else "3. Allowed values", "", _SECTION_FONT))
    for phase in settings.phases:
        names = sep.join(
            f"{m.name}（{m.due:%m-%d}前）" if zh else f"{m.name} (due {m.due:%m-%d})" for m in phase.milestones
        )
        period = f"{phase.start:%m-%d}—{phase.end:%m-%d}"
        lines.append(
            (
                f"阶段「{phase.name}」" if zh else f'Phase "{phase.name}"',
                f"{period}；工作事项：{names}" if zh else f"{period}; milestones: {names}",
                None,
            )
        )
    lines.append(
        (
            "证书等级可选" if zh else "Certificate levels",
            sep.join(LEVELS) + ("（从下拉列表选择）" if zh else " (pick from the drop-down list)"),
            None,
        )
    )
    lines.append(("试点单位填写" if zh else "Pilot unit", f"{YES} / {NO}", None))

    for r, (a, b, font) in enumerate(lines, start=1):
        ca = ws.cell(row=r, column=1, value=a or None)
        cb = ws.cell(row=r, column=2, value=b or None)
        if font is not None:
            ca.font = font
        elif a:
            ca.font = Font(bold=True)
        cb.alignment = Alignment(wrap_text=True, vertical="top")
        ca.alignment = Alignment(vertical="top")
        if b:
            # Rough wrap height: 100 width units per line at about 15 points a line.
            lines_needed = max(1, -(-text_width(b) // 98))
            ws.row_dimensions[r].height = 16 * lines_needed + 2
    ws.row_dimensions[1].height = 26
    ws.sheet_view.showGridLines = False


def build_template(settings: Settings, lang: str = "zh") -> bytes:
    """The upload template as .xlsx bytes: instructions first, then the five data sheets.

    ``lang`` only changes the instructions and the cell hints; sheet names and headers stay the
    canonical Chinese ones because they are what the importer recognises.
    """
    lang = lang if lang in ("zh", "en") else "zh"
    wb = Workbook()
    _instructions(wb, settings, lang)
    examples = example_rows(settings)
    for kind in Kind:
        _data_sheet(wb, settings, kind, examples[kind], lang)
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
