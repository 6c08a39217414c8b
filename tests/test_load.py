"""bench/load.py (issue 8): its websocket-level sessions reach every figure page logged in and see data, and a run
that shows the 登录 page counts as an error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import load

ROOT = Path(__file__).resolve().parents[1]
# Two of the lighter figure pages besides "/" (总览): the test checks the client, the page times are `make load`'s.
PAGES = ("任务清单", "工作要点")


@pytest.fixture
def demo_db_url(tmp_path):
    """A fresh demo database (the demo accounts, leader among them) in a SQLite file."""
    from db.engine import dispose_engines, get_engine
    from db.migrate import upgrade
    from seed.demo import build_demo

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    build_demo(get_engine(url))
    dispose_engines()
    return url


@pytest.mark.sqlite_file  # the load script starts its own server on a SQLite file
def test_two_sessions_see_their_pages_logged_in_with_data(demo_db_url, tmp_path):
    out = tmp_path / "load.json"
    proc = subprocess.run([sys.executable, "bench/load.py", "--db", demo_db_url, "--sessions", "2", "--rounds", "1",
                           "--pages", *PAGES, "--no-warmup", "--timeout", "90", "--json", str(out), "--no-results"],
                          cwd=ROOT, capture_output=True, text=True, timeout=170)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "websocket-level client" in proc.stdout
    (level,) = json.loads(out.read_text())["levels"]
    visits = level["visits"]
    # each session: "/" (the default page, 总览) and then each page once
    assert len(visits) == 2 * (1 + len(PAGES))
    assert [v for v in visits if v["error"]] == []
    assert {v["page"] for v in visits} == {"总览", *PAGES}
    assert all(v["logged_in"] and v["data_elements"] > 0 and v["seconds"] > 0 for v in visits)
    assert level["server_cpu_s"] > 0 and level["server_rss_peak_mb"] > 0


@pytest.mark.sqlite_file
def test_think_time_viewers_through_nginx_in_front_of_two_replicas(demo_db_url, tmp_path):
    """Issue 21: --replicas starts the replicas and nginx with deploy/nginx.conf; viewers with think time open random
    pages until the duration is over; each replica's memory is reported."""
    from bench import stack

    if not stack.nginx_binary():
        pytest.skip("nginx is not installed (apt-get install nginx)")
    out = tmp_path / "load.json"
    proc = subprocess.run([sys.executable, "bench/load.py", "--db", demo_db_url, "--sessions", "2", "--replicas", "2",
                           "--think", "2", "--duration", "25", "--pages", *PAGES, "--no-warmup", "--timeout", "90",
                           "--json", str(out), "--no-results"], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "2 replicas on ports" in proc.stdout and "behind nginx" in proc.stdout
    (level,) = json.loads(out.read_text())["levels"]
    assert level["duration_s"] == 25 and level["think_s"] == 2
    visits = level["visits"]
    assert [v for v in visits if v["error"]] == []
    assert {v["session"] for v in visits} == {0, 1}
    assert {v["page"] for v in visits} <= {"总览", *PAGES}
    # "/" (a cold page: seconds here) and then at least one random page each, none started after the 25 s
    assert all(sum(v["session"] == s for v in visits) >= 2 for s in (0, 1))
    assert len(level["replica_rss_peak_mb"]) == 2 and all(mb > 0 for mb in level["replica_rss_peak_mb"])


def test_the_login_page_is_an_error_not_a_page():
    login = load.Run(status="FINISHED_SUCCESSFULLY", elements=6, headings=["食安督导看板", "登录"],
                     pages={"登录": "hash"})
    assert load.judge(login, "总览").startswith("not logged in")
    seen = load.Run(status="FINISHED_SUCCESSFULLY", elements=9, data_elements=3, headings=["总览 · 2022年10月"],
                    logged_in=True, pages={"总览": "hash"})
    assert load.judge(seen, "总览") == ""
    assert load.judge(seen, "指标").startswith("no 指标 heading")
    assert load.judge(load.Run(**{**vars(seen), "data_elements": 0}), "总览") == "no table, chart, metric or map"
