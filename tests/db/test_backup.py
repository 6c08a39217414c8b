"""Backups that restore (issue 17): a round trip on SQLite and PostgreSQL, refusals that change nothing, and a backup
taken while an import writes restores to a consistent database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from db import backup as store
from db import models as m
from db.authstore import auth_session, auth_url
from db.engine import dispose_engines, get_engine
from seed.importer import import_files, import_paths
from seed.importer.kinds import KINDS
from services import backups
from tests import dbs
from tests.conftest import IN_CI
from tests.seed.fixtures import SEED_DATA

ROOT = Path(__file__).resolve().parents[2]
BUSINESSES = [[f"91370181MA3C{i:06d}", "", f"测试食品店{i}", "小餐饮", "", "B", "C", "明水所", "明水街道",
               f"明水街道某路{i}号", "", "", "在营"] for i in range(1, 6)]
CADRES = [[f"GB{i:04d}", f"干部{i}", "乡", "明水街道办事处", "副主任", "明水所"] for i in range(1, 4)]
METHODS = ("现场", "电话询问", "集中督导", "线上", "视频会议")


def register_csv(kind: str, rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([[c.label for c in KINDS[kind].columns], *rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def visits(n: int, prefix: str, seed: int = 17) -> list[list[object]]:
    rng = random.Random(seed)
    start = dt.date(2022, 1, 4)
    return [[f"{prefix}{i:06d}", (start + dt.timedelta(rng.randrange(290))).isoformat(), rng.choice(CADRES)[0], "",
             "", rng.choice(BUSINESSES)[0], "", "", rng.choice(METHODS), rng.randrange(3), ""] for i in range(n)]


def build(url: str) -> None:
    """Stations, five businesses, three cadres and three visits; an open login session and an audit row in the
    auth store (a file of its own on SQLite)."""
    engine = get_engine(url)
    assert import_paths([SEED_DATA / "监管所.xlsx"], engine=engine).exit_code == 0
    for kind, rows in (("包保主体", BUSINESSES), ("包保干部", CADRES), ("督导记录", visits(3, "DD"))):
        report = import_files([(f"{kind}.csv", register_csv(kind, rows))], engine=engine, year=2022)
        assert report.exit_code == 0, [f.line() for f in report.errors]
    now = dt.datetime.now(dt.UTC)
    with auth_session(url) as s:
        s.add(m.LoginSession(token_hash="t-before", username="zhang", role="管理员",
                             expires_at=now + dt.timedelta(hours=8)))
        s.add(m.AuditLog(action="登录", username="zhang", target="zhang"))
        s.commit()


def visit_keys(url: str) -> set[str]:
    with Session(get_engine(url)) as s:
        return set(s.exec(select(m.Visit.key)).all())


def pg_tools(url: str) -> None:
    """pg_dump and pg_restore are needed on PostgreSQL: missing, the test skips, or fails under CI=true."""
    if url.startswith("sqlite") or (shutil.which("pg_dump") and shutil.which("pg_restore")):
        return
    if IN_CI:
        pytest.fail("CI=true requires pg_dump and pg_restore (apt-get install postgresql-client)")
    pytest.skip("pg_dump / pg_restore are not installed")


@pytest.fixture
def url(db_url):
    """db_url; on PostgreSQL the databases a restore leaves beside it (kept aside, or a failed restore's) are
    dropped afterwards."""
    pg_tools(db_url)
    yield db_url
    if db_url.startswith("postgresql"):
        dispose_engines()
        name = db_url.rsplit("/", 1)[1]
        admin = create_engine(dbs.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            for (other,) in c.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                      {"p": name + "\\_%"}).all():
                c.execute(text(f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)'))
        admin.dispose()


def content(url: str) -> str:
    """Everything the database holds (pg_dump's per-run \\restrict key left out)."""
    return "\n".join(line for line in dbs.dump_text(url).splitlines() if not line.startswith(("\\restrict",
                                                                                               "\\unrestrict")))


def leftovers(url: str, folder: Path) -> list[str]:
    """What a restore left beside the database: kept-aside files or databases, temporary copies."""
    if url.startswith("sqlite"):
        return sorted(p.name for p in folder.iterdir() if ".before-restore-" in p.name or ".restore-" in p.name)
    name = url.rsplit("/", 1)[1]
    with create_engine(dbs.PG_ADMIN_URL).connect() as c:
        return sorted(r[0] for r in c.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                              {"p": name + "\\_%"}))


def test_a_backup_restores_the_data_keeps_the_old_copy_aside_and_ends_every_session(url, tmp_path):
    build(url)
    before = visit_keys(url)
    taken = backups.take(url=url, out=tmp_path / "bk" / "nightly.bak")
    assert taken.size_bytes > 0 and taken.revision == store.head_revision()
    assert (Path(taken.path).stat().st_mode & 0o777) == 0o600  # password hashes: the owner's alone
    assert backups.last_backup(url=url).path == str((tmp_path / "bk" / "nightly.bak").resolve())
    # After the backup: a visit deleted by hand, a new session opened.
    with get_engine(url).begin() as c:
        c.execute(text("DELETE FROM visit WHERE record_no = 'DD000001'"))
    with auth_session(url) as s:
        s.add(m.LoginSession(token_hash="t-after", username="li", role="领导",
                             expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)))
        s.commit()
    assert visit_keys(url) == before - {"DD000001"}

    restored = backups.restore(url=url, file=taken.path, client="命令行:test")
    dispose_engines()

    assert visit_keys(url) == before
    with auth_session(url) as s:
        sessions = s.exec(select(m.LoginSession)).all()
        assert {x.token_hash for x in sessions} == {"t-before"}  # the restored data's, not the replaced database's
        assert all(x.revoked_at is not None and x.revoked_reason == "恢复备份" for x in sessions)
        audit = s.exec(select(m.AuditLog).where(m.AuditLog.action == "恢复备份")).one()
        assert (audit.target, audit.client) == ("nightly.bak", "命令行:test")
        assert [r.path for r in s.exec(select(m.BackupRecord)).all()] == [taken.path]  # carried over
    # The replaced database is kept aside, holding what it held.
    assert len(restored.kept) == (2 if url.startswith("sqlite") else 1)
    aside_url = (f"sqlite:///{restored.kept[0]}" if url.startswith("sqlite")
                 else url.rsplit("/", 1)[0] + "/" + restored.kept[0])
    assert visit_keys(aside_url) == before - {"DD000001"}
    if url.startswith("sqlite"):  # one file holds everything; after the restore the auth rows live in their file again
        with sqlite3.connect(taken.path) as con:
            assert con.execute("SELECT token_hash FROM login_session").fetchall() == [("t-before",)]
        with get_engine(url).connect() as c:
            assert c.execute(text("SELECT COUNT(*) FROM login_session")).scalar_one() == 0
        assert Path(auth_url(url).removeprefix("sqlite:///")).is_file()
    dispose_engines()


