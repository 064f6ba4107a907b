"""Cross-row rules: duplicate keys inside one upload and participants > headcount."""

from __future__ import annotations

from datetime import date

import pytest

from data_sources.schema import Kind, ParsedFile, ParsedSheet
from data_sources.validation import validate
from tests.test_reading import LEDGER_HEADER, SUMMARY_HEADER, messages, read, summary_row, xlsx


def test_participants_over_headcount():
    rows = [
        SUMMARY_HEADER,
        summary_row("塑编车间", headcount=120, participants=130),
        summary_row("电修车间", headcount=45, participants=45),
    ]
    parsed = validate(read(xlsx({"月报": rows})))
    assert messages(parsed) == [
        "月报.xlsx · 工作表「月报」第2行 · D 列「参学人数」值「130」：参学人数 130 大于职工人数 120"
    ]
    assert messages(parsed, "en") == [
        '月报.xlsx, sheet "月报", row 2, column D "参学人数", value "130": participants 130 exceed headcount 120'
    ]


def test_participants_over_headcount_names_the_header_as_written():
    header = ["单位名称", "月份", "职工总数（人）", "参加学习人数", "场次", "人次", "学时", "取证数"]
    rows = [["2024年3月月报"], header, ["机关支部", "2024-03", 38, 40, 1, 1, 1, 0]]
    parsed = validate(read(xlsx({"Sheet1": rows})))
    assert messages(parsed) == [
        "月报.xlsx · 工作表「Sheet1」第3行 · D 列「参加学习人数」值「40」：参学人数 40 大于职工人数 38"
    ]


@pytest.mark.parametrize(
    ("sheets", "expected"),
    [
        (
            {"月报": [SUMMARY_HEADER, summary_row("塑编车间"), summary_row("电修车间"), summary_row("塑编车间 ")]},
            ["月报.xlsx · 工作表「月报」第4行：与第2行重复（塑编车间 2024-03）"],
        ),
        (
            # the month of the later row comes from the title: still the same unit-month
            {
                "月报": [SUMMARY_HEADER, summary_row("塑编车间")],
                "补报": [["2024年3月补报"], SUMMARY_HEADER, summary_row("塑编车间", month=None)],
            },
            ["月报.xlsx · 工作表「补报」第3行：与第2行重复（塑编车间 2024-03）"],
        ),
        (
            {
                "台账": [
                    LEDGER_HEADER,
                    ["SJ1", "甲", "塑编车间", "2024-03", 1, 1],
                    ["SJ1", "甲", "电修车间", "2024年3月", 2, 2],
                ]
            },
            ["月报.xlsx · 工作表「台账」第3行：与第2行重复（SJ1 2024-03）"],
        ),
        (
            {
                "证书": [
                    ["工号", "姓名", "单位", "证书名称", "等级", "取证日期"],
                    ["SJ1", "甲", "塑编车间", "电工", "高级", date(2024, 3, 5)],
                    ["SJ1", "甲", "塑编车间", "电工", "技师", "2024年3月5日"],
                    ["SJ1", "甲", "塑编车间", "电工", "技师", "2024-03-06"],
                ]
            },
            ["月报.xlsx · 工作表「证书」第3行：与第2行重复（SJ1 电工 2024-03-05）"],
        ),
        (
            {
                "单位": [
                    ["单位", "部门", "职工人数"],
                    ["甲", "生产", 1],
                    ["乙", "生产", 2],
                    ["甲", "机关", 3],
                    ["甲", "机关", 3],
                ]
            },
            [
                "月报.xlsx · 工作表「单位」第4行：与第2行重复（甲）",
                "月报.xlsx · 工作表「单位」第5行：与第2行重复（甲）",
            ],
        ),
        (
            {
                "进度": [
                    ["单位", "阶段", "工作事项", "完成日期"],
                    ["甲", "宣传发动", "成立领导小组", None],
                    ["甲", "宣传发动", "召开动员会", None],
                    ["甲", "宣传发动", "成立领导小组", "2024-01-05"],
                ]
            },
            ["月报.xlsx · 工作表「进度」第4行：与第2行重复（甲 成立领导小组）"],
        ),
    ],
)
def test_duplicate_keys_inside_one_upload(sheets, expected):
    parsed = validate(read(xlsx(sheets)))
    assert messages(parsed) == expected


def test_same_unit_in_different_months_or_kinds_is_no_duplicate():
    sheets = {
        "月报": [SUMMARY_HEADER, summary_row("甲", "2024-03"), summary_row("甲", "2024-04")],
        "单位": [["单位", "部门", "职工人数"], ["甲", "生产", 120]],
    }
    assert validate(read(xlsx(sheets))).all_problems == []


def test_validate_is_idempotent_and_returns_the_same_object():
    rows = [SUMMARY_HEADER, summary_row("甲", participants=200), summary_row("甲")]
    parsed = read(xlsx({"月报": rows}))
    once = messages(validate(parsed))
    assert validate(parsed) is parsed
    assert messages(parsed) == once
    assert len(once) == 2


def test_rows_with_missing_keys_are_left_to_the_reader():
    sheet = ParsedSheet(
        file="f.xlsx",
        sheet="s",
        kind=Kind.SUMMARY,
        period=None,
        columns={"participants": "参学人数"},
        rows=[
            {"unit": None, "month": "2024-03", "participants": 5, "headcount": None, "_row": 2},
            {"unit": None, "month": "2024-03", "participants": 5, "headcount": 4, "_row": 3},
        ],
    )
    parsed = validate(ParsedFile("f.xlsx", "0" * 64, 1, [sheet]))
    assert [(p.code, p.row) for p in parsed.all_problems] == [("participants_over_headcount", 3)]


def test_a_row_with_a_bad_cell_is_still_checked_across_rows():
    rows = [SUMMARY_HEADER, summary_row("甲"), summary_row("甲", headcount=30, participants=35, hours="十二")]
    parsed = validate(read(xlsx({"月报": rows})))
    assert messages(parsed) == [
        "月报.xlsx · 工作表「月报」第3行 · G 列「培训学时」值「十二」：不是数字",
        "月报.xlsx · 工作表「月报」第3行：与第2行重复（甲 2024-03）",
        "月报.xlsx · 工作表「月报」第3行 · D 列「参学人数」值「35」：参学人数 35 大于职工人数 30",
    ]
