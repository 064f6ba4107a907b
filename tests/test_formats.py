"""Files from other software (issue 10 item 9, DESIGN §3 "Formats"): .ods saved by LibreOffice and
.xlsb read to the same rows as the .xlsx they came from; OOXML packages with the workbook part
elsewhere; encrypted workbooks, web pages and Excel 2003 XML saved as .xls told apart with a
message that says what to do; hidden and helper sheets skipped with a warning; formulas without
a saved value named by cell; every cell problem naming column letter and header."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from dashboard.i18n import format_problem, problem_fields
from dashboard.template import FIRST_FIELD_COLUMN, SHEET_NAMES, build_template
from data_sources.schema import FIELDS, Kind, ParsedFile, Problem
from data_sources.validation import validate
from tests.test_reading import LEDGER_HEADER, SETTINGS, SUMMARY_HEADER, messages, read, summary_row, xlsx
from tests.xlsb import write_xlsb

SOFFICE_ENV = "DASHBOARD_TEST_SOFFICE"


def soffice() -> str:
    """LibreOffice (Debian's libreoffice-calc-nogui, installed by scripts/ensure_services.sh); in
    CI a missing one fails the test, elsewhere it skips with the reason."""
    path = os.environ.get(SOFFICE_ENV) or shutil.which("soffice")
    if not path:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but LibreOffice is missing ({SOFFICE_ENV} unset, no soffice on PATH)")
        pytest.skip(f"the .ods tests need LibreOffice ({SOFFICE_ENV} or soffice on PATH)")
    return path


def convert(data: bytes, tmp_path: Path, to: str) -> bytes:
    """``data`` (an .xlsx) saved by LibreOffice as ``to`` — what a clerk using LibreOffice uploads."""
    src = tmp_path / "报表.xlsx"
    src.write_bytes(data)
    out = tmp_path / "out"
    subprocess.run(
        [
            soffice(),
            "--headless",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",  # no clash with other runs
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (out / f"报表.{to}").read_bytes()


def the_report() -> bytes:
    """A unit's March report made from the downloaded template: the example rows left in place,
    real rows under them, an old month's copy hidden, and a 汇总 helper sheet for a chart."""
    wb = openpyxl.load_workbook(io.BytesIO(build_template(SETTINGS)))
    rows = {
        Kind.SUMMARY: [["挤出车间", "2024-03", 80, 70, 3, 90, 200.5, 1, 2]],
        Kind.LEDGER: [
            ["JC001", "王芳", "挤出车间", "2024-03", 4.5, 9, 2],
            ["JC002", "李强", "挤出车间", "2024-03", 0, 0, 0],
        ],
        Kind.CERTIFICATES: [["JC001", "王芳", "挤出车间", "挤出工", "高级", "2024-03-12"]],
        Kind.MILESTONES: [["挤出车间", "宣传发动", "成立领导小组", "2024-01-31", "2024-01-25"]],
    }
    for kind, data in rows.items():
        ws = wb[SHEET_NAMES[kind]]
        for r, row in enumerate(data, start=3):
            for c, value in enumerate(row, start=FIRST_FIELD_COLUMN):
                ws.cell(row=r, column=c, value=value)
    old = wb.create_sheet("2月月报")
    old.append(SUMMARY_HEADER)
    old.append(summary_row("挤出车间", month="2024-02", headcount=80, participants=60))
    old.sheet_state = "hidden"
    helper = wb.create_sheet("汇总")
    helper.append(["部门", "参学率"])
    helper.append(["生产系统", 0.875])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def as_xlsb(data: bytes) -> bytes:
    """The same workbook saved as .xlsb (values, sheet order and hidden state)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    return write_xlsb(sheets, hidden=[ws.title for ws in wb.worksheets if ws.sheet_state != "visible"])


def outcome(parsed: ParsedFile) -> tuple[Any, ...]:
    """Everything an import takes from a file: sheets, kinds, periods, columns, typed rows, and
    every problem with where it is."""
    sheets = [(s.sheet, s.kind, s.period, s.columns, s.letters, s.rows) for s in parsed.sheets]
    problems = [(p.code, p.sheet, p.row, p.column, p.column_letter, p.value, p.severity) for p in parsed.all_problems]
    return sheets, problems


def test_the_report_reads_with_its_warnings() -> None:
    parsed = validate(read(the_report(), "挤出车间3月.xlsx"))
    assert parsed.errors == []
    assert {s.sheet: len(s.rows) for s in parsed.sheets} == {
        "单位": 0,
        "月报": 1,
        "学习台账": 2,
        "证书": 1,
        "阶段进度": 1,
    }
    assert [format_problem(p) for p in parsed.warnings if p.code != "example_row"] == [
        "挤出车间3月.xlsx · 工作表「2月月报」：隐藏的工作表（通常是旧月份的副本），已跳过；如需导入请先取消隐藏",
        "挤出车间3月.xlsx · 工作表「汇总」：工作表的列不属于任何一种报表（找到的列：部门、参学率），已跳过",
    ]
    assert [format_problem(p, "en") for p in parsed.warnings if p.code != "example_row"] == [
        '挤出车间3月.xlsx, sheet "2月月报": hidden sheet (usually an old month\'s copy), skipped; unhide it to import it',
        '挤出车间3月.xlsx, sheet "汇总": the sheet\'s columns fit no kind of report (columns found: 部门, 参学率), skipped',
    ]
    assert [(p.sheet, p.row) for p in parsed.warnings if p.code == "example_row"] == [(SHEET_NAMES[k], 2) for k in Kind]


def test_an_ods_saved_by_libreoffice_reads_like_the_xlsx(tmp_path: Path) -> None:
    data = the_report()
    ods = convert(data, tmp_path, "ods")
    assert zipfile.ZipFile(io.BytesIO(ods)).read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    want = outcome(validate(read(data, "报表")))
    got = outcome(validate(read(ods, "报表")))
    assert got == want
    assert sum(len(rows) for *_, rows in got[0]) == 5


def test_an_xls_saved_by_libreoffice_reads_like_the_xlsx(tmp_path: Path) -> None:
    """Excel 97–2003 (.xls), as offices still save it: read by calamine to the same rows."""
    data = the_report()
    xls = convert(data, tmp_path, "xls")
    assert xls[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an OLE compound file, not a renamed zip
    got = outcome(validate(read(xls, "报表")))
    assert got == outcome(validate(read(data, "报表")))
    assert sum(len(rows) for *_, rows in got[0]) == 5


def test_an_xlsb_reads_like_the_xlsx() -> None:
    data = the_report()
    xlsb = as_xlsb(data)
    assert "xl/workbook.bin" in zipfile.ZipFile(io.BytesIO(xlsb)).namelist()
    assert outcome(validate(read(xlsb, "报表"))) == outcome(validate(read(data, "报表")))


def relocated(data: bytes, folder: str) -> bytes:
    """The package with its workbook under ``folder``/ instead of xl/ (the relationships say so)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            name = folder + info.filename[2:] if info.filename.startswith("xl/") else info.filename
            if info.filename.endswith((".rels", "[Content_Types].xml")):
                body = body.replace(b"/xl/", f"/{folder}/".encode()).replace(b'"xl/', f'"{folder}/'.encode())
            z.writestr(name, body)
    return out.getvalue()


def test_a_workbook_part_outside_xl_is_found_through_the_relationships() -> None:
    data = xlsx({"月报": [SUMMARY_HEADER, summary_row()]})
    moved = relocated(data, "workbook")
    names = zipfile.ZipFile(io.BytesIO(moved)).namelist()
    assert "workbook/workbook.xml" in names and not [n for n in names if n.startswith("xl/")]
    assert outcome(read(moved)) == outcome(read(data))
    assert [len(s.rows) for s in read(moved).sheets] == [1]


def test_an_encrypted_workbook_says_to_remove_the_password() -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx({"月报": [SUMMARY_HEADER, summary_row()]}))).encrypt("123456", encrypted)
    parsed = read(encrypted.getvalue(), "加密.xlsx")
    assert messages(parsed) == ["加密.xlsx：文件已加密，请取消密码后另存为 .xlsx"]
    assert messages(parsed, "en") == [
        "加密.xlsx: the workbook is encrypted: remove its password and save it again as .xlsx"
    ]


