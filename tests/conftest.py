"""Shared fixtures: empty databases at the current schema, on SQLite and (when reachable) PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from db.engine import dispose_engines, get_engine

PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pg_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any failure means: no server to test against
        return f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


_PG_REASON = pg_reachable()


def require_pg() -> None:
    if _PG_REASON:
        if IN_CI:
            pytest.fail(f"CI=true requires PostgreSQL: {_PG_REASON}")
        pytest.skip(_PG_REASON)


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    require_pg()
    name = f"shian_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    dispose_engines()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", "pg"])
def db_url(request, tmp_path):
    """An empty database at the current schema (via Alembic), once on SQLite and once on PostgreSQL."""
    from db.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    upgrade(url)
    yield url
    dispose_engines()


@pytest.fixture
def engine(tmp_path):
    """An empty SQLite database file at the current schema (create_all; fast)."""
    url = f"sqlite:///{tmp_path / 'unit.db'}"
    eng = get_engine(url)
    SQLModel.metadata.create_all(eng)
    with eng.begin() as c:
        c.execute(text("INSERT INTO data_version (id, version) VALUES (1, 0)"))
    yield eng
    dispose_engines()
