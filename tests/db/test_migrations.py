"""Alembic: a new database gets the current schema, and an existing one upgrades in place."""

import datetime as dt

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

from db.engine import get_engine
from db.migrate import current_revision, upgrade
from tests import dbs


def test_upgrade_builds_every_table_and_is_idempotent(db_url):
    upgrade(db_url)  # a second time changes nothing
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert current_revision(db_url) is not None


def test_schema_matches_the_models(sqlite_url):
    """No model change without a migration: autogenerate finds nothing to do on a migrated database."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    upgrade(sqlite_url)
    with get_engine(sqlite_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata)
    assert diff == []


def test_a_database_at_0002_upgrades_in_place_to_the_hazard_tables(sqlite_url):
    """0003 adds hazard_report and hazard to an existing database without touching its rows; downgrade drops them."""
    from alembic import command
    from sqlalchemy import text

    from db.migrate import alembic_config

    upgrade(sqlite_url, "0002")
    engine = get_engine(sqlite_url)
    assert not {"hazard_report", "hazard"} & set(inspect(engine).get_table_names())
    with engine.begin() as c:
        c.execute(text("INSERT INTO station (id, name, aliases, sort_order, coord_precision, is_demo) "
                       "VALUES (1, '明水所', '[]', 1, '近似', 0)"))
    upgrade(sqlite_url)
    assert current_revision(sqlite_url) not in (None, "0002")  # head: 0003 or a later revision
    insp = inspect(engine)
    assert {"hazard_report", "hazard"} <= set(insp.get_table_names())
    assert {c["name"] for c in insp.get_columns("hazard_report")} >= {
        "station_id", "year", "month", "entities_checked", "hazards_found", "hazards_rectified", "cases_opened",
        "report_date", "is_demo", "batch_id", "src_sheet", "src_row"}
    assert {c["name"] for c in insp.get_columns("hazard")} >= {
        "key", "station_id", "business_name", "business_id", "description", "found_date", "deadline", "status",
        "rectified_date", "year", "month", "is_demo", "batch_id", "src_sheet", "src_row"}
    with engine.connect() as c:
        assert c.execute(text("SELECT name FROM station")).scalars().all() == ["明水所"]
        c.execute(text("INSERT INTO hazard_report (year, month, station_id, entities_checked, hazards_found, "
                       "hazards_rectified, cases_opened, is_demo) VALUES (2022, 10, 1, 30, 4, 3, 0, 0)"))
        c.commit()
    cfg = alembic_config(sqlite_url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0002")
    assert not {"hazard_report", "hazard"} & set(inspect(engine).get_table_names())
    assert current_revision(sqlite_url) == "0002"


@pytest.fixture(params=["pg"] if dbs.BACKEND == "pg" else ["sqlite", "pg"])
def empty_url(request, tmp_path):
    """An empty database with no schema at all, on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


UNCHANGED_SINCE_0001 = ("监管所.xlsx", "2022年度各监管所食品小作坊提升任务清单.xlsx")


def test_a_database_made_at_the_first_revision_upgrades_to_head_with_its_data(empty_url):
    """A bureau that installed the first release: the seeds imported at 0001, then every later revision in turn.

    The rows survive (the real 2022 task list still totals 126/27/42/20), the schema ends equal to the models, and
    the app's own write path works on the upgraded database.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import Session

    from db.migrate import alembic_config
    from seed import demo
    from services import accounts, auth, metrics
    from services.rules.viewer import SYSTEM

    upgrade(empty_url, "0001")
    assert current_revision(empty_url) == "0001"
    engine = get_engine(empty_url)
    # The files whose tables are as 0001 made them (today's importer writes today's columns: 0006 added columns to
    # the plans and the 配档表, which a 0001 database does not have until it is upgraded).
    demo.import_seed_files(engine, files=[p for p in demo.seed_files() if p.name in UNCHANGED_SINCE_0001])
    before = set(inspect(engine).get_table_names())
    assert "app_user" not in before and "hazard" not in before

    upgrade(empty_url)
    script = ScriptDirectory.from_config(alembic_config(empty_url))
    assert current_revision(empty_url) == script.get_current_head()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata)
    assert diff == []
    with Session(engine) as s:
        totals = metrics.task_totals(session=s, year=2022, month=10, as_of=dt.date(2022, 10, 31))
        by_code = dict(zip(totals["indicator"], totals["target"], strict=True))
    assert sorted(by_code.values(), reverse=True) == [126, 42, 27, 20]
    with Session(engine) as s:  # 0002's tables take an account, with its audit row
        accounts.create_user(session=s, viewer=SYSTEM, username="office2", password="Upgrade-2022-ok", role="食安办")
        s.commit()
        assert auth.get_user(session=s, username="office2")["role"] == "食安办"


@pytest.mark.sqlite_file  # the auth file is SQLite's; PostgreSQL keeps these tables where they are
def test_the_auth_rows_of_an_older_sqlite_database_move_to_the_auth_file(tmp_path):
    """Up to 0008 a SQLite database kept attempts, the audit log and kiosk tokens in its own file; the upgrade to head
    moves them into the auth file beside it (db/authstore.py) once, kiosk tokens with their numbers, and empties the
    main file's tables. A second upgrade moves nothing."""
    import sqlite3
    from contextlib import closing

    from sqlmodel import Session, select

    from db import models as m
    from db.authstore import auth_session, auth_url, forget_ready, move_from_main
    from services import accounts
    from services.rules.viewer import SYSTEM

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0008")
    at = dt.datetime(2022, 10, 31, 8, 0, tzinfo=dt.UTC)
    with get_engine(url).begin() as c:
        c.execute(m.KioskToken.__table__.insert(), [
            {"id": 7, "token_hash": "a" * 64, "label": "一楼大厅", "created_at": at, "is_active": True}])
        c.execute(m.AuditLog.__table__.insert(), [
            {"at": at, "username": "office", "role": "食安办", "client": "10.0.0.5", "action": "导入",
             "target": "十月.xlsx", "detail": {"批次": [1]}}])
        c.execute(m.LoginAttempt.__table__.insert(), [
            {"username": "office", "client": "10.0.0.5", "at": at, "success": False, "reason": "密码错误"}])
    forget_ready()
    upgrade(url)
    auth_file = tmp_path / "old-auth.db"
    assert auth_url(url) == f"sqlite:///{auth_file.as_posix()}" and auth_file.exists()
    with closing(sqlite3.connect(tmp_path / "old.db")) as main:
        assert [main.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("kiosk_token", "audit_log", "login_attempt")] == [0, 0, 0]
    with auth_session(url) as a:
        assert [(t.id, t.label) for t in a.exec(select(m.KioskToken))] == [(7, "一楼大厅")]
        assert [(r.action, r.detail) for r in a.exec(select(m.AuditLog))] == [("导入", {"批次": [1]})]
        assert len(a.exec(select(m.LoginAttempt)).all()) == 1
    with Session(get_engine(url)) as s:  # the services read and write there from now on
        accounts.create_kiosk_token(session=s, viewer=SYSTEM, label="二楼", token="second-token")
        assert list(accounts.kiosk_tokens_frame(session=s, viewer=SYSTEM)["编号"]) == [7, 8]
    assert move_from_main(url) == 0  # again: nothing left to move
    upgrade(url)
    with auth_session(url) as a:
        assert len(a.exec(select(m.AuditLog)).all()) == 2  # the import's and the new token's
