"""The parsing subprocess: reads bytes from stdin under RLIMIT_AS and writes the raw grids, pickled, to stdout.

Run as a script (not through the package) so the child imports nothing but its readers.
"""

from __future__ import annotations

import csv
import io
import pickle
import re
import resource
import sys
import zipfile

MAX_ROWS = 300_000
MAX_COLS = 300


def sniff(data: bytes) -> str:
    """What the bytes are, whatever the file is called."""
    if not data:
        return "empty"
    if data[:4] == b"PK\x03\x04":
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole2"
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if head.startswith(b"<!doctype html") or head.startswith(b"<html") or b"<table" in head:
        return "html"
    if head.startswith(b"<?xml") or head.startswith(b"<workbook"):
        return "xml"
    if b"\x00" in data[:4096]:
        return "binary"
    return "text"


def SheetGrid(**fields) -> dict:  # noqa: N802  (plain dicts cross the process boundary)
    return fields

_VALUE_RE = re.compile(rb"<v>[^<]+</v>")
_CELL_RE = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def formula_cells_without_value(data: bytes) -> dict[str, set[tuple[int, int]]]:
    """Cells holding a formula but no cached value (files last saved by a library, not by Excel/WPS)."""
    from defusedxml import ElementTree

    out: dict[str, set[tuple[int, int]]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
              "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
        wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        try:
            rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        except KeyError:
            return out
        targets = {r.get("Id"): r.get("Target") for r in rels}
        for sheet in wb.iter(f"{{{ns['m']}}}sheet"):
            rid = sheet.get(f"{{{ns['r']}}}id")
            target = (targets.get(rid) or "").lstrip("/")
            path = target if target.startswith("xl/") else "xl/" + target
            try:
                xml = zf.read(path)
            except KeyError:
                continue
            if b"<f" not in xml:
                continue
            cells = set()
            for m in _CELL_RE.finditer(xml):
                inner = m.group(4) or b""
                if b"<f" in inner and not _VALUE_RE.search(inner):  # <v/> and <v></v> hold nothing
                    cells.add((int(m.group(2)) - 1, _col_index(m.group(1))))
            if cells:
                out[sheet.get("name")] = cells
    return out


def read_excel(data: bytes, fmt: str) -> dict:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    if fmt == "ole2":
        import msoffcrypto

        try:
            if msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted():
                return {"error": "文件已设置打开密码，请取消密码后再导入"}
        except Exception:  # not an Office container msoffcrypto understands: let calamine try
            pass
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:  # calamine may raise PanicException (a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        if fmt == "ole2":
            return {"error": "无法读取该.xls文件（可能已加密或已损坏），请用Excel或WPS另存为.xlsx再导入"}
        return {"error": "文件已损坏，无法作为Excel工作簿打开"}
    empty_formulas = formula_cells_without_value(data) if fmt == "zip" else {}
    sheets = []
    for meta in wb.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        sheet = wb.get_sheet_by_name(meta.name)
        if sheet.total_height > MAX_ROWS or sheet.total_width > MAX_COLS:
            return {"error": f"工作表“{meta.name}”过大（{sheet.total_height}行×{sheet.total_width}列），"
                             f"上限为{MAX_ROWS}行×{MAX_COLS}列"}
        rows = sheet.to_python(skip_empty_area=False)
        merged = [tuple(map(tuple, r)) for r in (sheet.merged_cell_ranges or [])]
        sheets.append(SheetGrid(
            name=meta.name,
            visible=meta.visible == SheetVisibleEnum.Visible,
            rows=[list(r) for r in rows],
            merged=merged,
            formula_empty=empty_formulas.get(meta.name, set()),
        ))
    return {"format": "xlsx" if fmt == "zip" else "xls", "sheets": sheets}


def read_csv(data: bytes) -> dict:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return {"error": "无法识别文本编码（支持UTF-8与GBK/GB18030）"}
    sample = text[:8192]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    if len(rows) > MAX_ROWS:
        return {"error": f"行数过多（{len(rows)}行），上限为{MAX_ROWS}行"}
    if rows and max(len(r) for r in rows) > MAX_COLS:
        return {"error": f"列数过多，上限为{MAX_COLS}列"}
    if rows and max(len(r) for r in rows) < 2 and len(rows) > 0 and not any("," in r[0] for r in rows if r):
        if not any(ch in text for ch in ",\t;"):
            return {"error": "不是表格文件（未发现分隔符），支持.xlsx、.xls、.csv"}
    return {"format": "csv", "sheets": [SheetGrid(name="CSV", visible=True, rows=rows)]}


def main() -> None:
    limit_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 1536
    resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 1024 * 1024, limit_mb * 1024 * 1024))
    data = sys.stdin.buffer.read()
    fmt = sniff(data)
    try:
        if fmt in ("zip", "ole2"):
            result = read_excel(data, fmt)
        elif fmt == "text":
            result = read_csv(data)
        else:
            result = {"error": "不是表格文件（支持.xlsx、.xls、.csv）"}
    except MemoryError:
        result = {"error": "文件解析超出内存上限，疑似异常文件，已拒绝"}
    sys.stdout.buffer.write(pickle.dumps(result))


if __name__ == "__main__":
    main()
