"""Issue 21: the import limits are settings (MAX_ROWS, MAX_EXPANDED_MB, MAX_IMPORT_MB) whose defaults admit a
1,000,000-row register, the zip-bomb guard kept; an import tells its progress (the command line on stderr, the
web page through services.imports' progress callback)."""

from __future__ import annotations

import os
import zipfile

import pytest

from cli.seed import main
from db.engine import get_engine
from db.settings import Settings
from seed.importer import import_files, import_paths, reader
from services import imports
from services.rules.viewer import Viewer
from tests import dbs
from tests.seed.fixtures import SEED_DATA, task_rows, xlsx
from tests.seed.test_zip_container import lying_about_size, rewrite

NAME = "清单.xlsx"
OFFICE = Viewer(username="office", role="食安办")


@pytest.fixture
def url(tmp_path) -> str:
    from db.migrate import upgrade

    url = dbs.new_url(tmp_path, "limits.db")
    upgrade(url)
    assert import_paths([SEED_DATA / "监管所.xlsx"], engine=get_engine(url)).exit_code == 0
    return url


def test_the_defaults_admit_a_million_rows(monkeypatch):
    for name in ("MAX_ROWS", "MAX_EXPANDED_MB", "MAX_IMPORT_MB", "MAX_UPLOAD_MB"):
        monkeypatch.delenv(name, raising=False)
    s = Settings.from_env()
    assert s.max_rows >= 1_000_000
    assert s.max_expanded_mb * 2**20 >= 700 * 10**6  # a 1,000,000-row 督导记录 sheet inflates to about 620 MB
    assert s.max_import_mb >= 100 and s.max_upload_mb == 20  # the web's cap stays


def test_a_bomb_is_still_refused_and_the_setting_moves_the_expanded_cap(monkeypatch):
    good = xlsx(task_rows())
    bomb = lying_about_size(rewrite(good, [("xl/media/big.bin", b"x" * 100)], compression=zipfile.ZIP_STORED),
                            "xl/media/big.bin", 2**31)
    with pytest.raises(reader.FileRejected) as err:
        reader.check_zip(bomb, NAME)
    assert str(err.value) == f"{NAME}：解压后体积异常（超过1024 MB），疑似压缩炸弹，已拒绝"
    # 2 MB of incompressible bytes: no ratio bomb, refused only under a 1 MB cap
    noise = rewrite(good, [("xl/media/noise.bin", os.urandom(2 * 2**20))], compression=zipfile.ZIP_STORED)
    reader.check_zip(noise, NAME)
    monkeypatch.setenv("MAX_EXPANDED_MB", "1")
    with pytest.raises(reader.FileRejected) as err:
        reader.check_zip(noise, NAME)
    assert str(err.value) == f"{NAME}：解压后体积异常（超过1 MB），疑似压缩炸弹，已拒绝"
    with pytest.raises(reader.FileRejected):
        reader.check_zip(bomb, NAME)


def test_max_rows_is_passed_to_the_reader(monkeypatch):
    csv = ("名称,数量\n" + "".join(f"甲{i},{i}\n" for i in range(11))).encode()
    assert len(reader.read_workbook(csv, "a.csv").sheets[0].rows) == 12
    monkeypatch.setenv("MAX_ROWS", "10")
    with pytest.raises(reader.FileRejected) as err:
        reader.read_workbook(csv, "a.csv")
    assert str(err.value) == "a.csv：行数过多（12行），上限为10行"


def test_rows_arrive_in_parts_whole_and_in_order(monkeypatch):
    """The worker sends a sheet's rows in parts of CHUNK_ROWS (issue 21): every row arrives, in order."""
    from seed.importer import worker

    n = 2 * worker.CHUNK_ROWS + 7
    csv = ("名称,数量\n" + "".join(f"甲{i},{i}\n" for i in range(n))).encode()
    rows = reader.read_workbook(csv, "a.csv").sheets[0].rows
    assert len(rows) == n + 1 and rows[0] == ["名称", "数量"]
    assert rows[1:] == [[f"甲{i}", str(i)] for i in range(n)]


