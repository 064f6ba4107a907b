"""The shapes every part of the import shares: the five kinds of sheet, their fields, the problems
found in a file, and what a read file looks like before it reaches the store.

Problems carry a code and parameters, never a sentence: the edge (page, CLI) renders them in
Chinese or English with ``dashboard.i18n.format_problem``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal


class Kind(StrEnum):
    ROSTER = "roster"
    SUMMARY = "summary"
    LEDGER = "ledger"
    CERTIFICATES = "certificates"
    MILESTONES = "milestones"


FieldType = Literal["text", "unit", "int", "number", "month", "date", "bool", "level"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    required: bool = True


# Order = column order of the template. ``month`` of summary/ledger may come from the title,
# the file name or --period instead of a column, so it is optional as a column.
FIELDS: dict[Kind, tuple[FieldSpec, ...]] = {
    Kind.ROSTER: (
        FieldSpec("unit", "unit"),
        FieldSpec("department", "text"),
        FieldSpec("headcount", "int"),
        FieldSpec("unit_type", "text", False),
        FieldSpec("is_pilot", "bool", False),
    ),
    Kind.SUMMARY: (
        FieldSpec("unit", "unit"),
        FieldSpec("month", "month", False),
        FieldSpec("headcount", "int"),
        FieldSpec("participants", "int"),
        FieldSpec("sessions", "int"),
        FieldSpec("person_times", "int"),
        FieldSpec("hours", "number"),
        FieldSpec("certificates", "int"),
        FieldSpec("suggestions", "int", False),
        FieldSpec("training_funds", "number", False),  # 培训经费, 元 (万元 headers are converted)
        FieldSpec("payroll", "number", False),  # 工资总额, 元
    ),
    Kind.LEDGER: (
        FieldSpec("employee_id", "text"),
        FieldSpec("name", "text"),
        FieldSpec("unit", "unit"),
        FieldSpec("month", "month", False),
        FieldSpec("hours", "number"),
        FieldSpec("points", "number"),
        FieldSpec("attendance", "int", False),
    ),
    Kind.CERTIFICATES: (
        FieldSpec("employee_id", "text"),
        FieldSpec("name", "text"),
        FieldSpec("unit", "unit"),
        FieldSpec("cert_name", "text"),
        FieldSpec("level", "level"),
        FieldSpec("cert_date", "date"),
    ),
    Kind.MILESTONES: (
        FieldSpec("unit", "unit"),
        FieldSpec("phase", "text"),
        FieldSpec("milestone", "text"),
        FieldSpec("planned_date", "date", False),
        FieldSpec("done_date", "date", False),
    ),
}

# The key of each kind: a row with the same key replaces the stored one (upsert).
KEYS: dict[Kind, tuple[str, ...]] = {
    Kind.ROSTER: ("unit",),
    Kind.SUMMARY: ("unit", "month"),
    Kind.LEDGER: ("employee_id", "month"),
    Kind.CERTIFICATES: ("employee_id", "cert_name", "cert_date"),
    Kind.MILESTONES: ("unit", "milestone", "year"),
}
# Key fields no sheet has a column for: a milestone row's campaign year (``milestone_year``).
DERIVED_KEY_FIELDS = frozenset({"year"})


def milestone_year(done: Any, planned: Any, report_year: int) -> int:
    """The campaign year a 阶段进度 row belongs to, part of its key (issue 15): the year it was
    done, else the year it was planned for, else the year of its report (``report_year``).
    2025's 自查自检 is another row than 2024's."""
    for day in (done, planned):
        if isinstance(day, date):
            return day.year
    return report_year


def report_year(period: str | None, rows: list[dict[str, Any]], today: date | None = None) -> int:
    """The campaign year a 阶段进度 sheet reports for, the year of its undated rows: its month
    (title, sheet or file name, 报表月份), else the latest year its rows were done or planned in,
    else this year."""
    if period:
        return int(str(period)[:4])
    years = [d.year for r in rows for d in (r.get("done_date"), r.get("planned_date")) if isinstance(d, date)]
    return max(years) if years else (today or date.today()).year


# Certificate levels: canonical name (the 职业资格 grade in brackets is an accepted alias).
LEVELS: tuple[str, ...] = ("初级", "中级", "高级", "技师", "高级技师", "其他")
UNGRADED = "未分级"  # certificates counted by a summary row carry no level
LEVEL_ALIASES: dict[str, str] = {
    "五级": "初级",
    "初级工": "初级",
    "四级": "中级",
    "中级工": "中级",
    "三级": "高级",
    "高级工": "高级",
    "二级": "技师",
    "一级": "高级技师",
}


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing the importer could not accept (error) or changed by itself (warning).

    ``row`` is the row number as Excel shows it (1-based, counting title rows; None for a problem
    of the whole file or sheet); ``column`` is the header as written in the file (or the field's
    canonical Chinese header when the column is missing) and ``column_letter`` its letter as the
    spreadsheet shows it (``F``), when the problem is about one column of the sheet. ``code``
    selects the message template; ``params`` fills it.
    """

    code: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    severity: Severity = "error"
    column_letter: str | None = None


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 → ``A``, 25 → ``Z``, 26 → ``AA``."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# Problem codes (the message templates live in dashboard/i18n.py under the same names).
PROBLEM_CODES = (
    "not_spreadsheet",  # the bytes are not xlsx/xlsm/xlsb/xls/ods/csv
    "too_large",  # params: size_mb, limit_mb
    "zip_bomb",  # the workbook unpacks to far more than any report; params: unpacked_mb, ratio, limit_mb
    "too_many_cells",  # a sheet's cell references span a huge grid; params: rows, cols, limit
    "no_table",  # no sheet held a recognisable table
    "missing_columns",  # params: kind, missing (list), found (list)
    "not_a_number",  # value could not be read as a number
    "negative",  # a count or hours below zero
    "not_integer",  # a count with a fraction
    "bad_month",  # a month that cannot be read
    "bad_date",  # a date that cannot be read
    "bad_bool",  # not 是/否
    "required",  # a required cell is empty
    "no_period",  # neither a month column, the title, the file name nor --period gives the month
    "participants_over_headcount",  # params: participants, headcount
    "duplicate_key",  # params: key (str), first_row (int)
    "unknown_level",  # warning: level read as 其他
    "unit_added",  # warning: unit not in the roster, added automatically (a store with no roster)
    "unit_unknown",  # a unit outside the roster; params: unit, suggestions (the nearest roster names)
    "unit_unknown_no_match",  # the same with no roster name near it; params: unit
    "unit_taken",  # a reporter's ledger row for a 工号 stored under another unit; params: employee_id, month, unit
    "unit_moved",  # warning: an administrator's ledger row moves a person; params: employee_id, month, unit, to_unit
    "cert_unit_taken",  # the same for a certificate; params: employee_id, cert_name, cert_date, unit
    "cert_unit_moved",  # warning: an administrator's certificate row moves it; params: … to_unit
    "column_ignored",  # warning: a header that matches no field
    "file_not_found",  # the CLI was given a path that is not a file
    "unit_not_allowed",  # a reporter's row for a unit not assigned to them; params: units (list)
    "roster_not_allowed",  # a reporter's upload holds a roster sheet (rosters are the administrators')
    # Files from other software and hostile files (issues 10 and 11)
    "encrypted",  # a password-protected workbook (OLE EncryptedPackage, or an .xls with FILEPASS)
    "html_as_xls",  # a web page (HTML/MHT) saved with a spreadsheet's name
    "xml2003_as_xls",  # an Excel 2003 XML (SpreadsheetML) file saved with a spreadsheet's name
    "formula_not_cached",  # a formula cell whose file holds no computed value
    "hidden_sheet",  # warning: a hidden sheet, skipped
    "sheet_skipped",  # warning: a sheet whose columns fit no kind, skipped; params: found (list)
    "example_row",  # warning: the template's example row, skipped
    "text_too_large",  # strings expand past the safe limit; params: expanded_mb, limit_mb
    "too_many_rows",  # more rows than one upload may hold; params: rows, limit
    "too_many_columns",  # a CSV line with more columns than any report; params: cols, limit
    "cell_too_long",  # a CSV cell longer than Excel allows; params: limit
    "csv_nul",  # a text file holding NUL characters
    "mixed_encoding",  # a text file that is UTF-8 up to a point and something else after it
)


