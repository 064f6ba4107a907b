"""Signing in through the organisation's OpenID Connect provider (``st.login``): which account an
identity is, from the claims of its ID token.

The e-mail picks the account, so it must be one the provider has verified: an identity whose
``email_verified`` claim is false, missing or anything but true is refused, whatever its e-mail
(a provider lets its users type any address). ``[access] oidc_email_domains`` may narrow the
accepted addresses to the organisation's domains; nothing makes the rule looser. Every outcome
is in the audit log with the identity's real subject: issuer (``iss``), subject (``sub``) and the
e-mail it claimed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from data_sources.access.accounts import user_by_email
from data_sources.access.audit import record
from data_sources.access.base import Account
from data_sources.access.signin import UNKNOWN_NAME

if TYPE_CHECKING:  # pragma: no cover
    from data_sources.store import Store

OIDC_REASONS = ("no_email", "unverified", "domain", "unknown")


class OidcRefused(Exception):
    """An identity that signs in as nobody. ``reason``: "no_email" (no e-mail claim),
    "unverified" (``email_verified`` not true), "domain" (not in ``oidc_email_domains``) or
    "unknown" (no account has this e-mail); ``email`` is the claimed address (lower case)."""

    def __init__(self, reason: str, email: str):
        super().__init__(f"{reason}: {email}")
        self.reason = reason
        self.email = email


def email_verified(claims: Mapping[str, Any]) -> bool:
    """The provider says it verified the e-mail: the claim is true (JSON ``true``; some
    providers send the string "true"). Missing, false or anything else: not verified."""
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def oidc_account(store: Store, claims: Mapping[str, Any], email_domains: Sequence[str] = ()) -> Account:
    """The account of an OIDC identity, recorded in the audit log (``login`` or ``login_failed``,
    method "oidc", with ``iss``, ``sub`` and ``email``); OidcRefused when it is none. A refusal
    for an unverified or missing e-mail is recorded under UNKNOWN_NAME, never under the address
    the identity claimed."""
    email = str(claims.get("email") or "").strip().lower()
    subject = {"iss": str(claims.get("iss") or ""), "sub": str(claims.get("sub") or ""), "email": email}
    domains = {d.strip().lower().lstrip("@") for d in email_domains if d.strip()}
    reason = None
    if not email:
        reason = "no_email"
    elif not email_verified(claims):
        reason = "unverified"
    elif domains and email.rpartition("@")[2] not in domains:
        reason = "domain"
    acc = user_by_email(store, email) if reason is None else None
    if reason is None and acc is None:
        reason = "unknown"
    if reason is not None:
        who = email if reason in ("domain", "unknown") else UNKNOWN_NAME
        record(store, who, "login_failed", method="oidc", reason=reason, **subject)
        raise OidcRefused(reason, email)
    assert acc is not None
    record(store, acc.name, "login", method="oidc", role=acc.role, **subject)
    return acc