EXCEL_HTML = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"'
    ' xmlns="http://www.w3.org/TR/REC-html40">\r\n<head><meta http-equiv=Content-Type content="text/html; charset=utf-8">'
    "<!--[if gte mso 9]><xml><x:ExcelWorkbook></x:ExcelWorkbook></xml><![endif]--></head>\r\n<body><table>"
    "<tr><td>单位</td><td>月份</td><td>职工人数</td><td>参学人数</td></tr>"
    "<tr><td>塑编车间</td><td>2024-03</td><td>120</td><td>84</td></tr></table></body></html>"
)
EXCEL_2003_XML = (
    '<?xml version="1.0"?>\r\n<?mso-application progid="Excel.Sheet"?>\r\n'
    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office"'
    ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\r\n<Worksheet ss:Name="月报"><Table>'
    '<Row><Cell><Data ss:Type="String">单位</Data></Cell><Cell><Data ss:Type="String">职工人数</Data></Cell></Row>'
    '<Row><Cell><Data ss:Type="String">塑编车间</Data></Cell><Cell><Data ss:Type="Number">120</Data></Cell></Row>'
    "</Table></Worksheet></Workbook>"
)


@pytest.mark.parametrize(
    ("data", "zh", "en"),
    [
        (
            EXCEL_HTML.encode("utf-8"),
            "月报.xls：这是网页（HTML）文件，只是扩展名为表格：请在 Excel/WPS 中打开，另存为 .xlsx 后再上传",
            "月报.xls: this is a web page (HTML) with a spreadsheet's name: open it in Excel/WPS, save it as .xlsx "
            "and upload that",
        ),
        (
            b"\xef\xbb\xbf" + EXCEL_HTML.replace("charset=utf-8", "charset=gb2312").encode("gb18030"),
            "月报.xls：这是网页（HTML）文件，只是扩展名为表格：请在 Excel/WPS 中打开，另存为 .xlsx 后再上传",
            None,
        ),
        (
            EXCEL_2003_XML.encode("utf-8"),
            "月报.xls：这是 Excel 2003 XML 表格（SpreadsheetML），不是真正的 .xls：请在 Excel/WPS 中打开，另存为 .xlsx 后再上传",
            "月报.xls: this is an Excel 2003 XML spreadsheet (SpreadsheetML), not a real .xls: open it in Excel/WPS, "
            "save it as .xlsx and upload that",
        ),
    ],
    ids=["html", "html-gbk", "spreadsheetml"],
)
def test_web_pages_and_2003_xml_named_xls_say_what_they_are(data: bytes, zh: str, en: str | None) -> None:
    parsed = read(data, "月报.xls")
    assert parsed.sheets == []  # never read as a CSV
    assert messages(parsed) == [zh]
    if en:
        assert messages(parsed, "en") == [en]


