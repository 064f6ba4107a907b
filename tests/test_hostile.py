"""Hostile input: files over the size limit, zip bombs and huge cell ranges are refused before
anything parses them; formulas are never evaluated and macros never run; HTML, script and SQL in
names are stored and shown back as plain text."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import struct
import zipfile
from typing import Any

import openpyxl
import pytest

from dashboard import metrics
from data_sources import reading
from data_sources.importer import import_files
from data_sources.reading import limits
from data_sources.schema import PROBLEM_CODES, Kind
from data_sources.store import Store
from tests.test_reading import LEDGER_HEADER, SETTINGS, SUMMARY_HEADER, messages, read, summary_row, xlsx

SHEET_XML = "xl/worksheets/sheet1.xml"


@pytest.fixture
def no_calamine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if a refused file reaches the parser (read_file would turn the error into
    not_spreadsheet, so the message check below notices)."""

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the parser was reached")

    monkeypatch.setattr(reading, "calamine_grids", refuse)
    monkeypatch.setattr(reading, "csv_grid", refuse)


def rewrite(data: bytes, edit: dict[str, Any], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The workbook with some members replaced (bytes) or transformed (a function of the old bytes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            change = edit.get(info.filename)
            if callable(change):
                body = change(body)
            elif change is not None:
                body = change
            z.writestr(info.filename, body)
        for name, body in edit.items():
            if name not in src.namelist():
                z.writestr(name, body)
    return out.getvalue()


def summary_book(rows: list[list[Any]] | None = None) -> bytes:
    return xlsx({"月报": [["2024年3月月报"], SUMMARY_HEADER, *(rows or [summary_row()])]})


def unpacked(data: bytes) -> tuple[int, int]:
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    return sum(i.file_size for i in infos), sum(i.compress_size for i in infos)


# ---- size ---------------------------------------------------------------------------------------


class CountingReader(io.RawIOBase):
    """A file that remembers how much each read asked for (read_file must never ask for all)."""

    def __init__(self, data: bytes):
        self.buf = io.BytesIO(data)
        self.asked: list[int | None] = []

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:  # type: ignore[override]
        self.asked.append(n)
        return self.buf.read(n)


def test_a_file_over_the_limit_is_refused_unparsed_and_never_held_whole(no_calamine) -> None:
    settings = dataclasses.replace(SETTINGS, max_upload_mb=1)
    report = summary_book()
    data = report + bytes(range(256)) * (3 * 4096)  # a real workbook followed by 3 MB
    f = CountingReader(data)
    parsed = reading.read_file(f, "大文件.xlsx", settings)
    assert messages(parsed) == [f"大文件.xlsx：文件大小 {len(data) / 1048576:.1f} MB，超过上限 1 MB"]
    assert messages(parsed, "en") == [f"大文件.xlsx: file is {len(data) / 1048576:.1f} MB, over the limit of 1 MB"]
    assert parsed.sheets == []
    assert (parsed.size, parsed.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    # never "read everything": the first read asks for the limit + 1 byte, the rest in 1 MB chunks
    assert f.asked[0] == settings.max_upload_bytes + 1
    assert all(n is not None and 0 < n <= 1 << 20 for n in f.asked[1:])


def test_a_file_at_the_limit_is_read() -> None:
    settings = dataclasses.replace(SETTINGS, max_upload_mb=1)
    report = summary_book()
    parsed = read(report, "月报.xlsx", settings=settings)
    assert parsed.all_problems == []
    assert [len(s.rows) for s in parsed.sheets] == [1]


# ---- zip bombs --------------------------------------------------------------------------------


def padded(mb: int) -> bytes:
    """A valid summary workbook whose sheet XML carries ``mb`` MB of white space (compresses ~1000x)."""
    pad = b" " * (mb * 1048576)
    return rewrite(summary_book(), {SHEET_XML: lambda x: x.replace(b"</worksheet>", pad + b"</worksheet>")})


def test_a_zip_bomb_is_refused_from_the_central_directory(no_calamine) -> None:
    data = padded(24)
    size, packed = unpacked(data)
    assert size > 100 * packed and len(data) < 1048576  # the premise: tiny file, huge inside
    parsed = read(data, "炸弹.xlsx")
    assert messages(parsed) == [
        f"炸弹.xlsx：文件解压后达 {size / 1048576:.1f} MB（压缩比 {size / packed:.0f}:1），"
        f"超过安全上限 {20 * SETTINGS.max_upload_mb} MB，疑似压缩炸弹，未读取"
    ]
    assert messages(parsed, "en") == [
        f"炸弹.xlsx: unpacks to {size / 1048576:.1f} MB (compression ratio {size / packed:.0f}:1), over the safe "
        f"limit of {20 * SETTINGS.max_upload_mb} MB; looks like a zip bomb, not read"
    ]
    assert parsed.sheets == []


def test_more_than_twenty_times_the_upload_limit_unpacked_is_refused(no_calamine, monkeypatch) -> None:
    monkeypatch.setattr(limits, "UNZIP_RATIO_LIMIT", 10**9)  # only the absolute limit applies
    settings = dataclasses.replace(SETTINGS, max_upload_mb=1)
    data = padded(21)
    size, packed = unpacked(data)
    parsed = read(data, "炸弹.xlsx", settings=settings)
    assert [p.code for p in parsed.all_problems] == ["zip_bomb"]
    assert messages(parsed) == [
        f"炸弹.xlsx：文件解压后达 {size / 1048576:.1f} MB（压缩比 {size / packed:.0f}:1），"
        "超过安全上限 20 MB，疑似压缩炸弹，未读取"
    ]


def test_white_space_below_the_limits_still_reads() -> None:
    parsed = read(padded(8), "月报.xlsx")
    assert parsed.all_problems == []
    (sheet,) = parsed.sheets
    assert sheet.rows[0]["unit"] == summary_row()[0]


def test_a_zip_that_lies_about_its_sizes_is_not_read(no_calamine) -> None:
    """The central directory says the sheet is 100 bytes; it inflates to far more. zipfile stops
    at the declared size and the CRC check fails, so calamine never inflates it."""
    data = bytearray(padded(2))
    name = SHEET_XML.encode()
    for sig, size_at, name_at in ((b"PK\x01\x02", 24, 46), (b"PK\x03\x04", 22, 30)):
        pos = data.find(sig)
        while pos != -1:
            if data[pos + name_at : pos + name_at + len(name)] == name:
                data[pos + size_at : pos + size_at + 4] = struct.pack("<I", 100)
            pos = data.find(sig, pos + 4)
    parsed = read(bytes(data), "说谎.xlsx")
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET_XML).file_size == 100
    assert messages(parsed) == ["说谎.xlsx：不是电子表格文件（支持 .xlsx、.xlsm、.xlsb、.xls、.ods、.csv）"]


@pytest.mark.parametrize(
    "far",
    [
        ' r="BXX200000"',  # plain
        " r='BXX200000'",  # the other quotes
        '\tr = "BXX200000"',  # white space around =
        '\n r=\n"BXX200000"',
    ],
)
def test_a_tiny_sheet_spanning_a_huge_grid_is_refused(no_calamine, far: str) -> None:
    """One cell at A1 and one at BXX200000: 4 KB on disk, a dense grid of 400 million cells in
    calamine (it would take minutes and gigabytes)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(SUMMARY_HEADER)
    ws.cell(row=200000, column=2000, value=1)  # BXX200000
    buf = io.BytesIO()
    wb.save(buf)
    data = rewrite(buf.getvalue(), {SHEET_XML: lambda x: x.replace(b' r="BXX200000"', far.encode())})
    assert far.encode() in zipfile.ZipFile(io.BytesIO(data)).read(SHEET_XML)
    parsed = read(data, "网格.xlsx")
    limit = limits.MAX_SHEET_CELLS
    assert messages(parsed) == [
        f"网格.xlsx：工作表的单元格范围达 200000 行 × 2000 列，超过安全上限 {limit} 个单元格，未读取"
    ]
    assert messages(parsed, "en") == [
        f"网格.xlsx: a sheet's cells span 200000 rows × 2000 columns, over the safe limit of {limit} cells; not read"
    ]


def test_a_wide_sheet_within_the_limit_reads() -> None:
    """Columns beyond Z (the slower exact path of the cell-range check) are fine when the grid is small."""
    extra = [f"备注{i}" for i in range(30)]
    rows = [[*SUMMARY_HEADER, *extra], [*summary_row(), *range(30)]]
    parsed = read(xlsx({"月报": rows}), "月报_2024年3月.xlsx")
    assert [p.code for p in parsed.all_problems] == ["column_ignored"] * 30
    assert [len(s.rows) for s in parsed.sheets] == [1]


def test_a_zip_that_is_not_an_xlsx_is_not_handed_to_the_parser(no_calamine) -> None:
    """.ods and .xlsb are zips calamine would open (with their own bombs); we read xlsx/xlsm only."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", '<office:document-content><table:table-row table:number-rows-repeated="1048576"/>')
    parsed = read(buf.getvalue(), "表格.ods")
    assert messages(parsed) == ["表格.ods：不是电子表格文件（支持 .xlsx、.xlsm、.xlsb、.xls、.ods、.csv）"]


def test_new_codes_have_both_templates() -> None:
    from dashboard.i18n import PROBLEM_REASONS

    for code in ("zip_bomb", "too_many_cells"):
        assert code in PROBLEM_CODES
        assert set(PROBLEM_REASONS[code]) == {"zh", "en"}


# ---- formulas and macros ------------------------------------------------------------------------


def test_formulas_are_never_evaluated() -> None:
    """openpyxl writes formulas without a cached value: such a cell is never the formula's result
    but an error that says so (DESIGN §3: "公式没有保存计算结果"); a cached value (what Excel saved)
    is taken as it is, even when the formula would give something else today."""
    rows = [
        ["2024年3月月报"],
        SUMMARY_HEADER,
        summary_row("一车间", hours="=SUM(100,200)"),
        summary_row("二车间", hours=12.5),
        summary_row('=HYPERLINK("http://evil","三车间")'),
    ]
    data = xlsx({"月报": rows})
    # the second row's hours become a formula whose cached value (7) is not what it computes (2)
    data = rewrite(
        data,
        {SHEET_XML: lambda x: re.sub(rb'<c r="G4"([^>]*)><v>12.5</v></c>', rb'<c r="G4"\1><f>1+1</f><v>7</v></c>', x)},
    )
    assert b"<f>1+1</f><v>7</v>" in zipfile.ZipFile(io.BytesIO(data)).read(SHEET_XML)
    parsed = read(data, "公式.xlsx")
    assert messages(parsed) == [
        "公式.xlsx · 工作表「月报」第3行 · G 列「培训学时」：公式没有保存计算结果：请在 Excel/WPS 中打开并保存后再上传",
        "公式.xlsx · 工作表「月报」第5行 · A 列「单位」：公式没有保存计算结果：请在 Excel/WPS 中打开并保存后再上传",
    ]
    (sheet,) = parsed.sheets
    assert [r["hours"] for r in sheet.rows] == [None, 7.0, summary_row()[6]]


def test_an_xlsm_is_read_as_data_and_its_macros_ignored() -> None:
    """A macro-enabled workbook: the VBA project is a member the reader never looks at."""
    data = summary_book([summary_row("一车间"), summary_row("二车间")])
    ct = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    data = rewrite(
        data,
        {
            "[Content_Types].xml": ct.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            ).replace(
                b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
            ),
            "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b'Attribute VB_Name = "Auto_Open"\nShell "calc"' * 50,
        },
    )
    assert "xl/vbaProject.bin" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    parsed = read(data, "宏.xlsm")
    assert parsed.all_problems == []
    (sheet,) = parsed.sheets
    assert (sheet.kind, [r["unit"] for r in sheet.rows]) == (Kind.SUMMARY, ["一车间", "二车间"])


