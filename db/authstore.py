"""The auth store: login sessions, login attempts, unlocks, the audit log, kiosk tokens and backup records.

SQLite has one writer, and an import holds it for its whole run (all or nothing). A sign-in must never wait behind
it, so on SQLite these tables live in a second file beside the database (`shian.db` → `shian-auth.db`), with the same
table definitions; the main file keeps them empty. On PostgreSQL (row locks, no single writer) they stay in the one
database, reached through their own sessions so a login never joins anyone else's transaction.

Accounts (`app_user`) stay in the main database: a login only reads them there, which WAL allows during an import.
Storage only: which rows to write is decided by services (services/auth.py, services/sessions.py, services/accounts.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, inspect, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from db.engine import get_engine, normalise_url
from db.models import AccountUnlock, AuditLog, BackupRecord, KioskToken, LoginAttempt, LoginSession
from db.settings import get_settings

AUTH_MODELS = (LoginSession, LoginAttempt, AccountUnlock, AuditLog, KioskToken, BackupRecord)
AUTH_TABLES = tuple(m.__tablename__ for m in AUTH_MODELS)
SUFFIX = "-auth"
_PENDING = "auth_pending"  # Session.info key: rows to write once the main transaction commits

_ready: set[str] = set()
_lock = threading.Lock()


def auth_url(url: str) -> str:
    """The auth store of a database: a SQLite file's sibling `<name>-auth<suffix>`, else the database itself."""
    url = normalise_url(url)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        return f"sqlite:///{path.with_name(path.stem + SUFFIX + (path.suffix or '.db')).as_posix()}"
    return url


def is_separate(url: str) -> bool:
    """Does this database keep its auth tables in a file of their own (SQLite)?"""
    return auth_url(url) != normalise_url(url)


def bind_url(session_or_engine: Session | Engine) -> str:
    """The URL (password kept) a Session or Engine is bound to."""
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.url.render_as_string(hide_password=False)


def auth_engine(url: str | None = None) -> Engine:
    """The engine of the auth store of `url` (default DATABASE_URL); a separate SQLite file gets its tables."""
    main = normalise_url(url or get_settings().database_url)
    target = auth_url(main)
    engine = get_engine(target)
    if target != main and target not in _ready:
        with _lock:
            if target not in _ready:
                SQLModel.metadata.create_all(engine, tables=[m.__table__ for m in AUTH_MODELS])
                _ready.add(target)
    return engine


def forget_ready() -> None:
    """Forget which auth files have their tables (after files were replaced, e.g. by a restore; tests)."""
    with _lock:
        _ready.clear()


@contextmanager
def auth_session(main: Session | Engine | str | None = None) -> Iterator[Session]:
    """A Session of its own on the auth store of `main` (a Session, Engine or URL of the main database; default
    DATABASE_URL). The caller commits."""
    url = main if isinstance(main, str) or main is None else bind_url(main)
    with Session(auth_engine(url)) as session:
        yield session


def add_when_committed(main: Session, row: SQLModel) -> None:
    """Write `row` (an auth-store model) once `main` commits, dropped if it rolls back. When the auth store is the
    main database itself, the row joins `main`'s own transaction instead."""
    url = bind_url(main)
    if not is_separate(url):
        main.add(row)
        main.flush()
        return
    pending = main.info.get(_PENDING)
    if pending is None:
        pending = main.info[_PENDING] = []
        event.listen(main, "after_commit", _write_pending)
        event.listen(main, "after_soft_rollback", _drop_pending)
    pending.append(row)


def _write_pending(main: Session) -> None:
    rows, main.info[_PENDING] = list(main.info.get(_PENDING) or ()), []
    if not rows:
        return
    with auth_session(bind_url(main)) as own:
        own.add_all(rows)
        own.commit()


def _drop_pending(main: Session, _previous) -> None:
    main.info[_PENDING] = []


def move_from_main(url: str) -> int:
    """Move rows an older version kept in the main SQLite file's auth tables into the auth file (once, at migrate);
    returns how many moved. Nothing to do on PostgreSQL."""
    if not is_separate(url):
        return 0
    main_engine, target = get_engine(url), auth_engine(url)
    moved = 0
    with main_engine.connect() as main:
        present = set(inspect(main).get_table_names())
    for model in AUTH_MODELS:
        table = model.__table__
        if table.name not in present:
            continue
        with main_engine.begin() as main:
            rows = [dict(r._mapping) for r in main.execute(select(table))]
            if not rows:
                continue
            with target.begin() as auth:
                if model is KioskToken:  # a token's id names it on the users page: kept when free
                    known = {r[0] for r in auth.execute(select(table.c.token_hash))}
                    taken = {r[0] for r in auth.execute(select(table.c.id))}
                    fresh = [r if r["id"] not in taken else {k: v for k, v in r.items() if k != "id"}
                             for r in rows if r["token_hash"] not in known]
                else:
                    fresh = [{k: v for k, v in r.items() if k != "id"} for r in rows]
                if fresh:
                    auth.execute(table.insert(), fresh)
            main.execute(table.delete())
            moved += len(rows)
    return moved
