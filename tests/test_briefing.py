"""Excel exports: any table as .xlsx, the meeting briefing with KPI status, and the guard that keeps
formula-looking text from uploaded data from running as a formula in Excel."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboard.briefing import (
    FLOAT_FORMAT,
    INT_FORMAT,
    PCT_FORMAT,
    STATUS_FILLS,
    STATUS_LABELS,
    build_briefing,
    due_share,
    kpi_status,
    kpis,
    laggards,
    safe_cell,
    table_to_xlsx,
)
from dashboard.config import load_settings
from dashboard.metrics import Summary

SETTINGS = load_settings()
T = SETTINGS.targets
INJECTIONS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tcmd", "\r=1"]
# a control character XML cannot hold, in front of a formula: dropped, and the rest still guarded
HIDDEN = "\x01=1+1"
SHEETS_ZH = ["关键指标", "单位排名", "落后单位", "学习标兵", "报送情况"]


def _ranking(units: list[str] | None = None) -> pd.DataFrame:
    """A unit_table-shaped frame: one unit on target, one in the amber band, one far below and
    behind schedule."""
    units = units or ["塑编车间", "质检科", "机修车间"]
    headcount = [120, 80, 100]
    on_target = -(-T.participation_rate * headcount[0] // 1)  # smallest count reaching the target
    participants = [int(on_target), int(headcount[1] * T.participation_rate * (1 + T.amber_ratio) / 2), 50]
    return pd.DataFrame(
        {
            "unit": units,
            "department": ["生产系统", "机关", "生产系统"],
            "unit_type": ["车间", "科室", "车间"],
            "is_pilot": [True, False, False],
            "headcount": headcount,
            "participants": participants,
            "participation_rate": [p / h for p, h in zip(participants, headcount, strict=True)],
            "training_hours": [1200.5, 640.0, 300.0],
            "hours_per_capita": [1200.5 / 120, 8.0, 3.0],
            "certificates": [3, 1, 0],
            "behind": [False, False, True],
            "phase_progress": [1 / 3, 1 / 3, 1 / 9],
        }
    )


def _summary(ranking: pd.DataFrame, month_from: str = "2024-01", month_to: str = "2024-03", **kw) -> Summary:
    headcount = int(ranking["headcount"].sum())
    participants = int(ranking["participants"].sum())
    hours = float(ranking["training_hours"].sum())
    fields = {
        "month_from": month_from,
        "month_to": month_to,
        "units": len(ranking),
        "headcount": headcount,
        "participants": participants,
        "participation_rate": participants / headcount,
        "training_hours": hours,
        "hours_per_capita": hours / headcount,
        "certificates": int(ranking["certificates"].sum()),
        "certificates_by_level": {"中级": 3, "未分级": 1},
        "launch_rate": 1.0,
        "phase_progress": float(ranking["phase_progress"].mean()),
        "units_behind": int(ranking["behind"].sum()),
        "top_learners": [],
        "behind_units": list(ranking.loc[ranking["behind"], "unit"]),
        "current_phase": SETTINGS.phases[0].name,
    }
    fields.update(kw)
    return Summary(**fields)


def _top(names: list[str] | None = None) -> pd.DataFrame:
    names = names or ["张伟", "李娜"]
    return pd.DataFrame(
        {
            "rank": list(range(1, len(names) + 1)),
            "employee_id": [f"SB{i:04d}" for i in range(len(names))],
            "name": names,
            "unit": ["塑编车间"] * len(names),
            "department": ["生产系统"] * len(names),
            "points": [30.5 - i for i in range(len(names))],
            "hours": [12.0 - i for i in range(len(names))],
            "months": [3] * len(names),
        }
    )


def _submissions(units: list[str], months: list[str], missing: set[tuple[str, str]]) -> pd.DataFrame:
    rows = []
    for u in units:
        for m in months:
            gone = (u, m) in missing
            rows.append(
                {
                    "unit": u,
                    "department": "生产系统",
                    "month": m,
                    "status": "missing" if gone else "reported",
                    "source": "" if gone else "summary",
                    "last_updated": pd.NaT if gone else pd.Timestamp(f"{m}-28 10:30"),
                }
            )
    return pd.DataFrame(rows)


def _milestones(unit: str, overdue: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": [unit] * len(overdue),
            "department": ["生产系统"] * len(overdue),
            "phase": [SETTINGS.phases[0].name] * len(overdue),
            "milestone": overdue,
            "due": [date(SETTINGS.year, 2, 28)] * len(overdue),
            "done_date": [None] * len(overdue),
            "status": ["overdue"] * len(overdue),
        }
    )


def _load(data: bytes):
    return load_workbook(io.BytesIO(data))


def _all_cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield ws, cell


def _texts(wb) -> set[str]:
    return {cell.value for _, cell in _all_cells(wb) if isinstance(cell.value, str)}


def _stored(text: str) -> str:
    """What the file keeps of a text: XML cannot hold control characters (the writer drops them,
    then guards what is left), and openpyxl's own XML writer turns a carriage return into a line
    feed while its lxml writer (when lxml is installed, as python-docx needs it) keeps it as &#13;."""
    text = safe_cell(text.replace("\x01", ""))
    return text if openpyxl.LXML else text.replace("\r", "\n")


