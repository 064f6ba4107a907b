"""Cell parsers: every way a figure, a month, a date, 是/否 or a level is typed in a Chinese report."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import pytest

from data_sources.schema import LEVELS, PROBLEM_CODES
from data_sources.values import (
    CellError,
    classify_level,
    month_from_text,
    normalise_header,
    parse_bool,
    parse_date,
    parse_int,
    parse_level,
    parse_month,
    parse_number,
    parse_rate,
    parse_text,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12.0),
        (2.5, 2.5),
        ("2.5", 2.5),
        ("  12  ", 12.0),
        ("１２３，４５６．５", 123456.5),
        ("1,234", 1234.0),
        ("1,234.5", 1234.5),
        ("12小时", 12.0),
        ("12 h", 12.0),
        ("4.5学时", 4.5),
        ("3人", 3.0),
        ("5条", 5.0),
        ("2场", 2.0),
        ("0", 0.0),
        ("-0", 0.0),
        (".5", 0.5),
        ("1e3", 1000.0),
        (None, None),
        (float("nan"), None),
        ("", None),
        ("   ", None),
        ("\u3000", None),
    ],
)
def test_parse_number_accepts(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("-3", "negative"),
        (-0.5, "negative"),
        ("－２", "negative"),
        ("\u22122", "negative"),
        ("abc", "not_a_number"),
        ("98%", "not_a_number"),
        ("12,34", "not_a_number"),
        ("1.2.3", "not_a_number"),
        ("12公斤", "not_a_number"),
        ("inf", "not_a_number"),
        ("nan", "not_a_number"),
        (True, "not_a_number"),
        (datetime(2024, 3, 1), "not_a_number"),
        (float("inf"), "not_a_number"),
    ],
)
def test_parse_number_rejects(raw, code):
    with pytest.raises(CellError) as e:
        parse_number(raw)
    assert e.value.code == code
    assert code in PROBLEM_CODES


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(3, 3), (3.0, 3), ("3.0", 3), ("１２", 12), ("1,234", 1234), ("3人", 3), ("2场", 2), (None, None)],
)
def test_parse_int_accepts(raw, expected):
    value = parse_int(raw)
    assert value == expected
    assert value is None or type(value) is int


@pytest.mark.parametrize(
    ("raw", "code"),
    [(3.5, "not_integer"), ("3.5", "not_integer"), (-1, "negative"), ("-3", "negative"), ("98%", "not_a_number")],
)
def test_parse_int_rejects(raw, code):
    with pytest.raises(CellError) as e:
        parse_int(raw)
    assert e.value.code == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("98%", 0.98), ("９８％", 0.98), ("92.5%", 0.925), (0.98, 0.98), ("0.5", 0.5), (98, 0.98), (None, None)],
)
def test_parse_rate(raw, expected):
    value = parse_rate(raw)
    assert value == pytest.approx(expected) if expected is not None else value is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03", "2024-03"),
        ("2024-3", "2024-03"),
        ("2024年3月", "2024-03"),
        ("2024年03月份", "2024-03"),
        ("２０２４年３月", "2024-03"),
        ("2024.3", "2024-03"),
        ("2024/03", "2024-03"),
        ("202403", "2024-03"),
        ("2024-03-05", "2024-03"),
        ("2024年三月", "2024-03"),
        ("2024年十二月", "2024-12"),
        (202403, "2024-03"),
        (datetime(2024, 3, 5, 8, 30), "2024-03"),
        (date(2024, 3, 1), "2024-03"),
        (pd.Timestamp("2024-03-31"), "2024-03"),
        (45352, "2024-03"),  # Excel serial of 2024-03-01
        (45352.0, "2024-03"),
        (2024.03, "2024-03"),  # typed 2024.03 in a General cell
        (2024.1, "2024-01"),  # shown as 2024.1
        (2024.12, "2024-12"),
        (None, None),
        ("", None),
        (float("nan"), None),
        (pd.NaT, None),
    ],
)
def test_parse_month_accepts(raw, expected):
    assert parse_month(raw) == expected


def test_parse_month_needs_a_year_for_a_bare_month():
    with pytest.raises(CellError):
        parse_month("3月")
    assert parse_month("3月", default_year=2024) == "2024-03"
    assert parse_month(3, default_year=2024) == "2024-03"


@pytest.mark.parametrize("raw", ["2024-13", "2024年0月", "2024-00", "202413", "三月", "abc", "2024", 3, -5, True, 1e12])
def test_parse_month_rejects(raw):
    with pytest.raises(CellError) as e:
        parse_month(raw)
    assert e.value.code == "bad_month"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2024/3/5", date(2024, 3, 5)),
        ("2024年3月5日", date(2024, 3, 5)),
        ("2024.3.5", date(2024, 3, 5)),
        ("20240305", date(2024, 3, 5)),
        ("２０２４－０３－０５", date(2024, 3, 5)),
        ("2024-03-05 00:00:00", date(2024, 3, 5)),
        (datetime(2024, 3, 5, 14, 0), date(2024, 3, 5)),
        (date(2024, 3, 5), date(2024, 3, 5)),
        (pd.Timestamp("2024-03-05"), date(2024, 3, 5)),
        (45356, date(2024, 3, 5)),
        (45356.75, date(2024, 3, 5)),
        (20240305, date(2024, 3, 5)),
        (None, None),
        ("", None),
    ],
)
def test_parse_date_accepts(raw, expected):
    value = parse_date(raw)
    assert value == expected
    assert value is None or type(value) is date


@pytest.mark.parametrize("raw", ["2024-02-30", "2024-13-01", "2024年3月", "明天", "3/5", 5, True])
def test_parse_date_rejects(raw):
    with pytest.raises(CellError) as e:
        parse_date(raw)
    assert e.value.code == "bad_date"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("yes", True),
        ("No", False),
        ("√", True),
        ("×", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
        ("TRUE", True),
        ("false", False),
        (True, True),
        (" 是 ", True),
        (None, None),
    ],
)
def test_parse_bool_accepts(raw, expected):
    assert parse_bool(raw) is expected


@pytest.mark.parametrize("raw", ["也许", "2", 2, "是否"])
def test_parse_bool_rejects(raw):
    with pytest.raises(CellError) as e:
        parse_bool(raw)
    assert e.value.code == "bad_bool"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("初级", "初级"),
        ("中级", "中级"),
        ("高级", "高级"),
        ("技师", "技师"),
        ("高级技师", "高级技师"),
        ("其他", "其他"),
        ("高级技师(一级)", "高级技师"),
        ("高级技师（一级）", "高级技师"),
        ("初级（五级）", "初级"),
        ("技师/二级", "技师"),
        ("国家职业资格三级", "高级"),
        ("职业技能等级四级", "中级"),
        ("五级", "初级"),
        ("一级", "高级技师"),
        ("3级", "高级"),
        ("高级工", "高级"),
        ("中级工", "中级"),
        (" 技师 ", "技师"),
        ("二级/技师", "技师"),
    ],
)
def test_parse_level_known(raw, expected):
    assert expected in LEVELS
    assert classify_level(raw) == (expected, None)
    assert parse_level(raw) == expected


@pytest.mark.parametrize("raw", ["特级", "无", "A", 7])
def test_parse_level_unknown_is_other_with_a_warning(raw):
    assert classify_level(raw) == ("其他", "unknown_level")
    assert "unknown_level" in PROBLEM_CODES


def test_parse_level_empty():
    assert classify_level(None) == (None, None)
    assert classify_level("  ") == (None, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("机关支部  ", "机关支部"),
        ("  塑编　车间 ", "塑编 车间"),
        ("质检\n科", "质检 科"),
        ("ＳＪ００１", "SJ001"),
        (1001.0, "1001"),
        (1001, "1001"),
        (12.5, "12.5"),
        (None, None),
        ("   ", None),
        (float("nan"), None),
    ],
)
def test_parse_text(raw, expected):
    assert parse_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("职工总数（人）", "职工总数"),
        ("学时（小时）", "学时"),
        ("合理化建议（条）", "合理化建议"),
        ("学时(小时)", "学时"),
        ("建议数[次]", "建议数"),
        ("经费【元】", "经费"),
        ("培训\n学时", "培训学时"),
        (" 单 位 ", "单位"),
        ("单位：", "单位"),
        ("*单位", "单位"),
        ("月份*", "月份"),
        ("ＳＵＭＭＡＲＹ", "summary"),
        (None, ""),
    ],
)
def test_normalise_header(raw, expected):
    assert normalise_header(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("塑件化工厂2024年3月“创争”活动月报表", "2024-03"),
        ("塑件化工厂_2024年4月_月报汇总表.xlsx", "2024-04"),
        ("report_2024-04.xlsx", "2024-04"),
        ("202404月报.csv", "2024-04"),
        ("月报 ２０２４年１１月", "2024-11"),
        ("2024年十月份月报", "2024-10"),
        ("电修车间_学习台账_2024年4月.csv", "2024-04"),
        ("月报表.xlsx", None),
        ("2024年度总结", None),
        ("编号 20241301", None),
        ("", None),
        (None, None),
    ],
)
def test_month_from_text(text, expected):
    assert month_from_text(text) == expected


def test_cell_error_is_a_value_error_with_the_raw_value():
    with pytest.raises(ValueError) as e:
        parse_int("3.5")
    assert isinstance(e.value, CellError)
    assert e.value.value == "3.5"


def test_numbers_stay_finite():
    assert math.isfinite(parse_number("1" * 300))
