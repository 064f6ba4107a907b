"""The upload template: the sheets and headers the importer knows, drop-downs and number rules that
catch mistakes while typing, an example row per sheet, and a clean round trip through the reader."""

from __future__ import annotations

import importlib
import importlib.util
import io
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dashboard.config import load_settings
from dashboard.template import (
    FIRST_FIELD_COLUMN,
    INSTRUCTIONS_SHEET,
    ROW_NUMBER_HEADER,
    SHEET_NAMES,
    build_template,
    example_rows,
    text_width,
)
from data_sources.schema import FIELDS, LEVELS, Kind

SETTINGS = load_settings()
# The same campaign with other canonical headers: the template must follow config.toml, not a
# list of headers written into the code.
RENAMED = replace(
    SETTINGS,
    column_aliases={
        **SETTINGS.column_aliases,
        "unit": ("单位名称", *SETTINGS.column_aliases["unit"]),
        "hours": ("总学时", *SETTINGS.column_aliases["hours"]),
    },
)


def _workbook(settings=SETTINGS, lang: str = "zh"):
    return load_workbook(io.BytesIO(build_template(settings, lang)))


def _headers(ws: Worksheet) -> list[Any]:
    """The field headers (column A is 序号, where the example row says 示例)."""
    return [c.value for c in ws[1]][FIRST_FIELD_COLUMN - 1 :]


def _validations_at(ws: Worksheet, col: int) -> list[Any]:
    """The data validations that cover the first data row of column ``col``."""
    cell = f"{get_column_letter(col)}2"
    return [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]


def _column_of(settings, kind: Kind, field_name: str) -> int:
    names = [f.name for f in FIELDS[kind]]
    return names.index(field_name) + FIRST_FIELD_COLUMN


@pytest.mark.parametrize("settings", [SETTINGS, RENAMED], ids=["config", "renamed-aliases"])
def test_sheets_and_headers_follow_schema_and_aliases(settings) -> None:
    wb = _workbook(settings)
    assert wb.sheetnames[0] == INSTRUCTIONS_SHEET["zh"]
    assert wb.sheetnames[1:] == [SHEET_NAMES[k] for k in Kind]
    for kind in Kind:
        # the importer recognises each sheet by its name as well as by its columns
        assert SHEET_NAMES[kind] in settings.sheet_aliases[kind.value]
        expected = [settings.column_aliases[f.name][0] for f in FIELDS[kind]]
        assert _headers(wb[SHEET_NAMES[kind]]) == expected
        assert wb[SHEET_NAMES[kind]]["A1"].value == ROW_NUMBER_HEADER


def test_headers_are_styled_frozen_and_wide_enough() -> None:
    wb = _workbook()
    for kind in Kind:
        ws = wb[SHEET_NAMES[kind]]
        assert ws.freeze_panes == "A2"
        for cell in ws[1]:
            assert cell.font.bold, (ws.title, cell.value)
            assert cell.fill.fill_type == "solid"
            assert cell.border.bottom.style is not None
            width = ws.column_dimensions[cell.column_letter].width
            assert width >= text_width(str(cell.value)), (ws.title, cell.value, width)
        required = {f.required for f in FIELDS[kind]} | {False}  # 序号 is optional
        fills = {c.fill.fgColor.rgb for c in ws[1]}
        # required and optional columns are told apart by colour
        assert len(fills) == len(required)


def test_drop_downs_for_phase_level_and_pilot() -> None:
    wb = _workbook()
    cases = [
        (Kind.MILESTONES, "phase", [p.name for p in SETTINGS.phases]),
        (Kind.CERTIFICATES, "level", list(LEVELS)),
        (Kind.ROSTER, "is_pilot", ["是", "否"]),
    ]
    for kind, field_name, allowed in cases:
        ws = wb[SHEET_NAMES[kind]]
        dvs = _validations_at(ws, _column_of(SETTINGS, kind, field_name))
        lists = [dv for dv in dvs if dv.type == "list"]
        assert len(lists) == 1, (kind, field_name, dvs)
        dv = lists[0]
        assert dv.formula1.strip('"').split(",") == allowed
        assert dv.showErrorMessage, "a value outside the list must be refused while typing"


