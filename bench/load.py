"""`make load` (issue 8): N concurrent sessions against a running app on loopback, with page times, server CPU and
memory, and the client's own CPU.

    python bench/load.py [--sessions 10 25 50] [--rounds 1] [--db URL | --url http://127.0.0.1:8501] [--json PATH]
    python bench/load.py --db URL --replicas 2 --sessions 50 100 --think 10 --duration 300   # issue 21

Issue 21's mode: --replicas N starts N replicas behind nginx with deploy/nginx.conf (bench/stack.py); with
--duration each session is a viewer with think time (wsclient.viewer: a random figure page every --think seconds
until the duration is over); RSS and CPU are per replica. The summary (viewers, p50, p95, errors, RSS per replica,
the machine) goes into bench/results.json (--no-results: not).

The client works at the websocket level and runs no browser. On 2 cores, 50 Chromium tabs would measure the browsers
more than the server. Each session is one websocket on /_stcore/stream. It speaks Streamlit's own protocol: BackMsg
rerun_script out, ForwardMsg back. All sessions run in one asyncio process. A session opens "/" (the default page),
then visits the figure pages through the sidebar's page hashes for --rounds rounds; each session starts at a
different page. "Page time" is from sending rerun_script to the script_finished of that run: the server's work plus
loopback transfer. It leaves out the browser's parse, layout, chart rendering and the lazily loaded dataframe chunks.

Every session is logged in as --user (default: the demo account leader) with a server-side session's shian_session cookie. The
cookie is issued with the database's own secret (services/auth.py) and sent in the websocket handshake, where the app reads
it (components/auth.py). A run counts as an error when any of these holds:
- it raised (an exception element) or hit a compile error;
- it drew no heading with the page's title, or its navigation came back "page not found";
- it shows no logged-in account (the 登录 page);
- it drew no table, chart, metric or map;
- it timed out or its connection dropped.

Without --url the script starts `streamlit run server.py` itself on a free port, on --db (default: the synthetic county
database data/bench/county.db, built once like `make bench` builds it). Server CPU is utime+stime from /proc of the
server process and its descendants. Server memory is the peak of their summed VmRSS, sampled every 0.25 s. With
--url the server process is found by its listening port; another user's process shows n/a. Before the timed runs,
one session visits every page once (the cold run, printed apart) so the tables show a warm server under load.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import signal
import statistics
import sys
import tempfile
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import results, stack  # noqa: E402
from bench.run import AS_OF, FIGURE_PAGES, db_url, ensure_db  # noqa: E402
from bench.wsclient import CLIENT_KIND, Run, judge, login_cookie, session, viewer  # noqa: E402

__all__ = ["Run", "judge", "free_port", "healthy", "stop"]  # tests import these from here

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# --- the server: start one or find the one behind --url ------------------------------------------


free_port, healthy, stop = stack.free_port, stack.healthy, stack.stop  # one of each, in bench/stack.py


@contextmanager
def start_server(database_url: str, *, as_of: str | None, log_dir: Path, env_extra: dict[str, str] | None = None):
    """`streamlit run server.py` on this database on a free loopback port (bench/stack.replica); yields (base URL,
    pid, log path)."""
    port = free_port()
    with stack.replica(database_url, port, as_of=as_of, log_dir=log_dir, env_extra=env_extra) as pid:
        yield f"http://127.0.0.1:{port}", pid, log_dir / f"replica-{port}.log"


def listening_pid(port: int) -> int | None:
    """The process listening on this TCP port (from /proc/net/tcp*), when this user may see its sockets."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                inodes.add(cols[9])
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in targets:
                    return int(proc.name)
        except OSError:
            continue
    return None


# --- /proc: server CPU and memory -----------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from 3 (state) on; the command name may hold spaces


