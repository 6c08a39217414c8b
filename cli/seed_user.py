"""The account commands of python -m seed: user add | list | passwd | unlock | disable | enable | signout, and kiosk-token
add | list | disable. Each runs as the command line (Viewer.cli()); a password is read, never an argument."""

from __future__ import annotations

import sys

from cli.errors import EXIT_UNUSABLE
from cli.errors import say as _err
from db.engine import get_engine
from db.settings import get_settings

EXIT_OK, EXIT_INVALID = 0, 1


def _db(args) -> str:
    return args.db or get_settings().database_url


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

    from db.migrate import upgrade  # here: Alembic would slow every `python -m seed` start

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
        print("\t".join([row.用户名, row.姓名, row.角色, row.监管所 or "-", row.状态, f"在线登录{row.在线登录}", created]))
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


def cmd_user_signout(args) -> int:
    from services import accounts

    return _user_change(args, accounts.sign_out_everywhere, "已结束 {name} 的全部登录（各处打开的页面须重新登录）")


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
    from services.rules.localtime import local_time_label
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
        used = local_time_label(row.最近使用) if row.最近使用 is not None and row.最近使用 == row.最近使用 else "从未使用"
        print(f"#{row.编号}\t{row.名称}\t{row.状态}\t最近使用：{used}")
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


def add_account_commands(sub) -> None:
    """The `user` and `kiosk-token` groups on the subcommands `sub` of python -m seed."""
    def group(name, help_text):
        gp = sub.add_parser(name, help=help_text, description=help_text)
        return gp.add_subparsers(dest="action", required=True)

    def add_to(grp, name, fn, help_text):
        sp = grp.add_parser(name, help=help_text, description=help_text)
        sp.add_argument("--db", help="数据库地址（默认取环境变量 DATABASE_URL）")
        sp.set_defaults(fn=fn)
        return sp

    users = group("user", "账号管理：新增、列出、改密码、解锁、停用、退出所有登录")
    sp = add_to(users, "add", cmd_user_add, "新增账号（会要求输入两次密码）")
    sp.add_argument("name", metavar="用户名", help="登录用，不区分大小写")
    sp.add_argument("--role", required=True, help="角色：领导、食安办、监管所、管理员")
    sp.add_argument("--station", help="所属监管所（监管所账号必填），如 明水所")
    sp.add_argument("--display-name", help="显示的姓名或单位")
    sp.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（第一行），供脚本使用")
    add_to(users, "list", cmd_user_list, "列出账号")
    sp = add_to(users, "passwd", cmd_user_passwd, "修改账号密码")
    sp.add_argument("name", metavar="用户名")
    sp.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（第一行），供脚本使用")
    sp = add_to(users, "unlock", cmd_user_unlock, "解除账号的登录锁定")
    sp.add_argument("name", metavar="用户名")
    sp.add_argument("--client", help="只解除这个客户端（IP）上的锁定；不给则全部解除")
    sp = add_to(users, "disable", cmd_user_disable, "停用账号（不删除，审计记录保留）")
    sp.add_argument("name", metavar="用户名")
    sp = add_to(users, "enable", cmd_user_enable, "重新启用账号（停用前的登录不会恢复）")
    sp.add_argument("name", metavar="用户名")
    sp = add_to(users, "signout", cmd_user_signout, "退出该账号的所有登录（各处的登录立即失效）")
    sp.add_argument("name", metavar="用户名")

    kiosk = group("kiosk-token", "大屏令牌：只能打开大屏，不能看其他页面")
    sp = add_to(kiosk, "add", cmd_kiosk_add, "新增大屏令牌（令牌只显示一次）")
    sp.add_argument("label", metavar="名称", help="令牌名称，如 一楼大厅大屏")
    add_to(kiosk, "list", cmd_kiosk_list, "列出大屏令牌")
    sp = add_to(kiosk, "disable", cmd_kiosk_disable, "停用大屏令牌")
    sp.add_argument("id", type=int, metavar="编号", help="令牌编号（见 list）")
