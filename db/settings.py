"""The one settings object: every knob read from the environment, each with a help string."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, fields

DEFAULT_DATABASE_URL = "sqlite:///data/shian.db"


def _env_date(name: str) -> dt.date | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    return dt.date.fromisoformat(raw)


@dataclass(frozen=True)
class Settings:
    database_url: str = field(
        default=DEFAULT_DATABASE_URL,
        metadata={"env": "DATABASE_URL", "help": "数据库地址，SQLite 或 postgresql+psycopg://…"},
    )
    as_of: dt.date | None = field(
        default=None,
        metadata={
            "env": "AS_OF",
            "help": "“今天”的日期（YYYY-MM-DD）：进度、逾期、季度累计都以它为准；不设则用数据库记录的日期，再不然用当天",
        },
    )
    port: int = field(default=8501, metadata={"env": "PORT", "help": "网页服务端口"})
    max_upload_mb: int = field(
        default=20, metadata={"env": "MAX_UPLOAD_MB", "help": "导入文件大小上限（MB）"}
    )
    max_import_mb: int = field(
        default=200,
        metadata={"env": "MAX_IMPORT_MB",
                  "help": "命令行导入（python -m seed import）的文件大小上限（MB）；网页上传仍以 MAX_UPLOAD_MB 为准"},
    )
    max_rows: int = field(
        default=1_048_576,
        metadata={"env": "MAX_ROWS", "help": "导入时一个工作表（或CSV、网页表格）的行数上限；默认即Excel的最大行数"},
    )
    max_expanded_mb: int = field(
        default=1024,
        metadata={"env": "MAX_EXPANDED_MB",
                  "help": "一个.xlsx解压后的总大小上限（MB），超过即按疑似压缩炸弹拒绝（压缩比检查始终保留）"},
    )
    parse_memory_mb: int = field(
        default=4096,
        metadata={"env": "PARSE_MEMORY_MB", "help": "解析子进程的内存上限（MB）；100万行的督导记录约需2 GB"},
    )
    parse_timeout_s: int = field(
        default=180, metadata={"env": "PARSE_TIMEOUT_S", "help": "解析子进程的时间上限（秒）"}
    )

    lockout_attempts: int = field(
        default=5,
        metadata={"env": "LOCKOUT_ATTEMPTS",
                  "help": "同一账号在同一客户端登录失败多少次后锁定（在 LOCKOUT_MINUTES 分钟之内）"},
    )
    lockout_minutes: int = field(
        default=15,
        metadata={"env": "LOCKOUT_MINUTES", "help": "计算登录失败次数的时间窗，也是锁定的时长（分钟）"},
    )
    client_rate_limit: int = field(
        default=20,
        metadata={"env": "CLIENT_RATE_LIMIT",
                  "help": "同一客户端在 LOCKOUT_MINUTES 分钟内最多登录失败多少次（不分账号），超过即暂停登录"},
    )
    session_hours: float = field(
        default=8,
        metadata={"env": "SESSION_HOURS",
                  "help": "登录最长有效期（小时）：期间刷新页面或打开链接无须再次登录，到期后须重新登录"},
    )
    session_idle_minutes: int = field(
        default=120,
        metadata={"env": "SESSION_IDLE_MINUTES",
                  "help": "登录闲置多久自动失效（分钟）：这段时间内没有任何操作，须重新登录"},
    )
    account_lockout_attempts: int = field(
        default=20,
        metadata={"env": "ACCOUNT_LOCKOUT_ATTEMPTS",
                  "help": "同一账号从所有客户端合计登录失败多少次后暂停该账号登录（在 ACCOUNT_LOCKOUT_MINUTES 分钟之内）"},
    )
    account_lockout_minutes: int = field(
        default=60,
        metadata={"env": "ACCOUNT_LOCKOUT_MINUTES",
                  "help": "按账号合计失败次数的时间窗，也是暂停的时长（分钟）；管理员可在用户管理页解锁"},
    )
    trusted_proxies: str = field(
        default="",
        metadata={
            "env": "TRUSTED_PROXIES",
            "help": "受信任的反向代理地址（逗号分隔，可写网段）：只有来自它们的连接才采信 X-Forwarded-For / X-Real-IP",
        },
    )
    log_dir: str = field(
        default="data/logs",
        metadata={"env": "LOG_DIR", "help": "日志目录：命令行加 --debug 时把错误详情写到这里（相对路径从项目目录算起，不写到当前目录）"},
    )
    backup_dir: str = field(
        default="data/backups",
        metadata={"env": "BACKUP_DIR", "help": "python -m seed backup 不指定 --out 时备份文件存放的目录"},
    )
    db_pool_size: int = field(
        default=10,
        metadata={"env": "DB_POOL_SIZE",
                  "help": "PostgreSQL：每个网页服务进程保持的数据库连接数（每位同时打开页面的查看者占用一个）"},
    )
    db_max_overflow: int = field(
        default=30,
        metadata={"env": "DB_MAX_OVERFLOW",
                  "help": "PostgreSQL：查看者多时在 DB_POOL_SIZE 之外临时增开的连接数（各副本合计不要超过数据库的 max_connections）"},
    )
    rollup_refresh: int = field(
        default=1,
        metadata={"env": "ROLLUP_REFRESH",
                  "help": "1 = 每次导入、填报、撤销或修改设置之后，在后台重新计算有人查看过的包保汇总（截至日），"
                          "下一位查看者不必等待；0 = 不在后台计算，由页面首次打开时计算"},
    )

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            database_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            as_of=_env_date("AS_OF"),
            port=int(os.environ.get("PORT") or 8501),
            max_upload_mb=int(os.environ.get("MAX_UPLOAD_MB") or 20),
            max_import_mb=int(os.environ.get("MAX_IMPORT_MB") or 200),
            max_rows=int(os.environ.get("MAX_ROWS") or 1_048_576),
            max_expanded_mb=int(os.environ.get("MAX_EXPANDED_MB") or 1024),
            parse_memory_mb=int(os.environ.get("PARSE_MEMORY_MB") or 4096),
            parse_timeout_s=int(os.environ.get("PARSE_TIMEOUT_S") or 180),
            lockout_attempts=int(os.environ.get("LOCKOUT_ATTEMPTS") or 5),
            lockout_minutes=int(os.environ.get("LOCKOUT_MINUTES") or 15),
            client_rate_limit=int(os.environ.get("CLIENT_RATE_LIMIT") or 20),
            session_hours=float(os.environ.get("SESSION_HOURS") or 8),
            session_idle_minutes=int(os.environ.get("SESSION_IDLE_MINUTES") or 120),
            account_lockout_attempts=int(os.environ.get("ACCOUNT_LOCKOUT_ATTEMPTS") or 20),
            account_lockout_minutes=int(os.environ.get("ACCOUNT_LOCKOUT_MINUTES") or 60),
            trusted_proxies=os.environ.get("TRUSTED_PROXIES", "").strip(),
            log_dir=os.environ.get("LOG_DIR") or "data/logs",
            backup_dir=os.environ.get("BACKUP_DIR") or "data/backups",
            db_pool_size=int(os.environ.get("DB_POOL_SIZE") or 10),
            db_max_overflow=int(os.environ.get("DB_MAX_OVERFLOW") or 30),
            rollup_refresh=int(os.environ.get("ROLLUP_REFRESH") or 1),
        )

    @classmethod
    def documented(cls) -> list[tuple[str, str, str]]:
        """(environment variable, default, help) for the README table."""
        out = []
        for f in fields(cls):
            default = f.default if f.default is not None else "（不设）"
            out.append((f.metadata["env"], str(default), f.metadata["help"]))
        return out


def get_settings() -> Settings:
    return Settings.from_env()