def _tree(root: int) -> list[int]:
    """root and its descendants (e.g. a LibreOffice the app starts for a PDF)."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            st = _stat(int(proc.name))
            if st:
                children.setdefault(int(st[1]), []).append(int(proc.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(root: int) -> float | None:
    """utime+stime of the tree, plus the root's reaped children (cutime+cstime)."""
    total = 0
    for pid in _tree(root):
        st = _stat(pid)
        if st is None:
            if pid == root:
                return None
            continue
        total += int(st[11]) + int(st[12])  # utime, stime (fields 14, 15)
        if pid == root:
            total += int(st[13]) + int(st[14])  # cutime, cstime (fields 16, 17)
    return total / CLK_TCK


def rss_mb(pids: list[int]) -> float | None:
    total, seen = 0, False
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    seen = True
        except OSError:
            continue
    return total / 1024 if seen else None


def client_cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


# --- one load level: N sessions, server and client measured around them ----------------------------


async def _sample_rss(roots: list[int], peak: list[float], stop: asyncio.Event) -> None:
    """Every 0.25 s the summed VmRSS of each server's processes (peak[i] for roots[i]); the process trees are re-read
    every 5 s only (walking /proc costs the client ~0.1 s of CPU each time)."""
    trees: list[list[int]] = []
    sample = 0
    while roots and not stop.is_set():
        if sample % 20 == 0:
            trees = [_tree(pid) for pid in roots]
        sample += 1
        for i, pids in enumerate(trees):
            mb = rss_mb(pids)
            if mb is not None:
                peak[i] = max(peak[i], mb)
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except TimeoutError:
            pass


def _sum(values: list) -> float | None:
    return None if not values or any(v is None for v in values) else sum(values)


async def load_level(n: int, ws_url: str, cookie: str, pages: list[str], rounds: int, *, pid: int | list[int] | None,
                     timeout: float, think: float, duration: float = 0.0) -> dict:
    """One level; pid is the server's, or the replicas' (then RSS and CPU are per replica and summed). With a
    duration the sessions are think-time viewers (wsclient.viewer: a random page every `think` s)."""
    roots = [pid] if isinstance(pid, int) else list(pid or [])
    peak, stop = [0.0] * len(roots), asyncio.Event()
    rss_each = [rss_mb(_tree(r)) for r in roots]
    cpu_each = [cpu_seconds(r) for r in roots]
    client_before = client_cpu_seconds()
    load_before = os.getloadavg()[0]
    wall_started = time.perf_counter()
    sampler = asyncio.create_task(_sample_rss(roots, peak, stop))
    if duration:
        runs = (viewer(i, ws_url, cookie, pages, think=think, duration=duration, timeout=timeout) for i in range(n))
    else:
        runs = (session(i, ws_url, cookie, pages, rounds, timeout=timeout, think=think) for i in range(n))
    results = await asyncio.gather(*runs)
    wall = time.perf_counter() - wall_started
    stop.set()
    await sampler
    cpu_used = [(a - b) if a is not None and b is not None else None
                for a, b in zip([cpu_seconds(r) for r in roots], cpu_each, strict=True)]
    server_cpu, rss_before = _sum(cpu_used), _sum(rss_each)
    visits = [v for s in results for v in s]
    return {"replica_rss_peak_mb": peak, "replica_rss_before_mb": rss_each, "replica_cpu_s": cpu_used,
            "think_s": think, "duration_s": duration,
        "sessions": n, "rounds": rounds, "wall_s": wall, "visits": [asdict(v) for v in visits],
        "server_cpu_s": server_cpu, "server_cpu_pct": server_cpu / wall * 100 if server_cpu is not None else None,
        "server_rss_before_mb": rss_before, "server_rss_peak_mb": sum(peak) or None,
        "client_cpu_s": client_cpu_seconds() - client_before,
        "loadavg_before": load_before, "loadavg_after": os.getloadavg()[0],
    }


