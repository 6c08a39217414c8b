"""Replicas: two app processes on one PostgreSQL database stay consistent. A login through replica B is accepted by
replica A (the login lives in the shared database, and the browser sends a host's cookies to every port); an import
through A's 数据导入 page shows on B's 总览 at B's next rerun (every cache is keyed by data_version), with no reload
and no restart of B. nginx with deploy/nginx.conf in front of two replicas serves the app, websocket included, and
keeps each browser on one replica, its uploads included (the static checks of deploy/ are tests/test_deploy.py)."""

from __future__ import annotations

import re
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from db import models as m
from db.engine import dispose_engines, get_engine
from db.migrate import upgrade
from seed.demo import build_demo
from services import auth, sessions
from services.sessions import COOKIE
from tests.browser.conftest import (
    SCREENS,
    _free_port,
    _healthy,
    login,
    new_page,
    require_browser,
    serve,
    wait_for_app_run,
)
from tests.browser.test_upload import TITLE, choose, october, open_import, state
from tests.pages.conftest import ensure_user
from tests.seed.fixtures import HEADERS, xlsx
from tests.test_deploy import nginx, nginx_command, nginx_conf

OFFICE = "当前用户：演示·食安办（食安办）"


def _running(pid: int) -> bool:
    """The process exists and has not exited (an exited child not yet waited for is a zombie)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return re.search(r"^State:\s+Z", status, re.M) is None


@contextmanager
def two_replicas(db_url: str, tmp: Path, **env: str):
    """Two `serve()` app processes on one database, started side by side (each start is seconds of imports)."""
    managers = [serve(db_url, tmp, **env) for _ in range(2)]
    with ExitStack() as stack:
        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(manager.__enter__) for manager in managers]
        apps, errors = [], []
        for manager, future in zip(managers, futures, strict=True):
            try:
                apps.append(future.result())
                stack.push(manager)
            except BaseException as exc:  # pytest.fail / skip too: the other server must still be stopped
                errors.append(exc)
        if errors:
            raise errors[0]
        yield tuple(apps)


def _indicator_id(db_url: str, code: str) -> int:
    with Session(get_engine(db_url)) as s:
        found = s.exec(select(m.TaskIndicator.id).where(m.TaskIndicator.code == code)).one()
    dispose_engines()
    return found


def _card(page, indicator_id: int) -> str:
    """An indicator's district figure on 总览, e.g. 98/126家 (累计完成/目标)."""
    return page.locator(f".st-key-task-{indicator_id} [data-testid='stMetricValue']").inner_text().strip()


