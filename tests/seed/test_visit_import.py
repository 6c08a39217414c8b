"""The 督导记录 register, written in bulk (issue 8): lineage, change log, re-import, update and undo as for any kind."""

import csv
import datetime as dt
import io

import pytest
from sqlmodel import Session, select

from db import changelog
from db import models as m
from db.changelog import id_runs
from db.changes import Logged, UndoRefused, logged
from db.engine import data_version, get_engine
from seed.importer import import_files, import_paths, undo_batch
from seed.importer.kinds import KINDS
from tests.seed.fixtures import SEED_DATA, snapshot


def _csv(kind: str, rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([[c.label for c in KINDS[kind].columns], *rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _import(engine, kind: str, rows: list[list[object]], name: str | None = None):
    return import_files([(name or f"{kind}.csv", _csv(kind, rows))], engine=engine, year=2022)


VISITS = [["DD2022000001", "2022-03-15", "GB0001", "", "", "91370181MA3C000001", "", "", "现场", 1, ""],
          ["", "2022-04-02", "", "李某", "某某村委会", "", "张记小吃", "刁镇所", "电话", "", "电话询问经营情况"],
          ["DD2022000003", "2022年5月6日", "GB0001", "", "", "", "张记小吃", "", "现场", 0, ""]]


def _visits(engine) -> dict[str, dict]:
    with Session(engine) as s:
        return {v.key: v.model_dump() for v in s.exec(select(m.Visit)).all()}


def _records(engine, batch_id: int) -> list[m.ImportChange]:
    with Session(engine) as s:
        return s.exec(select(m.ImportChange).where(m.ImportChange.batch_id == batch_id)
                      .order_by(m.ImportChange.id)).all()


def _changes(engine, batch_id: int) -> list[Logged]:
    """The batch's changes as the log tells them, row by row."""
    with Session(engine) as s:
        return list(logged(s, [batch_id]))


def _as_logged(row: dict) -> dict:
    return {k: (v.isoformat() if k == "visit_date" else v) for k, v in row.items()}


def _register(engine) -> None:
    assert import_paths([SEED_DATA / "监管所.xlsx"], engine=engine).exit_code == 0
    for kind, rows in (
        ("包保主体", [["91370181MA3C000001", "", "某某食品有限公司", "生产", "", "B", "C", "明水所", "明水街道",
                       "明水街道某路1号", 36.71, 117.53, "在营"],
                      ["", "", "张记小吃", "小餐饮", "", "D", "A", "刁镇", "", "刁镇某街3号", "", "", "在营"]]),
        ("包保干部", [["GB0001", "张某", "乡", "明水街道办事处", "副主任", "明水所"], ["", "李某", "村", "某某村委会", "", ""]]),
    ):
        report = _import(engine, kind, rows)
        assert report.exit_code == 0, [f.line() for f in report.errors]


@pytest.fixture(params=["usual", "large"])
def insert_path(request, monkeypatch) -> str:
    """The way a register as large as its table is written, on a few rows: the table's keys read in one scan
    (changelog.SCAN_KEYS) and, on SQLite, its indexes made again after the insert (REBUILD_MIN_ROWS)."""
    if request.param == "large":
        monkeypatch.setattr(changelog, "SCAN_KEYS", 1)
        monkeypatch.setattr(changelog, "REBUILD_MIN_ROWS", 1)
    return request.param


def test_visits_carry_lineage_and_a_change_log_and_undo_goes_back_step_by_step(db_url, insert_path):
    engine = get_engine(db_url)
    _register(engine)
    version = data_version(engine)

    first = _import(engine, "督导记录", VISITS)
    assert first.exit_code == 0 and first.committed, [f.line() for f in first.errors]
    assert (first.files[0].counts.new, first.files[0].counts.updated) == (3, 0)
    assert data_version(engine) == version + 1
    visits = _visits(engine)
    batch = first.files[0].batch_id
    assert sorted((v["src_sheet"], v["src_row"], v["batch_id"]) for v in visits.values()) == [
        ("CSV", 2, batch), ("CSV", 3, batch), ("CSV", 4, batch)]
    keyless = next(v for v in visits.values() if v["record_no"] is None)
    assert keyless["method"] == "电话询问" and keyless["problems_found"] == 0 and keyless["is_demo"] is False
    assert visits["DD2022000003"]["visit_date"].isoformat() == "2022-05-06"
    # one record for the run of ids the bulk insert took, the rows themselves holding the values
    ids = sorted(v["id"] for v in visits.values())
    assert [(r.table_name, r.row_id, r.row_id_last, r.before, r.after) for r in _records(engine, batch)] == [
        ("visit", ids[0], ids[-1], None, None)]
    changes = _changes(engine, batch)
    assert [(c.table_name, c.row_id) for c in changes] == [("visit", i) for i in ids]
    by_id = {v["id"]: v for v in visits.values()}
    for change in changes:  # read back row by row: the after image is the row as written, as the ORM path logs it
        assert change.before is None
        assert change.after == _as_logged(by_id[change.row_id])
    after_first = snapshot(engine)

    again = _import(engine, "督导记录", VISITS)
    assert again.exit_code == 0 and not again.committed and again.files[0].counts.unchanged == 3
    assert snapshot(engine) == after_first

    edited = [list(r) for r in VISITS]
    edited[0][8], edited[0][9] = "集中督导", 2
    edited.append(["DD2022000004", "2022-06-01", "GB0001", "", "", "91370181MA3C000001", "", "", "线上", "", ""])
    second = _import(engine, "督导记录", edited, name="督导记录（改）.csv")
    counts = second.files[0].counts
    assert second.committed and (counts.new, counts.updated, counts.unchanged) == (1, 1, 2)
    visits2 = _visits(engine)
    assert visits2["DD2022000001"]["method"] == "集中督导" and visits2["DD2022000001"]["problems_found"] == 2
    assert visits2["DD2022000001"]["batch_id"] == second.files[0].batch_id
    assert visits2["DD2022000003"]["batch_id"] == batch  # unchanged rows keep their batch
    log = {c.row_id: c for c in _changes(engine, second.files[0].batch_id)}
    updated = log[visits["DD2022000001"]["id"]]
    assert updated.before["method"] == "现场" and updated.before["batch_id"] == batch
    assert updated.after["method"] == "集中督导" and updated.after["src_sheet"] == "CSV"
    assert log[visits2["DD2022000004"]["id"]].before is None
    assert log[visits2["DD2022000004"]["id"]].after == _as_logged(visits2["DD2022000004"])
    # the first batch's log still tells the row as it wrote it, not as the second batch left it
    assert [c.after for c in _changes(engine, batch)] == [_as_logged(by_id[i]) for i in ids]

    with Session(engine) as s, pytest.raises(UndoRefused, match=f"已被之后的批次 #{second.files[0].batch_id} 修改"):
        undo_batch(s, batch)  # the second batch changed a row of the first one's run
    with Session(engine) as s:
        undo_batch(s, second.files[0].batch_id)
        s.commit()
    assert _visits(engine) == visits
    with Session(engine) as s:
        undo_batch(s, batch)
        s.commit()
    assert _visits(engine) == {}
    # undo wrote the deleted rows out, one record a row: the undone batch still tells what it had inserted
    assert [(r.row_id, r.row_id_last, r.before is None) for r in _records(engine, batch)] == [
        (i, None, True) for i in ids]
    assert [(c.row_id, c.after) for c in _changes(engine, batch)] == [(i, _as_logged(by_id[i])) for i in ids]


def test_a_visit_naming_an_unknown_cadre_writes_nothing_and_names_the_cell(db_url):
    engine = get_engine(db_url)
    _register(engine)
    before = snapshot(engine)
    report = _import(engine, "督导记录", [*VISITS, ["DD2022000009", "2022-07-01", "GB9999", "", "", "91370181MA3C000001",
                                                  "", "", "现场", "", ""]])
    assert report.exit_code == 1 and not report.committed
    assert [f.line() for f in report.errors] == [
        "督导记录.csv › CSV!C5（干部编号）：未找到该包保干部，请先导入包保干部表（原值：GB9999）"]
    assert snapshot(engine) == before


def _stored(path, table: str, skip: tuple[str, ...] = ()) -> list[tuple]:
    """A table's rows as SQLite holds them: each value with its storage class (text, integer, real, null)."""
    import sqlite3

    with sqlite3.connect(path) as c:
        names = [r[1] for r in c.execute(f"PRAGMA table_info({table})") if r[1] not in skip]
        cols = ", ".join(f"{n}, typeof({n})" for n in names)
        return c.execute(f"SELECT {cols} FROM {table} ORDER BY id").fetchall()


def test_the_sqlite_bulk_insert_stores_exactly_what_sqlalchemys_insert_stores(tmp_path, monkeypatch):
    """writer.insert_many hands SQLite its rows through each column type's bind processor: the same text, numbers,
    NULLs and JSON (a new row's "before" is the JSON text null) as SQLAlchemy's own executemany writes."""
    from db import changelog as writer
    from db.migrate import upgrade

    stored = {}
    for way in ("driver", "sqlalchemy"):
        path = tmp_path / f"{way}.db"
        upgrade(f"sqlite:///{path}")
        engine = get_engine(f"sqlite:///{path}")
        if way == "sqlalchemy":
            monkeypatch.setattr(writer, "insert_many", lambda session, table, rows: session.execute(
                writer.insert(table), rows) if rows else None)
        _register(engine)
        assert _import(engine, "督导记录", VISITS).exit_code == 0
        engine.dispose()
        stored[way] = {t: _stored(path, t) for t in ("visit", "business", "cadre", "import_change")}
    assert stored["driver"]["visit"] and stored["driver"]["import_change"]
    assert {v for row in stored["driver"]["import_change"] for v in row[1::2]} >= {"text", "integer"}
    assert stored["driver"] == stored["sqlalchemy"]


def test_a_run_whose_visits_a_problem_refers_to_is_not_undone(db_url):
    """Undo deletes a run's rows with one statement: a row another table refers to refuses it, nothing changed."""
    engine = get_engine(db_url)
    _register(engine)
    report = _import(engine, "督导记录", VISITS)
    batch = report.files[0].batch_id
    visits = _visits(engine)
    with Session(engine) as s:
        business = s.exec(select(m.Business)).first()
        s.add(m.Problem(business_id=business.id, visit_id=visits["DD2022000003"]["id"], found_date=dt.date(2022, 5, 6),
                        description="示例问题"))
        s.commit()
    before = snapshot(engine)
    with Session(engine) as s, pytest.raises(UndoRefused, match=f"批次 #{batch} 新增的记录已被其他数据引用（visit）"):
        undo_batch(s, batch)
    assert snapshot(engine) == before


def test_id_runs():
    assert id_runs([9, 3, 5, 4, 11, 10]) == [(3, 5), (9, 11)]
    assert id_runs([]) == []
