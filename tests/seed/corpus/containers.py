"""Grids (lists of rows) to file bytes, in memory: xlsx, xls, CSV in four encodings, and an HTML table.

A grid cell is a python value (None = empty), a datetime.date, or an `Err` — a real Excel error cell in xlsx/xls, its
text in the text formats (as Excel writes it when saving CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from dataclasses import dataclass

import openpyxl
import xlwt
from openpyxl.utils import range_boundaries


@dataclass(frozen=True)
class Err:
    code: str  # "#DIV/0!", "#REF!", "#N/A"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Err):
        return value.code
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx(grid: list[list[object]], merges: list[str], sheet: str) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(r, c, value.code if isinstance(value, Err) else value)
            if isinstance(value, Err):
                cell.data_type = "e"  # a real error cell, not the text "#DIV/0!"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for rng in merges:
        ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# xlwt spells #N/A "#N/A!" in its table (Cell.py); the error code it writes (0x2A) is #N/A
XLWT_CODES = {"#N/A": "#N/A!"}
_DATE = xlwt.easyxf(num_format_str="YYYY-MM-DD")


def xls(grid: list[list[object]], merges: list[str], sheet: str) -> bytes:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    for r, row in enumerate(grid):
        xrow = ws.row(r)
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, Err):
                xrow.set_cell_error(c, XLWT_CODES.get(value.code, value.code))
            elif isinstance(value, dt.date):
                ws.write(r, c, dt.datetime(value.year, value.month, value.day), _DATE)
            else:
                ws.write(r, c, value)
    for rng in merges:
        c1, r1, c2, r2 = range_boundaries(rng)
        ws.merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def delimited(grid: list[list[object]], encoding: str, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([[_text(v) for v in row] for row in grid])
    return out.getvalue().encode(encoding)


def html_table(grid: list[list[object]]) -> bytes:
    """What 'save as web page' (or many web systems' "Excel export") gives: a table, to be saved under .xls."""
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(_text(v))}</td>" for v in row) + "</tr>\n" for row in grid)
    return f"<html><head><meta charset=\"utf-8\"></head><body><table>\n{rows}</table></body></html>".encode()


# container id -> (file extension, writer(grid, merges, sheet) -> bytes, sheet name as the importer reports it)
CONTAINERS = {
    "xlsx": ("xlsx", xlsx, "Sheet1"),
    "xls": ("xls", xls, "Sheet1"),
    "csv-utf8": ("csv", lambda g, m, s: delimited(g, "utf-8"), "CSV"),
    "csv-bom": ("csv", lambda g, m, s: delimited(g, "utf-8-sig"), "CSV"),
    "csv-gbk": ("csv", lambda g, m, s: delimited(g, "gbk"), "CSV"),
    "utf16-tab": ("txt", lambda g, m, s: delimited(g, "utf-16", "\t"), "CSV"),
    "html-xls": ("xls", lambda g, m, s: html_table(g), "Sheet1"),
    "csv-as-xlsx": ("xlsx", lambda g, m, s: delimited(g, "utf-8-sig"), "CSV"),  # a CSV someone renamed
}


def encode(container: str, grid: list[list[object]], merges: list[str], sheet: str = "Sheet1") -> tuple[str, bytes]:
    """(extension, bytes) of the grid in the container; text containers lose merges (as a CSV does)."""
    ext, writer, _ = CONTAINERS[container]
    return ext, writer(grid, merges, sheet)


def sheet_name(container: str, sheet: str = "Sheet1") -> str:
    """The sheet name the importer gives a finding in this container (a text file's one sheet is "CSV")."""
    return sheet if CONTAINERS[container][2] == "Sheet1" else "CSV"