@pytest.mark.browser
@pytest.mark.pg
def test_an_import_through_one_replica_shows_on_the_other_at_its_next_rerun(pg_url, browser, outside, tmp_path):
    require_browser()
    upgrade(pg_url)
    build_demo(get_engine(pg_url))
    dispose_engines()
    shifan = _indicator_id(pg_url, "示范创建")
    with two_replicas(pg_url, tmp_path) as (a, b):
        assert a.url != b.url and a.pid != b.pid
        context, page_b = new_page(browser, b, outside, None)
        try:
            # A's first run imports the app's modules: let it do so (on its login page) while B logs in.
            page_a = context.new_page()
            page_a.on("websocket", outside.websocket)
            page_a.goto(a.url, wait_until="commit")

            # B: log in through the form; 总览 shows 示范创建 for the district.
            login(page_b, b, "office")
            assert page_b.get_by_text(OFFICE).is_visible(), b.log_tail()
            target, now = october(b, "明水所", "示范创建")
            before_card = _card(page_b, shifan)
            total_before, total_target = (int(x) for x in before_card.removesuffix("家").split("/"))
            page_b.evaluate("() => { window.__sameDocument = true; }")  # gone if B's page is ever reloaded

            # B's cookie is for the host, not the port, so the browser sends it to A too; A accepts it.
            on_a = {c["name"]: c for c in context.cookies(a.url)}
            assert COOKIE in on_a, "the login cookie set by B is not sent to A"
            with Session(get_engine(pg_url)) as s:  # the session B made, in the database both replicas read
                assert sessions.resume(session=s, token=on_a[COOKIE]["value"]).user["username"] == "office"
            dispose_engines()
            open_import(page_a, a)
            assert page_a.get_by_text(OFFICE).is_visible(), "A did not accept B's login cookie\n" + a.log_tail()

            # The import goes through A's 数据导入 page.
            new = now + 3
            before = state(a)
            choose(page_a, "明水十月.xlsx", xlsx([[TITLE], ["监管所", "食品小作坊示范创建"], ["明水所", new]]))
            page_a.get_by_role("button", name="确认导入").wait_for(timeout=60_000)
            wait_for_app_run(page_a)
            page_a.get_by_role("button", name="确认导入").click()
            page_a.get_by_text("导入完成：批次").wait_for(timeout=60_000)
            wait_for_app_run(page_a)
            assert page_a.get_by_test_id("stException").count() == 0, a.log_tail()
            assert state(a)["data_version"] == before["data_version"] + 1
            assert october(a, "明水所", "示范创建") == (target, new)

            # B's next rerun (Streamlit's R key: rerun, no reload) reads the new data_version and the new figure.
            assert _card(page_b, shifan) == before_card  # nothing reran on B yet
            page_b.bring_to_front()
            page_b.locator("body").press("r")
            expect(page_b.locator(f".st-key-task-{shifan} [data-testid='stMetricValue']")).to_have_text(
                f"{total_before + 3:g}/{total_target:g}家", timeout=60_000)
            wait_for_app_run(page_b)
            assert page_b.get_by_test_id("stException").count() == 0, b.log_tail()
            assert page_b.evaluate("() => window.__sameDocument === true"), "B's page was reloaded"
            assert _running(b.pid) and _healthy(b.url), "B is not the server process it was"
            page_b.screenshot(path=str(SCREENS / "replicas-b-after-import.png"))
        finally:
            context.close()
    outside.check()


# --- nginx in front of the replicas ---------------------------------------------------------------------------


def _access_log(tmp: Path) -> list[dict[str, str]]:
    """The access log's finished lines (nginx may be writing the last one while it is read)."""
    rows = []
    text = (tmp / "shian.access.log").read_text()
    for line in text.split("\n")[:-1]:  # the part after the last newline is not a line yet
        if "upstream=" not in line or "route=" not in line:
            continue
        request = re.search(r'"\S+ (\S+) [^"]*" (\d{3}) ', line)
        fields = dict(re.findall(r"(\w+)=(\S*)", line.split('"')[-1]))
        # $upstream_addr lists every attempt ("a:1, a:1" when a kept-alive connection had closed and nginx
        # retried; "a:1 : b:2" across an internal redirect): the replicas are the distinct addresses in it.
        tried = re.search(r"upstream=(.*?) route=", line)
        fields["upstream"] = ",".join(sorted(set(re.findall(r"[\w.\-]+:\d+", tried.group(1) if tried else ""))))
        rows.append({"path": request.group(1) if request else "", "status": request.group(2) if request else "",
                     **fields})
    return rows


