"""Reading an uploaded file safely: size cap, content sniffing, zip checks, then a parse in a limited subprocess."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from db.settings import get_settings
from seed.importer.cell_marks import has_marks, scan_xlsx
from seed.importer.values import ExcelError
from seed.importer.worker import receive, sniff

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).resolve().parent / "worker.py"

# Zip limits checked before any reader sees the file: an .xlsx of the bureau's size is far below them.
MAX_ZIP_ENTRIES = 2000
MAX_RATIO = 150  # uncompressed ÷ compressed for any sizeable entry


class FileRejected(Exception):
    """The file cannot be read at all (exit 2); the message is Chinese and names the file."""


@dataclass
class SheetGrid:
    name: str
    visible: bool
    rows: list[list[object]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    formula_empty: set[tuple[int, int]] = field(default_factory=set)  # (row, col), 0-based
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> "#DIV/0!": Excel error cells

    def __post_init__(self) -> None:
        for (r, c), code in self.errors.items():  # the reader gives them as empty cells; mark them, not as text
            if r < len(self.rows) and c < len(self.rows[r]):
                self.rows[r][c] = ExcelError(code)


@dataclass
class Workbook:
    file_name: str
    format: str  # xlsx / xls / csv / html: what the content really is
    sheets: list[SheetGrid]
    encoding: str | None = None  # csv / html: UTF-8, GBK, GB18030, UTF-16 …
    delimiter: str | None = None  # csv

    def content_label(self) -> str:
        """What the file really is, as a message names it: 网页表格（HTML）, 文本表格（CSV，GBK编码）…"""
        if self.format == "html":
            return "网页表格（HTML）"
        if self.format == "csv":
            how = "制表符分隔" if self.delimiter == "\t" else "CSV"
            return f"文本表格（{how}，{self.encoding}编码）"
        return "Excel 97-2003工作簿（.xls）" if self.format == "xls" else "Excel工作簿（.xlsx）"

    def content_note(self) -> str | None:
        """A hint when the extension says otherwise than the content (an HTML page saved as .xls, a CSV as .xlsx)."""
        ext = Path(self.file_name).suffix.lower()
        expected = EXTENSION_FORMATS.get(ext)
        if not ext or (expected is not None and self.format in expected):
            return None
        label = self.content_label()
        how = {"html": "网页表格", "csv": "文本表格"}.get(self.format, "Excel工作簿")
        return f"文件扩展名为{ext}，实际是{label}，已按{how}读取"


# The formats each extension announces (WPS's .et/.ett are .xls-like, or .xlsx when saved so).
EXTENSION_FORMATS = {".xlsx": {"xlsx"}, ".xlsm": {"xlsx"}, ".xls": {"xls"}, ".et": {"xls", "xlsx"},
                     ".ett": {"xls", "xlsx"}, ".csv": {"csv"}, ".txt": {"csv"}, ".tsv": {"csv"},
                     ".htm": {"html"}, ".html": {"html"}}


SHOWN_NAME_CHARS = 60  # a member name in a message: longer ones are shortened in the middle
_DRIVE = re.compile(r"^[A-Za-z]:")


def shown_member(name: str) -> str:
    """A member name as a message may show it: control characters escaped (\\x00), a long name shortened."""
    text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in name)
    if len(text) > SHOWN_NAME_CHARS:
        half = SHOWN_NAME_CHARS // 2
        text = f"{text[:half]}…{text[-(SHOWN_NAME_CHARS - half - 1):]}"
    return text


def member_problem(name: str) -> str | None:
    """Why a member name cannot belong to a workbook (absolute, `..`, a control character), or None."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return "含有空字符或控制字符"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "是绝对路径"
    if ".." in re.split(r"[/\\]", name):
        return "含有上级目录（..）"
    return None


