"""What a corpus variant is: the files it imports and the outcome it must have."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Good:
    """The import succeeds; each kind's export (python -m seed export KIND) equals the canonical rows."""

    exports: dict[str, list[list[object]]]  # kind -> expected rows, in export order
    year: int | None = None  # the year exported
    drop: tuple[str, ...] = ()  # export columns not compared (e.g. 上报日期, which defaults to the import day)
    notes: tuple[str, ...] = ()  # fragments some finding (a hint) must contain, e.g. "列未导入"


@dataclass(frozen=True)
class Bad:
    """The import is refused at a cell: some error names the sheet and cell and contains the fragment; nothing is
    written. `cell=None`: a file-level refusal, matched on the fragment alone."""

    sheet: str | None
    cell: str | None
    fragment: str


@dataclass(frozen=True)
class Variant:
    id: str
    kind: str
    base: str  # the database it starts from: "empty", "stations" or "people" (tests/seed/test_corpus.py)
    build: Callable[[], list[tuple[str, bytes]]]  # the files, made on demand (in memory)
    expect: Good | Bad
    waits: str | None = None  # "#18 item N: …": the item of issue 18 that made it pass
    options: dict = field(default_factory=dict)  # keyword arguments to import_files (year=…)