# ---- safe_cell ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", INJECTIONS)
def test_safe_cell_guards_formula_prefixes(text: str) -> None:
    out = safe_cell(text)
    assert out != text
    assert out.endswith(text)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("value", ["塑编车间", "A=1", "张-伟", 42, -3, 2.5, None, date(2024, 3, 1)])
def test_safe_cell_leaves_ordinary_values(value) -> None:
    assert safe_cell(value) == value


# ---- table_to_xlsx --------------------------------------------------------------------------


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "单位": ["塑编车间", "质检科", "机修车间"],
            "职工人数": [1200, 80, 15000],
            "培训学时": [712.5, 88.25, 1.0],
            "参学率": [0.983, 0.5, 1.0],
            "launch_rate": [1.0, 0.0, 0.25],
            "更新日期": [date(2024, 3, 1), date(2024, 3, 2), None],
        }
    )


@pytest.mark.parametrize("title", [None, "单位排名（2024年1—3月）"])
def test_table_to_xlsx_round_trips(title) -> None:
    df = _table()
    data = table_to_xlsx(df, "单位排名", title=title)
    back = pd.read_excel(io.BytesIO(data), sheet_name="单位排名", header=1 if title else 0, engine="calamine")
    assert list(back.columns) == list(df.columns)
    assert back["单位"].tolist() == df["单位"].tolist()
    for col in ("职工人数", "培训学时", "参学率", "launch_rate"):
        assert back[col].tolist() == pytest.approx(df[col].tolist()), col
    got_dates = [None if pd.isna(v) else pd.Timestamp(v).date() for v in back["更新日期"]]
    assert got_dates == df["更新日期"].tolist()
    if title:
        assert pd.read_excel(io.BytesIO(data), header=None, engine="calamine").iloc[0, 0] == title


def test_table_to_xlsx_formats_and_layout() -> None:
    df = _table()
    ws = _load(table_to_xlsx(df, "表", title="标题"))["表"]
    header = [c.value for c in ws[2]]
    assert header == list(df.columns)
    assert all(c.font.bold and c.fill.fill_type == "solid" for c in ws[2])
    assert ws.freeze_panes == "A3"
    fmt = {name: ws.cell(row=3, column=j).number_format for j, name in enumerate(header, start=1)}
    assert fmt["职工人数"] == INT_FORMAT
    assert fmt["培训学时"] == FLOAT_FORMAT
    assert fmt["参学率"] == PCT_FORMAT
    assert fmt["launch_rate"] == PCT_FORMAT
    assert fmt["更新日期"] == "yyyy-mm-dd"
    # the widest Chinese name fits its column
    assert ws.column_dimensions["A"].width >= 2 * max(len(u) for u in df["单位"])