def check_members(infos: list[zipfile.ZipInfo], file_name: str) -> None:
    """Refuse member names no workbook has: absolute paths, `..` segments, control characters, and names that
    repeat (also when they differ only in case or slash, as Windows would see them). Uses the names as stored
    (orig_filename): zipfile cuts a name at its first NUL byte."""
    seen: dict[str, str] = {}
    for info in infos:
        name = info.orig_filename
        problem = member_problem(name)
        if problem:
            raise FileRejected(f"{file_name}：压缩包内的文件名“{shown_member(name)}”{problem}，疑似恶意文件，已拒绝")
        key = name.replace("\\", "/").casefold()
        if key in seen:
            first = seen[key]
            how = "重复出现" if first == name else f"与“{shown_member(first)}”重复（不区分大小写）"
            raise FileRejected(f"{file_name}：压缩包内的文件名“{shown_member(name)}”{how}，疑似恶意文件，已拒绝")
        seen[key] = name


def check_zip(data: bytes, file_name: str) -> None:
    """Refuse zip bombs, unsafe member names and non-workbook zips from the central directory alone (nothing is
    inflated)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise FileRejected(f"{file_name}：文件已损坏，无法作为Excel工作簿打开") from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise FileRejected(f"{file_name}：压缩包内文件数过多（{len(infos)}个，上限{MAX_ZIP_ENTRIES}个），"
                           f"疑似异常文件，已拒绝")
    check_members(infos, file_name)
    cap_mb = get_settings().max_expanded_mb  # the whole workbook inflated (MAX_EXPANDED_MB)
    total = 0
    for info in infos:
        total += info.file_size
        if total > cap_mb * 2**20:
            raise FileRejected(f"{file_name}：解压后体积异常（超过{cap_mb} MB），疑似压缩炸弹，已拒绝")
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FileRejected(f"{file_name}：压缩比异常（{info.file_size // max(info.compress_size, 1)}:1），"
                               f"疑似压缩炸弹，已拒绝")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise FileRejected(f"{file_name}：这是Word文档，不是Excel工作簿")
        raise FileRejected(f"{file_name}：不是Excel工作簿（.xlsx）")


def check_file(data: bytes, file_name: str, cap_mb: int | None = None) -> str:
    """Cheap checks before parsing; returns the sniffed kind of content. `cap_mb`: the size cap (default
    MAX_UPLOAD_MB, the web's; the command line passes MAX_IMPORT_MB)."""
    cap = cap_mb if cap_mb is not None else get_settings().max_upload_mb
    if len(data) > cap * 1024 * 1024:
        size = len(data) / 1024 / 1024
        raise FileRejected(f"{file_name}：文件大小{size:.1f} MB，超过{cap} MB上限，请拆分后再导入")
    kind = sniff(data)
    if kind == "empty":
        raise FileRejected(f"{file_name}：文件为空（0字节）")
    if kind == "zip":
        check_zip(data, file_name)
    elif kind == "pdf":
        raise FileRejected(f"{file_name}：文件实际是PDF文档，不是表格文件；请导入Excel工作簿（.xlsx、.xls）或CSV")
    elif kind == "xml":
        raise FileRejected(f"{file_name}：文件是XML表格（Excel 2003 XML），请用Excel或WPS另存为.xlsx再导入")
    elif kind == "binary":
        raise FileRejected(f"{file_name}：不是表格文件（支持.xlsx、.xls、.csv）")
    return kind


def _parse(data: bytes, file_name: str, *, scan: bool) -> dict:
    """The worker's result for these bytes: a subprocess under a memory and a time limit. Its rows arrive in
    parts (worker.write_result), each unpickled here while the worker pickles the next."""
    settings = get_settings()
    proc = subprocess.Popen(
        [sys.executable, "-I", str(WORKER), str(settings.parse_memory_mb), str(settings.max_rows),
         *([] if scan else ["--no-scan"])],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=str(ROOT), env=dict(os.environ),
    )
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        proc.kill()

    timer = threading.Timer(settings.parse_timeout_s, expire)
    timer.daemon = True
    timer.start()
    result: dict | None = None
    try:
        with contextlib.suppress(BrokenPipeError):  # the worker died early: its exit status says so below
            proc.stdin.write(data)
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
        try:
            limit = settings.parse_memory_mb * 1024 * 1024  # no message is larger than the worker's memory
            result = receive(proc.stdout, limit)
            for sheet in result.get("sheets", []):
                rows = sheet["rows"] = []
                while part := receive(proc.stdout, limit):  # an empty part ends the sheet
                    if isinstance(part, dict):  # the worker ran out of memory making the rows: its message
                        result = part
                        break
                    rows.extend(part)
                if "error" in result:
                    break
        except Exception:  # cut off (killed: memory or time): nothing usable
            result = None
        code = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    if expired.is_set():
        raise FileRejected(f"{file_name}：解析超时（超过{settings.parse_timeout_s}秒），文件可能过大或异常")
    if code != 0 or result is None:
        raise FileRejected(f"{file_name}：文件无法解析（内存超限或格式异常），请用Excel或WPS另存为.xlsx后再试")
    if "error" in result:
        raise FileRejected(f"{file_name}：{result['error']}")
    return result


# An .xlsx whose sheets' XML is larger is not held here: read in parts for the marks of formulas and error cells,
# and scanned in the subprocess, under its memory limit, only when it has any.
PARENT_SCAN_MB = 256


def _sheets_xml_mb(data: bytes) -> float:
    """The sheets' XML as the zip declares it inflated (zipfile never inflates a member past its declared size)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return sum(i.file_size for i in zf.infolist() if i.filename.startswith("xl/worksheets/")) / 2**20
    except (zipfile.BadZipFile, ValueError, EOFError):  # the subprocess says what is wrong with it
        return float("inf")


def run_reader(data: bytes, file_name: str) -> Workbook:
    """Parse in a subprocess with a memory and a time limit, so one bad file cannot take the server down.

    An .xlsx's XML is scanned for empty formulas and error cells here while the subprocess reads the grids (two
    cores: 0.4 s of a 100k-row register, issue 21), when its sheets' XML is at most PARENT_SCAN_MB (check_zip
    bounded it before). A larger one is read here in parts for any mark of a formula or an error cell (4 s of a
    1M-row register): one without is done, one with them is read again by the subprocess, scanned. The rare
    workbook with an error code calamine does not know is read again from the patched bytes."""
    if sniff(data) != "zip":
        result = _parse(data, file_name, scan=True)
    elif _sheets_xml_mb(data) > PARENT_SCAN_MB:
        # Too large to hold here: read in parts meanwhile, for any mark of a formula or an error cell (a register
        # exported by a system has none); only a workbook with one is read again, scanned, in the subprocess.
        with ThreadPoolExecutor(1, thread_name_prefix="reader") as pool:
            reading = pool.submit(_parse, data, file_name, scan=False)
            try:
                marked = has_marks(data)
            except Exception:  # a broken workbook: the subprocess says so
                marked = True
        if marked:
            result = _parse(data, file_name, scan=True)
        else:
            result = reading.result()
            for sheet in result.get("sheets", []):
                sheet["formula_empty"], sheet["errors"] = set(), {}
    else:
        with ThreadPoolExecutor(1, thread_name_prefix="reader") as pool:
            reading = pool.submit(_parse, data, file_name, scan=False)
            try:
                empty, errors, patched = scan_xlsx(data)
            except Exception:  # a broken workbook: the subprocess says so
                empty, errors, patched = {}, {}, data
        # (the pool waited for the first read) calamine refuses #SPILL!, #CALC! …: the bytes with them as #N/A
        result = _parse(patched, file_name, scan=False) if patched is not data else reading.result()
        for sheet in result.get("sheets", []):
            sheet["formula_empty"] = empty.get(sheet["name"], set())
            sheet["errors"] = errors.get(sheet["name"], {})
    return Workbook(file_name=file_name, format=result["format"], sheets=[SheetGrid(**d) for d in result["sheets"]],
                    encoding=result.get("encoding"), delimiter=result.get("delimiter"))


def read_workbook(data: bytes, file_name: str, cap_mb: int | None = None) -> Workbook:
    check_file(data, file_name, cap_mb)
    return run_reader(data, file_name)
