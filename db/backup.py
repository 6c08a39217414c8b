"""Backups that restore: one file holding everything, taken while the app and an import go on, and put back only
after it has been checked.

SQLite: the online backup API copies the main file as one consistent snapshot (a read transaction under WAL, so an
import that is writing is neither blocked nor half-copied), then the auth file's rows join the copy's (empty) auth
tables: one self-contained file. PostgreSQL: `pg_dump --format=custom`.

Restore reads the file's format from its first bytes, refuses a corrupt file or a schema newer than our migrations,
checks and upgrades a copy first, and only then moves the current database aside (SQLite: `<name>.before-restore-…`
files; PostgreSQL: a database `<db>_before_restore_…`). Every login session of the restored data is revoked and an
audit row 恢复备份 is written. Storage only: services/backups.py records backups and formats what the page shows.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from db import authstore
from db.engine import analyze, dispose_engines, get_engine, normalise_url
from db.migrate import alembic_config, upgrade
from db.models import AuditLog, LoginSession

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
RESTORE_REASON = "恢复备份"
PRIVATE = 0o600  # a backup holds password hashes and the audit log: the owner's alone
_UNIQUE = {"kiosk_token": ("token_hash",), "login_session": ("token_hash", "handoff_hash")}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is Chinese and names the file or the tool."""


