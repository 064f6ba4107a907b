"""``python -m dashboard sync``: an existing database with its own table and column names, pulled
through the same checks as an upload, on SQLite and on PostgreSQL.

The expected figures are worked out by hand from the rows inserted below (DESIGN.md section 4), not
by the code under test.
"""

from __future__ import annotations

import io
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.cli import main
from dashboard.config import ENV_EXTERNAL_URL, SettingsError, load_settings, parse_settings
from dashboard.i18n import format_problem
from dashboard.metrics import Selection, summary
from data_sources.external import EXTERNAL_PREFIX, last_sync, read_external
from data_sources.schema import Problem
from data_sources.store import Store
from tests.conftest import scratch_database

ROOT = Path(__file__).resolve().parent.parent
BASE_CONFIG = (ROOT / "config.toml").read_text(encoding="utf-8")
PERIOD = Selection(month_from="2024-03", month_to="2024-04")

# ---- the source database: the HR system's own names ------------------------------------------

meta = sa.MetaData()
org_units = sa.Table(
    "org_units",
    meta,
    sa.Column("unit_code", sa.String(10), primary_key=True),
    sa.Column("unit_name", sa.String(50)),
    sa.Column("dept_group", sa.String(50)),
    sa.Column("staff_count", sa.Integer),
    sa.Column("pilot_flag", sa.Boolean),
)
hr_training = sa.Table(
    "hr_training",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("emp_no", sa.Integer),
    sa.Column("emp_name", sa.String(50)),
    sa.Column("dept_name", sa.String(50)),
    sa.Column("ym", sa.String(20)),
    sa.Column("train_hours", sa.Numeric(6, 1)),
    sa.Column("score", sa.Numeric(6, 1)),
)
monthly_stats = sa.Table(
    "monthly_stats",
    meta,
    sa.Column("org", sa.String(50), primary_key=True),
    sa.Column("period", sa.Date, primary_key=True),
    sa.Column("staff", sa.Integer),
    sa.Column("learners", sa.Integer),
    sa.Column("classes", sa.Integer),
    sa.Column("attendances", sa.Integer),
    sa.Column("total_hours", sa.Numeric(8, 1)),
    sa.Column("certs", sa.Integer),
)
hr_certs = sa.Table(
    "hr_certs",
    meta,
    sa.Column("emp_no", sa.Integer, primary_key=True),
    sa.Column("emp_name", sa.String(50)),
    sa.Column("dept_name", sa.String(50)),
    sa.Column("cert_title", sa.String(50), primary_key=True),
    sa.Column("grade", sa.String(20)),
    sa.Column("issued_on", sa.Date),
)
campaign_progress = sa.Table(
    "campaign_progress",
    meta,
    sa.Column("unit_name", sa.String(50), primary_key=True),
    sa.Column("stage", sa.String(20)),
    sa.Column("task", sa.String(50), primary_key=True),
    sa.Column("finished_on", sa.Date, nullable=True),
)

UNITS = [
    {"unit_code": "U1", "unit_name": "一车间", "dept_group": "生产部", "staff_count": 10, "pilot_flag": True},
    {"unit_code": "U2", "unit_name": "二车间", "dept_group": "生产部", "staff_count": 8, "pilot_flag": False},
    {"unit_code": "U3", "unit_name": "质检科", "dept_group": "机关", "staff_count": 5, "pilot_flag": False},
]
# months written as the HR system happens to write them
TRAINING = [
    (1001, "张三", "一车间", "2024-03", "4.5", "10"),
    (1001, "张三", "一车间", "2024年4月", "5", "11"),
    (1002, "李四", "一车间", "2024-03", "3", "8"),
    (1003, "王五", "一车间", "2024-03", "0", "0"),
    (2001, "赵六", "二车间", "2024-03", "6", "12"),
    (2001, "赵六", "二车间", "2024/04", "2.5", "5"),
    (2002, "钱七", "二车间", "2024-04", "4", "9"),
]
STATS = [  # 质检科 reports only monthly summaries
    ("质检科", date(2024, 3, 1), 5, 4, 2, 8, "10", 1),
    ("质检科", date(2024, 4, 1), 6, 5, 3, 10, "12.5", 0),
]
CERTS = [
    (1001, "张三", "一车间", "电工", "中级（四级）", date(2024, 3, 15)),
    (2001, "赵六", "二车间", "焊工", "高级工", date(2024, 4, 2)),
]
PROGRESS = [
    ("一车间", "宣传发动", "成立领导小组", date(2024, 1, 20)),
    ("二车间", "宣传发动", "成立领导小组", None),
]

