"""The one number formatter (issue 10): the same rounding on every view and in every download,
rates as 98.0%, large figures as a Chinese office writes them (239.9万, 1.2亿; 2.40 M in English),
and a change that rounds to zero shown as no change.

The rounding is checked against an oracle written here with exact fractions: half away from zero
on the number as written (its shortest repr), which is what Excel shows for the number formats the
downloads use — so a figure reads the same on the screen and in the workbook.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard import formatting as f
from dashboard.i18n import fmt_int, fmt_num, fmt_pct


def oracle(x: float, digits: int) -> str:
    """``x`` to ``digits`` decimals, half away from zero, thousands separated — by integer maths."""
    exact = Fraction(repr(float(x)))
    scaled = abs(exact) * 10**digits
    whole = math.floor(scaled + Fraction(1, 2))
    sign = "-" if exact < 0 and whole != 0 else ""
    units, frac = divmod(whole, 10**digits)
    text = f"{units:,}"
    return sign + (f"{text}.{frac:0{digits}d}" if digits else text)


finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
# numbers as people write them: a few decimals, where half-way cases are common (2,743.45)
written = st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False).map(float)


@given(st.one_of(finite, written), st.integers(min_value=0, max_value=3))
def test_every_figure_rounds_half_away_from_zero_like_excel(x: float, digits: int) -> None:
    assert fmt_num(x, digits) == oracle(x, digits)


rates = st.decimals(min_value=0, max_value=1, places=5).map(float)


@given(st.one_of(finite, written), rates)
def test_counts_and_rates_use_the_same_rounding(x: float, rate: float) -> None:
    assert fmt_int(x) == oracle(x, 0)
    assert fmt_pct(rate) == oracle(rate * 100, 1) + "%"


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        (2743.45, 1, "2,743.5"),  # Python's f-string said 2,743.4 (the binary value is ...4499)
        (0.125, 2, "0.13"),  # f-string: 0.12 (round half to even)
        (2.5, 0, "3"),  # round(): 2
        (-0.04, 1, "0.0"),  # never "-0.0"
    ],
)
def test_half_way_cases_that_python_rounds_differently(value: float, digits: int, shown: str) -> None:
    assert fmt_num(value, digits) == shown == oracle(value, digits)


def test_missing_figures_are_a_dash() -> None:
    for missing in (None, float("nan"), float("inf")):
        assert f.fmt_figure(missing, f.COUNT) == "—"
        assert fmt_num(missing) == fmt_pct(missing) == fmt_int(missing) == "—"


@pytest.mark.parametrize("kind", [f.COUNT, f.DECIMAL, f.RATE])
def test_each_kind_has_the_excel_format_of_its_screen_rounding(kind: f.Kind) -> None:
    decimals = re.search(r"\.(0+)", kind.excel)
    assert (len(decimals.group(1)) if decimals else 0) == kind.digits
    assert kind.excel.endswith("%") == kind.percent
    assert f.fmt_figure(0.98, f.RATE) == "98.0%" and f.fmt_figure(1 / 3, f.RATE) == "33.3%"


# ---- large figures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "zh", "en"),
    [
        (2_399_123, f.COUNT, "239.9万", "2.40 M"),
        (2_399_123.4, f.DECIMAL, "239.9万", "2.40 M"),
        (123_456_789, f.COUNT, "1.2亿", "123.46 M"),
        (99_999_999, f.COUNT, "1.0亿", "100.00 M"),  # 9999.99…万 rounds up into 亿
        (1_200_000_000, f.COUNT, "12.0亿", "1.20 B"),
        (100_000, f.COUNT, "10.0万", "100,000"),
        (99_999.4, f.COUNT, "99,999", "99,999"),  # below 10万: exact
        (51_234.56, f.DECIMAL, "51,234.6", "51,234.6"),
        (-2_399_123, f.COUNT, "-239.9万", "-2.40 M"),
    ],
)
def test_large_figures_as_a_chinese_office_writes_them(value: float, kind: f.Kind, zh: str, en: str) -> None:
    assert f.fmt_figure(value, kind, "zh", compact=True) == zh
    assert f.fmt_figure(value, kind, "en", compact=True) == en
    assert f.fmt_figure(value, kind) == oracle(value, kind.digits)  # exact unless asked


def test_the_axis_expression_writes_ticks_in_wan_and_yi() -> None:
    zh, en = f.vega_axis_label(f.COUNT, "zh"), f.vega_axis_label(f.COUNT, "en")
    assert "1e4" in zh and "'万'" in zh and "'亿'" in zh and "1e5" in zh
    assert "' M'" in en and "1e6" in en


# ---- changes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "before", "kind", "text", "sign"),
    [
        (0.98, 0.98, f.RATE, "持平", 0),
        (0.9804, 0.98, f.RATE, "持平", 0),  # +0.04 个百分点 shows as 0.0
        (0.9806, 0.98, f.RATE, "+0.1 个百分点", 1),
        (0.95, 0.98, f.RATE, "-3.0 个百分点", -1),
        (2743.44, 2743.4, f.DECIMAL, "持平", 0),
        (2743.45, 2743.4, f.DECIMAL, "+0.1", 1),
        (175, 180, f.COUNT, "-5", -1),
        (100.4, 100, f.COUNT, "持平", 0),
        (2_400_000, 100_000, f.DECIMAL, "+2,300,000.0", 1),
    ],
)
def test_a_change_that_rounds_to_zero_is_no_change(now, before, kind, text, sign) -> None:
    d = f.delta(now, before, kind)
    assert d is not None
    assert (d.text, d.sign) == (text, sign)
    assert d.is_change == (sign != 0) == f.is_change(now, before, kind)
    # what st.metric needs: neutral grey and no arrow when nothing changed
    assert (d.color, d.arrow) == (("normal", "auto") if sign else ("off", "off"))


def test_changes_in_english_and_compact() -> None:
    assert f.delta(0.99, 0.98, f.RATE, "en").text == "+1.0 pp"
    assert f.delta(1, 1, f.COUNT, "en").text == "no change"
    assert f.delta(2_400_000, 100_000, f.DECIMAL, "zh", compact=True).text == "+230.0万"
    assert f.delta(None, 1, f.COUNT) is None and f.delta(1, float("nan"), f.COUNT) is None


@pytest.mark.parametrize(
    ("kind", "lang", "excel"),
    [
        (f.RATE, "zh", '+#,##0.0" 个百分点";-#,##0.0" 个百分点";"持平"'),
        (f.RATE, "en", '+#,##0.0" pp";-#,##0.0" pp";"no change"'),
        (f.DECIMAL, "zh", '+#,##0.0;-#,##0.0;"持平"'),
        (f.COUNT, "en", '+#,##0;-#,##0;"no change"'),
    ],
)
def test_a_change_in_a_download_is_a_number_that_reads_as_on_screen(kind, lang, excel) -> None:
    """The briefing's 环比 / 同比 cells: ``Delta.amount`` (the change as shown, in points for a rate)
    in ``delta_excel``, whose sections write +x / -x / 持平 as ``delta`` does."""
    assert f.delta_excel(kind, lang) == excel
    for now, before in ((0.9806, 0.98), (0.95, 0.98), (0.9804, 0.98), (2743.45, 2743.4), (175, 180)):
        d = f.delta(now, before, kind, lang)
        assert d is not None
        scale = 100 if kind.percent else 1
        assert d.amount == float(f.rounded(now * scale, kind.digits) - f.rounded(before * scale, kind.digits))
        assert (d.amount > 0) - (d.amount < 0) == d.sign
        if d.sign:
            assert d.text.replace(",", "").startswith(f"{d.amount:+.{kind.digits}f}")
