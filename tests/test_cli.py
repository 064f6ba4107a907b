"""The command line as IT staff use it: import, summary --json, demo; exit codes and messages."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from dashboard.cli import main
from dashboard.config import load_settings
from dashboard.demo import TEST_TODAY, demo_files
from dashboard.i18n import format_problem
from data_sources.importer import read_and_validate
from data_sources.schema import Problem
from tests.oracle import expected_summary, stored_rows

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT.parent / "shared" / "samples"
SETTINGS = load_settings()
CAMPAIGN = [(m.name, m.due) for m in SETTINGS.milestones]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def run_process(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # No PYTHONPATH: `make setup` installs the project into the virtualenv, so the command works
    # from any working directory.
    env = {k: v for k, v in os.environ.items() if k not in ("DASHBOARD_DB_URL", "PYTHONPATH")}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def assert_matches(actual: dict, expected: dict) -> None:
    for key in (
        "units",
        "headcount",
        "participants",
        "certificates",
        "units_behind",
        "certificates_by_level",
    ):
        assert actual[key] == expected[key], key
    for key in ("participation_rate", "training_hours", "hours_per_capita", "launch_rate", "phase_progress"):
        assert actual[key] == pytest.approx(expected[key], abs=1e-6), key
    assert sorted(actual["behind_units"]) == sorted(expected["behind_units"])
    assert [p["employee_id"] for p in actual["top_learners"]] == [p["employee_id"] for p in expected["top_learners"]]
    for a, e in zip(actual["top_learners"], expected["top_learners"], strict=True):
        assert (a["name"], a["unit"]) == (e["name"], e["unit"])
        assert a["points"] == pytest.approx(e["points"]) and a["hours"] == pytest.approx(e["hours"])


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    code, out, err = run("demo", "--today", TEST_TODAY.isoformat(), "--db", url)
    assert code == 0, err
    assert out.startswith(f"演示单位已加载：{len(demo_files(SETTINGS, TEST_TODAY))} 个文件")
    return url


@pytest.fixture(scope="module")
def demo_rows():
    parsed = [read_and_validate(buf, name, SETTINGS) for name, buf in demo_files(SETTINGS, TEST_TODAY)]
    assert all(not p.errors for p in parsed), [format_problem(e) for p in parsed for e in p.errors][:5]
    return stored_rows(parsed)


SELECTIONS = [
    ("2024-01", "2024-12", (), ()),
    ("2024-03", "2024-03", (), ()),
    ("2024-01", "2024-03", ("机关",), ()),
    ("2024-06", "2024-06", ("生产系统",), ()),
    ("2024-04", "2024-09", (), ("供销科", "质检科")),
    ("2024-02", "2024-07", ("辅助系统", "机关"), ()),
    ("2024-11", "2024-12", (), ("包装车间",)),
]


@pytest.mark.parametrize(("month_from", "month_to", "departments", "units"), SELECTIONS)
def test_summary_json_follows_design_section_4_on_the_demo(
    demo_db, demo_rows, month_from, month_to, departments, units
):
    argv = ["summary", "--db", demo_db, "--from", month_from, "--to", month_to, "--json"]
    for d in departments:
        argv += ["--department", d]
    for u in units:
        argv += ["--unit", u]
    code, out, err = run(*argv)
    assert code == 0, err
    actual = json.loads(out)
    expected = expected_summary(demo_rows, CAMPAIGN, month_from, month_to, departments, units, SETTINGS.top_learners)
    assert_matches(actual, expected)


def test_demo_is_a_realistic_factory(demo_db, demo_rows):
    code, out, _ = run("summary", "--db", demo_db, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["units"] == 10
    assert 750 <= data["headcount"] <= 850
    assert set(data["certificates_by_level"]) >= {"初级", "中级", "高级", "技师", "高级技师"}
    assert sorted(data["behind_units"]) == ["供销科", "包装车间"]
    assert data["period"] == {"from": "2024-01", "to": "2024-12"}


def test_demo_if_empty_does_not_load_twice(demo_db):
    code, out, _ = run("demo", "--today", TEST_TODAY.isoformat(), "--db", demo_db, "--if-empty")
    assert code == 0
    assert out.strip() == "数据库中已有数据，未加载演示数据。"


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not present")
def test_samples_import_from_any_directory_and_match_the_definitions(tmp_path):
    db = f"sqlite:///{tmp_path / 'samples.db'}"
    files = sorted(str(p) for p in SAMPLES.iterdir())
    done = run_process("import", *files, "--db", db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == len(files)
    assert "Traceback" not in done.stderr
    again = run_process("import", *files, "--db", db, cwd=tmp_path)
    assert again.returncode == 0 and "未作改动" in again.stdout

    summary = run_process("summary", "--db", db, "--from", "2024-03", "--to", "2024-04", "--json", cwd=tmp_path)
    assert summary.returncode == 0, summary.stderr
    parsed = [read_and_validate(open(f, "rb"), Path(f).name, SETTINGS) for f in files]  # noqa: SIM115
    expected = expected_summary(stored_rows(parsed), CAMPAIGN, "2024-03", "2024-04", top_n=SETTINGS.top_learners)
    assert_matches(json.loads(summary.stdout), expected)


def bad_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "月报"
    ws.append(["XX公司2024年3月创争活动月报表"])
    ws.append(["单位", "月份", "职工人数", "参学人数", "培训场次", "培训人次", "培训学时", "取证人数"])
    ws.append(["一车间", "2024-03", 50, 40, 2, 60, 120.5, 1])
    ws.append(["二车间", "2024-03", 30, 35, 1, 30, "十二", 0])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("lang", "expected_lines"),
    [
        (
            "zh",
            [
                Problem(
                    "participants_over_headcount",
                    "bad.xlsx",
                    "月报",
                    4,
                    "参学人数",
                    "35",
                    {"participants": 35, "headcount": 30},
                    column_letter="D",  # DESIGN §3: every cell problem names the column letter
                ),
                Problem("not_a_number", "bad.xlsx", "月报", 4, "培训学时", "十二", column_letter="G"),
            ],
        ),
        (
            "en",
            [
                Problem(
                    "participants_over_headcount",
                    "bad.xlsx",
                    "月报",
                    4,
                    "参学人数",
                    "35",
                    {"participants": 35, "headcount": 30},
                    column_letter="D",  # DESIGN §3: every cell problem names the column letter
                ),
                Problem("not_a_number", "bad.xlsx", "月报", 4, "培训学时", "十二", column_letter="G"),
            ],
        ),
    ],
)
def test_rejected_file_names_row_and_column_and_writes_nothing(tmp_path, lang, expected_lines):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(bad_workbook())
    db_file = tmp_path / "s.db"
    db = f"sqlite:///{db_file}"
    assert run("demo", "--today", TEST_TODAY.isoformat(), "--db", db)[0] == 0
    before = db_file.read_bytes()
    code, out, err = run("import", str(path), "--db", db, "--lang", lang)
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    for problem in expected_lines:
        assert format_problem(problem, lang) in lines
    assert "Traceback" not in err
    assert db_file.read_bytes() == before


def test_not_a_spreadsheet_is_refused(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"\x00\x01 this is not a workbook \xff" * 10)
    code, _, err = run("import", str(path), "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert code == 1
    assert format_problem(Problem("not_spreadsheet", "notes.xlsx")) in err.splitlines()


def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "ok.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(["单位", "部门", "职工人数"])
    ws.append(["一车间", "生产", 50])
    wb.save(path)
    db = f"sqlite:///{tmp_path / 's.db'}"
    code, out, _ = run("import", str(path), "--db", db, "--dry-run")
    assert code == 0 and "试运行" in out
    code, out, _ = run("summary", "--db", db, "--json")
    assert json.loads(out)["units"] == 0


def test_unreachable_database_is_a_message_not_a_traceback():
    done = run_process("summary", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", "--json", cwd=ROOT)
    assert done.returncode == 3
    assert done.stderr.startswith("无法连接数据库 postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert "Traceback" not in done.stderr


def test_bad_config_names_the_key(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        (ROOT / "config.toml").read_text(encoding="utf-8").replace("year = 2024", 'year = "2024"'), encoding="utf-8"
    )
    code, _, err = run("summary", "--config", str(cfg), "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert code == 3
    assert err.strip() == "配置文件错误：campaign.year：expected int, got '2024'"


# ---- template and briefing: the files the pages download (DESIGN §6) -------------------------


def _sheet_values(path: Path) -> dict[str, list[tuple]]:
    wb = load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_writes_the_pages_template(tmp_path: Path, lang: str) -> None:
    from dashboard.template import build_template

    out = tmp_path / "模板.xlsx"
    code, stdout, err = run("template", str(out), "--lang", lang)
    assert (code, err) == (0, "")
    assert stdout == ("已写入 " if lang == "zh" else "Written: ") + str(out) + "\n"
    page = tmp_path / "page.xlsx"
    page.write_bytes(build_template(SETTINGS, lang))  # what 数据管理's download button gives
    assert _sheet_values(out) == _sheet_values(page)
    assert "月报" in _sheet_values(out) or "Monthly report" in " ".join(_sheet_values(out))


def _ranking_units(path: Path) -> list[str]:
    ws = load_workbook(path)["单位排名"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    col = rows[0].index("单位")
    return [r[col] for r in rows[1:] if r[col] is not None]


@pytest.mark.parametrize(
    "filters",
    [
        ("--from", "2024-01", "--to", "2024-12"),
        ("--from", "2024-03", "--to", "2024-03"),
        ("--from", "2024-01", "--to", "2024-06", "--department", "生产系统"),
    ],
    ids=["year", "march", "department"],
)
def test_briefing_ranks_units_as_units_json(demo_db: str, tmp_path: Path, filters: tuple[str, ...]) -> None:
    """Issue 10.5: the briefing's 单位排名 sheet is in the order of ``units --json`` (the one ranking)."""
    out = tmp_path / "简报.xlsx"
    code, _, err = run("briefing", str(out), "--db", demo_db, *filters)
    assert (code, err) == (0, "")
    code, text, _ = run("units", "--db", demo_db, *filters, "--json")
    assert code == 0
    ranked = [u["unit"] for u in json.loads(text)]
    assert len(ranked) >= 4
    assert _ranking_units(out) == ranked
    assert list(load_workbook(out).sheetnames)[:2] == ["关键指标", "单位排名"]


