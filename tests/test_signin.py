"""Issue 11.10 (sign-in lockout, a password typed into 用户名), 10.10 (``user add`` rules), the first
administrator of a fresh install, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import io
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.cli import main
from data_sources import access
from data_sources.store import Store
from tests import builders as b
from tests.test_faults import dump_all

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _attempt(store: Store, name: str, password: str, minutes: float, t0: datetime = T0) -> str | tuple[str, int]:
    """The account name of a successful sign-in, or (reason, minutes of the lock) of a refusal, at
    ``minutes`` after ``t0``."""
    try:
        return access.sign_in(store, name, password, now=t0 + timedelta(minutes=minutes)).account.name
    except access.SignInRefused as e:
        return (e.reason, e.minutes)


def test_five_failures_lock_the_name_and_even_the_right_password_is_refused_until_the_lock_ends(
    store: Store,
) -> None:
    access.add_user(store, "li", "viewer", password="right-password")
    steps = [  # (password, minutes after T0, outcome)
        ("wrong-1", 0, ("wrong", 0)),
        ("wrong-2", 3, ("wrong", 0)),
        ("wrong-3", 6, ("wrong", 0)),
        ("wrong-4", 9, ("wrong", 0)),
        ("wrong-5", 14, ("locked", 15)),  # the 5th failure within 15 minutes: locked for 15
        ("right-password", 15, ("locked", 14)),
        ("right-password", 28.5, ("locked", 1)),
        ("right-password", 29, "li"),  # the lock is over
        ("wrong-6", 30, ("wrong", 0)),  # a success forgot the failures: counting starts again
        ("wrong-7", 31, ("wrong", 0)),
        ("wrong-8", 32, ("wrong", 0)),
        ("wrong-9", 33, ("wrong", 0)),
        ("right-password", 34, "li"),
        # failures further apart than the window do not add up
        ("wrong-a", 40, ("wrong", 0)),
        ("wrong-b", 45, ("wrong", 0)),
        ("wrong-c", 50, ("wrong", 0)),
        ("wrong-d", 55, ("wrong", 0)),  # 15 minutes after the first counted one: counts anew
        ("right-password", 56, "li"),
    ]
    assert [_attempt(store, "li", pw, m) for pw, m, _ in steps] == [o for _, _, o in steps]
    log = [(e.user, e.action, e.detail.get("reason")) for e in reversed(access.audit_entries(store))]
    assert log[:9] == [
        *[("li", "login_failed", "wrong_password")] * 5,
        ("li", "login_locked", None),  # set by the 5th failure
        ("li", "login_locked", None),  # refused at 15
        ("li", "login_locked", None),  # refused at 28.5
        ("li", "login", None),
    ]


def test_forty_attempts_from_four_sessions_then_the_right_password_is_refused(db_url: str) -> None:
    """The attack of issue 11.10, with four app processes' worth of connections (a Store each):
    the count is in the store, so the lock holds for every one of them."""
    setup = Store.open(db_url)
    stores = [Store.open(db_url) for _ in range(4)]
    try:
        access.add_user(setup, "boss", "admin", password="right-password")
        outcomes: list[str] = []

        def guess(store: Store, k: int) -> None:
            for i in range(10):
                try:
                    access.sign_in(store, "boss", f"guess-{k}-{i}")
                    outcomes.append("signed in")
                except access.SignInRefused as e:
                    outcomes.append(e.reason)

        threads = [threading.Thread(target=guess, args=(s, k)) for k, s in enumerate(stores)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.monotonic() - started
        assert len(outcomes) == 40 and "signed in" not in outcomes
        with pytest.raises(access.SignInRefused) as e:
            access.sign_in(setup, "boss", "right-password")
        assert e.value.reason == "locked" and e.value.minutes == 15
        actions = [x.action for x in access.audit_entries(setup)]
        checked = actions.count("login_failed")  # attempts whose password was checked at all
        # at most one attempt per session was under way when the 5th failure set the lock
        assert access.MAX_FAILURES <= checked <= access.MAX_FAILURES + len(stores) - 1, (checked, took)
        assert actions.count("login") == 0
    finally:
        for s in [setup, *stores]:
            s.close()


def test_a_name_that_is_no_account_is_locked_alike_and_never_stored_as_typed(store: Store) -> None:
    access.add_user(store, "li", "viewer", password="right-password")
    typed = "Tr0ub4dor&3-秘密"  # a password typed into 用户名
    known = [_attempt(store, "li", f"wrong-{i}", i) for i in range(access.MAX_FAILURES + 1)]
    unknown = [_attempt(store, typed, "li", i) for i in range(access.MAX_FAILURES + 1)]
    assert unknown == known  # a lock tells nothing about which names exist
    assert known[-2:] == [("locked", 15), ("locked", 14)]
    values = [str(v) for rows in dump_all(store.url).values() for row in rows for v in row if v is not None]
    assert [v for v in values if typed in v or typed.lower() in v.lower()] == []
    entries = [e for e in access.audit_entries(store) if e.user != "li"]
    assert {(e.user, e.action, e.detail.get("reason")) for e in entries} == {
        (access.UNKNOWN_NAME, "login_failed", "unknown_name"),
        (access.UNKNOWN_NAME, "login_locked", None),
    }


def _cli(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    import sys

    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    try:
        code = main(list(argv), out, err)
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def test_an_administrator_lifts_a_lock_with_user_unlock_or_a_new_password(db_url: str) -> None:
    # the command line unlocks at the clock's time, so the lock is taken now (a fixed T0 is long past)
    t0 = datetime.now(UTC).replace(microsecond=0)  # stores keep whole seconds
    store = Store.open(db_url)
    try:
        access.add_user(store, "li", "viewer", password="right-password")
        for _ in range(access.MAX_FAILURES):
            _attempt(store, "li", "wrong", 0, t0)
        assert _attempt(store, "li", "right-password", 1, t0) == ("locked", 14)
        assert access.locked_until(store, "li", now=t0) == t0 + access.LOCK_DURATION
        assert _cli("user", "unlock", "li", "--db", db_url) == (0, "已解除用户名 li 的登录锁定。\n", "")
        assert _cli("user", "unlock", "li", "--db", db_url, "--lang", "en") == (0, "li is not locked.\n", "")
        assert _attempt(store, "li", "right-password", 2, t0) == "li"
        for _ in range(access.MAX_FAILURES):
            _attempt(store, "li", "wrong", 3, t0)
        assert _cli("user", "passwd", "li", "--password-stdin", "--db", db_url, stdin="new-password\n")[0] == 0
        assert _attempt(store, "li", "new-password", 4, t0) == "li"
        actions = [e.action for e in access.audit_entries(store)]
        assert "user_unlock" in actions and actions.count("user_unlock") == 1
    finally:
        store.close()


# ---- the user command's rules (issue 10.10) -------------------------------------------------


ADDED = (
    0,
    "已添加用户 li（reporter）。\n",
    "注意：还没有管理员账号，网页上没有人能管理数据。请再添加一个 --role admin 的用户。\n",
)


def _roster_store(url: str, units: list[str]) -> None:
    store = Store.open(url)
    try:
        if units:
            store.commit(b.parsed("名册.xlsx", roster=[b.roster(u, "生产部", 10) for u in units]), "t")
        else:  # a unit a data row brought along is not a roster
            store.commit(b.parsed("三月.xlsx", summary=[b.summary("一车间", "2024-03", 10, 5, 20.0)]), "t")
    finally:
        store.close()


@pytest.mark.parametrize(
    ("roster", "argv", "password", "lang", "expected"),
    [
        (
            ["塑编车间", "成型车间"],
            ["--units", "塑编车间,电修车问,成型車间"],
            "password-1",
            "zh",
            (1, "", "以下单位不在单位名册中：电修车问、成型車间。请按名册中的名称填写 --units。\n"),
        ),
        (
            ["塑编车间", "成型车间"],
            ["--units", "电修车问"],
            "password-1",
            "en",
            (1, "", "Not in the unit roster: 电修车问. Give --units as the roster names them.\n"),
        ),
        (
            ["塑编车间", "成型车间"],
            ["--units", "塑编车间,成型车间"],
            "password-1",
            "zh",
            ADDED,
        ),
        ([], ["--units", "电修车问"], "password-1", "zh", ADDED),  # no roster yet
        (["塑编车间"], ["--units", "塑编车间"], "x", "zh", (1, "", "密码至少需要 8 个字符。\n")),
        (
            ["塑编车间"],
            ["--units", "塑编车间"],
            "1234567",
            "en",
            (1, "", "The password must have at least 8 characters.\n"),
        ),
        (["塑编车间"], ["--units", "塑编车间"], "密码密码密码密码", "zh", ADDED),
    ],
)
def test_user_add_refuses_units_outside_the_roster_and_short_passwords(
    tmp_path: Path, roster: list[str], argv: list[str], password: str, lang: str, expected: tuple[int, str, str]
) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    _roster_store(url, roster)
    got = _cli(
        "user",
        "add",
        "li",
        "--role",
        "reporter",
        *argv,
        "--password-stdin",
        "--db",
        url,
        "--lang",
        lang,
        stdin=password + "\n",
    )
    assert got == expected


def test_the_rules_hold_for_every_database_and_for_a_new_password(store: Store) -> None:
    store.commit(b.parsed("名册.xlsx", roster=[b.roster("塑编车间", "生产部", 10)]), "t")
    with pytest.raises(access.AccountError) as e:
        access.add_user(store, "li", "reporter", ["塑编车间", "塑编车间 ", "电修车问"], password="password-1")
    assert (e.value.code, list(e.value.params["units"])) == ("unknown_units", ["电修车问"])
    assert access.add_user(store, "li", "reporter", ["塑编车间", "塑编车间 "], password="password-1").units == (
        "塑编车间",
    )
    with pytest.raises(access.AccountError) as e:
        access.set_password(store, "li", "short")
    assert (e.value.code, e.value.params["min"]) == ("short_password", access.MIN_PASSWORD_LENGTH)
    assert access.authenticate(store, "li", "password-1") is not None  # unchanged


# ---- the first administrator of a fresh install -----------------------------------------------


def test_the_first_administrator_is_created_once_even_by_concurrent_calls(db_url: str) -> None:
    """Four first-run pages submit at the same moment; each check of "no account yet" is held
    up before its INSERT, so without a lock every one of them would find the store empty."""
    stores = [Store.open(db_url) for _ in range(4)]
    try:
        for s in stores:

            @sa.event.listens_for(s.engine, "before_cursor_execute")
            def _slow_insert(conn, cursor, statement, params, context, executemany) -> None:
                if statement.lstrip().upper().startswith("INSERT INTO ACCOUNTS"):
                    time.sleep(0.5)

        results: list[object] = [None] * len(stores)
        barrier = threading.Barrier(len(stores))

        def submit(k: int) -> None:
            barrier.wait()
            try:
                results[k] = access.create_first_admin(stores[k], f"admin-{k}", "password-1").name
            except access.AccountError as e:
                results[k] = e.code

        threads = [threading.Thread(target=submit, args=(k,)) for k in range(len(stores))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        made = [r for r in results if r != "not_first"]
        assert len(made) == 1 and results.count("not_first") == len(stores) - 1, results
        assert [(a.name, a.role) for a in access.list_users(stores[0])] == [(made[0], "admin")]
        log = [(e.user, e.action, e.detail.get("first_admin")) for e in access.audit_entries(stores[0])]
        assert log == [(made[0], "user_add", True)]
        with pytest.raises(access.AccountError) as e:
            access.create_first_admin(stores[0], "late", "password-2")
        assert e.value.code == "not_first"
    finally:
        for s in stores:
            s.close()


@pytest.mark.parametrize(
    ("name", "password", "code"),
    [
        ("", "password-1", "empty_name"),
        ("  ", "password-1", "empty_name"),
        ("a", "", "empty_password"),
        ("a", "1234567", "short_password"),
    ],
)
def test_the_first_administrator_needs_a_name_and_a_password_of_eight(
    tmp_path: Path, name: str, password: str, code: str
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    try:
        with pytest.raises(access.AccountError) as e:
            access.create_first_admin(store, name, password)
        assert e.value.code == code and not access.has_accounts(store)
    finally:
        store.close()