def test_number_rules_on_counts_and_hours() -> None:
    wb = _workbook()
    checked = 0
    for kind in Kind:
        ws = wb[SHEET_NAMES[kind]]
        for col, spec in enumerate(FIELDS[kind], start=FIRST_FIELD_COLUMN):
            if spec.type not in ("int", "number"):
                continue
            dvs = _validations_at(ws, col)
            want = "whole" if spec.type == "int" else "decimal"
            assert [(dv.type, dv.operator, dv.formula1) for dv in dvs] == [(want, "greaterThanOrEqual", "0")], (
                kind,
                spec.name,
            )
            checked += 1
    assert checked == sum(1 for k in Kind for f in FIELDS[k] if f.type in ("int", "number"))
    assert checked > 0


def _as_written(value: Any) -> Any:
    """What an example value looks like in the workbook (是/否 for flags)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def test_one_example_row_per_sheet_with_formats() -> None:
    wb = _workbook()
    examples = example_rows(SETTINGS)
    for kind in Kind:
        ws = wb[SHEET_NAMES[kind]]
        assert ws.max_row == 1 + len(examples[kind]) == 2, ws.title
        row = examples[kind][0]
        assert ws["A2"].value == "示例"  # the mark the importer sees (it reads no colours)
        for col, spec in enumerate(FIELDS[kind], start=FIRST_FIELD_COLUMN):
            cell = ws.cell(row=2, column=col)
            value = cell.value.date() if isinstance(cell.value, datetime) else cell.value
            assert value == _as_written(row[spec.name]), (kind, spec.name, cell.value)
            if spec.type == "date":
                assert cell.is_date and cell.number_format == "yyyy-mm-dd"
            if spec.type == "month":
                # stored as text, so Excel does not turn it into a date
                assert cell.data_type == "s" and cell.number_format == "@"
                assert value == f"{SETTINGS.year}-03"
    # the milestone example is one of the campaign's own, under its own phase
    ms = examples[Kind.MILESTONES][0]
    assert (ms["milestone"], ms["phase"]) in {(m.name, m.phase) for m in SETTINGS.milestones}
    summary = examples[Kind.SUMMARY][0]
    assert summary["participants"] <= summary["headcount"]


def test_instructions_explain_sheets_rules_and_values() -> None:
    ws = _workbook()[INSTRUCTIONS_SHEET["zh"]]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    for kind in Kind:
        assert f"「{SHEET_NAMES[kind]}」" in text
    for phrase in ("全部导入或全部不导入", "不能为负数", "参学人数不得大于职工人数", "2024-03", "留空"):
        assert phrase in text, phrase
    for name in [p.name for p in SETTINGS.phases] + [m.name for m in SETTINGS.milestones] + list(LEVELS):
        assert name in text, name
    # no cell of the instructions is a bare header name the importer could take for a table
    aliases = {a for names in SETTINGS.column_aliases.values() for a in names}
    cells = {str(c.value).strip() for row in ws.iter_rows() for c in row if c.value is not None}
    assert not cells & aliases


def test_english_changes_instructions_only() -> None:
    wb = _workbook(lang="en")
    assert wb.sheetnames[0] == INSTRUCTIONS_SHEET["en"]
    assert wb.sheetnames[1:] == [SHEET_NAMES[k] for k in Kind]
    zh = _workbook()
    for kind in Kind:
        assert _headers(wb[SHEET_NAMES[kind]]) == _headers(zh[SHEET_NAMES[kind]])
    text = " ".join(str(c.value) for row in wb[INSTRUCTIONS_SHEET["en"]].iter_rows() for c in row if c.value)
    assert "All or nothing" in text


def _read(data: bytes, settings):
    """read_file, then the cross-row rules when data_sources.validation exists."""
    if importlib.util.find_spec("data_sources.reading") is None:
        pytest.skip("data_sources.reading (read_file) does not exist yet; the round trip runs once it does")
    reading = importlib.import_module("data_sources.reading")
    parsed = reading.read_file(io.BytesIO(data), "创争上传模板.xlsx", settings)
    if importlib.util.find_spec("data_sources.validation") is not None:
        parsed = importlib.import_module("data_sources.validation").validate(parsed)
    return parsed


def _without_marks(data: bytes) -> bytes:
    """The template with 示例 cleared: what a reporter does who turns the example into data."""
    wb = load_workbook(io.BytesIO(data))
    for kind in Kind:
        wb[SHEET_NAMES[kind]]["A2"].value = None
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("settings", [SETTINGS, RENAMED], ids=["config", "renamed-aliases"])
def test_template_round_trips_through_the_reader(settings) -> None:
    parsed = _read(_without_marks(build_template(settings)), settings)
    assert parsed.errors == [], parsed.errors
    assert not [p for p in parsed.warnings if p.code == "column_ignored"], parsed.warnings
    examples = example_rows(settings)
    by_kind: dict[Kind, list] = {}
    for sheet in parsed.sheets:
        by_kind.setdefault(sheet.kind, []).append(sheet)
    assert set(by_kind) == set(Kind)
    for kind in Kind:
        (sheet,) = by_kind[kind]
        assert sheet.sheet == SHEET_NAMES[kind]
        rows = [{k: v for k, v in r.items() if k != "_row"} for r in sheet.rows]
        want = [{k: v for k, v in r.items() if v is not None} for r in examples[kind]]
        got = [{k: v for k, v in r.items() if v is not None} for r in rows]
        assert got == want, kind
        assert [r["_row"] for r in sheet.rows] == [2]
        for r in got:
            for v in r.values():
                assert not isinstance(v, datetime), "dates must come back as datetime.date"
                if isinstance(v, date):
                    assert v.year == settings.year


def test_the_untouched_template_imports_no_example() -> None:
    """Uploaded as downloaded, every example row is skipped with a warning that names it."""
    parsed = _read(build_template(SETTINGS), SETTINGS)
    assert parsed.errors == []
    assert [s.rows for s in parsed.sheets] == [[]] * len(Kind)
    assert [(p.code, p.sheet, p.row, p.severity) for p in parsed.warnings] == [
        ("example_row", SHEET_NAMES[k], 2, "warning") for k in Kind
    ]


def test_an_example_row_left_above_real_data_is_skipped() -> None:
    """Issue 10 item 1: one real row added under 月报, the yellow example row left in place. The
    example (塑编车间, 120 staff, 118 learners) must not reach the store; the warning names it."""
    wb = _workbook()
    ws = wb[SHEET_NAMES[Kind.SUMMARY]]
    real = {**example_rows(SETTINGS)[Kind.SUMMARY][0], "unit": "挤出车间", "headcount": 80, "participants": 70}
    for col, spec in enumerate(FIELDS[Kind.SUMMARY], start=FIRST_FIELD_COLUMN):
        ws.cell(row=3, column=col, value=real[spec.name])
    buf = io.BytesIO()
    wb.save(buf)
    parsed = _read(buf.getvalue(), SETTINGS)
    assert parsed.errors == []
    (summary,) = [s for s in parsed.sheets if s.kind is Kind.SUMMARY]
    assert [{k: v for k, v in r.items() if k != "_row"} for r in summary.rows] == [real]
    assert [r["_row"] for r in summary.rows] == [3]
    from dashboard.i18n import format_problem

    skipped = [format_problem(p) for p in parsed.warnings if p.sheet == SHEET_NAMES[Kind.SUMMARY]]
    assert skipped == [
        "创争上传模板.xlsx · 工作表「月报」第2行：模板示例行（序号为“示例”），已跳过；"
        "如果这是本单位的数据，请删除“示例”二字后重新上传"
    ]


def test_filled_in_template_reads_like_a_report() -> None:
    """The reporter's path: delete the example rows, fill in only 月报, upload."""
    wb = _workbook()
    for kind in Kind:
        wb[SHEET_NAMES[kind]].delete_rows(2)
    ws = wb[SHEET_NAMES[Kind.SUMMARY]]
    row = {**example_rows(SETTINGS)[Kind.SUMMARY][0], "unit": "质检科", "headcount": 80, "participants": 79}
    ws.cell(row=2, column=1, value=1)  # numbered rows, as clerks do
    for col, spec in enumerate(FIELDS[Kind.SUMMARY], start=FIRST_FIELD_COLUMN):
        ws.cell(row=2, column=col, value=row[spec.name])
    buf = io.BytesIO()
    wb.save(buf)
    parsed = _read(buf.getvalue(), SETTINGS)
    assert parsed.errors == [], parsed.errors
    rows = [r for sheet in parsed.sheets for r in sheet.rows]
    assert [{k: v for k, v in r.items() if k != "_row"} for r in rows] == [row]
