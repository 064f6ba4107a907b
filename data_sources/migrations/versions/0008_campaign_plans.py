"""campaign_plans: the campaign plan of each year (phases, milestones, targets, 考核评比 rules,
the report due day), kept in the store so an office runs the campaign year after year from the
app (issue 15).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

A store made before this revision has no plan: config.toml's [campaign] year stays its plan
until an administrator saves one. ``revision`` counts the saves of a year, so the data version
(the figures' cache key) changes with every saved plan. Written out in full (not from
store.metadata) so later changes to the models never change what this revision does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_plans",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )


def downgrade() -> None:
    op.drop_table("campaign_plans")
