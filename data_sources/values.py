"""Cell parsers: one raw cell (as calamine or the CSV reader hands it over) → one typed value.

Reports are typed by hand in Chinese Excel, so a number may arrive as ``１２３``, ``1,234``,
``12小时`` or ``"98%"``, a month as ``2024年3月份`` or an Excel serial. Every parser is a small
pure function: it returns the typed value, ``None`` for an empty cell (the caller decides whether
the field is required), or raises :class:`CellError` whose ``code`` is a Problem code of
``data_sources.schema.PROBLEM_CODES``.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from data_sources.schema import LEVEL_ALIASES, LEVELS

__all__ = [
    "CellError",
    "classify_level",
    "display_value",
    "is_blank",
    "month_from_text",
    "normalise_header",
    "normalise_text",
    "parse_bool",
    "parse_date",
    "parse_int",
    "parse_level",
    "parse_month",
    "parse_number",
    "parse_or_error",
    "parse_rate",
    "parse_text",
    "parse_unit",
    "unit_name",
]


class CellError(ValueError):
    """A cell that cannot become the wanted type; ``code`` names the Problem template."""

    def __init__(self, code: str, value: Any = None):
        super().__init__(code)
        self.code = code
        self.value = value


# ---- helpers ----------------------------------------------------------------------------------


def parse_or_error(parser: Callable[[Any], Any], raw: Any, field_name: str) -> Any:
    """``parser(raw)``, or the CellError it raises: any other failure of a parser on a strange
    cell is a cell error too (a month field's ``bad_month``, else ``not_a_number``), never a
    traceback."""
    try:
        return parser(raw)
    except CellError as e:
        return e
    except Exception:
        return CellError("bad_month" if field_name == "month" else "not_a_number", raw)


_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug is before March 1900)
_MIN_YEAR, _MAX_YEAR = 1900, 2100
# Serial numbers are only read as dates when they land in these years: a stray 3 in a date column
# is a mistake, not 1900-01-02.
_SERIAL_MIN = (date(1950, 1, 1) - _EXCEL_EPOCH).days
_SERIAL_MAX = (date(2100, 12, 31) - _EXCEL_EPOCH).days

_WS_RE = re.compile(r"\s+")


def is_blank(value: Any) -> bool:
    """None, NaN, NaT and strings of only whitespace are empty cells."""
    if value is None:
        return True
    t = type(value)
    if t is str:
        return not value.strip()
    if t is float:
        return value != value  # NaN
    if t is int or t is bool:
        return False
    try:
        # pandas NaT / numpy NaN without importing pandas: NaT != NaT like NaN.
        return bool(value != value)
    except Exception:
        return False


def normalise_text(text: str) -> str:
    """NFKC (full-width → half-width, ideographic space → space), trimmed, inner whitespace collapsed."""
    s = text if text.isascii() else unicodedata.normalize("NFKC", text)
    if " " in s or "\t" in s or "\n" in s or "\r" in s or s != s.strip() or "\xa0" in s:
        s = " ".join(s.split())
    return s


def display_value(value: Any) -> str:
    """A raw cell as the user sees it (for error messages)."""
    if type(value) is float and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.hour == value.minute == value.second == 0:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    return str(value)


# ---- numbers ----------------------------------------------------------------------------------

# Units people type after a figure: 12小时, 3人, 5条, 2场, 12 h …
_UNITS = (
    "小时|学时|课时|个小时|钟头|时|人次|人|名|位|条|件|项|场|次|期|个|本|分|张|天|元|"
    "hours|hour|hrs|hr|h|persons|person|pers|p"
)
_NUMBER_RE = re.compile(
    r"^([+-]?)(\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?\s*(%|" + _UNITS + r")?$",
    re.IGNORECASE,
)


def _number_from_text(text: str, allow_percent: bool) -> float:
    s = normalise_text(text).replace("\u2212", "-").replace("\u2013", "-")
    m = _NUMBER_RE.match(s)
    if not m:
        raise CellError("not_a_number", text)
    sign, digits, exp, unit = m.groups()
    x = float(digits.replace(",", "") + (f"e{exp}" if exp else ""))
    if unit == "%":
        if not allow_percent:
            raise CellError("not_a_number", text)
        x /= 100.0
    if not math.isfinite(x):
        raise CellError("not_a_number", text)
    return -x if sign == "-" else x


def parse_number(value: Any) -> float | None:
    """A non-negative quantity (hours, points): ``1,234`` ``１２.５`` ``12小时`` → float."""
    t = type(value)
    if t is int:
        x = float(value)
    elif t is float:
        if value != value:
            return None
        if not math.isfinite(value):
            raise CellError("not_a_number", value)
        x = value
    elif t is str:
        if not value.strip():
            return None
        x = _number_from_text(value, allow_percent=False)
    elif t is bool:
        raise CellError("not_a_number", value)
    elif is_blank(value):
        return None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):  # numpy scalars
        return parse_number(float(value))
    else:
        raise CellError("not_a_number", value)
    if x < 0:
        raise CellError("negative", value)
    return x + 0.0  # -0.0 → 0.0


def parse_int(value: Any) -> int | None:
    """A non-negative count: ``3``, ``3.0``, ``"３人"`` → 3; ``3.5`` → not_integer; ``98%`` → not_a_number."""
    t = type(value)
    if t is int:
        if value < 0:
            raise CellError("negative", value)
        return value
    if t is float and value >= 0 and value.is_integer():  # Excel stores every number as a float
        return int(value)
    x = parse_number(value)
    if x is None:
        return None
    if not x.is_integer():
        raise CellError("not_integer", value)
    return int(x)


def parse_rate(value: Any) -> float | None:
    """A share: ``98%`` → 0.98, ``0.98`` → 0.98, ``98`` → 0.98 (a bare number above 1 is a percentage)."""
    t = type(value)
    if t is str:
        if not value.strip():
            return None
        x = _number_from_text(value, allow_percent=True)
        if "%" not in value and "％" not in value and x > 1:
            x /= 100.0
    else:
        x = parse_number(value) if t is not bool else None
        if x is None:
            if t is bool:
                raise CellError("not_a_number", value)
            return None
        if x > 1:
            x /= 100.0
    if x < 0:
        raise CellError("negative", value)
    return x


# ---- months and dates -------------------------------------------------------------------------

_CN_MONTHS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}
_MONTH_RE = re.compile(r"^(\d{4})\s*(?:年|[-/._])\s*(\d{1,2})\s*(?:月份?)?$")
_MONTH_DATE_RE = re.compile(
    r"^(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?(?:\s*[T ]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_MONTH_ONLY_RE = re.compile(r"^(\d{1,2})\s*月份?$")
_YYYYMM_RE = re.compile(r"^(\d{4})(\d{2})$")
_YYYYMMDD_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CN_MONTH_RE = re.compile(r"^(\d{4})\s*年\s*(十[一二]?|[一二三四五六七八九])\s*月份?$")


def _ym(year: int, month: int, raw: Any) -> str:
    if not (_MIN_YEAR <= year <= _MAX_YEAR and 1 <= month <= 12):
        raise CellError("bad_month", raw)
    return f"{year:04d}-{month:02d}"


def _serial_to_date(n: float, code: str, raw: Any) -> date:
    if not (_SERIAL_MIN <= n <= _SERIAL_MAX):
        raise CellError(code, raw)
    return _EXCEL_EPOCH + timedelta(days=int(n))


def parse_month(value: Any, default_year: int | None = None) -> str | None:
    """Any way a month is written → ``"YYYY-MM"``.

    ``2024-03`` ``2024-3`` ``2024年3月`` ``2024年03月份`` ``2024.3`` ``2024/03`` ``202403``, a
    date (``2024-03-05``), a datetime, an Excel serial. ``3月`` alone needs ``default_year``.
    """
    t = type(value)
    if t is str:
        s = normalise_text(value)
        if not s:
            return None
        m = _MONTH_RE.match(s)
        if m:
            return _ym(int(m.group(1)), int(m.group(2)), value)
        m = _YYYYMM_RE.match(s)
        if m:
            return _ym(int(m.group(1)), int(m.group(2)), value)
        m = _MONTH_DATE_RE.match(s)
        if m:
            d = _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), "bad_month", value)
            return f"{d.year:04d}-{d.month:02d}"
        m = _YYYYMMDD_RE.match(s)
        if m:
            d = _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), "bad_month", value)
            return f"{d.year:04d}-{d.month:02d}"
        m = _CN_MONTH_RE.match(s)
        if m:
            return _ym(int(m.group(1)), _CN_MONTHS[m.group(2)], value)
        m = _MONTH_ONLY_RE.match(s)
        if m and default_year is not None:
            return _ym(default_year, int(m.group(1)), value)
        raise CellError("bad_month", value)
    if isinstance(value, datetime):
        if is_blank(value):
            return None
        return _ym(value.year, value.month, value)
    if isinstance(value, date):
        return _ym(value.year, value.month, value)
    if t is bool:
        raise CellError("bad_month", value)
    if t is int or t is float or isinstance(value, (int, float)):
        if is_blank(value):
            return None
        x = float(value)
        if not math.isfinite(x):
            raise CellError("bad_month", value)
        if x.is_integer():
            n = int(x)
            if 190001 <= n <= 210012:
                return _ym(n // 100, n % 100, value)
            if 1 <= n <= 12 and default_year is not None:
                return _ym(default_year, n, value)
            d = _serial_to_date(n, "bad_month", value)
            return f"{d.year:04d}-{d.month:02d}"
        if _MIN_YEAR <= x < _MAX_YEAR + 1:
            # 2024.3 typed in a General cell: read it as the user sees it (2024.1 is January).
            return parse_month(repr(x), default_year)
        d = _serial_to_date(x, "bad_month", value)
        return f"{d.year:04d}-{d.month:02d}"
    if is_blank(value):
        return None
    raise CellError("bad_month", value)


def _make_date(year: int, month: int, day: int, code: str, raw: Any) -> date:
    if not (_MIN_YEAR <= year <= _MAX_YEAR):
        raise CellError(code, raw)
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(code, raw) from None


def parse_date(value: Any) -> date | None:
    """``2024-03-05`` ``2024/3/5`` ``2024年3月5日`` ``2024.3.5`` ``20240305``, datetimes and Excel
    serials → ``datetime.date``."""
    t = type(value)
    if t is str:
        s = normalise_text(value)
        if not s:
            return None
        m = _MONTH_DATE_RE.match(s)
        if m:
            return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), "bad_date", value)
        m = _YYYYMMDD_RE.match(s)
        if m:
            return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), "bad_date", value)
        raise CellError("bad_date", value)
    if isinstance(value, datetime):
        if is_blank(value):
            return None
        return _make_date(value.year, value.month, value.day, "bad_date", value)
    if isinstance(value, date):
        return _make_date(value.year, value.month, value.day, "bad_date", value)
    if t is bool:
        raise CellError("bad_date", value)
    if t is int or t is float or isinstance(value, (int, float)):
        if is_blank(value):
            return None
        x = float(value)
        if not math.isfinite(x):
            raise CellError("bad_date", value)
        if x.is_integer() and 19000101 <= x <= 21001231:
            n = int(x)
            return _make_date(n // 10000, n // 100 % 100, n % 100, "bad_date", value)
        return _serial_to_date(x, "bad_date", value)
    if is_blank(value):
        return None
    raise CellError("bad_date", value)


# ---- 是/否 ------------------------------------------------------------------------------------

_TRUE = {"是", "y", "yes", "√", "✓", "✔", "1", "true", "t", "对", "有"}
_FALSE = {"否", "n", "no", "×", "✗", "✘", "x", "0", "false", "f", "不是", "无"}


def parse_bool(value: Any) -> bool | None:
    """是/否, Y/N, yes/no, √/×, 1/0, true/false → bool."""
    t = type(value)
    if t is bool:
        return value
    if t is int or t is float:
        if value != value:
            return None
        if value == 1:
            return True
        if value == 0:
            return False
        raise CellError("bad_bool", value)
    if t is str:
        s = normalise_text(value).lower()
        if not s:
            return None
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        if s.endswith(".0") and s[:-2] in ("0", "1"):
            return s[0] == "1"
        raise CellError("bad_bool", value)
    if is_blank(value):
        return None
    raise CellError("bad_bool", value)


# ---- certificate levels -----------------------------------------------------------------------

_LEVELS_LONGEST_FIRST = sorted((lv for lv in LEVELS if lv != "其他"), key=len, reverse=True)
_GRADE_RE = re.compile(r"([一二三四五12345])级")
_ARABIC_GRADE = {"1": "一", "2": "二", "3": "三", "4": "四", "5": "五"}
_LEVEL_SPLIT_RE = re.compile(r"[()\[\]【】/\\|,;、]+")


def _known_level(part: str) -> str | None:
    if part in LEVELS:
        return part
    if part in LEVEL_ALIASES:
        return LEVEL_ALIASES[part]
    return None


def classify_level(value: Any) -> tuple[str | None, str | None]:
    """(canonical level, warning code): ``高级技师(一级)`` → 高级技师; ``初级（五级）`` → 初级;
    ``技师/二级`` → 技师; ``国家职业资格三级`` → 高级; anything else non-empty → (其他, unknown_level)."""
    if is_blank(value):
        return None, None
    if type(value) is not str:
        value = display_value(value)
    s = normalise_text(value).replace(" ", "")
    if not s:
        return None, None
    known = _known_level(s)
    if known:
        return known, None
    # The part before a bracket or slash is what the reporter meant; the rest repeats it.
    for part in _LEVEL_SPLIT_RE.split(s):
        known = _known_level(part)
        if known:
            return known, None
    # 高级技师 contains both 高级 and 技师: try the longest names first.
    for lv in _LEVELS_LONGEST_FIRST:
        if lv in s:
            return lv, None
    m = _GRADE_RE.search(s)
    if m:
        grade = _ARABIC_GRADE.get(m.group(1), m.group(1)) + "级"
        return LEVEL_ALIASES[grade], None
    for alias, lv in LEVEL_ALIASES.items():
        if alias in s:
            return lv, None
    return "其他", "unknown_level"


def parse_level(value: Any) -> str | None:
    """The canonical level (``schema.LEVELS``); an unrecognised one is 其他."""
    return classify_level(value)[0]


# ---- text -------------------------------------------------------------------------------------


def parse_text(value: Any) -> str | None:
    """Trimmed, NFKC-normalised text; a number Excel stored as float (1001.0) → ``"1001"``."""
    t = type(value)
    if t is str:
        s = normalise_text(value)
        return s or None
    if t is int:
        return str(value)
    if t is float:
        if value != value:
            return None
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return display_value(value)
    if isinstance(value, date):
        return value.isoformat()
    return normalise_text(str(value)) or None


# A space next to a Chinese character or a bracket is a typing slip (机修 (二) 班), one between two
# Latin words is part of the name (Plant A).
_UNIT_SPACE_RE = re.compile(r"(?<=[\u0080-\U0010ffff()\[\]]) | (?=[\u0080-\U0010ffff()\[\]])")


@functools.lru_cache(maxsize=8192)  # a ledger of 100,000 rows names a few dozen units
def unit_name(text: str) -> str:
    """A unit's name as stored and compared everywhere (the reader, the scope of a reporter, the
    accounts): NFKC (full-width brackets and digits → half-width, ``机修（二）班`` → ``机修(二)班``),
    trimmed, and no space next to a Chinese character or a bracket."""
    s = normalise_text(text)
    return _UNIT_SPACE_RE.sub("", s) if " " in s else s


def parse_unit(value: Any) -> str | None:
    """A 单位 cell: ``parse_text`` then ``unit_name``."""
    s = parse_text(value)
    return unit_name(s) if s else None


# ---- headers and free text --------------------------------------------------------------------

_BRACKETS_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|<[^<>]*>|《[^《》]*》")


def normalise_header(text: Any) -> str:
    """A header reduced to what identifies it: ``职工总数（人）`` → 职工总数, ``* 单位：`` → 单位,
    ``学时\\n(小时)`` → 学时. Latin letters are lower-cased so aliases like ``summary`` match."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _WS_RE.sub("", s)
    prev = None
    while prev != s:
        prev = s
        s = _BRACKETS_RE.sub("", s)
    s = s.replace("*", "").replace("※", "")
    s = s.rstrip(":：")
    return s.lower()


