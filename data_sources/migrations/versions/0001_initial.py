"""The first schema: units, the five kinds of row, import batches with undo images, unit_months.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Written out in full (not from store.metadata) so that later changes to the models never change
what this revision creates.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UNIT = 200
EMP = 64


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("name", sa.String(UNIT), primary_key=True),
        sa.Column("department", sa.String(UNIT), nullable=True),
        sa.Column("unit_type", sa.String(100), nullable=True),
        sa.Column("is_pilot", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("headcount", sa.Integer(), nullable=True),
        sa.Column("auto_added", sa.Boolean(), nullable=False, server_default=sa.false()),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "summary_rows",
        sa.Column("unit", sa.String(UNIT), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("person_times", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.Column("certificates", sa.Integer(), nullable=False),
        sa.Column("suggestions", sa.Integer(), nullable=True),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_summary_month_unit", "summary_rows", ["month", "unit"])
    op.create_table(
        "ledger_rows",
        sa.Column("employee_id", sa.String(EMP), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("unit", sa.String(UNIT), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.Column("points", sa.Double(), nullable=False),
        sa.Column("attendance", sa.Integer(), nullable=True),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_ledger_unit_month", "ledger_rows", ["unit", "month", "employee_id", "hours", "points"])
    op.create_table(
        "certificate_rows",
        sa.Column("employee_id", sa.String(EMP), primary_key=True),
        sa.Column("cert_name", sa.String(200), primary_key=True),
        sa.Column("cert_date", sa.Date(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("unit", sa.String(UNIT), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_cert_unit_month", "certificate_rows", ["unit", "month", "level"])
    op.create_table(
        "milestone_rows",
        sa.Column("unit", sa.String(UNIT), primary_key=True),
        sa.Column("milestone", sa.String(200), primary_key=True),
        sa.Column("phase", sa.String(100), nullable=True),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("done_date", sa.Date(), nullable=True),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by", sa.String(200), nullable=True),
    )
    op.create_table(
        "batch_changes",
        sa.Column("tbl", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(600), primary_key=True),
        sa.Column("batch_id", sa.Integer(), primary_key=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_changes_batch", "batch_changes", ["batch_id"])
    op.create_table(
        "unit_months",
        sa.Column("unit", sa.String(UNIT), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("has_summary", sa.Boolean(), nullable=False),
        sa.Column("has_ledger", sa.Boolean(), nullable=False),
        sa.Column("has_cert_rows", sa.Boolean(), nullable=False),
        sa.Column("summary_headcount", sa.Integer(), nullable=True),
        sa.Column("summary_participants", sa.Integer(), nullable=True),
        sa.Column("summary_sessions", sa.Integer(), nullable=True),
        sa.Column("summary_person_times", sa.Integer(), nullable=True),
        sa.Column("summary_hours", sa.Double(), nullable=True),
        sa.Column("summary_certificates", sa.Integer(), nullable=True),
        sa.Column("summary_suggestions", sa.Integer(), nullable=True),
        sa.Column("ledger_hours", sa.Double(), nullable=False),
        sa.Column("ledger_points", sa.Double(), nullable=False),
        sa.Column("ledger_participants", sa.Integer(), nullable=False),
        sa.Column("ledger_rows", sa.Integer(), nullable=False),
        sa.Column("cert_rows", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("certificates", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_unit_months_month_unit", "unit_months", ["month", "unit"])


def downgrade() -> None:
    for name in (
        "unit_months",
        "batch_changes",
        "import_batches",
        "milestone_rows",
        "certificate_rows",
        "ledger_rows",
        "summary_rows",
        "units",
    ):
        op.drop_table(name)
