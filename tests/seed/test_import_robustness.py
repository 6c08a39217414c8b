"""What holds today under an import, kept under test (issue 17, item 7): `python -m seed import` killed with
SIGKILL while it writes a 30,000-row 督导记录 register leaves a sound database with nothing of that import, and the
same file then imports; readers on 10+ threads during such an import see the figures before it or after it, never
a partial state; the error-marked copy of an upload writes a value such as "=1+1" back as text, never a formula.

The import runs as its own process (the command line), as it would beside the web app; SQLite here, PostgreSQL under
TEST_DB=pg (tests/dbs.py). Each test takes some seconds: the register is large on purpose."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import openpyxl
import pytest
from sqlalchemy import create_engine, text

from db.engine import dispose_engines, get_engine
from seed.importer.annotate import annotate
from seed.importer.kinds import KINDS
from services import access, imports, metrics
from services.rules.viewer import Viewer
from tests import dbs
from tests.seed.fixtures import task_rows, xlsx

ROOT = Path(__file__).resolve().parents[2]
ROWS = 30_000
OFFICE = Viewer(username="office", role="食安办")
PERIOD = {"year": 2022, "month": 10, "as_of": dt.date(2022, 10, 31)}
KEY_PREFIX = "KILL2022"


@pytest.fixture(scope="module")
def demo(demo_template) -> str:
    """The demo database (cadres, businesses, assignments and 10,000 visits); tests work on copies."""
    return demo_template


class Register(NamedTuple):
    path: Path
    per_cadre: Counter  # visits in the register by cadre code
    per_station: Counter  # … and by station name


@pytest.fixture(scope="module")
def register(demo, tmp_path_factory) -> Register:
    """A 督导记录 register of ROWS new on-site visits in October 2022, each by a cadre to a business assigned to it
    (so the 包保督导 figures of October move), written with xlsxwriter as bench/run.py writes its register."""
    import xlsxwriter

    with get_engine(demo).connect() as c:
        pairs = c.execute(text(
            "SELECT c.code, c.name, c.unit, b.code, b.name, s.name FROM assignment a "
            "JOIN cadre c ON c.id = a.cadre_id JOIN business b ON b.id = a.business_id "
            "JOIN station s ON s.id = b.station_id WHERE b.status = '在营' AND a.start_date <= '2022-10-01' "
            "AND (a.end_date IS NULL OR a.end_date >= '2022-10-31') ORDER BY a.id")).all()
    dispose_engines()
    assert len(pairs) > 100
    path = tmp_path_factory.mktemp("register") / "督导记录（大）.xlsx"
    rng = random.Random(17)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("督导记录")
    ws.write_row(0, 0, ["2022年包保督导记录"])
    ws.write_row(1, 0, [col.label for col in KINDS["督导记录"].columns])
    per_cadre: Counter = Counter()
    per_station: Counter = Counter()
    for i in range(ROWS):
        cadre_code, cadre, unit, biz_code, biz, station = rng.choice(pairs)
        per_cadre[cadre_code] += 1
        per_station[station] += 1
        day = dt.date(2022, 10, 1) + dt.timedelta(rng.randrange(31))
        ws.write_row(i + 2, 0, [f"{KEY_PREFIX}{i + 1:06d}", day.isoformat(), cadre_code, cadre, unit, biz_code, biz,
                                station, "现场", 0, ""])
    wb.close()
    return Register(path, per_cadre, per_station)


@pytest.fixture
def url(demo, tmp_path) -> str:
    """A copy of the demo database this test may write to."""
    copy = dbs.copy_url(demo, tmp_path, "work.db")
    yield copy
    dispose_engines()


def start_import(path: Path, url: str) -> subprocess.Popen:
    """`python -m seed import FILE --db URL` as its own process group (the parse runs in a child of it)."""
    return subprocess.Popen([sys.executable, "-m", "seed", "import", str(path), "--db", url], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def counts(url: str) -> dict[str, int]:
    """Visits, visits of the register, batches of the register, change-log rows whose batch is gone."""
    eng = create_engine(url)
    with eng.connect() as c:
        out = {
            "visits": c.execute(text("SELECT count(*) FROM visit")).scalar_one(),
            "register_visits": c.execute(text(f"SELECT count(*) FROM visit WHERE key LIKE '{KEY_PREFIX}%'"))
            .scalar_one(),
            "register_batches": c.execute(text("SELECT count(*) FROM import_batch WHERE file_name = :n"),
                                          {"n": "督导记录（大）.xlsx"}).scalar_one(),
            "orphan_changes": c.execute(text("SELECT count(*) FROM import_change WHERE batch_id NOT IN "
                                             "(SELECT id FROM import_batch)")).scalar_one(),
            "data_version": c.execute(text("SELECT version FROM data_version WHERE id = 1")).scalar_one(),
        }
    eng.dispose()
    return out


def wait_for_others_to_leave(url: str, timeout: float = 30) -> None:
    """PostgreSQL: until the killed client's backend has rolled back and gone."""
    if url.startswith("sqlite"):
        return
    eng = create_engine(url)
    deadline = time.monotonic() + timeout
    with eng.connect() as c:
        while time.monotonic() < deadline:
            others = c.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND pid <> pg_backend_pid()")).scalar_one()
            if not others:
                break
            time.sleep(0.1)
    eng.dispose()