_TEXT_MONTH_RES = (
    re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月"),
    re.compile(r"(?<!\d)(\d{4})\s*年\s*(十[一二]?|[一二三四五六七八九])\s*月"),
    re.compile(r"(?<!\d)(\d{4})[-_./](\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})(\d{2})(?!\d)"),
)


def month_from_text(text: Any) -> str | None:
    """The first year+month in free text: a title ``…2024年3月“创争”活动月报表``, a file name
    ``塑件化工厂_2024年4月_月报汇总表.xlsx``, ``report_2024-04.xlsx``, ``202404月报.csv``."""
    if text is None or type(text) is not str:
        if isinstance(text, (datetime, date)):
            return f"{text.year:04d}-{text.month:02d}"
        return None
    s = unicodedata.normalize("NFKC", text)
    for pattern in _TEXT_MONTH_RES:
        for m in pattern.finditer(s):
            year = int(m.group(1))
            mo = m.group(2)
            month = _CN_MONTHS[mo] if mo in _CN_MONTHS else int(mo)
            if _MIN_YEAR <= year <= _MAX_YEAR and 1 <= month <= 12:
                return f"{year:04d}-{month:02d}"
    return None


def field_parser(ftype: str, default_year: int | None) -> Callable[[Any], Any]:
    """The parser of a schema field type (``schema.Field.type``), shared by the file reader and
    the external source so both accept and refuse exactly the same values."""
    if ftype == "text":
        return parse_text
    if ftype == "unit":
        return parse_unit
    if ftype == "int":
        return parse_int
    if ftype == "number":
        return parse_number
    if ftype == "month":
        return lambda v: parse_month(v, default_year)
    if ftype == "date":
        return parse_date
    if ftype == "bool":
        return parse_bool
    return classify_level  # "level": returns (level, warning code)
