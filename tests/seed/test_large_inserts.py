"""A register as large as its table (issue 21, 1M rows into 600k visits): the table's keys read in one scan, and on
SQLite its indexes dropped before the insert and made again after it, in the import's own transaction."""

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import JSON, Date, DateTime
from sqlalchemy.dialects import sqlite

from db import changelog
from db import models as m
from db.engine import get_engine
from db.migrate import upgrade
from seed.importer import import_files
from tests.seed.test_visit_import import VISITS, _csv, _import, _register, _visits


def _indexes(path) -> dict[str, str]:
    with sqlite3.connect(path) as c:
        return dict(c.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))


def test_a_large_insert_makes_the_indexes_again_and_a_failed_import_keeps_them(tmp_path, monkeypatch):
    path = tmp_path / "large.db"
    upgrade(f"sqlite:///{path}")
    schema = _indexes(path)
    assert {"ix_visit_business_date", "ix_visit_cadre_id", "ix_visit_visit_date"} <= set(schema)
    engine = get_engine(f"sqlite:///{path}")
    _register(engine)
    monkeypatch.setattr(changelog, "REBUILD_MIN_ROWS", 1)
    dropped = []
    drop = changelog._drop_indexes
    monkeypatch.setattr(changelog, "_drop_indexes", lambda *a: dropped.append(drop(*a)) or dropped[-1])

    def fail(session, report):
        raise RuntimeError("after the insert")

    with pytest.raises(RuntimeError):
        _import_failing(engine, fail)
    visit_indexes = set(dropped[0])
    assert visit_indexes and visit_indexes <= set(schema.values())  # dropped, written, then rolled back
    assert _indexes(path) == schema and _visits(engine) == {}

    report = _import(engine, "督导记录", VISITS)
    assert report.committed and len(_visits(engine)) == 3
    assert _indexes(path) == schema  # the same indexes, made again from the rows
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        plan = c.execute("EXPLAIN QUERY PLAN SELECT id FROM visit WHERE business_id = 1 AND visit_date > '2022-01-01'"
                         ).fetchall()
    assert "ix_visit_business_date" in str(plan)


def _import_failing(engine, before_commit):
    return import_files([("督导记录.csv", _csv("督导记录", VISITS))], engine=engine, year=2022,
                        before_commit=before_commit)


def test_a_smaller_insert_keeps_the_indexes_in_place(tmp_path, monkeypatch):
    """Fewer rows than the table holds: the indexes are updated as the rows go in (cheaper there), none dropped."""
    path = tmp_path / "small.db"
    upgrade(f"sqlite:///{path}")
    engine = get_engine(f"sqlite:///{path}")
    _register(engine)
    assert _import(engine, "督导记录", VISITS).committed
    monkeypatch.setattr(changelog, "REBUILD_MIN_ROWS", 1)
    dropped = []
    drop = changelog._drop_indexes
    monkeypatch.setattr(changelog, "_drop_indexes", lambda *a: dropped.append(drop(*a)) or dropped[-1])
    more = [["DD2022000009", "2022-06-01", "GB0001", "", "", "91370181MA3C000001", "", "", "线上", "", ""]]
    assert _import(engine, "督导记录", more).committed
    assert dropped and all(d == [] for d in dropped)  # one row into three: asked, and kept


def test_bound_values_are_what_the_processor_makes():
    dialect = sqlite.dialect()
    proc = Date()._cached_bind_processor(dialect)
    days = [dt.date(2022, 1, 1) + dt.timedelta(days=i % 7) for i in range(100)] + [None]
    assert changelog.bound(days, proc) == [proc(d) for d in days]
    distinct = [dt.date(2022, 1, 1) + dt.timedelta(days=i) for i in range(10)]
    assert changelog.bound(distinct, proc) == [proc(d) for d in distinct]
    json_proc = JSON()._cached_bind_processor(dialect)
    docs = [{"a": 1}, {"a": 1}, None]
    assert changelog.bound(docs, json_proc) == [json_proc(d) for d in docs]
    mixed = [1, True, 1.0, 1, True, 1.0, None, None]  # equal as keys, not as JSON
    assert changelog.bound(mixed, json_proc) == ["1", "true", "1.0", "1", "true", "1.0", json_proc(None), json_proc(None)]
    utc, east = dt.UTC, dt.timezone(dt.timedelta(hours=8))
    times = [dt.datetime(2022, 1, 1, 0, tzinfo=utc), dt.datetime(2022, 1, 1, 8, tzinfo=east)] * 3  # equal instants
    time_proc = DateTime()._cached_bind_processor(dialect)
    assert changelog.bound(times, time_proc) == [time_proc(t) for t in times]


