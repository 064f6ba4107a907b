"""Plain values every metrics module shares: rows as the driver's tuples, floats without binary
noise, ratios that are 0 over 0.

Imports nothing of the package (every other metrics module may import it).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def fetch_plain(conn: sa.Connection, q: Any) -> list[tuple[Any, ...]]:
    """Every row of ``q`` as the driver's tuples (up to one per person: no Row objects). Only for
    queries whose columns need no result conversion: text, integers, floats."""
    result = conn.execute(q)
    try:
        return result.cursor.fetchall()  # type: ignore[union-attr]
    finally:
        result.close()


def tidy(x: float | int | None) -> float:
    """A float without binary noise (0.1 + 0.2 → 0.3), for JSON and tables."""
    if x is None:
        return 0.0
    x = float(x)
    # a multiple of 1/64 has at most 6 decimals: round() would return it unchanged (×64 is exact)
    return x + 0.0 if (x * 64).is_integer() else round(x, 6) + 0.0


def ratio(a: float, b: float) -> float:
    return a / b if b else 0.0
