"""Upserts on natural keys with a change log (before/after); db.changes reads the log back and undoes a batch."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Date, DateTime, bindparam, func, insert, tuple_, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, select

from db.models import ImportBatch, ImportChange

LINEAGE = ("batch_id", "src_sheet", "src_row")
IGNORED_IN_COMPARE = (*LINEAGE, "id")


def jsonable(value: Any) -> Any:
    """A column value as the change log's JSON holds it (dates and times as ISO text)."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _json_row(values: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """row_to_dict of a row held as a dict, its dates left to the engine's JSON serializer (db.engine.json_text
    writes them as ISO text, as jsonable does): upsert_many builds one per row."""
    return {c: values[c] for c in columns}


def id_runs(ids: Collection[int]) -> list[tuple[int, int]]:
    """Consecutive ids as (first, last) runs: [3, 4, 5, 9] → [(3, 5), (9, 9)]."""
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return [(lo, hi) for lo, hi in runs]


# On SQLite, an insert of at least this many rows, and of at least as many as its table holds, drops the table's own
# (non-unique) indexes first and makes them again after, in the same transaction: building an index from all its rows
# at once beats updating it a row at a time. A 1M-row register into 600k visits: 12.4 → 8.8 s for the insert; 100k
# rows into 600k were slower that way (1.3 → 1.7 s), hence the share.
REBUILD_MIN_ROWS = 200_000
SCAN_KEYS = 20_000  # upsert_many: from this many keys, and a quarter of the table's rows, its keys are read in one scan


def insert_in_steps(session: Session, table, rows: list[dict[str, Any]], progress, start: float, end: float) -> None:
    """insert_many in tenths, telling progress(fraction, line) after each (写入中：40%…); fractions of the
    import run from 0.5 (rows read) to 1, this insert's share from `start` to `end` of the writing. The table's
    indexes are made again after a large insert (REBUILD_MIN_ROWS), and before the error if the insert fails."""
    dropped = _drop_indexes(session, table, len(rows)) if len(rows) >= REBUILD_MIN_ROWS else []
    try:
        if progress is None or len(rows) < 10_000:
            insert_many(session, table, rows)
        else:
            step = -(-len(rows) // 10)
            for i in range(0, len(rows), step):
                insert_many(session, table, rows[i : i + step])
                share = start + (end - start) * min(i + step, len(rows)) / len(rows)
                progress(0.5 + 0.5 * share, f"写入中：{round(100 * share)}%…")
    except BaseException:
        with contextlib.suppress(Exception):  # the transaction's rollback brings them back too
            _make_indexes(session, dropped)
        raise
    if dropped:
        if progress is not None:
            progress(0.5 + 0.5 * end, f"写入中：{round(100 * end)}%（重建索引）…")
        _make_indexes(session, dropped)


def _make_indexes(session: Session, statements: list[str]) -> None:
    conn = session.connection()
    for sql in statements:
        conn.exec_driver_sql(sql)


def _drop_indexes(session: Session, table, n_rows: int) -> list[str]:
    """On SQLite, inside an open transaction, when n_rows is at least the table's row count: drop its non-unique
    indexes and return their CREATE statements as SQLite keeps them (its own schema, not the models', so exactly
    what was there comes back). DDL is transactional in SQLite: a rollback brings them back too. Else [], and also
    when an index cannot be dropped (a query on this connection still being read): those dropped are made again."""
    conn = session.connection()
    if conn.dialect.name != "sqlite" or not conn.connection.driver_connection.in_transaction:
        return []
    if n_rows < count_rows(session, table):
        return []
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table.name,)).all()
    dropped: list[str] = []
    for name, sql in found:
        if sql.lstrip().upper().startswith("CREATE UNIQUE"):
            continue
        try:
            conn.exec_driver_sql(f"DROP INDEX {conn.dialect.identifier_preparer.quote(name)}")
        except OperationalError:
            _make_indexes(session, dropped)
            return []
        dropped.append(sql)
    return dropped


def insert_many(session: Session, table, rows: list[dict[str, Any]]) -> None:
    """INSERT rows (dicts with the same keys) in one executemany, in the session's transaction.

    On SQLite the values go to the driver directly, each through its column type's own bind processor (what
    SQLAlchemy would apply): its per-row statement machinery was a third of a 100k-row import (issue 8). Other
    databases take SQLAlchemy's path, which batches the rows for them (insertmanyvalues)."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    if dialect.name != "sqlite":
        session.execute(insert(table), rows)
        return
    names = list(rows[0])
    procs = [table.c[n].type._cached_bind_processor(dialect) for n in names]
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
           f"VALUES ({', '.join('?' for _ in names)})")
    # Column by column (a list and a map each, in C), then zipped into the rows' tuples: a third of the time of a
    # tuple built value by value.
    columns = []
    for n, proc in zip(names, procs, strict=True):
        values = [row[n] for row in rows]
        columns.append(values if proc is None else bound(values, proc))
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def bound(values: list, proc) -> list:
    """values through a column type's bind processor, each distinct value once when they repeat (a register's
    dates: 365 a year, 1M rows; the processor call was 0.7 s of them). Only for values of one type among MEMO_TYPES
    (and None), which are equal only when they are the same value: 1, 1.0 and True are one key but not one JSON text,
    nor two datetimes of different time zones one stored text."""
    types = set(map(type, values)) - {type(None)}
    if len(types) != 1 or not types <= MEMO_TYPES:
        return list(map(proc, values))
    distinct = set(values)
    if 2 * len(distinct) > len(values):
        return list(map(proc, values))
    memo = {v: proc(v) for v in distinct}
    return list(map(memo.__getitem__, values))


