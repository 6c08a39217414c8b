"""Settings, the data version, import history, accounts and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel


class AppSetting(SQLModel, table=True):
    """Key/value settings kept in the database (as-of date of the demo, tolerances…)."""

    __tablename__ = "app_setting"
    key: str = Field(primary_key=True)
    value: str
    help: str | None = None


class DataVersion(SQLModel, table=True):
    """A counter every committed write bumps, so caches in any process see that data changed."""

    __tablename__ = "data_version"
    id: int = Field(default=1, primary_key=True)
    version: int = 0


# --- imports ------------------------------------------------------------------------------


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batch"
    id: int | None = Field(default=None, primary_key=True)
    file_name: str
    sha256: str = Field(index=True)
    kind: str
    sheet: str | None = None
    year: int | None = None
    month: int | None = None
    n_new: int = 0
    n_updated: int = 0
    n_unchanged: int = 0
    n_warnings: int = 0
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    user: str | None = None
    status: str = "已导入"  # 已导入 / 已撤销
    undone_at: dt.datetime | None = None
    group_id: str | None = Field(default=None, index=True)  # files imported in one transaction
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class ImportChange(SQLModel, table=True):
    """One row written by a batch: before and after, so the batch can be undone.

    A run of rows the batch inserted in bulk (Writer.upsert_many) is one record while they stand: row_id …
    row_id_last, before and after None, the values being the rows themselves (db.changelog.logged reads them);
    undo writes each row's values out as one record a row as it deletes them."""

    __tablename__ = "import_change"
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batch.id", index=True)
    table_name: str
    row_id: int
    row_id_last: int | None = None  # a run of inserted rows: row_id … row_id_last
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    __table_args__ = (Index("ix_import_change_row", "table_name", "row_id"),)


# --- accounts and audit -------------------------------------------------------------------



def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AppUser(SQLModel, table=True):
    """A local account: who may log in, with which role (and, for 监管所, which station)."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True)  # stored lower-case and stripped
    display_name: str | None = None
    role: str  # 领导 / 食安办 / 监管所 / 管理员
    station_id: int | None = Field(default=None, foreign_key="station.id", index=True)  # required for 监管所
    password_hash: str  # bcrypt; never the password
    is_active: bool = True
    created_at: dt.datetime = Field(default_factory=_utcnow)
    password_changed_at: dt.datetime = Field(default_factory=_utcnow)  # cookies issued before it are void


class KioskToken(SQLModel, table=True):
    """A 大屏 token: opens the kiosk view and nothing else. Only its sha256 is kept."""

    __tablename__ = "kiosk_token"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True)  # sha256 hex of the token
    label: str
    created_at: dt.datetime = Field(default_factory=_utcnow)
    is_active: bool = True
    last_used_at: dt.datetime | None = None  # the last time a screen opened with it (updated at most once a minute)


class LoginSession(SQLModel, table=True):
    """A login: the browser holds a random token in an HttpOnly cookie, the server keeps only its sha256 here.
    Logout, a password change, disabling the account, a role change and 退出所有登录 set `revoked_at`; a session
    also ends after SESSION_IDLE_MINUTES without activity and SESSION_HOURS after it began."""

    __tablename__ = "login_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str | None = Field(default=None, unique=True)  # set when the browser receives its cookie
    handoff_hash: str | None = Field(default=None, unique=True)  # one-time code that sets the cookie (60 s)
    username: str = Field(index=True)
    role: str
    station_id: int | None = None
    client: str | None = None
    created_at: dt.datetime = Field(default_factory=_utcnow)
    last_seen_at: dt.datetime = Field(default_factory=_utcnow)
    expires_at: dt.datetime  # absolute end (SESSION_HOURS after login)
    revoked_at: dt.datetime | None = None
    revoked_reason: str | None = None  # 退出 / 修改密码 / 停用 / 角色变更 / 退出所有登录 / 恢复备份


class BackupRecord(SQLModel, table=True):
    """A backup taken by python -m seed backup: the 系统设置 page shows the last one and warns when it is old."""

    __tablename__ = "backup_record"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=_utcnow, index=True)
    path: str
    size_bytes: int = 0
    backend: str  # sqlite / postgresql
    schema_revision: str | None = None
    by: str | None = None


class LoginAttempt(SQLModel, table=True):
    """Every login attempt, kept to compute lockouts (per username and client) and the per-client rate limit."""

    __tablename__ = "login_attempt"
    id: int | None = Field(default=None, primary_key=True)
    username: str  # as typed, lower-cased and stripped; the account need not exist
    client: str
    at: dt.datetime = Field(default_factory=_utcnow)
    success: bool = False
    reason: str | None = None  # why it failed: 密码错误 / 用户不存在 / 账号已停用 / 已锁定 / 尝试过频
    __table_args__ = (
        Index("ix_login_attempt_user_client_at", "username", "client", "at"),
        Index("ix_login_attempt_client_at", "client", "at"),
    )


class AccountUnlock(SQLModel, table=True):
    """An administrator lifted a lockout: failures before `at` no longer count ('*' = every client)."""

    __tablename__ = "account_unlock"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True)
    client: str = "*"
    at: dt.datetime = Field(default_factory=_utcnow)
    by: str | None = None


class AuditLog(SQLModel, table=True):
    """Who did what, when, from where: logins (also failed), imports, undos, edits, exports, user management."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=_utcnow, index=True)
    username: str | None = None  # None = anonymous (or the command line)
    role: str | None = None
    client: str | None = None
    action: str = Field(index=True)  # 登录 / 登录失败 / 退出 / 导入 / 撤销 / 编辑 / 导出 / 用户管理 / 解锁 …
    target: str | None = None
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
