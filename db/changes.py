"""The change log read back: a batch's changes row by row (a run of inserted rows read from its table), and undo.

A batch's rows inserted in bulk (db.changelog.Writer.upsert_many) are logged as runs of ids, one record a run
(row_id … row_id_last, before and after None) while they stand: the rows themselves hold the values. `logged`
gives every change as one row's before and after, runs included, so its readers (the import's preview, the
station check, 导入记录) see one shape. Undo deletes a run's rows with one statement and writes their values out,
one record a row, so an undone batch still tells what it had inserted.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.changelog import dict_to_values, insert_many, jsonable
from db.engine import bump_data_version
from db.models import TABLES_BY_NAME, ImportBatch, ImportChange

PAGE = 1000  # change records read a query


@dataclass(frozen=True)
class Logged:
    """One row's change as the log tells it: before None for a row the batch inserted, after None for one it
    deleted; the values as stored in the log (dates as ISO text)."""

    batch_id: int
    table_name: str
    row_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def run_rows(session: Session, change: ImportChange, last: int | None = None) -> dict[int, dict[str, Any]]:
    """The values a run record's batch inserted, by row id (up to `last`): the row as it is, or, when a later record
    changed or deleted it, that record's `before` (the earliest such)."""
    table = TABLES_BY_NAME[change.table_name].__table__
    lo = change.row_id
    hi = change.row_id_last if last is None else min(last, change.row_id_last)
    later: dict[int, dict[str, Any] | None] = {}
    ic = ImportChange
    for row_id, before in session.execute(
        select(ic.row_id, ic.before)
        .where(ic.table_name == change.table_name, col(ic.row_id).between(lo, hi), col(ic.id) > change.id)
        .order_by(col(ic.id))
    ):
        later.setdefault(row_id, before)
    values = {r.id: {k: jsonable(v) for k, v in r._mapping.items()}
              for r in session.execute(select(table).where(table.c.id.between(lo, hi)))}
    for row_id, before in later.items():
        if before is not None:
            values[row_id] = before
    return {i: values[i] for i in sorted(values)}


def logged(session: Session, batch_ids: Collection[int], *, limit: int | None = None) -> Iterator[Logged]:
    """The changes of these batches in the order they were written, a run of inserted rows row by row; at most
    `limit` of them."""
    n, after_id = 0, 0
    while True:
        page = session.exec(  # type: ignore[call-overload]
            select(ImportChange).where(col(ImportChange.batch_id).in_(list(batch_ids)), col(ImportChange.id) > after_id)
            .order_by(col(ImportChange.id)).limit(PAGE)
        ).all()
        for change in page:
            if change.row_id_last is None:
                rows = {change.row_id: (change.before, change.after)}
            else:
                last = None if limit is None else change.row_id + (limit - n) - 1
                rows = {i: (None, v) for i, v in run_rows(session, change, last).items()}
            for row_id, (before, after) in rows.items():
                if limit is not None and n >= limit:
                    return
                yield Logged(change.batch_id, change.table_name, row_id, before, after)
                n += 1
        if len(page) < PAGE:
            return
        after_id = page[-1].id


class UndoRefused(Exception):
    """The batch cannot be undone; the message says why (in Chinese)."""


class UnknownBatch(Exception):
    pass


def _later_batches(session: Session, batch_id: int, changes: list[ImportChange]) -> set[int]:
    """Standing batches after this one that changed any row it wrote."""
    standing_later = (
        select(ImportChange.batch_id).join(ImportBatch, ImportBatch.id == ImportChange.batch_id)
        .where(ImportChange.batch_id > batch_id, ImportBatch.status == "已导入")
    )
    later: set[int] = set()
    pairs = list({(c.table_name, c.row_id) for c in changes if c.row_id_last is None})
    for i in range(0, len(pairs), 400):
        chunk = pairs[i : i + 400]
        later.update(session.exec(standing_later.where(  # type: ignore[call-overload]
            tuple_(ImportChange.table_name, ImportChange.row_id).in_(chunk)).distinct()).all())
    for c in changes:
        if c.row_id_last is not None:
            later.update(session.exec(standing_later.where(  # type: ignore[call-overload]
                ImportChange.table_name == c.table_name,
                col(ImportChange.row_id).between(c.row_id, c.row_id_last)).distinct()).all())
    # A later run over a row this batch wrote: its id was freed (the row deleted) and taken again.
    runs = session.execute(standing_later.add_columns(
        ImportChange.table_name, ImportChange.row_id, ImportChange.row_id_last)
        .where(col(ImportChange.row_id_last).is_not(None))).all()
    ids: dict[str, list[int]] = defaultdict(list)  # this batch's rows by table: one record's, or a run's span
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for c in changes:
        if c.row_id_last is None:
            ids[c.table_name].append(c.row_id)
        else:
            spans[c.table_name].append((c.row_id, c.row_id_last))
    for table_ids in ids.values():
        table_ids.sort()
    for later_batch, table, lo, hi in runs:
        at = bisect_left(ids[table], lo)
        if (at < len(ids[table]) and ids[table][at] <= hi) or any(a <= hi and b >= lo for a, b in spans[table]):
            later.add(later_batch)
    return later


