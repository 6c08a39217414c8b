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
_ERROR_TYPE_RE = re.compile(rb'\bt="e"')
_ERROR_VALUE_RE = re.compile(rb"<v>([^<]*)</v>")
# Error values calamine reads (as an empty cell); any other one makes it refuse the whole workbook.
CALAMINE_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _sheet_paths(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, member path) of each sheet the workbook lists."""
    from defusedxml import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    try:
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return []
    targets = {r.get("Id"): r.get("Target") for r in rels}
    out = []
    for sheet in wb.iter(f"{{{ns['m']}}}sheet"):
        target = (targets.get(sheet.get(f"{{{ns['r']}}}id")) or "").lstrip("/")
        out.append((sheet.get("name"), target if target.startswith("xl/") else "xl/" + target))
    return out


def scan_xlsx(data: bytes) -> tuple[dict[str, set[tuple[int, int]]], dict[str, dict[tuple[int, int], str]], bytes]:
    """One pass over the sheets' XML: (cells holding a formula but no cached value — files last saved by a library,
    not by Excel/WPS —, error cells (row, col) -> "#DIV/0!", the bytes calamine is to read). calamine reads an error
    cell as empty and refuses #SPILL!, #CALC! …: those are rewritten to #N/A in the bytes it reads (their code is kept
    here)."""
    empty: dict[str, set[tuple[int, int]]] = {}
    errors: dict[str, dict[tuple[int, int], str]] = {}
    patched: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name, path in _sheet_paths(zf):
            try:
                xml = zf.read(path)
            except KeyError:
                continue
            has_formula, has_error = b"<f" in xml, b't="e"' in xml
            if not (has_formula or has_error):
                continue
            cells, bad = set(), {}
            for m in _CELL_RE.finditer(xml):
                inner = m.group(4) or b""
                if has_formula and b"<f" in inner and not _VALUE_RE.search(inner):  # <v/> and <v></v> hold nothing
                    cells.add((int(m.group(2)) - 1, _col_index(m.group(1))))
                if has_error and _ERROR_TYPE_RE.search(m.group(3)):
                    value = _ERROR_VALUE_RE.search(inner)
                    if value:
                        bad[(int(m.group(2)) - 1, _col_index(m.group(1)))] = value.group(1).decode("utf-8", "replace")
            if cells:
                empty[name] = cells
            if bad:
                errors[name] = bad
                if any(code not in CALAMINE_ERRORS for code in bad.values()):
                    patched[path] = _CELL_RE.sub(_readable_error, xml)
        if patched:
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
                for info in zf.infolist():
                    new.writestr(info, patched.get(info.filename) or zf.read(info.filename))
            data = out.getvalue()
    return empty, errors, data


def _readable_error(m: re.Match) -> bytes:
    """An error cell whose code calamine does not know, as #N/A (its real code is reported from the scan)."""
    if not _ERROR_TYPE_RE.search(m.group(3)) or not m.group(4):
        return m.group(0)
    value = _ERROR_VALUE_RE.search(m.group(4))
    if value is None or value.group(1).decode("utf-8", "replace") in CALAMINE_ERRORS:
        return m.group(0)
    return m.group(0).replace(value.group(0), b"<v>#N/A</v>")


# BIFF8 (.xls): BOOLERR cells with the error flag, and FORMULA cells whose cached result is an error.
_XLS_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
               0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


def scan_xls(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Error cells of an .xls, per sheet name: calamine reads them as empty. A stream it cannot walk gives {}."""
    import struct

    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            stream = ole.openstream("Workbook" if ole.exists("Workbook") else "Book").read()
    except Exception:  # not a BIFF8 workbook we can walk: no error cells found, calamine still reads it
        return {}
    sheets: dict[int, str] = {}  # BOF offset -> sheet name (BOUNDSHEET records)
    out: dict[str, dict[tuple[int, int], str]] = {}
    pos, current, size = 0, None, len(stream)
    while pos + 4 <= size:
        rtype, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4 : pos + 4 + length]
        if rtype == 0x0085 and length >= 8:  # BOUNDSHEET: lbPlyPos, flags, name (ShortXLUnicodeString)
            offset, cch, flags = struct.unpack_from("<I", body)[0], body[6], body[7]
            raw = body[8 : 8 + (cch * 2 if flags & 1 else cch)]
            sheets[offset] = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
        elif rtype == 0x0809:  # BOF: a sheet's substream starts here (or the globals')
            current = sheets.get(pos)
        elif current is not None and rtype == 0x0205 and length >= 8 and body[7] == 1:  # BOOLERR, fError
            row, col = struct.unpack_from("<HH", body)
            out.setdefault(current, {})[(row, col)] = _XLS_ERRORS.get(body[6], "#N/A")
        elif current is not None and rtype == 0x0006 and length >= 14 and body[6] == 2 and body[12:14] == b"\xff\xff":
            row, col = struct.unpack_from("<HH", body)  # FORMULA whose cached value is an error
            out.setdefault(current, {})[(row, col)] = _XLS_ERRORS.get(body[8], "#N/A")
        pos += 4 + length
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
    empty_formulas: dict[str, set[tuple[int, int]]] = {}
    errors: dict[str, dict[tuple[int, int], str]] = {}
    if fmt == "zip":
        try:
            empty_formulas, errors, data = scan_xlsx(data)
        except Exception:  # a broken workbook: calamine says so below
            pass
    else:
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
        rows = sheet.to_python(skip_empty_area=False)
        merged = [tuple(map(tuple, r)) for r in (sheet.merged_cell_ranges or [])]
        sheets.append(SheetGrid(
            name=meta.name,
            visible=meta.visible == SheetVisibleEnum.Visible,
            rows=[list(r) for r in rows],
            merged=merged,
            formula_empty=empty_formulas.get(meta.name, set()),
            errors=errors.get(meta.name, {}),
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
