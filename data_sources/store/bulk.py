"""Bulk SQL, per dialect: the only place that speaks COPY, executemany on tuples or temporary
tables. Insert, delete by key, replace and fetch by key, each in a few statements whatever the
number of rows (an import writes up to ~100,000 at once); IN lists in chunks.

Imports: ``tables`` and ``rows``.
"""

from __future__ import annotations

import itertools
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_sources.store.rows import row_dicts, row_key
from data_sources.store.tables import FETCH_PLAN, TABLE_KEY

CHUNK = 900  # bound parameters per IN (...): stays below old SQLite's 999 limit


def chunks(seq: Sequence[Any], n: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


_TEMP_NAMES = itertools.count(1)


def temp_name(prefix: str) -> str:
    """A name for a temporary table no other one of this process has."""
    return f"{prefix}_{next(_TEMP_NAMES)}"


def key_columns(table: sa.Table) -> tuple[str, ...]:
    """The primary key columns of a table, in ``schema.KEYS`` order for the kinds' tables."""
    return TABLE_KEY.get(table.name) or tuple(c.name for c in table.primary_key.columns)


def insert_rows(conn: Connection, table: sa.Table, recs: list[dict[str, Any]]) -> None:
    """Bulk insert: COPY on PostgreSQL (executemany there is one round trip per row in a
    pipeline), the driver's executemany elsewhere (pysqlite loops in C, PyMySQL rewrites it to a
    multi-row INSERT)."""
    if not recs:
        return
    if conn.dialect.name == "postgresql":
        cols = [c.name for c in table.columns]
        ident = conn.dialect.identifier_preparer
        copy_sql = f"COPY {ident.format_table(table)} ({', '.join(ident.quote(c) for c in cols)}) FROM STDIN"
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cur.copy(copy_sql) as cp:
                for r in recs:
                    cp.write_row([r.get(c) for c in cols])
        finally:
            cur.close()
        return
    if conn.dialect.name in ("sqlite", "mysql", "mariadb"):
        # the DBAPI's executemany on tuples, the values bound as SQLAlchemy would bind them (its
        # per-row parameter handling costs more than SQLite's insert itself; PyMySQL turns
        # positional executemany into multi-row INSERTs and escapes tuples faster than dicts)
        cols, conv = _bind_processors(conn, table)
        ident = conn.dialect.identifier_preparer
        mark = "?" if conn.dialect.name == "sqlite" else "%s"
        sql = (
            f"INSERT INTO {ident.format_table(table)} ({', '.join(ident.quote(c) for c in cols)}) "
            f"VALUES ({', '.join(mark for _ in cols)})"
        )
        get = operator.itemgetter(*cols)
        # in primary-key order: each B-tree page is visited once instead of at random
        keycols = key_columns(table)
        if keycols and all(c in recs[0] for c in keycols):
            recs = sorted(recs, key=operator.itemgetter(*keycols))
        for chunk in chunks(recs, 20000):
            params = []
            for r in chunk:
                try:
                    t = get(r)
                except KeyError:  # a record without some nullable column
                    t = tuple(r.get(c) for c in cols)
                if conv:
                    t = list(t)
                    for i, proc in conv:
                        if t[i] is not None:
                            t[i] = proc(t[i])
                    t = tuple(t)
                params.append(t)
            conn.exec_driver_sql(sql, params)
        return
    for chunk in chunks(recs, 5000):  # any other database SQLAlchemy knows
        conn.execute(table.insert(), list(chunk))


def _bind_processors(conn: Connection, table: sa.Table) -> tuple[list[str], list[tuple[int, Any]]]:
    """The columns and (position, SQLAlchemy's bind processor) of those that need one — dates,
    times, booleans; not floats: SQLite's REAL affinity stores an int as a float by itself."""
    dialect = conn.dialect
    cols = [c.name for c in table.columns]
    conv = []
    for i, c in enumerate(table.columns):
        proc = c.type.dialect_impl(dialect).bind_processor(dialect)
        if proc is not None and not isinstance(c.type, sa.Float):
            conv.append((i, proc))
    return cols, conv


def _temp_keys(conn: Connection, table: sa.Table, cols: list[str], keys: Iterable[tuple[Any, ...]]) -> str:
    """PostgreSQL: a temp table (dropped at commit at the latest) holding these keys, by COPY."""
    ident = conn.dialect.identifier_preparer
    tmp = temp_name("_dash_keys")
    qcols = ", ".join(ident.quote(c) for c in cols)
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT {qcols} FROM {ident.format_table(table)} WITH NO DATA"
    )
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cur.copy(f"COPY {tmp} ({qcols}) FROM STDIN") as cp:
            for k in keys:
                cp.write_row(list(k))
    finally:
        cur.close()
    return tmp


