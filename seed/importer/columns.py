"""No column dropped without a word: each header column is mapped, listed as ignored with its reason, or an error
(two columns for one field; data under no header)."""

from __future__ import annotations

from seed.importer.grid import DEMO_COLUMN, Layout, _strip_brackets, cell_ref, is_demo_column, row_kind
from seed.importer.values import is_blank, squash

# Columns that explain rather than hold data (in NON_DATA): said to be ignored as such.
NOTE_COLUMNS = ("序号", "备注", "说明", "排名", "编号", "完成率", "进度")

REASON_NOT_A_FIELD = "不是本表的字段"
REASON_NOTE = "序号、备注等说明列"
REASON_EMPTY = "该列没有数据"
REASON_DEMO = f"“{DEMO_COLUMN}”列标记示例数据，不导入"
MSG_NO_HEADER = "该列有数据但没有表头（如{cell}），请补上表头或删除该列"


def _is_note(levels: list[str]) -> bool:
    return any(squash(t) in NOTE_COLUMNS or _strip_brackets(squash(t)) in NOTE_COLUMNS for t in levels)


Merged = list[tuple[tuple[int, int], tuple[int, int]]]


def _one_merged_cell(merged: Merged, rows: tuple[int, ...], a: int, b: int) -> bool:
    """Whether columns a and b share one merged header cell (a name merged across two columns)."""
    return any(r0 <= r <= r1 and c0 <= min(a, b) and max(a, b) <= c1 for (r0, c0), (r1, c1) in merged for r in rows)


def column_findings(rows: list[list[object]], layout: Layout, merged: Merged = ()) -> list[tuple[str, int, int, str]]:
    """(level, row0, col0, message) for each header column that is not read, by the header cell."""
    header = layout.header
    used = set(layout.columns.values()) | set(layout.indicators) | set(layout.unknown)
    out: list[tuple[str, int, int, str]] = []
    width = max((len(r) for r in rows), default=0)
    blank_headers: list[int] = []
    for c in range(width):
        levels = header.levels[c] if c < len(header.levels) else []
        if not levels:
            blank_headers.append(c)
            continue
        row0 = header.cell_row(c)
        if c in layout.duplicates:
            first, label = layout.duplicates[c]
            if _one_merged_cell(merged, header.rows, first, c):
                out.append(("提示", row0, c, f"“{header.name(c)}”列未导入：与{cell_ref(header.cell_row(first), first)}"
                                             "列同属一个合并表头"))
                continue
            out.append(("错误", row0, c, f"与{cell_ref(header.cell_row(first), first)}列都对应“{label}”，"
                                         "请删除或改名其中一列"))
            continue
        if c in used:
            continue
        reason = REASON_DEMO if is_demo_column(levels) else REASON_NOTE if _is_note(levels) else REASON_NOT_A_FIELD
        out.append(("提示", row0, c, f"“{header.name(c)}”列未导入：{reason}"))
    for c in blank_headers:
        r = _first_data(rows, layout, c)
        if r is not None:
            out.append(("错误", header.cell_row(c), c, MSG_NO_HEADER.format(cell=cell_ref(r, c))))
    for c in layout.unknown:  # a new indicator column with data is the handler's; an empty one is said here
        if _first_data(rows, layout, c) is None:
            out.append(("提示", header.cell_row(c), c, f"“{header.name(c)}”列未导入：{REASON_EMPTY}"))
    return sorted(out, key=lambda f: (f[2], f[1]))


def _first_data(rows: list[list[object]], layout: Layout, col0: int) -> int | None:
    """The first data row with a value in the column (a 注： line or a group label is not data), in one pass over
    that column."""
    for r in range(layout.header.end, len(rows)):
        row = rows[r]
        if col0 < len(row) and not is_blank(row[col0]) and row_kind(row) in ("data", "total"):
            return r
    return None
