"""Reading an uploaded file safely: size cap, content sniffing, zip checks, then a parse in a limited subprocess."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from db.settings import get_settings
from seed.importer.worker import sniff

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).resolve().parent / "worker.py"

# Zip limits checked before any reader sees the file: an .xlsx of the bureau's size is far below them.
MAX_ZIP_ENTRIES = 2000
MAX_ENTRY_BYTES = 150 * 1024 * 1024
MAX_TOTAL_BYTES = 250 * 1024 * 1024
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


@dataclass
class Workbook:
    file_name: str
    format: str  # xlsx / xls / csv
    sheets: list[SheetGrid]


def check_zip(data: bytes, file_name: str) -> None:
    """Refuse zip bombs and non-workbook zips from the central directory alone (nothing is inflated)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise FileRejected(f"{file_name}：文件已损坏，无法作为Excel工作簿打开") from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise FileRejected(f"{file_name}：压缩包内文件数过多（{len(infos)}个），疑似异常文件，已拒绝")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_ENTRY_BYTES or total > MAX_TOTAL_BYTES:
            raise FileRejected(f"{file_name}：解压后体积异常（超过{MAX_TOTAL_BYTES // 2**20} MB），疑似压缩炸弹，已拒绝")
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FileRejected(f"{file_name}：压缩比异常（{info.file_size // max(info.compress_size, 1)}:1），疑似压缩炸弹，已拒绝")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise FileRejected(f"{file_name}：这是Word文档，不是Excel工作簿")
        raise FileRejected(f"{file_name}：不是Excel工作簿（.xlsx）")


def check_file(data: bytes, file_name: str) -> str:
    """Cheap checks before parsing; returns the sniffed kind of content."""
    cap = get_settings().max_upload_mb
    if len(data) > cap * 1024 * 1024:
        size = len(data) / 1024 / 1024
        raise FileRejected(f"{file_name}：文件大小{size:.1f} MB，超过{cap} MB上限，请拆分后再导入")
    kind = sniff(data)
    if kind == "empty":
        raise FileRejected(f"{file_name}：文件为空（0字节）")
    if kind == "zip":
        check_zip(data, file_name)
    elif kind == "html":
        raise FileRejected(
            f"{file_name}：文件实际是网页（HTML）格式，并非Excel工作簿；请用Excel或WPS打开后另存为.xlsx再导入"
        )
    elif kind == "xml":
        raise FileRejected(f"{file_name}：文件是XML表格（Excel 2003 XML），请用Excel或WPS另存为.xlsx再导入")
    elif kind == "binary":
        raise FileRejected(f"{file_name}：不是表格文件（支持.xlsx、.xls、.csv）")
    return kind


def run_reader(data: bytes, file_name: str) -> Workbook:
    """Parse in a subprocess with a memory and a time limit, so one bad file cannot take the server down."""
    settings = get_settings()
    env = dict(os.environ)
    try:
        proc = subprocess.run(
            [sys.executable, "-I", str(WORKER), str(settings.parse_memory_mb)],
            input=data,
            capture_output=True,
            timeout=settings.parse_timeout_s,
            cwd=str(ROOT),
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        raise FileRejected(f"{file_name}：解析超时（超过{settings.parse_timeout_s}秒），文件可能过大或异常") from exc
    if proc.returncode != 0 or not proc.stdout:
        raise FileRejected(f"{file_name}：文件无法解析（内存超限或格式异常），请用Excel或WPS另存为.xlsx后再试")
    result = pickle.loads(proc.stdout)
    if "error" in result:
        raise FileRejected(f"{file_name}：{result['error']}")
    return Workbook(file_name=file_name, format=result["format"], sheets=[SheetGrid(**d) for d in result["sheets"]])


def read_workbook(data: bytes, file_name: str) -> Workbook:
    check_file(data, file_name)
    return run_reader(data, file_name)
