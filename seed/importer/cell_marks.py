"""Marks of formulas and error cells in a workbook's own bytes, which calamine does not report: an .xlsx's sheet XML
(empty formulas, error cells, error codes calamine refuses) and an .xls's BIFF records (error cells).

Read by the app (reader.run_reader, while the subprocess parses) and by the parsing subprocess (worker.read_excel
with its scan). Imports nothing but the standard library, defusedxml and olefile.
"""

from __future__ import annotations

import io
import re
import zipfile

# Cells as Excel, WPS and other writers spell them: attributes in any order, either quote, a namespace prefix
# (<x:c …>, written by the OpenXML SDK) on the cell and its value.
_VALUE_RE = re.compile(rb"<(?:\w+:)?v>[^<]+</(?:\w+:)?v>")
_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF_RE = re.compile(rb"""\br=["']([A-Z]+)(\d+)["']""")
_ERROR_TYPE_RE = re.compile(rb"""\bt=["']e["']""")
_FORMULA_RE = re.compile(rb"<(?:\w+:)?f\b")
_ERROR_VALUE_RE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
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


def _marks(xml: bytes) -> tuple[bool, bool]:
    """(holds a formula, holds an error cell): plain substring tests first (a few ms a 60 MB sheet, where the
    patterns take a second)."""
    return ((b"<f" in xml or b":f" in xml) and _FORMULA_RE.search(xml) is not None,
            (b't="e"' in xml or b"t='e'" in xml) and _ERROR_TYPE_RE.search(xml) is not None)


def _held_sheets(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """_sheet_paths of the sheets the archive holds (a workbook may list one it lacks)."""
    held = set(zf.namelist())
    return [(name, path) for name, path in _sheet_paths(zf) if path in held]


def has_marks(data: bytes, part: int = 2**20) -> bool:
    """Whether any sheet's XML may hold a formula or an error cell (scan_xlsx's tests), read in parts of `part`
    bytes: a workbook too large to hold in memory, which scan_xlsx would inflate whole."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for _name, path in _held_sheets(zf):
            with zf.open(path) as member:
                tail = b""
                while block := member.read(part):
                    chunk = tail + block  # the last bytes again: a tag cut between two parts
                    if any(_marks(chunk)):
                        return True
                    tail = chunk[-64:]
    return False


def scan_xlsx(data: bytes) -> tuple[dict[str, set[tuple[int, int]]], dict[str, dict[tuple[int, int], str]], bytes]:
    """One pass over the sheets' XML: (cells holding a formula but no cached value — files last saved by a library,
    not by Excel/WPS —, error cells (row, col) -> "#DIV/0!", the bytes calamine is to read). calamine reads an error
    cell as empty and refuses #SPILL!, #CALC! …: those are rewritten to #N/A in the bytes it reads (their code is kept
    here)."""
    empty: dict[str, set[tuple[int, int]]] = {}
    errors: dict[str, dict[tuple[int, int], str]] = {}
    patched: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name, path in _held_sheets(zf):
            xml = zf.read(path)
            has_formula, has_error = _marks(xml)
            if not (has_formula or has_error):
                continue
            cells, bad = set(), {}
            for m in _CELL_RE.finditer(xml):
                attrs, inner = m.group(1), m.group(2) or b""
                formula = has_formula and _FORMULA_RE.search(inner) is not None
                error = has_error and _ERROR_TYPE_RE.search(attrs) is not None
                if not (formula or error):
                    continue
                ref = _REF_RE.search(attrs)
                if ref is None:  # a cell without its address (allowed, rare): nothing to name it by
                    continue
                at = (int(ref.group(2)) - 1, _col_index(ref.group(1)))
                if formula and not _VALUE_RE.search(inner):  # <v/> and <v></v> hold nothing
                    cells.add(at)
                if error:
                    value = _ERROR_VALUE_RE.search(inner)
                    if value:
                        bad[at] = value.group(1).decode("utf-8", "replace")
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
    if not _ERROR_TYPE_RE.search(m.group(1)) or not m.group(2):
        return m.group(0)
    value = _ERROR_VALUE_RE.search(m.group(2))
    if value is None or value.group(1).decode("utf-8", "replace") in CALAMINE_ERRORS:
        return m.group(0)
    return m.group(0).replace(value.group(0), value.group(0).replace(value.group(1), b"#N/A"))


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
