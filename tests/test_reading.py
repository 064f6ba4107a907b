"""read_file on messy monthly reports: table and period detection, header aliases, and the exact
sentence the user reads for every rejection rule of DESIGN.md §3 that belongs to reading."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from dashboard.config import load_settings
from dashboard.i18n import format_problem
from data_sources.reading import read_file, sheet_kind_from_name
from data_sources.schema import FIELDS, Kind, ParsedFile
from data_sources.validation import validate

SETTINGS = load_settings()
SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "samples"

SUMMARY_HEADER = ["单位", "月份", "职工人数", "参学人数", "培训场次", "培训人次", "培训学时", "取证人数", "合理化建议"]
LEDGER_HEADER = ["工号", "姓名", "单位", "月份", "培训学时", "学习积分"]


# ---- helpers (also used by test_validation and test_reading_properties) ------------------------


def xlsx(sheets: dict[str, list[list[Any]]], merges: dict[str, list[str]] | None = None) -> bytes:
    """A workbook with one sheet per entry, rows written from A1, optional merged ranges."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read(data: bytes, name: str = "月报.xlsx", period: str | None = None, settings=SETTINGS) -> ParsedFile:
    return read_file(io.BytesIO(data), name, settings, period)


def messages(parsed: ParsedFile, lang: str = "zh") -> list[str]:
    return [format_problem(p, lang) for p in parsed.all_problems]


def summary_row(unit="塑编车间", month="2024-03", headcount=120, participants=84, hours=503.5) -> list[Any]:
    return [unit, month, headcount, participants, 5, 112, hours, 3, 8]


# ---- the messy report of DESIGN §3 ------------------------------------------------------------


def messy_summary() -> bytes:
    rows: list[list[Any]] = [
        ["塑件化工厂2024年3月“创争”活动月报表"],
        ["填报单位：工会办公室", None, None, None, None, None, "填报日期：2024年4月5日"],
        [],
        [
            "序号",
            "单位名称",
            "职工总数（人）",
            "参加学习人数",
            "培训情况",
            None,
            None,
            "取得证书数",
            "合理化建议（条）",
            "参学率",
        ],
        [None, None, None, None, "场次", "人次", "学时（小时）", None, None, None],
        [1, "塑编车间", "120", 111, 2, 124, 772.6, 0, 1, "92.5%"],
        [2, "机关支部  ", "３８", "３１", "8", "45", "98.7", "0", "4", "81.6%"],
        [3, "注塑车间", 1234, "1,200", " 6 ", "1,618", "1,018.5小时", "3人", "3条", "97.2%"],
        [],
        [None, "合计", 1392, 1342, 16, 1787, 1889.8, 3, 8, None],
        [None, "总 计", 1392, 1342, 16, 1787, 1889.8, 3, 8, None],
        [],
        ["注：1. 参学人数指本月参加集中学习的职工人数；2. 学时按实际培训时长统计。"],
        ["单位负责人：        统计人：        联系电话："],
        [9, "不该读到的行", 1, 1, 1, 1, 1, 1, 1, None],
    ]
    merges = ["A1:J1", "E4:G4", "A4:A5", "B4:B5", "C4:C5", "D4:D5", "H4:H5", "I4:I5", "J4:J5"]
    return xlsx({"Sheet1": rows}, {"Sheet1": merges})