@dataclass
class ParsedSheet:
    """One table found in a sheet (or a CSV), with typed rows.

    Each row is a dict of field name → value (str for text, int, float, ``"YYYY-MM"`` for month,
    ``datetime.date`` for date, bool, canonical level name), plus ``"_row"``: the Excel row number.
    """

    file: str
    sheet: str
    kind: Kind
    period: str | None
    columns: dict[str, str]  # field name → header as written in the file
    rows: list[dict[str, Any]]
    problems: list[Problem] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)  # field name → column letter (``F``)

    @property
    def present_fields(self) -> frozenset[str]:
        """The fields this sheet has a column for. An optional field missing here (出勤次数,
        计划完成日期 …) is absent from every row dict too, so the store can keep its stored values
        (the month of a summary or ledger row is there all the same when the title gave it)."""
        return frozenset(self.columns)


@dataclass
class ParsedFile:
    file: str
    sha256: str
    size: int
    sheets: list[ParsedSheet]
    problems: list[Problem] = field(default_factory=list)  # file-level, plus every sheet's

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.all_problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.all_problems if p.severity == "warning"]

    @property
    def all_problems(self) -> list[Problem]:
        return self.problems + [p for s in self.sheets for p in s.problems]


class ImportRejected(Exception):
    """A file (or several) had errors; nothing was written. ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class UndoRefused(Exception):
    """A batch cannot be undone (already undone, unknown, or a later batch changed its rows)."""

    def __init__(self, batch_id: int, reason: str, later_batch: int | None = None):
        super().__init__(f"batch {batch_id}: {reason}")
        self.batch_id = batch_id
        self.reason = reason  # "unknown" | "already_undone" | "later_batch" | "merged"
        self.later_batch = later_batch


class StoreUnavailable(Exception):
    """The database cannot be reached or opened; ``url`` is shown without its password."""

    def __init__(self, url: str, detail: str):
        super().__init__(f"{url}: {detail}")
        self.url = url
        self.detail = detail


class StoreTooNew(Exception):
    """The database was upgraded by a newer version of the app than this one."""

    def __init__(self, revision: str):
        super().__init__(revision)
        self.revision = revision
