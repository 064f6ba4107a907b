"""The campaign plan of each year, as the JSON document of config.toml's ``[campaign]``,
``[targets]`` and ``[evaluation]`` tables (``dashboard.config.parse_plan`` reads it; the store
does not look inside). Saving a year's plan bumps its ``revision`` (第 N 版); its audit entry,
written in the same transaction, changes the data version, so every app process shows the new
plan's figures at once.

Imports: ``tables`` and ``rows``.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_sources.store.rows import utcnow
from data_sources.store.tables import campaign_plans


def stored_plans(conn: Connection) -> dict[int, dict[str, Any]]:
    """Every stored year's plan document, by year."""
    rows = conn.execute(sa.select(campaign_plans.c.year, campaign_plans.c.document)).all()
    return {int(r.year): json.loads(r.document) for r in rows}


def save_plan(conn: Connection, year: int, document: dict[str, Any], user: str) -> int:
    """Insert or replace ``year``'s plan inside the caller's (locked) transaction; returns the
    year's new revision."""
    text = json.dumps(document, ensure_ascii=False, sort_keys=True)
    now = utcnow().replace(tzinfo=None)
    current = conn.execute(sa.select(campaign_plans.c.revision).where(campaign_plans.c.year == year)).scalar()
    if current is None:
        conn.execute(
            campaign_plans.insert().values(year=year, document=text, revision=1, updated_at=now, updated_by=user[:200])
        )
        return 1
    conn.execute(
        campaign_plans.update()
        .where(campaign_plans.c.year == year)
        .values(document=text, revision=current + 1, updated_at=now, updated_by=user[:200])
    )
    return current + 1
