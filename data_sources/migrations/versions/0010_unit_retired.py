"""units.retired_from and the audit log's (action, id) index: a unit retired from a month
(撤销/停止报送) and the roster changes the figures' cache key counts.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

``retired_from`` is the first month (``YYYY-MM``) a unit no longer reports: it stays in every
period starting before it and is left out of the selection's units from it on; NULL for a unit
that reports. The index lets ``Store.data_version`` find the newest roster change (rename,
merge, retire, …) among the audit entries without reading the sign-ins. A nullable column and an
index on a small table: quick on a large store.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("units", sa.Column("retired_from", sa.String(7), nullable=True))
    op.create_index("ix_audit_action_id", "audit_log", ["action", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_action_id", table_name="audit_log")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("retired_from")
