"""`make bench` (issue 8): page times at county and city scale next to the time of their data calls, the import of a
100k-row 督导记录 register next to a bare python-calamine read, and peak memory. Public tools only (perf_counter,
resource.getrusage). The targets are reported, not asserted.

    python bench/run.py [--scales county city] [--rows 100000] [--pages 总览 地图] [--pages-db URL]

--pages-db runs the page measurements on another database (e.g. PostgreSQL built by `python -m seed synth --scale
city --db postgresql+psycopg://…`), for the one scale given in --scales; the import still uses data/bench/.

Synthetic databases are built once with `python -m seed synth` and kept under data/bench/ (git-ignored): a second
run reuses them. Each measurement runs in its own child process so each has its own peak memory.

Page times: AppTest from app.py, logged in as the demo account leader, in a process that has already run the app
once. cold = the page's first run after st.cache_data.clear(); warm = a rerun. "data" = the same data calls the
page made in its cold run (every st.cache_data function of components/data.py it called, with the same arguments),
replayed directly without the cache: the SQL of its aggregates and the pandas around it, nothing of Streamlit.

Logins during an import (issue 17, bench/logins.py): 16 sign-ins while a 250,000-row register (--login-rows) is
imported into a copy of the county database, and of --pages-db when it is PostgreSQL. --logins-only for just this.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import logins, results  # noqa: E402  (after the path: logins during an import, issue 17)

BENCH_DIR = ROOT / "data" / "bench"
AS_OF = "2022-10-31"
FIGURE_PAGES = ("总览", "包保督导", "任务清单", "工作要点", "指标", "地图")
# Targets (issue 21), reported and written beside the figures in bench/results.json and the README, never asserted.
TARGET_COLD, TARGET_WARM = 0.3, 0.05  # s, every figure page at city scale
TARGET_PROVINCE_COLD = 2.0  # s, every figure page at province scale, cold
TARGET_IMPORT, TARGET_IMPORT_RATIO = 5.0, 3.0  # a 100k-row register: s, and × a bare python-calamine read
TARGET_IMPORT_1M = 60.0  # s, a 1,000,000-row register
TARGET_LOAD_P95, TARGET_LOAD_VIEWERS = 1.5, 50  # s, p95 page time of 50 think-time viewers (bench/load.py), 0 errors
TARGET_FIRST_VISIT_MB = 2.5  # MB compressed, a first visit through nginx (bench/transfer.py)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def db_url(scale: str) -> str:
    return f"sqlite:///{BENCH_DIR / f'{scale}.db'}"


def ensure_db(scale: str) -> dict:
    """The cached synthetic database of this scale, built when absent; its build time from the first build."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path, meta = BENCH_DIR / f"{scale}.db", BENCH_DIR / f"{scale}.json"
    if path.exists() and meta.exists():
        # Built by an earlier checkout: bring its schema to this one's head (indexes included) before timing it.
        subprocess.run([sys.executable, "-m", "seed", "migrate", "--db", db_url(scale)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        return json.loads(meta.read_text())
    for stale in BENCH_DIR.glob(f"{scale}.db*"):
        stale.unlink()
    print(f"building the {scale} database (once; kept in {path.relative_to(ROOT)}) …", flush=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "seed", "synth", "--scale", scale, "--db", db_url(scale)], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    info = {"scale": scale, "build_s": round(time.perf_counter() - started, 1)}
    meta.write_text(json.dumps(info))
    return info


def app_pages() -> list[tuple]:
    """app.py's PAGES, read without running app.py (importing it would run the frame)."""
    import ast

    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise RuntimeError("app.py has no PAGES")


# --- child: pages -------------------------------------------------------------------------------


def sign_in(at, username: str) -> None:
    """Log the AppTest in as the login form would: a server-side session (services.sessions) kept by its id."""
    from components.auth import SESSION_KEY
    from services import auth, sessions

    sid, _ = sessions.begin(user=auth.get_user(username=username), client="127.0.0.1")
    at.session_state[SESSION_KEY] = sid


def _distinct(calls) -> list[tuple]:
    """The calls once each, in order; a call with a frame among its arguments (not hashable) is compared by
    identity, as the cache it went through does not hash it either."""
    seen, out = set(), []
    for call in calls:
        try:
            key = hash(call)
        except TypeError:
            key = ("id", call[0], tuple(id(x) for x in call[1]), tuple((k, id(v)) for k, v in call[2]))
        if key not in seen:
            seen.add(key)
            out.append(call)
    return out


def bench_pages(scale: str, only: list[str], url: str | None = None) -> dict:
    os.environ["DATABASE_URL"] = url or db_url(scale)
    os.environ["AS_OF"] = AS_OF
    import streamlit as st
    from streamlit.runtime.caching.cache_utils import CachedFunc
    from streamlit.testing.v1 import AppTest

    import server  # noqa: F401  (the served process's settings: its garbage-collector thresholds)
    from components import data

    calls: list[tuple[str, tuple, dict]] = []
    skip = {"engine", "_data_version"}
    plain = {}  # name -> the undecorated function behind st.cache_data
    for name, fn in list(vars(data).items()):
        if isinstance(fn, CachedFunc) and name not in skip:
            plain[name] = fn.__wrapped__
            def recorder(*args, _fn=fn, _name=name, **kwargs):
                calls.append((_name, args, kwargs))
                return _fn(*args, **kwargs)
            setattr(data, name, recorder)

    pages = [(title, path) for _, title, path, *_ in app_pages()
             if title in FIGURE_PAGES and (not only or title in only)]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    sign_in(at, "leader")
    started = time.perf_counter()
    at.run()  # the process's first run: imports, engine, the default page
    first_run = time.perf_counter() - started
    rows = []
    for title, path in pages:
        st.cache_data.clear()
        calls.clear()
        t0 = time.perf_counter()
        at.switch_page(path).run()
        cold = time.perf_counter() - t0
        errors = [e.value for e in at.exception]
        recorded = _distinct((n, a, tuple(sorted(k.items()))) for n, a, k in calls)
        t0 = time.perf_counter()
        at.run()
        warm = time.perf_counter() - t0
        errors += [e.value for e in at.exception]
        t0 = time.perf_counter()
        for name, args, kwargs in recorded:  # the same calls, straight to db.*, no cache
            plain[name](*args, **dict(kwargs))
        raw = time.perf_counter() - t0
        rows.append({"page": title, "cold": cold, "warm": warm, "data": raw, "calls": len(recorded),
                     "errors": errors[:1]})
    return {"scale": scale, "first_run": first_run, "pages": rows, "peak_mb": peak_mb()}


# --- child: import ------------------------------------------------------------------------------


def bench_import(scale: str, rows: int) -> dict:
    from python_calamine import CalamineWorkbook

    from db.engine import dispose_engines, get_engine
    from db.settings import get_settings
    from seed.importer import import_files
    from seed.synth import visit_register

    work = BENCH_DIR / f"import-{scale}.db"
    xlsx = BENCH_DIR / f"visits-{scale}-{rows}.xlsx"
    if not xlsx.exists():
        visit_register(xlsx, db_url(scale), rows)
    def remove_work() -> None:  # the copy and its -wal/-shm: a stale -wal would replay the last run's import
        for f in BENCH_DIR.glob(f"{work.name}*"):
            f.unlink()

    remove_work()
    shutil.copyfile(BENCH_DIR / f"{scale}.db", work)  # the import writes: into a copy, so the next run starts equal
    os.sync()  # the copy's 300 MB written out before the clock starts, not while the import writes
    t0 = time.perf_counter()
    sheet = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).to_python()
    bare = time.perf_counter() - t0
    content = xlsx.read_bytes()
    t0 = time.perf_counter()
    # as the command line imports (cli/seed.py): its size cap (MAX_IMPORT_MB), not the browser's
    report = import_files([(xlsx.name, content)], engine=get_engine(f"sqlite:///{work}"), year=2022, user="bench",
                          size_cap_mb=get_settings().max_import_mb)
    took = time.perf_counter() - t0
    dispose_engines()
    remove_work()
    return {"scale": scale, "rows": len(sheet) - 2, "import": took, "calamine": bare, "exit": report.exit_code,
            "summary": report.summary_lines()[:2], "errors": [f.line() for f in report.errors[:3]],
            "peak_mb": peak_mb()}


# --- parent: run the children, print the table --------------------------------------------------


def child(*args: str) -> dict:
    env = {**os.environ, "STREAMLIT_LOGGER_LEVEL": "error"}
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], cwd=ROOT, check=True,
                         stdout=subprocess.PIPE, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def ms(s: float) -> str:
    return f"{s * 1000:7.0f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scales", nargs="+", default=["county", "city"], choices=["tiny", "county", "city", "province"])
    p.add_argument("--repeat", type=int, default=1,
                   help=f"runs of each measurement; the median goes into {results.RELATIVE}")
    p.add_argument("--no-results", action="store_true", help=f"do not write {results.RELATIVE}")
    p.add_argument("--rows", type=int, default=100_000, help="rows of the 督导记录 register to import")
    p.add_argument("--import-scale", default=None, help="database the register is imported into (default: largest)")
    p.add_argument("--pages", nargs="*", default=[], help="only these pages (titles)")
    p.add_argument("--no-import", action="store_true", help="the pages only")
    p.add_argument("--no-pages", action="store_true", help="the import (and sign-ins) only: --rows 1000000 for the 1M row")
    p.add_argument("--pages-db", help="measure the pages on this database URL instead (one scale)")
    p.add_argument("--login-rows", type=int, default=250_000,
                   help="rows of the register imported while the sign-ins run (logins during import)")
    p.add_argument("--no-logins", action="store_true", help="leave out the logins during an import")
    p.add_argument("--logins-only", action="store_true", help="only the logins during an import")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        kind, scale = args.child[:2]
        if kind == "pages":
            result = bench_pages(scale, args.pages, args.child[2] if len(args.child) > 2 else None)
        elif kind == "logins":
            result = logins.bench_logins(BENCH_DIR, scale, args.login_rows,
                                         args.child[2] if len(args.child) > 2 else None)
        else:
            result = bench_import(scale, args.rows)
        print(json.dumps(result, ensure_ascii=False))
        return 0

    if args.pages_db and len(args.scales) != 1:
        p.error("--pages-db needs exactly one scale in --scales")
    with_logins = args.logins_only or not (args.no_logins or args.no_import)
    scales = (*(() if args.logins_only else args.scales), *((logins.LOGIN_SCALE,) if with_logins else ()))
    # a scale measured on --pages-db (e.g. the province on PostgreSQL, bench/province.py) is not built here
    builds = {scale: ensure_db(scale) for scale in scales if not (args.pages_db and scale in args.scales)}
    backend = "PostgreSQL" if (args.pages_db or "").startswith("postgresql") else "SQLite"
    print(f"\nmake bench — {dt.datetime.now():%Y-%m-%d %H:%M}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, pages on {backend}, import on SQLite; targets (city): cold ≤ {TARGET_COLD:.2f} s, warm ≤ {TARGET_WARM:.2f} s, "
          f"import ≤ {TARGET_IMPORT:.0f} s and ≤ {TARGET_IMPORT_RATIO:.0f}× calamine; sign-ins during an import: p95 ≤ {logins.TARGET_LOGIN_P95:.0f} s\n")
    if builds:
        print("database builds (python -m seed synth, first build): "
              + ", ".join(f"{s} {b['build_s']} s" for s, b in builds.items()))
    peaks: list[str] = []
    if not (args.logins_only or args.no_pages):
        peaks += print_pages(args)
    if not (args.no_import or args.logins_only):
        peaks += print_import(args)
    if with_logins:
        peaks += print_logins(args)
    print("\npeak memory (ru_maxrss): " + ", ".join(peaks))
    return 0