def test_briefing_is_the_pages_download(demo_db: str, tmp_path: Path) -> None:
    """The command writes what exports.briefing_xlsx gives the 总览 page's button."""
    from dashboard.exports import briefing_xlsx
    from dashboard.metrics import Selection
    from data_sources.store import Store

    out = tmp_path / "cli.xlsx"
    assert run("briefing", str(out), "--db", demo_db, "--from", "2024-02", "--to", "2024-04")[0] == 0
    page = tmp_path / "page.xlsx"
    store = Store.open(demo_db)
    try:
        page.write_bytes(briefing_xlsx(store, SETTINGS, Selection(month_from="2024-02", month_to="2024-04")))
    finally:
        store.close()
    cli, web = _sheet_values(out), _sheet_values(page)
    assert list(cli) == list(web)
    for name in cli:  # the KPI sheet's first rows carry the time it was made
        assert cli[name][3:] == web[name][3:], name


def test_briefing_refuses_a_backwards_period_and_an_unwritable_file(demo_db: str, tmp_path: Path) -> None:
    code, _, err = run("briefing", str(tmp_path / "b.xlsx"), "--db", demo_db, "--from", "2024-05", "--to", "2024-03")
    assert code == 2 and err
    assert not (tmp_path / "b.xlsx").exists()
    missing = tmp_path / "no-such-folder" / "b.xlsx"
    code, _, err = run("template", str(missing))
    assert code == 1
    assert err == f"无法写入 {missing}：No such file or directory\n"
