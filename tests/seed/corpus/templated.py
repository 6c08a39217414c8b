"""The importer's own fill-in template (python -m seed template KIND), filled with the canonical rows."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from seed.templates import FIRST_ROW, HEADER_ROW, template_bytes


def from_template(kind: str, header: list[str], rows: list[list[object]], extra: dict[str, object] | None = None,
                  **template_args) -> bytes:
    """The template of `kind` with each canonical row written under the template column of the same header text;
    `extra` fills a template column on every row (工作要点's 文件名称, 发文单位 …)."""
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes(kind, **template_args)))
    ws = wb.worksheets[0]
    where = {ws.cell(HEADER_ROW, col).value: col for col in range(1, ws.max_column + 1)}
    for i, row in enumerate(rows):
        values = {**dict(zip(header, row, strict=True)), **(extra or {})}
        for label, value in values.items():
            if value is None:
                continue
            cell = ws.cell(FIRST_ROW + i, where[label], value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
