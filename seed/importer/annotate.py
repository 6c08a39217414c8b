"""The uploader's own workbook handed back with its errors marked: each bad cell filled red and commented with the
message, and a 错误说明 sheet listing every error (also those that name no cell).

The workbook is opened with openpyxl in a child process under the same memory and time limits as the parser
(reader.py): an uploaded file is never loaded in full inside the web server. The child runs this file as a script,
so the module imports nothing of the project at the top.
"""

from __future__ import annotations

import io
import pickle
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

ERROR_FILL = "FFC7CE"  # Excel's own "bad" fill (light red)
ERROR_FONT = "9C0006"
AUTHOR = "数据导入"
SHEET = "错误说明"  # the importer skips a sheet of this name (sheets.ANNOTATION_SHEET)
HEADER = ("工作表", "单元格", "列", "原值", "说明")


def annotated_name(file_name: str) -> str:
    """批次.xlsx → 批次_错误标注.xlsx (always .xlsx: openpyxl writes no macros back)."""
    return f"{Path(file_name).stem}_错误标注.xlsx"


def marks_for(findings: list[Any], file_name: str) -> list[dict[str, str]]:
    """The errors of one file as plain dicts (sheet, cell, column, value, message) for the child process."""
    from seed.importer.values import display

    out = []
    for f in findings:
        if f.level != "错误" or f.file != file_name:
            continue
        value = "" if f.value is None else display(f.value)
        out.append({"sheet": f.sheet or "", "cell": f.cell or "", "column": f.column or "", "value": value,
                    "message": f.message})
    return out


def annotate(data: bytes, marks: list[dict[str, str]]) -> bytes:
    """The workbook with the marked cells filled and commented, plus the 错误说明 sheet. In-process: call it on
    files already checked, or through annotate_file."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    wb = load_workbook(io.BytesIO(data))
    fill = PatternFill("solid", fgColor=ERROR_FILL)
    for mark in marks:
        if not mark["sheet"] or not mark["cell"] or mark["sheet"] not in wb.sheetnames:
            continue
        ws = wb[mark["sheet"]]
        cell = ws[mark["cell"]]
        for rng in ws.merged_cells.ranges:  # a merged cell holds nothing: mark the range's top-left cell
            if mark["cell"] in rng:
                cell = ws.cell(rng.min_row, rng.min_col)
                break
        text = mark["message"] + (f"（原值：{mark['value']}）" if mark["value"] else "")
        if cell.comment is not None and cell.comment.author == AUTHOR:
            text = f"{cell.comment.text}\n{text}"
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 300, 120
        cell.comment = comment
        cell.fill = fill
    name = SHEET
    n = 1
    while name in wb.sheetnames:
        n += 1
        name = f"{SHEET}{n}"
    ws = wb.create_sheet(name)
    ws.append(HEADER)
    for c in ws[1]:
        c.font = Font(bold=True)
    for mark in marks:
        ws.append([mark["sheet"], mark["cell"], mark["column"], mark["value"], mark["message"]])
        for c in ws[ws.max_row]:
            c.data_type = "s"  # a value such as "=1+1" stays text, never a formula
            if c.column == 5:
                c.font = Font(color=ERROR_FONT)
    for letter, width in zip("ABCDE", (14, 8, 18, 18, 60), strict=True):
        ws.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def annotate_file(data: bytes, findings: list[Any], file_name: str) -> bytes | None:
    """The annotated copy of one uploaded .xlsx, or None when it has no error to mark or cannot be written
    (not an .xlsx workbook, a zip the reader refuses, or the child ran out of memory or time)."""
    from db.settings import get_settings
    from seed.importer.reader import FileRejected, check_zip

    marks = marks_for(findings, file_name)
    if not marks or data[:4] != b"PK\x03\x04":
        return None
    try:  # the reader's zip checks again: openpyxl in the child must never see a bomb or an unsafe member name
        check_zip(data, file_name)
    except FileRejected:
        return None
    settings = get_settings()
    try:
        proc = subprocess.run([sys.executable, "-I", str(Path(__file__).resolve()), str(settings.parse_memory_mb)],
                              input=pickle.dumps({"data": data, "marks": marks}), capture_output=True,
                              timeout=settings.parse_timeout_s)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0 or proc.stdout[:4] != b"PK\x03\x04":
        return None
    return proc.stdout


def main() -> None:
    limit_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 1536
    resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 1024 * 1024, limit_mb * 1024 * 1024))
    job = pickle.loads(sys.stdin.buffer.read())  # written by annotate_file in the parent, never by a user
    sys.stdout.buffer.write(annotate(job["data"], job["marks"]))


if __name__ == "__main__":
    main()
