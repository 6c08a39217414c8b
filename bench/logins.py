"""`make bench`: logins during an import (issue 17). While `python -m seed import` writes a 250,000-row 督导记录 register
into a copy of the county database (and of --pages-db when that is PostgreSQL), 16 sign-ins run as the login page and
/account/signin do them (authenticate → begin → claim → resume), 4 at a time, with one audit line and one logout among
them. Printed: the import's time, the sign-ins' p50 / p95 / max and failures next to the target p95 ≤ 2 s, the same
sign-ins with no import running, and how much of a sign-in is the password hash (bcrypt, CPU) rather than the
database. Run by bench/run.py in a child process of its own.
"""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_LOGIN_P95 = 2.0  # seconds, a sign-in while the largest import runs
LOGIN_COUNT, LOGIN_THREADS = 16, 4  # sign-ins during the import, and how many at a time
LOGIN_SCALE = "county"  # the synthetic database (SQLite) the register is imported into
WAL_GROWTH = 4 * 2**20  # bytes of -wal that show the import writing (SQLite)

_hashing = threading.local()  # seconds this thread spent in the password check, for the breakdown


def _quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def _time_password_checks() -> None:
    """Count the time of each bcrypt check per thread (the same function, wrapped)."""
    from services.rules import passwords

    plain = passwords.verify_password

    def timed(password: str, hashed: str) -> bool:
        t0 = time.perf_counter()
        try:
            return plain(password, hashed)
        finally:
            _hashing.seconds = getattr(_hashing, "seconds", 0.0) + time.perf_counter() - t0

    passwords.verify_password = timed


def _sign_in(username: str, client: str) -> tuple[float, float, bool, str]:
    """One sign-in: (seconds, of them in the password hash, a live session resumed, why not)."""
    from seed.demo.accounts import DEMO_PASSWORD
    from services import auth, sessions

    _hashing.seconds = 0.0
    t0 = time.perf_counter()
    try:
        result = auth.authenticate(username=username, password=DEMO_PASSWORD, client=client)
        if not result.ok:
            return time.perf_counter() - t0, _hashing.seconds, False, result.message
        _sid, code = sessions.begin(user=result.user, client=client)
        token = sessions.claim(code=code)
        resumed = sessions.resume(token=token) if token else None
        return time.perf_counter() - t0, _hashing.seconds, resumed is not None, "" if resumed else "会话未恢复"
    except Exception as exc:  # counted as a failure and named in the output
        return time.perf_counter() - t0, _hashing.seconds, False, repr(exc)[:160]


