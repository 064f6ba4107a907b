"""Alembic environment: run by ``Store.open`` with the connection in ``config.attributes``.

No alembic.ini is needed at runtime; for ``alembic revision --autogenerate`` during development,
pass ``-x url=...`` or set ``sqlalchemy.url`` in a Config of your own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from data_sources.store import metadata

config = context.config


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("give the database URL with -x url=...")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        _run(conn)
