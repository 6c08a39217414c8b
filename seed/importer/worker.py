"""The parsing subprocess: reads bytes from stdin under RLIMIT_AS and writes the raw grids, pickled, to stdout.

Run as a script (not through the package) so the child imports nothing but its readers.
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
import os
import pickle
import re
import resource
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

MAX_ROWS = 1_048_576  # the default; the parent passes the MAX_ROWS setting as the second argument
MAX_COLS = 300


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _utf16_without_bom(data: bytes) -> str | None:
    """utf-16-le / utf-16-be for text without a BOM: NUL high bytes (digits, tabs, line ends) on one side only."""
    head = data[:4096]
    head = head[: len(head) - len(head) % 2]
    if len(head) < 8:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    if even == 0 and odd >= half // 5:
        return "utf-16-le"
    if odd == 0 and even >= half // 5:
        return "utf-16-be"
    return None


def sniff(data: bytes) -> str:
    """What the bytes are, whatever the file is called."""
    if not data:
        return "empty"
    if data[:4] == b"PK\x03\x04":
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole2"
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:2] in UTF16_BOMS or _utf16_without_bom(data):
        return "text"  # Excel's "Unicode text": UTF-16, tab-separated
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if head.startswith(b"<?xml") and (b"<html" in head or b"<table" in head):
        return "html"  # XHTML
    if head.startswith(b"<?xml") or head.startswith(b"<workbook"):
        return "xml"
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<body", b"<style", b"<!--")) \
            or b"<table" in head:
        return "html"
    if b"\x00" in data[:4096]:
        return "binary"
    return "text"


def SheetGrid(**fields) -> dict:  # noqa: N802  (plain dicts cross the process boundary)
    return fields


try:  # in the app: the package; in the parsing subprocess (python -I worker.py, no package on the path): the file beside
    from seed.importer.cell_marks import scan_xls, scan_xlsx
except ModuleNotFoundError:
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))  # after the standard library and the venv
    from cell_marks import scan_xls, scan_xlsx



def read_excel(data: bytes, fmt: str, *, scan: bool = True) -> dict:
    """The sheets of an .xlsx or .xls, each sheet's rows an iterator (lazy_rows) made as write_result sends them, so
    the parent reads the first parts while the rest are made. `scan=False`: the parent scans the .xlsx's XML itself,
    at the same time (reader.run_reader), and the grids come without formula_empty and errors."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    if fmt == "ole2":
        import msoffcrypto

        try:
            if msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted():
                return {"error": "文件已设置打开密码，请取消密码后再导入"}
        except Exception:  # not an Office container msoffcrypto understands: let calamine try
            pass
    empty_formulas: dict[str, set[tuple[int, int]]] = {}
    errors: dict[str, dict[tuple[int, int], str]] = {}
    if fmt == "zip" and scan:
        try:
            empty_formulas, errors, data = scan_xlsx(data)
        except Exception:  # a broken workbook: calamine says so below
            pass
    elif fmt == "ole2":
        errors = scan_xls(data)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:  # calamine may raise PanicException (a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        if fmt == "ole2":
            return {"error": "无法读取该.xls文件（可能已加密或已损坏），请用Excel或WPS另存为.xlsx再导入"}
        return {"error": "文件已损坏，无法作为Excel工作簿打开"}
    sheets = []
    for meta in wb.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        sheet = wb.get_sheet_by_name(meta.name)
        if sheet.total_height > MAX_ROWS or sheet.total_width > MAX_COLS:
            return {"error": f"工作表“{meta.name}”过大（{sheet.total_height}行×{sheet.total_width}列），"
                             f"上限为{MAX_ROWS}行×{MAX_COLS}列"}
        merged = [tuple(map(tuple, r)) for r in (sheet.merged_cell_ranges or [])]
        sheets.append(SheetGrid(
            name=meta.name,
            visible=meta.visible == SheetVisibleEnum.Visible,
            rows=lazy_rows(sheet),
            merged=merged,
            formula_empty=empty_formulas.get(meta.name, set()),
            errors=errors.get(meta.name, {}),
        ))
    return {"format": "xlsx" if fmt == "zip" else "xls", "sheets": sheets}


def lazy_rows(sheet) -> Iterator[list]:
    """sheet.to_python(skip_empty_area=False)'s rows, one at a time: calamine's iter_rows starts at the sheet's first
    row but at its first used column, so the columns before that one are put back (a cell keeps its address)."""
    pad = [""] * (sheet.start[1] if sheet.start else 0)
    for row in sheet.iter_rows():
        yield pad + list(row) if pad else list(row)


