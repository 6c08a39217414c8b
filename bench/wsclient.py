"""The websocket-level client of `make load` (bench/load.py): one session speaks Streamlit's own protocol on
/_stcore/stream (BackMsg rerun_script out, ForwardMsg back) with a server-side session's shian_session cookie, and judges each run."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

CLIENT_KIND = "websocket-level client (Streamlit's BackMsg/ForwardMsg protocol on /_stcore/stream; no browser)"
LOGGED_IN_MARK = "当前用户："  # the sidebar caption components/auth.sidebar_account draws for a logged-in account
DATA_ELEMENTS = {"dataframe", "arrow_data_frame", "arrow_table", "table", "vega_lite_chart", "arrow_vega_lite_chart",
                 "metric", "deck_gl_json_chart", "plotly_chart"}


@dataclass
class Visit:
    session: int
    page: str
    seconds: float
    error: str = ""
    elements: int = 0  # new elements the run drew
    data_elements: int = 0  # tables, charts, metrics and maps among them
    logged_in: bool = False


@dataclass
class Run:
    """What one rerun_script brought back, up to its script_finished."""
    seconds: float = 0.0
    status: str = ""
    elements: int = 0
    data_elements: int = 0
    headings: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    logged_in: bool = False
    page_not_found: bool = False
    pages: dict[str, str] = field(default_factory=dict)  # page title -> page_script_hash (navigation message)
    default_page: str = ""


def login_cookie(database_url: str, username: str) -> str:
    """A shian_session cookie for this account: a server-side session, as /account/signin would set it."""
    from sqlmodel import Session

    from db.engine import dispose_engines, get_engine
    from services import auth, sessions

    with Session(get_engine(database_url)) as session:
        user = auth.get_user(session=session, username=username)
        if user is None or not user["is_active"]:
            raise SystemExit(f"no active account {username!r} in {database_url}")
        _, code = sessions.begin(session=session, user=user, client="127.0.0.1")
        token = sessions.claim(session=session, code=code)
    dispose_engines()
    return f"{sessions.COOKIE}={token}"


async def rerun(ws, *, page_script_hash: str = "", page_name: str = "", timeout: float) -> Run:
    """Send one rerun_script as the browser does on a page change and read until that run's script_finished."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_script_hash = page_script_hash
    msg.rerun_script.page_name = page_name
    msg.rerun_script.widget_states.SetInParent()  # no widget touched: every widget at its default
    run = Run()
    started = time.perf_counter()
    await ws.send(msg.SerializeToString())
    async with asyncio.timeout(timeout):
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                etype = element.WhichOneof("type")
                run.elements += 1
                run.data_elements += etype in DATA_ELEMENTS
                if etype == "heading":
                    run.headings.append(element.heading.body)
                elif etype == "markdown" and element.markdown.body.startswith(LOGGED_IN_MARK):
                    run.logged_in = True
                elif etype == "exception":
                    run.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:200])
            elif kind == "navigation":
                run.pages = {p.page_name: p.page_script_hash for p in fwd.navigation.app_pages}
                run.default_page = next((p.page_name for p in fwd.navigation.app_pages if p.is_default), "")
            elif kind == "page_not_found":
                run.page_not_found = True
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(fwd.script_finished)
                if fwd.script_finished in (ForwardMsg.FINISHED_EARLY_FOR_RERUN,
                                           ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    continue  # an st.rerun() inside the app: its next run is still this page change
                run.status = status
                run.seconds = time.perf_counter() - started
                return run


def judge(run: Run, page: str) -> str:
    """Why this run does not count as a page the account saw with its data ('' when it does)."""
    if run.exceptions:
        return f"exception: {run.exceptions[0]}"
    if run.status != "FINISHED_SUCCESSFULLY":
        return f"script_finished {run.status}"
    if run.page_not_found:
        return "page not found"
    if not run.logged_in:
        return "not logged in (登录 page)" if "登录" in run.pages else "no logged-in account shown"
    if not any(h == page or h.startswith(f"{page} ") for h in run.headings):
        return f"no {page} heading (headings: {run.headings[:3]})"
    if not run.data_elements:
        return "no table, chart, metric or map"
    return ""


class Tab:
    """What one websocket does for session() and viewer(): open "/", visit a page, note every visit."""

    def __init__(self, index: int, timeout: float) -> None:
        self.index, self.timeout, self.visits, self.ws = index, timeout, [], None

    def connect(self, ws_url: str, cookie: str):
        import websockets

        # No keepalive pings: a server busy for seconds answers them late, which is a slow page, not a lost session.
        return websockets.connect(ws_url, additional_headers={"Cookie": cookie}, subprotocols=["streamlit"],
                                  max_size=None, open_timeout=self.timeout, ping_interval=None)

    def record(self, page: str, run: Run | None, error: str, seconds: float) -> None:
        self.visits.append(Visit(self.index, page, seconds, error, run.elements if run else 0,
                                 run.data_elements if run else 0, run.logged_in if run else False))

    def failed(self, exc: Exception) -> list[Visit]:
        self.record("(connection)", None, f"{type(exc).__name__}: {exc}"[:200], 0.0)
        return self.visits

    async def open_home(self) -> dict | None:
        """Open "/" as a browser would; the page hashes of the navigation, None after a timeout."""
        started = time.perf_counter()
        try:
            first = await rerun(self.ws, page_name="", timeout=self.timeout)  # "/": the navigation's default page
        except TimeoutError:
            self.record("(open)", None, f"timeout after {self.timeout:.0f} s", time.perf_counter() - started)
            return None
        home = first.default_page or "(open)"
        self.record(home, first, judge(first, home), first.seconds)
        return first.pages

    async def visit(self, page: str, hashes: dict) -> bool:
        """One page by its navigation hash; False after a timeout (the run may still be going: this websocket's
        later times would be wrong)."""
        if page not in hashes:
            self.record(page, None, "not in this account's navigation", 0.0)
            return True
        started = time.perf_counter()
        try:
            run = await rerun(self.ws, page_script_hash=hashes[page], timeout=self.timeout)
        except TimeoutError:
            self.record(page, None, f"timeout after {self.timeout:.0f} s", time.perf_counter() - started)
            return False
        self.record(page, run, judge(run, page), run.seconds)
        return True


async def session(index: int, ws_url: str, cookie: str, pages: list[str], rounds: int, *, timeout: float,
                  think: float) -> list[Visit]:
    """One browser tab's worth of traffic: open "/", then the pages in turn, starting at a page of its own."""
    import websockets

    tab = Tab(index, timeout)
    order = pages[index % len(pages):] + pages[:index % len(pages)]
    try:
        async with tab.connect(ws_url, cookie) as tab.ws:
            hashes = await tab.open_home()
            if hashes is None:
                return tab.visits
            for _ in range(rounds):
                for page in order:
                    if think:
                        await asyncio.sleep(think)
                    if not await tab.visit(page, hashes):
                        return tab.visits
    except (OSError, websockets.WebSocketException) as exc:
        return tab.failed(exc)
    return tab.visits


async def viewer(index: int, ws_url: str, cookie: str, pages: list[str], *, think: float, duration: float,
                 timeout: float, seed: int = 21) -> list[Visit]:
    """A viewer with think time (issue 21): opens "/" at a random moment of the first think period (so viewers do
    not all arrive at once), then a random page of `pages` every `think` seconds, on a fixed beat from its opening
    (a page slower than the beat is followed at once), until `duration` seconds have passed since the run began:
    no page starts after that, so a slow server gets fewer visits rather than a longer run."""
    import random

    import websockets

    rng = random.Random(seed * 100_003 + index)
    tab = Tab(index, timeout)
    began = time.perf_counter()
    await asyncio.sleep(rng.uniform(0, think))
    try:
        async with tab.connect(ws_url, cookie) as tab.ws:
            beat = time.perf_counter()
            hashes = await tab.open_home()
            if hashes is None:
                return tab.visits
            while True:
                beat += think
                if beat - began >= duration or time.perf_counter() - began >= duration:
                    return tab.visits  # time is up (slow pages make a viewer skip beats, not run over)
                await asyncio.sleep(max(0.0, beat - time.perf_counter()))
                if not hashes:  # the opening failed (no navigation came back): reload "/", as a person would
                    hashes = await tab.open_home()
                    if hashes is None:
                        return tab.visits
                    continue
                if not await tab.visit(rng.choice(pages), hashes):
                    return tab.visits
    except (OSError, websockets.WebSocketException) as exc:
        return tab.failed(exc)
    return tab.visits
