"""Test databases on the backend the run asks for: SQLite files by default, PostgreSQL under TEST_DB=pg.

`make test` runs the suite once on SQLite and then the data-layer, importer, report and page tests again with
TEST_DB=pg (issue 8: CI runs both). Tests that need a database they may write to ask `new_url` for one instead of
writing a sqlite:/// URL by hand; `copy_url` clones a built database (SQLite backup API, its auth file too; PostgreSQL TEMPLATE).
Every PostgreSQL database made here is dropped at the end of the session (`drop_created`).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKEND = os.environ.get("TEST_DB", "sqlite").strip().lower() or "sqlite"
if BACKEND not in ("sqlite", "pg"):
    raise SystemExit(f"TEST_DB must be sqlite or pg, not {BACKEND!r}")

_created: list[str] = []


def _admin():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def new_pg_url(template: str | None = None) -> str:
    """A new, empty PostgreSQL database (or a copy of `template`, a database name), dropped at session end."""
    name = f"shian_test_{uuid.uuid4().hex[:10]}"
    admin = _admin()
    with admin.connect() as c:
        for attempt in range(3):
            try:
                c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
                break
            except OperationalError as e:
                # PostgreSQL has already waited 5 s for other connections to the template to go: one left open by an
                # earlier test (a thread still finishing, an engine not disposed) holds it. Templates are ours only.
                if not template or "being accessed by other users" not in str(e) or attempt == 2:
                    raise
                c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = :t AND pid <> pg_backend_pid()"), {"t": template})
    admin.dispose()
    _created.append(name)
    return _pg_url(name)


def new_url(folder: Path, name: str, backend: str | None = None) -> str:
    """An empty database for a test: a file `name` in `folder` on SQLite, a fresh database under TEST_DB=pg (or on
    `backend` when given)."""
    if (backend or BACKEND) == "pg":
        return new_pg_url()
    return f"sqlite:///{Path(folder) / name}"


def copy_url(src_url: str, folder: Path, name: str) -> str:
    """A copy of a built database, so a test may change it while the original stays as built."""
    from db.engine import dispose_engines

    dispose_engines()  # PostgreSQL refuses a template with open connections; SQLite wants a settled file
    if src_url.startswith("sqlite:///"):
        from db.authstore import auth_url

        target = Path(folder) / name
        pairs = [(Path(src_url.removeprefix("sqlite:///")), target)]
        src_auth = Path(auth_url(src_url).removeprefix("sqlite:///"))  # sign-ins, audit log, kiosk tokens
        if src_auth.exists():
            pairs.append((src_auth, Path(auth_url(f"sqlite:///{target}").removeprefix("sqlite:///"))))
        for src_path, dst_path in pairs:
            with sqlite3.connect(src_path) as src, sqlite3.connect(dst_path) as dst:
                src.backup(dst)
        return f"sqlite:///{target}"
    return new_pg_url(template=src_url.rsplit("/", 1)[1])


# Databases built once per test process and copied for each test that asks (copy_url): building one (schema, then
# 监管所.xlsx imported) costs 0.5–1.7 s, a copy 0.04–0.3 s.
_templates: dict[str, str] = {}


def template_url(name: str, build, factory, backend: str | None = None) -> str:
    """The database `name`, built by `build(url)` on first use in this process (in a folder from pytest's
    tmp_path_factory; on `backend`, default the run's); tests copy it with copy_url and never change it."""
    key = f"{name}-{backend or BACKEND}"
    if key not in _templates:
        from db.engine import dispose_engines

        url = new_url(factory.mktemp(f"template-{key}"), f"{key}.db", backend)
        build(url)
        dispose_engines()
        _templates[key] = url
    return _templates[key]


def copy_of(name: str, build, factory, folder: Path, filename: str, backend: str | None = None) -> str:
    """A copy, in `folder`, of the template database `name` (template_url): what a test may change."""
    return copy_url(template_url(name, build, factory, backend), folder, filename)


def build_schema(url: str) -> None:
    """The current schema by create_all (faster than the migrations), with its data_version row."""
    from sqlmodel import SQLModel

    from db import models  # noqa: F401  (every table registered)
    from db.engine import get_engine

    engine = get_engine(url)
    SQLModel.metadata.create_all(engine)
    with engine.begin() as c:
        c.execute(text("INSERT INTO data_version (id, version) VALUES (1, 0)"))


def build_demo_database(url: str) -> None:
    """The demo database as `python -m seed demo` builds it: migrated, then seed.demo.build_demo."""
    from db.engine import get_engine
    from db.migrate import upgrade
    from seed.demo import build_demo

    upgrade(url)
    build_demo(get_engine(url))


def drop_created() -> None:
    """Drop every PostgreSQL database this session made."""
    if not _created:
        return
    from db.engine import dispose_engines

    dispose_engines()
    admin = _admin()
    with admin.connect() as c:
        for name in _created:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    _created.clear()


def dump_text(url: str) -> str:
    """Everything the database holds, as text (SQLite iterdump, PostgreSQL pg_dump --data-only)."""
    import subprocess

    from db.engine import dispose_engines

    dispose_engines()
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
            return "\n".join(con.iterdump())
    libpq = url.replace("postgresql+psycopg://", "postgresql://", 1)
    return subprocess.run(["pg_dump", "--data-only", libpq], capture_output=True, text=True, check=True).stdout


def import_writing(url: str, *, wal_growth: int = 2**20, wal_before: int = 0) -> bool:
    """Is an import writing visits right now, uncommitted? SQLite: its -wal has grown by `wal_growth` bytes since
    `wal_before` and another connection holds the writer (a BEGIN IMMEDIATE probe fails at once; one that succeeds
    is rolled back at once). PostgreSQL: another backend of this database holds a RowExclusiveLock on visit."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        wal = Path(path + "-wal")
        if not wal.exists() or wal.stat().st_size - wal_before < wal_growth:
            return False
        con = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc) or "busy" in str(exc)
        else:
            con.execute("ROLLBACK")
            return False
        finally:
            con.close()
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return c.execute(text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class r ON r.oid = l.relation "
                "WHERE r.relname = 'visit' AND l.mode = 'RowExclusiveLock' AND l.granted "
                "AND l.pid <> pg_backend_pid() "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")).scalar_one() > 0
    finally:
        engine.dispose()
