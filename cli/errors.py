"""One Chinese line for every command-line error: a Chinese argparse parser and the runner every entry point uses.

`ChineseParser` says argparse's own words (usage, options, help, every error) in Chinese and answers bad arguments
with one line and exit code 2. `run(main, argv)` runs a command and turns any failure into one Chinese line on
stderr and exit code 2 (130 for Ctrl+C): no traceback, no library's extra lines. With `--debug` (anywhere on the
command line) the full detail goes to a file in the settings' log directory, never into the current directory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from db.engine import project_root
from db.settings import get_settings

EXIT_OK, EXIT_UNUSABLE = 0, 2
EXIT_INTERRUPTED = 130  # the shell's own code for Ctrl+C (128 + SIGINT)
DEBUG_FLAG = "--debug"
DEBUG_HELP = "出错时把详细信息（含程序调用栈）写入日志目录（环境变量 LOG_DIR，默认 data/logs）"
SUBCOMMAND = "子命令"

# argparse's message templates (Python 3.11, looked up through its module-level gettext `_`) said in Chinese.
# The placeholders stay; %(value)r and friends become plain %s inside Chinese quotes.
_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示帮助并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "没有子命令“%(parser_name)s”（可选：%(choices)s）",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "多余的取值“%s”",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "参数 %s 必须给出其中一个",
    "expected one argument": "需要一个取值",
    "expected at most one argument": "最多一个取值",
    "expected at least one argument": "至少需要一个取值",
    "expected %s argument": "需要 %s 个取值",
    "expected %s arguments": "需要 %s 个取值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是：%(matches)s",
    "unexpected option string: %s": "意外的选项：%s",
    "invalid %(type)s value: %(value)r": "取值“%(value)s”无效",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的取值“%(value)s”（可选：%(choices)s）",
    "%(prog)s: error: %(message)s\n": "%(prog)s：参数错误：%(message)s\n",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
}
_HEADINGS = ("位置参数", "选项")

# What a value should have been, by the name of argparse's type function.
_TYPE_NAMES = {"int": "整数", "float": "数字", "fromisoformat": "日期（YYYY-MM-DD）", "Path": "路径"}


def _zh(message: str) -> str:
    return _ARGPARSE_ZH.get(message, message)


def _zh_plural(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


@contextmanager
def _chinese() -> Iterator[None]:
    """argparse's messages in Chinese while the block runs (argparse reads its module-level `_` at call time)."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _zh, _zh_plural  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def _choices(choices: Any) -> str:
    return "、".join(str(c) for c in choices)


class ChineseParser(argparse.ArgumentParser):
    """argparse with Chinese help and errors; an error is one line on stderr and exit code 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with _chinese():
            super().__init__(*args, **kwargs)

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        with _chinese():
            return super().parse_known_args(args, namespace)

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        with _chinese():
            return super().parse_args(args, namespace)

    def format_usage(self) -> str:
        with _chinese():
            return super().format_usage()

    def format_help(self) -> str:
        with _chinese():
            text = super().format_help()
        # argparse ends a section heading with an ASCII colon; Chinese takes the full-width one
        return re.sub(rf"^({'|'.join(_HEADINGS)}):$", r"\1：", text, flags=re.M)

    def add_subparsers(self, **kwargs: Any):  # type: ignore[override]
        kwargs.setdefault("metavar", SUBCOMMAND)  # listed under 位置参数 as 子命令, then one line per subcommand
        with _chinese():
            return super().add_subparsers(**kwargs)

    def _get_value(self, action, arg_string):  # type: ignore[no-untyped-def]
        type_func = self._registry_get("type", action.type, action.type)
        if not callable(type_func):
            return super()._get_value(action, arg_string)
        try:
            return type_func(arg_string)
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentError(action, str(exc)) from None
        except (TypeError, ValueError):
            kind = _TYPE_NAMES.get(getattr(type_func, "__name__", ""), "取值")
            raise argparse.ArgumentError(action, f"“{arg_string}”不是有效的{kind}") from None

    def _check_value(self, action, value):  # type: ignore[no-untyped-def]
        if action.choices is not None and value not in action.choices:
            if isinstance(action, argparse._SubParsersAction):  # named without the argument's (English) dest
                raise argparse.ArgumentError(None, f"没有子命令“{value}”（可选：{_choices(action.choices)}）")
            raise argparse.ArgumentError(action, f"没有取值“{value}”（可选：{_choices(action.choices)}）")

    def error(self, message: str) -> NoReturn:
        missing = "缺少必需的参数："
        if message.startswith(missing):  # argparse names a missing subcommand by its dest ("command")
            sub = next((a for a in self._actions if isinstance(a, argparse._SubParsersAction)), None)
            names = [f"{SUBCOMMAND}（可选：{_choices(sub.choices)}）" if sub is not None and name in (sub.dest, sub.metavar)
                     else name for name in message.removeprefix(missing).split(", ")]
            message = missing + "、".join(names)
        say(f"参数错误：{message}；查看用法：{self.prog} -h")
        raise SystemExit(EXIT_UNUSABLE)


def say(line: str) -> None:
    """One line on stderr."""
    print(" ".join(line.split("\n")), file=sys.stderr, flush=True)


# --- the runner -----------------------------------------------------------------------------------


def _take_debug(argv: list[str]) -> bool:
    """Remove --debug (before a `--`) from argv; whether it was there."""
    end = argv.index("--") if "--" in argv else len(argv)
    found = DEBUG_FLAG in argv[:end]
    argv[:end] = [a for a in argv[:end] if a != DEBUG_FLAG]
    return found


def _db_argument(argv: Sequence[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--db="):
            return arg.split("=", 1)[1]
    return None


def mask_url(url: str) -> str:
    """A database URL with its password replaced by ***."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: mask what looks like user:password@
        return re.sub(r"(//[^/:@]*:)[^@/]*@", r"\1***@", url)


