"""Header layouts and total rows as district offices make them: a grid (rows of cells) and its merged ranges.

Every layout returns a `Sheet`: the grid, the merges and, per canonical data row, the 1-based grid row it landed on
(so a bad variant can name the exact cell)."""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter


@dataclass
class Sheet:
    grid: list[list[object]]
    merges: list[str] = field(default_factory=list)
    data_rows: list[int] = field(default_factory=list)  # 1-based grid row of each canonical data row

    def cell(self, data_index: int, column: int) -> str:
        """The A1 reference of canonical data row `data_index`, 0-based column `column`."""
        return f"{get_column_letter(column + 1)}{self.data_rows[data_index]}"


def _rng(r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{get_column_letter(c1 + 1)}{r1}:{get_column_letter(c2 + 1)}{r2}"


def header_rows(header: list[str], how: str, groups: dict[int, tuple[str, int]] | None = None,
                units: list[str | None] | None = None, top: int = 1) -> tuple[list[list[object]], list[str]]:
    """The header block starting at grid row `top`.

    how = "one": one row of names. "group": a group header merged over sub-headers (groups: first column -> (group
    text, width)); columns outside a group merged over both rows. "units": the names, then a unit row under them.
    "spacer": the names, then an empty row."""
    width = len(header)
    if how == "one":
        return [list(header)], []
    if how == "units":
        return [list(header), list(units or [None] * width)], []
    if how == "spacer":
        return [list(header), [None] * width], []
    if how != "group":
        raise ValueError(how)
    groups = groups or {}
    first, second, merges = [None] * width, [None] * width, []
    covered: set[int] = set()
    for start, (text, span) in groups.items():
        first[start] = text
        merges.append(_rng(top, start, top, start + span - 1))
        for c in range(start, start + span):
            second[c] = header[c]
            covered.add(c)
    for c in range(width):
        if c not in covered:
            first[c] = header[c]
            merges.append(_rng(top, c, top + 1, c))
    return [first, second], merges


def build_sheet(header: list[str], rows: list[list[object]], *, titles: list[str] = (), how: str = "one",
                groups: dict[int, tuple[str, int]] | None = None, units: list[str | None] | None = None,
                total: str | None = None, total_label: str = "合计", subtotals: list[tuple[str, int]] | None = None,
                footer: list[str] = ()) -> Sheet:
    """Titles (each merged across the width), the header block, the data rows and their totals.

    total = None | "last" | "first": one 合计 row summing every numeric column, after or before the data.
    subtotals = [(label, n rows), …]: a 小计 row after each group of rows (with total="last", a 合计 at the end)."""
    width = len(header)
    grid: list[list[object]] = []
    merges: list[str] = []
    for text in titles:
        grid.append([text] + [None] * (width - 1))
        merges.append(_rng(len(grid), 0, len(grid), width - 1))
    head, head_merges = header_rows(header, how, groups, units, top=len(grid) + 1)
    grid.extend(head)
    merges.extend(head_merges)

    def sum_row(label: str, part: list[list[object]]) -> list[object]:
        out: list[object] = [label]
        for c in range(1, width):
            nums = [r[c] for r in part if isinstance(r[c], (int, float)) and not isinstance(r[c], bool)]
            out.append(sum(nums) if nums else None)
        return out

    data_rows: list[int] = []
    if total == "first":
        grid.append(sum_row(total_label, rows))
    if subtotals:
        i = 0
        for label, n in subtotals:
            for row in rows[i:i + n]:
                grid.append(list(row))
                data_rows.append(len(grid))
            grid.append(sum_row(label, rows[i:i + n]))
            i += n
    else:
        for row in rows:
            grid.append(list(row))
            data_rows.append(len(grid))
    if total == "last":
        grid.append(sum_row(total_label, rows))
    for text in footer:
        grid.append([text] + [None] * (width - 1))
    return Sheet(grid, merges, data_rows)