def test_messy_summary_finds_table_period_and_typed_rows():
    parsed = read(messy_summary(), "三月月报.xlsx")
    assert parsed.errors == []
    assert messages(parsed) == ["三月月报.xlsx · 工作表「Sheet1」第4行 · J 列「参学率」：未识别的列，已忽略"]
    (sheet,) = parsed.sheets
    assert sheet.kind is Kind.SUMMARY
    assert sheet.period == "2024-03"  # the title, not the 填报日期 in April
    assert sheet.columns == {
        "unit": "单位名称",
        "headcount": "职工总数（人）",
        "participants": "参加学习人数",
        "sessions": "场次",
        "person_times": "人次",
        "hours": "学时（小时）",
        "certificates": "取得证书数",
        "suggestions": "合理化建议（条）",
    }
    assert sheet.rows == [
        {
            "unit": "塑编车间",
            "month": "2024-03",
            "headcount": 120,
            "participants": 111,
            "sessions": 2,
            "person_times": 124,
            "hours": 772.6,
            "certificates": 0,
            "suggestions": 1,
            "_row": 6,
        },
        {
            "unit": "机关支部",
            "month": "2024-03",
            "headcount": 38,
            "participants": 31,
            "sessions": 8,
            "person_times": 45,
            "hours": 98.7,
            "certificates": 0,
            "suggestions": 4,
            "_row": 7,
        },
        {
            "unit": "注塑车间",  # starts with 注 but is a workshop, not a note
            "month": "2024-03",
            "headcount": 1234,
            "participants": 1200,
            "sessions": 6,
            "person_times": 1618,
            "hours": 1018.5,
            "certificates": 3,
            "suggestions": 3,
            "_row": 8,
        },
    ]


def test_sha256_and_size_identify_the_bytes():
    import hashlib

    data = messy_summary()
    parsed = read(data)
    assert (parsed.sha256, parsed.size) == (hashlib.sha256(data).hexdigest(), len(data))


# ---- every rejection rule, word for word ------------------------------------------------------


def _summary_with(row: list[Any]) -> bytes:
    return xlsx({"月报": [SUMMARY_HEADER, summary_row(), row]})


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            summary_row(unit="电修车间", hours=-3),
            "月报.xlsx · 工作表「月报」第3行 · G 列「培训学时」值「-3」：不能为负数",
        ),
        (
            summary_row(unit="电修车间", hours="三小时"),
            "月报.xlsx · 工作表「月报」第3行 · G 列「培训学时」值「三小时」：不是数字",
        ),
        (
            summary_row(unit="电修车间", participants="很多"),
            "月报.xlsx · 工作表「月报」第3行 · D 列「参学人数」值「很多」：不是数字",
        ),
        (
            summary_row(unit="电修车间", participants="98%"),
            "月报.xlsx · 工作表「月报」第3行 · D 列「参学人数」值「98%」：不是数字",
        ),
        (
            summary_row(unit="电修车间", participants=-3),
            "月报.xlsx · 工作表「月报」第3行 · D 列「参学人数」值「-3」：不能为负数",
        ),
        (
            summary_row(unit="电修车间", headcount=45.5),
            "月报.xlsx · 工作表「月报」第3行 · C 列「职工人数」值「45.5」：应为整数",
        ),
        (
            summary_row(unit="电修车间", month="2024-13"),
            "月报.xlsx · 工作表「月报」第3行 · B 列「月份」值「2024-13」：无法识别的月份",
        ),
        (
            summary_row(unit="电修车间", month="下个月"),
            "月报.xlsx · 工作表「月报」第3行 · B 列「月份」值「下个月」：无法识别的月份",
        ),
        (
            summary_row(unit=None),
            "月报.xlsx · 工作表「月报」第3行 · A 列「单位」：必填项为空",
        ),
        (
            summary_row(unit="电修车间", headcount=None),
            "月报.xlsx · 工作表「月报」第3行 · C 列「职工人数」：必填项为空",
        ),
    ],
)
def test_bad_cells_are_named_exactly(row, expected):
    parsed = read(_summary_with(row))
    assert messages(parsed) == [expected]
    # The bad row stays, its bad cell None, so cross-row rules still see it; the error blocks the import.
    (sheet,) = parsed.sheets
    assert [r["_row"] for r in sheet.rows] == [2, 3]
    (problem,) = parsed.errors
    field = {header: f for f, header in sheet.columns.items()}[problem.column]
    assert sheet.rows[1][field] is None


def test_every_problem_of_a_file_is_reported_not_only_the_first():
    rows = [
        SUMMARY_HEADER,
        summary_row(unit="甲", hours=-1),
        summary_row(unit="乙", participants="x", hours="y"),
        summary_row(unit="丙", month="2024-00"),
    ]
    parsed = read(xlsx({"月报": rows}))
    assert messages(parsed) == [
        "月报.xlsx · 工作表「月报」第2行 · G 列「培训学时」值「-1」：不能为负数",
        "月报.xlsx · 工作表「月报」第3行 · D 列「参学人数」值「x」：不是数字",
        "月报.xlsx · 工作表「月报」第3行 · G 列「培训学时」值「y」：不是数字",
        "月报.xlsx · 工作表「月报」第4行 · B 列「月份」值「2024-00」：无法识别的月份",
    ]