def delete_keys(conn: Connection, table: sa.Table, keys: list[tuple[Any, ...]]) -> None:
    """Delete rows by primary key in bulk (PostgreSQL: COPY the keys to a temp table, one DELETE)."""
    if not keys:
        return
    cols = list(key_columns(table))
    if conn.dialect.name == "postgresql" and len(keys) > 50:
        ident = conn.dialect.identifier_preparer
        tmp = _temp_keys(conn, table, cols, keys)
        on = " AND ".join(f"t.{ident.quote(c)} = k.{ident.quote(c)}" for c in cols)
        conn.exec_driver_sql(f"DELETE FROM {ident.format_table(table)} AS t USING {tmp} AS k WHERE {on}")
        conn.exec_driver_sql(f"DROP TABLE {tmp}")
        return
    stmt = table.delete().where(*[table.c[c] == sa.bindparam(f"k_{c}") for c in cols])
    conn.execute(stmt, [{f"k_{c}": v for c, v in zip(cols, k, strict=True)} for k in keys])


def replace_rows(conn: Connection, table: sa.Table, recs: list[dict[str, Any]]) -> None:
    """Replace whole rows by key: one bulk delete and one bulk insert (faster than executemany
    UPDATE on every backend, and the same code path as undo)."""
    if not recs:
        return
    cols = list(key_columns(table))
    delete_keys(conn, table, [tuple(r[c] for c in cols) for r in recs])
    insert_rows(conn, table, recs)


def fetch_existing(conn: Connection, table: sa.Table, keys: Iterable[tuple[Any, ...]]) -> dict[tuple, dict]:
    """The stored rows for a set of keys, in a few bulk SELECTs (no per-row query)."""
    keycols = TABLE_KEY[table.name]
    eq_cols, in_col = FETCH_PLAN[table.name]
    wanted = set(keys)
    if conn.dialect.name == "postgresql" and len(wanted) > 2000:
        # one join against the keys COPYed to a temp table beats a hundred IN (...) queries
        tmp = _temp_keys(conn, table, list(keycols), wanted)
        ident = conn.dialect.identifier_preparer
        sel = ", ".join(f"t.{ident.quote(c.name)}" for c in table.columns)
        on = " AND ".join(f"t.{ident.quote(c)} = k.{ident.quote(c)}" for c in keycols)
        rows = conn.exec_driver_sql(f"SELECT {sel} FROM {ident.format_table(table)} AS t JOIN {tmp} AS k ON {on}")
        out_pg = {row_key(table.name, rec): rec for rec in row_dicts(table, rows)}
        conn.exec_driver_sql(f"DROP TABLE {tmp}")
        return out_pg
    groups: dict[tuple[Any, ...], set[Any]] = defaultdict(set)
    for k in wanted:
        rec = dict(zip(keycols, k, strict=True))
        groups[tuple(rec[c] for c in eq_cols)].add(rec[in_col])
    out: dict[tuple, dict] = {}
    for eq_vals, in_vals in groups.items():
        vals = sorted(in_vals, key=str)
        for chunk in chunks(vals):
            cond = [table.c[c] == v for c, v in zip(eq_cols, eq_vals, strict=True)]
            cond.append(table.c[in_col].in_(chunk))
            for rec in row_dicts(table, conn.execute(sa.select(table).where(*cond))):
                k = row_key(table.name, rec)
                if k in wanted:
                    out[k] = rec
    return out


def drop_temp(conn: Connection, table: sa.Table) -> None:
    """Drop a temporary table; on MySQL a plain DROP TABLE would commit the transaction."""
    temporary = "TEMPORARY " if conn.dialect.name in ("mysql", "mariadb") else ""
    conn.exec_driver_sql(f"DROP {temporary}TABLE {conn.dialect.identifier_preparer.format_table(table)}")