def test_two_restores_within_one_second_keep_both_replaced_copies(url, tmp_path):
    build(url)
    taken = backups.take(url=url, out=tmp_path / "bk" / "twice.bak")
    moment = dt.datetime(2026, 12, 3, 2, 30)  # the same timestamp for both
    first = store.restore(url, Path(taken.path), client="命令行:test", now=moment)
    dispose_engines()
    second = store.restore(url, Path(taken.path), client="命令行:test", now=moment)
    dispose_engines()
    assert set(first.kept).isdisjoint(second.kept), (first.kept, second.kept)
    for kept in first.kept + second.kept:
        assert Path(kept).exists() if url.startswith("sqlite") else kept in leftovers(url, tmp_path), kept
    assert visit_keys(url)  # the data are there


def newer_backup(url: str, tmp_path: Path) -> Path:
    """A backup of this database whose schema revision our migrations do not know."""
    if url.startswith("sqlite"):
        out = store.backup(url, tmp_path / "newer.db").path
        with sqlite3.connect(out) as con:
            con.execute("UPDATE alembic_version SET version_num = '9999_future'")
        return out
    copy = dbs.copy_url(url, tmp_path, "unused")
    with get_engine(copy).begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    out = store.backup(copy, tmp_path / "newer.dump").path
    dispose_engines()
    return out