def test_missing_required_columns_list_what_was_found():
    header = ["单位", "月份", "职工人数", "参学人数", "培训场次", "培训学时"]
    parsed = read(xlsx({"月报": [header, ["塑编车间", "2024-03", 120, 84, 5, 503.5]]}))
    assert messages(parsed) == [
        "月报.xlsx · 工作表「月报」第1行：月报汇总缺少必填列：培训人次、取证人数；"
        "找到的列：单位、月份、职工人数、参学人数、培训场次、培训学时"
    ]
    assert messages(parsed, "en") == [
        '月报.xlsx, sheet "月报", row 1: monthly summary is missing required columns: 培训人次, 取证人数; '
        "columns found: 单位, 月份, 职工人数, 参学人数, 培训场次, 培训学时"
    ]


def test_sheet_named_for_a_kind_without_a_recognisable_header():
    parsed = read(xlsx({"学习台账": [["Staff", "Hours"], ["a", 1]]}))
    assert messages(parsed) == [
        "月报.xlsx · 工作表「学习台账」第1行：学习台账缺少必填列：工号、姓名、单位、培训学时、学习积分；找到的列：Staff、Hours"
    ]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.4 binary \x00\x01\x02\xff", "报告.pdf"),
        (b"", "空.xlsx"),
        (b"PK\x03\x04 not really a zip", "坏.xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "坏.xls"),
        (bytes(range(256)) * 4, "随机.csv"),
    ],
)
def test_not_a_spreadsheet(data, name):
    parsed = read(data, name)
    assert messages(parsed) == [f"{name}：不是电子表格文件（支持 .xlsx、.xlsm、.xlsb、.xls、.ods、.csv）"]
    assert parsed.sheets == []


def test_a_zip_that_is_no_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    parsed = read(buf.getvalue(), "压缩包.zip")
    assert messages(parsed) == ["压缩包.zip：不是电子表格文件（支持 .xlsx、.xlsm、.xlsb、.xls、.ods、.csv）"]


def test_over_the_size_limit_is_not_parsed():
    settings = dataclasses.replace(SETTINGS, max_upload_mb=1)
    report = messy_summary()
    data = report + b"\x00" * (2 * 1024 * 1024 - len(report))
    parsed = read(data, "大文件.xlsx", settings=settings)
    assert messages(parsed) == ["大文件.xlsx：文件大小 2.0 MB，超过上限 1 MB"]
    assert parsed.size == 2 * 1024 * 1024 and parsed.sheets == []


def test_no_table_in_a_workbook_of_instructions():
    data = xlsx({"填表说明": [["填表说明"], ["1. 请按月填报"], ["2. 学时保留一位小数"]], "Sheet2": []})
    assert messages(read(data, "说明.xlsx")) == [
        "说明.xlsx：没有找到可识别的表格（单位名册、月报、学习台账、证书或阶段进度）"
    ]


def test_no_period_anywhere():
    header = [h for h in SUMMARY_HEADER if h != "月份"]
    rows = [header, [v for i, v in enumerate(summary_row()) if i != 1]]
    parsed = read(xlsx({"月报": rows}), "月报.xlsx")
    assert messages(parsed) == [
        "月报.xlsx · 工作表「月报」：无法确定月份：表中没有月份列，标题和文件名中也没有年月，请用 --period YYYY-MM 指定"
    ]
    assert [r["month"] for r in parsed.sheets[0].rows] == [None]


def test_blank_month_cells_without_any_period_are_one_problem():
    rows = [LEDGER_HEADER, ["SJ1", "甲", "塑编车间", None, 2, 4], ["SJ2", "乙", "塑编车间", "", 2, 4]]
    parsed = read(xlsx({"台账": rows}), "台账.xlsx")
    assert messages(parsed) == [
        "台账.xlsx · 工作表「台账」 · D 列「月份」：无法确定月份：表中没有月份列，标题和文件名中也没有年月，请用 --period YYYY-MM 指定"
    ]
    parsed = read(xlsx({"台账": rows}), "台账.xlsx", period="2024-05")
    assert parsed.errors == [] and [r["month"] for r in parsed.sheets[0].rows] == ["2024-05", "2024-05"]