def _sign_ins(n: int, prefix: str, extra=()) -> tuple[list[tuple[float, float, bool, str]], list[tuple[bool, str]]]:
    """n sign-ins (the demo accounts in turn, a client each), LOGIN_THREADS at a time, and the `extra` calls
    (audit, logout) among them: (the sign-ins' outcomes, the extras' (ok, detail))."""
    from seed.demo.accounts import DEMO_ACCOUNTS

    names = [a[0] for a in DEMO_ACCOUNTS]
    jobs = [(_sign_in, (names[i % len(names)], f"{prefix}.{i + 1}")) for i in range(n)]
    for i, job in enumerate(extra):
        jobs.insert((i + 1) * n // (len(extra) + 1), job)
    with ThreadPoolExecutor(max_workers=LOGIN_THREADS) as pool:
        results = list(pool.map(lambda job: (job[0], job[0](*job[1])), jobs))
    return [r for f, r in results if f is _sign_in], [r for f, r in results if f is not _sign_in]


def _guarded(fn) -> tuple[bool, str]:
    try:
        return fn()
    except Exception as exc:  # counted as a failure and named in the output
        return False, repr(exc)[:160]


def _writing(url: str, wal_before: int) -> bool:
    """Is the import writing: on SQLite its -wal grew by a few MB and it holds the writer (a BEGIN IMMEDIATE probe
    fails at once; one that succeeds is rolled back at once), on PostgreSQL another backend holds a
    RowExclusiveLock on visit."""
    from sqlalchemy import text

    from db.engine import get_engine

    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        wal = Path(path + "-wal")
        if not wal.exists() or wal.stat().st_size - wal_before < WAL_GROWTH:
            return False
        con = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            con.close()
    with get_engine(url).connect() as c:
        return bool(c.execute(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class r ON r.oid = l.relation WHERE r.relname = 'visit' "
            "AND l.mode = 'RowExclusiveLock' AND l.granted AND l.pid <> pg_backend_pid() "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")).scalar_one())


def _work_copy(bench_dir: Path, scale: str, url: str | None) -> tuple[str, Callable[[], None]]:
    """A copy of the database the import may write into, and how to remove it (SQLite files; PostgreSQL TEMPLATE)."""
    from sqlalchemy import create_engine, text

    from db.authstore import auth_url
    from db.engine import dispose_engines, normalise_url

    if url is None:
        work = bench_dir / f"logins-{scale}.db"
        def remove() -> None:
            dispose_engines()
            for f in bench_dir.glob(f"logins-{scale}*.db*"):
                f.unlink()
        remove()
        src = bench_dir / f"{scale}.db"
        shutil.copyfile(src, work)
        auth_src = Path(auth_url(f"sqlite:///{src}").removeprefix("sqlite:///"))
        if auth_src.exists():
            shutil.copyfile(auth_src, auth_url(f"sqlite:///{work}").removeprefix("sqlite:///"))
        return f"sqlite:///{work}", remove
    base, name = normalise_url(url).rsplit("/", 1)
    copy = f"{name}_bench_logins"
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"'))
    def drop() -> None:
        dispose_engines()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        admin.dispose()
    return f"{base}/{copy}", drop


def bench_logins(bench_dir: Path, scale: str, rows: int, url: str | None = None) -> dict:
    """LOGIN_COUNT sign-ins, one audit line and one logout while `python -m seed import` writes a `rows`-row
    督导记录 register into a copy of the database (the scale's SQLite file, or the PostgreSQL `url`)."""
    from sqlalchemy import text

    from db.engine import dispose_engines, get_engine
    from seed.synth import visit_register
    from services import accounts, auth, sessions
    from services.rules.viewer import Viewer

    _time_password_checks()
    work, remove = _work_copy(bench_dir, scale, url)
    try:
        os.environ["DATABASE_URL"] = work
        tag = "pg-" + url.rsplit("/", 1)[1] if url else scale
        xlsx = bench_dir / f"visits-{tag}-{rows}.xlsx"
        if not xlsx.exists():
            visit_register(xlsx, work, rows)
        count = "SELECT (SELECT count(*) FROM visit), (SELECT count(*) FROM import_batch)"
        with get_engine(work).connect() as c:
            visits0, batches0 = c.execute(text(count)).one()
        idle, _ = _sign_ins(LOGIN_COUNT, "10.18.0")  # the same sign-ins with no import running
        admin = auth.get_user(username="admin")
        _sid, code = sessions.begin(user=admin, client="10.18.1.1")
        early = sessions.claim(code=code)  # ended (logout) while the import runs
        dispose_engines()
        path = work.removeprefix("sqlite:///")
        wal_before = Path(path + "-wal").stat().st_size if Path(path + "-wal").exists() else 0
        env = {**os.environ, "MAX_UPLOAD_MB": "64"}
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "seed", "import", str(xlsx), "--db", work, "--year", "2022"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            while not _writing(work, wal_before) and proc.poll() is None:
                time.sleep(0.2)
            writing_at = time.perf_counter() - t0

            def audit() -> tuple[bool, str]:
                accounts.audit(viewer=Viewer.of_account(admin, client="10.18.1.2"), action="基准测试", target="导入期间")
                return True, ""

            def logout() -> tuple[bool, str]:
                return sessions.end(token=early) and sessions.resume(token=early) is None, "退出未生效"

            during, extras = _sign_ins(LOGIN_COUNT, "10.18.2", [(_guarded, (audit,)), (_guarded, (logout,))])
            done_at = time.perf_counter() - t0
            overlapped = proc.poll() is None and _writing(work, wal_before)
            out, _ = proc.communicate(timeout=1800)
            import_s = time.perf_counter() - t0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        with get_engine(work).connect() as c:
            visits1, batches1 = c.execute(text(count)).one()
        times = sorted(t for t, *_ in during)
        return {"scale": scale, "backend": "PostgreSQL" if url else "SQLite", "rows": rows, "import": import_s,
                "exit": proc.returncode, "writing_at": writing_at, "done_at": done_at, "overlapped": overlapped,
                "p50": _quantile(times, 50), "p95": _quantile(times, 95), "max": times[-1],
                "rest_p95": _quantile(sorted(t - h for t, h, *_ in during), 95),
                "failures": [why for *_, ok, why in during if not ok] + [why for ok, why in extras if not ok],
                "idle_p50": _quantile(sorted(t for t, *_ in idle), 50),
                "idle_p95": _quantile(sorted(t for t, *_ in idle), 95),
                "new_visits": visits1 - visits0, "new_batches": batches1 - batches0,
                "summary": [line for line in out.splitlines() if line.strip()][-2:],
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    finally:
        remove()


def report(runs: list[dict]) -> list[str]:
    """Print the runs (bench/run.py's style); the peak-memory entries for its last line."""
    print(f"\nlogins during an import ({LOGIN_COUNT} sign-ins, {LOGIN_THREADS} at a time, as the login page: "
          f"authenticate → begin → claim → resume; one audit line and one logout among them)")
    peaks = []
    for r in runs:
        notes = [] if r["p95"] <= TARGET_LOGIN_P95 else ["p95 over target"]
        if not r["overlapped"]:
            notes.append(f"the import ended before the last sign-in ({r['done_at']:.1f} s): a larger --login-rows")
        if r["exit"] != 0 or r["new_visits"] != r["rows"] or r["new_batches"] != 1:
            notes.append(f"IMPORT NOT WHOLE: exit {r['exit']}, {r['new_visits']} rows, {r['new_batches']} batches")
        where = f"{r['backend']} {r['scale']}"
        print(f"{where:17} {r['rows']}-row import {r['import']:.1f} s (writing from {r['writing_at']:.1f} s); "
              f"sign-ins p50 {r['p50']:.2f} s, p95 {r['p95']:.2f} s (target ≤ {TARGET_LOGIN_P95:.0f} s), "
              f"max {r['max']:.2f} s, failures {len(r['failures'])}; p95 without the password hash "
              f"{r['rest_p95']:.2f} s; with no import: p50 {r['idle_p50']:.2f} s, p95 {r['idle_p95']:.2f} s"
              f"  {'; '.join(notes)}")
        for why in r["failures"][:3] + r["summary"]:
            print("  " + why)
        peaks.append(f"logins {r['backend']} {r['peak_mb']:.0f} MB")
    return peaks