def test_a_wide_sheet_goes_in_parts_of_fewer_rows_and_a_stray_length_is_refused():
    """Each part is pickled whole in the worker and read whole in the app: a part holds at most CHUNK_CELLS cells,
    and a message longer than the worker's memory could have made is not allocated."""
    import io

    from seed.importer import worker

    width, n = 300, 2_000
    out = io.BytesIO()
    rows = ([f"r{i}c{j}" for j in range(width)] for i in range(n))
    worker.write_result({"format": "xlsx", "sheets": [worker.SheetGrid(name="宽", visible=True, rows=rows, merged=[])]},
                        out)
    out.seek(0)
    worker.receive(out, 1 << 30)
    parts = []
    while part := worker.receive(out, 1 << 30):
        parts.append(part)
    assert max(len(p) for p in parts) * width <= worker.CHUNK_CELLS and sum(map(len, parts)) == n
    assert [row for p in parts for row in p][-1][-1] == f"r{n - 1}c{width - 1}"
    with pytest.raises(ValueError):
        worker.receive(io.BytesIO((1 << 40).to_bytes(8, "little") + b"x"), 1 << 30)
    with pytest.raises(EOFError):
        worker.receive(io.BytesIO((100).to_bytes(8, "little") + b"cut"), 1 << 30)


def test_a_parse_over_its_time_is_stopped_with_a_message(monkeypatch):
    monkeypatch.setenv("PARSE_TIMEOUT_S", "0")  # the timer fires before the worker has started
    with pytest.raises(reader.FileRejected) as err:
        reader.read_workbook(xlsx(task_rows()), NAME)
    assert str(err.value) == f"{NAME}：解析超时（超过0秒），文件可能过大或异常"


def test_max_import_mb_caps_the_command_line_and_the_web_keeps_its_own(url, tmp_path, monkeypatch, capsys):
    good = xlsx(task_rows())
    padded = rewrite(good, [("xl/media/noise.bin", os.urandom(2 * 2**20))], compression=zipfile.ZIP_STORED)
    path = tmp_path / NAME
    path.write_bytes(padded)
    monkeypatch.setenv("MAX_IMPORT_MB", "1")
    assert main(["import", str(path), "--db", url, "--dry-run"]) == 2
    assert "超过1 MB上限，请拆分后再导入" in capsys.readouterr().err
    monkeypatch.setenv("MAX_UPLOAD_MB", "1")
    monkeypatch.setenv("MAX_IMPORT_MB", "5")
    report = import_files([(NAME, padded)], engine=get_engine(url), dry_run=True)  # the web's cap by default
    assert report.files[0].rejected and "超过1 MB上限" in report.files[0].rejected
    report = import_files([(NAME, padded)], engine=get_engine(url), dry_run=True, size_cap_mb=5)
    assert report.files[0].rejected is None and report.files[0].counts.new == 12


def test_the_command_line_prints_progress_lines_on_stderr(url, tmp_path, capsys):
    path = tmp_path / NAME
    path.write_bytes(xlsx(task_rows()))
    assert main(["import", str(path), "--db", url]) == 0
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert lines[0] == f"读取中：{NAME}…"
    assert any(line.startswith("读取中：第") and line.endswith("行…") for line in lines)
    assert lines[-1] == "正在提交…"
    assert "读取中" not in out and "新增12" in out  # the report stays on stdout


def test_the_web_import_hears_its_progress(url):
    heard: list[tuple[float, str]] = []
    files = [(NAME, xlsx(task_rows()))]
    report = imports.check(files, viewer=OFFICE, engine=get_engine(url), progress=lambda f, line: heard.append((f, line)))
    assert report.changed and heard[0] == (0.0, f"读取中：{NAME}…")
    assert all(0.0 <= f <= 1.0 for f, _ in heard)
    heard.clear()
    done = imports.commit(files, viewer=OFFICE, engine=get_engine(url), progress=lambda f, line: heard.append((f, line)))
    assert done.committed and heard[-1] == (1.0, "正在提交…")
    assert [f for f, _ in heard] == sorted(f for f, _ in heard)


def test_progress_lines_of_a_large_insert_go_by_tenths(monkeypatch):
    import db.changelog as changelog

    calls, heard = [], []
    monkeypatch.setattr(changelog, "insert_many", lambda session, table, rows: calls.append(len(rows)))
    changelog.insert_in_steps(None, None, [{}] * 20_000, lambda f, line: heard.append((f, line)), 0.0, 0.5)
    assert calls == [2_000] * 10
    assert [line for _, line in heard] == [f"写入中：{p}%…" for p in range(5, 55, 5)]
    assert heard[-1][0] == pytest.approx(0.75)