def _undo_run(session: Session, change: ImportChange) -> None:
    """Delete a run's rows with one statement; their values go into the log, one record a row."""
    table = TABLES_BY_NAME[change.table_name].__table__
    values = run_rows(session, change)
    session.execute(delete(table).where(table.c.id.between(change.row_id, change.row_id_last)))
    insert_many(session, ImportChange.__table__, [
        {"batch_id": change.batch_id, "table_name": change.table_name, "row_id": row_id, "row_id_last": None,
         "before": None, "after": after} for row_id, after in values.items()])
    session.delete(change)


def _groups(changes: list[ImportChange]) -> Iterator[tuple[str, list[ImportChange]]]:
    """The records in the order given (undo: the last written first), as (table, records) to undo together: a run
    alone; else records of one table in a row, none of them on a row already in the group."""
    group: list[ImportChange] = []
    ids: set[int] = set()
    for change in changes:
        if group and (change.row_id_last is not None or group[0].row_id_last is not None
                      or change.table_name != group[0].table_name or change.row_id in ids):
            yield group[0].table_name, group
            group, ids = [], set()
        group.append(change)
        ids.add(change.row_id)
    if group:
        yield group[0].table_name, group


def _undo_rows(session: Session, table_name: str, changes: list[ImportChange]) -> None:
    """One table's records, each on another row, undone with a statement a kind (not a query and a flush a row:
    5,000 changed visits took 17 s): the rows the batch inserted deleted, the rows it changed set back, the rows it
    deleted written again."""
    model = TABLES_BY_NAME[table_name]
    table = model.__table__
    inserted = [c.row_id for c in changes if c.before is None]
    for i in range(0, len(inserted), 500):
        session.execute(delete(table).where(table.c.id.in_(inserted[i : i + 500])))
    restore = {c.row_id: dict_to_values(model, c.before) for c in changes if c.before is not None}
    present: set[int] = set()
    ids = list(restore)
    for i in range(0, len(ids), 500):
        present.update(session.execute(select(table.c.id).where(table.c.id.in_(ids[i : i + 500]))).scalars())
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    deleted: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)  # rows the batch deleted
    for row_id, values in restore.items():
        if row_id in present:
            by_columns[tuple(c for c in values if c != "id")].append(values)
        else:
            deleted[tuple(values)].append(values)
    for rows in deleted.values():
        insert_many(session, table, rows)
    for columns, rows in by_columns.items():
        if columns:
            stmt = (update(table).where(table.c.id == bindparam("b_id"))
                    .values({c: bindparam(f"b_{c}") for c in columns}))
            session.execute(stmt, [{"b_id": v["id"], **{f"b_{c}": v[c] for c in columns}} for v in rows])
    gone = set(inserted)
    for obj in list(session.identity_map.values()):  # ORM copies of these rows, if any: dropped, or reloaded
        if isinstance(obj, model) and obj.id in gone:
            session.expunge(obj)
        elif isinstance(obj, model) and obj.id in restore:
            session.expire(obj)


def undo_batch(session: Session, batch_id: int) -> ImportBatch:
    """Revert a batch from its change log, unless a later batch touched the same rows."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise UnknownBatch(f"批次 #{batch_id} 不存在")
    if batch.status == "已撤销":
        raise UndoRefused(f"批次 #{batch_id} 已于 {batch.undone_at:%Y-%m-%d %H:%M} 撤销，无需重复撤销")
    changes = session.exec(  # type: ignore[call-overload]
        select(ImportChange).where(ImportChange.batch_id == batch_id).order_by(col(ImportChange.id).desc())
    ).all()
    later = _later_batches(session, batch_id, changes)
    if later:
        names = "、".join(f"#{b}" for b in sorted(later))
        raise UndoRefused(f"批次 #{batch_id} 的数据已被之后的批次 {names} 修改，请先撤销这些批次")
    try:
        for table_name, group in _groups(changes):
            if group[0].row_id_last is not None:
                _undo_run(session, group[0])
            else:
                _undo_rows(session, table_name, group)
            session.flush()
    except IntegrityError as exc:
        raise UndoRefused(f"批次 #{batch_id} 新增的记录已被其他数据引用（{table_name}），无法撤销") from exc
    batch.status = "已撤销"
    batch.undone_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    bump_data_version(session)
    return batch
