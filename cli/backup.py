"""python -m seed backup [--out FILE] and python -m seed restore FILE: the commands (registered in cli/seed.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from db.settings import get_settings

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_backup(args) -> int:
    # Imported here, not at the top: services.backups brings pandas, 0.5 s at every `python -m seed` start.
    from db.backup import BackupError
    from services import backups

    url = args.db or get_settings().database_url
    try:
        done = backups.take(url=url, out=Path(args.out) if args.out else None)
    except BackupError as exc:
        _err(f"备份失败：{exc}")
        return EXIT_UNUSABLE
    print(f"已备份到 {done.path}（{backups.size_label(done.size_bytes)}，结构版本 {done.revision or '未知'}）")
    return EXIT_OK


def cmd_restore(args) -> int:
    from db.backup import BackupError, BackupRefused
    from services import backups

    url = args.db or get_settings().database_url
    file = Path(args.file)
    try:
        restored = backups.restore(url=url, file=file)
    except BackupRefused as exc:
        _err(f"{exc}。未做任何更改")
        return EXIT_UNUSABLE
    except BackupError as exc:
        _err(f"恢复失败：{exc}。未做任何更改")
        return EXIT_UNUSABLE
    print(f"已从 {file.name} 恢复数据库（备份的结构版本 {restored.revision}，已升级到最新）")
    if restored.kept:
        what = "原数据库文件保存为" if restored.backend == "sqlite" else "原数据库保存为数据库"
        print(f"{what}：{'、'.join(restored.kept)}（确认无误后可自行删除）")
    print("所有登录已失效，请重新登录；若看板正在运行，请重启看板进程")
    return EXIT_OK


def register(sub, add) -> None:
    """The two subcommands, added with cli/seed.py's own `add` (which gives each --db)."""
    sp = add("backup", cmd_backup, "备份数据库（SQLite 为一个文件，PostgreSQL 为 pg_dump 备份）")
    sp.add_argument("--out", help="备份文件（默认存到 BACKUP_DIR，文件名带日期时间）")
    sp = add("restore", cmd_restore, "从备份文件恢复数据库（原数据库保留在旁，恢复后所有人须重新登录）")
    sp.add_argument("file", help="备份文件（python -m seed backup 生成）")