def test_table_to_xlsx_bad_sheet_name_is_cleaned() -> None:
    wb = _load(table_to_xlsx(_table(), "单位/部门:排名?" + "长" * 40))
    (name,) = wb.sheetnames
    assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_table_to_xlsx_escapes_formula_text() -> None:
    payloads = [*INJECTIONS, HIDDEN]
    df = pd.DataFrame({"单位": payloads, "=header": range(len(payloads))})
    data = table_to_xlsx(df, "数据", title="=title")
    wb = _load(data)
    texts = _texts(wb)
    for payload in [*payloads, "=header", "=title"]:
        assert _stored(payload) in texts, payload
    for _, cell in _all_cells(wb):
        assert cell.data_type != "f", cell.coordinate
    # a reader that evaluates nothing sees the original characters after the guard
    back = pd.read_excel(io.BytesIO(data), header=1, engine="calamine")
    assert back.iloc[:, 0].tolist() == [_stored(p) for p in payloads]
    assert [v[1:] for v in back.iloc[:, 0]][: len(INJECTIONS)] == [_stored(p)[1:] for p in INJECTIONS]


# ---- KPI status -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "target", "amber_ratio", "expected"),
    [
        (0.98, 0.98, 0.9, "green"),
        (49 / 50, 0.98, 0.9, "green"),  # float rounding must not turn an exact hit amber
        (1.0, 0.98, 0.9, "green"),
        (0.9799, 0.98, 0.9, "amber"),
        (0.9 * 0.98, 0.98, 0.9, "amber"),
        (0.88, 0.98, 0.9, "red"),
        (0.0, 0.98, 0.9, "red"),
        (12.0, 12.0, 0.9, "green"),
        (11.0, 12.0, 0.9, "amber"),
        (10.0, 12.0, 0.9, "red"),
        (0.0, 0.0, 0.9, "green"),
        (None, 0.98, 0.9, "red"),
        (float("nan"), 0.98, 0.9, "red"),
        (0.5, 1.0, 0.5, "amber"),
    ],
)
def test_kpi_status(value, target, amber_ratio, expected) -> None:
    assert kpi_status(value, target, amber_ratio) == expected


def test_kpis_targets_and_statuses() -> None:
    ranking = _ranking()
    summary = _summary(ranking, month_from="2024-01", month_to="2024-03")
    items = {k["key"]: k for k in kpis(SETTINGS, summary)}
    assert list(items) == [
        "participation_rate",
        "launch_rate",
        "hours_per_capita",
        "certificates_per_100",
        "phase_progress",
    ]
    n_months = 3
    assert items["hours_per_capita"]["target"] == pytest.approx(T.hours_per_capita_month * n_months)
    assert items["participation_rate"]["target"] == T.participation_rate
    assert items["certificates_per_100"]["value"] == pytest.approx(summary.certificates / summary.headcount * 100)
    end = date(2024, 3, 31)
    due = sum(1 for m in SETTINGS.milestones if m.due <= end) / len(SETTINGS.milestones)
    assert due_share(SETTINGS, "2024-03") == pytest.approx(due)
    assert items["phase_progress"]["target"] == pytest.approx(T.phase_progress * due)
    for item in items.values():
        assert item["status"] == kpi_status(item["value"], item["target"], T.amber_ratio)
        assert item["value_text"] and item["target_text"] and item["label"]


def test_kpis_without_headcount_are_red_not_green() -> None:
    summary = _summary(_ranking(), units=0, headcount=0, participants=0, participation_rate=0.0)
    items = kpis(SETTINGS, summary)
    assert {i["key"]: i["value"] for i in items}["participation_rate"] is None
    assert all(i["status"] == "red" for i in items if i["value"] is None)


def test_kpis_use_department_override() -> None:
    dept = "机关"
    targets = T.__class__(**{**T.__dict__, "departments": {dept: {"participation_rate": 1.0}}})
    settings = SETTINGS.__class__(**{**SETTINGS.__dict__, "targets": targets})
    summary = _summary(_ranking())
    default = {i["key"]: i["target"] for i in kpis(settings, summary)}
    scoped = {i["key"]: i["target"] for i in kpis(settings, summary, department=dept)}
    assert scoped["participation_rate"] == 1.0
    assert default["participation_rate"] == T.participation_rate


# ---- the briefing ---------------------------------------------------------------------------


