"""login_sessions and login_locks: server-side sign-in sessions and the sign-in lockout.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Until this revision the sign-in cookie was an HMAC keyed by the stored password hash: whoever
could read the accounts table could mint one, and nothing could end it before the expiry it
carried. A session is now a row holding only the SHA-256 of a random token (the cookie holds the
token), so reading the database signs nobody in and sign-out, a new password or a removed account
revoke it. login_locks counts failed sign-ins per name (the SHA-256 of the name as typed, never
the text) so a lock holds across browser sessions and app processes. MySQL/MariaDB tables use
utf8mb4_bin like every other table (revision 0004): account names compare code point by code point.
Written out in full (not from store.metadata) so that later changes to the models never change
what this revision does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index("ix_login_sessions_account", "login_sessions", ["account"])
    op.create_table(
        "login_locks",
        sa.Column("name_hash", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )


def downgrade() -> None:
    op.drop_table("login_locks")
    op.drop_index("ix_login_sessions_account", table_name="login_sessions")
    op.drop_table("login_sessions")