# --- report --------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), linear between closest ranks."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def summarise(level: dict) -> dict:
    ok = [v["seconds"] for v in level["visits"] if not v["error"]]
    errors = [v for v in level["visits"] if v["error"]]
    return {"runs": len(level["visits"]), "ok": len(ok), "errors": len(errors),
            "p50": pct(ok, 50), "p95": pct(ok, 95), "max": max(ok, default=float("nan")),
            "first_errors": sorted({f"{v['page']}: {v['error']}" for v in errors})[:5]}


def _ljust(text: str, width: int) -> str:
    """Pad to a display width: a CJK character takes two columns in a terminal."""
    return text + " " * max(0, width - sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text))


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def print_report(levels: list[dict], pages: list[str]) -> None:
    header = (f"{'sessions':>8} {'runs':>5} {'errors':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'wall s':>7} "
              f"{'srv CPU s':>9} {'srv CPU %':>9} {'srv RSS MB':>10} {'RSS peak MB':>11} {'client CPU s':>12} "
              f"{'load1':>9}")
    print(header + "\n" + "-" * len(header))
    for level in levels:
        s = summarise(level)
        print(f"{level['sessions']:>8} {s['runs']:>5} {s['errors']:>6} {s['p50']:>7.2f} {s['p95']:>7.2f} "
              f"{s['max']:>7.2f} {level['wall_s']:>7.1f} {_fmt(level['server_cpu_s'], '9.1f'):>9} "
              f"{_fmt(level['server_cpu_pct'], '9.0f'):>9} {_fmt(level['server_rss_before_mb'], '10.0f'):>10} "
              f"{_fmt(level['server_rss_peak_mb'], '11.0f'):>11} {level['client_cpu_s']:>12.1f} "
              f"{level['loadavg_before']:>4.1f}→{level['loadavg_after']:<4.1f}")
    for level in levels:
        for line in summarise(level)["first_errors"]:
            print(f"  {level['sessions']} sessions, error: {line}")
    print("\nper page, p50 / p95 s (runs without error; the default page's include the opening of \"/\"):")
    head = _ljust("page", 10) + "".join(f"{'N=' + str(lv['sessions']):>16}" for lv in levels)
    print(head + "\n" + "-" * len(head))
    for page in pages:
        cells = []
        for level in levels:
            times = [v["seconds"] for v in level["visits"] if v["page"] == page and not v["error"]]
            cells.append(f"{pct(times, 50):6.2f} / {pct(times, 95):6.2f}" if times else "—")
        print(_ljust(page, 10) + "".join(f"{c:>16}" for c in cells))


# --- main ----------------------------------------------------------------------------------------


async def measure(base: str, cookie: str, pages: list[str], args, pid: int | None) -> tuple[list[dict], dict | None]:
    parts = urlsplit(base)
    ws_url = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
    cold = None
    if not args.no_warmup:
        cold = await load_level(1, ws_url, cookie, pages, 1, pid=pid, timeout=args.timeout, think=0)
        print(f"  cold run, 1 session: {cold['wall_s']:.0f} s", flush=True)
    levels = []
    for n in args.sessions:
        print(f"  {n} sessions × {args.rounds} round(s) …", end=" ", flush=True)
        level = await load_level(n, ws_url, cookie, pages, args.rounds, pid=pid, timeout=args.timeout,
                                 think=args.think, duration=args.duration)
        levels.append(level)
        s = summarise(level)  # a line now, in case a long run is stopped before the tables
        print(f"{level['wall_s']:.0f} s, {s['runs']} runs, {s['errors']} errors, p50 {s['p50']:.2f} s, "
              f"p95 {s['p95']:.2f} s", flush=True)
        if args.json:
            write_json(args.json, cold, levels, pages)
    return levels, cold


