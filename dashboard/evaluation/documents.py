"""The papers of the year-end meeting, as bytes (no Streamlit): 推荐名单.xlsx with both shortlists,
every figure and the rule that selected them; one 推荐表 .docx per candidate in the layout offices
use for a 先进集体 / 先进个人推荐表 (a bordered form under a title and a 填报单位/日期 line, the
figures filled in, 主要事迹 left to write, 推荐单位意见 and 领导小组意见 boxes with 签章 and 日期);
and a .zip of all of them.

Names and units come from uploaded data: every cell of the workbook goes through the briefing's
formula-injection guard, and text that XML cannot hold is dropped before it reaches a .docx.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from dashboard.briefing import write_cell, write_table
from dashboard.evaluation.explain import funds_text, rules_text, score_text, unit_reasons, weights_text
from dashboard.evaluation.scoring import INDICATORS
from dashboard.i18n import (
    FIELD_LABELS,
    evaluation_text,
    fmt_date,
    fmt_int,
    fmt_month,
    fmt_num,
    fmt_pct,
    indicator_label,
)

if TYPE_CHECKING:  # pragma: no cover
    from docx.document import Document as DocxDocument
    from docx.table import Table

    from dashboard.config import Settings
    from dashboard.evaluation.scoring import Evaluation

_TITLE_FONT = Font(bold=True, size=14)
_NOTE_FONT = Font(italic=True, color="595959")
_RULE_FONT = Font(color="1F4E79")
FUNDS_FORMAT = "0.00%"  # 1.49% must not read as 1.5% next to a 1.5% veto line


# ---- words shared by the workbook and the forms -----------------------------------------------


def _t(key: str, lang: str, **kw: Any) -> str:
    return evaluation_text(key, lang, **kw)


def period_text(ev: Evaluation, lang: str = "zh") -> str:
    first, last = fmt_month(ev.month_from, lang), fmt_month(ev.month_to, lang)
    return first if ev.month_from == ev.month_to else f"{first}—{last}"


def _scope(scope: str, lang: str) -> str:
    return scope or _t("all_units", lang)


def _per_100(unit: Mapping[str, Any]) -> float:
    return unit["certificates"] / unit["headcount"] * 100 if unit["headcount"] else 0.0


def _funds_cell(ratio: Any, lang: str) -> Any:
    """The ratio as a number, or the words 未报送 (a workbook cell)."""
    return funds_text(ratio, lang) if ratio is None or ratio != ratio else float(ratio)


# ---- 推荐名单.xlsx ----------------------------------------------------------------------------


def _unit_columns(ev: Evaluation, rows: pd.DataFrame, lang: str, full: bool) -> pd.DataFrame:
    """The shortlist's (or, ``full``, the score sheet's) columns of units, labelled."""
    out: dict[str, list[Any]] = {}
    recs = rows.to_dict("records")
    if not full:
        out[_t("col_no", lang)] = list(range(1, len(recs) + 1))
    out[_t("col_rank", lang)] = [r["rank"] for r in recs]
    out[_label("unit", lang)] = [r["unit"] for r in recs]
    out[_label("department", lang)] = [r["department"] for r in recs]
    out[_t("col_score", lang)] = [r["score"] for r in recs]
    for k in INDICATORS:
        out[_t("col_points", lang, indicator=indicator_label(k, lang))] = [round(r[f"points_{k}"], 1) for r in recs]
    out[indicator_label("participation_rate", lang)] = [r["participation_rate"] for r in recs]
    out[indicator_label("hours_per_capita", lang)] = [r["hours_per_capita"] for r in recs]
    out[indicator_label("certificates_per_100", lang)] = [round(_per_100(r), 2) for r in recs]
    out[indicator_label("phase_progress", lang)] = [r["phase_progress"] for r in recs]
    out[indicator_label("submission_rate", lang)] = [r["submission_rate"] for r in recs]
    out[_t("col_submitted", lang)] = [r["submitted_months"] for r in recs]
    out[_t("col_due", lang)] = [r["due_months"] for r in recs]
    out[_t("col_funds_ratio", lang)] = [_funds_cell(r["funds_ratio"], lang) for r in recs]
    out[_label("headcount", lang)] = [r["headcount"] for r in recs]
    out[_label("participants", lang)] = [r["participants"] for r in recs]
    out[_label("training_hours", lang)] = [r["training_hours"] for r in recs]
    out[_label("certificates", lang)] = [r["certificates"] for r in recs]
    if full:
        out[_t("col_candidate", lang)] = [bool(r["candidate"]) for r in recs]
        out[_t("col_note", lang)] = ["；".join(unit_reasons(ev, r, lang)) for r in recs]
    return pd.DataFrame(out)


def _label(key: str, lang: str) -> str:
    """A column of the shortlists: the importer's field labels, else the evaluation's own."""
    return _t(f"col_{key}", lang) if key in ("training_hours", "months") else FIELD_LABELS[key][lang]


def _person_columns(ev: Evaluation, rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    recs = rows.to_dict("records")
    return pd.DataFrame(
        {
            _t("col_no", lang): list(range(1, len(recs) + 1)),
            _t("col_board_rank", lang): [r["rank"] for r in recs],
            _label("employee_id", lang): [r["employee_id"] for r in recs],
            _label("name", lang): [r["name"] for r in recs],
            _label("unit", lang): [r["unit"] for r in recs],
            _label("department", lang): [r["department"] for r in recs],
            _label("points", lang): [r["points"] for r in recs],
            _label("training_hours", lang): [r["hours"] for r in recs],
            _label("months", lang): [r["months"] for r in recs],
            _t("col_certificates_in_p", lang): [r["certificates"] for r in recs],
        }
    )


def _head(ws: Any, title: str, lines: list[str]) -> int:
    """Title and note lines above a table; returns the header row of the table."""
    write_cell(ws, 1, 1, title).font = _TITLE_FONT
    ws.row_dimensions[1].height = 22
    for i, line in enumerate(lines, start=2):
        cell = write_cell(ws, i, 1, line)
        cell.font = _RULE_FONT if i > 2 else _NOTE_FONT
    return len(lines) + 3


def _table(ws: Any, df: pd.DataFrame, header_row: int, lang: str) -> None:
    pct = [indicator_label(k, lang) for k in ("participation_rate", "phase_progress", "submission_rate")]
    funds = _t("col_funds_ratio", lang)
    pos = write_table(ws, df, header_row, [*pct, funds], lang)
    col = pos.get(funds)
    if col is not None:
        for row in range(header_row + 1, header_row + 1 + len(df)):
            cell = ws.cell(row=row, column=col)
            if isinstance(cell.value, float):
                cell.number_format = FUNDS_FORMAT


def shortlist_xlsx(
    ev: Evaluation,
    settings: Settings,
    lang: str = "zh",
    *,
    scope: str = "",
    data_as_of: datetime | None = None,
    generated_at: datetime | None = None,
) -> bytes:
    """推荐名单.xlsx: 先进集体 and 知识型职工标兵 with every figure and the rule that selected them,
    every unit's score with why it is (not) nominated, and the rules. ``scope`` names the filters
    (全部单位 when empty)."""
    lang = "en" if lang == "en" else "zh"
    org = settings.organisation
    rules = rules_text(ev, lang)
    subtitle = _t("subtitle", lang, period=period_text(ev, lang), scope=_scope(scope, lang))
    wb = Workbook()
    ws = wb.active
    ws.title = _t("sheet_units", lang)
    header = _head(ws, _t("title_units", lang, org=org), [subtitle, rules["units"], rules["vetoes"], rules["score"]])
    chosen = ev.unit_candidates
    if chosen.empty:
        write_cell(ws, header, 1, _t("none_selected", lang)).font = _NOTE_FONT
    else:
        _table(ws, _unit_columns(ev, chosen, lang, full=False), header, lang)

    ws = wb.create_sheet(_t("sheet_people", lang))
    header = _head(ws, _t("title_people", lang, org=org), [subtitle, rules["individuals"]])
    people = ev.individual_candidates
    if people.empty:
        write_cell(ws, header, 1, _t("none_selected", lang)).font = _NOTE_FONT
    else:
        _table(ws, _person_columns(ev, people, lang), header, lang)

    ws = wb.create_sheet(_t("sheet_scores", lang))
    header = _head(ws, _t("title_scores", lang, org=org), [subtitle, rules["score"], rules["submission"]])
    _table(ws, _unit_columns(ev, ev.units, lang, full=True), header, lang)

    ws = wb.create_sheet(_t("sheet_rules", lang))
    generated = generated_at or datetime.now()
    items = [
        (_t("item_period", lang), period_text(ev, lang)),
        (_t("item_scope", lang), _scope(scope, lang)),
        (_t("item_weights", lang), weights_text(ev, lang)),
        (indicator_label("submission_rate", lang), rules["submission"]),
        (_t("col_vetoed", lang), rules["vetoes"]),
        (_t("sheet_units", lang), rules["units"]),
        (_t("sheet_people", lang), rules["individuals"]),
        (_t("item_quota", lang), fmt_int(ev.award_quota)),
        (_t("item_min_hours", lang), fmt_num(ev.min_hours)),
        ("", _t("as_of", lang, as_of=fmt_date(data_as_of, lang), generated=fmt_date(generated, lang))),
    ]
    write_cell(ws, 1, 1, _t("title_rules", lang)).font = _TITLE_FONT
    write_table(ws, pd.DataFrame(items, columns=[_t("col_item", lang), _t("col_value", lang)]), 3, (), lang)
    ws.column_dimensions["B"].width = 100
    for row in ws.iter_rows(min_row=4, min_col=2, max_col=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for sheet in wb.worksheets:
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def shortlist_sheet(ws: Any, ev: Evaluation, lang: str = "zh", subtitle: str = "") -> None:
    """Both shortlists on one sheet, each under the rule that selected it: the meeting briefing's
    推荐名单 (the same columns as 推荐名单.xlsx)."""
    lang = "en" if lang == "en" else "zh"
    rules = rules_text(ev, lang)
    units, people = ev.unit_candidates, ev.individual_candidates
    sections = [
        (_t("sheet_units", lang), rules["units"], None if units.empty else _unit_columns(ev, units, lang, full=False)),
        (_t("sheet_people", lang), rules["individuals"], None if people.empty else _person_columns(ev, people, lang)),
    ]
    row = 1
    for title, rule, table in sections:
        write_cell(ws, row, 1, f"{title} · {subtitle}" if subtitle else title).font = _TITLE_FONT
        write_cell(ws, row + 1, 1, rule).font = _RULE_FONT
        if table is None:
            write_cell(ws, row + 3, 1, _t("none_selected", lang)).font = _NOTE_FONT
            row += 6
        else:
            _table(ws, table, row + 3, lang)
            row += len(table) + 6


# ---- 推荐表 (.docx) ----------------------------------------------------------------------------

_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FILE_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _x(value: Any) -> str:
    """Text a .docx can hold (lxml refuses control characters)."""
    return _XML_BAD.sub("", "" if value is None else str(value))


def _document() -> DocxDocument:
    """An A4 page with 宋体 for Chinese text, as office forms are printed."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    return doc