def decode_text(data: bytes) -> tuple[str, str] | None:
    """The text and its encoding as a message names it (UTF-8 / GBK / GB18030 / UTF-16), or None."""
    if data[:2] in UTF16_BOMS:
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            return None
    bare = _utf16_without_bom(data)
    if bare:
        try:
            return data.decode(bare), "UTF-16"
        except UnicodeDecodeError:
            return None
    for encoding, label in (("utf-8-sig", "UTF-8"), ("gbk", "GBK"), ("gb18030", "GB18030")):
        try:
            return data.decode(encoding), label
        except UnicodeDecodeError:
            continue
    return None


def read_csv(data: bytes) -> dict:
    decoded = decode_text(data)
    if decoded is None:
        return {"error": "无法识别文本编码（支持UTF-8、GBK/GB18030与UTF-16）"}
    text, encoding = decoded
    sample = text[:8192]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    if len(rows) > MAX_ROWS:
        return {"error": f"行数过多（{len(rows)}行），上限为{MAX_ROWS}行"}
    if rows and max(len(r) for r in rows) > MAX_COLS:
        return {"error": f"列数过多，上限为{MAX_COLS}列"}
    if rows and max(len(r) for r in rows) < 2 and len(rows) > 0 and not any("," in r[0] for r in rows if r):
        if not any(ch in text for ch in ",\t;"):
            return {"error": "不是表格文件（未发现分隔符），支持.xlsx、.xls、.csv"}
    return {"format": "csv", "encoding": encoding, "delimiter": delimiter,
            "sheets": [SheetGrid(name="CSV", visible=True, rows=rows)]}


_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.I)


def decode_html(data: bytes) -> tuple[str, str] | None:
    """An HTML page's text and encoding: its BOM, else its <meta charset>, else UTF-8, GBK, GB18030."""
    if data[:2] in UTF16_BOMS or data[:3] == b"\xef\xbb\xbf":
        return decode_text(data)
    declared = _CHARSET_RE.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        name = {"gb2312": "gbk", "x-gbk": "gbk", "utf8": "utf-8"}.get(name, name)
        try:
            return data.decode(name), name.upper()
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


