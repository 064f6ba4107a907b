"""The optional 月报 columns 培训经费 and 工资总额 (考核评比's funds ratio, DESIGN §3/§4b): headers as
offices write them, amounts in 万元/千元 converted to 元, a report without the columns keeping what
is stored, the template, an external database, and a store made before revision 0007."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from dashboard.config import load_settings
from dashboard.i18n import format_problem
from dashboard.template import build_template
from data_sources import store as db
from data_sources.external import read_external
from data_sources.reading import read_file
from data_sources.store import Store
from tests import builders as b
from tests.test_external import BASE_CONFIG

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings()
HEAD = ["单位", "职工人数", "参学人数", "培训场次", "培训人次", "培训学时", "取证人数"]
FIGURES = ["一车间", 10, 8, 1, 8, 20, 0]


def _xlsx(rows: list[list[Any]], sheet: str = "月报") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _funds(data: bytes, name: str = "2024年3月月报.xlsx") -> tuple[Any, Any]:
    parsed = read_file(io.BytesIO(data), name, SETTINGS)
    assert parsed.errors == [], [format_problem(p) for p in parsed.errors]
    (row,) = parsed.sheets[0].rows
    return row.get("training_funds"), row.get("payroll")


TITLE = ["XX公司2024年3月创争活动月报表"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # in 元, as the template writes them
        ([TITLE, [*HEAD, "培训经费（元）", "工资总额（元）"], [*FIGURES, 1200, 100000]], (1200, 100000)),
        # the names offices use; 工资总额 in 万元
        ([TITLE, [*HEAD, "职工教育经费", "工资总额（万元）"], [*FIGURES, 1200, 10.5]], (1200, 105000)),
        ([TITLE, [*HEAD, "教育经费（万元）", "工资总额(万元)"], [*FIGURES, 0.12, 10.5]], (1200, 105000)),
        ([TITLE, [*HEAD, "培训费用（千元）", "应发工资总额"], [*FIGURES, 1.2, 105000]], (1200, 105000)),
        ([TITLE, [*HEAD, "职工教育培训经费", "工资薪金总额"], [*FIGURES, "1,200", "１０５０００"]], (1200, 105000)),
        # a 金额单位：万元 line above the table applies to both columns
        (
            [
                TITLE,
                ["填报单位：工会办公室", None, "金额单位：万元"],
                [*HEAD, "培训经费", "工资总额"],
                [*FIGURES, 0.12, 10.5],
            ],
            (1200, 105000),
        ),
        # ... unless a column says otherwise
        ([TITLE, ["金额单位：万元"], [*HEAD, "培训经费（元）", "工资总额"], [*FIGURES, 1200, 10.5]], (1200, 105000)),
        # a line of units under the header
        (
            [
                TITLE,
                [*HEAD, "培训经费", "工资总额"],
                ["", "（人）", "（人）", "（次）", "（人次）", "（小时）", "（人）", "（万元）", "（万元）"],
                [*FIGURES, 0.12, 10.5],
            ],
            (1200, 105000),
        ),
        # a two-level header: 经费情况（万元） over 培训经费 | 工资总额
        (
            [TITLE, [*HEAD, "经费情况（万元）", None], [None] * 7 + ["培训经费", "工资总额"], [*FIGURES, 0.12, 10.5]],
            (1200, 105000),
        ),
        # a blank cell is "not reported"
        ([TITLE, [*HEAD, "培训经费", "工资总额（万元）"], [*FIGURES, 1200, None]], (1200, None)),
        # float noise of the conversion is gone: 1.23 万元 is 12,300 元
        ([TITLE, [*HEAD, "培训经费（万元）", "工资总额（万元）"], [*FIGURES, 1.23, 98.76]], (12300, 987600)),
    ],
    ids=[
        "yuan",
        "wan-payroll",
        "wan-both",
        "qian-funds",
        "text-and-full-width",
        "table-unit-line",
        "column-beats-table",
        "units-row",
        "two-level",
        "blank",
        "no-float-noise",
    ],
)
def test_money_headers_as_offices_write_them(rows: list[list[Any]], expected: tuple[Any, Any]) -> None:
    assert _funds(_xlsx(rows)) == expected


def test_a_gbk_csv_in_wan() -> None:
    text = "单位,职工人数,参学人数,培训场次,培训人次,培训学时,取证人数,教育经费,工资总额（万元）\n一车间,10,8,1,8,20,0,800,8.25\n"
    assert _funds(text.encode("gb18030"), "2024年3月.csv") == (800, 82500)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "2024年3月月报.xlsx · 工作表「月报」第3行 · I 列「工资总额（万元）」值「-1」：不能为负数"),
        ("约十万", "2024年3月月报.xlsx · 工作表「月报」第3行 · I 列「工资总额（万元）」值「约十万」：不是数字"),
    ],
)
def test_a_bad_amount_names_the_column_as_written(value: Any, message: str) -> None:
    data = _xlsx([TITLE, [*HEAD, "培训经费", "工资总额（万元）"], [*FIGURES, 100, value]])
    parsed = read_file(io.BytesIO(data), "2024年3月月报.xlsx", SETTINGS)
    assert [format_problem(p) for p in parsed.errors] == [message]


def test_the_template_has_both_columns_in_yuan() -> None:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(build_template(SETTINGS)))
    headers = [c.value for c in wb["月报"][1]]
    assert headers[-2:] == ["培训经费（元）", "工资总额（元）"]
    assert "单位为元" in wb["月报"].cell(row=1, column=len(headers)).comment.text


# ---- the store -------------------------------------------------------------------------------


def _summary(month: str, participants: int, **funds: Any) -> dict[str, Any]:
    return {**b.summary("一车间", month, 10, participants, 20), **funds}


def _stored(store: Store) -> dict[str, tuple[Any, ...]]:
    sr = db.summary_rows
    with store.engine.connect() as conn:
        q = sa.select(sr.c.month, sr.c.participants, sr.c.training_funds, sr.c.payroll)
        return {r[0]: tuple(r[1:]) for r in conn.execute(q)}


def test_a_report_without_the_columns_keeps_the_stored_funds(store: Store) -> None:
    """DESIGN §3: a missing optional column changes nothing; an empty cell in a present column is
    "not reported"; undo restores what a correction replaced."""
    store.commit(b.parsed("a.xlsx", summary=[_summary("2024-03", 8, training_funds=1200.0, payroll=100000.0)]), "t")
    corrected = store.commit(b.parsed("b.xlsx", summary=[_summary("2024-03", 9)]), "t")
    assert corrected.replaced == 1
    assert _stored(store) == {"2024-03": (9, 1200.0, 100000.0)}
    # the same figures again, still without the columns: nothing to change
    assert store.commit(b.parsed("c.xlsx", summary=[_summary("2024-03", 9)]), "t").batch_id is None
    cleared = store.commit(b.parsed("d.xlsx", summary=[_summary("2024-03", 9, training_funds=None, payroll=None)]), "t")
    assert _stored(store) == {"2024-03": (9, None, None)}
    store.undo(cleared.batch_id, "t")
    store.undo(corrected.batch_id, "t")
    assert _stored(store) == {"2024-03": (8, 1200.0, 100000.0)}
    # a new month without the columns: not reported
    store.commit(b.parsed("e.xlsx", summary=[_summary("2024-04", 7)]), "t")
    assert _stored(store)["2024-04"] == (7, None, None)


def test_an_external_database_maps_both_columns(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'hr.db'}"
    engine = sa.create_engine(source)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE stats (org TEXT, ym TEXT, hc INT, pax INT, cls INT, pt INT, hrs REAL, certs INT,"
            " edu_fund REAL, wage_total REAL)"
        )
        conn.exec_driver_sql("INSERT INTO stats VALUES ('质检科', '2024-03', 5, 4, 2, 8, 10, 1, 1500.5, 60000)")
    engine.dispose()
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        BASE_CONFIG
        + f'''
[external]
url = "{source}"

[external.summary]
table = "stats"
columns = {{ unit = "org", month = "ym", headcount = "hc", participants = "pax", sessions = "cls", person_times = "pt", hours = "hrs", certificates = "certs", training_funds = "edu_fund", payroll = "wage_total" }}
''',
        encoding="utf-8",
    )
    settings = load_settings(cfg)
    assert settings.external is not None
    parsed = read_external(settings.external, settings)
    assert parsed.errors == []
    (row,) = parsed.sheets[0].rows
    assert (row["training_funds"], row["payroll"]) == (1500.5, 60000)
