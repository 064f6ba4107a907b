"""Sign-in through the organisation's OIDC provider (st.login), in a real browser against a real
OpenID Connect provider: oidc-provider-mock, a standalone OIDC server for tests, on its own port.
The identity's email picks the account and its role; an email with no account is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from data_sources import access
from data_sources.store import Store
from tests.oidc_provider import running_provider
from tests.test_browser import ROOT, Server, _free_port, browser, new_page, settle  # noqa: F401

pytestmark = pytest.mark.browser

PEOPLE = [  # e-mails the provider verified: only such an identity may sign in (issue 11.7)
    {"sub": "wang", "email": "Wang.Zhu@Example.com", "email_verified": True, "name": "王主席"},
    {"sub": "zhao", "email": "zhao@example.com", "email_verified": True, "name": "赵某"},
    # a provider user who typed the administrator's address, which the provider did not verify
    {"sub": "mallory", "email": "wang.zhu@example.com", "email_verified": False, "name": "冒充者"},
]


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[str]:
    """The provider's issuer URL; it knows the people of PEOPLE."""
    with running_provider(PEOPLE, tmp_path / "idp.log") as url:
        yield url


def _sign_in(page, app_url: str, who: str) -> None:
    page.goto(f"{app_url}/overview")
    settle(page)
    page.get_by_role("button", name="使用单位账号登录").click()
    page.wait_for_url("**/oauth2/authorize**")
    page.get_by_role("button", name=who, exact=True).click()
    page.wait_for_url(f"{app_url}/**")
    settle(page)


def test_oidc_sign_in_picks_the_account_by_email_and_refuses_an_unknown_one(browser, provider, tmp_path: Path):  # noqa: F811
    db = f"sqlite:///{tmp_path / 'oidc.db'}"
    store = Store.open(db)
    try:
        access.add_user(store, "王主席", "admin", email="wang.zhu@example.com", password=None)
    finally:
        store.close()
    demo = subprocess.run(
        [sys.executable, "-m", "dashboard", "demo", "--today", "2025-01-15", "--db", db],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
    port = _free_port()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{os.urandom(16).hex()}"\n'
        'client_id = "chuangzheng-dashboard"\n'
        'client_secret = "not-a-real-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    app = Server(db, tmp_path / "streamlit.log", port=port, extra_args=("--secrets.files", str(secrets)))
    try:
        page = new_page(browser)
        _sign_in(page, app.url, "wang")
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "王主席" in sidebar and "数据管理" in sidebar  # an admin: the data page is in the menu
        assert page.locator('[data-testid="stMetric"]').count() > 0
        page.context.close()

        stranger = new_page(browser)
        _sign_in(stranger, app.url, "zhao")
        body = stranger.inner_text("body")
        assert "zhao@example.com" in body and "数据管理" not in body
        assert stranger.locator('[data-testid="stMetric"]').count() == 0
        stranger.context.close()

        # issue 11.7: the administrator's address, unverified, signs in as nobody
        impostor = new_page(browser)
        _sign_in(impostor, app.url, "mallory")
        body = impostor.inner_text("body")
        assert "邮箱 wang.zhu@example.com 未经单位身份认证系统验证，不能登录。" in body
        assert "王主席" not in body and "数据管理" not in body
        assert impostor.locator('[data-testid="stMetric"]').count() == 0
        assert not [c for c in impostor.context.cookies() if c["name"] == "cz_session"]
        impostor.context.close()
    finally:
        app.stop()

    store = Store.open(db)
    try:
        log = [(e.user, e.action, e.detail) for e in access.audit_entries(store)]
    finally:
        store.close()
    subjects = {(user, action, d.get("method"), d.get("sub"), d.get("reason")) for user, action, d in log}
    assert ("王主席", "login", "oidc", "wang", None) in subjects
    assert ("zhao@example.com", "login_failed", "oidc", "zhao", "unknown") in subjects
    assert (access.UNKNOWN_NAME, "login_failed", "oidc", "mallory", "unverified") in subjects
    assert all(d.get("iss") == provider for _, _, d in log if d.get("method") == "oidc")
    assert [user for user, action, _ in log if action == "login"] == ["王主席"]  # once, by the real one
