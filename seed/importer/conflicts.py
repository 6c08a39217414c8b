"""Several files in one import: two files that set the same row (the same natural key) to different values.

Each file writes through its own Writer; when an import holds more than one file, core hands every Writer one
`Claims`, and each upsert records which file (sheet, row) set which fields of which row. A later file setting a field
an earlier file set, to another value, is a conflict: an error naming both files, and nothing is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, SQLModel

from db.changelog import Writer
from db.models import TABLES_BY_NAME, ImportBatch
from seed.importer.report import Finding
from seed.importer.values import display

MAX_CONFLICTS = 50  # conflicts listed one by one; the rest are counted
NAME_FIELDS = ("code", "name", "title", "number", "key")
# Rows written as a part of another row's value: a plan task's unit rows are claimed as its "units" (work_plans).
IMPLIED = frozenset({"task_unit"})  # how a row a key points to is named, first found


@dataclass
class Claim:
    owner: str  # the file's content hash: two files may share a name
    file: str
    sheet: str | None
    row: int | None  # 1-based, as Excel shows it
    values: dict[str, Any]


@dataclass
class Conflict:
    table: str
    key_fields: tuple[str, ...]
    key: tuple
    first: Claim
    second: Claim
    fields: list[str]  # the fields both set, to different values


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        try:
            return abs(float(a) - float(b)) < 1e-9
        except (TypeError, ValueError):
            return False
    return a == b


class Claims:
    """Who set what in this import, by (table, key fields, key)."""

    def __init__(self) -> None:
        self.by_row: dict[tuple[str, tuple[str, ...], tuple], Claim] = {}
        self.conflicts: list[Conflict] = []
        self.n_conflicts = 0

    def claim(self, table: str, key_fields: tuple[str, ...], key: tuple, claim: Claim) -> None:
        if any(k is None for k in key):  # a row not yet flushed: no key to compare by
            return
        if table in IMPLIED:  # compared through the row they belong to, so one disagreement is one line
            return
        ident = (table, key_fields, key)
        first = self.by_row.get(ident)
        if first is None:
            self.by_row[ident] = claim
            return
        if first.owner == claim.owner:  # the same file again (another sheet): its later values stand
            first.values.update(claim.values)
            return
        fields = [f for f, v in claim.values.items() if f in first.values and not _same(first.values[f], v)]
        if fields:
            self.n_conflicts += 1
            if len(self.conflicts) < MAX_CONFLICTS:
                self.conflicts.append(Conflict(table, key_fields, key, first, claim, fields))
        else:
            first.values.update(claim.values)

    def findings(self, session: Session, table_label) -> list[Finding]:
        """The conflicts as errors, in Chinese, each naming both files (and sheet and row)."""
        out = []
        for c in self.conflicts:
            parts = sorted(zip(c.key_fields, c.key, strict=True), key=lambda fv: fv[0] in ("year", "month"))
            what = "·".join(_key_part(session, c.table, f, v) for f, v in parts)  # 明水所·示范创建·2022年
            values = "；".join(f"{display(c.first.values[f])} / {display(c.second.values[f])}" for f in c.fields)
            out.append(Finding(
                "错误", c.second.file, c.second.sheet, None, None, None,
                f"{_where(c.first)} 与 {_where(c.second)} 对同一条“{table_label(c.table)}”记录（{what}）"
                f"填写了不同的值：{values}"))
        if self.n_conflicts > len(self.conflicts):
            last = self.conflicts[-1]
            out.append(Finding("错误", last.second.file, None, None, None, None,
                               f"另有{self.n_conflicts - len(self.conflicts)}处不同文件对同一条记录填写了不同的值，未逐条列出"))
        return out


def _where(claim: Claim) -> str:
    if claim.sheet is None:
        return claim.file
    row = f" 第{claim.row}行" if claim.row else ""
    return f"{claim.file}（{claim.sheet}{row}）"


def _key_part(session: Session, table: str, field: str, value: Any) -> str:
    """One part of a natural key as a person reads it: a station's name for station_id, 2022年 for a year."""
    if field == "year" and isinstance(value, int):
        return f"{value}年"
    if field == "month" and isinstance(value, int):
        return f"{value}月"
    model = TABLES_BY_NAME.get(table)
    column = model.__table__.c.get(field) if model is not None else None
    if column is not None and column.foreign_keys and value is not None:
        target = TABLES_BY_NAME.get(next(iter(column.foreign_keys)).column.table.name)
        row = session.get(target, value) if target is not None else None
        for name in NAME_FIELDS:
            if row is not None and getattr(row, name, None) not in (None, ""):
                return display(getattr(row, name))
    if isinstance(value, dt.date):
        return value.isoformat()
    return display(value)


class ClaimingWriter(Writer):
    """A Writer that records, for the import's other files, what this file sets."""

    def __init__(self, session: Session, batch: ImportBatch | None, *, is_demo: bool = False, claims: Claims,
                 file: str, owner: str):
        super().__init__(session, batch, is_demo=is_demo)
        self.claims = claims
        self.file = file
        self.owner = owner

    def upsert(self, model: type[SQLModel], key: dict[str, Any], values: dict[str, Any], *,
               sheet: str | None = None, row: int | None = None):
        self.claims.claim(model.__tablename__, tuple(key), tuple(key.values()),
                          Claim(self.owner, self.file, sheet, row, dict(values)))
        return super().upsert(model, key, values, sheet=sheet, row=row)

    def upsert_many(self, model: type[SQLModel], key_fields: tuple[str, ...], items):
        table = model.__tablename__
        for key, values, sheet, row in items:
            self.claims.claim(table, key_fields, key, Claim(self.owner, self.file, sheet, row, dict(values)))
        return super().upsert_many(model, key_fields, items)