def test_a_bad_period_argument():
    parsed = read(messy_summary(), "x.xlsx", period="2024-13")
    assert messages(parsed)[0] == "x.xlsx · 值「2024-13」：无法识别的月份"


# ---- where the month comes from ---------------------------------------------------------------


def _no_month_summary(title: str | None) -> bytes:
    header = [h for h in SUMMARY_HEADER if h != "月份"]
    row = [v for i, v in enumerate(summary_row()) if i != 1]
    rows = ([[title]] if title else []) + [header, row]
    return xlsx({"月报": rows})


@pytest.mark.parametrize(
    ("title", "file_name", "period", "expected"),
    [
        ("塑件化工厂2024年3月“创争”活动月报表", "月报.xlsx", None, "2024-03"),
        ("塑件化工厂2024年3月“创争”活动月报表", "月报_2024年5月.xlsx", "2024-06", "2024-03"),
        ("创争活动月报表", "塑件化工厂_2024年4月_月报汇总表.xlsx", None, "2024-04"),
        (None, "report_2024-04.xlsx", "2024-06", "2024-04"),
        (None, "202404月报.xlsx", None, "2024-04"),
        (None, "月报.xlsx", "2024-06", "2024-06"),
        (None, "月报.xlsx", "2024年6月", "2024-06"),
    ],
)
def test_period_title_then_file_name_then_argument(title, file_name, period, expected):
    parsed = read(_no_month_summary(title), file_name, period)
    assert parsed.errors == []
    (sheet,) = parsed.sheets
    assert sheet.period == expected
    assert [r["month"] for r in sheet.rows] == [expected]


def test_month_column_wins_and_blank_cells_take_the_title():
    rows = [
        ["2024年3月学习台账"],
        LEDGER_HEADER,
        ["SJ1", "甲", "塑编车间", "2024年2月", 2, 4],
        ["SJ2", "乙", "塑编车间", None, 2.5, 5],
        ["SJ3", "丙", "塑编车间", datetime(2024, 1, 1), 1, 1],
        ["SJ4", "丁", "塑编车间", "1月", 1, 1],  # the year comes from the title
    ]
    parsed = read(xlsx({"台账": rows}), "x_2024年9月.xlsx")
    assert parsed.errors == []
    assert [r["month"] for r in parsed.sheets[0].rows] == ["2024-02", "2024-03", "2024-01", "2024-01"]


# ---- kinds and headers ------------------------------------------------------------------------


def test_kind_by_columns_in_unnamed_sheets():
    data = xlsx(
        {
            "Sheet1": [["单位", "部门", "职工人数"], ["塑编车间", "生产系统", 120]],
            "Sheet2": [LEDGER_HEADER, ["SJ1", "甲", "塑编车间", "2024-03", 2, 4]],
            "Sheet3": [
                ["工号", "姓名", "单位", "证书名称", "等级", "取证日期"],
                ["SJ1", "甲", "塑编车间", "电工", "高级", "2024-03-05"],
            ],
            "Sheet4": [
                ["单位", "阶段", "工作事项", "完成日期"],
                ["塑编车间", "宣传发动", "成立领导小组", date(2024, 1, 11)],
            ],
            "Sheet5": [SUMMARY_HEADER, summary_row()],
        }
    )
    parsed = read(data)
    assert parsed.errors == []
    assert [s.kind for s in parsed.sheets] == [
        Kind.ROSTER,
        Kind.LEDGER,
        Kind.CERTIFICATES,
        Kind.MILESTONES,
        Kind.SUMMARY,
    ]
    cert = parsed.sheets[2].rows[0]
    assert (cert["level"], cert["cert_date"]) == ("高级", date(2024, 3, 5))
    assert parsed.sheets[3].rows[0]["done_date"] == date(2024, 1, 11)
    assert "planned_date" not in parsed.sheets[3].rows[0]  # no such column


