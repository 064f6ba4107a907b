"""Who may do what: password hashes, the ``user`` command, a reporter's upload scope, the audit log,
and the app as a viewer, a reporter and an administrator see it (AppTest)."""

from __future__ import annotations

import base64
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from dashboard.cli import main
from dashboard.config import ENV_CONFIG, ENV_DB_URL, SettingsError, load_settings, parse_settings
from dashboard.demo import TEST_TODAY, load_demo
from dashboard.i18n import format_problem, ui_text
from dashboard.ui import session
from data_sources import access
from data_sources.access import passwords
from data_sources.importer import import_files
from data_sources.schema import PROBLEM_CODES, ImportRejected, UndoRefused
from data_sources.store import Store
from tests import builders as b

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
SETTINGS = load_settings(ROOT / "config.toml")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---- password hashes -----------------------------------------------------------------------


def test_hash_is_scrypt_with_a_random_16_byte_salt_and_verifies() -> None:
    h1, h2 = access.hash_password("秘密 pass"), access.hash_password("秘密 pass")
    scheme, n, r, p, salt, digest = h1.split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2**14), "8", "1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 64
    assert h1 != h2  # a fresh salt each time
    assert access.verify_password("秘密 pass", h1) and access.verify_password("秘密 pass", h2)
    assert not access.verify_password("秘密 Pass", h1)
    assert not access.verify_password("", h1)


@pytest.mark.parametrize(
    "stored",
    [None, "", "plain", "md5$1$2$3$AAAA$AAAA", "scrypt$x$8$1$AAAA$AAAA", "scrypt$16384$8$1$!!$AAAA", "scrypt$3$8$1$$"],
)
def test_a_malformed_hash_never_matches(stored: str | None) -> None:
    assert access.verify_password("anything", stored) is False


def test_verify_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = passwords.hmac.compare_digest

    def spy(a, b_):
        calls.append((a, b_))
        return real(a, b_)

    monkeypatch.setattr(passwords.hmac, "compare_digest", spy)
    assert access.verify_password("x", access.hash_password("x"))
    assert len(calls) == 1


# ---- accounts and the user command ---------------------------------------------------------


