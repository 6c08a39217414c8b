"""Bulk loading on PostgreSQL by COPY (psycopg 3's cursor.copy()), for the synthetic databases (seed/synth.py).

copy_rows streams dicts into one table through the SQLAlchemy connection's own psycopg connection, so the rows
belong to the caller's transaction. Columns a row leaves out get their SQLAlchemy scalar default, as an
executemany insert would give them; JSON columns are wrapped as Jsonb. deferred_indexes drops a table's plain
(non-unique) secondary indexes for a load and creates them again afterwards; set_sequence moves a serial id's
sequence past rows loaded with explicit ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, Table, text
from sqlalchemy.engine import Connection


def _defaults(table: Table, given: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in table.columns:
        if col.name in given or col.default is None:
            continue
        if getattr(col.default, "is_scalar", False):
            out[col.name] = col.default.arg
        elif getattr(col.default, "is_callable", False):
            out[col.name] = col.default.arg(None)
    return out


def copy_rows(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """COPY `rows` (dicts with the same keys) into `table`; returns how many were written."""
    from psycopg.types.json import Jsonb

    it = iter(rows)
    first = next(it, None)
    if first is None:
        return 0
    extra = _defaults(table, set(first))
    keys = list(first)
    names = keys + list(extra)
    tail = list(extra.values())
    json_cols = {i for i, name in enumerate(names) if isinstance(table.columns[name].type, JSON)}
    quoted = ", ".join(f'"{name}"' for name in names)
    driver = conn.connection.driver_connection  # the psycopg connection, inside the caller's transaction
    n = 0
    with driver.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in _chain(first, it):
            values = [row[k] for k in keys]
            if tail:
                values += tail
            for i in json_cols:
                if values[i] is not None:
                    values[i] = Jsonb(values[i])
            copy.write_row(values)
            n += 1
    return n


def _chain(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest


def set_sequence(conn: Connection, table: str, column: str = "id") -> None:
    """After rows went in with explicit ids: the next id the sequence gives is past the largest."""
    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                      f"COALESCE((SELECT max({column}) FROM \"{table}\"), 0) + 1, false)"))


@contextmanager
def deferred_indexes(conn: Connection, tables: Iterable[str]) -> Iterator[list[str]]:
    """Drop the plain secondary indexes of `tables` (not primary keys, not unique ones) for the body of the block,
    then create them again; yields their names. Only on PostgreSQL; elsewhere a no-op."""
    if conn.dialect.name != "postgresql":
        yield []
        return
    defs = conn.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
        "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.schemaname = current_schema() "
        "AND i.tablename = ANY(:tables) AND NOT x.indisunique AND NOT x.indisprimary ORDER BY i.indexname"),
        {"tables": list(tables)}).all()
    for name, _ in defs:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield [name for name, _ in defs]
    for _, definition in defs:
        conn.execute(text(definition))