EXTERNAL = '''
[external]
url = "{url}"

[external.roster]
table = "org_units"
columns = {{ unit = "unit_name", department = "dept_group", headcount = "staff_count", is_pilot = "pilot_flag" }}

[external.ledger]
table = "hr_training"
columns = {{ employee_id = "emp_no", name = "emp_name", unit = "dept_name", month = "ym", hours = "train_hours", points = "score" }}

[external.summary]
query = """
-- the HR system's monthly figures
SELECT org AS unit_name, period AS stat_month, staff AS hc, learners AS pax, classes AS n_sessions,
       attendances AS pt, total_hours AS hrs, certs AS n_certs
FROM monthly_stats
ORDER BY org, period
"""
columns = {{ unit = "unit_name", month = "stat_month", headcount = "hc", participants = "pax", sessions = "n_sessions", person_times = "pt", hours = "hrs", certificates = "n_certs" }}

[external.certificates]
table = "hr_certs"
columns = {{ employee_id = "emp_no", name = "emp_name", unit = "dept_name", cert_name = "cert_title", level = "grade", cert_date = "issued_on" }}

[external.milestones]
table = "campaign_progress"
columns = {{ unit = "unit_name", phase = "stage", milestone = "task", done_date = "finished_on" }}
'''


def _fill(engine: sa.Engine) -> None:
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(org_units.insert(), UNITS)
        conn.execute(
            hr_training.insert(),
            [
                dict(
                    zip(("emp_no", "emp_name", "dept_name", "ym", "train_hours", "score"), r, strict=True),
                    id=i,
                )
                for i, r in enumerate(TRAINING, start=1)
            ],
        )
        conn.execute(
            monthly_stats.insert(),
            [dict(zip([c.name for c in monthly_stats.c], r, strict=True)) for r in STATS],
        )
        conn.execute(hr_certs.insert(), [dict(zip([c.name for c in hr_certs.c], r, strict=True)) for r in CERTS])
        conn.execute(
            campaign_progress.insert(),
            [dict(zip([c.name for c in campaign_progress.c], r, strict=True)) for r in PROGRESS],
        )


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def source_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a filled source database: a SQLite file, or a fresh uniquely named PostgreSQL
    or MariaDB database (dropped after the test). The PostgreSQL URL carries a password, which
    the server (trust auth in the test set-up) ignores, so the tests can check it is never shown."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hr.db'}"
        engine = sa.create_engine(url)
        _fill(engine)
        engine.dispose()
        yield url
        return
    with scratch_database(request.param) as raw:
        url = sa.make_url(raw)
        if request.param == "postgres" and not url.password:
            url = url.set(password="s3cret-not-shown")
        engine = sa.create_engine(url)
        _fill(engine)
        engine.dispose()
        yield url.render_as_string(hide_password=False)


