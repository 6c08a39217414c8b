"""Soak the 大屏: 2,000 rotations in one process, printing the resident memory at rotation 100 and 2,000.

Run with `make soak` (not part of `make test`). AppTest drives the app as a kiosk browser opens it
(/kiosk?token=demo-kiosk&rotate=3, no login cookie); AppTest cannot fire the browser's run_every timer, so each
`.run()` stands for one tick: a full run of the frame, the page and the rotating fragment, which is everything a
fragment-only rerun does and more. The caches, the session state and Streamlit's own per-session structures live
in this one process, so whatever accumulates per rotation shows as growth. Exit status 1 when the growth between
rotation 100 and 2,000 reaches LIMIT_MB.

    .venv/bin/python tests/soak_kiosk.py [--rotations 2000] [--db sqlite:///path.db] [--bump-every N]

--bump-every N moves data_version every N rotations, as an import would, so the figure caches turn over too.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LIMIT_MB = 50.0
CHECKPOINTS = (100, 250, 500, 1000, 1500, 2000)


def rss_mb() -> float:
    """Resident set size of this process (VmRSS in /proc/self/status), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def demo_database(tmp: Path) -> str:
    from db.engine import dispose_engines, get_engine
    from db.migrate import upgrade
    from seed.demo import build_demo

    url = f"sqlite:///{tmp / 'soak.db'}"
    upgrade(url)
    build_demo(get_engine(url))
    dispose_engines()
    return url


def move_data_version(url: str) -> None:
    """Move data_version on, as an import's commit does; RuntimeError when it did not move."""
    from sqlmodel import Session

    from db.engine import bump_data_version, data_version, get_engine

    engine = get_engine(url)
    before = data_version(engine)
    with Session(engine) as session:
        bump_data_version(session)
        session.commit()
    if data_version(engine) != before + 1:
        raise RuntimeError(f"data_version did not move on ({before} → {data_version(engine)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rotations", type=int, default=2000)
    parser.add_argument("--db", help="DATABASE_URL (default: a fresh demo database in a temporary directory)")
    parser.add_argument("--bump-every", type=int, default=0, metavar="N",
                        help="move data_version every N rotations, as an import does (0: never)")
    args = parser.parse_args(argv)
    checkpoints = sorted({c for c in CHECKPOINTS if c <= args.rotations} | {min(100, args.rotations), args.rotations})

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or demo_database(Path(tmp))
        os.environ["DATABASE_URL"] = url
        os.environ.pop("AS_OF", None)  # the date recorded in the demo database, as a real screen runs

        from streamlit.testing.v1 import AppTest

        from components import auth

        # AppTest's st.context.cookies is a MagicMock that reads as a login cookie; a kiosk browser sends none.
        auth._cookie_value = lambda: None
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["token"] = "demo-kiosk"
        at.query_params["rotate"] = "3"

        bump = f", data_version moved every {args.bump_every} rotations" if args.bump_every else ""
        print(f"大屏 soak: {args.rotations} rotations, database {url}{bump}", flush=True)
        seen: dict[str, int] = {}
        marks: dict[int, float] = {}
        started = time.monotonic()
        for i in range(1, args.rotations + 1):
            at.run()
            if args.bump_every and i % args.bump_every == 0:
                move_data_version(url)  # every cached figure is read afresh
                time.sleep(1.0)  # data_version is read at most once a second
            if at.exception:
                print(f"rotation {i}: exception: {[e.value for e in at.exception]}", file=sys.stderr)
                return 2
            pager = next((md.value for md in at.markdown if md.value.startswith("第") and "屏 · " in md.value), "?")
            seen[pager] = seen.get(pager, 0) + 1
            if i in checkpoints:
                gc.collect()
                marks[i] = rss_mb()
                state = len(at.session_state._state._state._keys())
                print(f"rotation {i:5d}: RSS {marks[i]:7.1f} MB, session keys {state}, "
                      f"{time.monotonic() - started:6.1f} s", flush=True)
        first, last = checkpoints[0], checkpoints[-1]
        growth = marks[last] - marks[first]
        print("panels shown: " + ", ".join(f"{k} ×{v}" for k, v in sorted(seen.items())))
        print(f"RSS at rotation {first}: {marks[first]:.1f} MB; at rotation {last}: {marks[last]:.1f} MB; "
              f"growth {growth:+.1f} MB (limit {LIMIT_MB:.0f} MB)")
        if growth >= LIMIT_MB:
            print("FAIL: memory grows with the rotations", file=sys.stderr)
            return 1
        print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