def test_a_hidden_sheet_alone_leaves_no_table() -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["说明：本表为旧月份副本"])
    old = wb.create_sheet("月报")
    old.append(SUMMARY_HEADER)
    old.append(summary_row())
    old.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    parsed = read(buf.getvalue())
    assert [(p.code, p.sheet, p.severity) for p in parsed.all_problems] == [
        ("hidden_sheet", "月报", "warning"),
        ("no_table", None, "error"),
    ]


@pytest.mark.parametrize("name", ["汇总", "图表数据", "Sheet3"])
def test_a_helper_sheet_does_not_block_the_report_whatever_its_name(name: str) -> None:
    """汇总 is a sheet alias of 月报, yet a 汇总 of 部门/参学率 is no monthly report."""
    data = xlsx({"月报": [SUMMARY_HEADER, summary_row()], name: [["部门", "参学率"], ["生产系统", "98%"]]})
    parsed = read(data, "三月.xlsx")
    assert parsed.errors == []
    assert [(s.sheet, len(s.rows)) for s in parsed.sheets] == [("月报", 1)]
    assert messages(parsed) == [
        f"三月.xlsx · 工作表「{name}」：工作表的列不属于任何一种报表（找到的列：部门、参学率），已跳过"
    ]


def test_a_formula_without_a_saved_value_is_named_by_its_cell() -> None:
    """openpyxl (like many generators) writes formulas without the value Excel would save."""
    rows = [
        LEDGER_HEADER,
        ["SJ1", "甲", "塑编车间", "2024-03", "=2+2", 4],
        ["SJ2", "乙", "塑编车间", "2024-03", 1, "=B2"],
    ]
    parsed = read(xlsx({"台账": rows}), "台账.xlsx")
    assert messages(parsed) == [
        "台账.xlsx · 工作表「台账」第2行 · E 列「培训学时」：公式没有保存计算结果：请在 Excel/WPS 中打开并保存后再上传",
        "台账.xlsx · 工作表「台账」第3行 · F 列「学习积分」：公式没有保存计算结果：请在 Excel/WPS 中打开并保存后再上传",
    ]
    assert messages(parsed, "en")[0] == (
        '台账.xlsx, sheet "台账", row 2, column E "培训学时": the formula has no saved result: open the file in '
        "Excel/WPS, save it and upload it again"
    )


