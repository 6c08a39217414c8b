"""The .xlsx container (issue 17, item 4): a workbook whose zip holds absolute or `..` member names, control
characters, duplicate names (also by case), too many members or a bomb is refused before any reader sees it, with
the file and the member named in Chinese, by the importer, the web upload (services.imports) and `python -m seed
import`, dry run or not; nothing is written. The error-marked copy (annotate_file) refuses the same files."""

from __future__ import annotations

import io
import struct
import warnings
import zipfile

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from cli.seed import main
from db import models as m
from db.engine import get_engine
from seed.importer import annotate, import_files, import_paths, reader
from seed.importer.report import Finding
from services import imports
from services.rules.viewer import Viewer
from tests import dbs
from tests.seed.fixtures import SEED_DATA, snapshot, task_rows, xlsx

# The container is refused before any reading or writing; the PostgreSQL pass would repeat the same refusals.
pytestmark = pytest.mark.reading_only

NAME = "清单.xlsx"
OFFICE = Viewer(username="office", role="食安办")
WORKBOOK_MEMBERS = 9  # what openpyxl writes for fixtures.xlsx(task_rows())


def rewrite(data: bytes, extra: list[tuple[str, bytes]] = (), *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The workbook's zip written anew, every member as it was, then `extra` (names exactly as given, a NUL too)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as dst, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on a duplicate name: writing one is the point
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        for name, content in extra:
            info = zipfile.ZipInfo("placeholder")
            info.filename = name  # ZipInfo() would cut a name at its NUL byte
            info.compress_type = compression
            dst.writestr(info, content)
    return out.getvalue()


def lying_about_size(data: bytes, member: str, size: int) -> bytes:
    """The zip with `member`'s uncompressed size in the central directory set to `size` (nothing inflates)."""
    raw = bytearray(data)
    at = raw.find(b"PK\x01\x02")  # the central directory's first header
    while at >= 0:
        name_len = struct.unpack_from("<H", raw, at + 28)[0]
        if bytes(raw[at + 46:at + 46 + name_len]) == member.encode():
            struct.pack_into("<I", raw, at + 24, size)
            return bytes(raw)
        at = raw.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{member} not in the central directory")


def many_members(data: bytes) -> bytes:
    return rewrite(data, [(f"xl/media/p{i}.bin", b"") for i in range(reader.MAX_ZIP_ENTRIES)])


def ratio_bomb(data: bytes) -> bytes:
    return rewrite(data, [("xl/media/image1.bin", b"\0" * (4 * 2**20))])


# (case, how the zip is made from a good workbook, the message after "清单.xlsx：")
BAD = [
    ("parent", lambda d: rewrite(d, [("../../x", b"x")]),
     "压缩包内的文件名“../../x”含有上级目录（..），疑似恶意文件，已拒绝"),
    ("parent-inside", lambda d: rewrite(d, [("xl/worksheets/../../../x.xml", b"x")]),
     "压缩包内的文件名“xl/worksheets/../../../x.xml”含有上级目录（..），疑似恶意文件，已拒绝"),
    ("backslash-parent", lambda d: rewrite(d, [("..\\x", b"x")]),
     "压缩包内的文件名“..\\x”含有上级目录（..），疑似恶意文件，已拒绝"),
    ("absolute", lambda d: rewrite(d, [("/etc/x", b"x")]),
     "压缩包内的文件名“/etc/x”是绝对路径，疑似恶意文件，已拒绝"),
    ("drive", lambda d: rewrite(d, [("C:\\x", b"x")]),
     "压缩包内的文件名“C:\\x”是绝对路径，疑似恶意文件，已拒绝"),
    ("backslash-root", lambda d: rewrite(d, [("\\x", b"x")]),
     "压缩包内的文件名“\\x”是绝对路径，疑似恶意文件，已拒绝"),
    ("nul", lambda d: rewrite(d, [("xl/styles.xml\0.exe", b"x")]),
     "压缩包内的文件名“xl/styles.xml\\x00.exe”含有空字符或控制字符，疑似恶意文件，已拒绝"),
    ("duplicate", lambda d: rewrite(d, [("xl/workbook.xml", b"<workbook/>")]),
     "压缩包内的文件名“xl/workbook.xml”重复出现，疑似恶意文件，已拒绝"),
    ("duplicate-case", lambda d: rewrite(d, [("XL/Workbook.XML", b"<workbook/>")]),
     "压缩包内的文件名“XL/Workbook.XML”与“xl/workbook.xml”重复（不区分大小写），疑似恶意文件，已拒绝"),
    ("duplicate-slash", lambda d: rewrite(d, [("xl\\workbook.xml", b"<workbook/>")]),
     "压缩包内的文件名“xl\\workbook.xml”与“xl/workbook.xml”重复（不区分大小写），疑似恶意文件，已拒绝"),
    ("too-many", many_members,
     f"压缩包内文件数过多（{reader.MAX_ZIP_ENTRIES + WORKBOOK_MEMBERS}个，上限{reader.MAX_ZIP_ENTRIES}个），疑似异常文件，已拒绝"),
    ("ratio-bomb", ratio_bomb, "压缩比异常（1028:1），疑似压缩炸弹，已拒绝"),
    ("size-bomb", lambda d: lying_about_size(rewrite(d, [("xl/media/big.bin", b"x" * 100)],
                                                     compression=zipfile.ZIP_STORED), "xl/media/big.bin", 2**31),
     "解压后体积异常（超过1024 MB），疑似压缩炸弹，已拒绝"),  # MAX_EXPANDED_MB
]


@pytest.fixture(scope="module")
def good() -> bytes:
    return xlsx(task_rows())


@pytest.fixture
def url(tmp_path) -> str:
    """A database with the stations (SQLite, or PostgreSQL under TEST_DB=pg)."""
    from db.migrate import upgrade

    url = dbs.new_url(tmp_path, "zip.db")
    upgrade(url)
    assert import_paths([SEED_DATA / "监管所.xlsx"], engine=get_engine(url)).exit_code == 0
    return url


@pytest.fixture
def no_reader(monkeypatch):
    """The parsing subprocess must not start for the refused file: every refusal is made from the central
    directory (a good file beside it is read as usual)."""
    real = reader.run_reader

    def run_reader(data: bytes, file_name: str):
        if file_name == NAME:
            pytest.fail(f"the reader ran on {file_name}")
        return real(data, file_name)

    monkeypatch.setattr(reader, "run_reader", run_reader)


def batches(url: str) -> int:
    with Session(get_engine(url)) as s:
        return s.exec(select(func.count()).select_from(m.ImportBatch)).one()


def test_every_case_differs_from_the_good_workbook_only_in_its_container(good):
    count = len(zipfile.ZipFile(io.BytesIO(good)).infolist())
    assert count == WORKBOOK_MEMBERS  # in the too-many message: the workbook's own members plus MAX_ZIP_ENTRIES
    for case, make, _ in BAD:
        assert make(good)[:4] == b"PK\x03\x04", case


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
@pytest.mark.parametrize(("case", "make", "message"), BAD, ids=[b[0] for b in BAD])
def test_the_importer_refuses_naming_file_and_member(url, good, no_reader, case, make, message, dry_run):
    engine = get_engine(url)
    before = snapshot(engine)
    report = import_files([(NAME, make(good))], engine=engine, dry_run=dry_run, user="office")
    assert [f.rejected for f in report.files] == [f"{NAME}：{message}"]
    assert report.exit_code == 2 and not report.committed
    assert report.summary_lines() == [f"{NAME}：{message}", "文件无法读取，未写入任何数据"]
    assert snapshot(engine) == before and batches(url) == 1  # the stations' batch only


@pytest.mark.parametrize(("case", "make", "message"), [BAD[0], BAD[3], BAD[8], BAD[10], BAD[12]],
                         ids=["parent", "absolute", "duplicate-case", "too-many", "size-bomb"])
def test_a_web_upload_is_refused_in_the_dry_run_and_the_import(url, good, no_reader, case, make, message):
    engine = get_engine(url)
    before = snapshot(engine)
    files = [("好.xlsx", good), (NAME, make(good))]  # one bad file: the good one is not written either
    shown = imports.check(files, viewer=OFFICE, engine=engine)
    assert [f.rejected for f in shown.files] == [None, f"{NAME}：{message}"]
    assert imports.summary_frame(shown).set_index("文件").loc[NAME, "说明"] == f"{NAME}：{message}"
    done = imports.commit(files, viewer=OFFICE, engine=engine)
    assert [f.rejected for f in done.files] == [None, f"{NAME}：{message}"] and not done.committed
    assert snapshot(engine) == before and batches(url) == 1


@pytest.mark.parametrize(("case", "make", "message"), [BAD[1], BAD[4], BAD[7], BAD[11]],
                         ids=["parent-inside", "drive", "duplicate", "ratio-bomb"])
def test_the_command_line_refuses_with_exit_2(url, good, tmp_path, capsys, no_reader, case, make, message):
    path = tmp_path / NAME
    path.write_bytes(make(good))
    before = snapshot(get_engine(url))
    for extra in ([], ["--dry-run"]):
        assert main(["import", str(path), "--db", url, *extra]) == 2
        out = capsys.readouterr().out.splitlines()
        assert out == [f"{NAME}：{message}", "文件无法读取，未写入任何数据"]
    assert snapshot(get_engine(url)) == before and batches(url) == 1


def test_a_rewritten_normal_workbook_still_imports(url, good, tmp_path, capsys):
    again = rewrite(good)  # the same zip writer the refused cases went through, nothing added
    report = import_files([(NAME, again)], engine=get_engine(url), user="office")
    assert report.exit_code == 0 and report.committed and report.files[0].counts.new == 12
    assert batches(url) == 2
    path = tmp_path / "另一份.xlsx"
    path.write_bytes(rewrite(xlsx(task_rows(title="2023年度任务清单")), [("xl/media/图片 1.png", b"png")]))
    assert main(["import", str(path), "--db", url]) == 0
    assert "新增12" in capsys.readouterr().out and batches(url) == 3


@pytest.mark.parametrize(("case", "make", "message"), [BAD[0], BAD[6], BAD[9], BAD[11]],
                         ids=["parent", "nul", "duplicate-slash", "ratio-bomb"])
def test_the_error_marked_copy_refuses_the_same_files(good, monkeypatch, case, make, message):
    spawned = []
    monkeypatch.setattr(annotate.subprocess, "run", lambda *a, **k: spawned.append(a) or pytest.fail("spawned"))
    findings = [Finding("错误", NAME, "Sheet1", "B3", "示范创建", -1, "不能为负数")]
    assert annotate.annotate_file(make(good), findings, NAME) is None
    assert spawned == []


def test_the_error_marked_copy_of_a_sound_workbook_is_still_made(good):
    findings = [Finding("错误", NAME, "Sheet1", "B3", "示范创建", -1, "不能为负数")]
    marked = annotate.annotate_file(rewrite(good), findings, NAME)
    assert marked is not None and "xl/comments/comment1.xml" in zipfile.ZipFile(io.BytesIO(marked)).namelist()


@pytest.mark.parametrize(("name", "problem"), [
    ("xl/workbook.xml", None), ("xl/media/图片 1.png", None), ("xl/..data/x", None), ("a..b", None),
    ("..", "含有上级目录（..）"), ("xl/../x", "含有上级目录（..）"), ("xl\\..\\..\\x", "含有上级目录（..）"),
    ("/x", "是绝对路径"), ("\\\\server\\share", "是绝对路径"), ("c:x", "是绝对路径"), ("D:/x", "是绝对路径"),
    ("x\0", "含有空字符或控制字符"), ("x\ny", "含有空字符或控制字符"), ("x\x7f", "含有空字符或控制字符"),
])
def test_member_problem(name, problem):
    assert reader.member_problem(name) == problem


def test_a_huge_or_unprintable_member_name_is_shown_escaped_and_shortened(good):
    assert reader.shown_member("a\0b\u202ec") == "a\\x00b\\u202ec"
    long = "xl/" + "很" * 5000 + "/../x"
    shown = reader.shown_member(long)
    assert len(shown) == reader.SHOWN_NAME_CHARS and shown.startswith("xl/很") and shown.endswith("很/../x")
    with pytest.raises(reader.FileRejected) as err:
        reader.check_zip(rewrite(good, [(long, b"x")]), NAME)
    assert str(err.value) == f"{NAME}：压缩包内的文件名“{shown}”含有上级目录（..），疑似恶意文件，已拒绝"
    assert len(str(err.value)) < 120
