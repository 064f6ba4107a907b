"""import_batches.received_on and batch_months: when each unit-month's report was first received,
for late reports (迟报, DESIGN §3).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

``received_on`` dates a batch (``import --received`` for history loaded afterwards); NULL, the
value of every batch made before this revision, means the day the batch was created.
``batch_months`` records every unit-month a batch stored summary or ledger rows of; a unit-month
was first received by its earliest batch that is not undone. It is filled here from the undo
images of the stored batches (``batch_changes``: an added row's image holds its unit and month, a
replaced row's the whole row), in SQL with the database's JSON functions. Written out in full (not
from store.metadata) so that later changes to the models never change what this revision does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UNIT = 200


def upgrade() -> None:
    op.add_column("import_batches", sa.Column("received_on", sa.Date(), nullable=True))
    op.create_table(
        "batch_months",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("unit", sa.String(UNIT), primary_key=True),
        sa.Column("batch_id", sa.Integer(), primary_key=True),
        sqlite_with_rowid=False,
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    conn = op.get_bind()
    bc = sa.table(
        "batch_changes",
        sa.column("tbl", sa.String),
        sa.column("batch_id", sa.Integer),
        sa.column("after", sa.Text),
    )
    # PostgreSQL reads text as JSON after a cast; SQLite's and MySQL's JSON functions read it as is
    after = sa.cast(bc.c.after, sa.JSON) if conn.dialect.name == "postgresql" else sa.type_coerce(bc.c.after, sa.JSON)
    month, unit = after["month"].as_string(), after["unit"].as_string()
    # DISTINCT, not GROUP BY: PostgreSQL would not see the two JSON expressions as one
    select = sa.select(month, unit, bc.c.batch_id).where(bc.c.tbl.in_(["summary_rows", "ledger_rows"])).distinct()
    bm = sa.table("batch_months", sa.column("month"), sa.column("unit"), sa.column("batch_id"))
    conn.execute(bm.insert().from_select(["month", "unit", "batch_id"], select))


def downgrade() -> None:
    op.drop_table("batch_months")
    with op.batch_alter_table("import_batches") as batch:
        batch.drop_column("received_on")
