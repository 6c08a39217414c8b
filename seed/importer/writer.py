"""Upserts on natural keys with a change log (before/after), and undo of a batch from that log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, DateTime, func, insert, tuple_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from db.engine import bump_data_version
from db.models import TABLES_BY_NAME, ImportBatch, ImportChange

LINEAGE = ("batch_id", "src_sheet", "src_row")
IGNORED_IN_COMPARE = (*LINEAGE, "id")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def row_to_dict(row: SQLModel) -> dict[str, Any]:
    return {c.name: _jsonable(getattr(row, c.name)) for c in row.__table__.columns}


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
            return
        records = []
        for obj in self._pending_new:
            records.append({"batch_id": self.batch.id, "table_name": obj.__tablename__, "row_id": obj.id,
                            "before": None, "after": row_to_dict(obj)})
        for entry in self._log:
            obj = entry["obj"]
            records.append({
                "batch_id": self.batch.id,
                "table_name": entry["table_name"],
                "row_id": obj.id if obj is not None else entry["row_id"],
                "before": entry["before"],
                "after": row_to_dict(obj) if obj is not None else None,
            })
        if records:
            self.session.execute(insert(ImportChange), records)
        self._pending_new.clear()
        self._log.clear()


class UndoRefused(Exception):
    """The batch cannot be undone; the message says why (in Chinese)."""


class UnknownBatch(Exception):
    pass


def undo_batch(session: Session, batch_id: int) -> ImportBatch:
    """Revert a batch from its change log, unless a later batch touched the same rows."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise UnknownBatch(f"批次 #{batch_id} 不存在")
    if batch.status == "已撤销":
        raise UndoRefused(f"批次 #{batch_id} 已于 {batch.undone_at:%Y-%m-%d %H:%M} 撤销，无需重复撤销")
    changes = session.exec(  # type: ignore[call-overload]
        select(ImportChange).where(ImportChange.batch_id == batch_id).order_by(ImportChange.id.desc())
    ).all()
    touched = {(c.table_name, c.row_id) for c in changes}
    later: set[int] = set()
    pairs = list(touched)
    for i in range(0, len(pairs), 400):
        chunk = pairs[i : i + 400]
        stmt = (
            select(ImportChange.batch_id)
            .join(ImportBatch, ImportBatch.id == ImportChange.batch_id)
            .where(ImportChange.batch_id > batch_id, ImportBatch.status == "已导入")
            .where(tuple_(ImportChange.table_name, ImportChange.row_id).in_(chunk))
            .distinct()
        )
        later.update(session.exec(stmt).all())  # type: ignore[call-overload]
    if later:
        names = "、".join(f"#{b}" for b in sorted(later))
        raise UndoRefused(f"批次 #{batch_id} 的数据已被之后的批次 {names} 修改，请先撤销这些批次")
    try:
        for change in changes:
            model = TABLES_BY_NAME[change.table_name]
            obj = session.get(model, change.row_id)
            if change.before is None:
                if obj is not None:
                    session.delete(obj)
            elif obj is None:
                session.add(model(**dict_to_values(model, change.before)))
            else:
                for f, v in dict_to_values(model, change.before).items():
                    setattr(obj, f, v)
            session.flush()
    except IntegrityError as exc:
        raise UndoRefused(f"批次 #{batch_id} 新增的记录已被其他数据引用（{change.table_name}），无法撤销") from exc
    batch.status = "已撤销"
    batch.undone_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    bump_data_version(session)
    return batch


def count_rows(session: Session, model: type[SQLModel]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()  # type: ignore[call-overload]