def _masked_argv(argv: Sequence[str]) -> list[str]:
    return [mask_url(a) if "://" in a else a for a in argv]


_CONNECT_REASONS = (  # (pattern in the driver's message, the reason in Chinese)
    (r"connection refused", "服务器拒绝连接（地址或端口不对，或数据库服务没有启动）"),
    (r"timeout|timed out", "连接超时（服务器没有响应）"),
    (r"could not translate host name|name or service not known|nodename nor servname|failed to resolve host",
     "找不到这个主机名"),
    (r"password authentication failed|authentication failed", "用户名或密码错误"),
    (r"no password supplied", "需要密码"),
    (r"role \"?[^\"]*\"? does not exist", "数据库用户不存在"),
    (r"database \"?[^\"]*\"? does not exist", "数据库不存在"),
    (r"no pg_hba\.conf entry|not permitted|permission denied", "服务器不允许这个用户从本机连接"),
    (r"unable to open database file", "无法打开数据库文件（所在文件夹不存在、无权限，或这是一个文件夹）"),
    (r"database is locked", "数据库正被其他程序写入，请稍后再试"),
    (r"readonly database|read-only", "数据库是只读的"),
    (r"disk i/o error|disk full|no space", "磁盘读写出错或空间不足"),
    (r"too many connections|remaining connection slots", "服务器连接数已满，请稍后再试"),
    (r"server closed the connection|connection .* closed|terminating connection", "服务器中断了连接"),
)

_OS_ERRORS = (  # checked in order: subclasses first
    (FileNotFoundError, "找不到文件或文件夹：{path}"),
    (IsADirectoryError, "这是一个文件夹，不是文件：{path}"),
    (NotADirectoryError, "路径中有一段不是文件夹：{path}"),
    (FileExistsError, "路径已被占用，不能新建文件或文件夹：{path}"),
    (PermissionError, "没有权限访问：{path}"),
)

