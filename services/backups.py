"""Backups: take one (and record it), restore one, and say on 系统设置 when the last was taken.

The storage work is db/backup.py; this records each backup in the auth store's `backup_record` (so the 系统设置 page
can show it, on any replica) and words the status the page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from db import backup as store
from db.authstore import auth_session
from db.models import BackupRecord
from db.settings import get_settings
from services.rules.fmt import md_escape
from services.rules.localtime import as_utc, local_time_label
from services.rules.permissions import ACT, require
from services.rules.viewer import Viewer

SETTINGS_PAGE = "系统设置"  # who may see the backup status: whoever may act on 系统设置
# The nightly timer (deploy/shian-backup.timer) backs up every night; one missed night can be a reboot or a full disk
# caught the next morning, two in a row means backups have stopped: warn from then on.
STALE_AFTER = dt.timedelta(days=2)
CLI_BY = "命令行"
HOW_TO = ("备份方法：在服务器上运行 `python -m seed backup`（默认存到 `BACKUP_DIR` 目录），或安装 `deploy/` 中的每晚定时备份"
          "（`shian-backup.timer`）；恢复：`python -m seed restore 备份文件`（见使用说明“备份与恢复”）。")


@dataclass(frozen=True)
class LastBackup:
    at: dt.datetime  # UTC
    path: str
    size_bytes: int
    backend: str
    revision: str | None
    by: str | None


@dataclass(frozen=True)
class BackupStatus:
    fresh: bool  # a backup within STALE_AFTER
    message: str  # the sentence the 系统设置 page shows
    last: LastBackup | None


def _url(url: str | None) -> str:
    return url or get_settings().database_url


def size_label(n: int) -> str:
    """Bytes as people read a file's size: 12.3 MB, 850 KB."""
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    if n >= 2**20:
        return f"{n / 2**20:.1f} MB"
    return f"{max(1, round(n / 2**10))} KB"


def default_path(url: str | None = None, now: dt.datetime | None = None) -> Path:
    """BACKUP_DIR / shian-YYYYMMDD-HHMMSS.db (or .dump on PostgreSQL)."""
    return Path(get_settings().backup_dir) / store.default_name(_url(url), now)


def take(*, url: str | None = None, out: Path | None = None, by: str = CLI_BY) -> LastBackup:
    """Back up the database (default DATABASE_URL) into `out` (default under BACKUP_DIR) and record it."""
    url = _url(url)
    done = store.backup(url, out or default_path(url))
    record = BackupRecord(path=str(done.path.resolve()), size_bytes=done.size_bytes, backend=done.backend,
                          schema_revision=done.revision, by=by)
    with auth_session(url) as session:
        session.add(record)
        session.commit()
        session.refresh(record)
        return _last(record)


def restore(*, url: str | None = None, file: Path, client: str | None = None) -> store.Restored:
    """Restore `file` over the database (default DATABASE_URL). The records of backups taken so far describe files
    that still exist, so they are carried into the restored database."""
    url, file = _url(url), Path(file)
    records = _records(url)
    restored = store.restore(url, file, client=client if client is not None else Viewer.cli().client)
    with auth_session(url) as session:
        known = {(r.path, as_utc(r.at)) for r in session.exec(select(BackupRecord)).all()}
        for r in records:
            if (r.path, as_utc(r.at)) not in known:
                session.add(BackupRecord(at=r.at, path=r.path, size_bytes=r.size_bytes, backend=r.backend,
                                         schema_revision=r.revision, by=r.by))
        session.commit()
    return restored


def _last(row: BackupRecord) -> LastBackup:
    return LastBackup(at=as_utc(row.at), path=row.path, size_bytes=row.size_bytes, backend=row.backend,
                      revision=row.schema_revision, by=row.by)


def _records(url: str) -> list[LastBackup]:
    with auth_session(url) as session:
        return [_last(r) for r in session.exec(select(BackupRecord)).all()]


def last_backup(*, url: str | None = None) -> LastBackup | None:
    """The newest backup record, or None."""
    with auth_session(_url(url)) as session:
        row = session.exec(select(BackupRecord).order_by(col(BackupRecord.at).desc(), col(BackupRecord.id).desc())
                           .limit(1)).first()
        return _last(row) if row is not None else None


def describe(last: LastBackup) -> str:
    """最近一次备份：2026年12月2日 03:00，文件 /srv/backups/shian-20261202-030000.db，12.3 MB (local time)."""
    return f"最近一次备份：{local_time_label(last.at)}，文件 {last.path}，{size_label(last.size_bytes)}"


def status(now: dt.datetime, *, viewer: Viewer, url: str | None = None) -> BackupStatus:
    """What 系统设置 says about backups at `now`: the last one (when, which file, how big), or that there is none,
    and whether it is older than STALE_AFTER."""
    require(viewer, SETTINGS_PAGE, ACT)
    last = last_backup(url=url)
    if last is None:
        return BackupStatus(False, "尚无备份记录", None)
    line = describe(last)
    if as_utc(now) - last.at > STALE_AFTER:
        return BackupStatus(False, f"已超过{STALE_AFTER.days}天没有备份。{line}", last)
    return BackupStatus(True, line, last)


def status_markdown(state: BackupStatus) -> str:
    """The status as the page shows it: the sentence made inert in Markdown, the file's path in a code span (a
    literal path, set apart from the Chinese around it)."""
    path = state.last.path if state.last is not None else ""
    if not path or path not in state.message:
        return md_escape(state.message)
    head, _, tail = state.message.partition(path)
    return f"{md_escape(head)}`{path.replace('`', chr(39))}`{md_escape(tail)}"
