"""The running app for browser tests: a demo database, `streamlit run` on a free port, Debian's Chromium.

Without /usr/bin/chromium, the Noto CJK fonts or the playwright package every test here skips with the reason;
under CI=true it fails instead (`make test` installs the system packages when it runs as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.load import free_port as _free_port  # the load script starts its server the same way
from bench.load import healthy as _healthy
from bench.load import stop
from db.engine import get_engine

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "tests" / "artifacts" / "screens"
CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() == "true"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
VIEWPORT = {"width": 1600, "height": 1000}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
    # WebGL for the pydeck canvas: Chromium >= 144 no longer falls back to SwiftShader by itself
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-gpu-sandbox",
    # Debian's wrapper turns GPU rasterization on; through SwiftShader that doubles the browser's CPU (a role's walk:
    # 79 s of CPU with it, 48 s without). WebGL still draws through SwiftShader.
    "--disable-gpu-rasterization",
    "--disable-gpu-compositing",
]


def _missing() -> str | None:
    """None when the browser tests can run, else why not."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (apt-get install chromium; `make test` does it as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the playwright package does not import ({exc}); install requirements-dev.txt"
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return "fc-list (fontconfig) is missing, so the Noto CJK fonts cannot be checked (apt-get install fonts-noto-cjk)"
    if "noto sans cjk" not in subprocess.run([fc_list], capture_output=True, text=True).stdout.lower():
        return "the Noto CJK fonts are missing, Chinese would render as boxes (apt-get install fonts-noto-cjk)"
    return None


_REASON = _missing()


def require_browser() -> None:
    if _REASON:
        if IN_CI:
            pytest.fail(f"CI=true requires the browser tests: {_REASON}")
        pytest.skip(_REASON)


@dataclass(frozen=True)
class App:
    url: str  # http://127.0.0.1:<port>
    log: Path  # the server's stdout and stderr: tracebacks the page only shows redacted
    db: str = ""  # DATABASE_URL of the server
    pid: int = 0  # the server process: a test can tell it was not restarted

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def build_demo_db(tmp: Path, factory) -> str:
    """A fresh demo database in tmp, a SQLite file (a copy of one built once per test session, `factory` being
    pytest's tmp_path_factory); returns its DATABASE_URL."""
    from tests import dbs

    return dbs.copy_of("demo", dbs.build_demo_database, factory, tmp, "demo.db", "sqlite")