def _config(tmp_path: Path, external: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(BASE_CONFIG + "\n" + external, encoding="utf-8")
    return path


@pytest.fixture
def env(tmp_path: Path, source_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.delenv(ENV_EXTERNAL_URL, raising=False)
    monkeypatch.delenv("DASHBOARD_DB_URL", raising=False)
    cfg = _config(tmp_path, EXTERNAL.format(url=source_url))
    return {
        "config": str(cfg),
        "db": f"sqlite:///{tmp_path / 'store' / 'dashboard.db'}",
        "source": source_url,
        "shown": sa.make_url(source_url).render_as_string(hide_password=True),
    }


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def sync(env: dict[str, str], *extra: str) -> tuple[int, str, str]:
    return run("sync", "--config", env["config"], "--db", env["db"], "--user", "it-admin", *extra)


def stored(env: dict[str, str]):
    store = Store.open(env["db"])
    try:
        settings = load_settings(env["config"])
        return summary(store, settings, PERIOD), store.batches(), last_sync(store)
    finally:
        store.close()


def _source(env: dict[str, str]) -> sa.Engine:
    return sa.create_engine(env["source"])


# ---- the figures, by hand ---------------------------------------------------------------------
# headcount: 一车间 10 (roster, no summary), 二车间 8 (roster), 质检科 6 (its April summary) → 24
# hours: 一车间 4.5+3+0 + 5 = 12.5; 二车间 6 + 2.5+4 = 12.5; 质检科 10 + 12.5 = 22.5 → 47.5
# participants: 一车间 1001,1002 (1003 has 0 hours) = 2; 二车间 2001,2002 = 2; 质检科 max(4, 5) = 5 → 9
# certificates: 一车间 1 中级 (March row), 二车间 1 高级 (April row), 质检科 1+0 from summaries 未分级 → 3
# launch: only 一车间 has a done milestone → 1/3
# top learners by points: 1001 (10+11=21), 2001 (12+5=17), 2002 (9), 1002 (8), 1003 (0)


def test_sync_stores_the_figures_then_is_a_no_op(env: dict[str, str]) -> None:
    code, out, err = sync(env)
    assert code == 0, err
    assert err == ""
    assert out.count("\n") == 1
    assert out.startswith(f"外部数据库 {env['shown']}：已同步（批次 #1）")
    assert "新增 16" in out  # 3 roster + 2 summary + 7 ledger + 2 certificates + 2 milestones rows
    assert "s3cret" not in out + err

    s, batches, last = stored(env)
    assert s.units == 3
    assert s.headcount == 24
    assert s.training_hours == pytest.approx(47.5)
    assert s.participants == 9
    assert s.participants_is_lower_bound
    assert s.participation_rate == pytest.approx(9 / 24)
    assert s.hours_per_capita == pytest.approx(47.5 / 24)
    assert s.certificates == 3
    assert {k: v for k, v in s.certificates_by_level.items() if v} == {"中级": 1, "高级": 1, "未分级": 1}
    assert s.launch_rate == pytest.approx(1 / 3)
    assert [p["employee_id"] for p in s.top_learners][:4] == ["1001", "2001", "2002", "1002"]
    top = s.top_learners[0]
    assert (top["name"], top["unit"], top["points"], top["hours"]) == ("张三", "一车间", 21, 9.5)
    assert len(batches) == 1
    assert last is not None and last.id == batches[0].id
    assert last.file_name == EXTERNAL_PREFIX + env["shown"]
    assert last.user == "it-admin"
    assert "s3cret" not in last.file_name

    # the same source again: nothing changes, no batch
    code, out, err = sync(env)
    assert code == 0, err
    assert out == f"外部数据库 {env['shown']}：与已存数据相同，未作改动（{out.split('（', 1)[1]}"
    assert "未作改动" in out and out.count("\n") == 1
    _, batches2, last2 = stored(env)
    assert len(batches2) == 1 and last2 is not None and last2.id == last.id


def test_sync_counts_every_source_row(env: dict[str, str]) -> None:
    code, out, _ = sync(env, "--lang", "en")
    assert code == 0
    rows = len(UNITS) + len(TRAINING) + len(STATS) + len(CERTS) + len(PROGRESS)
    # every row is new, and no unit is added automatically (all are in org_units)
    assert out.strip().endswith(f"; {rows} added, 0 replaced, 0 unchanged")


def test_changed_source_row_is_a_replacement(env: dict[str, str]) -> None:
    assert sync(env)[0] == 0
    engine = _source(env)
    with engine.begin() as conn:  # 赵六's March hours corrected from 6 to 7
        conn.execute(
            hr_training.update()
            .where(hr_training.c.emp_no == 2001, hr_training.c.ym == "2024-03")
            .values(train_hours=7)
        )
    engine.dispose()
    code, out, err = sync(env, "--lang", "en")
    assert code == 0, err
    assert out == (
        f"外部数据库 {env['shown']}: synced (batch #2) roster 3 rows, monthly summary 2 rows, "
        "learning ledger 7 rows, certificates 2 rows, milestones 2 rows; 0 added, 1 replaced, 15 unchanged\n"
    )
    s, batches, last = stored(env)
    assert s.training_hours == pytest.approx(48.5)
    assert len(batches) == 2 and last is not None and last.id == batches[0].id == 2


def test_dry_run_writes_nothing(env: dict[str, str]) -> None:
    code, out, err = sync(env, "--dry-run")
    assert code == 0, err
    assert "试运行，未写入" in out and "将新增 16" in out
    _, batches, last = stored(env)
    assert batches == [] and last is None


def test_bad_values_are_rejected_with_the_exact_message(env: dict[str, str]) -> None:
    assert sync(env)[0] == 0
    before, batches_before, _ = stored(env)
    engine = _source(env)
    with engine.begin() as conn:
        conn.execute(hr_training.update().where(hr_training.c.emp_no == 1002).values(train_hours=-2))
        conn.execute(
            hr_training.insert().values(
                id=99, emp_no=3001, emp_name="孙八", dept_name="质检科", ym="2024-13", train_hours=1, score=1
            )
        )
    engine.dispose()
    code, out, err = sync(env)
    assert code == 1
    assert out == ""
    # hr_training is read in key order (emp_no, then month): 1001 ×2, 1002 is row 3, 3001 is row 8
    file = f"外部数据库 {env['shown']}"
    negative = Problem("negative", file, "hr_training", 3, "train_hours", "-2")
    bad_month = Problem("bad_month", file, "hr_training", 8, "ym", "2024-13")
    assert format_problem(negative) == f"{file} · 工作表「hr_training」第3行 · 列「train_hours」值「-2」：不能为负数"
    assert format_problem(bad_month) == f"{file} · 工作表「hr_training」第8行 · 列「ym」值「2024-13」：无法识别的月份"
    assert err.splitlines() == [
        format_problem(negative),
        format_problem(bad_month),
        "同步被拒绝：共 2 个错误，未写入任何数据。",
    ]
    assert "s3cret" not in err
    after, batches_after, _ = stored(env)
    assert batches_after == batches_before
    assert after.training_hours == before.training_hours and after.participants == before.participants

    code, _, err = sync(env, "--lang", "en")
    assert code == 1
    assert (
        err.splitlines()[0]
        == f'{file}, sheet "hr_training", row 3, column "train_hours", value "-2": must not be negative'
    )


def test_query_problems_name_the_query_and_its_column(env: dict[str, str]) -> None:
    engine = _source(env)
    with engine.begin() as conn:
        conn.execute(monthly_stats.update().where(monthly_stats.c.period == date(2024, 4, 1)).values(learners=7))
    engine.dispose()
    code, _, err = sync(env)
    assert code == 1
    file = f"外部数据库 {env['shown']}"
    # 7 participants > 6 staff, row 2 of the query's result
    assert err.splitlines()[0] == format_problem(
        Problem(
            "participants_over_headcount",
            file,
            "external.summary.query",
            2,
            "pax",
            "7",
            params={"participants": 7, "headcount": 6},
        )
    )


def test_missing_source_column_lists_what_was_found(env: dict[str, str], tmp_path: Path) -> None:
    cfg = Path(env["config"])
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('points = "score"', 'points = "points"'), encoding="utf-8")
    code, _, err = sync(env, "--lang", "en")
    assert code == 1
    assert err.splitlines()[0] == (
        f'外部数据库 {env["shown"]}, sheet "hr_training": learning ledger is missing required columns: points; '
        "columns found: id, emp_no, emp_name, dept_name, ym, train_hours, score"
    )


def test_read_external_hash_is_stable(env: dict[str, str]) -> None:
    settings = load_settings(env["config"])
    assert settings.external is not None
    a = read_external(settings.external, settings)
    b = read_external(settings.external, settings)
    assert not a.errors and a.sha256 == b.sha256
    assert [s.sheet for s in a.sheets] == [
        "org_units",
        "external.summary.query",
        "hr_training",
        "hr_certs",
        "campaign_progress",
    ]
    ledger = a.sheets[2]
    assert ledger.rows[0] == {
        "employee_id": "1001",
        "name": "张三",
        "unit": "一车间",
        "month": "2024-03",
        "hours": 4.5,
        "points": 10,
        "_row": 1,
    }
    engine = _source(env)
    with engine.begin() as conn:
        conn.execute(hr_training.update().where(hr_training.c.emp_no == 1003).values(score=1))
    engine.dispose()
    assert read_external(settings.external, settings).sha256 != a.sha256


def test_missing_table_and_unreachable_source(env: dict[str, str], tmp_path: Path) -> None:
    cfg = Path(env["config"])
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text.replace('table = "hr_certs"', 'table = "hr_certificates"'), encoding="utf-8")
    code, out, err = sync(env)
    assert (code, out) == (3, "")
    assert err == "无法读取外部数据源（配置项 external.certificates.table）：no table 'hr_certificates'\n"
    _, batches, _ = stored(env)
    assert batches == []

    missing = tmp_path / "nowhere" / "hr.db"
    cfg.write_text(text.replace(f'url = "{env["source"]}"', f'url = "sqlite:///{missing}"'), encoding="utf-8")
    code, out, err = sync(env)
    assert code == 3
    assert err.startswith(f"无法连接外部数据库 sqlite:///{missing}：")
    assert not missing.exists()  # a sync never creates the source


