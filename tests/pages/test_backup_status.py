"""系统设置 shows the last backup: a warning with none or one older than 2 days, the facts of a fresh one."""

from __future__ import annotations

import datetime as dt

import pytest

from db.authstore import auth_session
from db.engine import dispose_engines
from db.models import BackupRecord
from services import backups
from services.rules.viewer import Viewer
from tests.pages.conftest import fresh_app

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in test_roles and the services' tests

SETTINGS = "app_pages/settings.py"


def record(url: str, age: dt.timedelta) -> None:
    with auth_session(url) as s:
        s.add(BackupRecord(at=dt.datetime.now(dt.UTC) - age, path="/srv/backups/shian-nightly.db",
                           size_bytes=12_900_000, backend="sqlite", schema_revision="0009", by="命令行"))
        s.commit()
    dispose_engines()


def settings_page(url: str, monkeypatch):
    at = fresh_app(url, monkeypatch, user="admin").run()
    at.switch_page(SETTINGS).run()
    assert not at.exception
    return at


def test_no_backup_is_a_warning(small_url, monkeypatch):
    at = settings_page(small_url, monkeypatch)
    assert [w.value for w in at.warning] == ["尚无备份记录"]
    assert not at.info
    assert any("python -m seed backup" in c.value for c in at.caption)


def test_a_backup_older_than_two_days_is_a_warning(small_url, monkeypatch):
    record(small_url, dt.timedelta(days=2, minutes=5))
    at = settings_page(small_url, monkeypatch)
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("已超过2天没有备份。最近一次备份：") and "12.3 MB" in warning
    assert not at.info


def test_a_fresh_backup_is_information(small_url, monkeypatch):
    record(small_url, dt.timedelta(hours=3))
    at = settings_page(small_url, monkeypatch)
    assert not at.warning
    [info] = [i.value for i in at.info]
    assert info.startswith("最近一次备份：") and "shian-nightly.db`" in info and info.endswith("12.3 MB")
    assert "`python -m seed backup`" in at.caption[0].value  # commands and paths are code, not prose


def test_the_sentence_names_the_day_and_time_in_the_bureaus_zone():
    at = dt.datetime(2026, 12, 1, 19, 0, tzinfo=dt.UTC)  # 2026-12-02 03:00 in Asia/Shanghai
    last = backups.LastBackup(at=at, path="/b/x.db", size_bytes=12_900_000, backend="sqlite", revision="0009",
                              by="命令行")
    assert backups.size_label(12_900_000) == "12.3 MB" and backups.size_label(900) == "1 KB"
    line = f"最近一次备份：2026年12月2日 03:00，文件 {last.path}，12.3 MB"
    assert backups.describe(last) == line
    assert backups.STALE_AFTER == dt.timedelta(days=2)


def test_only_who_may_change_settings_sees_the_status(small_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", small_url)
    with pytest.raises(PermissionError):
        backups.status(dt.datetime.now(dt.UTC), viewer=Viewer(role="监管所", station_id=1, username="ms"))
    assert backups.status(dt.datetime.now(dt.UTC), viewer=Viewer.cli()).message == "尚无备份记录"
