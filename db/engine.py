"""One engine per process and URL, units of work that bump data_version, the as-of clock."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine, select

from db import rollups
from db.models import AppSetting, DataVersion
from db.settings import get_settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()

AS_OF_KEY = "as_of"


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and route them to psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers (the app) go on while an import writes; foreign keys are off by default in SQLite.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def json_text(value: object) -> str:
    """A JSON column's text (the change log writes one per row imported): orjson, 5× json.dumps on a 100k-row
    register. Dates as ISO text, as the change log stores them; a NaN as null, which every database accepts."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            engine = create_engine(
                url, connect_args={"check_same_thread": False}, poolclass=StaticPool, json_serializer=json_text
            )
        else:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15},
                                   json_serializer=json_text)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Every Streamlit session runs its page in a thread of its own, and each holds a connection while its queries run:
    # 25 viewers a replica exhausted a pool of 5 + 5 (bench/load.py, issue 21).
    settings = get_settings()
    return create_engine(url, pool_pre_ping=True, pool_size=settings.db_pool_size, json_serializer=json_text,
                         max_overflow=settings.db_max_overflow)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for a URL (default: DATABASE_URL)."""
    url = normalise_url(url or get_settings().database_url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


DATA_WRITTEN = "data_written"  # session.info: this transaction moved data_version (db/rollups.py refreshes on commit)


def bump_data_version(session: Session) -> None:
    updated = session.exec(  # type: ignore[call-overload]
        text("UPDATE data_version SET version = version + 1 WHERE id = 1")
    )
    if updated.rowcount == 0:
        session.add(DataVersion(id=1, version=1))
    session.info[DATA_WRITTEN] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    """A transaction that moved data_version has committed: the rollup days someone has viewed are recomputed in the
    background (db/rollups.py), unless ROLLUP_REFRESH=0."""
    if session.info.pop(DATA_WRITTEN, False) and get_settings().rollup_refresh:
        rollups.refresh_in_background(session.get_bind())


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(DATA_WRITTEN, None)


def analyze(engine: Engine) -> None:
    """Give PostgreSQL's planner its statistics after a bulk load (the demo, a restore): without them it takes every
    table for a few rows and nests loops over thousands (the 包保 counts took 4.5 s instead of 0.1 s at county
    scale). Autovacuum would get there within a minute or so; the first viewers should not wait for it. SQLite: no-op."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One unit of work that changes data: all or nothing, and data_version moves on commit."""
    with Session(engine) as session:
        try:
            yield session
            bump_data_version(session)
            session.commit()
        except BaseException:
            session.rollback()
            raise


def data_version(engine: Engine) -> int:
    with Session(engine) as session:
        row = session.get(DataVersion, 1)
        return row.version if row else 0


def get_setting(session: Session, key: str) -> str | None:
    row = session.get(AppSetting, key)
    return row.value if row else None


DEMO_NOTE = "示例数据：进度、台账、督导记录与指标数值为生成的演示数据，并非真实统计"


def is_demo_database(session: Session) -> bool:
    """The demo database (its recorded kind), or any generated 任务进度 row: figures drawn from it are 示例."""
    from db.models import StationProgress

    if get_setting(session, "database_kind") == "demo":
        return True
    return session.exec(select(StationProgress.id).where(StationProgress.is_demo).limit(1)).first() is not None


def set_setting(session: Session, key: str, value: str, help: str | None = None) -> None:
    row = session.get(AppSetting, key)
    if row is None:
        session.add(AppSetting(key=key, value=value, help=help))
    else:
        row.value = value
        if help:
            row.help = help


def as_of(engine: Engine | None = None, *, today: dt.date | None = None) -> dt.date:
    """The clock: AS_OF from the environment, else the database's own as-of date, else today."""
    env = get_settings().as_of
    if env:
        return env
    engine = engine or get_engine()
    try:
        with Session(engine) as session:
            stored = get_setting(session, AS_OF_KEY)
    except Exception:  # an empty database without tables has no as-of date yet
        stored = None
    if stored:
        return dt.date.fromisoformat(stored)
    return today or dt.date.today()


def has_data(engine: Engine) -> bool:
    from db.models import Station

    with Session(engine) as session:
        return session.exec(select(Station.id).limit(1)).first() is not None


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


os.environ.setdefault("OPENPYXL_DEFUSEDXML", "True")