def run(*argv: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_user_add_list_passwd_remove(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("user", "list", "--db", db_url) == (
        0,
        "还没有用户：访问者只能查看，不能导入或撤销。请先添加管理员（--role admin）。\n",
        "",
    )
    code, out, err = run(
        "user",
        "add",
        "王主席",
        "--role",
        "admin",
        "--password-stdin",
        "--db",
        db_url,
        stdin="password-1\n",
        monkeypatch=monkeypatch,
    )
    assert (code, out, err) == (0, "已添加用户 王主席（admin）。\n", "")
    code, out, _ = run(
        "user",
        "add",
        "li",
        "--role",
        "reporter",
        "--units",
        "塑编车间,成型车间",
        "--password-stdin",
        "--db",
        db_url,
        stdin="password-2\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0
    code, out, _ = run("user", "list", "--db", db_url)
    assert out.splitlines() == ["li\treporter\t塑编车间,成型车间\tpassword", "王主席\tadmin\t\tpassword"]

    store = Store.open(db_url)
    try:
        assert access.authenticate(store, "li", "password-2") == access.Account(
            "li", "reporter", ("塑编车间", "成型车间"), None, True
        )
        assert access.authenticate(store, "li", "password-1") is None
        assert access.authenticate(store, "nobody", "password-2") is None
        with store.engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT password_hash FROM accounts WHERE name = 'li'").scalar()
        assert stored.startswith("scrypt$") and "password-2" not in stored

        # passwd through the prompt (getpass), asked twice
        answers = iter(["new-password", "new-password"])
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
        assert run("user", "passwd", "li", "--db", db_url)[:2] == (0, "已更改用户 li 的密码。\n")
        assert access.authenticate(store, "li", "new-password") is not None
        assert access.authenticate(store, "li", "password-2") is None

        assert run("user", "remove", "li", "--db", db_url)[:2] == (0, "已删除用户 li。\n")
        assert access.get_user(store, "li") is None
        actions = [e.action for e in access.audit_entries(store)]
        assert actions == ["user_remove", "user_passwd", "user_add", "user_add"]
    finally:
        store.close()


def test_user_command_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'u.db'}"
    args = ("--password-stdin", "--db", db)
    assert run("user", "add", "r", "--role", "reporter", *args, stdin="x\n", monkeypatch=monkeypatch) == (
        1,
        "",
        "填报员 r 需要 --units 指定可填报的单位。\n",
    )
    assert (
        run("user", "add", "a", "--role", "admin", *args, stdin="\n", monkeypatch=monkeypatch)[2] == "密码不能为空。\n"
    )
    assert run("user", "add", "a", "--role", "admin", *args, stdin="x-password\n", monkeypatch=monkeypatch)[0] == 0
    assert run("user", "add", "a", "--role", "viewer", *args, stdin="y-password\n", monkeypatch=monkeypatch) == (
        1,
        "",
        "用户 a 已存在。\n",
    )
    assert run("user", "remove", "zz", "--db", db) == (1, "", "没有用户 zz。\n")
    assert run("user", "passwd", "zz", *args, stdin="y-password\n", monkeypatch=monkeypatch) == (
        1,
        "",
        "没有用户 zz。\n",
    )
    answers = iter(["one", "two"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run("user", "passwd", "a", "--db", db) == (1, "", "两次输入的密码不一致。\n")
    with pytest.raises(SystemExit):
        run("user", "add", "b", "--role", "boss", *args)
    # an OIDC-only account: no password, signs in by its email
    assert run("user", "add", "c", "--role", "viewer", "--email", "C@Example.org", "--no-password", "--db", db)[0] == 0
    store = Store.open(db)
    try:
        assert access.user_by_email(store, "c@example.org").name == "c"
        assert access.authenticate(store, "c", "") is None
    finally:
        store.close()


# ---- a reporter's upload scope -------------------------------------------------------------


def test_scope_problems_name_every_row_of_another_unit_word_for_word() -> None:
    parsed = b.parsed(
        "三月.xlsx",
        summary=[
            b.summary("一车间", "2024-03", 10, 5, 20.0),
            b.summary("二车间", "2024-03", 8, 4, 10.0),
            b.summary("办公室", "2024-03", 6, 2, 3.0),
        ],
    )
    problems = access.scope_problems(parsed, ["一车间", "质检科"])
    assert [format_problem(p, "zh") for p in problems] == [
        "三月.xlsx · 工作表「月报」第4行 · 列「单位」值「二车间」：无权为该单位填报（您可填报：一车间、质检科）",
        "三月.xlsx · 工作表「月报」第5行 · 列「单位」值「办公室」：无权为该单位填报（您可填报：一车间、质检科）",
    ]
    assert format_problem(problems[0], "en") == (
        '三月.xlsx, sheet "月报", row 4, column "单位", value "二车间": you may not report for this unit (yours: 一车间, 质检科)'
    )
    assert all(p.code in PROBLEM_CODES and p.severity == "error" for p in problems)
    assert access.scope_problems(parsed, None) == []  # an administrator
    assert access.scope_problems(parsed, ["一车间", "二车间", "办公室"]) == []


def test_scope_problems_refuse_a_roster_sheet() -> None:
    parsed = b.parsed("名册.xlsx", roster=[b.roster("一车间", "生产部", 10)])
    (problem,) = access.scope_problems(parsed, ["一车间"])
    assert problem.code == "roster_not_allowed"
    assert format_problem(problem, "zh") == "名册.xlsx · 工作表「单位」第3行：单位名册只能由管理员导入"


def _summary_workbook(rows: list[tuple[str, int]], month: str = "2025-01") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "月报"
    ws.append([f"塑件化工厂{month[:4]}年{int(month[5:])}月创争活动月报表"])
    ws.append(["单位", "职工人数", "参学人数", "培训场次", "培训人次", "培训学时", "取证人数"])
    for unit, participants in rows:
        ws.append([unit, 40, participants, 3, 60, 120.5, 1])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_with_allowed_units_refuses_other_units_and_writes_nothing(store: Store) -> None:
    content = _summary_workbook([("塑编车间", 20), ("质检科", 10)])
    with pytest.raises(ImportRejected) as e:
        import_files(store, [("报表.xlsx", io.BytesIO(content))], SETTINGS, user="li", allowed_units=["塑编车间"])
    errors = [p for p in e.value.problems if p.severity == "error"]
    assert [format_problem(p) for p in errors] == [
        "报表.xlsx · 工作表「月报」第4行 · A 列「单位」值「质检科」：无权为该单位填报（您可填报：塑编车间）"
    ]
    assert store.batches() == [] and store.is_empty()
    assert access.audit_entries(store) == []  # a refused import writes nothing, not even the audit log

    # the same upload by an administrator (no restriction), and a dry run records nothing
    import_files(store, [("报表.xlsx", io.BytesIO(content))], SETTINGS, user="admin", dry_run=True)
    assert access.audit_entries(store) == []
    (o,) = import_files(store, [("报表.xlsx", io.BytesIO(content))], SETTINGS, user="admin")
    latest = access.audit_entries(store)[0]
    assert (latest.user, latest.action, latest.detail["added"]) == ("admin", "import", 2)
    assert latest.detail["files"][0]["batch"] == o.batch_id


def test_undo_is_audited_and_a_reporter_undoes_only_their_own_batches(store: Store) -> None:
    (mine,) = import_files(
        store,
        [("a.xlsx", io.BytesIO(_summary_workbook([("塑编车间", 20)])))],
        SETTINGS,
        "li",
        allowed_units=["塑编车间"],
    )
    (theirs,) = import_files(store, [("b.xlsx", io.BytesIO(_summary_workbook([("质检科", 5)])))], SETTINGS, "admin")
    li = access.Account("li", "reporter", ("塑编车间",))
    with pytest.raises(UndoRefused) as e:
        access.undo_batch(store, theirs.batch_id, "li", li)
    assert e.value.reason == "not_yours"
    assert not store.batches()[0].undone
    access.undo_batch(store, mine.batch_id, "li", li)
    viewer = access.Account("v", "viewer")
    with pytest.raises(UndoRefused):
        access.undo_batch(store, theirs.batch_id, "v", viewer)
    access.undo_batch(store, theirs.batch_id, "boss", access.Account("boss", "admin"))
    with pytest.raises(UndoRefused):
        access.undo_batch(store, theirs.batch_id, "boss")  # already undone: refused and recorded
    log = [(e.user, e.action, e.detail.get("batch"), e.detail.get("reason")) for e in access.audit_entries(store)]
    assert log[:5] == [
        ("boss", "undo_refused", theirs.batch_id, "already_undone"),
        ("boss", "undo", theirs.batch_id, None),
        ("v", "undo_refused", theirs.batch_id, "not_yours"),
        ("li", "undo", mine.batch_id, None),
        ("li", "undo_refused", theirs.batch_id, "not_yours"),
    ]


@pytest.mark.parametrize("step", ["import", "undo"])
def test_an_import_or_undo_and_its_audit_entry_land_together_or_not_at_all(
    store: Store, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """The audit entry is written in the import's (the undo's) own transaction: when writing it
    fails, the data change is rolled back with it."""
    from data_sources import store as store_module
    from tests.test_faults import dump_all

    if step == "undo":
        (o,) = import_files(store, [("a.xlsx", io.BytesIO(_summary_workbook([("一车间", 2)])))], SETTINGS, "x")
    before = dump_all(store.url)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the audit log is full")

    monkeypatch.setattr(store_module, "write_audit", broken)
    with pytest.raises(RuntimeError, match="the audit log is full"):
        if step == "import":
            import_files(store, [("a.xlsx", io.BytesIO(_summary_workbook([("一车间", 2)])))], SETTINGS, "x")
        else:
            access.undo_batch(store, o.batch_id, "x")
    assert dump_all(store.url) == before


def test_cli_undo_is_audited(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    store = Store.open(db)
    try:
        (o,) = import_files(store, [("a.xlsx", io.BytesIO(_summary_workbook([("一车间", 2)])))], SETTINGS, "x")
        assert run("undo", str(o.batch_id), "--user", "it", "--db", db)[0] == 0
        assert access.audit_entries(store)[0].action == "undo"
    finally:
        store.close()


def test_access_settings_are_typed() -> None:
    raw = {"campaign": {"year": 2024, "phases": [{"name": "p", "start": "01-01", "end": "12-31"}]}}
    assert parse_settings(raw).access == load_settings(ROOT / "config.toml").access
    s = parse_settings({**raw, "access": {"require_login": True, "anonymous_viewer": True}})
    assert (s.access.require_login, s.access.anonymous_viewer) == (True, True)
    with pytest.raises(SettingsError) as e:
        parse_settings({**raw, "access": {"require_login": "yes"}})
    assert e.value.key == "access.require_login"


# ---- the app as each role sees it (AppTest) --------------------------------------------------


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("access_demo") / "demo.db"
    store = Store.open(f"sqlite:///{path}")
    try:
        load_demo(store, SETTINGS, today=TEST_TODAY)
        access.add_user(store, "boss", "admin", password="admin-pw")
        access.add_user(store, "li", "reporter", ["塑编车间"], password="li-password")
        access.add_user(store, "wang", "viewer", password="wang-password")
    finally:
        store.close()
    return path


@pytest.fixture
def accounts_url(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    path = tmp_path / "dashboard.db"
    shutil.copy(demo_file, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv(ENV_DB_URL, url)
    yield url


def _sign_in(name: str, password: str, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception, [e.value for e in at.exception]
    if page:
        at.switch_page(f"../pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def test_sign_in_is_required_once_an_account_exists_and_is_audited(accounts_url: str) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.metric  # nothing but the form
    assert [s.value for s in at.subheader] == ["登录"]
    at.text_input(key="login_name").input("wang")
    at.text_input(key="login_password").input("wrong")
    next(b for b in at.button if b.label == "登录").click().run()
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    assert not at.metric
    at.text_input(key="login_password").input("wang-password")
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception
    assert at.title[0].value == "总览" and at.metric
    store = Store.open(accounts_url)
    try:
        log = [(e.user, e.action) for e in access.audit_entries(store, 2)]
    finally:
        store.close()
    assert log == [("wang", "login"), ("wang", "login_failed")]


def test_a_viewer_has_no_data_page_in_the_menu_and_its_url_is_refused(accounts_url: str) -> None:
    at = _sign_in("wang", "wang-password")
    assert "data" not in at.session_state["_nav_visible"]
    assert "overview" in at.session_state["_nav_visible"]
    at.switch_page("../pages/data.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == [ui_text("access_denied", "zh", role="查看", page="数据管理")]
    assert not at.get("file_uploader")


def test_a_reporter_cannot_upload_another_units_rows(accounts_url: str) -> None:
    at = _sign_in("li", "li-password", "data")
    assert "data" in at.session_state["_nav_visible"]
    at.get("file_uploader")[0].set_value(("报表.xlsx", _summary_workbook([("塑编车间", 20), ("质检科", 3)]), XLSX))
    at.run()
    assert not at.exception
    assert at.button(key="data_confirm").disabled
    reasons = "\n".join(str(v) for df in at.dataframe for v in df.value.to_numpy().ravel())
    assert (
        "报表.xlsx · 工作表「月报」第4行 · A 列「单位」值「质检科」：无权为该单位填报（您可填报：塑编车间）" in reasons
    )
    # a reporter sees no roster, targets, users or audit log
    subheaders = [s.value for s in at.subheader]
    assert "操作日志" not in subheaders and "用户" not in subheaders
    assert not any("单位名册" in x or "目标值" in x for x in subheaders)

    # their own unit goes through, recorded under their name
    at.get("file_uploader")[0].set_value(("报表.xlsx", _summary_workbook([("塑编车间", 20)]), XLSX))
    at.run()
    at.button(key="data_confirm").click().run()
    assert not at.exception
    assert any("导入完成" in s.value for s in at.success)
    store = Store.open(accounts_url)
    try:
        assert store.batches()[0].user == "li"
    finally:
        store.close()


def test_an_admin_sees_the_audit_log_and_can_undo(accounts_url: str) -> None:
    at = _sign_in("boss", "admin-pw", "data")
    assert "操作日志" in [s.value for s in at.subheader]
    audit = next(df.value for df in at.dataframe if "操作" in df.value.columns)
    assert list(audit["操作"])[:1] == ["登录"] and list(audit["用户"])[:1] == ["boss"]
    newest = Store.open(accounts_url).batches()[0]
    at.button(key=f"undo_{newest.id}").click().run()
    assert not at.exception
    assert any(f"批次 #{newest.id} 已撤销" in s.value for s in at.success)
    assert Store.open(accounts_url).batches()[0].undone


def test_anonymous_viewer_mode_reads_without_signing_in(
    accounts_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    text = (
        (ROOT / "config.toml")
        .read_text(encoding="utf-8")
        .replace("anonymous_viewer = false", "anonymous_viewer = true")
    )
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv(ENV_CONFIG, str(config))
    session.get_settings.clear()  # the settings are cached per process
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.exception
        assert at.title[0].value == "总览" and at.metric
        assert "data" not in at.session_state["_nav_visible"]
        at.switch_page("../pages/data.py").run()
        assert at.error and "无权" in at.error[0].value
    finally:
        session.get_settings.clear()


def _try_sign_in(at: AppTest, name: str, password: str) -> list[str]:
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


def test_a_password_typed_as_the_name_never_shows_in_the_audit_table(accounts_url: str) -> None:
    """Issue 11.10: people type their password into 用户名; the page used to record the failed
    sign-in under the text typed, for every administrator to read."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert _try_sign_in(at, "boss-Passw0rd!", "x") == ["用户名或密码错误。"]
    admin = _sign_in("boss", "admin-pw", "data")
    audit = next(df.value for df in admin.dataframe if "操作" in df.value.columns)
    assert audit.iloc[1][["用户", "操作"]].tolist() == ["（未知用户名）", "登录失败"]
    shown = "\n".join(str(v) for df in admin.dataframe for v in df.value.to_numpy().ravel())
    assert "boss-Passw0rd!" not in shown


def test_the_sixth_wrong_password_locks_the_name_on_the_page(accounts_url: str) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    for _ in range(access.MAX_FAILURES - 1):
        assert _try_sign_in(at, "wang", "wrong-password") == ["用户名或密码错误。"]
    minutes = int(access.LOCK_DURATION.total_seconds() // 60)
    locked = [ui_text("login_locked", "zh", minutes=minutes)]
    assert _try_sign_in(at, "wang", "wrong-password") == locked
    assert _try_sign_in(at, "wang", "wang-password") == locked  # even the right one, during the lock
    assert not at.metric


@pytest.fixture
def no_account_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv(ENV_DB_URL, url)
    return url


def _first_admin(at: AppTest, name: str, password: str, again: str) -> list[str]:
    at.text_input(key="first_admin_name").input(name)
    at.text_input(key="first_admin_password").input(password)
    at.text_input(key="first_admin_password_again").input(again)
    next(b for b in at.button if b.label == ui_text("first_admin_submit", "zh")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


def test_the_first_administrator_is_created_on_the_page_and_signed_in(no_account_url: str) -> None:
    """Issue 11.4: a store with no account makes nobody an administrator; every page says so
    and offers the form; its refusals are the CLI's words; the new administrator is signed in
    and recorded; once made, the form is gone for everybody."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert [w.value for w in at.warning] == [ui_text("first_admin_notice", "zh")]
    assert "data" not in at.session_state["_nav_visible"]
    assert "未登录（只读）" in [c.value for c in at.sidebar.caption]
    assert _first_admin(at, "王主席", "password-1", "password-2") == [ui_text("first_admin_mismatch", "zh")]
    assert _first_admin(at, "王主席", "short", "short") == ["密码至少需要 8 个字符。"]
    assert _first_admin(at, "王主席", "password-1", "password-1") == []
    assert "已登录：王主席（管理）" in [c.value for c in at.sidebar.caption]
    assert "data" in at.session_state["_nav_visible"] and not at.warning
    store = Store.open(no_account_url)
    try:
        assert [(u.name, u.role) for u in access.list_users(store)] == [("王主席", "admin")]
        assert [(e.user, e.action, e.detail.get("first_admin")) for e in access.audit_entries(store)] == [
            ("王主席", "user_add", True)
        ]
    finally:
        store.close()
    other = AppTest.from_file(APP, default_timeout=60)  # another visitor: the sign-in form now
    other.run()
    assert [s.value for s in other.subheader] == ["登录"] and not other.warning


def test_with_require_login_a_fresh_install_shows_only_the_first_run_form(
    no_account_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    text = (ROOT / "config.toml").read_text(encoding="utf-8").replace("require_login = false", "require_login = true")
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv(ENV_CONFIG, str(config))
    session.get_settings.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.exception and not at.metric
        assert [t.value for t in at.title] == [ui_text("app_title", "zh")]
        assert at.text_input(key="first_admin_name")  # the form, open
    finally:
        session.get_settings.clear()


# ---- staying signed in -----------------------------------------------------------------------


def test_a_session_signs_in_until_its_lifetime_idle_limit_sign_out_new_password_or_removal(store: Store) -> None:
    """Issue 11.5 (replaces the test of the HMAC cookie, whose format is gone): a session is a
    random token the store knows only by its hash; it ends at its lifetime, after the idle
    limit, at sign-out, with a new password and with the account."""
    from datetime import UTC, datetime, timedelta

    boss = access.add_user(store, "王主席", "admin", password="password-1")
    now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    token = access.start_session(store, boss, now=now)
    assert len(token) >= 43  # secrets.token_urlsafe(32)
    end = now + timedelta(hours=access.SESSION_HOURS)
    step = timedelta(hours=access.SESSION_IDLE_HOURS) - timedelta(minutes=1)
    t = now
    while t + step < end:  # used now and then: alive to the absolute end, not a second longer
        t += step
        assert access.account_for_session(store, token, now=t) == boss
    assert access.account_for_session(store, token, now=end - timedelta(seconds=1)) == boss
    assert access.account_for_session(store, token, now=end) is None

    idle = access.start_session(store, "王主席", now=now)
    assert access.account_for_session(store, idle, now=now + step) == boss
    assert access.account_for_session(store, idle, now=now + step + step + timedelta(minutes=2)) is None

    token = access.start_session(store, boss, now=now)
    bad = [None, "", "x", token[:-1], token + "A", token.swapcase(), " " + token, "A" * 5000, 42]
    assert [access.account_for_session(store, b, now=now) for b in bad] == [None] * len(bad)

    assert access.end_session(store, token, now=now) == "王主席"  # sign-out
    assert access.account_for_session(store, token, now=now) is None  # replayed elsewhere: nobody
    assert access.end_session(store, token, now=now) is None  # already ended: recorded once
    assert [(e.user, e.action) for e in access.audit_entries(store)] == [("王主席", "logout")]

    tabs = [access.start_session(store, boss, now=now) for _ in range(3)]
    access.set_password(store, "王主席", "password-2")
    assert [access.account_for_session(store, x, now=now) for x in tabs] == [None] * 3  # every open tab
    token = access.start_session(store, boss, now=now)
    access.remove_user(store, "王主席")
    assert access.account_for_session(store, token, now=now) is None
    access.add_user(store, "王主席", "viewer", password="password-3")  # the same name again: not revived
    assert access.account_for_session(store, token, now=now) is None
    with pytest.raises(access.AccountError) as e:
        access.start_session(store, "nobody", now=now)
    assert e.value.code == "unknown"


def test_the_clerk_sees_the_nearest_roster_name_for_an_unknown_unit(accounts_url: str) -> None:
    """10.3 on the data page: the preview refuses 电修车问 and the problems table suggests 电修车间
    (column letter, header, value and the reason in their own cells)."""
    at = _sign_in("boss", "admin-pw", "data")
    at.get("file_uploader")[0].set_value(("报表.xlsx", _summary_workbook([("电修车问", 20)]), XLSX))
    at.run()
    assert not at.exception
    assert at.button(key="data_confirm").disabled
    (errors,) = [df.value for df in at.dataframe if "原因" in df.value.columns]
    assert errors.to_dict("records") == [
        {
            "文件": "报表.xlsx",
            "工作表": "月报",
            "行号": "3",
            "列": "A 列「单位」",
            "值": "电修车问",
            "原因": "单位不在名册中，您是否要填：电修车间",
            "说明": "报表.xlsx · 工作表「月报」第3行 · A 列「单位」值「电修车问」：单位不在名册中，您是否要填：电修车间",
        }
    ]
    store = Store.open(accounts_url)
    try:
        with store.engine.connect() as conn:
            assert "电修车问" not in set(conn.execute(sa.text("SELECT name FROM units")).scalars())
    finally:
        store.close()


def test_the_preview_diff_names_columns_by_their_labels(accounts_url: str) -> None:
    """10.10: the diff of a corrected report says 参学人数 / 计划完成日期, not participants / planned_date."""
    from dashboard.i18n import FIELD_LABELS

    at = _sign_in("boss", "admin-pw", "data")
    at.get("file_uploader")[0].set_value(("报表.xlsx", _summary_workbook([("塑编车间", 7)], month="2024-03"), XLSX))
    at.run()
    assert not at.exception
    (diff,) = [df.value for df in at.dataframe if "现有值" in df.value.columns]
    columns = set(diff["列"])
    assert "参学人数" in columns
    assert columns <= {label["zh"] for label in FIELD_LABELS.values()}, columns


def _ledger_workbook(rows: list[tuple[str, str, str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "学习台账"
    ws.append(["工号", "姓名", "单位", "月份", "培训学时", "学习积分"])
    for employee_id, name, unit in rows:
        ws.append([employee_id, name, unit, "2024-12", 8, 10])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_move_is_a_warning_for_the_admin_and_refused_for_a_reporter_on_the_data_page(accounts_url: str) -> None:
    """10.2 on the data page: SJ00001 is stored in 塑编车间 in December 2024 (the demo)."""
    move = ("台账.xlsx", _ledger_workbook([("SJ00001", "石春", "挤出车间")]), XLSX)
    at = _sign_in("boss", "admin-pw", "data")
    at.get("file_uploader")[0].set_value(move)
    at.run()
    assert not at.exception
    assert not at.button(key="data_confirm").disabled
    (warnings,) = [df.value for df in at.dataframe if "原因" in df.value.columns]
    assert warnings["原因"].tolist() == ["工号 SJ00001 在2024年12月由塑编车间调到挤出车间（调动）"]
    # li reports for 塑编车间 only: taking SJ00001 into 挤出车间 is refused by the scope check, and
    # naming their own unit for a person of another unit by the store's rule
    at = _sign_in("li", "li-password", "data")
    take = ("台账.xlsx", _ledger_workbook([("SJ00300", "某人", "塑编车间")]), XLSX)
    at.get("file_uploader")[0].set_value(take)
    at.run()
    assert not at.exception
    store = Store.open(accounts_url)
    try:
        with store.engine.connect() as conn:
            other = conn.execute(
                sa.text("SELECT unit FROM ledger_rows WHERE employee_id = 'SJ00300' AND month = '2024-12'")
            ).scalar_one()
    finally:
        store.close()
    assert other != "塑编车间"
    assert at.button(key="data_confirm").disabled
    (errors,) = [df.value for df in at.dataframe if "原因" in df.value.columns]
    assert errors["原因"].tolist() == [f"工号 SJ00300 在2024年12月属于{other}：只有该单位的填报人或管理员可以修改"]


def test_the_data_page_names_its_month_box_not_the_command_lines_option(accounts_url: str) -> None:
    """10.10: a report with no month anywhere; the page has a 报表月份 box, not --period."""
    csv = "单位,职工人数,参学人数,培训场次,培训人次,培训学时,取证人数\n塑编车间,40,20,3,60,120,1\n".encode()
    at = _sign_in("boss", "admin-pw", "data")
    at.get("file_uploader")[0].set_value(("报表.csv", csv, "text/csv"))
    at.run()
    assert not at.exception
    (errors,) = [df.value for df in at.dataframe if "原因" in df.value.columns]
    assert errors["原因"].tolist() == [
        "无法确定月份：表中没有月份列，标题和文件名中也没有年月，请在上方“报表月份”中选择月份"
    ]
    assert not any("--period" in str(v) for v in errors.to_numpy().ravel())


def test_the_uploader_takes_every_format_the_reader_reads(accounts_url: str) -> None:
    """.ods and .xlsb are read (issue 10.9); the uploader used to refuse them before the reader saw them."""
    at = _sign_in("boss", "admin-pw", "data")
    assert sorted(at.get("file_uploader")[0].proto.type) == [".csv", ".ods", ".xls", ".xlsb", ".xlsm", ".xlsx"]