# ---- names that look like code ------------------------------------------------------------------

HOSTILE_UNITS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>车间",
    "'; DROP TABLE units; --",
    'Robert"); DELETE FROM ledger_rows; --',
    "50%_车间",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
HOSTILE_NAMES = ["<b>张三</b>", "李四'--", "王_五", "赵%六", "{{7*7}}", "${jndi:ldap://x}"]


def test_html_script_and_sql_in_names_come_back_verbatim(store: Store, settings) -> None:
    roster = [["单位", "部门", "职工人数"], *[[u, "<i>部门</i>", 10] for u in HOSTILE_UNITS]]
    ledger = [
        LEDGER_HEADER,
        *[[f"E{i}", name, HOSTILE_UNITS[i], "2024-03", 1 + i, 10 * (i + 1)] for i, name in enumerate(HOSTILE_NAMES)],
    ]
    data = xlsx({"单位": roster, "学习台账": ledger})
    (outcome,) = import_files(store, [("名字.xlsx", io.BytesIO(data))], settings, user="<script>u</script>")
    assert outcome.warnings == []
    sel = metrics.Selection(month_from="2024-03", month_to="2024-03")
    table = metrics.unit_table(store, settings, sel)
    assert sorted(table["unit"]) == sorted(HOSTILE_UNITS)
    assert set(table["department"]) == {"<i>部门</i>"}
    learners = metrics.top_learners(store, settings, sel)
    assert sorted(zip(learners["name"], learners["unit"], strict=True)) == sorted(
        zip(HOSTILE_NAMES, HOSTILE_UNITS, strict=True)
    )
    assert store.batches()[0].user == "<script>u</script>"
    # every table survived the SQL-looking names
    assert set(metrics.filter_options(store)["units"]) == set(HOSTILE_UNITS)
    # a % or _ in the search box is that character, not a LIKE wildcard
    people = list(zip(learners["employee_id"], learners["name"], strict=True))
    for term in ("%", "_", "'--", "<b>"):
        found = metrics.top_learners(store, settings, sel, search=term)
        assert list(found["name"]) == [n for e, n in people if term in e or term in n]
        assert len(found) == 1


def test_a_huge_grid_outside_xl_worksheets_is_refused_too(no_calamine) -> None:
    """calamine reads a sheet wherever workbook.xml.rels points: the check looks at every member."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(SUMMARY_HEADER)
    ws.cell(row=200000, column=2000, value=1)
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            name = "xl/elsewhere/data.xml" if info.filename == SHEET_XML else info.filename
            body = body.replace(b"worksheets/sheet1.xml", b"elsewhere/data.xml")
            z.writestr(name, body)
    data = out.getvalue()
    assert SHEET_XML not in zipfile.ZipFile(io.BytesIO(data)).namelist()
    parsed = read(data, "别处.xlsx")
    assert [p.code for p in parsed.all_problems] == ["too_many_cells"]
    assert parsed.all_problems[0].params == {"rows": 200000, "cols": 2000, "limit": limits.MAX_SHEET_CELLS}