class _TableParser(HTMLParser):
    """The first <table> of a page as rows of (text, rowspan, colspan) cells; tables inside a cell are read as that
    cell's text. html.parser resolves no entities but the standard character references and loads nothing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[tuple[str, int, int]]] = []
        self.depth = 0  # <table> nesting; 1 = the table read
        self.done = False
        self.cell: list[str] | None = None
        self.spans = (1, 1)
        self.skip = 0  # inside <style>/<script>

    @staticmethod
    def _span(attrs, name: str) -> int:
        for key, value in attrs:
            if key == name and value:
                digits = re.match(r"\s*(\d+)", value)
                return max(1, min(int(digits.group(1)), MAX_ROWS)) if digits else 1
        return 1

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag in ("style", "script"):
            self.skip += 1
        elif tag == "table":
            self.depth += 1
        elif self.depth == 1 and tag == "tr":
            self._close_cell()
            self.rows.append([])
        elif self.depth == 1 and tag in ("td", "th"):
            self._close_cell()
            if not self.rows:
                self.rows.append([])
            self.cell = []
            self.spans = (self._span(attrs, "rowspan"), self._span(attrs, "colspan"))
        elif self.cell is not None and tag == "br":
            self.cell.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag):
        if self.done:
            return
        if tag in ("style", "script"):
            self.skip = max(0, self.skip - 1)
        elif tag == "table":
            if self.depth == 1:
                self._close_cell()
                self.done = True
            self.depth = max(0, self.depth - 1)
        elif self.depth == 1 and tag in ("td", "th", "tr"):
            self._close_cell()

    def handle_data(self, data):
        if self.cell is not None and not self.skip:
            self.cell.append(data)

    def _close_cell(self) -> None:
        if self.cell is None:
            return
        lines = ("".join(self.cell)).split("\n")
        text = "\n".join(" ".join(line.replace("\xa0", " ").split()) for line in lines).strip()
        self.rows[-1].append((text, *self.spans))
        self.cell = None
        if len(self.rows) > MAX_ROWS:
            raise OverflowError


def read_html(data: bytes) -> dict:
    """The first <table> of an HTML page (what many systems export as ".xls"), rowspan/colspan as merged cells."""
    decoded = decode_html(data)
    if decoded is None:
        return {"error": "无法识别网页的文字编码（支持UTF-8、GBK/GB18030与UTF-16）"}
    text, encoding = decoded
    parser = _TableParser()
    try:
        parser.feed(text)
        parser.close()
    except OverflowError:
        return {"error": f"网页表格行数过多，上限为{MAX_ROWS}行"}
    if not parser.rows:
        return {"error": "网页中没有表格（<table>），无法导入"}
    grid: list[list[object]] = []
    merged = []
    taken: set[tuple[int, int]] = set()  # cells covered by a span from a row above
    for r, cells in enumerate(parser.rows):
        row: list[object] = []
        c = 0
        for value, rowspan, colspan in cells:
            while (r, c) in taken:
                c += 1
            if c + colspan > MAX_COLS:
                return {"error": f"网页表格列数过多，上限为{MAX_COLS}列"}
            rowspan = min(rowspan, len(parser.rows) - r)
            if rowspan > 1 or colspan > 1:
                merged.append(((r, c), (r + rowspan - 1, c + colspan - 1)))
                taken.update((r + dr, c + dc) for dr in range(rowspan) for dc in range(colspan))
            while len(row) < c:
                row.append("")
            row.append(value)
            row.extend([""] * (colspan - 1))
            c += colspan
        grid.append(row)
    width = max([len(r) for r in grid] + [c + 1 for _, (_, c) in merged])
    for row in grid:
        row.extend([""] * (width - len(row)))
    return {"format": "html", "encoding": encoding,
            "sheets": [SheetGrid(name="网页表格", visible=True, rows=grid, merged=merged)]}


def main() -> None:
    global MAX_ROWS
    limit_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    if len(sys.argv) > 2:
        MAX_ROWS = int(sys.argv[2])
    scan = "--no-scan" not in sys.argv[3:]
    resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 1024 * 1024, limit_mb * 1024 * 1024))
    # No cyclic garbage collection in this short-lived process (as the import pauses it in the app): a grid's millions
    # of cells live to its end, and each collection walked them all again (1M rows: to_python 2.4 s, without 1.4 s).
    # The memory limit above still bounds it.
    gc.disable()
    data = sys.stdin.buffer.read()
    fmt = sniff(data)
    try:
        if fmt in ("zip", "ole2"):
            result = read_excel(data, fmt, scan=scan)
        elif fmt == "text":
            result = read_csv(data)
        elif fmt == "html":
            result = read_html(data)
        else:
            result = {"error": "不是表格文件（支持.xlsx、.xls、.csv）"}
    except MemoryError:
        result = {"error": OUT_OF_MEMORY}
    write_result(result, sys.stdout.buffer)


OUT_OF_MEMORY = "文件解析超出内存上限，疑似异常文件，已拒绝"


CHUNK_ROWS = 20_000  # rows a part, at most
CHUNK_CELLS = 250_000  # cells a part, at most: a wide sheet's parts have fewer rows (each is pickled whole)


def write_result(result: dict, out) -> None:
    """The result sent in parts (send): first the sheets without their rows, then each sheet's rows in parts of
    CHUNK_ROWS (fewer on a sheet wider than CHUNK_CELLS / CHUNK_ROWS columns), ended by an empty part. The parent
    unpickles a part while the next is made and pickled (reader._parse); rows given as an iterator (read_excel's
    lazy_rows) are made only as they are sent. Memory running out while they are made sends {"error": …} in place
    of the next part: the parent reads it as the whole result."""
    sheets = result.get("sheets", [])
    send({**result, "sheets": [{k: v for k, v in s.items() if k != "rows"} for s in sheets]}, out)
    try:
        for sheet in sheets:
            rows = iter(sheet["rows"])
            first = next(rows, None)
            if first is not None:
                size = min(CHUNK_ROWS, max(1, CHUNK_CELLS // max(1, len(first))))
                rows = itertools.chain([first], rows)
                while part := list(itertools.islice(rows, size)):
                    send(part, out)
            send([], out)
    except MemoryError:
        part = rows = None  # what was being made is let go before the message is written
        send({"error": OUT_OF_MEMORY}, out)
    out.flush()


def send(message: Any, out) -> None:
    """One message: its pickle's length (8 bytes), then the pickle. The parent takes a part off the pipe at once and
    unpickles it while the next is made; unpickled straight off the pipe (64 KB), the two had taken turns."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(body).to_bytes(8, "little"))
    out.write(body)


def receive(stream, limit: int) -> Any:
    """A message of send(), read whole before it is unpickled; EOFError when the stream ends first, ValueError for
    a length over `limit` bytes (more than the worker's memory could have made: not a message of send)."""
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("the worker's stream ended")
    size = int.from_bytes(head, "little")
    if size > limit:
        raise ValueError(f"a message of {size} bytes")
    body = stream.read(size)
    if len(body) < size:
        raise EOFError("the worker's stream ended")
    return pickle.loads(body)


if __name__ == "__main__":
    main()
