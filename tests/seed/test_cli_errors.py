"""Issue 17, item 5: every command-line error is one Chinese line on stderr and exit code 2, for `python -m seed` and
`python -m reports`, run as a user runs them (a subprocess in a directory of its own): bad arguments, an unknown
database URL, an unreachable server, a file that cannot be opened. No traceback, no library's extra lines, no
English argparse words; `--debug` writes the detail to LOG_DIR and nothing into the current directory."""

from __future__ import annotations

import argparse
import gettext
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli.errors import describe, mask_url, run

# SQLite by design: the commands run in subprocesses on SQLite files, a bad URL or an unreachable server; the
# TEST_DB=pg pass would run the same processes again.
pytestmark = pytest.mark.sqlite_file

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/x"
NEVER = ("Traceback", "Background on this error", "sqlalchemy", "usage:", "error:", "the following arguments",
         "invalid choice", "invalid int value", "unrecognized arguments")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LOG_DIR", "PYTHONWARNINGS")}
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               LOG_DIR=str(tmp_path / "logs"), DATABASE_URL=f"sqlite:///{tmp_path / 'default.db'}")
    env.update(extra)
    return env


def _run(tmp_path: Path, *argv: str, **env: str) -> subprocess.CompletedProcess:
    cwd = tmp_path / "cwd"
    cwd.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, *argv], cwd=cwd, env=_env(tmp_path, **env), capture_output=True,
                          text=True, timeout=120)


def _one_chinese_line(out: subprocess.CompletedProcess, tmp_path: Path) -> str:
    assert out.returncode == 2, (out.returncode, out.stderr)
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), out.stderr
    line = lines[0]
    assert CJK.search(line), line
    for word in NEVER:
        assert word.lower() not in out.stderr.lower(), (word, line)
    assert out.stdout == ""
    assert list((tmp_path / "cwd").iterdir()) == [], "nothing may be written into the current directory"
    return line


def _fill(args: tuple[str, ...], tmp_path: Path) -> list[str]:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    (tmp_path / "adir").mkdir(exist_ok=True)
    return [a.format(tmp=tmp_path) for a in args]


SEED_CASES = [  # (arguments, what the line must name)
    ((), "缺少必需的参数：子命令（可选：demo、synth"),
    (("frobnicate",), "没有子命令“frobnicate”"),
    (("user",), "子命令（可选：add、list"),
    (("user", "add", "zhang"), "缺少必需的参数：--role"),
    (("user", "add"), "缺少必需的参数：用户名、--role"),
    (("synth", "--scale", "huge"), "参数 --scale：没有取值“huge”（可选：county、city、province、tiny）"),
    (("undo", "abc"), "参数 批次号：“abc”不是有效的整数"),
    (("export", "任务清单", "--year", "二〇二二"), "参数 --year：“二〇二二”不是有效的整数"),
    (("migrate", "--bogus"), "无法识别的参数：--bogus"),
    (("migrate", "--db", "bogus://x"), "数据库地址无法识别：bogus://x"),
    (("init", "--db", "nonsense"), "数据库地址无法识别：nonsense"),
    (("migrate", "--db", UNREACHABLE), "无法连接数据库：服务器拒绝连接"),
    (("user", "list", "--db", "sqlite:///{tmp}/afile/x.db"), "路径已被占用，不能新建文件或文件夹：{tmp}/afile"),
    (("migrate", "--db", "sqlite:///{tmp}/adir"), "无法连接数据库：无法打开数据库文件"),
    (("import", "{tmp}/没有这个文件.xlsx", "--db", "sqlite:///{tmp}/x.db"), "没有这个文件.xlsx：文件不存在"),
]


@pytest.mark.parametrize(("args", "named"), SEED_CASES, ids=[" ".join(a) or "(none)" for a, _ in SEED_CASES])
def test_python_m_seed_answers_every_error_with_one_chinese_line(tmp_path, args, named):
    line = _one_chinese_line(_run(tmp_path, "-m", "seed", *_fill(args, tmp_path)), tmp_path)
    assert named.format(tmp=tmp_path) in line


