"""The command line: python -m seed demo | synth | init | import | export | template | undo | migrate | setup | verify |
rollups, and the account commands user | kiosk-token (cli/seed_user.py). Every error is one Chinese line
(cli/errors.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlmodel import Session

from cli.errors import DEBUG_HELP, EXIT_UNUSABLE, ChineseParser, run
from cli.errors import say as _err
from cli.seed_user import add_account_commands
from db.engine import get_engine, get_setting, has_data, set_setting, write_session
from db.settings import get_settings

EXIT_OK, EXIT_INVALID = 0, 1


def upgrade(url: str) -> None:
    """db.migrate.upgrade, imported when a command runs it: Alembic would slow every start (`--help` too)."""
    from db.migrate import upgrade as migrate_to_head

    migrate_to_head(url)


def _db(args) -> str:
    return args.db or get_settings().database_url


def cmd_migrate(args) -> int:
    upgrade(_db(args))
    print("数据库结构已是最新")
    return EXIT_OK


def cmd_init(args) -> int:
    url = _db(args)
    upgrade(url)
    engine = get_engine(url)
    with write_session(engine) as session:
        if get_setting(session, "database_kind") is None:
            set_setting(session, "database_kind", "real", "real = 正式库，demo = 演示库")
    print(f"已创建空的正式数据库：{url}")
    return EXIT_OK


def cmd_demo(args) -> int:
    from seed.demo import build_demo

    url = _db(args)
    upgrade(url)
    engine = get_engine(url)
    with write_session(engine) as session:
        kind = get_setting(session, "database_kind")
    if kind == "real" and has_data(engine):
        _err("该数据库是正式库，已有数据，不能写入演示数据")
        return EXIT_UNUSABLE
    for line in build_demo(engine, progress=lambda s: print(s, flush=True)):
        print(line)
    return EXIT_OK


def cmd_synth(args) -> int:
    import time

    from seed.synth import PG_ONLY, SCALES, build_synth

    url = _db(args)
    if SCALES[args.scale].postgresql_only and not url.startswith("postgresql"):
        _err(PG_ONLY.format(name=args.scale))
        return EXIT_UNUSABLE
    started = time.perf_counter()
    upgrade(url)
    engine = get_engine(url)
    if has_data(engine):
        _err("该数据库已有数据：合成数据只写入空数据库，请用 --db 指定一个新的数据库")
        return EXIT_UNUSABLE
    t0 = time.perf_counter()

    def say(line: str) -> None:
        print(f"[{time.perf_counter() - t0:6.1f} s] {line}", flush=True)

    for line in build_synth(engine, args.scale, seed=args.seed, progress=say):
        print(line)
    print(f"总用时 {time.perf_counter() - started:.1f} 秒（含建表）")
    return EXIT_OK


def cmd_setup(args) -> int:
    """What `make run` needs: the current schema, and the demo database when the database is empty."""
    url = _db(args)
    upgrade(url)
    engine = get_engine(url)
    if has_data(engine):
        print("数据库已有数据，跳过演示数据")
        return EXIT_OK
    return cmd_demo(args)


def _expand(names: list[str]) -> list[str]:
    """The files named, a pattern such as 区县/*.xlsx expanded (Windows' shell leaves it to the program); a pattern
    matching nothing stays as given and is then reported as missing. A file named twice stays twice: the importer
    names the repeat and imports it once."""
    import glob

    out: list[str] = []
    for name in names:
        matches = sorted(glob.glob(name)) if any(ch in name for ch in "*?[") and not Path(name).exists() else []
        out.extend(matches or [name])
    return out


def _progress(_fraction: float, line: str) -> None:
    """Progress lines of an import on stderr (stdout keeps the report)."""
    print(line, file=sys.stderr, flush=True)


def cmd_import(args) -> int:
    from seed.importer import import_files

    files = []
    for name in _expand(args.files):
        path = Path(name)
        if not path.is_file():
            _err(f"{name}：文件不存在或无法读取")
            return EXIT_UNUSABLE
        cap = get_settings().max_import_mb
        size = path.stat().st_size / 2**20
        if size > cap:  # checked before reading: a huge file never enters memory
            _err(f"{path.name}：文件大小{size:.1f} MB，超过{cap} MB上限，请拆分后再导入")
            return EXIT_UNUSABLE
        files.append((path.name, path.read_bytes()))
    url = _db(args)
    upgrade(url)
    report = import_files(files, engine=get_engine(url), year=args.year, dry_run=args.dry_run,
                          user=args.user or "命令行", size_cap_mb=get_settings().max_import_mb, progress=_progress)
    for finding in report.errors:
        print(finding.line())
    for finding in report.warnings:
        print(finding.line())
    for line in report.summary_lines():
        print(line)
    return report.exit_code


def cmd_export(args) -> int:
    from seed.export import export_bytes, export_filename, export_json
    from seed.importer.kinds import KINDS

    if args.kind == ASSESSMENT:
        return _export_assessment(args)
    if args.kind not in KINDS:
        _err(f"未知的类型“{args.kind}”，可选：{'、'.join([*KINDS, ASSESSMENT])}")
        return EXIT_UNUSABLE
    url = _db(args)
    upgrade(url)
    from sqlmodel import Session

    with Session(get_engine(url)) as session:
        if args.format == "json":
            data = json.dumps(export_json(args.kind, session=session, year=args.year, include_demo=args.include_demo),
                              ensure_ascii=False, indent=1)
            if args.out:
                Path(args.out).write_text(data + "\n", encoding="utf-8")
            else:
                print(data)
            return EXIT_OK
        content = export_bytes(args.kind, session=session, year=args.year, fmt=args.format,
                               include_demo=args.include_demo)
    out = Path(args.out or export_filename(args.kind, args.year, args.format, include_demo=args.include_demo))
    out.write_bytes(content)
    print(f"已导出：{out}")
    return EXIT_OK


ASSESSMENT = "考核"  # not an importer kind: the 年终督导考核 scores (services/assessment.py), exported only


def _export_assessment(args) -> int:
    """python -m seed export 考核 --year N: one row per station (xlsx with the rule above the table, csv, json)."""
    if args.year is None:
        _err("导出考核得分需要 --year（如 --year 2022）")
        return EXIT_UNUSABLE
    from sqlmodel import Session

    from reports import assessment as notice

    url = _db(args)
    upgrade(url)
    with Session(get_engine(url)) as session:
        n = notice.gather(year=args.year, session=session)
    if args.format == "xlsx":
        content = notice.xlsx_bytes(n)
    elif args.format == "csv":
        content = n.table.to_csv(index=False).encode("utf-8-sig")
    else:
        data = json.dumps(n.table.to_dict("records"), ensure_ascii=False, indent=1)
        if not args.out:
            print(data)
            return EXIT_OK
        content = (data + "\n").encode("utf-8")
    out = Path(args.out or notice.file_name(args.year, f".{args.format}"))
    out.write_bytes(content)
    print(f"已导出：{out}（{len(n.table)}个监管所）")
    return EXIT_OK


def cmd_template(args) -> int:
    from seed.importer.kinds import KINDS
    from seed.templates import template_bytes

    if args.kind not in KINDS:
        _err(f"未知的类型“{args.kind}”，可选：{'、'.join(KINDS)}")
        return EXIT_UNUSABLE
    session = None
    url = args.db or get_settings().database_url
    try:
        from sqlmodel import Session

        engine = get_engine(url)
        session = Session(engine) if has_data(engine) else None
    except Exception:  # no database yet: the template falls back to the built-in station and indicator lists
        session = None
    try:
        content = template_bytes(args.kind, session=session, year=args.year, month=args.month)
    finally:
        if session is not None:
            session.close()
    Path(args.out).write_bytes(content)
    print(f"已生成填报模板：{args.out}")
    return EXIT_OK


def cmd_undo(args) -> int:
    from sqlmodel import Session

    from seed.importer import UndoRefused, UnknownBatch, undo_batch

    url = _db(args)
    upgrade(url)
    with Session(get_engine(url)) as session:
        try:
            batch = undo_batch(session, args.batch)
            session.commit()
        except UnknownBatch as exc:
            session.rollback()
            _err(str(exc))
            return EXIT_UNUSABLE
        except UndoRefused as exc:
            session.rollback()
            _err(str(exc))
            return EXIT_INVALID
        print(f"已撤销批次 #{batch.id}（{batch.file_name}）")
    return EXIT_OK


def cmd_verify(args) -> int:
    """Every stored rollup day recomputed from the records (db/rollups.py): one line per difference, exit 1."""
    from db import rollups

    url = _db(args)
    upgrade(url)
    with Session(get_engine(url)) as session:
        days, years = rollups.stored_days(session), rollups.stored_days(session, rollups.DUTY)
        staffing = rollups.stored_days(session, rollups.STAFFING)
        lines = rollups.verify(session)
    for line in lines:
        print(line)
    if lines:
        _err(f"汇总表与明细不一致：{len(lines)}处（见上）；任何一次导入、填报或撤销之后页面会重新计算")
        return EXIT_INVALID
    print(f"汇总表核对完毕：包保汇总{days}个已存日期、日管控等{years}个年度、人员配备{staffing}份，与明细记录一致")
    return EXIT_OK


def cmd_rollups(args) -> int:
    """Store the 包保 rollup of each month's last day of a year up to the as-of day, the year's 日管控 / 周排查 /
    月调度 rollup and the staffing rollup, so no viewer waits for one."""
    import datetime as dt

    from db import rollups
    from db.engine import as_of
    from services.rules import oversight, pacing

    url = _db(args)
    upgrade(url)
    engine = get_engine(url)
    today = as_of(engine)
    year = args.year or today.year
    refs = [pacing.ref_date(year, month, today) for month in range(1, 13) if dt.date(year, month, 1) <= today]
    n = rollups.build(engine, refs)
    print(f"已计算{year}年{len(refs)}个月末（截至{today:%Y年%-m月%-d日}）的包保汇总，写入{n:,}行")
    n = rollups.build_duty(engine, [year], oversight.ENTERPRISE_SECTORS)
    n += rollups.build_staffing(engine, oversight.ENTERPRISE_SECTORS, oversight.DIRECTOR_TIERS)
    print(f"已计算{year}年各监管所逐月的日管控、周排查、月调度汇总及食品安全总监、安全员配备汇总，写入{n:,}行")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = ChineseParser(prog="python -m seed", description="食安督导看板：数据库与导入导出命令")
    p.add_argument("--debug", action="store_true", help=DEBUG_HELP)  # taken off the command line by cli.errors.run
    sub = p.add_subparsers(dest="command", required=True)

    def add(name, fn, help_text):
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.add_argument("--db", help="数据库地址（默认取环境变量 DATABASE_URL）")
        sp.set_defaults(fn=fn)
        return sp

    add("demo", cmd_demo, "建立演示数据库（可重复执行）")
    sp = add("synth", cmd_synth, "在空数据库中生成县级、市级或省级规模的合成示例数据（性能测试用）")
    sp.add_argument("--scale", choices=("county", "city", "province", "tiny"), default="county",
                    help="county = 演示库规模（18个所）；city = 150个所、15万主体、60万条督导记录；"
                         "province = 1800个所、150万主体、约1000万条督导记录（仅 PostgreSQL）")
    sp.add_argument("--seed", type=int, default=20221031, help="随机种子（同一种子生成相同数据）")
    add("init", cmd_init, "建立空的正式数据库")
    add("migrate", cmd_migrate, "把数据库结构升级到最新")
    add("setup", cmd_setup, "升级结构；数据库为空时建立演示数据（make run 使用）")
    add("verify", cmd_verify, "用明细记录重新计算已存的汇总表并逐行核对，不一致时列出")
    sp = add("rollups", cmd_rollups, "预先计算一年各月末的包保汇总（页面首次打开不必等待）")
    sp.add_argument("--year", type=int, help="年度（默认截至日所在年度）")
    sp = add("import", cmd_import, "导入一个或多个表格文件（全部成功才写入）")
    sp.add_argument("files", nargs="+", metavar="文件",
                    help="文件（.xlsx/.xls/.et/.csv/.txt，可用通配符如 区县/*.xlsx；同一文件给两次只导入一次）")
    sp.add_argument("--year", type=int, help="年度（标题中没有年份时使用；与标题矛盾时报错）")
    sp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    sp.add_argument("--user", help="记录在导入批次中的操作人")
    sp = add("export", cmd_export, "按导入格式导出一类数据")
    sp.add_argument("kind", metavar="类型", help="类型，如 任务清单、配档表、工作要点；“考核”导出年终督导考核得分")
    sp.add_argument("--year", type=int)
    sp.add_argument("--format", choices=("xlsx", "csv", "json"), default="xlsx")
    sp.add_argument("--out", help="输出文件（json 不给时打印到屏幕）")
    sp.add_argument("--include-demo", action="store_true",
                    help="连同示例数据一起导出，末列“示例”标明每行是否示例（是/否），用于复核演示库的各项数字")
    sp = add("template", cmd_template, "生成空白填报模板")
    sp.add_argument("kind", metavar="类型", help="类型，如 任务清单、配档表、工作要点")
    sp.add_argument("--out", required=True)
    sp.add_argument("--year", type=int)
    sp.add_argument("--month", type=int)
    sp = add("undo", cmd_undo, "撤销一个导入批次")
    sp.add_argument("batch", type=int, metavar="批次号", help="导入批次编号（见“导入记录”页）")
    from cli import backup as backup_cli  # backup / restore: their commands live in cli/backup.py

    backup_cli.register(sub, add)

    add_account_commands(sub)
    return p


def _main(argv: list[str]) -> int:
    from db import rollups

    args = build_parser().parse_args(argv)
    code = args.fn(args)
    if rollups.refreshing():  # a write committed: the viewed rollup days are being recomputed (db/rollups.py)
        print("正在更新已查看过的包保汇总……", flush=True)
        rollups.wait_for_refresh()
    return code


def main(argv: list[str] | None = None) -> int:
    """Run a command: its exit code; bad arguments raise SystemExit(2) after one Chinese line; any other failure is
    one Chinese line and 2 (cli/errors.py)."""
    return run(_main, argv)
