"""合计 / 小计 rows wherever they sit: the data rows each one covers, and the cells it must not be blamed for."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from seed.importer.grid import cell_ref, is_grand_total, row_kind, total_label
from seed.importer.job import SheetJob

# Excel's error values as a reader may hand them over; the cell is reported, never summed.
EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!",
                          "#GETTING_DATA"})


def covered_rows(job: SheetJob, data_rows: list[int]) -> dict[int, list[int]]:
    """Total row -> the data rows it covers. 合计/总计/全区合计 cover every data row wherever they sit (first, last,
    between groups); a 小计 covers its group: the rows between the group labels ("一、城区片区") around it, else the
    rows since the previous 小计 — or, where the 小计 rows come first in their groups, the rows up to the next one."""
    data = sorted(data_rows)
    labels = {t: total_label(job.rows[t]) for t in job.totals}
    subtotals = sorted(t for t in job.totals if not is_grand_total(labels[t]))
    out = {t: data for t in job.totals if is_grand_total(labels[t])}
    if not subtotals:
        return out
    start = job.layout.header.end
    groups = [r for r in range(start, len(job.rows)) if row_kind(job.rows[r]) == "group"]

    def between(lo: int, hi: int) -> list[int]:
        return data[bisect_right(data, lo) : bisect_left(data, hi)]

    if groups:
        for t in subtotals:
            i = bisect_right(groups, t)
            lo = groups[i - 1] if i else start - 1
            hi = groups[i] if i < len(groups) else len(job.rows)
            out[t] = between(lo, hi)
        return out
    leading = not between(start - 1, subtotals[0]) and bool(between(subtotals[0], len(job.rows)))
    bounds = [start - 1, *subtotals, len(job.rows)]
    for i, t in enumerate(subtotals, start=1):
        out[t] = between(t, bounds[i + 1]) if leading else between(bounds[i - 1], t)
    return out


def scope_text(job: SheetJob, total_row: int, rows: list[int]) -> str:
    """How a mismatch names what the total covers: 各行 for a 合计, 本组各行（第4–6行） for a 小计."""
    if is_grand_total(total_label(job.rows[total_row])):
        return "各行"
    if not rows:
        return "本组各行"
    span = f"{rows[0] + 1}" if rows[0] == rows[-1] else f"{rows[0] + 1}–{rows[-1] + 1}"
    return f"本组各行（第{span}行）"


def error_cells(job: SheetJob) -> set[str]:
    """The cells of this sheet an error is already reported at."""
    return {f.cell for f in job.findings
            if f.level == "错误" and f.file == job.file and f.sheet == job.sheet and f.cell}


def unreadable(job: SheetJob, rows: list[int], col0: int, reported: set[str]) -> bool:
    """Whether a covered cell of the column cannot be read (an error value, or an error already reported there):
    the 合计 of that column is then not blamed for it."""
    for r in rows:
        if (r, col0) in job.bad_cells:
            return True
        row = job.rows[r]
        value = row[col0] if col0 < len(row) else None
        if (isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS) or cell_ref(r, col0) in reported:
            return True
    return False
