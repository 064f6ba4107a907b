"""Hostile input: files over the size limit, zip bombs and huge cell ranges are refused before
anything parses them; formulas are never evaluated and macros never run; HTML, script and SQL in
names are stored and shown back as plain text."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import random
import re
import resource
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
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


def test_a_zip_that_is_no_workbook_is_not_handed_to_the_parser(no_calamine) -> None:
    """A Word document renamed .xlsx: its officeDocument relationship points to no workbook part.
    (.ods and .xlsb are read; their own bombs are refused below.)"""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1"'
            ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
            ' Target="word/document.xml"/></Relationships>',
        )
        z.writestr("word/document.xml", "<w:document/>")
    parsed = read(buf.getvalue(), "表格.xlsx")
    assert messages(parsed) == ["表格.xlsx：不是电子表格文件（支持 .xlsx、.xlsm、.xlsb、.xls、.ods、.csv）"]


def test_new_codes_have_both_templates() -> None:
    from dashboard.i18n import PROBLEM_REASONS

    for code in ("zip_bomb", "too_many_cells", "text_too_large", "too_many_rows", "too_many_columns", "cell_too_long"):
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


# ---- what a file expands to: memory measured in a child process under an address-space limit ----

CHILD = r"""
import json, sys, time
started = time.perf_counter()
from dashboard.config import load_settings
from dashboard.i18n import format_problem
from data_sources.reading import limits, read_file
for setting in sys.argv[3:]:
    key, value = setting.split("=")
    setattr(limits, key, int(value))
with open(sys.argv[1], "rb") as f:
    parsed = read_file(f, sys.argv[2], load_settings())