def _title(doc: DocxDocument, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(_x(text))
    run.bold = True
    run.font.size = Pt(18)
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
    p.paragraph_format.space_after = Pt(12)


def _filed_line(doc: DocxDocument, lang: str) -> None:
    """填报单位（盖章）：…… and 填报日期 on one line, the date at the right margin."""
    p = doc.add_paragraph()
    p.paragraph_format.tab_stops.add_tab_stop(Cm(16.6), alignment=2)  # 2 = right
    p.add_run(_t("form_filed_by", lang))
    p.add_run("\t" + _t("form_filed_on", lang))


def _put(cell: Any, text: Any, bold: bool = False, center: bool = True) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    lines = _x(text).split("\n")
    for i, line in enumerate(lines):
        run = p.add_run(line)
        run.bold = bold
        if i < len(lines) - 1:
            run.add_break()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


_WIDTHS = (Cm(3.9), Cm(4.4), Cm(3.9), Cm(4.4))  # 16.6 cm: the A4 text width


def _form(doc: DocxDocument, pairs: list[tuple[str, Any, str, Any]], lang: str) -> Table:
    """The bordered form: rows of label | value | label | value, then 主要事迹 and the two opinion
    boxes spanning the three right columns."""
    table = doc.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for a, va, b, vb in pairs:
        cells = table.add_row().cells
        _put(cells[0], a, bold=True)
        _put(cells[1], va)
        _put(cells[2], b, bold=True)
        _put(cells[3], vb)
        table.rows[-1].height = Cm(0.9)
    row = table.add_row()
    row.height = Cm(7)
    _put(row.cells[0], _t("form_deeds", lang), bold=True)
    deeds = row.cells[1].merge(row.cells[3])
    _put(deeds, _t("form_deeds_hint", lang), center=False)
    deeds.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    for key in ("form_unit_opinion", "form_group_opinion"):
        row = table.add_row()
        row.height = Cm(3.2)
        _put(row.cells[0], _t(key, lang), bold=True)
        box = row.cells[1].merge(row.cells[3])
        box.text = ""
        box.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
        box.paragraphs[0].add_run("")
        for text in (_t("form_seal", lang), _t("form_date", lang)):
            p = box.add_paragraph(text)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.right_indent = Cm(1.5)
    table.autofit = False
    for column, width in zip(table.columns, _WIDTHS, strict=True):
        column.width = width  # the grid LibreOffice and WPS lay out by
    for r in table.rows:
        for cell, width in zip(r.cells, _WIDTHS, strict=False):
            cell.width = width  # the cells Word lays out by
    return table


def _footer(doc: DocxDocument, ev: Evaluation, lang: str) -> None:
    p = doc.add_paragraph(_t("form_footer", lang, period=period_text(ev, lang)))
    p.runs[0].font.size = Pt(9)


def _docx_bytes(doc: DocxDocument) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _unit_row(ev: Evaluation, unit: str) -> dict[str, Any]:
    rows = ev.units[ev.units["unit"] == unit]
    if rows.empty:
        raise KeyError(unit)
    return rows.iloc[0].to_dict()


def unit_form_docx(ev: Evaluation, settings: Settings, unit: str, lang: str = "zh") -> bytes:
    """The 先进集体推荐表 of one unit of ``ev`` (a candidate, or any unit a leader adds by hand)."""
    lang = "en" if lang == "en" else "zh"
    r = _unit_row(ev, unit)
    doc = _document()
    _title(doc, _t("form_unit_title", lang, year=int(ev.month_to[:4])))
    _filed_line(doc, lang)
    submitted = f"{fmt_pct(r['submission_rate'])}（{r['submitted_months']}/{r['due_months']}）"
    pairs = [
        (_t("form_unit", lang), r["unit"], _t("form_department", lang), r["department"] or ""),
        (_t("form_unit_type", lang), r["unit_type"] or "", _t("form_headcount", lang), fmt_int(r["headcount"])),
        (
            _t("form_participants", lang),
            fmt_int(r["participants"]),
            indicator_label("participation_rate", lang),
            fmt_pct(r["participation_rate"]),
        ),
        (
            _t("form_training_hours", lang),
            fmt_num(r["training_hours"]),
            indicator_label("hours_per_capita", lang),
            fmt_num(r["hours_per_capita"]),
        ),
        (
            _t("form_certificates", lang),
            fmt_int(r["certificates"]),
            indicator_label("certificates_per_100", lang),
            fmt_num(_per_100(r), 2),
        ),
        (
            indicator_label("phase_progress", lang),
            fmt_pct(r["phase_progress"]),
            indicator_label("submission_rate", lang),
            submitted,
        ),
        (_t("form_funds", lang), funds_text(r["funds_ratio"], lang), _t("form_period", lang), period_text(ev, lang)),
        (
            _t("form_score", lang),
            score_text(r["score"]),
            _t("form_rank", lang),
            _t("form_rank_value", lang, rank=r["rank"], n=len(ev.units)),
        ),
    ]
    _form(doc, pairs, lang)
    _footer(doc, ev, lang)
    return _docx_bytes(doc)


def person_form_docx(ev: Evaluation, settings: Settings, employee_id: str, lang: str = "zh") -> bytes:
    """The 知识型职工标兵推荐表 of one person of ``ev.individuals``; 性别, 出生年月 and the other
    personal details the store does not hold are left for the unit to fill in."""
    lang = "en" if lang == "en" else "zh"
    rows = ev.individuals[ev.individuals["employee_id"] == employee_id]
    if rows.empty:
        raise KeyError(employee_id)
    r = rows.iloc[0].to_dict()
    doc = _document()
    _title(doc, _t("form_person_title", lang, year=int(ev.month_to[:4])))
    _filed_line(doc, lang)
    pairs = [
        (_t("form_name", lang), r["name"], _t("form_employee_id", lang), r["employee_id"]),
        (_t("form_gender", lang), "", _t("form_birth", lang), ""),
        (_t("form_politics", lang), "", _t("form_education", lang), ""),
        (_t("form_unit", lang), r["unit"], _t("form_department", lang), r["department"] or ""),
        (_t("form_post", lang), "", _t("form_skill", lang), ""),
        (_t("form_points", lang), fmt_num(r["points"]), _t("form_hours", lang), fmt_num(r["hours"])),
        (_t("form_months", lang), fmt_int(r["months"]), _t("form_certs", lang), fmt_int(r["certificates"])),
        (
            _t("form_rank", lang),
            _t("form_board_rank_value", lang, rank=r["rank"]),
            _t("form_period", lang),
            period_text(ev, lang),
        ),
    ]
    _form(doc, pairs, lang)
    _footer(doc, ev, lang)
    return _docx_bytes(doc)


def _file_part(text: Any) -> str:
    return _FILE_BAD.sub("_", str(text)).strip(" .")[:60] or "_"


def form_builders(ev: Evaluation, settings: Settings, lang: str = "zh") -> list[tuple[str, Callable[[], bytes]]]:
    """(file name, a function that builds its .docx) of every candidate: the 先进集体 in ranking
    order, then the 标兵 — a page lists the names and builds a form only when it is downloaded."""
    lang = "en" if lang == "en" else "zh"
    out: list[tuple[str, Callable[[], bytes]]] = []
    for n, unit in enumerate(ev.unit_candidates["unit"], start=1):
        name = _t("file_unit_form", lang, n=n, name=_file_part(unit))
        out.append((f"{_t('folder_units', lang)}/{name}", partial(unit_form_docx, ev, settings, unit, lang)))
    people = ev.individual_candidates
    for n, (eid, person) in enumerate(zip(people["employee_id"], people["name"], strict=True), start=1):
        name = _t("file_person_form", lang, n=n, name=_file_part(person), employee_id=_file_part(eid))
        out.append((f"{_t('folder_people', lang)}/{name}", partial(person_form_docx, ev, settings, eid, lang)))
    return out


def nomination_forms(ev: Evaluation, settings: Settings, lang: str = "zh") -> list[tuple[str, bytes]]:
    """(file name, .docx bytes) of every candidate: the 先进集体 in ranking order, then the 标兵."""
    return [(name, build()) for name, build in form_builders(ev, settings, lang)]


def nominations_zip(
    ev: Evaluation,
    settings: Settings,
    lang: str = "zh",
    *,
    scope: str = "",
    data_as_of: datetime | None = None,
    generated_at: datetime | None = None,
) -> bytes:
    """推荐材料.zip: 推荐名单.xlsx and every candidate's 推荐表 (file names in UTF-8, which
    Windows' Explorer, WPS and macOS read)."""
    lang = "en" if lang == "en" else "zh"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        xlsx = shortlist_xlsx(ev, settings, lang, scope=scope, data_as_of=data_as_of, generated_at=generated_at)
        z.writestr(_t("file_shortlist", lang), xlsx)
        for name, data in nomination_forms(ev, settings, lang):
            z.writestr(name, data)
    return buf.getvalue()