def test_briefing_sheets_kpis_and_statuses() -> None:
    ranking = _ranking()
    # phase progress in the amber band, so the briefing shows all three statuses
    amber_progress = T.phase_progress * due_share(SETTINGS, "2024-03") * (1 + T.amber_ratio) / 2
    summary = _summary(ranking, phase_progress=amber_progress)
    months = ["2024-01", "2024-02", "2024-03"]
    missing = {("机修车间", "2024-02"), ("机修车间", "2024-03")}
    subs = _submissions(list(ranking["unit"]), months, missing)
    late = _milestones("机修车间", [m.name for m in SETTINGS.milestones[1:3]])
    top = _top()
    data = build_briefing(
        SETTINGS, summary, ranking, late, top, subs, filters_text="部门：生产系统", generated_at=datetime(2024, 4, 2, 9)
    )
    wb = _load(data)
    assert wb.sheetnames == SHEETS_ZH

    ws = wb["关键指标"]
    rows = {r[0].value: r for r in ws.iter_rows() if r[0].value is not None}
    header_text = " ".join(str(c.value) for r in ws.iter_rows(max_row=6) for c in r if c.value)
    assert "部门：生产系统" in header_text and "2024年1月" in header_text and "2024年3月" in header_text
    expected = kpis(SETTINGS, summary)
    for item in expected:
        row = rows[item["label"]]
        value, target, _, status = (c.value for c in row[1:5])
        assert value == pytest.approx(item["value"])
        assert target == pytest.approx(item["target"])
        assert status == STATUS_LABELS[item["status"]]["zh"]
        assert row[4].fill.fgColor.rgb == STATUS_FILLS[item["status"]].fgColor.rgb
    # the figures were built to cover all three statuses
    assert {i["status"] for i in expected} == {"green", "amber", "red"}

    ws = wb["单位排名"]
    units = [r[1] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert sorted(units) == sorted(ranking["unit"])
    rates = [r[_col(ws, "参学率") - 1] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert rates == sorted(rates, reverse=True)

    ws = wb["落后单位"]
    listed = [r[0] for r in ws.iter_rows(min_row=3, values_only=True)]
    below = ranking["participation_rate"] < T.participation_rate
    want = set(ranking.loc[below | ranking["behind"], "unit"])
    assert set(listed) == want and len(listed) == len(want)
    text = " ".join(str(v) for r in ws.iter_rows(values_only=True) for v in r if v)
    for name in late["milestone"]:
        assert name in text

    ws = wb["学习标兵"]
    assert [r[2] for r in ws.iter_rows(min_row=3, values_only=True)] == top["name"].tolist()

    ws = wb["报送情况"]
    header = [c.value for c in ws[3]]
    body = list(ws.iter_rows(min_row=4, values_only=True))
    assert body[0][0] == "机修车间", "units with missing months come first"
    for unit, month in missing:
        row = next(r for r in body if r[0] == unit)
        assert row[header.index(f"{int(month[:4])}年{int(month[5:])}月")] == "缺报"
    n_missing = {r[0]: r[header.index("缺报月数")] for r in body}
    assert n_missing == {u: sum(1 for mu, _ in missing if mu == u) for u in ranking["unit"]}


def _col(ws, name: str) -> int:
    return next(c.column for c in ws[2] if c.value == name)


def test_laggards_from_unit_names_and_from_ranking_flag() -> None:
    ranking = _ranking()
    flagged = set(ranking.loc[ranking["behind"], "unit"])
    low = set(ranking.loc[ranking["participation_rate"] < T.participation_rate, "unit"])
    by_flag = laggards(SETTINGS, ranking, None)
    assert set(by_flag["unit"]) == flagged | low
    extra = ranking["unit"].iloc[0]
    by_names = laggards(SETTINGS, ranking, [extra])
    assert set(by_names["unit"]) == flagged | low | {extra}
    assert by_names["participation_rate"].tolist() == sorted(by_names["participation_rate"])


def test_briefing_escapes_formula_text_everywhere() -> None:
    units = INJECTIONS[:3]
    ranking = _ranking(units)
    summary = _summary(ranking, current_phase="@phase")
    subs = _submissions(units, ["2024-03"], {(units[0], "2024-03")})
    late = _milestones(units[2], ['=HYPERLINK("http://x")'])
    data = build_briefing(
        SETTINGS, summary, ranking, late, _top([*INJECTIONS[3:], HIDDEN]), subs, filters_text="=FILTER"
    )
    wb = _load(data)
    texts = _texts(wb)
    for payload in [*INJECTIONS, HIDDEN]:
        assert _stored(payload) in texts, payload
    for ws, cell in _all_cells(wb):
        assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (ws.title, cell.coordinate)
    assert any("=FILTER" in t for t in texts)


def test_briefing_with_no_data_still_has_five_sheets() -> None:
    empty = pd.DataFrame(columns=_ranking().columns)
    summary = Summary(
        month_from="2024-03",
        month_to="2024-03",
        units=0,
        headcount=0,
        participants=0,
        participation_rate=0.0,
        training_hours=0.0,
        hours_per_capita=0.0,
        certificates=0,
        certificates_by_level={},
        launch_rate=0.0,
        phase_progress=0.0,
        units_behind=0,
        top_learners=[],
    )
    wb = _load(build_briefing(SETTINGS, summary, empty, None, None, pd.DataFrame()))
    assert wb.sheetnames == SHEETS_ZH
    statuses = [r[4] for r in wb["关键指标"].iter_rows(values_only=True) if r[4] in ("红", "黄", "绿")]
    assert statuses == ["红"] * len(kpis(SETTINGS, summary))


def test_briefing_in_english() -> None:
    ranking = _ranking()
    wb = _load(build_briefing(SETTINGS, _summary(ranking), ranking, None, _top(), None, lang="en"))
    assert wb.sheetnames == ["KPIs", "Ranking", "Laggards", "Top learners", "Submissions"]
    labels = {r[0] for r in wb["KPIs"].iter_rows(values_only=True)}
    assert {i["label"] for i in kpis(SETTINGS, _summary(ranking), lang="en")} <= labels


def test_table_to_xlsx_writes_aware_times_as_local_time() -> None:
    stamp = pd.Timestamp("2024-03-31 18:30", tz="UTC")
    df = pd.DataFrame({"单位": ["塑编车间"], "最近更新": [stamp]})
    cell = _load(table_to_xlsx(df))["数据"]["B2"]
    assert cell.value == stamp.to_pydatetime().astimezone().replace(tzinfo=None)
    assert cell.number_format == "yyyy-mm-dd hh:mm"


def test_briefing_from_real_metrics_on_the_demo(tmp_path) -> None:
    """The frames metrics really returns (dtypes, column names) go through the briefing."""
    from dashboard import metrics
    from dashboard.demo import TEST_TODAY, load_demo
    from data_sources.store import Store

    store = Store.open(f"sqlite:///{tmp_path / 'demo.db'}")
    load_demo(store, SETTINGS, today=TEST_TODAY)
    sel = metrics.resolve_period(store, metrics.Selection())
    sel = sel.with_period(sel.month_from, metrics.add_months(sel.month_from, 5))
    today = metrics.month_end(sel.month_to)
    summary = metrics.summary(store, SETTINGS, sel, today=today)
    ranking = metrics.unit_table(store, SETTINGS, sel)
    late = metrics.milestone_matrix(store, SETTINGS, sel)
    top = metrics.top_learners(store, SETTINGS, sel)
    subs = metrics.submission_matrix(store, SETTINGS, sel, today=today)
    wb = _load(build_briefing(SETTINGS, summary, ranking, late, top, subs, data_as_of=store.data_as_of()))
    assert wb.sheetnames == SHEETS_ZH
    statuses = {r[0]: r[4] for r in wb["关键指标"].iter_rows(values_only=True)}
    for item in kpis(SETTINGS, summary):
        assert statuses[item["label"]] == STATUS_LABELS[item["status"]]["zh"]
    assert wb["单位排名"].max_row - 2 == len(ranking)
    below = ranking["participation_rate"] < T.participation_rate
    want = set(ranking.loc[below | ranking["behind"], "unit"]) | set(late.loc[late["status"] == "overdue", "unit"])
    assert want, "the demo organisation is built with laggards"
    listed = {r[0] for r in wb["落后单位"].iter_rows(min_row=3, values_only=True)}
    assert listed == want
    assert wb["学习标兵"].max_row - 2 == len(top)
    assert wb["报送情况"].max_row - 3 == subs["unit"].nunique()


# ---- issue 10: one number format per kind of figure, English names --------------------------------

RULES = {"rate": "0.0%", "count": "#,##0", "decimal": "#,##0.0"}  # percentages, counts, hours


def _figures() -> pd.DataFrame:
    """Figures as the metrics return them: counts may arrive as floats, rates as fractions."""
    return pd.DataFrame(
        {
            "unit": ["塑编车间", "质检科"],
            "headcount": [130.0, 30.0],
            "participants": [130.0, 10.0],
            "participation_rate": [0.98, 1 / 3],
            "training_hours": [2743.45, 271.0],
            "hours_per_capita": [21.1, 9.03],
            "certificates": [3.0, 0.0],
            "phase_progress": [0.98, 1 / 3],
            "milestones_done": [9.0, 3.0],
        }
    )


KINDS = {
    "headcount": "count",
    "participants": "count",
    "participation_rate": "rate",
    "training_hours": "decimal",
    "hours_per_capita": "decimal",
    "certificates": "count",
    "phase_progress": "rate",
    "milestones_done": "count",
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("labels", ["pages", "briefing", "keys"])
def test_every_download_formats_figures_by_what_they_are(lang: str, labels: str) -> None:
    """0.98 must not read "1.0" nor 1/3 "0.3" (阶段进度 is a fraction but its name has no 率), a
    headcount of 130.0 must not read "130.0"; whatever the headers: the pages' labels (ui.table
    downloads), the briefing's, or the internal names."""
    from dashboard.briefing import COLUMN_LABELS
    from dashboard.i18n import ui_text

    df = _figures()
    names = {
        "pages": lambda c: ui_text(c, lang),
        "briefing": lambda c: COLUMN_LABELS[c][lang],
        "keys": lambda c: c,
    }[labels]
    shown = df.rename(columns={c: names(c) for c in df.columns})
    ws = _load(table_to_xlsx(shown, lang=lang)).active
    header = [c.value for c in ws[1]]
    for key, kind in KINDS.items():
        col = header.index(names(key)) + 1
        for row in (2, 3):
            cell = ws.cell(row=row, column=col)
            assert cell.number_format == RULES[kind], (key, names(key), cell.value, cell.number_format)


def test_the_briefing_formats_every_figure_by_what_it_is() -> None:
    ranking = _ranking().assign(headcount=lambda d: d["headcount"].astype(float))
    summary = _summary(ranking, participants=float(ranking["participants"].sum()))
    wb = _load(build_briefing(SETTINGS, summary, ranking, None, _top(), None))
    facts = {r[0].value: r[1] for r in wb["关键指标"].iter_rows() if r[0].value and r[1].value is not None}
    assert facts["参学人数"].number_format == RULES["count"]  # a float count
    assert facts["职工人数"].number_format == RULES["count"]
    assert facts["培训学时"].number_format == RULES["decimal"]
    ws = wb["单位排名"]
    header = [c.value for c in ws[2]]
    for label, kind in (("职工人数", "count"), ("阶段进度", "rate"), ("参学率", "rate"), ("人均学时", "decimal")):
        assert ws.cell(row=3, column=header.index(label) + 1).number_format == RULES[kind], label
    kpi_rows = {r[0].value: r for r in wb["关键指标"].iter_rows() if r[0].value}
    assert kpi_rows["阶段进度"][1].number_format == RULES["rate"]
    assert kpi_rows["人均学时"][1].number_format == RULES["decimal"]


def test_the_english_briefing_has_english_levels_phases_and_milestones() -> None:
    ranking = _ranking()
    late = _milestones("机修车间", [m.name for m in SETTINGS.milestones[1:3]])
    wb = _load(build_briefing(SETTINGS, _summary(ranking), ranking, late, _top(), None, lang="en"))
    texts = _texts(wb)
    assert not [t for t in texts if "初级" in t or "中级" in t or "未分级" in t]
    assert "Certificates: Intermediate (4)" in texts and "Certificates: Ungraded" in texts
    assert SETTINGS.phases[0].name_en in texts  # the current phase
    laggard_text = " ".join(str(v) for r in wb["Laggards"].iter_rows(values_only=True) for v in r if v)
    for m in SETTINGS.milestones[1:3]:
        assert m.name_en in laggard_text and m.name not in laggard_text
