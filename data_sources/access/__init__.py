"""Who may do what: roles, accounts, sign-in (password with lockout, or OIDC), server-side
sessions, upload scope and the audit log.

Roles (DESIGN §1): ``viewer`` reads; ``reporter`` also uploads, for the units assigned to them
only; ``admin`` does everything (roster, targets, undo of any batch, users). The web app, the CLI
and the tests share these functions; nothing here imports Streamlit.

- ``passwords``: scrypt hashes (``scrypt$n$r$p$salt_b64$hash_b64``), the minimum length.
- ``accounts``: add / change password / remove / list, the first administrator.
- ``sessions``: random tokens, only their hash stored; lifetime, idle limit, revocation.
- ``signin``: name + password → a session, with the per-name lockout; audit entries.
- ``oidc``: the claims of an ID token → an account (verified e-mail only); audit entries.
- ``audit``: the audit log. ``scope``: a reporter's upload scope and undo rights.
"""

from __future__ import annotations

from data_sources.access.accounts import (
    add_user,
    authenticate,
    create_first_admin,
    get_user,
    has_accounts,
    list_users,
    remove_user,
    roster_units,
    set_password,
    user_by_email,
)
from data_sources.access.audit import AuditEntry, audit_entries, record
from data_sources.access.base import ROLES, Account, AccountError
from data_sources.access.oidc import OIDC_REASONS, OidcRefused, email_verified, oidc_account
from data_sources.access.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from data_sources.access.scope import scope_problems, undo_batch
from data_sources.access.sessions import (
    SESSION_HOURS,
    SESSION_IDLE_HOURS,
    account_for_session,
    end_session,
    end_sessions,
    start_session,
)
from data_sources.access.signin import (
    FAILURE_WINDOW,
    LOCK_DURATION,
    MAX_FAILURES,
    UNKNOWN_NAME,
    SignedIn,
    SignInRefused,
    locked_until,
    sign_in,
    unlock,
)

__all__ = [
    "FAILURE_WINDOW",
    "LOCK_DURATION",
    "MAX_FAILURES",
    "MIN_PASSWORD_LENGTH",
    "OIDC_REASONS",
    "ROLES",
    "SESSION_HOURS",
    "SESSION_IDLE_HOURS",
    "UNKNOWN_NAME",
    "Account",
    "AccountError",
    "AuditEntry",
    "OidcRefused",
    "SignInRefused",
    "SignedIn",
    "account_for_session",
    "add_user",
    "audit_entries",
    "authenticate",
    "create_first_admin",
    "email_verified",
    "end_session",
    "end_sessions",
    "get_user",
    "has_accounts",
    "hash_password",
    "list_users",
    "locked_until",
    "oidc_account",
    "record",
    "remove_user",
    "roster_units",
    "scope_problems",
    "set_password",
    "sign_in",
    "start_session",
    "undo_batch",
    "unlock",
    "user_by_email",
    "verify_password",
]
