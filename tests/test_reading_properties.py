"""Properties of read_file: it never raises whatever it is fed, and valid reports survive a round trip
through openpyxl exactly."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_sources.reading import read_file
from data_sources.schema import FIELDS, LEVELS, PROBLEM_CODES, Kind, ParsedFile
from data_sources.validation import validate
from data_sources.values import normalise_header
from tests.test_reading import LEDGER_HEADER, SETTINGS, SUMMARY_HEADER

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TYPES = {
    "text": (str,),
    "unit": (str,),
    "int": (int,),
    "number": (float,),
    "month": (str,),
    "date": (date,),
    "bool": (bool,),
    "level": (str,),
}


def check_outcome(parsed: ParsedFile, file_name: str) -> None:
    """Whatever came in, the result is well formed: known codes, typed rows, Excel row numbers."""
    assert isinstance(parsed, ParsedFile)
    assert parsed.file == file_name
    for p in parsed.all_problems:
        assert p.code in PROBLEM_CODES
        assert p.file == file_name
        assert p.row is None or p.row >= 1
    error_rows = {(p.sheet, p.row) for p in parsed.errors}
    for sheet in parsed.sheets:
        specs = {f.name: f for f in FIELDS[sheet.kind]}
        for row in sheet.rows:
            assert isinstance(row["_row"], int) and row["_row"] >= 1
            assert set(row) <= set(specs) | {"_row"}
            assert {f for f, spec in specs.items() if spec.required} <= set(row)
            if sheet.kind in (Kind.SUMMARY, Kind.LEDGER):
                assert "month" in row
                assert (
                    row["month"] is not None
                    or any(p.code == "no_period" for p in sheet.problems)
                    or ((sheet.sheet, row["_row"]) in error_rows)
                )
            for name, spec in specs.items():
                value = row.get(name)
                if value is None:
                    # a required value is missing only where an error names that row
                    assert not spec.required or (sheet.sheet, row["_row"]) in error_rows
                    continue
                assert isinstance(value, TYPES[spec.type]), (name, value)
                if spec.type == "level":
                    assert value in LEVELS
                if spec.type == "month":
                    assert len(value) == 7 and value[4] == "-"
                if spec.type in ("int", "number"):
                    assert value >= 0 and not isinstance(value, bool)


def _read(data: bytes, name: str, period: str | None = None) -> ParsedFile:
    parsed = validate(read_file(io.BytesIO(data), name, SETTINGS, period))
    check_outcome(parsed, name)
    return parsed


# ---- random bytes -----------------------------------------------------------------------------


@FAST
@given(
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf", b"\xff\xfe"]),
    body=st.binary(max_size=2048),
    name=st.sampled_from(["a.xlsx", "b.xls", "c.csv", "d", "月报_2024年3月.xlsx"]),
)
def test_random_bytes_never_raise(prefix, body, name):
    _read(prefix + body, name)


@FAST
@given(text=st.text(max_size=400), encoding=st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]))
def test_random_text_never_raises(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8", "replace")
    _read(data, "random.csv", period="2024-03")


@FAST
@given(
    rows=st.lists(
        st.lists(
            st.sampled_from([*SUMMARY_HEADER, "1", "-2", "x", "", "合计", "注：", "2024年3月", "3.5", "98%"]),
            max_size=10,
        ),
        max_size=8,
    )
)
def test_random_csv_tables_never_raise(rows):
    text = "\n".join(",".join(r) for r in rows)
    _read(text.encode("gb18030"), "t.csv")


# ---- random cells in a workbook ----------------------------------------------------------------

_FULL_WIDTH = st.text(alphabet="０１２３４５６７８９，．％－　年月日", max_size=8)
_SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")),
    max_size=12,
)
CELL = st.one_of(
    st.none(),
    _SAFE_TEXT,
    _FULL_WIDTH,
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
    st.sampled_from(
        ["2024-03", "2024年3月", "202403", "98%", "1,234", "12小时", "合计", "注：说明", "是", "高级技师(一级)"]
    ),
)
_DROPPED = re.compile(r"计|注|说明|备注|[:：]")
FULL_HEADERS = [
    SUMMARY_HEADER,
    [*LEDGER_HEADER, "出勤次数"],
    ["单位", "部门", "职工人数", "类型", "试点单位"],
    ["工号", "姓名", "单位", "证书名称", "等级", "取证日期"],
    ["单位", "阶段", "工作事项", "计划完成日期", "完成日期"],
]
HEADERS = [
    *SUMMARY_HEADER,
    *LEDGER_HEADER,
    "证书名称",
    "等级",
    "取证日期",
    "部门",
    "阶段",
    "工作事项",
    "参学率",
    "序号",
]


@SLOW
@given(
    header=st.one_of(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=9), st.sampled_from(FULL_HEADERS)),
    title=st.one_of(st.none(), st.sampled_from(["2024年3月创争月报", "填报单位：工会", "月报"])),
    body=st.lists(st.lists(CELL, max_size=10), max_size=12),
    sheet_name=st.sampled_from(["Sheet1", "月报", "学习台账", "证书", "单位", "阶段进度"]),
)
def test_random_cells_in_a_workbook_never_raise(header, title, body, sheet_name):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_name
    if title:
        ws.append([title])
    ws.append(header)
    for row in body:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    parsed = _read(buf.getvalue(), "随机.xlsx")
    # The outcome is rows or problems: a table with data either yields rows or says why not
    # (unless every line is one the reader drops on purpose: totals, notes, signatures, units).
    droppable = any(isinstance(c, str) and (_DROPPED.search(c) or not normalise_header(c)) for r in body for c in r)
    for sheet in parsed.sheets:
        mapped = {header.index(h) for h in sheet.columns.values() if h in header}
        has_data = any(j < len(r) and r[j] is not None and r[j] != "" for r in body for j in mapped)
        assert sheet.rows or sheet.problems or not has_data or droppable


# ---- round trip --------------------------------------------------------------------------------

_CJK = "塑编电修机关水汽成型仪表质检供销车间科室班组支部一二三甲乙丙丁张王李赵刘陈杨黄周吴"
UNIT = st.text(alphabet=_CJK, min_size=2, max_size=6)
MONTH = st.tuples(st.integers(2000, 2099), st.integers(1, 12))
HOURS = st.one_of(
    st.integers(0, 10_000).map(float),
    st.integers(0, 100_000).map(lambda n: n / 10),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 4)),
)


def _month_cell(ym: tuple[int, int], style: int) -> Any:
    y, m = ym
    return [f"{y}-{m:02d}", f"{y}年{m}月", datetime(y, m, 1), f"{y}{m:02d}", f"{y}/{m}"][style]


def _workbook(sheet: str, header: list[str], rows: list[list[Any]], title: str | None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.append([])
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@SLOW
@given(
    data=st.lists(
        st.tuples(
            st.text(alphabet="0123456789", min_size=1, max_size=6),
            st.text(alphabet=_CJK, min_size=1, max_size=4),
            UNIT,
            MONTH,
            HOURS,
            HOURS,
            st.one_of(st.none(), st.integers(0, 31)),
        ),
        min_size=1,
        max_size=25,
        unique_by=lambda t: (t[0], t[3]),
    ),
    style=st.integers(0, 4),
    id_as_number=st.booleans(),
)
def test_ledger_round_trip(data, style, id_as_number):
    header = [*LEDGER_HEADER, "出勤次数"]
    rows = []
    expected = []
    for i, (num, name, unit, ym, hours, points, attendance) in enumerate(data):
        emp = int(num) if id_as_number else f"SJ{num}"
        rows.append([emp, name, unit, _month_cell(ym, style), hours, points, attendance])
        expected.append(
            {
                "employee_id": str(emp),
                "name": name,
                "unit": unit,
                "month": f"{ym[0]}-{ym[1]:02d}",
                "hours": hours,
                "points": points,
                "attendance": attendance,
                "_row": i + 4,
            }
        )
    if id_as_number and len({int(t[0]) for t in data} | set()) != len({t[0] for t in data}):
        return  # "01" and "1" become the same number: not a valid report
    parsed = _read(_workbook("学习台账", header, rows, "2024年3月学习台账"), "台账.xlsx")
    assert parsed.all_problems == []
    (sheet,) = parsed.sheets
    assert sheet.kind is Kind.LEDGER
    assert sheet.rows == expected


@SLOW
@given(
    data=st.lists(
        st.tuples(
            UNIT,
            st.integers(0, 100_000),
            st.floats(0, 1),
            st.tuples(st.integers(0, 10_000), st.integers(0, 100_000), st.integers(0, 10_000)),
            HOURS,
            st.one_of(st.none(), st.integers(0, 500)),
        ),
        min_size=1,
        max_size=20,
        unique_by=lambda t: t[0],
    ),
    ym=MONTH,
    as_text=st.booleans(),
)
def test_summary_round_trip_with_the_month_in_the_title(data, ym, as_text):
    """No month column: every row takes the title's month; figures typed as text read the same."""
    header = [h for h in SUMMARY_HEADER if h != "月份"]
    rows, expected = [], []
    for i, (unit, headcount, share, (sessions, person_times, certs), hours, suggestions) in enumerate(data):
        participants = int(headcount * share)
        figures: list[Any] = [headcount, participants, sessions, person_times, hours, certs, suggestions]
        if as_text:
            figures = [None if v is None else f"{v:,}" if isinstance(v, int) else repr(v) for v in figures]
        rows.append([unit, *figures])
        expected.append(
            {
                "unit": unit,
                "month": f"{ym[0]}-{ym[1]:02d}",
                "headcount": headcount,
                "participants": participants,
                "sessions": sessions,
                "person_times": person_times,
                "hours": hours,
                "certificates": certs,
                "suggestions": suggestions,
                "_row": i + 4,
            }
        )
    title = f"塑件化工厂{ym[0]}年{ym[1]}月“创争”活动月报表"
    parsed = _read(_workbook("Sheet1", header, rows, title), "月报.xlsx")
    assert parsed.all_problems == []
    (sheet,) = parsed.sheets
    assert (sheet.kind, sheet.period) == (Kind.SUMMARY, f"{ym[0]}-{ym[1]:02d}")
    assert sheet.rows == expected


_BASE = None


def _base_workbook() -> bytes:
    global _BASE
    if _BASE is None:
        rows = [["2024年3月月报"], SUMMARY_HEADER] + [
            [f"车间{i}", "2024-03", 10, 5, 1, 2, 3.5, 0, 1] for i in range(20)
        ]
        _BASE = _workbook("月报", rows[1], rows[2:], rows[0][0])
    return _BASE


@FAST
@given(
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=20),
    cut=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_damaged_workbooks_never_raise(edits, cut):
    data = bytearray(_base_workbook())
    for pos, byte in edits:
        data[pos % len(data)] = byte
    if cut is not None:
        data = data[: cut % len(data)]
    _read(bytes(data), "坏.xlsx")