MEMO_TYPES = {str, int, bool, dt.date}  # dt.datetime is a type of its own: not among them


def row_to_dict(row: SQLModel) -> dict[str, Any]:
    return {c.name: jsonable(getattr(row, c.name)) for c in row.__table__.columns}


def dict_to_values(model: type[SQLModel], data: dict[str, Any]) -> dict[str, Any]:
    """Back from the change log's JSON to column values (dates were stored as ISO text)."""
    out = {}
    for column in model.__table__.columns:
        if column.name not in data:
            continue
        value = data[column.name]
        if value is not None and isinstance(column.type, DateTime):
            value = dt.datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = dt.date.fromisoformat(value)
        out[column.name] = value
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return abs(float(a) - float(b)) < 1e-9
    return a == b


@dataclass
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)


class Writer:
    """Writes one batch's rows: each upsert is compared with what is there and logged if it changes anything."""

    def __init__(self, session: Session, batch: ImportBatch | None, *, is_demo: bool = False):
        self.session = session
        self.batch = batch
        self.is_demo = is_demo
        self._cache: dict[tuple[type, tuple[str, ...]], dict[tuple, SQLModel]] = {}
        self._log: list[dict[str, Any]] = []
        self._pending_new: list[SQLModel] = []
        # change records of upsert_many, written as they are (its rows have ids already): runs of new rows, then updates
        self._bulk_new: list[dict[str, Any]] = []
        self._bulk_log: list[dict[str, Any]] = []
        self.progress = None  # progress(fraction, line) of a large import (seed/importer/core.py)

    # -- lookups -------------------------------------------------------------------------
    def prefetch(self, model: type[SQLModel], key_fields: tuple[str, ...], where=None) -> dict[tuple, SQLModel]:
        """Load the rows a kind may touch once, keyed by natural key (no query per row)."""
        cache_key = (model, key_fields)
        if cache_key not in self._cache:
            stmt = select(model)
            if where is not None:
                stmt = stmt.where(where)
            rows = self.session.exec(stmt).all()  # type: ignore[call-overload]
            self._cache[cache_key] = {tuple(getattr(r, f) for f in key_fields): r for r in rows}
        return self._cache[cache_key]

    def prefetch_keys(self, model: type[SQLModel], key_fields: tuple[str, ...], keys: list[tuple]) -> None:
        """Like prefetch, but only for the given keys (large tables such as visits)."""
        cache = self._cache.setdefault((model, key_fields), {})
        cols = [getattr(model, f) for f in key_fields]
        wanted = [k for k in set(keys) if k not in cache]
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            if len(cols) == 1:
                stmt = select(model).where(cols[0].in_([k[0] for k in chunk]))
            else:
                stmt = select(model).where(tuple_(*cols).in_(chunk))
            for r in self.session.exec(stmt).all():  # type: ignore[call-overload]
                cache[tuple(getattr(r, f) for f in key_fields)] = r

    # -- writes --------------------------------------------------------------------------
    def upsert(
        self,
        model: type[SQLModel],
        key: dict[str, Any],
        values: dict[str, Any],
        *,
        sheet: str | None = None,
        row: int | None = None,
    ) -> tuple[SQLModel, str]:
        """Insert or update by natural key; returns the row and new / updated / unchanged."""
        key_fields = tuple(key)
        cache = self.prefetch(model, key_fields) if (model, key_fields) not in self._cache else self._cache[(model, key_fields)]
        k = tuple(key.values())
        existing = cache.get(k)
        lineage = {"batch_id": self.batch.id if self.batch else None, "src_sheet": sheet, "src_row": row}
        wanted = {**values, "is_demo": self.is_demo} if "is_demo" in model.model_fields else dict(values)
        if existing is None:
            obj = model(**key, **wanted, **(lineage if "batch_id" in model.model_fields else {}))
            self.session.add(obj)
            self._pending_new.append(obj)
            cache[k] = obj
            return obj, "new"
        if all(_same(getattr(existing, f), v) for f, v in wanted.items()):
            return existing, "unchanged"
        before = row_to_dict(existing)
        for f, v in wanted.items():
            setattr(existing, f, v)
        if "batch_id" in model.model_fields:
            for f, v in lineage.items():
                setattr(existing, f, v)
        self._log.append({"table_name": model.__tablename__, "obj": existing, "before": before})
        return existing, "updated"

    def upsert_many(
        self,
        model: type[SQLModel],
        key_fields: tuple[str, ...],
        items: list[tuple[tuple, dict[str, Any], str | None, int | None]],
    ) -> list[str]:
        """upsert() for many rows of one table at once: (key, values, sheet, row) each, keys distinct.

        The same outcome and change log as one upsert() a row, without an ORM object a row (issue 8: a 100k-row
        register): the rows already there are read once as plain values, new rows go in with one executemany
        INSERT (their ids read back by key), changed rows with one executemany UPDATE, all in the session's
        transaction; the change records go out with the next flush().
        Returns new / updated / unchanged for each item, in order."""
        table = model.__table__
        fields = model.model_fields
        lineage_on = "batch_id" in fields
        demo_on = "is_demo" in fields
        batch_id = self.batch.id if self.batch else None
        columns = [c.name for c in table.columns]
        key_cols = [table.c[f] for f in key_fields]
        # The ORM leaves a None out of its INSERT, so a column's default applies: the same here for scalar defaults.
        fill: dict[str, Any] = {}
        for c in table.columns:
            if c.name == "id" or (c.default is None and c.server_default is None):
                continue
            if c.server_default is not None or not c.default.is_scalar:
                raise NotImplementedError(f"upsert_many: {table.name}.{c.name} has a computed default; use upsert()")
            fill[c.name] = c.default.arg
        if len({k for k, *_ in items}) != len(items):
            raise ValueError("upsert_many: repeated keys (the handler reports them as errors before writing)")
        self.session.flush()  # a Core SELECT does not autoflush; earlier upsert() rows must be visible to it

        def by_key(keys: list[tuple], cols: list) -> Iterator[tuple]:
            """The rows of these keys, as plain tuples of cols (500 keys a query). One statement for every chunk,
            its keys one expanding parameter, run on the connection (a statement built and run through the ORM
            session for each chunk: 0.12 s against 0.08 s for a 100k-row register's 200 lookups)."""
            one = len(key_cols) == 1
            stmt = select(*cols).where((key_cols[0] if one else tuple_(*key_cols)).in_(bindparam("keys", expanding=True)))
            conn = self.session.connection()
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                yield from conn.execute(stmt, {"keys": [k[0] for k in chunk] if one else chunk})  # Rows are tuples

        at = [columns.index(f) for f in key_fields]
        keys = [k for k, *_ in items]
        if len(keys) >= SCAN_KEYS and 4 * len(keys) >= count_rows(self.session, table):
            # Many keys against the table's size: its keys in one scan, then the rows of those it holds (a 1M-row
            # register: 2,000 lookups of 500 keys took 1.9 s, finding none).
            held = {tuple(found) for found in self.session.execute(select(*key_cols))}
            keys = [k for k in keys if k in held]
        existing = {tuple(found[i] for i in at): dict(zip(columns, found, strict=True))
                    for found in by_key(keys, list(table.columns))}

        static: dict[str, Any] = {}  # what a model(**…) would have set for the columns not given
        factories: dict[str, Any] = {}
        for name in columns:
            field = fields.get(name)
            if name == "id" or field is None:
                continue
            if field.default_factory is not None:
                factories[name] = field.default_factory
            else:
                static[name] = None if field.default is PydanticUndefined else field.default
        statuses: list[str] = []
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (before, after)
        demo = {"is_demo": self.is_demo} if demo_on else {}
        fill_items = list(fill.items())
        for key, values, sheet, row in items:
            lineage = {"batch_id": batch_id, "src_sheet": sheet, "src_row": row} if lineage_on else {}
            old = existing.get(key) if existing else None
            if old is None:
                new = {**static, **({f: make() for f, make in factories.items()} if factories else {}),
                       **dict(zip(key_fields, key, strict=True)), **values, **demo, **lineage}
                for f, default in fill_items:
                    if new[f] is None:
                        new[f] = default
                inserts.append(new)
                statuses.append("new")
                continue
            wanted = {**values, **demo}
            if all(_same(old[f], v) for f, v in wanted.items()):
                statuses.append("unchanged")
            else:
                updates.append((old, {**old, **wanted, **lineage}))
                statuses.append("updated")

        if inserts:
            # A plain executemany, then the ids by key: INSERT … RETURNING of many rows is one huge statement a
            # page, which psycopg re-parses in Python (5× slower on PostgreSQL); this way is as fast on SQLite.
            if self.session.connection().dialect.name == "sqlite":
                # ids assigned here, as SQLite would (max + 1): the transaction holds the write lock since the
                # batch row went in, so no other writer can take them; no read-back of 100k keys
                top = self.session.execute(select(func.max(table.c.id))).scalar() or 0
                for i, values in enumerate(inserts, top + 1):
                    values["id"] = i
                insert_in_steps(self.session, table, inserts, self.progress, 0.0, 0.5)
            else:
                insert_in_steps(self.session, table, inserts, self.progress, 0.0, 0.5)
                new_keys = [tuple(values[f] for f in key_fields) for values in inserts]
                ids = {tuple(found[1:]): found[0] for found in by_key(new_keys, [table.c.id, *key_cols])}
                for values, key in zip(inserts, new_keys, strict=True):
                    values["id"] = ids[key]
            if self.batch is not None:  # one record a run of ids, the rows themselves holding the values
                self._bulk_new.extend(
                    {"batch_id": batch_id, "table_name": table.name, "row_id": lo, "row_id_last": hi,
                     "before": None, "after": None}
                    for lo, hi in id_runs([values["id"] for values in inserts]))
        if updates:
            changed = [c for c in columns if c != "id" and c in updates[0][1]]
            stmt = (update(table).where(table.c.id == bindparam("b_id"))
                    .values({c: bindparam(f"b_{c}") for c in changed}))
            self.session.execute(stmt, [{"b_id": after["id"], **{f"b_{c}": after[c] for c in changed}}
                                        for _before, after in updates])
            stale = {after["id"] for _before, after in updates}
            for obj in list(self.session.identity_map.values()):  # ORM copies of these rows, if any, reload
                if isinstance(obj, model) and obj.id in stale:
                    self.session.expire(obj)
            if self.batch is not None:
                self._bulk_log.extend(
                    {"batch_id": batch_id, "table_name": table.name, "row_id": after["id"],
                     "before": _json_row(before, columns), "after": _json_row(after, columns)}
                    for before, after in updates)
        for cache_key in [ck for ck in self._cache if ck[0] is model]:  # the ORM lookups refetch what changed
            del self._cache[cache_key]
        return statuses

    def delete(self, obj: SQLModel) -> None:
        self._log.append({"table_name": obj.__tablename__, "obj": None, "row_id": obj.id, "before": row_to_dict(obj)})
        for cache in self._cache.values():
            for k, v in list(cache.items()):
                if v is obj:
                    del cache[k]
        self.session.delete(obj)

    def flush(self) -> None:
        """Write pending rows and their change records (ids are known only after the flush)."""
        self.session.flush()
        if self.batch is None:
            self._pending_new.clear()
            self._log.clear()
            self._bulk_new.clear()
            self._bulk_log.clear()
            return
        records = []
        for obj in self._pending_new:
            records.append({"batch_id": self.batch.id, "table_name": obj.__tablename__, "row_id": obj.id,
                            "before": None, "after": row_to_dict(obj)})
        records.extend(self._bulk_new)
        for entry in self._log:
            obj = entry["obj"]
            records.append({
                "batch_id": self.batch.id,
                "table_name": entry["table_name"],
                "row_id": obj.id if obj is not None else entry["row_id"],
                "before": entry["before"],
                "after": row_to_dict(obj) if obj is not None else None,
            })
        records.extend(self._bulk_log)
        if self._bulk_new:  # one executemany names the same columns in every row; row_id_last only when a run is
            for record in records:  # written (a database before revision 0015 still takes the other imports)
                record.setdefault("row_id_last", None)
        if records:  # Core, not the ORM's bulk insert: one plain executemany (issue 8); the same rows and JSON
            insert_in_steps(self.session, ImportChange.__table__, records, self.progress, 0.5, 1.0)
        self._pending_new.clear()
        self._log.clear()
        self._bulk_new.clear()
        self._bulk_log.clear()


def count_rows(session: Session, table) -> int:
    """Rows of a table (a model or its Table)."""
    return session.exec(select(func.count()).select_from(table)).one()  # type: ignore[call-overload]
