"""Issue 11.7: an OIDC identity signs in as the account of its e-mail only when the provider
verified that e-mail; every outcome is audited with the real subject (iss, sub, email). The
claims come from ID tokens of a real provider (oidc-provider-mock) where it matters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dashboard.config import SettingsError, parse_settings
from data_sources import access
from data_sources.store import Store
from tests.oidc_provider import id_token_claims, running_provider

ISS = "https://idp.example.org"
PEOPLE = [
    {"sub": "wang", "email": "Wang.Zhu@Example.com", "email_verified": True},
    {"sub": "mallory", "email": "wang.zhu@example.com", "email_verified": False},  # typed the admin's address
    {"sub": "eve", "email": "wang.zhu@example.com"},  # a provider that does not say
    {"sub": "zhao", "email": "zhao@example.com", "email_verified": True},  # no account
]


def test_an_unverified_email_does_not_sign_in_as_the_administrator_it_names(store: Store, tmp_path: Path) -> None:
    access.add_user(store, "王主席", "admin", email="wang.zhu@example.com")
    with running_provider(PEOPLE, tmp_path / "idp.log") as issuer:
        claims = {p["sub"]: id_token_claims(issuer, p["sub"]) for p in PEOPLE}
    assert claims["mallory"]["email_verified"] is False and "email_verified" not in claims["eve"]

    outcomes = {}
    for sub, c in claims.items():
        try:
            outcomes[sub] = access.oidc_account(store, c).name
        except access.OidcRefused as e:
            outcomes[sub] = (e.reason, e.email)
    assert outcomes == {
        "wang": "王主席",
        "mallory": ("unverified", "wang.zhu@example.com"),
        "eve": ("unverified", "wang.zhu@example.com"),
        "zhao": ("unknown", "zhao@example.com"),
    }
    log = {e.detail["sub"]: (e.user, e.action, e.detail) for e in access.audit_entries(store)}
    assert log == {
        "wang": ("王主席", "login", {"method": "oidc", "role": "admin", "iss": issuer, "sub": "wang",
                                    "email": "wang.zhu@example.com"}),
        "mallory": ("?", "login_failed", {"method": "oidc", "reason": "unverified", "iss": issuer,
                                          "sub": "mallory", "email": "wang.zhu@example.com"}),
        "eve": ("?", "login_failed", {"method": "oidc", "reason": "unverified", "iss": issuer, "sub": "eve",
                                      "email": "wang.zhu@example.com"}),
        "zhao": ("zhao@example.com", "login_failed", {"method": "oidc", "reason": "unknown", "iss": issuer,
                                                      "sub": "zhao", "email": "zhao@example.com"}),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("claims", "domains", "expected"),
    [
        ({"email": "wang.zhu@example.com", "email_verified": True}, (), "王主席"),
        ({"email": " WANG.ZHU@EXAMPLE.COM ", "email_verified": True}, (), "王主席"),
        ({"email": "wang.zhu@example.com", "email_verified": "true"}, (), "王主席"),  # some providers send text
        ({"email": "wang.zhu@example.com", "email_verified": "false"}, (), "unverified"),
        ({"email": "wang.zhu@example.com", "email_verified": 1}, (), "unverified"),
        ({"email": "wang.zhu@example.com", "email_verified": None}, (), "unverified"),
        ({"email": "wang.zhu@example.com"}, (), "unverified"),
        ({"email_verified": True}, (), "no_email"),
        ({"email": "", "email_verified": True}, (), "no_email"),
        ({"email": "wang.zhu@example.com", "email_verified": True}, ("example.com",), "王主席"),
        ({"email": "wang.zhu@example.com", "email_verified": True}, ("example.org",), "domain"),
        ({"email": "wang.zhu@example.com", "email_verified": False}, ("example.com",), "unverified"),
        ({"email": "x@example.com.evil.org", "email_verified": True}, ("example.com",), "domain"),
        ({"email": "nobody@example.com", "email_verified": True}, ("example.com",), "unknown"),
    ],
)
def test_only_a_verified_email_picks_the_account_and_domains_only_narrow_it(
    tmp_path: Path, claims: dict[str, Any], domains: tuple[str, ...], expected: str
) -> None:
    """The rule itself (no database in it; the test above runs it on all three)."""
    store = Store.open(f"sqlite:///{tmp_path / 'o.db'}")
    try:
        access.add_user(store, "王主席", "admin", email="wang.zhu@example.com")
        try:
            got = access.oidc_account(store, {"iss": ISS, "sub": "s1", **claims}, email_domains=domains).name
        except access.OidcRefused as e:
            got = e.reason
        assert got == expected
        (entry,) = access.audit_entries(store)
        assert (entry.detail["iss"], entry.detail["sub"]) == (ISS, "s1")
    finally:
        store.close()


def test_oidc_email_domains_is_a_list_of_domain_names() -> None:
    raw = {"campaign": {"year": 2024, "phases": [{"name": "p", "start": "01-01", "end": "12-31"}]}}
    s = parse_settings({**raw, "access": {"oidc_email_domains": ["Example.org", "@corp.example.cn"]}})
    assert s.access.oidc_email_domains == ("example.org", "corp.example.cn")
    assert parse_settings(raw).access.oidc_email_domains == ()
    for bad in (["example"], ["a b.org"], [3], "example.org"):
        with pytest.raises(SettingsError) as e:
            parse_settings({**raw, "access": {"oidc_email_domains": bad}})
        assert e.value.key == "access.oidc_email_domains"
