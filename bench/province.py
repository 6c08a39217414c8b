"""`make bench-province` (issue 21): the page times at province scale on PostgreSQL (not part of `make test`).

    python bench/province.py [--db postgresql+psycopg://postgres@127.0.0.1:5432/shian_province] [--rebuild]
                             [-- extra arguments for bench/run.py]

Builds the province database once (`python -m seed synth --scale province`, COPY; the database is created when
absent and reused when it already holds the province scale), prints its build time and size, then runs bench/run.py's
page measurements on it: `--scales province --pages-db URL --no-import --no-logins`, written into bench/results.json
as the province scale (the README's "Province scale" row). The build time of the first build is kept in the database itself
(setting synth_build_s).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = os.environ.get("PROVINCE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/shian_province")
BUILD_KEY = "synth_build_s"


def _admin(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def state(url: str) -> str:
    """absent | empty | province | other: what the database at `url` holds."""
    name = make_url(url).database
    admin = _admin(url)
    with admin.connect() as c:
        exists = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    admin.dispose()
    if not exists:
        return "absent"
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            if not c.execute(text("SELECT to_regclass('app_setting') IS NOT NULL")).scalar():
                return "empty"
            scale = c.execute(text("SELECT value FROM app_setting WHERE key = 'synth_scale'")).scalar()
            has_rows = c.execute(text("SELECT EXISTS (SELECT 1 FROM station)")).scalar() \
                if c.execute(text("SELECT to_regclass('station') IS NOT NULL")).scalar() else False
    finally:
        engine.dispose()
    if scale == "province":
        return "province"
    return "other" if has_rows else "empty"


def build(url: str, rebuild: bool) -> float | None:
    """Build the province database when needed; its build time in seconds (None when reused)."""
    name = make_url(url).database
    st = state(url)
    if st == "other":
        raise SystemExit(f"数据库 {name} 已有其他数据：请换一个数据库（--db）或先删除它")
    if st == "province" and not rebuild:
        return None
    admin = _admin(url)
    with admin.connect() as c:
        if st != "absent":
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    print(f"building the province database {name} (once; about 12 minutes on 2 quiet cores) …", flush=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "seed", "synth", "--scale", "province", "--db", url], cwd=ROOT, check=True)
    seconds = round(time.perf_counter() - started, 1)
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("INSERT INTO app_setting (key, value, help) VALUES (:k, :v, '省级合成数据的生成用时（秒）') "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value"), {"k": BUILD_KEY, "v": str(seconds)})
    engine.dispose()
    return seconds


def describe(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as c:
        size = c.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar()
        built = c.execute(text("SELECT value FROM app_setting WHERE key = :k"), {"k": BUILD_KEY}).scalar()
        counts = {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("station", "business", "cadre", "assignment", "visit", "problem")}
    engine.dispose()
    rows = ", ".join(f"{t} {n:,}" for t, n in counts.items())
    return f"province database: {size}; first build {built or '?'} s; rows: {rows}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--db", default=DEFAULT_URL, help="PostgreSQL URL of the province database")
    p.add_argument("--rebuild", action="store_true", help="drop and build the database again")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="after --: more arguments for bench/run.py")
    args = p.parse_args(argv)
    if not args.db.startswith("postgresql"):
        raise SystemExit("省级规模只能建在 PostgreSQL 上：--db postgresql+psycopg://…")
    build(args.db, args.rebuild)
    print(describe(args.db), flush=True)
    rest = [a for a in args.rest if a != "--"]
    return subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--scales", "province", "--pages-db", args.db,
                           "--no-import", "--no-logins", *rest], cwd=ROOT).returncode


if __name__ == "__main__":
    raise SystemExit(main())