class BackupRefused(BackupError):
    """The file is not a backup we can restore (corrupt, or a newer schema): nothing was changed."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    size_bytes: int
    backend: str  # sqlite / postgresql
    revision: str | None


@dataclass(frozen=True)
class Restored:
    backend: str
    revision: str  # the backup's own schema revision (the database is now at head)
    kept: list[str] = field(default_factory=list)  # where the previous database is kept (files or a database name)


# --- common ---------------------------------------------------------------------------------------


def backend_of(url: str) -> str:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    raise BackupError(f"不支持的数据库地址：{make_url(url).render_as_string(hide_password=True)}")


def stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")


def default_name(url: str, now: dt.datetime | None = None) -> str:
    """shian-20261203-023000.db (SQLite) or shian-20261203-023000.dump (PostgreSQL)."""
    if backend_of(url) == "sqlite":
        base = _sqlite_path(url).stem
        return f"{base}-{stamp(now)}.db"
    return f"{make_url(normalise_url(url)).database}-{stamp(now)}.dump"


def known_revisions() -> set[str]:
    """Every schema revision our migration scripts know."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def file_format(path: Path) -> str:
    """sqlite or pgdump, read from the file's first bytes; refused (naming the file) otherwise."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupRefused(f"不是有效的备份文件：{path.name}（无法读取：{exc.strerror or exc}）") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "pgdump"
    raise BackupRefused(f"不是有效的备份文件：{path.name}（既不是 SQLite 数据库，也不是 pg_dump 备份）")


def _check_revision(path: Path, revision: str | None) -> str:
    if not revision:
        raise BackupRefused(f"不是有效的备份文件：{path.name}（其中没有数据库结构版本）")
    if revision not in known_revisions():
        raise BackupRefused(f"{path.name}：备份的数据库结构比本程序新（版本 {revision}），请先升级程序")
    return revision


def end_sessions(engine: Engine, *, file_name: str, client: str | None, detail: dict | None = None) -> int:
    """Revoke every login session and write the audit row 恢复备份 (in the database about to go live: restored rows
    may hold sessions revoked after the backup was taken). Returns how many sessions were still open."""
    now = dt.datetime.now(dt.UTC)
    sessions, audit = LoginSession.__table__, AuditLog.__table__
    with engine.begin() as c:
        still_open = c.execute(select(func.count()).select_from(sessions)
                               .where(sessions.c.revoked_at.is_(None))).scalar_one()
        c.execute(sessions.update().where(sessions.c.revoked_at.is_(None))
                  .values(revoked_at=now, revoked_reason=RESTORE_REASON))
        c.execute(audit.insert().values(at=now, username=None, role=None, client=client, action=RESTORE_REASON,
                                        target=file_name, detail=detail))
    return int(still_open)


# --- SQLite -----------------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    url = normalise_url(url)
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        raise BackupError("内存中的 SQLite 数据库无法备份或恢复，请用数据库文件")
    return Path(url.removeprefix("sqlite:///"))


def _sqlite_revision(con: sqlite3.Connection) -> str | None:
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _copy_auth_rows(con: sqlite3.Connection, auth_file: Path) -> None:
    """Append the auth file's rows to the copy's auth tables (empty by design; if an older version left rows there,
    the auth file's rows take fresh ids and a token already present is not repeated)."""
    con.execute("ATTACH DATABASE ? AS auth", (str(auth_file),))
    try:
        present = {r[0] for r in con.execute("SELECT name FROM auth.sqlite_master WHERE type = 'table'")}
        for table in authstore.AUTH_TABLES:
            if table not in present:
                continue
            ours = [r[1] for r in con.execute(f'PRAGMA main.table_info("{table}")')]
            theirs = {r[1] for r in con.execute(f'PRAGMA auth.table_info("{table}")')}
            cols = [c for c in ours if c in theirs]
            if con.execute(f'SELECT 1 FROM main."{table}" LIMIT 1').fetchone() is not None:
                cols = [c for c in cols if c != "id"]
            names = ", ".join(f'"{c}"' for c in cols)
            dup = " AND ".join(f'(a."{u}" IS NULL OR a."{u}" NOT IN (SELECT "{u}" FROM main."{table}" '
                               f'WHERE "{u}" IS NOT NULL))' for u in _UNIQUE.get(table, ()) if u in cols)
            where = f" WHERE {dup}" if dup else ""
            select_cols = ", ".join(f'a."{c}"' for c in cols)
            con.execute(f'INSERT INTO main."{table}" ({names}) SELECT {select_cols} FROM auth."{table}" AS a{where}')
        con.commit()
    finally:
        con.execute("DETACH DATABASE auth")


def backup_sqlite(url: str, out: Path) -> BackupFile:
    main = _sqlite_path(url)
    if not main.is_file():
        raise BackupError(f"数据库文件不存在：{main}")
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(main, timeout=15)) as src, closing(sqlite3.connect(part)) as dst:
            src.backup(dst)  # pages=-1: one step, one read transaction, so one consistent snapshot
        with closing(sqlite3.connect(part)) as con:
            con.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            auth_file = _sqlite_path(authstore.auth_url(url))
            if auth_file.is_file():
                _copy_auth_rows(con, auth_file)
            revision = _sqlite_revision(con)
            check = con.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"备份文件 {out.name} 完整性检查未通过：{check}")
        part.chmod(PRIVATE)
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    return BackupFile(out, out.stat().st_size, "sqlite", revision)


def _sqlite_files(path: Path) -> list[Path]:
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")) if p.exists()]


def _move_aside(path: Path, ts: str) -> str | None:
    """`x.db` → `x.db.before-restore-TS` with its -wal/-shm beside it under the same name (so SQLite opens the kept
    copy with its log). None when there was no file."""
    if not path.exists():
        for extra in _sqlite_files(path):
            extra.unlink()
        return None
    aside = path.with_name(f"{path.name}.before-restore-{ts}")
    n = 1
    while aside.exists():  # two restores within one second: the earlier copy stays too
        n += 1
        aside = path.with_name(f"{path.name}.before-restore-{ts}-{n}")
    for f in _sqlite_files(path):
        os.replace(f, Path(str(aside) + str(f)[len(str(path)):]))
    return str(aside)


