"""The papers of 考核评比, opened as a leader's office opens them: 推荐名单.xlsx with openpyxl, each
推荐表 .docx with python-docx, and the .zip of all of them — names, figures, rules, and names from
the data that must stay text."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.shared import Cm
from openpyxl import load_workbook

from dashboard import metrics as m
from dashboard.config import load_settings
from dashboard.demo import TEST_TODAY, load_demo
from dashboard.evaluation import Evaluation, evaluate
from dashboard.evaluation.documents import (
    nomination_forms,
    nominations_zip,
    person_form_docx,
    shortlist_xlsx,
    unit_form_docx,
)
from dashboard.evaluation.explain import rules_text, unit_reasons
from dashboard.i18n import fmt_num, fmt_pct
from data_sources.store import Store
from tests import builders as b

SETTINGS = load_settings()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('docs') / 'demo.db'}")
    try:
        load_demo(store, SETTINGS, today=TEST_TODAY)
        return evaluate(store, SETTINGS, m.Selection())
    finally:
        store.close()


def _rows(ws: Any, header_row: int) -> list[dict[str, Any]]:
    header = [c.value for c in ws[header_row]]
    out = []
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if all(v is None for v in row):
            break
        out.append(dict(zip(header, row, strict=False)))
    return out


def _header_row(ws: Any, first: str) -> int:
    return next(r for r in range(1, 12) if ws.cell(row=r, column=1).value == first)


def test_the_shortlist_workbook_holds_both_lists_every_figure_and_the_rules(demo: Evaluation) -> None:
    wb = load_workbook(io.BytesIO(shortlist_xlsx(demo, SETTINGS, scope="全部单位")))
    assert wb.sheetnames == ["先进集体", "知识型职工标兵", "单位考核得分", "评选规则"]
    rules = rules_text(demo)
    ws = wb["先进集体"]
    assert ws["A1"].value == "塑件化工厂创争活动先进集体推荐名单"
    assert ws["A2"].value == "统计期间：2024年1月—2024年12月；范围：全部单位"
    assert [ws["A3"].value, ws["A4"].value, ws["A5"].value] == [rules["units"], rules["vetoes"], rules["score"]]
    assert ws["A3"].value == (
        "先进集体：在未被否决、得分不低于 90 分的单位中，按排名（得分、参学率、人均学时、单位名称）取前 2 个"
        "（0.2 × 10 个单位，向上取整）。"
    )
    header = _header_row(ws, "序号")
    got = _rows(ws, header)
    want = demo.unit_candidates.to_dict("records")
    assert [r["单位"] for r in got] == [u["unit"] for u in want] == ["机关支部", "塑编车间"]
    for g, w in zip(got, want, strict=True):
        assert (g["排名"], g["考核得分"], g["部门"]) == (w["rank"], w["score"], w["department"])
        assert g["参学率"] == pytest.approx(w["participation_rate"])
        assert g["人均学时"] == pytest.approx(w["hours_per_capita"])
        assert g["培训经费占比"] == pytest.approx(w["funds_ratio"])
        assert (g["职工人数"], g["参学人数"], g["取证人数"]) == (w["headcount"], w["participants"], w["certificates"])
        assert g["参学率得分"] == pytest.approx(round(w["points_participation_rate"], 1))
    funds_col = [c.value for c in ws[header]].index("培训经费占比") + 1
    assert ws.cell(row=header + 1, column=funds_col).number_format == "0.00%"

    ws = wb["知识型职工标兵"]
    assert (
        ws["A3"].value
        == rules["individuals"]
        == (
            "知识型职工标兵：按学习积分、培训学时、工号排序，期内学时不少于 48.0（每月 4.0 学时 × 12 个月），取前 10 名。"
        )
    )
    people = _rows(ws, _header_row(ws, "序号"))
    want_people = demo.individual_candidates.to_dict("records")
    assert [(p["工号"], p["姓名"], p["单位"]) for p in people] == [
        (w["employee_id"], w["name"], w["unit"]) for w in want_people
    ]
    assert [p["学习积分"] for p in people] == pytest.approx([w["points"] for w in want_people])
    assert [p["积分排名"] for p in people] == [w["rank"] for w in want_people]

    ws = wb["单位考核得分"]
    scores = _rows(ws, _header_row(ws, "排名"))
    assert [s["单位"] for s in scores] == list(demo.units["unit"])
    notes = {s["单位"]: s["说明"] for s in scores}
    assert notes["水汽车间"] == "一票否决：培训经费占工资总额 1.18%，低于 1.50%"
    assert notes["供销科"] == "一票否决：参学率 86.7% 低于 90.0%"
    assert notes["机关支部"] is None and notes["电修车间"] == "超出推荐名额（2 个）"
    assert {s["单位"]: s["培训经费占比"] for s in scores}["仪表车间"] == "未报送"
    assert {s["单位"]: s["是否推荐"] for s in scores}["机关支部"] == "是"

    items = {r["项目"]: r["内容"] for r in _rows(wb["评选规则"], 3)}
    assert items["指标权重"] == "参学率 30、人均学时 25、每百人取证 15、阶段进度 20、报送率 10"
    assert items["先进集体名额"] == "2"


def test_the_shortlist_workbook_in_english(demo: Evaluation) -> None:
    wb = load_workbook(io.BytesIO(shortlist_xlsx(demo, SETTINGS, "en")))
    assert wb.sheetnames == ["Collectives", "Top learners", "Unit scores", "Rules"]
    ws = wb["Unit scores"]
    notes = {r["Unit"]: r["Note"] for r in _rows(ws, _header_row(ws, "Rank"))}
    assert notes["供销科"] == "vetoed: participation 86.7% below 90.0%"


def _cells(doc: Any) -> list[str]:
    (table,) = doc.tables
    return [c.text for row in table.rows for c in row.cells]


def test_a_collective_form_has_the_figures_filled_in_and_the_rest_to_write(demo: Evaluation) -> None:
    r = demo.units.iloc[0].to_dict()
    doc = Document(io.BytesIO(unit_form_docx(demo, SETTINGS, r["unit"])))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "2024年度创争活动先进集体推荐表"
    assert texts[1] == "填报单位（盖章）：\t填报日期：　　年　　月　　日"
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)  # A4
    cells = _cells(doc)
    pairs = dict(zip(cells[0::4], cells[1::4], strict=False)) | dict(zip(cells[2::4], cells[3::4], strict=False))
    assert pairs["单位名称"] == "机关支部" and pairs["所属部门"] == "机关"
    assert pairs["职工人数"] == "50" and pairs["参学率"] == fmt_pct(r["participation_rate"])
    assert pairs["人均学时"] == fmt_num(r["hours_per_capita"])
    assert pairs["考核得分"] == "100.0" and pairs["排名"] == "第 1 名（共 10 个单位）"
    assert pairs["培训经费占工资总额"] == "2.49%"
    assert pairs["报送率"] == "100.0%（12/12）"
    assert pairs["统计期间"] == "2024年1月—2024年12月"
    # 主要事迹 is left to write; the two opinion boxes carry 签章 and 日期
    (table,) = doc.tables
    deeds, unit_box, group_box = table.rows[-3], table.rows[-2], table.rows[-1]
    assert deeds.cells[0].text == "主\n要\n事\n迹"
    assert deeds.cells[1].text == "（主要事迹，不超过1500字，可另附页）"
    assert deeds.cells[1]._tc is deeds.cells[3]._tc  # one box across the form
    assert deeds.height >= Cm(6)
    for row, label in ((unit_box, "推荐单位意见"), (group_box, "领导小组意见")):
        assert row.cells[0].text == label
        assert [p.text for p in row.cells[1].paragraphs][-2:] == ["签章：", "年　　月　　日"]
    assert table.style.name == "Table Grid"  # bordered


def test_a_top_learner_form(demo: Evaluation) -> None:
    p = demo.individual_candidates.iloc[0].to_dict()
    doc = Document(io.BytesIO(person_form_docx(demo, SETTINGS, p["employee_id"], "zh")))
    assert doc.paragraphs[0].text == "2024年度创争活动知识型职工标兵推荐表"
    cells = _cells(doc)
    pairs = dict(zip(cells[0::4], cells[1::4], strict=False)) | dict(zip(cells[2::4], cells[3::4], strict=False))
    assert (pairs["姓名"], pairs["工号"], pairs["所在单位" if "所在单位" in pairs else "单位名称"]) == (
        p["name"],
        p["employee_id"],
        p["unit"],
    )
    assert pairs["学习积分"] == fmt_num(p["points"]) and pairs["培训学时"] == fmt_num(p["hours"])
    assert pairs["性别"] == "" and pairs["出生年月"] == ""  # the unit fills these in
    assert pairs["排名"] == "第 1 名"
    en = Document(io.BytesIO(person_form_docx(demo, SETTINGS, p["employee_id"], "en")))
    assert en.paragraphs[0].text == "2024 campaign: nomination of a top learner"


def test_the_zip_holds_the_list_and_one_form_per_candidate(demo: Evaluation) -> None:
    data = nominations_zip(demo, SETTINGS)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        units = list(demo.unit_candidates["unit"])
        people = demo.individual_candidates.to_dict("records")
        assert names == [
            "推荐名单.xlsx",
            *[f"先进集体推荐表/先进集体推荐表_{i:02d}_{u}.docx" for i, u in enumerate(units, start=1)],
            *[
                f"知识型职工标兵推荐表/知识型职工标兵推荐表_{i:02d}_{p['name']}_{p['employee_id']}.docx"
                for i, p in enumerate(people, start=1)
            ],
        ]
        assert load_workbook(io.BytesIO(z.read("推荐名单.xlsx"))).sheetnames[0] == "先进集体"
        for name in names[1:]:
            doc = Document(io.BytesIO(z.read(name)))
            assert any(name.split("_")[2].removesuffix(".docx") in c for c in _cells(doc)), name
    assert [n for n, _ in nomination_forms(demo, SETTINGS)] == names[1:]


# ---- names from the data -------------------------------------------------------------------

EVIL = ['=HYPERLINK("http://x","点我")', "+SUM(1)", "a/b:c*?", "@A1"]


def test_names_from_the_data_stay_text(tmp_path: Path) -> None:
    """Units and people named like formulas, with path characters or a control character: the
    workbook keeps them as guarded text, the forms open, the file names are safe."""
    store = Store.open(f"sqlite:///{tmp_path / 'evil.db'}")
    try:
        units = EVIL
        rows = {
            "roster": [b.roster(u, "=部门", 1) for u in units],
            "summary": [b.summary(u, "2024-03", 1, 1, 8, certificates=1) for u in units],
            # people named as their units, with a control character XML cannot hold
            "ledger": [b.ledger(f"E{i}", u + "\x01", u, "2024-03", 8, 10 - i) for i, u in enumerate(units)],
        }
        store.commit(b.parsed("evil.xlsx", **rows), "t")
        rules = SETTINGS.evaluation.__class__(award_share=1.0, award_min_score=0)
        ev = evaluate(store, SETTINGS, m.Selection(month_from="2024-03", month_to="2024-03"), rules)
    finally:
        store.close()
    assert set(ev.unit_candidates["unit"]) == set(units) and len(ev.individual_candidates) == len(units)
    wb = load_workbook(io.BytesIO(shortlist_xlsx(ev, SETTINGS, scope="=scope")))
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for u in units:
        if u[0] in "=+-@":
            assert "'" + u in texts and u not in texts
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    with zipfile.ZipFile(io.BytesIO(nominations_zip(ev, SETTINGS))) as z:
        for name in z.namelist():
            assert not set(name.split("/")[-1]) & set('\\/:*?"<>|'), name
            if name.endswith(".docx"):
                Document(io.BytesIO(z.read(name)))
    reasons = [unit_reasons(ev, r) for r in ev.units.to_dict("records")]
    assert all(r == [] for r in reasons)