def test_a_backup_of_a_newer_schema_is_refused_and_nothing_changes(url, tmp_path):
    build(url)
    file = newer_backup(url, tmp_path)
    was = content(url)
    with pytest.raises(store.BackupRefused) as refused:
        backups.restore(url=url, file=file)
    assert str(refused.value) == f"{file.name}：备份的数据库结构比本程序新（版本 9999_future），请先升级程序"
    assert content(url) == was
    assert leftovers(url, tmp_path) == []


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_file_is_refused_naming_it(url, tmp_path, damage):
    build(url)
    good = store.backup(url, tmp_path / "good.bak").path
    bad = tmp_path / "坏的备份.bak"
    if damage == "garbage":
        bad.write_bytes(b"PK\x03\x04 not a database at all" * 100)
    else:
        whole = good.read_bytes()
        bad.write_bytes(whole[: len(whole) // 2])
    was = content(url)
    with pytest.raises(store.BackupRefused) as refused:
        backups.restore(url=url, file=bad)
    assert str(refused.value).startswith("不是有效的备份文件：坏的备份.bak（"), str(refused.value)
    assert content(url) == was
    assert leftovers(url, tmp_path) == []


def test_a_backup_of_the_other_backend_is_refused(url, tmp_path):
    other = tmp_path / ("x.dump" if url.startswith("sqlite") else "x.db")
    if url.startswith("sqlite"):
        other.write_bytes(b"PGDMP" + b"\0" * 100)
    else:
        with sqlite3.connect(other) as con:
            con.execute("CREATE TABLE t (x)")
    with pytest.raises(store.BackupRefused, match=f"^{other.name} 是"):
        backups.restore(url=url, file=other)


# --- during an import -----------------------------------------------------------------------------------------


def batch_state(url: str, file_name: str) -> tuple[int, int]:
    """(visits the import's batch says it wrote, visits of that batch present); (0, 0) when the batch is absent."""
    with Session(get_engine(url)) as s:
        batch = s.exec(select(m.ImportBatch).where(m.ImportBatch.file_name == file_name)).first()
        present = s.exec(select(m.Visit.id).where(m.Visit.key.startswith("BK"))).all()
        return (batch.n_new if batch else 0), len(present)


def test_a_backup_taken_during_an_import_restores_to_a_consistent_database(url, tmp_path):
    build(url)
    n = 60_000  # its write must outlast a backup or two (writes got faster with issue 21)
    register = tmp_path / "督导记录-大批.csv"
    register.write_bytes(register_csv("督导记录", visits(n, "BK")))
    dispose_engines()
    proc = subprocess.Popen([sys.executable, "-m", "seed", "import", str(register), "--db", url, "--year", "2022"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    during: list[Path] = []
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if dbs.import_writing(url, wal_growth=0):
                out = tmp_path / f"during-{len(during)}.bak"
                store.backup(url, out)
                if dbs.import_writing(url, wal_growth=0) and proc.poll() is None:  # the import was writing before and after the snapshot
                    during.append(out)
                    if len(during) >= 2:
                        break
            time.sleep(0.05)
    finally:
        out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, out + err
    assert during, "no backup was taken while the import was writing: make the register larger"
    after = store.backup(url, tmp_path / "after.bak").path
    assert batch_state(url, register.name) == (n, n)
    if url.startswith("sqlite"):
        for file in during:
            with sqlite3.connect(file) as con:
                assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    backups.restore(url=url, file=during[0])
    dispose_engines()
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert batch_state(url, register.name) == (0, 0)  # the import had not committed: none of its rows
    assert len(visit_keys(url)) == 3

    backups.restore(url=url, file=after)
    dispose_engines()
    assert batch_state(url, register.name) == (n, n)  # committed: all of them


# --- PostgreSQL tools ------------------------------------------------------------------------------------------


def test_the_password_goes_in_the_environment_never_on_the_command_line():
    args, env = store._pg_args("postgresql://shian:s3cret@db.example:5433/shian")
    assert args == ["--host", "db.example", "--port", "5433", "--username", "shian"]
    assert "s3cret" not in " ".join(args) and env["PGPASSWORD"] == "s3cret"


def test_an_older_pg_dump_than_the_server_is_refused_in_chinese(pg_url, monkeypatch, tmp_path):
    pg_tools(pg_url)
    from db.migrate import upgrade

    upgrade(pg_url)
    monkeypatch.setattr(store, "_major", lambda binary: 9)
    with pytest.raises(store.BackupError, match=r"^pg_dump 的版本（9）低于数据库服务器（\d+）"):
        store.backup(pg_url, tmp_path / "x.dump")
    assert not (tmp_path / "x.dump").exists()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(store.BackupError, match="^找不到 pg_dump"):
        store.backup(pg_url, tmp_path / "x.dump")