# ---- settings and usage -----------------------------------------------------------------------


def test_no_external_source_configured(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "")
    code, out, err = run("sync", "--config", str(cfg), "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert (code, out) == (2, "")
    assert err == "没有配置外部数据源：请在 config.toml 中添加 [external] 一节（文件末尾有示例）。\n"


def _external(**kinds: str) -> str:
    return 'url = "sqlite:///hr.db"\n' + "".join(f"[external.{k}]\n{v}\n" for k, v in kinds.items())


LEDGER_COLS = (
    'columns = { employee_id = "emp_no", name = "emp_name", unit = "dept_name", month = "ym", '
    'hours = "train_hours", points = "score" }'
)


@pytest.mark.parametrize(
    ("section", "key", "words"),
    [
        ('[external]\nurl = "sqlite:///hr.db"\n', "external", "no kind"),
        ('[external.ledger]\ntable = "hr_training"\n' + LEDGER_COLS, "external.url", "missing"),
        ('[external]\nurl = "hr.db"\n[external.ledger]\ntable = "t"\n' + LEDGER_COLS, "external.url", "URL"),
        ("[external]\n" + _external(ledgers='table = "t"\n' + LEDGER_COLS), "external.ledgers", "unknown"),
        ("[external]\n" + _external(ledger=LEDGER_COLS), "external.ledger", "either"),
        (
            "[external]\n" + _external(ledger='table = "t"\nquery = "SELECT 1"\n' + LEDGER_COLS),
            "external.ledger",
            "exactly one",
        ),
        ("[external]\n" + _external(ledger='table = "t; DROP TABLE x"\n' + LEDGER_COLS), "external.ledger.table", ""),
        (
            "[external]\n" + _external(ledger='query = "DELETE FROM hr_training"\n' + LEDGER_COLS),
            "external.ledger.query",
            "SELECT",
        ),
        (
            "[external]\n" + _external(ledger='query = "SELECT 1; DELETE FROM t"\n' + LEDGER_COLS),
            "external.ledger.query",
            "one statement",
        ),
        ("[external]\n" + _external(ledger='table = "t"'), "external.ledger.columns", "missing"),
        (
            "[external]\n" + _external(ledger='table = "t"\n' + LEDGER_COLS.replace("hours =", "hourz =")),
            "external.ledger.columns.hourz",
            "unknown field",
        ),
        (
            "[external]\n" + _external(ledger='table = "t"\n' + LEDGER_COLS.replace(', month = "ym"', "")),
            "external.ledger.columns",
            "month",
        ),
        (
            "[external]\n" + _external(ledger='table = "t"\n' + LEDGER_COLS.replace('"score"', "3")),
            "external.ledger.columns.points",
            "source column",
        ),
        ("[external]\n" + _external(ledger='table = "t"\nwhere = "x"\n' + LEDGER_COLS), "external.ledger.where", ""),
    ],
)
def test_malformed_external_section_names_the_key(tmp_path: Path, section: str, key: str, words: str) -> None:
    raw = tomllib.loads(BASE_CONFIG + "\n" + section)
    with pytest.raises(SettingsError) as e:
        parse_settings(raw)
    assert e.value.key == key
    assert words in e.value.problem
    # the command line says the same and stops before touching anything
    cfg = _config(tmp_path, section)
    code, out, err = run("sync", "--config", str(cfg), "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert (code, out) == (3, "")
    assert err.startswith(f"配置文件错误：{key}：")
    assert not (tmp_path / "s.db").exists()


def test_query_with_a_parameter_names_the_key(env: dict[str, str]) -> None:
    cfg = Path(env["config"])
    cfg.write_text(
        cfg.read_text(encoding="utf-8").replace("FROM monthly_stats\n", "FROM monthly_stats WHERE org = :org\n"),
        encoding="utf-8",
    )
    code, _, err = sync(env)
    assert code == 3
    assert err.startswith("配置文件错误：external.summary.query：")


def test_the_commented_example_in_config_toml_is_valid() -> None:
    lines = BASE_CONFIG.splitlines()
    start = lines.index("# [external]")
    example = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines[start:])
    settings = parse_settings(tomllib.loads(BASE_CONFIG + "\n" + example))
    ext = settings.external
    assert ext is not None
    assert list(ext.kinds) == ["roster", "summary", "ledger", "certificates", "milestones"]
    assert ext.kinds["ledger"].table == "hr_training"
    assert ext.kinds["summary"].query is not None and ext.kinds["summary"].source == "external.summary.query"
    assert ext.kinds["ledger"].columns["month"] == "ym"
    # and the shipped file itself has no external source
    assert load_settings(ROOT / "config.toml").external is None


def test_external_url_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    raw = tomllib.loads(BASE_CONFIG + "\n[external]\n" + _external(ledger='table = "t"\n' + LEDGER_COLS))
    ext = parse_settings(raw, tmp_path).external
    assert ext is not None
    monkeypatch.delenv(ENV_EXTERNAL_URL, raising=False)
    assert ext.resolve_url(tmp_path) == f"sqlite:///{tmp_path / 'hr.db'}"
    monkeypatch.setenv(ENV_EXTERNAL_URL, "postgresql+psycopg://reader:pw@db/hr")
    assert ext.resolve_url(tmp_path) == "postgresql+psycopg://reader:pw@db/hr"


def test_a_query_that_writes_is_refused_and_writes_nothing(env: dict[str, str]) -> None:
    """The check in config.py only looks at the first word; the read-only connection does the rest
    (PostgreSQL refuses the data-modifying WITH, SQLite does not even parse it)."""
    cfg = Path(env["config"])
    text = cfg.read_text(encoding="utf-8")
    comment = "-- the HR system's monthly figures\n"
    assert comment in text
    cfg.write_text(text.replace(comment, "WITH gone AS (DELETE FROM hr_training RETURNING emp_no)\n"), encoding="utf-8")
    code, out, err = sync(env)
    assert (code, out) == (3, "")
    assert err.startswith("无法读取外部数据源（配置项 external.summary.query）：")
    engine = _source(env)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(hr_training)).scalar() == len(TRAINING)
    engine.dispose()
    _, batches, _ = stored(env)
    assert batches == []