@pytest.mark.browser
def test_nginx_serves_the_app_and_keeps_each_browser_on_one_replica(sqlite_url, browser, outside, tmp_path):
    binary = nginx()
    require_browser()
    upgrade(sqlite_url)
    dispose_engines()
    with ExitStack() as stack:
        a, b = stack.enter_context(two_replicas(sqlite_url, tmp_path))
        ports = (int(a.url.rsplit(":", 1)[1]), int(b.url.rsplit(":", 1)[1]))
        listen = _free_port()
        conf = nginx_conf(tmp_path, listen=listen, replicas=ports)
        proc = subprocess.Popen([*nginx_command(binary, tmp_path, conf), "-g", "daemon off;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        stack.callback(proc.wait, timeout=15)
        stack.callback(proc.terminate)
        front = f"http://127.0.0.1:{listen}"
        deadline = time.monotonic() + 15
        while not _healthy(front):
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "error.log").read_text()
            time.sleep(0.2)

        # A request without the route cookie is given one; a request with it is not given another.
        with urllib.request.urlopen(f"{front}/_stcore/health", timeout=5) as r:
            assert any(c.startswith("shian_route=") for c in r.headers.get_all("Set-Cookie", []))
        request = urllib.request.Request(f"{front}/_stcore/health", headers={"Cookie": "shian_route=probe"})
        with urllib.request.urlopen(request, timeout=5) as r:
            assert not any(c.startswith("shian_route=") for c in r.headers.get_all("Set-Cookie", []))

        # Forty browsers (route cookies) twice each: each stays on one replica, and both replicas get some.
        routes = [f"r{i}" for i in range(40)]
        for route in routes * 2:
            request = urllib.request.Request(f"{front}/_stcore/health", headers={"Cookie": f"shian_route={route}"})
            with urllib.request.urlopen(request, timeout=5) as r:
                assert r.read().decode().strip() == "ok"

        # A real browser through nginx: the page loads and its websocket connects (upgrade headers, Host).
        context, page = new_page(browser, a, outside, None)
        try:
            page.goto(front)
            wait_for_app_run(page)
            assert page.get_by_label("用户名").is_visible()
            route = next(c["value"] for c in context.cookies(front) if c["name"] == "shian_route")
        finally:
            context.close()

        # nginx logs a websocket when it closes: wait for the line of the browser's.
        deadline = time.monotonic() + 10
        while not any(row["route"] == route and row["path"] == "/_stcore/stream" and row["status"] == "101"
                      for row in _access_log(tmp_path)):
            assert time.monotonic() < deadline, "the websocket did not go through nginx"
            time.sleep(0.2)
        log = _access_log(tmp_path)
        by_route: dict[str, set[str]] = {}
        for row in log:
            by_route.setdefault(row["route"], set()).add(row["upstream"])
        assert all(len(by_route[r]) == 1 for r in routes), by_route
        assert {u for r in routes for u in by_route[r]} == {f"127.0.0.1:{p}" for p in ports}
        assert len(by_route[route]) == 1, [row for row in log if row["route"] == route]

        # An upload through nginx reaches the replica that holds the browser's session (its route): Streamlit
        # refuses a file PUT for a session it does not have, so the importer's Chinese answer shows it arrived.
        ensure_user(sqlite_url, "office")
        with Session(get_engine(sqlite_url)) as s:  # a login as /account/signin makes it
            _, code = sessions.begin(session=s, user=auth.get_user(session=s, username="office"), client="127.0.0.1")
            token = sessions.claim(session=s, code=code)
        dispose_engines()
        context, page = new_page(browser, a, outside, None)
        context.add_cookies([{"name": COOKIE, "value": token, "url": front, "sameSite": "Lax", "httpOnly": True}])
        try:
            open_import(page, SimpleNamespace(url=front, log_tail=a.log_tail))
            choose(page, "十月进度.xlsx", xlsx([[TITLE], HEADERS, ["明水所", 15, 3, 4, 2]], title="十月"))
            page.get_by_text("未写入任何数据").first.wait_for(timeout=60_000)
            assert page.get_by_test_id("stException").count() == 0, a.log_tail() + b.log_tail()
            uploader = next(c["value"] for c in context.cookies(front) if c["name"] == "shian_route")
        finally:
            context.close()
        puts = [row for row in _access_log(tmp_path) if row["path"].startswith("/_stcore/upload_file/")]
        assert puts and all(row["route"] == uploader and row["status"] in ("200", "204") for row in puts), puts
        assert len({row["upstream"] for row in _access_log(tmp_path) if row["route"] == uploader}) == 1
    outside.check()