def test_the_index_rebuild_is_said_in_the_progress_lines(tmp_path, monkeypatch):
    path = tmp_path / "progress.db"
    upgrade(f"sqlite:///{path}")
    engine = get_engine(f"sqlite:///{path}")
    _register(engine)
    monkeypatch.setattr(changelog, "REBUILD_MIN_ROWS", 1)
    heard = []
    report = import_files([("督导记录.csv", _csv("督导记录", VISITS))], engine=engine, year=2022,
                          progress=lambda fraction, line: heard.append((fraction, line)))
    assert report.committed
    assert (0.75, "写入中：50%（重建索引）…") in heard  # the visits' share of the writing ends at half
    assert [f for f, _ in heard] == sorted(f for f, _ in heard)


def test_an_insert_that_fails_makes_the_indexes_again_before_the_error(tmp_path, monkeypatch):
    """The caller rolls back, which brings them back anyway; a caller that went on would still have them."""
    from sqlmodel import Session

    path = tmp_path / "failing.db"
    upgrade(f"sqlite:///{path}")
    schema = _indexes(path)
    engine = get_engine(f"sqlite:///{path}")
    _register(engine)
    monkeypatch.setattr(changelog, "REBUILD_MIN_ROWS", 1)

    def broken(session, table, rows):
        raise RuntimeError("mid-insert")

    monkeypatch.setattr(changelog, "insert_many", broken)
    with Session(engine) as s:
        s.connection().exec_driver_sql("UPDATE cadre SET name = name")  # a write: the transaction is open
        with pytest.raises(RuntimeError, match="mid-insert"):
            changelog.insert_in_steps(s, m.Visit.__table__, [{}], None, 0.0, 0.5)
        held = dict(s.connection().exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all())
        assert held == schema
        s.rollback()


def test_unique_indexes_stay_and_nothing_is_dropped_outside_a_transaction_or_under_an_open_read(tmp_path, monkeypatch):
    from sqlalchemy import Column, Integer, MetaData, String, Table
    from sqlmodel import Session

    path = tmp_path / "t.db"
    engine = get_engine(f"sqlite:///{path}")
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("a", String), Column("b", String))
    with engine.begin() as c:
        table.create(c)
        c.exec_driver_sql("CREATE UNIQUE INDEX ux_t_a ON t (a)")
        c.exec_driver_sql('CREATE INDEX "ix t b" ON t (b) WHERE b IS NOT NULL')
    schema = _indexes(path)
    monkeypatch.setattr(changelog, "REBUILD_MIN_ROWS", 1)
    with Session(engine) as s:
        assert changelog._drop_indexes(s, table, 10) == []  # no transaction open yet: DDL would commit at once
        s.connection().exec_driver_sql("INSERT INTO t (a, b) VALUES ('x', 'y'), ('z', 'w')")
        reading = s.connection().exec_driver_sql("SELECT * FROM t")  # a query still being read
        reading.fetchone()
        assert changelog._drop_indexes(s, table, 10) == []
        reading.close()
        assert changelog._drop_indexes(s, table, 10) == [schema["ix t b"]]  # the unique one kept
        changelog._make_indexes(s, [schema["ix t b"]])
        changelog.insert_in_steps(s, table, [{"a": f"k{i}", "b": str(i)} for i in range(5)], None, 0.0, 0.5)
        s.commit()
    assert _indexes(path) == schema
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT count(*) FROM t").fetchone() == (7,)