def test_rows_carry_the_fields_the_sheet_has():
    """A column left out (类型) is absent from the rows, so the store keeps what it has; an empty
    cell is None."""
    rows = [["单位", "部门", "职工人数", "试点单位"], ["塑编车间", "生产系统", 120, None]]
    (row,) = read(xlsx({"Sheet1": rows})).sheets[0].rows
    assert row == {"unit": "塑编车间", "department": "生产系统", "headcount": 120, "is_pilot": None, "_row": 2}
    assert set(row) - {"_row"} <= {f.name for f in FIELDS[Kind.ROSTER]}


def test_summary_and_ledger_rows_always_have_a_month():
    header = [h for h in LEDGER_HEADER if h != "月份"]
    (row,) = read(xlsx({"台账": [header, ["SJ1", "甲", "乙", 1, 2]]}), "x_2024年3月.xlsx").sheets[0].rows
    assert row == {
        "employee_id": "SJ1",
        "name": "甲",
        "unit": "乙",
        "month": "2024-03",
        "hours": 1.0,
        "points": 2.0,
        "_row": 2,
    }


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("月报", Kind.SUMMARY),
        ("学习台账", Kind.LEDGER),
        ("电修车间_学习台账_2024年4月", Kind.LEDGER),
        ("证书", Kind.CERTIFICATES),
        ("Sheet1", None),
        ("", None),
    ],
)
def test_sheet_kind_from_name(name, kind):
    assert sheet_kind_from_name(name, SETTINGS.sheet_aliases) == kind


def test_the_sheet_name_breaks_a_tie():
    header = ["工号", "姓名", "单位"]
    assert read(xlsx({"证书": [header, ["SJ1", "甲", "塑编车间"]]})).sheets[0].kind is Kind.CERTIFICATES
    assert read(xlsx({"台账": [header, ["SJ1", "甲", "塑编车间"]]})).sheets[0].kind is Kind.LEDGER


def test_roster_bool_level_and_date_problems():
    data = xlsx(
        {
            "单位": [
                ["单位", "部门", "职工人数", "试点单位"],
                ["塑编车间", "生产系统", 120, "也许"],
                ["电修车间", "辅助系统", 45, "是"],
            ],
            "证书": [
                ["工号", "姓名", "单位", "证书名称", "证书等级", "取证日期"],
                ["SJ1", "甲", "塑编车间", "电工", "特级", "2024-03-05"],
                ["SJ2", "乙", "塑编车间", "焊工", "高级技师(一级)", "2024-02-30"],
            ],
        }
    )
    parsed = read(data, "名册.xlsx")
    assert messages(parsed) == [
        "名册.xlsx · 工作表「单位」第2行 · D 列「试点单位」值「也许」：应填“是”或“否”",
        "名册.xlsx · 工作表「证书」第2行 · E 列「证书等级」值「特级」：未知的证书等级，按“其他”计",
        "名册.xlsx · 工作表「证书」第3行 · F 列「取证日期」值「2024-02-30」：无法识别的日期",
    ]
    assert [p.severity for p in parsed.all_problems] == ["error", "warning", "error"]
    assert [r["is_pilot"] for r in parsed.sheets[0].rows] == [None, True]
    assert parsed.sheets[1].rows[0]["level"] == "其他"


def test_header_found_below_blank_rows_and_columns_keeps_excel_row_numbers():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "月报"
    ws["C4"] = "2024年3月创争月报"
    for j, h in enumerate(SUMMARY_HEADER):
        ws.cell(row=6, column=3 + j, value=h)
    for j, v in enumerate(summary_row(hours=-2)):
        ws.cell(row=7, column=3 + j, value=v)
    buf = io.BytesIO()
    wb.save(buf)
    assert messages(read(buf.getvalue())) == ["月报.xlsx · 工作表「月报」第7行 · I 列「培训学时」值「-2」：不能为负数"]