REPORT_CASES = [
    ((), "缺少必需的参数：子命令（可选：briefing、考核通报、风险会商）"),
    (("brief",), "没有子命令“brief”"),
    (("briefing",), "缺少必需的参数：--year、--month、--out"),
    (("briefing", "--year", "x", "--month", "10", "--out", "o"), "参数 --year：“x”不是有效的整数"),
    (("briefing", "--year", "2022", "--month", "13", "--out", "o"), "参数 --month：没有取值“13”（可选：1、2、3"),
    (("briefing", "--year", "2022", "--month", "10", "--out", "o", "--as-of", "2022-13-01"),
     "参数 --as-of：“2022-13-01”不是有效的日期（YYYY-MM-DD）"),
    (("briefing", "--year", "2022", "--month", "10", "--out", "o", "--pdf"), "无法识别的参数：--pdf"),
    (("风险会商", "--year", "2022", "--quarter", "5", "--out", "o"), "参数 --quarter：没有取值“5”（可选：1、2、3、4）"),
    (("briefing", "--year", "2022", "--month", "10", "--out", "{tmp}/o", "--db", "bogus://x"),
     "数据库地址无法识别：bogus://x"),
    (("briefing", "--year", "2022", "--month", "10", "--out", "{tmp}/o", "--db", UNREACHABLE),
     "无法连接数据库：服务器拒绝连接"),
    (("briefing", "--year", "2022", "--month", "10", "--out", "{tmp}/o", "--db", "sqlite:///{tmp}/adir"),
     "无法连接数据库：无法打开数据库文件"),
    (("briefing", "--year", "2022", "--month", "10", "--out", "{tmp}/o", "--db", "sqlite:///{tmp}/empty.db"),
     "数据库中还没有所需的表"),
]


@pytest.mark.parametrize(("args", "named"), REPORT_CASES, ids=[" ".join(a) or "(none)" for a, _ in REPORT_CASES])
def test_python_m_reports_answers_every_error_with_one_chinese_line(tmp_path, args, named):
    line = _one_chinese_line(_run(tmp_path, "-m", "reports", *_fill(args, tmp_path)), tmp_path)
    assert named.format(tmp=tmp_path) in line
    assert not (tmp_path / "logs").exists(), "without --debug nothing is logged"


def test_the_settings_database_url_is_named_and_its_password_masked(tmp_path):
    line = _one_chinese_line(
        _run(tmp_path, "-m", "seed", "user", "list", DATABASE_URL="postgresql://nobody:s3cret@127.0.0.1:1/x"),
        tmp_path)
    assert "无法连接数据库" in line and "nobody:***@127.0.0.1:1/x" in line and "s3cret" not in line
    assert mask_url("postgresql+psycopg://u:pw@h:5432/db") == "postgresql+psycopg://u:***@h:5432/db"
    assert mask_url("nonsense://u:pw@h/db") == "nonsense://u:***@h/db"


@pytest.mark.parametrize("argv", [
    ("-m", "seed", "--debug", "migrate", "--db", UNREACHABLE),
    ("-m", "seed", "migrate", "--db", UNREACHABLE, "--debug"),
    ("-m", "reports", "briefing", "--debug", "--year", "2022", "--month", "10", "--out", "o", "--db", UNREACHABLE),
], ids=["seed-before", "seed-after", "reports"])
def test_debug_writes_the_traceback_to_the_log_directory_and_still_says_one_line(tmp_path, argv):
    line = _one_chinese_line(_run(tmp_path, *argv), tmp_path)
    logs = list((tmp_path / "logs").iterdir())
    assert len(logs) == 1 and re.fullmatch(r"cli-\d{8}-\d{6}\.log", logs[0].name)
    assert line.startswith("无法连接数据库：服务器拒绝连接") and line.endswith(f"详情已写入 {logs[0]}")
    detail = logs[0].read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in detail and "OperationalError" in detail
    assert detail.startswith(f"命令：python -m {argv[1]} ")