def print_pages(args) -> list[str]:
    header = f"{'scale':7} {'page':8} {'cold ms':>8} {'warm ms':>8} {'data ms':>8} {'cold/data':>9} {'calls':>5}  note"
    print("\n" + header + "\n" + "-" * len(header))
    peaks = []
    for scale in args.scales:
        repeats = [child("--child", "pages", scale, *([args.pages_db] if args.pages_db else []), "--pages", *args.pages)
                   for _ in range(max(1, args.repeat))]
        res = median_pages(repeats)
        if not args.no_results:
            backend = "PostgreSQL" if (args.pages_db or "").startswith("postgres") else "SQLite"
            results.merge("pages", {"runs": len(repeats), "database": backend, "peak_mb": round(res["peak_mb"]),
                                    "pages": {r["page"]: {k: round(r[k], 4) for k in ("cold", "warm", "data")}
                                              | {"errors": r["errors"]} for r in res["pages"]}}, key=scale)
        peaks.append(f"pages {scale} {res['peak_mb']:.0f} MB")
        for r in res["pages"]:
            notes = []
            if scale == "city" and r["cold"] > TARGET_COLD:
                notes.append("cold over target")
            if scale == "city" and r["warm"] > TARGET_WARM:
                notes.append("warm over target")
            if scale == "province" and r["cold"] > TARGET_PROVINCE_COLD:
                notes.append("cold over target")
            if r["errors"]:
                notes.append(f"EXCEPTION: {r['errors'][0][:60]}")
            ratio = r["cold"] / r["data"] if r["data"] > 0 else float("nan")
            print(f"{scale:7} {r['page']:8} {ms(r['cold']):>8} {ms(r['warm']):>8} {ms(r['data']):>8} "
                  f"{ratio:8.1f}× {r['calls']:5}  {'; '.join(notes)}")
        print(f"{scale:7} (first run of the app in the process: {res['first_run'] * 1000:.0f} ms; "
              f"peak RSS {res['peak_mb']:.0f} MB)")
    return peaks