def test_header_with_line_breaks_star_and_colon():
    header = [
        "*单位：",
        "月\n份",
        "职工人数\n（人）",
        "参学人数(人)",
        "培训\n场次",
        "培训人次",
        "培训学时（小时）",
        "取证人数",
        "合理化建议[条]",
    ]
    parsed = read(xlsx({"Sheet1": [header, summary_row(hours="bad")]}))
    assert messages(parsed) == ["月报.xlsx · 工作表「Sheet1」第2行 · G 列「培训学时（小时）」值「bad」：不是数字"]
    assert parsed.sheets[0].columns["month"] == "月 份"


def test_repeated_header_template_lines_and_signature_rows_are_dropped():
    rows = [
        ["序号", *SUMMARY_HEADER],
        [1, *summary_row("甲")],
        ["序号", *SUMMARY_HEADER],  # printed again after a page break
        [2, *summary_row("乙")],
        [3],  # a template line with only 序号
        [4, None, None],
        [None, "小计", 1, 1, 1, 1, 1, 1, 1, 1],
        ["填表人：张三", None, "审核人：李四"],
        [5, *summary_row("丙")],
    ]
    parsed = read(xlsx({"月报": rows}))
    assert parsed.errors == []
    assert [(r["unit"], r["_row"]) for r in parsed.sheets[0].rows] == [("甲", 2), ("乙", 4), ("丙", 9)]


def test_duplicate_header_column_is_ignored_with_a_warning():
    rows = [["单位", "单位名称", "部门", "职工人数"], ["甲", "乙", "生产", 1]]
    parsed = read(xlsx({"单位": rows}))
    assert messages(parsed) == ["月报.xlsx · 工作表「单位」第1行 · B 列「单位名称」：未识别的列，已忽略"]
    assert parsed.sheets[0].rows[0]["unit"] == "甲"


def test_employee_ids_stored_as_numbers():
    rows = [
        LEDGER_HEADER,
        [1001.0, "甲", "塑编车间", "2024-03", "４", "１２"],
        [1002, "乙", "塑编车间", "2024-03", 0, 0],
    ]
    parsed = read(xlsx({"台账": rows}))
    assert parsed.errors == []
    assert [(r["employee_id"], r["hours"], r["points"]) for r in parsed.sheets[0].rows] == [
        ("1001", 4.0, 12.0),
        ("1002", 0.0, 0.0),
    ]


def test_single_parent_header_over_children():
    rows = [
        ["2024年3月月报"],
        ["单位", "人员情况", None, "培训情况", None, None, "取证", None],
        [None, "职工人数", "参学人数", "场次", "人次", "学时", "人数", "建议数"],
        ["塑编车间", 120, 84, 5, 112, 503.5, 3, 8],
    ]
    parsed = read(xlsx({"Sheet1": rows}, {"Sheet1": ["B2:C2", "D2:F2", "A2:A3"]}))
    assert parsed.errors == []
    (sheet,) = parsed.sheets
    assert sheet.columns["certificates"] == "人数"  # 取证 + 人数 → 取证人数
    assert sheet.rows[0]["certificates"] == 3 and sheet.rows[0]["_row"] == 4


# ---- CSV ----------------------------------------------------------------------------------------

CSV_TEXT = "员工编号,姓名,所在单位,统计月份,学时(小时),积分\nSJ1,吴小,电修车间,2024年4月,2.5,10\nSJ2,彭怡,电修车间,2024年4月,-6,12\n"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("gbk", b""), ("gb18030", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-8", b""), ("utf-16", b"")],
)
def test_csv_encodings(encoding, prefix):
    text = CSV_TEXT if encoding != "utf-16" else CSV_TEXT.replace(",", "\t")
    parsed = read(prefix + text.encode(encoding), "电修车间_台账.csv")
    assert messages(parsed) == [
        "电修车间_台账.csv · 工作表「电修车间_台账」第3行 · E 列「学时(小时)」值「-6」：不能为负数"
    ]
    (sheet,) = parsed.sheets
    assert sheet.kind is Kind.LEDGER
    assert sheet.rows == [
        {
            "employee_id": "SJ1",
            "name": "吴小",
            "unit": "电修车间",
            "month": "2024-04",
            "hours": 2.5,
            "points": 10.0,
            "_row": 2,
        },
        {
            "employee_id": "SJ2",
            "name": "彭怡",
            "unit": "电修车间",
            "month": "2024-04",
            "hours": None,  # -6 was rejected
            "points": 12.0,
            "_row": 3,
        },
    ]