print(json.dumps({
    "codes": [p.code for p in parsed.all_problems],
    "messages": [format_problem(p) for p in parsed.all_problems],
    "rows": sum(len(s.rows) for s in parsed.sheets),
    # the peak resident size of this process image (ru_maxrss would keep the forking parent's)
    "maxrss_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024,
    "seconds": time.perf_counter() - started,
}))
"""
ADDRESS_SPACE_MB = 1024  # the child reads ordinary files in about 180 MB of address space


def read_in_child(tmp_path: Path, data: bytes, name: str, **lowered: int) -> dict[str, Any]:
    """read_file in a fresh Python whose address space is capped at ADDRESS_SPACE_MB: a file that
    makes the reader allocate more kills the child (calamine aborts on a failed allocation)."""
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    cap = ADDRESS_SPACE_MB * 1048576

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), name, *(f"{k}={v}" for k, v in lowered.items())],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=600,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.returncode == 0, f"the reader died under a {ADDRESS_SPACE_MB} MB cap: {proc.stderr[-1500:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def shared_string_bomb(cells: int, string_bytes: int = 1048576) -> bytes:
    """Issue 11 item 1: sharedStrings.xml holds one 1 MiB string and ``cells`` cells point to it
    (``<c t="s"><v>0</v></c>``, no r= references): a few KB packed, gigabytes once read."""
    base = summary_book()
    sst = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' count="%d" uniqueCount="1"><si><t>' % cells + b"A" * string_bytes + b"</t></si></sst>"
    )
    rows = b"".join(b"<row>" + b'<c t="s"><v>0</v></c>' * 50 + b"</row>" for _ in range(cells // 50))
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + rows + b"</sheetData></worksheet>"
    )
    names = zipfile.ZipFile(io.BytesIO(base)).namelist()
    edit: dict[str, Any] = {SHEET_XML: sheet, "xl/sharedStrings.xml": sst}
    if "xl/sharedStrings.xml" not in names:
        ct = zipfile.ZipFile(io.BytesIO(base)).read("[Content_Types].xml")
        edit["[Content_Types].xml"] = ct.replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        rels = zipfile.ZipFile(io.BytesIO(base)).read("xl/_rels/workbook.xml.rels")
        edit["xl/_rels/workbook.xml.rels"] = rels.replace(
            b"</Relationships>",
            b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
    return rewrite(base, edit)


EXPANDED = re.compile(
    r"工作簿中的文字展开后达 ([0-9.]+) MB，超过安全上限 100 MB（同一段长文字被大量单元格引用），未读取"
)


def test_a_shared_string_bomb_is_refused_in_little_memory(tmp_path: Path) -> None:
    data = shared_string_bomb(1500)
    assert len(data) < 16 * 1024  # the premise: a few KB on disk
    result = read_in_child(tmp_path, data, "字符串.xlsx")
    assert result["codes"] == ["text_too_large"]
    (message,) = result["messages"]
    expanded = EXPANDED.fullmatch(message.removeprefix("字符串.xlsx："))
    assert expanded and float(expanded.group(1)) >= 1500 * 1048576 / 1048576
    assert result["maxrss_mb"] < 300, result  # 1.5 GB of copies were never made


def test_many_cells_of_one_short_shared_string_still_read() -> None:
    """The guard counts what strings expand to, not how often one is used: 12,000 cells of a
    short unit name are an ordinary sheet."""
    rows = [SUMMARY_HEADER, *[summary_row("塑编车间", month=f"2024-{m:02d}") for m in range(1, 13)] * 1]
    parsed = read(xlsx({"月报": rows * 1}))
    assert parsed.errors == [] and len(parsed.sheets[0].rows) == 12


def test_cells_without_references_are_counted(tmp_path: Path) -> None:
    """Issue 11 item 2: rows of ``<c><v>1</v></c>`` with no r= references (1,000,000 × 60 took
    51 s and 4.8 GB). Here 100,000 × 60 against a limit lowered to 5 million cells; the values
    vary, so the archive packs like a real one (not a zip bomb)."""
    rng = random.Random(11)
    rows = b"".join(
        b"<row>" + b"".join(b"<c><v>%d</v></c>" % rng.randrange(1000) for _ in range(60)) + b"</row>"
        for _ in range(100_000)
    )
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + rows + b"</sheetData></worksheet>"
    )
    data = rewrite(summary_book(), {SHEET_XML: sheet})
    result = read_in_child(tmp_path, data, "无引用.xlsx", MAX_SHEET_CELLS=5_000_000)
    # refused as soon as the count passes the limit, while the sheet XML is streamed
    (message,) = result["messages"]
    found = re.fullmatch(
        r"无引用\.xlsx：工作表的单元格范围达 (\d+) 行 × 60 列，超过安全上限 5000000 个单元格，未读取", message
    )
    assert found and 5_000_000 < int(found.group(1)) * 60 <= 100_000 * 60, message
    assert result["maxrss_mb"] < 400, result


def test_cells_without_references_within_the_limit_read() -> None:
    """A writer that leaves out r= (some libraries do) is read as Excel shows it."""
    cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in SUMMARY_HEADER)
    values = "".join(
        f"<c><v>{v}</v></c>" if isinstance(v, (int, float)) else f'<c t="inlineStr"><is><t>{v}</t></is></c>'
        for v in summary_row()
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData><row>{cells}</row><row>{values}</row></sheetData></worksheet>"
    ).encode()
    parsed = read(rewrite(summary_book(), {SHEET_XML: sheet}))
    assert parsed.errors == []
    assert [(r["unit"], r["hours"], r["_row"]) for r in parsed.sheets[0].rows] == [("塑编车间", 503.5, 2)]


def test_a_line_of_millions_of_commas_is_refused_early(tmp_path: Path) -> None:
    """Issue 11 item 3: one line of 45 M commas (45 MB, under the 50 MB limit) was accepted
    after 61.5 s and 1.75 GB."""
    data = "单位,月份,职工人数\n".encode() + b"," * 45_000_000 + b"\n"
    result = read_in_child(tmp_path, data, "逗号.csv")
    assert result["messages"] == [
        "逗号.csv · 第2行：这一行有 45,000,001 列，超过上限 1,000 列：请检查分隔符，或删除多余的列"
    ]
    # what remains is the 45 MB upload held as bytes and as text (2 bytes a character)
    assert result["maxrss_mb"] < 600, result


def test_a_million_rows_are_refused_with_the_limit_named(tmp_path: Path) -> None:
    """Issue 11 item 3: 1.1 M rows of new units (45 MB) ran 144 s / 4.7 GB in a dry run."""
    lines = [b"\xe5\x8d\x95\xe4\xbd\x8d,\xe6\x9c\x88\xe4\xbb\xbd,\xe8\x81\x8c\xe5\xb7\xa5\xe4\xba\xba\xe6\x95\xb0"]
    lines += [f"新单位{i:07d},2024-03,{i % 500}".encode() for i in range(1_100_000)]
    data = b"\n".join(lines) + b"\n"
    assert len(data) < 50 * 1048576
    result = read_in_child(tmp_path, data, "百万行.csv")
    assert result["messages"] == [
        f"百万行.csv：共有 {len(lines):,} 行以上，超过每次上传的上限 200,000 行：请按月份或单位拆成几个文件上传"
    ]
    assert result["maxrss_mb"] < 600, result


def test_a_ledger_of_100000_rows_is_within_every_limit() -> None:
    """The limits sit above what a real report reaches: an organisation-wide ledger of 100,000
    staff imports."""
    lines = ["工号,姓名,单位,月份,培训学时,学习积分"]
    lines += [f"E{i:06d},职工{i},单位{i % 100:03d},2024-03,{i % 9 * 0.5},{i % 21}" for i in range(100_000)]
    parsed = read("\n".join(lines).encode(), "台账.csv")
    assert parsed.errors == []
    assert len(parsed.sheets[0].rows) == 100_000


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            "工号,姓名,单位,月份,培训学时,学习积分\nSJ1,张三,塑编车间,2024-03,1,1\nSJ2,李\x00四,塑编车间,2024-03,1,1\n".encode(),
            "空字符.csv · 第3行：文本文件中含有空字符（NUL），文件可能已损坏：请在 Excel/WPS 中打开，另存为 .xlsx 后再上传",
        ),
        (
            "工号,姓名,单位,月份,培训学时,学习积分\nSJ1,张三,塑编车间,2024-03,1,1\n".encode()
            + "SJ2,李四,电修车间,2024-03,1,1\n".encode("gbk"),
            "空字符.csv · 第3行：文件混用了两种文字编码：本行之前是 UTF-8，本行不是（可能是 GBK）；"
            "请在 Excel/WPS 中打开，统一另存为 .xlsx 或 UTF-8 CSV 后再上传",
        ),
        (
            "工号,姓名,单位,月份,培训学时,学习积分\nSJ1,张三,塑编车间,2024-03,1,1\n".encode("gbk")
            + "SJ2,李四,电修车间,2024-03,1,1\n".encode(),
            "空字符.csv · 第3行：文件混用了两种文字编码：本行之前是 UTF-8，本行不是（可能是 GBK）；"
            "请在 Excel/WPS 中打开，统一另存为 .xlsx 或 UTF-8 CSV 后再上传",
        ),
        (
            "工号,姓名,单位,月份,培训学时,学习积分\nSJ1,张三,塑编车间,2024-03,1,".encode() + b"9" * 10_000_000 + b"\n",
            "空字符.csv · 第2行 · F 列：单元格超过 32,767 个字符（Excel 单元格的上限），不是报表数据：请检查文件",
        ),
        (
            '工号,姓名,单位,月份,培训学时,学习积分\nSJ1,"张三'.encode()
            + "\n很长的备注".encode() * 2_000_000
            + b'",1,1\n',
            "空字符.csv · 第2行：单元格超过 32,767 个字符（Excel 单元格的上限），不是报表数据：请检查文件",
        ),
    ],
    ids=["nul", "utf8-then-gbk", "gbk-then-utf8", "10m-cell", "10m-quoted-cell"],
)
def test_damaged_text_files_get_their_own_message(data: bytes, expected: str) -> None:
    parsed = read(data, "空字符.csv")
    assert parsed.sheets == []
    assert messages(parsed) == [expected]


def test_gbk_text_is_not_taken_for_mixed_encodings() -> None:
    """Every line of a GBK file, including short names and rare characters, decodes as GBK."""
    names = [
        "张伟",
        "王芳",
        "李娜",
        "刘洋",
        "陈静",
        "杨磊",
        "赵丽",
        "黄勇",
        "周杰",
        "吴霞",
        "徐涛",
        "孙明",
        "马超",
        "朱琳",
        "胡军",
    ]
    lines = ["工号,姓名,单位,月份,培训学时,学习积分"] + [
        f"E{i},{n},塑编车间,2024-03,1,1" for i, n in enumerate(names * 40)
    ]
    parsed = read("\n".join(lines).encode("gbk"), "台账.csv")
    assert parsed.errors == []
    assert [r["name"] for r in parsed.sheets[0].rows] == names * 40


# ---- .ods and .xlsb bombs ------------------------------------------------------------------------


def ods(content: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
            ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
            ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
            ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
            + content
            + "</office:spreadsheet></office:body></office:document-content>",
        )
    return buf.getvalue()


def test_repeated_ods_rows_and_cells_are_counted(no_calamine) -> None:
    """calamine repeats a non-empty row and cell as often as the file says: 1,048,576 × 16,384."""
    data = ods(
        '<table:table table:name="月报"><table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/>'
        "</table:table-row></table:table>"
    )
    parsed = read(data, "重复.ods")
    assert messages(parsed) == [
        f"重复.ods：工作表的单元格范围达 1048576 行 × 16384 列，超过安全上限 {limits.MAX_SHEET_CELLS} 个单元格，未读取"
    ]


def test_a_long_ods_text_repeated_is_counted(no_calamine) -> None:
    text = "字" * 400_000
    data = ods(
        '<table:table table:name="月报"><table:table-row>'
        f'<table:table-cell table:number-columns-repeated="200" office:value-type="string"><text:p>{text}</text:p>'
        "</table:table-cell></table:table-row></table:table>"
    )
    assert len(data) < 1048576
    assert [p.code for p in read(data, "重复.ods").all_problems] == ["text_too_large"]


def test_an_xlsb_shared_string_bomb_and_a_far_cell_are_refused(no_calamine) -> None:
    from tests.xlsb import record, write_xlsb

    cells = b"".join(record(0x07, struct.pack("<III", c, 0, 0)) for c in range(50))
    rows = b"".join(record(0x00, struct.pack("<IIHBBI", r, 0, 300, 0, 0, 0)) + cells for r in range(40))
    sheet = record(0x81) + record(0x94, bytes(16)) + record(0x91) + rows + record(0x92) + record(0x82)
    bomb = write_xlsb({}, raw_sheets={"月报": sheet}, raw_strings=["A" * 1048576])
    assert len(bomb) < 64 * 1024
    assert [p.code for p in read(bomb, "炸弹.xlsb").all_problems] == ["text_too_large"]
    far = record(0x00, struct.pack("<IIHBBI", 1048575, 0, 300, 0, 0, 0)) + record(
        0x05, struct.pack("<IId", 16383, 0, 1.0)
    )
    sheet = record(0x81) + record(0x94, bytes(16)) + record(0x91) + far + record(0x92) + record(0x82)
    parsed = read(write_xlsb({}, raw_sheets={"月报": sheet}), "网格.xlsb")
    assert [(p.code, p.params["rows"], p.params["cols"]) for p in parsed.all_problems] == [
        ("too_many_cells", 1048576, 16384)
    ]


def test_rows_of_every_sheet_count_toward_the_upload_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted in calamine's ranges, before a Python value is made for any cell."""
    monkeypatch.setattr(limits, "MAX_ROWS", 5)
    ledger = [LEDGER_HEADER, ["SJ1", "甲", "塑编车间", "2024-03", 1, 1], ["SJ2", "乙", "塑编车间", "2024-03", 1, 1]]
    data = xlsx({"月报": [SUMMARY_HEADER, *[summary_row(f"单位{i}") for i in range(3)]], "台账": ledger})
    parsed = read(data, "两表.xlsx")
    assert messages(parsed) == ["两表.xlsx：共有 7 行以上，超过每次上传的上限 5 行：请按月份或单位拆成几个文件上传"]
    monkeypatch.setattr(limits, "MAX_ROWS", 7)
    assert read(data, "两表.xlsx").errors == []


def test_a_csv_padded_to_one_wide_line_is_refused() -> None:
    """Every row is padded to the widest: one line of 999 commas over 20,000 short lines would be
    20 million cells."""
    lines = ["工号,姓名,单位,月份,培训学时,学习积分", "," * 999]
    lines += [f"E{i},甲,塑编车间,2024-03,1,1" for i in range(20_000)]
    parsed = read("\n".join(lines).encode(), "宽.csv")
    assert messages(parsed) == [
        f"宽.csv：工作表的单元格范围达 20002 行 × 1000 列，超过安全上限 {limits.MAX_CSV_CELLS} 个单元格，未读取"
    ]