def test_a_relative_log_dir_is_taken_from_the_project_folder_not_the_current_one(monkeypatch, tmp_path):
    from cli.errors import log_dir

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_DIR", "data/some-logs")
    assert log_dir() == ROOT / "data" / "some-logs"
    monkeypatch.setenv("LOG_DIR", str(tmp_path / "abs"))
    assert log_dir() == tmp_path / "abs"


def test_help_reads_in_chinese(tmp_path):
    for argv, words in ((("-m", "seed", "-h"), ("用法：python -m seed", "位置参数：", "子命令", "选项：",
                                                 "显示帮助并退出", "--debug")),
                        (("-m", "seed", "user", "add", "-h"), ("用法：", "位置参数：", "用户名", "选项：")),
                        (("-m", "reports", "briefing", "--help"), ("用法：python -m reports briefing", "选项：",
                                                                   "显示帮助并退出", "月份（1–12）"))):
        out = _run(tmp_path, *argv)
        assert out.returncode == 0 and out.stderr == ""
        for word in words:
            assert word in out.stdout, (argv, word)
        for english in ("usage:", "options:", "positional arguments", "show this help message"):
            assert english not in out.stdout, (argv, english)


def test_library_warnings_and_log_lines_never_reach_stderr(tmp_path):
    script = ("import logging, sys, warnings\n"
              "from cli.errors import run\n"
              "def main(argv):\n"
              "    warnings.warn('a library warning', DeprecationWarning)\n"
              "    warnings.warn('another library warning', UserWarning)\n"
              "    logging.getLogger('sqlalchemy.pool').warning('a library log line')\n"
              "    raise RuntimeError('boom')\n"
              "sys.exit(run(main, sys.argv[1:]))\n")
    quiet = _run(tmp_path, "-W", "always", "-c", script)
    assert _one_chinese_line(quiet, tmp_path) == "内部错误：运行出错（RuntimeError），加 --debug 查看详情"
    loud = _run(tmp_path, "-W", "always", "-c", script, "--debug")
    line = _one_chinese_line(loud, tmp_path)
    assert line.startswith("内部错误：运行出错（RuntimeError）；详情已写入 ")
    detail = Path(line.split("详情已写入 ", 1)[1]).read_text(encoding="utf-8")
    assert "RuntimeError: boom" in detail
    assert "a library log line" in detail and "another library warning" in detail


def test_the_runner_turns_any_failure_into_one_line(capsys):
    def fails(exc):
        def main(argv):
            raise exc
        return main

    assert run(fails(ZeroDivisionError("division by zero")), []) == 2
    assert capsys.readouterr().err == "内部错误：除数为零（ZeroDivisionError），加 --debug 查看详情\n"
    assert run(fails(ValueError("第3行的日期不对\nsecond line")), []) == 2
    assert capsys.readouterr().err == "内部错误：第3行的日期不对，加 --debug 查看详情\n"
    assert run(fails(KeyboardInterrupt()), []) == 130
    assert capsys.readouterr().err == "已中断\n"
    assert run(fails(PermissionError(13, "Permission denied", "/srv/x.xlsx")), []) == 2
    assert capsys.readouterr().err == "没有权限访问：/srv/x.xlsx\n"
    assert run(fails(IsADirectoryError(21, "Is a directory", "/srv")), []) == 2
    assert capsys.readouterr().err == "这是一个文件夹，不是文件：/srv\n"
    assert run(lambda argv: 7 if argv == ["x"] else 0, ["--debug", "x"]) == 7  # --debug never reaches the command
    assert describe(OSError("odd")) == "内部错误：程序遇到意外情况（OSError），加 --debug 查看详情"


def test_argparse_is_left_as_it_was(capsys):
    from cli.seed import main

    with pytest.raises(SystemExit) as exc:
        main(["undo", "abc"])
    assert exc.value.code == 2
    assert argparse._ is gettext.gettext and argparse.ngettext is gettext.ngettext  # type: ignore[attr-defined]
    assert capsys.readouterr().err.count("\n") == 1