def test_csv_with_title_line_and_semicolons_takes_the_period_from_the_title():
    text = "2024年5月学习台账;;;;\n工号;姓名;单位;学时;积分\nSJ1;甲;电修车间;2;3\n合计;;;2;3\n"
    parsed = read(text.encode("gb18030"), "ledger.csv")
    assert parsed.errors == []
    assert [(r["month"], r["_row"]) for r in parsed.sheets[0].rows] == [("2024-05", 3)]


def test_text_that_is_no_table():
    parsed = read("这是一封信，不是报表。".encode(), "信.csv")
    assert messages(parsed) == ["信.csv：不是电子表格文件（支持 .xlsx、.xlsm、.xlsb、.xls、.ods、.csv）"]
    parsed = read(b"a,b\n1,2\n", "x.csv")
    assert messages(parsed) == ["x.csv：没有找到可识别的表格（单位名册、月报、学习台账、证书或阶段进度）"]


# ---- the real samples -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        (
            "塑件化工厂_2024年3月_创争月报.xlsx",
            [
                ("单位", Kind.ROSTER, 8),
                ("月报", Kind.SUMMARY, 8),
                ("学习台账", Kind.LEDGER, 460),
                ("证书", Kind.CERTIFICATES, 13),
                ("阶段进度", Kind.MILESTONES, 72),
            ],
        ),
        ("塑件化工厂_2024年4月_月报汇总表.xlsx", [("Sheet1", Kind.SUMMARY, 8)]),
        ("电修车间_学习台账_2024年4月.csv", [("电修车间_学习台账_2024年4月", Kind.LEDGER, 40)]),
    ],
)
def test_samples_read_without_errors(file_name, expected):
    path = SAMPLES / file_name
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples not present")
    with path.open("rb") as fh:
        parsed = validate(read_file(fh, file_name, SETTINGS))
    assert parsed.errors == []
    assert [(s.sheet, s.kind, len(s.rows)) for s in parsed.sheets] == expected


def test_april_sample_values():
    path = SAMPLES / "塑件化工厂_2024年4月_月报汇总表.xlsx"
    if not path.exists():
        pytest.skip("../shared/samples not present")
    with path.open("rb") as fh:
        parsed = read_file(fh, path.name, SETTINGS)
    assert [format_problem(p) for p in parsed.warnings] == [
        f"{path.name} · 工作表「Sheet1」第4行 · J 列「参学率」：未识别的列，已忽略"
    ]
    sheet = parsed.sheets[0]
    assert sheet.period == "2024-04"
    units = [r["unit"] for r in sheet.rows]
    assert units == ["塑编车间", "电修车间", "机关支部", "水汽车间", "成型车间", "仪表车间", "质检科", "供销科"]
    assert sheet.rows[0] == {
        "unit": "塑编车间",
        "month": "2024-04",
        "headcount": 120,
        "participants": 111,
        "sessions": 2,
        "person_times": 124,
        "hours": 772.6,
        "certificates": 0,
        "suggestions": 1,
        "_row": 6,
    }


def test_a_filing_line_with_labels_is_not_the_header():
    rows = [
        ["单位：", "工会办公室", "月份：", "2024年3月"],
        SUMMARY_HEADER[:1] + SUMMARY_HEADER[2:],
        [None, "（人）", "（人）", "（场）", "（人次）", "（小时）", "（人）", "（条）"],
        [v for i, v in enumerate(summary_row()) if i != 1],
    ]
    parsed = read(xlsx({"Sheet1": rows}), "月报.xlsx")
    assert parsed.all_problems == []
    (sheet,) = parsed.sheets
    assert (sheet.kind, sheet.period, [(r["unit"], r["_row"]) for r in sheet.rows]) == (
        Kind.SUMMARY,
        "2024-03",
        [("塑编车间", 4)],
    )