def load_section(levels: list[dict], args, database_url: str) -> dict:
    """The summary bench/results.json keeps: per level viewers, p50, p95, errors and RSS (per replica). A level run
    several times (`--sessions 50 50 50`) is kept as its median run by p95, with every run's p95 beside it and the
    errors and page runs of all of them summed (an error in any run counts)."""
    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    out = []
    by_viewers: dict[int, list[tuple[dict, dict]]] = {}
    for level in levels:
        by_viewers.setdefault(level["sessions"], []).append((summarise(level), level))
    for repeats in by_viewers.values():
        repeats.sort(key=lambda pair: pair[0]["p95"])
        s, level = repeats[(len(repeats) - 1) // 2]
        out.append({"viewers": level["sessions"], "repeats": len(repeats),
                    "p95_each": [round(r[0]["p95"], 3) for r in repeats],
                    "runs": sum(r[0]["runs"] for r in repeats), "p50": round(s["p50"], 3),
                    "p95": round(s["p95"], 3), "max": round(s["max"], 3), "errors": sum(r[0]["errors"] for r in repeats),
                    "first_errors": [e for r in repeats for e in r[0]["first_errors"]][:5],
                    "wall_s": round(level["wall_s"], 1),
                    "rss_mb_per_replica": [round(mb) for mb in level["replica_rss_peak_mb"]],
                    "cpu_s_per_replica": [None if c is None else round(c, 1) for c in level["replica_cpu_s"]],
                    "client_cpu_s": round(level["client_cpu_s"], 1),
                    "loadavg": [round(level["loadavg_before"], 2), round(level["loadavg_after"], 2)]})
    return {"database": f"{backend} {database_url.rsplit('/', 1)[-1]}", "replicas": args.replicas or 1,
            "nginx": bool(args.replicas), "think_s": args.think, "duration_s": args.duration,
            "rounds": None if args.duration else args.rounds, "pages": list(args.pages), "levels": out}


def keep_other_levels(section: dict) -> dict:
    """The levels of the last run on the same setup (database, replicas, think time, duration) that this run did not
    measure stay: `--sessions 100` after `--sessions 50` keeps both."""
    old = results.load().get("load") or {}
    setup = ("database", "replicas", "nginx", "think_s", "duration_s")
    if all(old.get(k) == section[k] for k in setup):
        ran = {lv["viewers"] for lv in section["levels"]}
        section["levels"] = sorted([lv for lv in old.get("levels", []) if lv["viewers"] not in ran]
                                   + section["levels"], key=lambda lv: lv["viewers"])
    return section


def write_json(path: Path, cold: dict | None, levels: list[dict], pages: list[str]) -> None:
    path.write_text(json.dumps({"client": CLIENT_KIND, "database": os.environ.get("DATABASE_URL"), "pages": pages,
                                "cold": cold, "levels": levels}, ensure_ascii=False, indent=1))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", nargs="+", type=int, default=[10, 25, 50], help="concurrent sessions, one level each")
    p.add_argument("--rounds", type=int, default=1, help="times each session visits every page")
    p.add_argument("--pages", nargs="+", default=list(FIGURE_PAGES), help="page titles (default: the figure pages)")
    p.add_argument("--db", help="DATABASE_URL of the server this script starts (default: the synthetic county db)")
    p.add_argument("--url", help="attach to a running app instead (its DATABASE_URL must be given by --db or the "
                                 "environment, for the login cookie's secret)")
    p.add_argument("--as-of", help=f"AS_OF of the started server (default {AS_OF} for the synthetic db, else none)")
    p.add_argument("--user", default="leader", help="account every session is logged in as")
    p.add_argument("--timeout", type=float, default=600, help="seconds one page run may take before it fails")
    p.add_argument("--think", type=float, default=0.0, help="seconds a session waits between pages (default none)")
    p.add_argument("--no-warmup", action="store_true", help="skip the one-session cold visit of every page")
    p.add_argument("--json", type=Path, help="also write every visit and measurement here")
    p.add_argument("--duration", type=float, default=0.0,
                   help="think-time mode: each session opens a random page every --think s for this many seconds")
    p.add_argument("--replicas", type=int, default=0,
                   help="start this many replicas (ports from --base-port) behind nginx with deploy/nginx.conf")
    p.add_argument("--base-port", type=int, default=8501, help="first replica port (taken ports are skipped)")
    p.add_argument("--no-results", action="store_true", help=f"do not write the summary into {results.RELATIVE}")
    args = p.parse_args(argv)
    # A plain `kill` still stops the server this script started (the finally blocks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    if args.url:
        database_url = args.db or os.environ.get("DATABASE_URL")
        if not database_url:
            p.error("--url needs the app's DATABASE_URL (--db or the environment) to open a login session")
        as_of = None
    elif args.db:
        database_url, as_of = args.db, args.as_of
    else:
        ensure_db("county")
        database_url, as_of = db_url("county"), args.as_of or AS_OF
    os.environ["DATABASE_URL"] = database_url  # db.settings reads it (session_hours and the secret's defaults)
    env_extra: dict[str, str] = {}
    cookie = login_cookie(database_url, args.user)

    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print(f"\nmake load — {dt.datetime.now():%Y-%m-%d %H:%M}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{backend} ({database_url.rsplit('/', 1)[-1] if backend == 'SQLite' else urlsplit(database_url).path})\n"
          f"client: {CLIENT_KIND}, all sessions in one asyncio process on loopback; page time = rerun_script sent → "
          f"script_finished received (no browser rendering)\nsessions logged in as {args.user}; pages: "
          f"{' '.join(args.pages)}; {args.rounds} round(s) per session after opening \"/\"; think time "
          f"{args.think:g} s\n", flush=True)

    with tempfile.TemporaryDirectory(prefix="load-") as tmp:
        if args.replicas:
            with stack.deploy_stack(database_url, args.replicas, base_port=args.base_port, as_of=as_of,
                                    tmp=Path(tmp)) as (base, ports):
                pid = list(ports.values())
                print(f"  {args.replicas} replicas on ports {', '.join(map(str, ports))} behind nginx {base}",
                      flush=True)
                levels, cold = asyncio.run(measure(base, cookie, args.pages, args, pid))
                tail = "".join((Path(tmp) / f"replica-{p}.log").read_text(errors="replace") for p in ports)
        elif args.url:
            base = args.url.rstrip("/")
            port = urlsplit(base).port or (443 if base.startswith("https") else 80)
            pid = listening_pid(port)
            levels, cold = asyncio.run(measure(base, cookie, args.pages, args, pid))
        else:
            with start_server(database_url, as_of=as_of, log_dir=Path(tmp), env_extra=env_extra) as (base, pid, log):
                levels, cold = asyncio.run(measure(base, cookie, args.pages, args, pid))
                tail = log.read_text(errors="replace")
        print(f"\nserver {base} (pid {pid or 'n/a'}); CPU % is of one core; RSS = the server process and its "
              "children, before the level and their peak during it;\nload1 = the machine's 1-minute load average "
              "before → after the level (other work on the machine slows the pages)\n")
        if cold:
            s = summarise(cold)
            times = ", ".join(f"{v['page']} {v['seconds']:.2f}" for v in cold["visits"])
            print(f"cold run, 1 session (not in the table): {times} s; errors {s['errors']}\n")
        print_report(levels, args.pages)
        if args.replicas:
            for level in levels:
                print(f"{level['sessions']} sessions: peak RSS per replica "
                      + ", ".join(f"{mb:.0f}" for mb in level["replica_rss_peak_mb"]) + " MB; CPU s per replica "
                      + ", ".join(_fmt(c, ".0f") for c in level["replica_cpu_s"]))
        if not args.url and "Traceback" in tail:
            print("\nthe server logged a traceback:\n" + tail[-2000:])
    if args.json:
        write_json(args.json, cold, levels, args.pages)
    if not args.no_results:
        results.merge("load", keep_other_levels(load_section(levels, args, database_url)))
    return 1 if any(summarise(level)["errors"] for level in levels) else 0


if __name__ == "__main__":
    raise SystemExit(main())
