"""`make run` listens on this computer only unless an address is given (issue 16 item 8), and its echo line says
the URL to open. Read from `make -n run` (the commands, not run)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*args: str, **env: str) -> tuple[str, str]:
    """(the echo line, the streamlit command) of `make -n run`."""
    environ = {k: v for k, v in os.environ.items() if k not in ("ADDRESS", "PORT")} | env
    out = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, env=environ, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    echo = next(line for line in out if line.startswith("echo ") and "食安督导看板" in line)
    streamlit = next(line for line in out if "streamlit run server.py" in line)
    return echo, streamlit


def test_it_listens_on_this_computer_only_by_default():
    echo, streamlit = dry_run()
    assert streamlit.endswith("streamlit run server.py --server.address 127.0.0.1 --server.port 8501")
    assert "http://localhost:8501（只在本机可以打开；让办公网络中的其他电脑访问：make run ADDRESS=0.0.0.0" in echo


def test_an_address_on_the_command_line_opens_it_to_the_network():
    echo, streamlit = dry_run("ADDRESS=0.0.0.0")
    assert "--server.address 0.0.0.0 --server.port 8501" in streamlit
    assert "办公网络中的其他电脑可用此地址打开；正式部署见 deploy/README.md" in echo
    assert "http://localhost" not in echo and ":8501（" in echo  # this computer's address, not localhost


def test_the_environment_variable_and_the_port_are_read_too():
    echo, streamlit = dry_run(ADDRESS="10.1.2.3", PORT="9000")
    assert "--server.address 10.1.2.3 --server.port 9000" in streamlit
    assert "食安督导看板：http://10.1.2.3:9000（" in echo