def restore_sqlite(url: str, file: Path, *, client: str | None, now: dt.datetime | None = None) -> Restored:
    main = _sqlite_path(url)
    main.parent.mkdir(parents=True, exist_ok=True)
    ts = stamp(now)
    temp = main.with_name(f"{main.name}.restore-{ts}.tmp")
    try:
        shutil.copyfile(file, temp)
        try:
            with closing(sqlite3.connect(temp)) as con:
                check = con.execute("PRAGMA integrity_check").fetchone()[0]
                revision = _sqlite_revision(con)
        except sqlite3.DatabaseError as exc:
            raise BackupRefused(f"不是有效的备份文件：{file.name}（{exc}）") from None
        if check != "ok":
            raise BackupRefused(f"不是有效的备份文件：{file.name}（完整性检查未通过：{check}）")
        revision = _check_revision(file, revision)
        temp_url = f"sqlite:///{temp}"
        # The named head, not "head": upgrade() would otherwise split the copy's auth rows into a file of its own.
        upgrade(temp_url, head_revision())
        end_sessions(get_engine(temp_url), file_name=file.name, client=client,
                     detail={"备份文件": str(file), "备份的结构版本": revision})
        dispose_engines()  # every connection to the copy and to the current files closes before they move
        with closing(sqlite3.connect(temp)) as con:
            con.execute("PRAGMA journal_mode=DELETE")
        kept = [k for k in (_move_aside(main, ts), _move_aside(_sqlite_path(authstore.auth_url(url)), ts)) if k]
        os.replace(temp, main)
    finally:
        for f in _sqlite_files(temp):
            f.unlink()
        dispose_engines()
    authstore.forget_ready()
    authstore.move_from_main(url)
    dispose_engines()
    return Restored("sqlite", revision, kept)