def test_kill_9_while_writing_leaves_nothing_and_the_file_then_imports(url, register):
    before = counts(url)
    dispose_engines()
    proc = start_import(register.path, url)
    started = time.monotonic()
    try:
        # Killed on its first 写入中 progress line (stderr): a tenth of the rows is written in its open transaction.
        # (Watching the database for the writer raced the import since its writes take well under a second.)
        seen = []
        while not (seen and seen[-1].startswith("写入中")):
            assert time.monotonic() - started < 120, f"the import never began writing: {seen}"
            ready, _, _ = select.select([proc.stderr], [], [], 1.0)
            if ready:
                line = proc.stderr.readline().decode("utf-8")
                assert line, f"the import ended before it wrote: {seen} {proc.communicate()}"
                seen.append(line.strip())
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL  # killed while it ran, not finished
    wait_for_others_to_leave(url)

    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    after = counts(url)
    assert after == before  # all or nothing: no batch, no visit, no change-log row, data_version unmoved
    assert after["register_visits"] == after["register_batches"] == after["orphan_changes"] == 0

    again = subprocess.run([sys.executable, "-m", "seed", "import", str(register.path), "--db", url], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"新增{ROWS}" in again.stdout
    done = counts(url)
    assert done["visits"] == before["visits"] + ROWS and done["register_visits"] == ROWS
    assert done["register_batches"] == 1 and done["data_version"] == before["data_version"] + 1


def figures(station_id: int, cadre_id: int) -> dict[str, str]:
    """What three pages read, each through its service as the page calls it (no session: DATABASE_URL's): one
    station's 包保督导 figures (the district's take a second a call on PostgreSQL), a cadre's visits, 导入记录."""
    station = metrics.baobao(**PERIOD, by="station", station_id=station_id)
    detail = access.cadre_detail(viewer=OFFICE, cadre_id=cadre_id, **PERIOD)
    log = imports.batches(viewer=OFFICE)
    return {"包保督导": station.to_csv(), "干部": detail.to_csv(), "干部督导次数": str(int(detail["visits"].sum())),
            "导入记录": str(len(log))}


def test_readers_during_an_import_see_before_or_after_never_a_part(url, register, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", url)
    dispose_engines()
    # The cadre with the most visits in the register: its count must read before or before + its share.
    code, share = register.per_cadre.most_common(1)[0]
    with get_engine(url).connect() as c:
        cadre_id = c.execute(text("SELECT id FROM cadre WHERE code = :c"), {"c": code}).scalar_one()
        station_id = c.execute(text("SELECT id FROM station WHERE name = :n"),
                               {"n": register.per_station.most_common(1)[0][0]}).scalar_one()
    before = figures(station_id, cadre_id)

    seen: list[dict[str, str]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                seen.append(figures(station_id, cadre_id))
            except BaseException as exc:  # noqa: BLE001  (any error a page would have shown)
                failures.append(exc)
                return
            time.sleep(0.05)  # pages, not a benchmark: leave the two cores some room for the import

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(10)]  # the engine's pool: 5 + 5 overflow
    proc = start_import(register.path, url)
    for t in threads:
        t.start()
    try:
        out, err = proc.communicate(timeout=300)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert proc.returncode == 0, out.decode() + err.decode()
    assert not failures, failures
    after = figures(station_id, cadre_id)

    assert int(after["干部督导次数"]) == int(before["干部督导次数"]) + share
    assert int(after["导入记录"]) == int(before["导入记录"]) + 1
    assert after["包保督导"] != before["包保督导"]
    assert len(seen) >= 20, len(seen)  # the readers ran all through the import
    for figure in before:
        states = {s[figure] for s in seen}
        assert states <= {before[figure], after[figure]}, (figure, len(states))
    for s in seen:  # read in this order, one after another: once a figure shows the import, the later ones do
        if s["包保督导"] == after["包保督导"]:
            assert s["干部督导次数"] == after["干部督导次数"]
        if s["干部督导次数"] == after["干部督导次数"]:
            assert s["导入记录"] == after["导入记录"]
    assert any(s["干部督导次数"] == before["干部督导次数"] for s in seen)  # some reads ran before the commit


def test_the_error_marked_copy_writes_a_formula_looking_value_as_text():
    marks = [{"sheet": "Sheet1", "cell": "B3", "column": "示范创建", "value": '=HYPERLINK("http://x","点")',
              "message": "=1+1"}]
    data = annotate(xlsx(task_rows()), marks)
    raw = zipfile.ZipFile(io.BytesIO(data))
    sheets = [n for n in raw.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in raw.read(n) for n in sheets)  # no formula anywhere
    ws = openpyxl.load_workbook(io.BytesIO(data))["错误说明"]
    assert [c.value for c in ws[2]] == ["Sheet1", "B3", "示范创建", '=HYPERLINK("http://x","点")', "=1+1"]
    assert {c.data_type for c in ws[2]} == {"s"}