def test_a_formula_with_its_saved_value_reads_as_that_value(tmp_path: Path) -> None:
    """LibreOffice computes and saves the values: the same file after a round trip reads fine."""
    rows = [LEDGER_HEADER, ["SJ1", "甲", "塑编车间", "2024-03", "=2+2", 4]]
    saved = convert(xlsx({"台账": rows}), tmp_path, "xlsx")
    parsed = read(saved, "台账.xlsx")
    assert parsed.errors == []
    assert parsed.sheets[0].rows[0]["hours"] == 4.0


def test_every_cell_problem_names_letter_and_header() -> None:
    header = ["序号", "单位名称", "统计月份", "职工总数", "参加学习人数", "场次", "人次", "学时（小时）", "取证数"]
    rows = [["2024年3月月报"], header, [1, "一车间", "2024-03", 30, 40, 1, 1, "八", 0]]
    parsed = validate(read(xlsx({"Sheet1": rows})))
    assert [(p.code, p.column_letter, p.column) for p in parsed.all_problems] == [
        ("not_a_number", "H", "学时（小时）"),
        ("participants_over_headcount", "E", "参加学习人数"),
    ]
    (sheet,) = parsed.sheets
    assert sheet.letters == {
        f: chr(ord("B") + i)
        for i, f in enumerate(
            ["unit", "month", "headcount", "participants", "sessions", "person_times", "hours", "certificates"]
        )
    }
    assert messages(parsed, "en") == [
        '月报.xlsx, sheet "Sheet1", row 3, column H "学时（小时）", value "八": not a number',
        '月报.xlsx, sheet "Sheet1", row 3, column E "参加学习人数", value "40": participants 40 exceed headcount 30',
    ]


def test_optional_columns_a_sheet_has_are_told() -> None:
    """The store keeps stored values of optional columns a sheet lacks: ParsedSheet says which."""
    with_attendance = read(
        xlsx({"台账": [[*LEDGER_HEADER, "出勤次数"], ["SJ1", "甲", "塑编车间", "2024-03", 1, 1, 2]]})
    )
    without = read(xlsx({"台账": [LEDGER_HEADER, ["SJ1", "甲", "塑编车间", "2024-03", 1, 1]]}))
    assert "attendance" in with_attendance.sheets[0].present_fields
    assert "attendance" not in without.sheets[0].present_fields
    assert "attendance" not in without.sheets[0].rows[0]
    assert with_attendance.sheets[0].present_fields - without.sheets[0].present_fields == {"attendance"}
    optional = {f.name for f in FIELDS[Kind.LEDGER] if not f.required}
    assert optional & without.sheets[0].present_fields == {"month"}


def test_a_file_level_problem_has_no_row_to_show() -> None:
    parsed = read(b"%PDF-1.4 \x00\x01 binary", "报告.pdf")
    (problem,) = parsed.all_problems
    for lang in ("zh", "en"):
        fields = problem_fields(problem, lang)
        assert fields["row"] == "" and fields["column"] == "" and fields["sheet"] == ""
        assert "None" not in fields["message"] and "None" not in "".join(fields.values())
    assert (
        problem_fields(problem)["message"] == "报告.pdf：不是电子表格文件（支持 .xlsx、.xlsm、.xlsb、.xls、.ods、.csv）"
    )
    cell = Problem("negative", "月报.xlsx", "月报", 7, "培训学时", "-3", column_letter="F")
    assert problem_fields(cell) == {
        "file": "月报.xlsx",
        "sheet": "月报",
        "row": "7",
        "column": "F 列「培训学时」",
        "value": "-3",
        "reason": "不能为负数",
        "message": "月报.xlsx · 工作表「月报」第7行 · F 列「培训学时」值「-3」：不能为负数",
    }
    assert problem_fields(cell, "en")["column"] == 'column F "培训学时"'
    # a table that blanks out the place to show the reason alone gets the reason alone
    assert format_problem(replace(cell, file="", sheet=None, row=None, column=None, value=None)) == "：不能为负数"
