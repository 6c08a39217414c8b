"""python -m seed backup / restore: Chinese messages, exit 2 on refusal, the backup recorded, the old copy named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from cli.seed import main
from db.authstore import auth_session
from db.backup import head_revision
from db.engine import dispose_engines, get_engine
from db.models import AuditLog, BackupRecord
from tests.db.test_backup import url  # noqa: F401  (the fixture: db_url, with what a restore leaves dropped)


def setting(db: str) -> str | None:
    with get_engine(db).connect() as c:
        return c.execute(text("SELECT value FROM app_setting WHERE key = 'database_kind'")).scalar()


def test_backup_then_restore_from_the_command_line(url, tmp_path, monkeypatch, capsys):  # noqa: F811
    assert main(["init", "--db", url]) == 0
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "backups"))
    capsys.readouterr()
    assert main(["backup", "--db", url]) == 0
    out = capsys.readouterr().out
    [file] = list((tmp_path / "backups").iterdir())
    assert out.startswith(f"已备份到 {file}（") and f"结构版本 {head_revision()}" in out
    assert file.suffix == (".db" if url.startswith("sqlite") else ".dump")
    with auth_session(url) as s:
        [rec] = s.exec(select(BackupRecord)).all()
        assert (rec.path, rec.by, rec.size_bytes) == (str(file), "命令行", file.stat().st_size)

    with get_engine(url).begin() as c:
        c.execute(text("UPDATE app_setting SET value = 'changed' WHERE key = 'database_kind'"))
    dispose_engines()
    assert main(["restore", str(file), "--db", url]) == 0
    out = capsys.readouterr().out
    assert f"已从 {file.name} 恢复数据库" in out and "所有登录已失效" in out
    assert ".before-restore-" in out if url.startswith("sqlite") else "_before_restore_" in out
    assert setting(url) == "real"
    with auth_session(url) as s:
        assert s.exec(select(AuditLog.target).where(AuditLog.action == "恢复备份")).all() == [file.name]
    dispose_engines()


@pytest.mark.parametrize("which", ["corrupt", "missing", "newer"])
def test_a_refused_restore_exits_2_naming_the_file_and_changes_nothing(url, tmp_path, capsys, which):  # noqa: F811
    assert main(["init", "--db", url]) == 0
    file = tmp_path / "备份.db"
    if which == "corrupt":
        file.write_bytes(b"SQLite format 3\x00" + b"\x07" * 5000)
    elif which == "newer":
        with sqlite3.connect(file) as con:
            con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            con.execute("INSERT INTO alembic_version VALUES ('0999')")
    capsys.readouterr()
    code = main(["restore", str(file), "--db", url])
    err = capsys.readouterr().err
    assert code == 2
    if url.startswith("postgresql") and which != "missing":
        assert err == f"{file.name} 是SQLite 数据库文件，不能恢复到PostgreSQL数据库。未做任何更改\n"
    elif which == "corrupt":
        assert err.startswith("不是有效的备份文件：备份.db（") and err.endswith("。未做任何更改\n")
    elif which == "missing":
        assert err == f"备份文件不存在：{file}。未做任何更改\n"
    else:
        assert err == "备份.db：备份的数据库结构比本程序新（版本 0999），请先升级程序。未做任何更改\n"
    assert setting(url) == "real"
    assert not [p for p in Path(tmp_path).rglob("*") if "restore" in p.name]
    dispose_engines()


def test_the_nightly_units_verify_and_run_the_backup_with_the_replicas_environment(tmp_path):
    """deploy/shian-backup.{service,timer}: systemd accepts them; the service runs `python -m seed backup` as shian
    with the replicas' environment file, the timer fires nightly and catches up after a shutdown."""
    import shutil
    import subprocess
    import sys

    deploy = Path(__file__).resolve().parents[2] / "deploy"
    service = (deploy / "shian-backup.service").read_text(encoding="utf-8")
    timer = (deploy / "shian-backup.timer").read_text(encoding="utf-8")
    replica = (deploy / "shian@.service").read_text(encoding="utf-8")
    env_file = next(line for line in replica.splitlines() if line.startswith("EnvironmentFile="))
    assert env_file in service.splitlines() and "User=shian" in service
    assert "ExecStart=/opt/shian/.venv/bin/python -m seed backup" in service
    assert "OnCalendar=*-*-* 02:30:00" in timer and "Persistent=true" in timer
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed (it comes with systemd)")
    root = str(deploy.parent)
    (tmp_path / "shian-backup.service").write_text(
        service.replace("/opt/shian/.venv/bin/python", sys.executable).replace("/opt/shian", root), encoding="utf-8")
    (tmp_path / "shian-backup.timer").write_text(timer, encoding="utf-8")
    done = subprocess.run([analyze, "verify", "--man=no", str(tmp_path / "shian-backup.service"),
                           str(tmp_path / "shian-backup.timer")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done.stdout + done.stderr
