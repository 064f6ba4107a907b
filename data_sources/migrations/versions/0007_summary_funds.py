"""summary_rows.training_funds and summary_rows.payroll: the optional 培训经费 and 工资总额 of a
month's report (元), for the funds ratio of 考核评比 (DESIGN §4b).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02

Both are nullable: a store made before this revision, and every report that leaves the columns
out, has no funds figures ("not reported" in the evaluation). Adding a nullable column is a
metadata change on PostgreSQL and MariaDB and a plain ALTER TABLE … ADD COLUMN on SQLite, so this
is quick on a large store.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("summary_rows", sa.Column("training_funds", sa.Double(), nullable=True))
    op.add_column("summary_rows", sa.Column("payroll", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("summary_rows") as batch:
        batch.drop_column("payroll")
        batch.drop_column("training_funds")
