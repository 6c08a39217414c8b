"""The command line: python -m seed demo | synth | init | import | export | template | undo | migrate | setup | user |
kiosk-token."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from db.engine import get_engine, get_setting, has_data, set_setting, write_session
from db.migrate import upgrade
from db.settings import get_settings

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2


def _db(args) -> str:
    return args.db or get_settings().database_url


def _err(message: str) -> None:
    print(message, file=sys.stderr)


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

    from seed.synth import build_synth

    url = _db(args)
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


def cmd_import(args) -> int:
    from seed.importer import import_files

    files = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            _err(f"{name}：文件不存在或无法读取")
            return EXIT_UNUSABLE
        cap = get_settings().max_upload_mb
        size = path.stat().st_size / 2**20
        if size > cap:  # checked before reading: a huge file never enters memory
            _err(f"{path.name}：文件大小{size:.1f} MB，超过{cap} MB上限，请拆分后再导入")
            return EXIT_UNUSABLE
        files.append((path.name, path.read_bytes()))
    url = _db(args)
    upgrade(url)
    report = import_files(files, engine=get_engine(url), year=args.year, dry_run=args.dry_run,
                          user=args.user or "命令行")
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

    if args.kind not in KINDS:
        _err(f"未知的类型“{args.kind}”，可选：{'、'.join(KINDS)}")
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


# --- accounts -----------------------------------------------------------------------------------


def _read_password(args, *, username: str) -> str | None:
    """The new password: twice through getpass at a terminal, else the first line of stdin (scripts, tests).
    None (after saying why) when it is weak or the two entries differ."""
    import getpass

    from services.rules.passwords import check_password_strength

    if args.password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("新密码：")
        if getpass.getpass("再输入一次：") != password:
            _err("两次输入的密码不一致，未做任何更改")
            return None
    try:
        check_password_strength(password, username=username)
    except ValueError as exc:
        _err(f"{exc}，未做任何更改")
        return None
    return password


def _session(args):
    from sqlmodel import Session

    url = _db(args)
    upgrade(url)
    return Session(get_engine(url))


def cmd_user_add(args) -> int:
    from sqlmodel import select

    from db.models import AppUser, Station
    from services import accounts
    from services.rules.passwords import normalise_username
    from services.rules.permissions import ROLES, STATION_ROLE
    from services.rules.viewer import Viewer

    if args.role not in ROLES:
        _err(f"未知的角色“{args.role}”，可选：{'、'.join(ROLES)}")
        return EXIT_INVALID
    with _session(args) as session:
        station_id = None
        if args.station:
            stations = session.exec(select(Station)).all()
            match = [st for st in stations if args.station in (st.name, *(st.aliases or []))]
            if not match:
                _err(f"没有名为“{args.station}”的监管所，可选：{'、'.join(st.name for st in stations) or '（无）'}")
                return EXIT_INVALID
            station_id = match[0].id
        elif args.role == STATION_ROLE:
            _err("监管所账号必须用 --station 指定所属监管所")
            return EXIT_INVALID
        if normalise_username(args.name) in set(session.exec(select(AppUser.username)).all()):
            _err(f"用户名“{normalise_username(args.name)}”已存在")
            return EXIT_INVALID
        password = _read_password(args, username=args.name)
        if password is None:
            return EXIT_INVALID
        try:
            user = accounts.create_user(session=session, viewer=Viewer.cli(), username=args.name, password=password,
                                        role=args.role, station_id=station_id, display_name=args.display_name)
        except ValueError as exc:
            session.rollback()
            _err(f"{exc}，未做任何更改")
            return EXIT_INVALID
    where = f"，{user['station_name']}" if user["station_name"] else ""
    print(f"已创建账号 {user['username']}（{user['role']}{where}）")
    return EXIT_OK


def cmd_user_list(args) -> int:
    from services import accounts
    from services.rules.viewer import Viewer

    cli = Viewer.cli()
    with _session(args) as session:
        frame = accounts.users_frame(session=session, viewer=cli)
        accounts.audit(session=session, viewer=cli, action="用户管理", target=None, detail={"操作": "查看账号列表"})
        session.commit()
    if frame.empty:
        print("没有账号。创建第一个管理员：python -m seed user add NAME --role 管理员")
        return EXIT_OK
    for row in frame.itertuples(index=False):
        created = row.创建时间.strftime("%Y-%m-%d %H:%M") if row.创建时间 is not None else ""
        print("\t".join([row.用户名, row.姓名, row.角色, row.监管所 or "-", row.状态, created]))
    return EXIT_OK


def _user_change(args, fn, done: str, **kwargs) -> int:
    """Run an account change as the command line (Viewer.cli()), after checking the account exists."""
    from services import auth
    from services.rules.passwords import normalise_username
    from services.rules.viewer import Viewer

    with _session(args) as session:
        if auth.get_user(session=session, username=args.name) is None:
            _err(f"用户“{normalise_username(args.name)}”不存在")
            return EXIT_UNUSABLE
        try:
            fn(session=session, viewer=Viewer.cli(), username=args.name, **kwargs)
        except ValueError as exc:
            session.rollback()
            _err(f"{exc}，未做任何更改")
            return EXIT_INVALID
    print(done.format(name=normalise_username(args.name)))
    return EXIT_OK


def cmd_user_passwd(args) -> int:
    from services import accounts, auth
    from services.rules.passwords import normalise_username

    with _session(args) as session:
        if auth.get_user(session=session, username=args.name) is None:
            _err(f"用户“{normalise_username(args.name)}”不存在")
            return EXIT_UNUSABLE
    password = _read_password(args, username=args.name)
    if password is None:
        return EXIT_INVALID
    return _user_change(args, accounts.set_password, "已修改 {name} 的密码", password=password)


def cmd_user_unlock(args) -> int:
    from services import auth

    where = f"（客户端 {args.client}）" if args.client else "（全部客户端）"
    return _user_change(args, auth.unlock, "已解除 {name} 的登录锁定" + where, client=args.client)


def cmd_user_disable(args) -> int:
    from services import accounts

    return _user_change(args, accounts.deactivate, "已停用账号 {name}")


def cmd_user_enable(args) -> int:
    from services import accounts

    return _user_change(args, accounts.activate, "已启用账号 {name}")


def cmd_kiosk_add(args) -> int:
    from services import accounts
    from services.rules.viewer import Viewer

    with _session(args) as session:
        try:
            token = accounts.create_kiosk_token(session=session, viewer=Viewer.cli(), label=args.label)
        except ValueError as exc:
            _err(str(exc))
            return EXIT_INVALID
    print(f"已创建大屏令牌“{args.label.strip()}”，令牌只显示这一次，请妥善保存：")
    print(token)
    return EXIT_OK


def cmd_kiosk_list(args) -> int:
    from services import accounts
    from services.rules.viewer import Viewer

    cli = Viewer.cli()
    with _session(args) as session:
        frame = accounts.kiosk_tokens_frame(session=session, viewer=cli)
        accounts.audit(session=session, viewer=cli, action="用户管理", target=None,
                       detail={"操作": "查看大屏令牌列表"})
        session.commit()
    if frame.empty:
        print("没有大屏令牌")
    for row in frame.itertuples(index=False):
        print(f"#{row.编号}\t{row.名称}\t{row.状态}")
    return EXIT_OK


def cmd_kiosk_disable(args) -> int:
    from services import accounts
    from services.rules.viewer import Viewer

    with _session(args) as session:
        try:
            accounts.deactivate_kiosk_token(session=session, viewer=Viewer.cli(), token_id=args.id)
        except LookupError as exc:
            _err(str(exc))
            return EXIT_UNUSABLE
    print(f"已停用大屏令牌 #{args.id}")
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own words are English; say it in Chinese and exit 2
        self.print_usage(sys.stderr)
        _err(f"参数错误：{message}")
        raise SystemExit(EXIT_UNUSABLE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m seed", description="食安督导看板：数据库与导入导出命令")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add(name, fn, help_text):
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.add_argument("--db", help="数据库地址（默认取环境变量 DATABASE_URL）")
        sp.set_defaults(fn=fn)
        return sp

    add("demo", cmd_demo, "建立演示数据库（可重复执行）")
    sp = add("synth", cmd_synth, "在空数据库中生成县级或市级规模的合成示例数据（性能测试用）")
    sp.add_argument("--scale", choices=("county", "city", "tiny"), default="county",
                    help="county = 演示库规模（18个所）；city = 150个所、15万主体、60万条督导记录")
    sp.add_argument("--seed", type=int, default=20221031, help="随机种子（同一种子生成相同数据）")
    add("init", cmd_init, "建立空的正式数据库")
    add("migrate", cmd_migrate, "把数据库结构升级到最新")
    add("setup", cmd_setup, "升级结构；数据库为空时建立演示数据（make run 使用）")
    sp = add("import", cmd_import, "导入一个或多个表格文件（全部成功才写入）")
    sp.add_argument("files", nargs="+", help="文件（.xlsx/.xls/.csv）")
    sp.add_argument("--year", type=int, help="年度（标题中没有年份时使用；与标题矛盾时报错）")
    sp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    sp.add_argument("--user", help="记录在导入批次中的操作人")
    sp = add("export", cmd_export, "按导入格式导出一类数据")
    sp.add_argument("kind", help="类型，如 任务清单、配档表、工作要点")
    sp.add_argument("--year", type=int)
    sp.add_argument("--format", choices=("xlsx", "csv", "json"), default="xlsx")
    sp.add_argument("--out", help="输出文件（json 不给时打印到屏幕）")
    sp.add_argument("--include-demo", action="store_true",
                    help="连同示例数据一起导出，末列“示例”标明每行是否示例（是/否），用于复核演示库的各项数字")
    sp = add("template", cmd_template, "生成空白填报模板")
    sp.add_argument("kind")
    sp.add_argument("--out", required=True)
    sp.add_argument("--year", type=int)
    sp.add_argument("--month", type=int)
    sp = add("undo", cmd_undo, "撤销一个导入批次")
    sp.add_argument("batch", type=int)
    from cli import backup as backup_cli  # backup / restore: their commands live in cli/backup.py

    backup_cli.register(sub, add)

    def group(name, help_text):
        gp = sub.add_parser(name, help=help_text, description=help_text)
        return gp.add_subparsers(dest="action", required=True, parser_class=_Parser)

    def add_to(grp, name, fn, help_text):
        sp = grp.add_parser(name, help=help_text, description=help_text)
        sp.add_argument("--db", help="数据库地址（默认取环境变量 DATABASE_URL）")
        sp.set_defaults(fn=fn)
        return sp

    users = group("user", "账号管理：新增、列出、改密码、解锁、停用")
    sp = add_to(users, "add", cmd_user_add, "新增账号（会要求输入两次密码）")
    sp.add_argument("name", help="用户名（登录用，不区分大小写）")
    sp.add_argument("--role", required=True, help="角色：领导、食安办、监管所、管理员")
    sp.add_argument("--station", help="所属监管所（监管所账号必填），如 明水所")
    sp.add_argument("--display-name", help="显示的姓名或单位")
    sp.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（第一行），供脚本使用")
    add_to(users, "list", cmd_user_list, "列出账号")
    sp = add_to(users, "passwd", cmd_user_passwd, "修改账号密码")
    sp.add_argument("name")
    sp.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（第一行），供脚本使用")
    sp = add_to(users, "unlock", cmd_user_unlock, "解除账号的登录锁定")
    sp.add_argument("name")
    sp.add_argument("--client", help="只解除这个客户端（IP）上的锁定；不给则全部解除")
    sp = add_to(users, "disable", cmd_user_disable, "停用账号（不删除，审计记录保留）")
    sp.add_argument("name")
    sp = add_to(users, "enable", cmd_user_enable, "重新启用账号")
    sp.add_argument("name")

    kiosk = group("kiosk-token", "大屏令牌：只能打开大屏，不能看其他页面")
    sp = add_to(kiosk, "add", cmd_kiosk_add, "新增大屏令牌（令牌只显示一次）")
    sp.add_argument("label", help="令牌名称，如 一楼大厅大屏")
    add_to(kiosk, "list", cmd_kiosk_list, "列出大屏令牌")
    sp = add_to(kiosk, "disable", cmd_kiosk_disable, "停用大屏令牌")
    sp.add_argument("id", type=int, help="令牌编号（见 list）")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except KeyboardInterrupt:
        _err("已中断")
        return EXIT_UNUSABLE
    except Exception as exc:  # a traceback never reaches the user; it goes to the log file
        log = Path("data/logs/seed-cli.log")
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as fh:
                fh.write(f"--- {args.command}\n{traceback.format_exc()}\n")
        except OSError:
            log = None
        where = f"，详情见 {log}" if log else ""
        _err(f"命令执行失败：{exc.__class__.__name__}: {exc}{where}")
        return EXIT_UNUSABLE