@contextmanager
def serve(db_url: str, tmp: Path, *, launcher: Path | None = None, **env_extra: str):
    """`streamlit run server.py` on this database on a free port until the block ends (env_extra: e.g. SESSION_HOURS).

    launcher: a script that stands in for `-m streamlit` (e.g. one that wraps a function first); it is given
    `run server.py …` as its arguments."""
    require_browser()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url, **env_extra}
    env.pop("AS_OF", None)  # the date recorded in the demo database, as `make run` shows it
    log_path = tmp / f"streamlit-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed after the server stops
    proc = subprocess.Popen(
        [sys.executable, *([str(launcher)] if launcher else ["-m", "streamlit"]), "run", "server.py",
         "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--global.developmentMode", "false",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    running = App(f"http://127.0.0.1:{port}", log_path, db_url, proc.pid)
    try:
        deadline = time.monotonic() + 60
        while not _healthy(running.url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer /_stcore/health within 60 s:\n{running.log_tail()}")
            time.sleep(0.3)
        yield running
    finally:
        stop(proc)
        log.close()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """`streamlit run server.py` on the demo database on a free port; stopped after the session."""
    require_browser()
    tmp = tmp_path_factory.mktemp("browser")
    with serve(build_demo_db(tmp, tmp_path_factory), tmp) as running:
        yield running


@pytest.fixture(scope="session")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Outside:
    """Requests the page tried to send anywhere but the app server (all aborted)."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def handler(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.urls.append(url)
            route.abort()

    def websocket(self, ws) -> None:
        if urlsplit(ws.url).hostname not in LOCAL_HOSTS:
            self.urls.append(ws.url)

    def check(self) -> None:
        assert self.urls == [], f"the page requested hosts other than the app server: {self.urls}"


@pytest.fixture
def outside() -> Outside:
    return Outside()


def session_cookie(app: App, username: str) -> dict:
    """The login cookie /account/signin would set for this demo account: a server-side session's token."""
    from sqlmodel import Session

    from services import auth, sessions

    with Session(get_engine(app.db)) as s:
        user = auth.get_user(session=s, username=username)
        _, code = sessions.begin(session=s, user=user, client="127.0.0.1")
        token = sessions.claim(session=s, code=code)
    return {"name": sessions.COOKIE, "value": token, "url": app.url, "sameSite": "Lax", "httpOnly": True}


def new_page(browser, app, outside, user: str | None, viewport: dict | None = None):
    """A fresh zh-CN page, 1600×1000 (or `viewport`), that may only talk to the app server, logged in as `user`
    (or not)."""
    context = browser.new_context(viewport=viewport or VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.route("**/*", outside.handler)
    if user:
        context.add_cookies([session_cookie(app, user)])
    p = context.new_page()
    p.on("websocket", outside.websocket)
    return context, p


@pytest.fixture
def page(browser, app, outside):
    """A page logged in as `leader` (by its cookie); tests end with outside.check()."""
    context, p = new_page(browser, app, outside, "leader")
    yield p
    context.close()


@pytest.fixture
def anon_page(browser, app, outside):
    """A page with no login cookie."""
    context, p = new_page(browser, app, outside, None)
    yield p
    context.close()


def login(page, app, username: str, password: str = "demo1234") -> None:
    """Log in through the form (the page is on the login screen)."""
    page.goto(app.url)
    wait_for_app_run(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    # The run after the click may not have started yet: wait for its outcome, the account line or an error.
    page.locator("[data-testid='stSidebar'] :text('当前用户：'), [data-testid='stAlertContentError']").first.wait_for(
        timeout=30_000)
    wait_for_app_run(page)


def wait_for_app_run(page, timeout: float = 60_000) -> None:
    """Streamlit's own readiness check (e2e_playwright/conftest.py): connected, script finished, no skeletons."""
    from playwright.sync_api import expect

    page.wait_for_selector("[data-testid='stAppViewContainer']", state="attached", timeout=30_000)
    page.wait_for_timeout(210)  # pydeck's 200 ms debounce
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout)
    page.wait_for_timeout(100)


def wait_for_charts(page, timeout: float = 30_000) -> None:
    """Every Altair chart has drawn its canvas or svg, every dataframe its canvas."""
    for testid in ("stVegaLiteChart", "stDataFrame"):
        charts = page.get_by_test_id(testid)
        for i in range(charts.count()):
            chart = charts.nth(i)
            # A chart in a tab that is not open is drawn when its tab opens (Vega needs a width): not waited for.
            if chart.evaluate("e => { const t = e.closest('[data-testid=stTabPanel], [role=tabpanel]');"
                              " return !!t && (t.hidden || getComputedStyle(t).display === 'none'); }"):
                continue
            chart.locator("canvas, svg").first.wait_for(state="attached", timeout=timeout)


def full_page_screenshot(page, path: Path) -> None:
    """The whole scrolled main area: Streamlit scrolls inside stMain, so grow the viewport to its height first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = VIEWPORT["height"]
    for _ in range(3):  # the layout may reflow once the viewport grows
        wanted = page.evaluate(
            "() => { const m = document.querySelector('[data-testid=stMain]');"
            " return m ? m.scrollHeight : document.documentElement.scrollHeight; }"
        )
        wanted = min(max(int(wanted), VIEWPORT["height"]), 16_000)
        if wanted <= height:
            break
        height = wanted
        page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
        page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    page.set_viewport_size(VIEWPORT)