def test_csv_row_numbers_are_the_rows_a_spreadsheet_shows():
    """DESIGN §3: a quoted cell with line breaks is still one row, and Excel's ``sep=`` line is no
    row at all (Excel opens this file with the header in row 1, 李四 in row 3)."""
    text = 'sep=,\n工号,姓名,单位,月份,学时,积分\nSJ1,"张\n三",电修车间,2024-04,1,1\nSJ2,李四,电修车间,2024-04,x,1\n'
    parsed = read(text.encode("utf-8-sig"), "台账.csv")
    assert messages(parsed) == ["台账.csv · 工作表「台账」第3行 · E 列「学时」值「x」：不是数字"]
    assert [(r["name"], r["hours"], r["_row"]) for r in parsed.sheets[0].rows] == [("张 三", 1.0, 2), ("李四", None, 3)]
    # without the sep= line, and with two cells spanning lines: still one row per record
    text = '工号,姓名,单位,月份,学时,积分,备注\nSJ1,"张\n\n三",电修车间,2024-04,1,1,"调\n岗"\nSJ2,李四,电修车间,2024-04,x,1,\n'
    parsed = read(text.encode("utf-8"), "台账.csv")
    assert [p.row for p in parsed.errors] == [3]
    assert [r["_row"] for r in parsed.sheets[0].rows] == [2, 3]


@pytest.mark.parametrize("unit", ["综合计划处", "会计科", "注塑车间", "说明书印刷车间", "审计科"])
def test_units_that_look_like_totals_or_notes_are_kept(unit):
    parsed = read(xlsx({"月报": [SUMMARY_HEADER, summary_row(unit), summary_row("后一个单位")]}))
    assert parsed.errors == []
    assert [r["unit"] for r in parsed.sheets[0].rows] == [unit, "后一个单位"]


@pytest.mark.parametrize("label", ["合计", "合 计", "总计：", "全厂合计", "本年累计", "小计（人）"])
def test_total_rows_are_dropped(label):
    parsed = read(xlsx({"月报": [SUMMARY_HEADER, summary_row(), [label, "2024-03", 1, 1, 1, 1, 1, 1, 1]]}))
    assert parsed.errors == []
    assert len(parsed.sheets[0].rows) == 1


def test_a_named_sheet_with_the_columns_of_another_kind_reports_what_it_lacks():
    """Alone in its file, a sheet whose name says 证书 but whose columns fit no kind is the error
    that says what it lacks (next to a real table it is skipped: test_formats.py)."""
    parsed = read(xlsx({"证书": [["工号", "月份", "备注"], ["SJ1", "2024-03", ""]]}))
    assert messages(parsed) == [
        "月报.xlsx · 工作表「证书」第1行：证书缺少必填列：姓名、单位、证书名称、等级、取证日期；找到的列：工号、月份、备注",
    ]


@pytest.mark.parametrize(
    ("merges", "units", "months"),
    [
        # the unit's name merged down beside its people (A3:A5), and again for the next unit
        (["A3:A5", "A6:A7"], ["一车间"] * 3 + ["二车间"] * 2, ["2024-03"] * 5),
        # the month merged over the whole block too
        (["A3:A5", "A6:A7", "D3:D7"], ["一车间"] * 3 + ["二车间"] * 2, ["2024-03"] * 5),
    ],
)
def test_cells_merged_down_over_data_rows_fill_every_row(merges, units, months):
    """Merges above the rows (the title, the header: messy_summary) stay the header logic's."""
    rows: list[list[Any]] = [["2024年3月学习台账"], ["单位", "工号", "姓名", "月份", "培训学时", "学习积分"]]
    people = [("E1", "张三"), ("E2", "李四"), ("E3", "王五"), ("E4", "赵六"), ("E5", "钱七")][: len(units)]
    for i, (emp, name) in enumerate(people):
        top = i == 0 or units[i] != units[i - 1]
        month_top = i == 0 or "D3:D7" not in merges
        rows.append([units[i] if top else None, emp, name, months[i] if month_top else None, 2, 10])
    parsed = read(xlsx({"学习台账": rows}, {"学习台账": merges}), "台账.xlsx")
    assert messages(parsed) == []
    (sheet,) = parsed.sheets
    assert [(r["unit"], r["employee_id"], r["month"], r["_row"]) for r in sheet.rows] == [
        (u, e, m, 3 + i) for i, (u, (e, _), m) in enumerate(zip(units, people, months, strict=True))
    ]