# --- PostgreSQL ---------------------------------------------------------------------------------------


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump / pg_restore, and the environment with the password (never an argument)."""
    u = make_url(normalise_url(url))
    args = []
    if u.host:
        args += ["--host", u.host]
    if u.port:
        args += ["--port", str(u.port)]
    if u.username:
        args += ["--username", u.username]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（如 apt-get install postgresql-client），"
                          "主版本不低于数据库服务器")
    return found


def _major(binary: str) -> int:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    found = re.search(r"\)\s*(\d+)", out) or re.search(r"(\d+)", out)
    return int(found.group(1)) if found else 0


def _server_major(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _checked_tool(name: str, engine: Engine) -> str:
    binary = _tool(name)
    ours, server = _major(binary), _server_major(engine)
    if ours < server:
        raise BackupError(f"{name} 的版本（{ours}）低于数据库服务器（{server}）：请安装 {server} 或更新版本的 "
                          f"PostgreSQL 客户端（如 apt-get install postgresql-client-{server}）")
    return binary


def _first_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return (lines[0] if lines else "未知错误")[:300]


def backup_pg(url: str, out: Path) -> BackupFile:
    engine = get_engine(url)
    binary = _checked_tool("pg_dump", engine)
    with engine.connect() as c:
        revision = c.execute(text("SELECT version_num FROM alembic_version")).scalar()
    args, env = _pg_args(url)
    part = out.with_name(out.name + ".part")
    try:
        done = subprocess.run([binary, "--format=custom", "--file", str(part), *args,
                               "--dbname", make_url(normalise_url(url)).database or ""],
                              capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise BackupError(f"pg_dump 备份失败：{_first_error(done.stderr)}")
        part.chmod(PRIVATE)
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    return BackupFile(out, out.stat().st_size, "postgresql", revision)


def _pg_name(base: str, suffix: str) -> str:
    return base[: 63 - len(suffix)] + suffix  # PostgreSQL names are at most 63 bytes (ASCII here)


def _free_pg_name(c, base: str, suffix: str) -> str:
    """`base + suffix`, or with _2, _3 … when a database of that name exists (two restores within one second)."""
    n, name = 1, _pg_name(base, suffix)
    while c.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name}).first() is not None:
        n += 1
        name = _pg_name(base, f"{suffix}_{n}")
    return name


def _with_database(url: str, name: str) -> str:
    return make_url(normalise_url(url)).set(database=name).render_as_string(hide_password=False)


def _rename_when_free(c, name: str, new_name: str, *, tries: int = 50) -> None:
    """Rename a database once its other connections have gone (a terminated backend takes a moment to exit)."""
    for attempt in range(tries):
        c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": name})
        try:
            c.execute(text(f'ALTER DATABASE "{name}" RENAME TO "{new_name}"'))
            return
        except OperationalError:
            if attempt == tries - 1:
                raise BackupError(f"数据库 {name} 仍有连接，无法替换：请先停止看板（systemctl stop 'shian@*'）再恢复") from None
            time.sleep(0.1)


def restore_pg(url: str, file: Path, *, client: str | None, now: dt.datetime | None = None) -> Restored:
    db = make_url(normalise_url(url)).database or ""
    ts = stamp(now).replace("-", "_")
    admin = create_engine(_with_database(url, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        fresh, aside = _free_pg_name(c, db, f"_restore_{ts}"), _free_pg_name(c, db, f"_before_restore_{ts}")
    fresh_url = _with_database(url, fresh)
    binary = _checked_tool("pg_restore", get_engine(url))
    created = False
    try:
        with admin.connect() as c:
            owner = c.execute(text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :d"),
                              {"d": db}).scalar()
            if owner is None:
                raise BackupError(f"数据库 {db} 不存在：请先建库（createdb）再恢复")
            try:
                c.execute(text(f'CREATE DATABASE "{fresh}" OWNER "{owner}"'))
            except Exception as exc:
                raise BackupError(f"无法新建数据库 {fresh}：恢复需要建库的权限（CREATEDB），"
                                  f"可用 postgres 账号执行 ALTER ROLE … CREATEDB（{_first_error(str(exc))}）") from None
            created = True
        args, env = _pg_args(url)
        done = subprocess.run([binary, "--exit-on-error", "--no-owner", "--role", owner, *args, "--dbname", fresh,
                               str(file)], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise BackupRefused(f"不是有效的备份文件：{file.name}（pg_restore：{_first_error(done.stderr)}）")
        engine = get_engine(fresh_url)
        with engine.connect() as c:
            try:
                revision = c.execute(text("SELECT version_num FROM alembic_version")).scalar()
                c.execute(text("SELECT COUNT(*) FROM data_version")).scalar_one()
            except Exception:
                revision = None
        revision = _check_revision(file, revision)
        upgrade(fresh_url)
        analyze(engine)  # a dump carries no planner statistics
        end_sessions(engine, file_name=file.name, client=client,
                     detail={"备份文件": str(file), "备份的结构版本": revision})
        dispose_engines()
        with admin.connect() as c:
            _rename_when_free(c, db, aside)
            try:
                c.execute(text(f'ALTER DATABASE "{fresh}" RENAME TO "{db}"'))
            except Exception:
                c.execute(text(f'ALTER DATABASE "{aside}" RENAME TO "{db}"'))  # put the current one back
                raise
            created = False
    finally:
        dispose_engines()
        if created:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)'))
        admin.dispose()
    return Restored("postgresql", revision, [aside])


# --- entry points -------------------------------------------------------------------------------------


def backup(url: str, out: Path) -> BackupFile:
    """Back up the database at `url` into `out` (its folder is made; an existing file is replaced only when done)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if backend_of(url) == "sqlite":
        return backup_sqlite(url, out)
    return backup_pg(url, out)


def restore(url: str, file: Path, *, client: str | None = None, now: dt.datetime | None = None) -> Restored:
    """Put the backup `file` in place of the database at `url`, after checking it; the current one is kept aside."""
    if not file.is_file():
        raise BackupRefused(f"备份文件不存在：{file}")
    kind, backend = file_format(file), backend_of(url)
    if (kind, backend) not in (("sqlite", "sqlite"), ("pgdump", "postgresql")):
        what = "SQLite 数据库文件" if kind == "sqlite" else "PostgreSQL 的 pg_dump 备份"
        raise BackupRefused(f"{file.name} 是{what}，不能恢复到{'SQLite' if backend == 'sqlite' else 'PostgreSQL'}"
                            "数据库")
    if backend == "sqlite":
        return restore_sqlite(url, file, client=client, now=now)
    return restore_pg(url, file, client=client, now=now)
