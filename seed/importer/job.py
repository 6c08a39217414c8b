"""One sheet to import and its parsed rows: what the reading step fills and each kind's handler consumes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from db.changelog import Counts
from seed.importer.grid import Layout, cell_ref
from seed.importer.kinds import Kind
from seed.importer.reader import SheetGrid
from seed.importer.report import Finding


@dataclass
class Record:
    row0: int
    cells: dict[str, int]  # field -> column index
    raw: dict[str, Any]
    values: dict[str, Any]


@dataclass
class SheetJob:
    """One sheet to import, with everything its handler needs."""

    file: str
    grid: SheetGrid
    rows: list[list[Any]]
    layout: Layout
    kind: Kind
    title: str
    year: int | None
    month: int | None
    meta: dict[str, str]
    findings: list[Finding]
    records: list[Record] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)  # row indices of 合计/小计 rows
    bad_cells: set[tuple[int, int]] = field(default_factory=set)  # (row, col) refused: a 合计 over them is not checked
    counts: Counts = field(default_factory=Counts)
    report_date: dt.date | None = None
    station_scope: int | None = None

    @property
    def sheet(self) -> str:
        return self.grid.name

    def column_label(self, col0: int) -> str:
        return self.layout.header.name(col0) or cell_ref(0, col0).rstrip("1")

    def error(self, row0: int | None, col0: int | None, message: str, value: Any = None) -> None:
        self._add("错误", row0, col0, message, value)

    def warn(self, row0: int | None, col0: int | None, message: str, value: Any = None) -> None:
        self._add("提示", row0, col0, message, value)

    def _add(self, level: str, row0, col0, message, value) -> None:
        cell = cell_ref(row0, col0) if row0 is not None and col0 is not None else None
        column = None
        if col0 is not None:
            column = "标题" if row0 is not None and row0 < self.layout.header.row0 else self.column_label(col0)
        self.findings.append(Finding(level, self.file, self.sheet, cell, column, value, message))

    @property
    def has_errors(self) -> bool:
        return any(f.level == "错误" and f.sheet == self.sheet and f.file == self.file for f in self.findings)
