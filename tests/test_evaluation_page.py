"""The 考核评比 page with Streamlit's AppTest: it renders on the demo in Chinese and English with
the ranking, the vetoes, both shortlists and the downloads; an administrator's weights change the
ranking; a viewer sees the ranking without the what-if inputs; 单位排名 and the briefing rank by
score, and the briefing carries the shortlists."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboard import charts, metrics
from dashboard.briefing import build_briefing
from dashboard.config import ENV_DB_URL, load_settings
from dashboard.evaluation import INDICATORS, evaluate
from dashboard.evaluation.documents import form_builders, nomination_forms
from dashboard.i18n import evaluation_text, ui_text
from dashboard.metrics import Selection
from dashboard.ui import evaluation as ui_evaluation
from dashboard.ui import signin
from data_sources import access
from data_sources.store import Store
from tests.test_pages import APP, TIMEOUT, demo_file, no_exceptions  # noqa: F401 (demo_file: a fixture)

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings(ROOT / "config.toml")
PERIOD = {"from": "2024-01", "to": "2024-12"}


@pytest.fixture
def demo_db(demo_file: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:  # noqa: F811
    """A private copy of the demo (with its administrator) as the app's database: (url, admin token)."""
    path = tmp_path / "dashboard.db"
    shutil.copy(demo_file[0], path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv(ENV_DB_URL, url)
    yield url, demo_file[1]


def evaluation_page(token: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[signin.TOKEN] = token
    for k, v in {**PERIOD, **query}.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("../pages/evaluation.py").run()
    no_exceptions(at)
    return at


def expected(url: str, weights: dict[str, float] | None = None, month_to: str = "2024-12"):
    store = Store.open(url)
    try:
        rules = SETTINGS.evaluation.with_weights(weights) if weights else None
        return evaluate(store, SETTINGS, Selection(month_from="2024-01", month_to=month_to), rules)
    finally:
        store.close()


def table(at: AppTest, key: str):
    return next(d for d in at.dataframe if d.proto.id and key in d.proto.id).value


def ranking_of(at: AppTest, lang: str = "zh") -> list[str]:
    df = at.dataframe[-1].value  # the score table is the page's last table
    return list(df[evaluation_text("form_unit", lang)])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_shows_ranking_vetoes_shortlists_and_downloads(demo_db: tuple[str, str], lang: str) -> None:
    url, token = demo_db
    at = evaluation_page(token, lang=lang)
    ev = expected(url)
    assert [t.value for t in at.title] == [ui_text("page_evaluation", lang)]
    assert ranking_of(at, lang) == list(ev.units["unit"])
    scores = list(at.dataframe[-1].value[evaluation_text("col_score", lang)])
    assert scores == list(ev.units["score"])
    # the vetoes with their reasons: 供销科 on participation, 水汽车间 on training funds
    vetoes = "\n".join(m.value for m in at.markdown).replace("\\", "")  # Markdown escapes (86\\.7%)
    assert "供销科" in vetoes and "水汽车间" in vetoes
    if lang == "zh":
        assert "一票否决：参学率 86.7% 低于 90.0%" in vetoes
        assert "一票否决：培训经费占工资总额 1.18%，低于 1.50%" in vetoes
    else:
        assert "vetoed: participation 86.7% below 90.0%" in vetoes
    # the two shortlists
    units = at.dataframe[0].value
    people = at.dataframe[1].value
    assert (
        list(units[evaluation_text("form_unit", lang)]) == list(ev.unit_candidates["unit"]) == ["机关支部", "塑编车间"]
    )
    assert list(people[evaluation_text("form_name", lang)]) == list(ev.individual_candidates["name"])
    assert len(people) == 10
    # the downloads: the workbook, the zip, and one form per candidate
    labels = [b.label for b in at.get("download_button")]
    assert evaluation_text("page_download_xlsx", lang) in labels
    assert evaluation_text("page_download_zip", lang) in labels
    forms = [name.rsplit("/", 1)[-1] for name, _ in form_builders(ev, SETTINGS, lang)]
    assert len(forms) == 12 and set(forms) <= set(labels)
    # the rules in force and where they are set
    captions = "\n".join(c.value for c in at.caption)
    assert evaluation_text("page_rules_where", lang) in captions
    assert ("参学率 30" if lang == "zh" else "Participation rate 30") in captions


def test_an_administrators_weights_change_the_ranking(demo_db: tuple[str, str]) -> None:
    url, token = demo_db
    at = evaluation_page(token, to="2024-06")
    before = ranking_of(at)
    assert before == list(expected(url, month_to="2024-06").units["unit"])
    assert before.index("塑编车间") == 7  # 98.0 by June: its phase progress is behind
    at.number_input(key="eval_weight_phase_progress").set_value(0.0).run()
    no_exceptions(at)
    after = ranking_of(at)
    assert after == list(expected(url, {"phase_progress": 0.0}, month_to="2024-06").units["unit"]) != before
    assert after.index("塑编车间") == 1  # 100.0 without phase progress; ahead on participation
    scores = dict(zip(after, at.dataframe[-1].value["考核得分"], strict=True))
    assert scores["塑编车间"] == 100.0
    assert ui_text("page_evaluation", "zh") in [t.value for t in at.title]
    assert evaluation_text("page_whatif_active", "zh") in [i.value for i in at.info]
    # back to config.toml's weights
    next(b for b in at.button if b.label == evaluation_text("page_whatif_reset", "zh")).click().run()
    assert ranking_of(at) == before
    assert evaluation_text("page_whatif_active", "zh") not in [i.value for i in at.info]


def test_every_weight_zero_keeps_the_configured_weights(demo_db: tuple[str, str]) -> None:
    _, token = demo_db
    at = evaluation_page(token)
    before = ranking_of(at)
    for k, _ in SETTINGS.evaluation.weights:
        at.number_input(key=f"eval_weight_{k}").set_value(0.0)
    at.run()
    no_exceptions(at)
    assert [w.value for w in at.warning] == [evaluation_text("page_whatif_zero", "zh")]
    assert ranking_of(at) == before


@pytest.mark.parametrize("role", ["viewer", "reporter"])
def test_a_viewer_or_reporter_sees_the_ranking_without_what_if(demo_db: tuple[str, str], role: str) -> None:
    url, _ = demo_db
    store = Store.open(url)
    try:
        acc = access.add_user(store, "wang", role, ["塑编车间"] if role == "reporter" else [], password="wang-password")
        token = access.start_session(store, acc)
    finally:
        store.close()
    at = evaluation_page(token)
    assert "evaluation" in at.session_state["_nav_visible"]
    assert ranking_of(at) == list(expected(url).units["unit"])
    assert not at.number_input
    assert not [x for x in at.expander if x.label == evaluation_text("page_whatif_title", "zh")]
    assert evaluation_text("page_rules_where", "zh") in "\n".join(c.value for c in at.caption)


def test_the_forms_open_and_name_their_candidate(demo_db: tuple[str, str]) -> None:
    url, _ = demo_db
    ev = expected(url)
    forms = nomination_forms(ev, SETTINGS)
    assert [n for n, _ in forms] == [n for n, _ in form_builders(ev, SETTINGS)]
    first_unit = Document(io.BytesIO(forms[0][1]))
    assert "机关支部" in "\n".join(c.text for t in first_unit.tables for row in t.rows for c in row.cells)
    last_person = Document(io.BytesIO(forms[-1][1]))
    name = ev.individual_candidates["name"].iloc[-1]
    assert name in "\n".join(c.text for t in last_person.tables for row in t.rows for c in row.cells)


# ---- 单位排名 and the briefing rank by score; the briefing carries the shortlists ------------------


def test_the_units_page_ranks_by_score(demo_db: tuple[str, str]) -> None:
    url, token = demo_db
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[signin.TOKEN] = token
    for k, v in {**PERIOD, "to": "2024-06"}.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("../pages/units.py").run()
    no_exceptions(at)
    shown = at.dataframe[0].value
    ev = expected(url, month_to="2024-06")
    assert list(shown["单位"]) == list(ev.units["unit"])  # score, then participation, hours, name
    assert list(shown["考核得分"]) == list(ev.units["score"])
    assert list(shown["名次"]) == list(range(1, len(ev.units) + 1))


@pytest.mark.parametrize(
    ("lang", "sheet", "units_title"), [("zh", "推荐名单", "先进集体"), ("en", "Shortlists", "Collectives")]
)
def test_the_briefing_carries_both_shortlists(
    demo_db: tuple[str, str], lang: str, sheet: str, units_title: str
) -> None:
    url, _ = demo_db
    ev = expected(url)
    store = Store.open(url)
    try:
        summary = metrics.summary(store, SETTINGS, Selection(month_from="2024-01", month_to="2024-12"))
    finally:
        store.close()
    wb = load_workbook(io.BytesIO(build_briefing(SETTINGS, summary, ev.units, None, None, None, lang, evaluation=ev)))
    assert wb.sheetnames[:3] == [*wb.sheetnames[:2], sheet]
    cells = [str(c.value) for row in wb[sheet].iter_rows() for c in row if c.value is not None]
    assert cells[0].startswith(f"{units_title} · 2024")  # the title with the briefing's period
    people_at = next(i for i, c in enumerate(cells) if i and c.startswith(evaluation_text("sheet_people", lang)))
    assert set(ev.unit_candidates["unit"]) <= set(cells[:people_at]) and "包装车间" not in cells[:people_at]
    assert set(ev.individual_candidates["name"]) <= set(cells[people_at:])
    assert evaluation_text("rule_units", lang, min_score="90", quota=2, share="0.2", n=10) in cells
    ranked = wb[wb.sheetnames[1]]
    header = [c.value for c in ranked[2]]
    col = header.index("单位" if lang == "zh" else "Unit") + 1
    assert [ranked.cell(row=r, column=col).value for r in range(3, 13)] == list(ev.units["unit"])
    # without the evaluation (an older caller) there is no such sheet
    plain = load_workbook(io.BytesIO(build_briefing(SETTINGS, summary, ev.units, None, None, None, lang)))
    assert sheet not in plain.sheetnames


# ---- the chart and the filters --------------------------------------------------------------------


def test_the_page_reads_the_same_filters_as_every_page(demo_db: tuple[str, str]) -> None:
    _, token = demo_db
    at = evaluation_page(token, dept="机关")
    assert sorted(ranking_of(at)) == ["供销科", "机关支部", "质检科"]
    assert at.query_params["dept"] == "机关"
    assert "范围：机关" in "\n".join(c.value for c in at.caption)


def test_the_chart_stacks_every_indicator_in_ranking_order(demo_db: tuple[str, str]) -> None:
    url, _ = demo_db
    ev = expected(url)
    spec = charts.evaluation_scores(ev.units, ev.indicators, INDICATORS, {"机关支部": "★ 推荐"}, "zh").to_dict()
    bars, text = spec["layer"]
    assert bars["encoding"]["y"]["sort"] == list(ev.units["unit"])
    assert bars["encoding"]["color"]["scale"]["domain"] == ["参学率", "人均学时", "每百人取证", "阶段进度", "报送率"]
    assert {t["title"] for t in bars["encoding"]["tooltip"]} >= {"单位", "考核得分", "指标", "实际值", "达成度", "得分"}
    assert text["mark"]["fontSize"] >= 14 and spec["config"]["axis"]["labelFontSize"] >= 14
    assert spec["config"]["legend"]["labelFontSize"] >= 14
    ends = {d["unit"]: d["text"] for d in spec["datasets"][text["data"]["name"]]}
    assert ends["机关支部"] == "100.0  ★ 推荐" and ends["供销科"] == "81.0"


def test_above_thirty_units_the_chart_shows_the_ten_highest_and_lowest() -> None:
    units = pd.DataFrame({"unit": [f"U{i:03d}" for i in range(1, 41)], "rank": range(1, 41)})
    shown = ui_evaluation.chart_units(units)
    assert list(shown["unit"]) == [f"U{i:03d}" for i in [*range(1, 11), *range(31, 41)]]
    assert ui_evaluation.chart_units(units.head(30)).equals(units.head(30))