def median_pages(repeats: list[dict]) -> dict:
    """One pages result from several runs: per page the median cold, warm and data seconds."""
    out = {**repeats[0], "peak_mb": max(r["peak_mb"] for r in repeats),
           "first_run": results.median([r["first_run"] for r in repeats])}
    out["pages"] = []
    for i, row in enumerate(repeats[0]["pages"]):
        rows = [r["pages"][i] for r in repeats]
        out["pages"].append({**row, **{k: results.median([x[k] for x in rows]) for k in ("cold", "warm", "data")},
                             "errors": [e for x in rows for e in x["errors"]][:1]})
    return out


def print_import(args) -> list[str]:
    target = args.import_scale or args.scales[-1]
    repeats = [child("--child", "import", target, "--rows", str(args.rows)) for _ in range(max(1, args.repeat))]
    imp = {**repeats[-1], **{k: results.median([r[k] for r in repeats]) for k in ("import", "calamine")}}
    failed = [r["exit"] for r in repeats if r["exit"] != 0]
    if failed:  # a refused or failed import is no time: nothing written, said so below
        print(f"\nthe import failed (exit codes {failed}): nothing written into {results.RELATIVE}")
    elif not args.no_results:
        results.merge("import", {"scale": target, "runs": len(repeats), "rows": imp["rows"],
                                 "seconds": round(imp["import"], 2), "calamine_seconds": round(imp["calamine"], 3),
                                 "exit": imp["exit"], "peak_mb": round(imp["peak_mb"])}, key=str(args.rows))
    ratio = imp["import"] / imp["calamine"] if imp["calamine"] > 0 else float("nan")
    target_s = TARGET_IMPORT_1M if args.rows >= 1_000_000 else TARGET_IMPORT
    print(f"\nimport of a {imp['rows']}-row 督导记录 register into the {target} database: {imp['import']:.1f} s "
          f"(target ≤ {target_s:.0f} s, ≤ {TARGET_IMPORT_RATIO:.0f}× calamine); bare python-calamine read of the same file: {imp['calamine']:.2f} s; "
          f"ratio {ratio:.1f}×; exit code {imp['exit']}; peak RSS {imp['peak_mb']:.0f} MB")
    for line in imp["summary"] + imp["errors"]:
        print("  " + line)
    return [f"import {imp['peak_mb']:.0f} MB"]


def print_logins(args) -> list[str]:
    """Logins during an import: the county database on SQLite, and a copy of --pages-db when it is PostgreSQL."""
    runs = [child("--child", "logins", logins.LOGIN_SCALE, "--login-rows", str(args.login_rows))]
    if (args.pages_db or "").startswith("postgres"):
        runs.append(child("--child", "logins", args.scales[0], args.pages_db, "--login-rows", str(args.login_rows)))
    return logins.report(runs)


if __name__ == "__main__":
    raise SystemExit(main())
