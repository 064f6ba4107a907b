"""MySQL/MariaDB: every table in utf8mb4 with the binary collation utf8mb4_bin.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

A server's default character set may be latin1 (no Chinese at all) and its default collation
case-, accent- and width-insensitive (utf8mb4_unicode_ci: "A车间" = "a车间" = "Ａ车间", and
"李二" = "李二 "), so two different unit names could collide on a primary key and a changed name
could pass for the same one. SQLite and PostgreSQL compare text code point by code point; with
utf8mb4_bin MySQL does too, and every database gives the same answer. Nothing to do elsewhere.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = (
    "units",
    "summary_rows",
    "ledger_rows",
    "certificate_rows",
    "milestone_rows",
    "import_batches",
    "batch_changes",
    "unit_months",
    "learner_years",
    "accounts",
    "audit_log",
    "alembic_version",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name not in ("mysql", "mariadb"):
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE `{table}` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
