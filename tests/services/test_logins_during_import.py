"""Issue 17, item 2: logins never wait on an import.

A 400,000-row 督导记录 register is imported through the real command line (`python -m seed import FILE --db URL`, a
subprocess) into a tiny synthetic database. Once the import is really writing — on SQLite it holds the one writer of
the main file, on PostgreSQL it holds a RowExclusiveLock on `visit` — 16 sign-ins run as the login page does them
(`auth.authenticate` → `sessions.begin` → `sessions.claim` → `sessions.resume`), with one audit line and one logout
among them. All must succeed, a wave of them (AT_ONCE) at least ending while the import still holds the writer (a
watcher notes when it lets go), and the import must still commit all of its rows in one batch. The sign-ins' p50/p95 are printed (pytest -s), never asserted: tests do not assert timings.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from db import models as m
from db.authstore import auth_engine
from db.engine import dispose_engines, get_engine
from db.migrate import upgrade
from seed.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from seed.synth import build_synth, visit_register
from services import accounts, auth, sessions
from services.rules.viewer import Viewer
from tests import dbs

ROOT = Path(__file__).resolve().parents[2]
ROWS = 400_000  # issue 17 asked for 250,000; since issue 21 their writes take about 3 s, less than 16 sign-ins
SIGN_INS = 16
AT_ONCE = 4  # sign-ins in flight at a time
# SQLite: the import holds the writer from its batch row to its commit, its rows in its 256 MB page cache until then
# (since its bulk inserts are logged as runs of ids, nothing spills to the -wal before the commit): the writer held
# by another connection is the sign that it is writing.
WAL_GROWTH = 0
START_TIMEOUT = 240  # seconds for the import to reach its writes
IMPORT_TIMEOUT = 900  # seconds for the whole import


@pytest.fixture(scope="session")
def register(tmp_path_factory) -> Path:
    """The 400,000-row register, once per test session, for the tiny synthetic database's cadres and businesses
    (the build is deterministic: the same codes on SQLite and PostgreSQL)."""
    folder = tmp_path_factory.mktemp("logins-register")
    url = f"sqlite:///{folder / 'tiny.db'}"
    upgrade(url)
    build_synth(get_engine(url), "tiny")
    path = folder / f"visits-{ROWS}.csv"
    visit_register(path, url, ROWS)
    dispose_engines()
    return path


@dataclass
class Outcome:
    what: str
    seconds: float
    ok: bool
    detail: str = ""


def sign_in(username: str, client: str) -> Outcome:
    """One sign-in as the login page and /account/signin do it, timed from the password check to the resumed
    session."""
    t0 = time.perf_counter()
    try:
        result = auth.authenticate(username=username, password=DEMO_PASSWORD, client=client)
        if not result.ok or result.user is None:
            return Outcome(f"sign-in {username}@{client}", time.perf_counter() - t0, False, result.message)
        _sid, code = sessions.begin(user=result.user, client=client)
        token = sessions.claim(code=code)
        resumed = sessions.resume(token=token) if token else None
        ok = resumed is not None and resumed.user["username"] == username
        return Outcome(f"sign-in {username}@{client}", time.perf_counter() - t0, ok,
                       "" if ok else f"token={bool(token)} resumed={resumed}")
    except Exception as exc:  # recorded, then asserted on: the test must show which step raised
        return Outcome(f"sign-in {username}@{client}", time.perf_counter() - t0, False, repr(exc))


def audit_line(viewer: Viewer) -> Outcome:
    t0 = time.perf_counter()
    try:
        accounts.audit(viewer=viewer, action="测试", target="导入期间", detail={"说明": "导入期间写审计"})
        return Outcome("audit", time.perf_counter() - t0, True)
    except Exception as exc:
        return Outcome("audit", time.perf_counter() - t0, False, repr(exc))


def logout(token: str) -> Outcome:
    t0 = time.perf_counter()
    try:
        ended = sessions.end(token=token)
        gone = sessions.resume(token=token) is None
        return Outcome("logout", time.perf_counter() - t0, ended and gone, f"ended={ended} gone={gone}")
    except Exception as exc:
        return Outcome("logout", time.perf_counter() - t0, False, repr(exc))


def counts(url: str) -> tuple[int, int]:
    with Session(get_engine(url)) as s:
        visits = s.exec(select(func.count()).select_from(m.Visit)).one()
        batches = s.exec(select(func.count()).select_from(m.ImportBatch)).one()
    return visits, batches


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def test_sixteen_logins_succeed_while_a_400k_row_import_runs(db_url, register, monkeypatch):
    url = db_url
    build_synth(get_engine(url), "tiny")
    monkeypatch.setenv("DATABASE_URL", url)  # the services open their own units of work, as on the page
    visits_before, batches_before = counts(url)
    with auth_engine(url).connect() as c:
        audit_before = c.execute(text("SELECT count(*) FROM audit_log WHERE action = '登录'")).scalar_one()
    usernames = [a[0] for a in DEMO_ACCOUNTS]
    # A session begun before the import, ended (logout) while it runs.
    admin = auth.get_user(username="admin")
    _sid, code = sessions.begin(user=admin, client="10.17.1.1")
    early_token = sessions.claim(code=code)
    assert early_token
    dispose_engines()  # settle the SQLite files before the import opens them

    wal = Path(url.removeprefix("sqlite:///") + "-wal")
    wal_before = wal.stat().st_size if url.startswith("sqlite:///") and wal.exists() else 0
    env = {**os.environ, "DATABASE_URL": url, "MAX_UPLOAD_MB": "64"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "seed", "import", str(register), "--db", url, "--year", "2022"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        while not dbs.import_writing(url, wal_growth=WAL_GROWTH, wal_before=wal_before):
            assert proc.poll() is None, f"the import ended before it wrote:\n{proc.stdout.read()}"
            assert time.perf_counter() - started < START_TIMEOUT, \
                f"the import did not start writing within {START_TIMEOUT} s"
            time.sleep(0.2)
        writing_at = time.perf_counter() - started
        # A watcher counts the visits while the import writes (one transaction: none of its rows may show before it
        # commits), then notes when the import stops holding the writer: the sign-ins that ended before then ran
        # against a writing import.
        write_end: list[float] = []
        meanwhile: list[tuple[int, float]] = []
        def watch() -> None:
            meanwhile.append((counts(url)[0], time.perf_counter() - started))
            while proc.poll() is None and dbs.import_writing(url, wal_growth=WAL_GROWTH, wal_before=wal_before):
                time.sleep(0.05)
            write_end.append(time.perf_counter() - started)
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()

        jobs = [(sign_in, (usernames[i % len(usernames)], f"10.17.0.{i + 1}")) for i in range(SIGN_INS)]
        jobs.insert(SIGN_INS // 2, (audit_line, (Viewer.of_account(admin, client="10.17.1.2"),)))
        jobs.insert(SIGN_INS // 3, (logout, (early_token,)))
        with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
            done = list(pool.map(lambda job: (job[0](*job[1]), time.perf_counter() - started), jobs))
        outcomes, ends = [o for o, _ in done], [end for _, end in done]
        finished_at = max(ends)
        out, _ = proc.communicate(timeout=IMPORT_TIMEOUT)
        import_s = time.perf_counter() - started
        watcher.join(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    logins = [o for o in outcomes if o.what.startswith("sign-in")]
    times = sorted(o.seconds for o in logins)
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(f"\n[{backend}] {ROWS}-row import {import_s:.1f} s (writing from {writing_at:.1f} s); {len(logins)} sign-ins "
          f"p50 {percentile(times, 50):.2f} s, p95 {percentile(times, 95):.2f} s, max {times[-1]:.2f} s, "
          f"failures {sum(not o.ok for o in logins)}; the last ended at {finished_at:.1f} s")

    failed = [o for o in outcomes if not o.ok]
    assert not failed, "failed during the import: " + "; ".join(
        f"{o.what} ({o.seconds:.1f} s): {o.detail}" for o in failed)
    during = sum(end < write_end[0] for end in ends)
    assert during >= AT_ONCE, (
        f"only {during} of the sign-ins ended while the import held the writer ({writing_at:.1f}–{write_end[0]:.1f} "
        f"s). The slowest sign-in took {times[-1]:.1f} s: far above usual means the sign-ins waited for the import's "
        "writer; otherwise this test proved nothing, and needs a larger register (ROWS)")
    assert len(logins) == SIGN_INS
    assert proc.returncode == 0, out
    visits_after, batches_after = counts(url)
    assert visits_after - visits_before == ROWS, out  # all or nothing: every row, committed
    assert batches_after - batches_before == 1, out
    visits_meanwhile, counted_at = meanwhile[0]
    assert counted_at < write_end[0] and visits_meanwhile == visits_before
    with Session(get_engine(url)) as s:
        batch = s.exec(select(m.ImportBatch).order_by(m.ImportBatch.id.desc())).first()
        assert (batch.n_new, batch.status) == (ROWS, "已导入")
    with auth_engine(url).connect() as c:
        assert c.execute(text("SELECT count(*) FROM audit_log WHERE action = '登录'")).scalar_one() \
            - audit_before == SIGN_INS
        assert c.execute(text("SELECT count(*) FROM audit_log WHERE action = '测试'")).scalar_one() == 1
