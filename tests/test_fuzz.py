"""Fuzzing the one import path: thousands of workbooks and CSVs of random structure (sheet names
that are aliases or junk, headers drawn from the real aliases mixed with junk, title rows, merged
cells, two-level headers, cells of every type) go through ``read_and_validate`` and, when they have
no errors, through a store commit. Every one ends in rows or in problems whose code is known and
whose sentence is non-empty in both languages; none ends in an exception.

Run with ``--hypothesis-show-statistics`` to see how many examples ran.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dashboard.config import load_settings
from dashboard.i18n import PROBLEM_REASONS, format_problem
from data_sources.importer import read_and_validate
from data_sources.schema import DERIVED_KEY_FIELDS, FIELDS, KEYS, PROBLEM_CODES, ImportRejected, Kind, ParsedFile
from data_sources.store import Store
from tests.test_reading_properties import check_outcome

SETTINGS = load_settings(Path(__file__).resolve().parent.parent / "config.toml")

WORKBOOKS = settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), database=None)
CSVS = settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
STORED = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None)

ALIASES = sorted({a for names in SETTINGS.column_aliases.values() for a in names})
SHEET_ALIASES = sorted({a for names in SETTINGS.sheet_aliases.values() for a in names})
FULL_HEADERS = [[(SETTINGS.column_aliases.get(f.name) or (f.name,))[0] for f in FIELDS[k]] for k in Kind]
JUNK_HEADERS = [
    "序号",
    "参学率",
    "备注",
    "合计",
    "",
    "（人）",
    "(小时)",
    "Unnamed: 3",
    "培训情况",
    "取证",
    "单位：",
    "1",
]

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
_XML_SAFE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=20
)
_FULL_WIDTH = st.text(alphabet="０１２３４５６７８９，．％－　年月日", min_size=1, max_size=8)
_SPECIAL = st.sampled_from(
    [
        "2024-03",
        "2024年3月",
        "2024/3",
        "202403",
        "2024-13",
        "98%",
        "1,234",
        "-5",
        "－３",
        "12小时",
        "合计",
        "小计",
        "注：本表",
        "单位负责人：张三",
        "是",
        "否",
        "高级技师(一级)",
        "五级",
        "未知等级",
        "NaN",
        "inf",
        "1e308",
        "<script>alert(1)</script>",
        "'; DROP TABLE units; --",
        "=SUM(A1:A3)",
        "@cmd",
        "\u200b",
        "𠀀𪚥",
    ]
)
CELL = st.one_of(
    st.none(),
    _XML_SAFE,
    _FULL_WIDTH,
    _SPECIAL,
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
    st.times(),
    st.sampled_from(["=1/0", "=NOW()", "=A1+B2", '=HYPERLINK("http://x","y")', "=1+1"]),  # openpyxl: formulas
    st.integers(1000, 33000).map(lambda n: "长" * n),  # huge strings
)
HEADER_CELL = st.one_of(st.sampled_from(ALIASES), st.sampled_from(JUNK_HEADERS), _XML_SAFE, st.none())
TITLE = st.one_of(
    st.sampled_from(
        ["2024年3月创争活动月报表", "塑件化工厂2024年3月“创争”月报", "填报单位：工会  填报日期：2024-04-05", "月报"]
    ),
    _XML_SAFE,
)
SHEET_NAME = st.one_of(st.sampled_from(SHEET_ALIASES), st.sampled_from(["Sheet1", "2024年3月", "说明"]), _XML_SAFE)
FILE_NAME = st.sampled_from(["月报.xlsx", "2024年3月台账.xlsx", "宏.xlsm", "x.xlsx", "月报_202403.XLSX"])
PERIOD = st.sampled_from([None, "2024-03", "2024-13", "", "三月"])


@st.composite
def sheet_spec(draw: Any) -> dict[str, Any]:
    if draw(st.booleans()):
        header: list[Any] = list(draw(st.sampled_from(FULL_HEADERS)))
        # drop, shuffle or add junk to the real header
        header = draw(st.permutations(header)) if draw(st.booleans()) else header
        if draw(st.booleans()):
            del header[draw(st.integers(0, len(header) - 1))]
        header += draw(st.lists(HEADER_CELL, max_size=3))
    else:
        header = draw(st.lists(HEADER_CELL, min_size=1, max_size=10))
    width = len(header)
    return {
        "name": draw(SHEET_NAME),
        "titles": draw(st.lists(st.lists(st.one_of(TITLE, st.none()), max_size=3), max_size=3)),
        "parent": draw(
            st.one_of(
                st.none(), st.lists(st.sampled_from(["培训情况", "取证", None, "人数"]), min_size=width, max_size=width)
            )
        ),
        "header": header,
        "body": draw(st.lists(st.lists(CELL, min_size=0, max_size=width + 2), max_size=12)),
        "merges": draw(st.lists(st.tuples(st.integers(1, 6), st.integers(1, 8), st.integers(0, 3)), max_size=3)),
        "blank_top": draw(st.integers(0, 2)),
    }


def _sheet_title(name: str, used: set[str]) -> str:
    clean = "".join(ch for ch in name if ch not in "[]:*?/\\'").strip()[:28] or "S"
    title, i = clean, 1
    while title.lower() in used:
        title, i = f"{clean[:25]}_{i}", i + 1
    used.add(title.lower())
    return title


def build_workbook(specs: list[dict[str, Any]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for spec in specs:
        ws = wb.create_sheet(_sheet_title(spec["name"], used))
        for _ in range(spec["blank_top"]):
            ws.append([])
        for t in spec["titles"]:
            ws.append(t)
        if spec["parent"] is not None:
            ws.append(spec["parent"])
        ws.append(spec["header"])
        for row in spec["body"]:
            ws.append(row)
        done_rows: set[int] = set()
        for r, c, span in spec["merges"]:
            if r in done_rows or r > ws.max_row:
                continue  # one merge per row: they never overlap
            done_rows.add(r)
            ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + span)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def check_clear(parsed: ParsedFile, file_name: str) -> None:
    """Rows or clear problems: known codes, a non-empty sentence in both languages."""
    check_outcome(parsed, file_name)
    for p in parsed.all_problems:
        assert p.code in PROBLEM_CODES and p.code in PROBLEM_REASONS
        for lang in ("zh", "en"):
            text = format_problem(p, lang)
            assert text.startswith(file_name) and len(text) > len(file_name) + 2
    if not parsed.errors:
        assert parsed.sheets, "no error and no table"


def _read(data: bytes, name: str, period: str | None) -> ParsedFile:
    parsed = read_and_validate(io.BytesIO(data), name, SETTINGS, period)
    check_clear(parsed, name)
    n = sum(len(s.rows) for s in parsed.sheets)
    event("read: errors" if parsed.errors else "read: rows" if n else "read: a table without rows, no error")
    return parsed


# ---- workbooks in memory ------------------------------------------------------------------------


@WORKBOOKS
@given(specs=st.lists(sheet_spec(), min_size=1, max_size=3), name=FILE_NAME, period=PERIOD)
def test_random_workbooks_end_in_rows_or_clear_problems(specs, name, period) -> None:
    _read(build_workbook(specs), name, period)


# ---- CSV ------------------------------------------------------------------------------------------


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    s = v.isoformat() if isinstance(v, (date, datetime, time)) else str(v)
    if any(ch in s for ch in ',"\n\r'):
        s = '"' + s.replace('"', '""') + '"'
    return s


@CSVS
@given(
    spec=sheet_spec(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    sep=st.sampled_from([",", "\t", ";"]),
    name=st.sampled_from(["月报.csv", "2024年3月学习台账.csv", "x.csv"]),
    period=PERIOD,
)
def test_random_csvs_end_in_rows_or_clear_problems(spec, encoding, sep, name, period) -> None:
    lines = [*spec["titles"], *([spec["parent"]] if spec["parent"] else []), spec["header"], *spec["body"]]
    text = "\r\n".join(sep.join(_csv_cell(c) for c in row) for row in lines)
    _read(text.encode(encoding, "replace"), name, period)


# ---- through the store ----------------------------------------------------------------------------


FUZZ_UNITS = ["一车间", "二车间", "<b>三</b>", "质检科", "'; --"]


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory):
    """A store whose roster holds every unit the sheets below name (DESIGN §3: once a store has a
    roster, a unit outside it is refused; a roster sheet drawn by an example would make one)."""
    from tests import builders as b

    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    store.commit(b.parsed("名册.xlsx", roster=[b.roster(u, "生产部", 500) for u in FUZZ_UNITS]), "fuzz")
    yield store
    store.close()


@st.composite
def valid_ish_sheet(draw: Any) -> dict[str, Any]:
    """Mostly-valid tables (the full header of a kind, plausible values) so that many reach the store."""
    kind = draw(st.sampled_from(list(Kind)))
    header = list(FULL_HEADERS[list(Kind).index(kind)])
    units = st.sampled_from(FUZZ_UNITS)
    cells = {
        "unit": units,
        "department": st.sampled_from(["生产部", "机关"]),
        "headcount": st.integers(10, 500),
        "unit_type": st.sampled_from(["车间", "科室", None]),
        "is_pilot": st.sampled_from(["是", "否", None, True]),
        "month": st.sampled_from(["2024-01", "2024年3月", datetime(2024, 5, 1), None, "2024-02", "2024-06", "2024-13"]),
        "participants": st.integers(0, 10),
        "sessions": st.integers(0, 20),
        "person_times": st.integers(0, 300),
        "hours": st.integers(0, 19).flatmap(  # 1 in 10: a negative or a formula without a value
            lambda i: st.sampled_from([-1, "=1+1"]) if i == 0 else st.floats(0, 1e4, allow_nan=False)
        ),
        "certificates": st.integers(0, 10),
        "suggestions": st.one_of(st.none(), st.integers(0, 10)),
        "training_funds": st.one_of(st.none(), st.floats(0, 1e7, allow_nan=False), st.just("1,200")),
        "payroll": st.one_of(st.none(), st.floats(0, 1e9, allow_nan=False), st.just(-5)),
        "employee_id": st.sampled_from([f"E{i:02d}" for i in range(12)] + [1001, 1002]),
        "name": st.sampled_from(["张三", "李四", "<script>x</script>", "王五"]),
        "points": st.floats(0, 1e5, allow_nan=False),
        "attendance": st.one_of(st.none(), st.integers(0, 31)),
        "cert_name": st.sampled_from(["电工证", "焊工证", "叉车证"]),
        "level": st.sampled_from(["初级", "高级技师", "五级", "未知"]),
        "cert_date": st.sampled_from([date(2024, 3, 5), "2024-04-01", "2024年5月6日", date(2024, 6, 1), "昨天"]),
        "phase": st.sampled_from(["宣传发动", "组织实施", "总结表彰"]),
        "milestone": st.sampled_from(["动员会", "方案", "总结", "<i>m</i>"]),
        "planned_date": st.sampled_from([date(2024, 4, 30), None]),
        "done_date": st.sampled_from([date(2024, 4, 10), None, date(2024, 5, 1), "未完成"]),
    }
    specs = [f.name for f in FIELDS[kind]]
    key_at = [specs.index(k) for k in KEYS[kind] if k not in DERIVED_KEY_FIELDS]
    body = draw(
        st.lists(
            st.tuples(*[cells[f] for f in specs]).map(list),
            max_size=6,
            unique_by=lambda r: tuple(str(r[i]) for i in key_at),  # duplicates are rejected: keep them rare
        )
    )
    return {
        "name": draw(st.sampled_from([*SETTINGS.sheet_aliases[kind.value], "Sheet1"])),
        "titles": draw(st.lists(st.lists(TITLE, max_size=1), max_size=1)),
        "parent": None,
        "header": header,
        "body": body,
        "merges": [],
        "blank_top": 0,
    }


@STORED
@given(specs=st.lists(st.one_of(*[valid_ish_sheet()] * 4, sheet_spec()), min_size=1, max_size=2))
def test_random_reports_that_pass_are_stored_and_re_import_changes_nothing(fuzz_store: Store, specs) -> None:
    parsed = _read(build_workbook(specs), "随机_2024年3月.xlsx", None)
    if parsed.errors:
        with pytest.raises(ImportRejected) as e:
            fuzz_store.commit(parsed, "fuzz")
        assert e.value.problems == parsed.errors
        event("store: rejected")
        return
    result = fuzz_store.commit(parsed, "fuzz")
    rows = {k: sum(len(s.rows) for s in parsed.sheets if s.kind is k) for k in Kind}
    for kind, plan in result.plan.kinds.items():
        assert plan.rows == rows[kind]
        assert plan.added + plan.replaced + plan.unchanged == plan.rows
    event("store: committed" + (" rows" if any(rows.values()) else " nothing"))
    again = fuzz_store.commit(parsed, "fuzz")
    assert again.batch_id is None
    assert (again.added, again.replaced) == (0, 0)