_INTERNAL_GISTS = {
    "ValueError": "遇到无法处理的取值",
    "TypeError": "数据类型不符",
    "KeyError": "缺少需要的字段",
    "IndexError": "数据行列超出范围",
    "AttributeError": "程序内部对象缺少属性",
    "ZeroDivisionError": "除数为零",
    "RecursionError": "递归过深",
    "UnicodeError": "文字编码无法识别",
    "ImportError": "缺少需要的程序模块",
    "RuntimeError": "运行出错",
    "AssertionError": "内部检查未通过",
    "NotImplementedError": "功能尚未实现",
}

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def _from_sqlalchemy_dialects(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return any("sqlalchemy" in f.filename and ("dialects" in f.filename or "create.py" in f.filename) for f in frames)


def _database_error(exc: BaseException, url: str, hint: str) -> str | None:
    try:
        from sqlalchemy import exc as sa_exc
    except ImportError:  # pragma: no cover - SQLAlchemy is a dependency
        return None
    text = str(getattr(exc, "orig", None) or exc)
    low = text.lower()
    if isinstance(exc, sa_exc.NoSuchModuleError) or (
            isinstance(exc, sa_exc.ArgumentError) and "url" in low):
        return (f"数据库地址无法识别：{url}（应为 sqlite:///文件路径 或 "
                "postgresql+psycopg://用户:密码@主机:端口/库名）")
    if isinstance(exc, ImportError) and _from_sqlalchemy_dialects(exc):
        return f"数据库地址无法识别：{url}（本机没有这种数据库的驱动程序，支持 SQLite 与 PostgreSQL）"
    if re.search(r"no such table|relation \S+ does not exist|undefinedtable", low):
        return f"数据库中还没有所需的表：{url}（请先运行 python -m seed migrate，或 init / demo）"
    if isinstance(exc, sa_exc.OperationalError):
        for pattern, reason in _CONNECT_REASONS:
            if re.search(pattern, low):
                return f"无法连接数据库：{reason}；数据库地址 {url}"
        return f"数据库操作失败：{url}（数据库返回了错误{hint}）"
    if isinstance(exc, sa_exc.DatabaseError):
        if "file is not a database" in low or "not a database" in low:
            return f"无法打开数据库：这个文件不是数据库文件；数据库地址 {url}"
        return f"数据库操作失败：{url}（数据库返回了错误{hint}）"
    if isinstance(exc, sa_exc.SQLAlchemyError):
        return f"数据库操作失败：{url}{hint}"
    return None


def describe(exc: BaseException, *, url: str | None = None, debug: bool = False) -> str:
    """The one Chinese line for an exception a command did not handle itself."""
    shown_url = mask_url(url or get_settings().database_url)
    hint = "" if debug else "，加 --debug 查看详情"
    for link in _chain(exc):
        line = _database_error(link, shown_url, hint)
        if line:
            return line
    if isinstance(exc, OSError):
        path = exc.filename if exc.filename is not None else ""
        for cls, template in _OS_ERRORS:
            if isinstance(exc, cls):
                return template.format(path=path)
        if path:
            return f"无法读写文件：{path}（系统错误号 {exc.errno}）"
    if isinstance(exc, MemoryError):
        return "内存不足，命令未完成"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if _CJK.search(message):
        gist = message
    else:
        name = next((n for c in type(exc).__mro__ if (n := c.__name__) in _INTERNAL_GISTS), "")
        gist = f"{_INTERNAL_GISTS.get(name, '程序遇到意外情况')}（{type(exc).__name__}）"
    return f"内部错误：{gist}{hint}"


def log_dir() -> Path:
    """The settings' log directory; a relative LOG_DIR is taken from the project folder, not the current one."""
    folder = Path(get_settings().log_dir).expanduser()
    return folder if folder.is_absolute() else project_root() / folder


def write_log(exc: BaseException, argv: Sequence[str], noise: str) -> Path:
    """The full detail of a failure in a new file cli-YYYYMMDD-HHMMSS.log in the log directory; its path."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path, n = folder / f"cli-{stamp}.log", 1
    while path.exists():
        n += 1
        path = folder / f"cli-{stamp}-{n}.log"
    entry = Path(sys.argv[0])
    prog = f"python -m {entry.parent.name}" if entry.name == "__main__.py" else entry.name
    body = [f"命令：{prog} {' '.join(_masked_argv(argv))}",
            f"时间：{dt.datetime.now().isoformat(timespec='seconds')}", "",
            "".join(traceback.format_exception(exc))]
    if noise:
        body += ["日志与警告：", noise]
    path.write_text("\n".join(body), encoding="utf-8")
    return path


class _Noise:
    """What libraries logged or warned while a command ran: kept for the --debug log, never shown."""

    def __init__(self) -> None:
        self.logged = io.StringIO()
        self.warned: list[warnings.WarningMessage] = []

    def text(self) -> str:
        shown = [warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in self.warned]
        return self.logged.getvalue() + "".join(shown)


@contextmanager
def _quiet(debug: bool) -> Iterator[_Noise]:
    """No library logging or warnings on stderr while a command runs; under --debug they are kept for the log."""
    noise = _Noise()
    handler: logging.Handler = logging.StreamHandler(noise.logged) if debug else logging.NullHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            noise.warned = caught
            yield noise
    finally:
        root.removeHandler(handler)


def run(main: Callable[[list[str]], int], argv: Sequence[str] | None = None) -> int:
    """Run `main(argv)`: its exit code, or one Chinese line on stderr and exit code 2 for anything it raised
    (130 after Ctrl+C). A bad argument exits through ChineseParser.error (SystemExit 2), which passes through."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = _take_debug(args)
    url = _db_argument(args)
    with _quiet(debug) as noise:
        try:
            return main(args)
        except KeyboardInterrupt:
            say("已中断")
            return EXIT_INTERRUPTED
        except BrokenPipeError:  # `… | head`: the reader has all it wanted; say nothing more
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
            return EXIT_OK
        except Exception as exc:  # the one place a failure becomes a sentence; the detail only under --debug
            line = describe(exc, url=url, debug=debug)
            if debug:
                try:
                    line += f"；详情已写入 {write_log(exc, args, noise.text())}"
                except OSError as log_exc:
                    line += f"；详情无法写入日志目录 {log_dir()}（{describe(log_exc, url=url, debug=True)}）"
            say(line)
            return EXIT_UNUSABLE
