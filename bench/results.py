"""bench/results.json (issue 21): the latest figures of `make bench` (bench/run.py), `make load` (bench/load.py) and
bench/transfer.py in one file, a section each, every section with the machine it was measured on. A run replaces its
own section only. bench/report.py renders the README's table from it."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
RELATIVE = "bench/results.json"


def machine() -> dict:
    """CPU count, Python, the UTC time, the git commit measured and the load average at the end of the run."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = None, None
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": platform.platform(terse=True),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit,
            "uncommitted_changes": dirty, "loadavg": [round(x, 2) for x in os.getloadavg()]}


def load(path: Path = RESULTS) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def merge(section: str, data: dict, path: Path = RESULTS, key: str | None = None) -> dict:
    """Replace this section of results.json (or its entry `key`: a scale, a row count) with data plus the machine;
    everything else stays."""
    everything = load(path)
    if key is None:
        everything[section] = {**data, "machine": machine()}
    else:
        everything.setdefault(section, {})[key] = {**data, "machine": machine()}
    path.write_text(json.dumps(everything, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if path == RESULTS:
        from bench import report  # the README's table follows the figures (tests/test_bench_results.py)

        report.write_readme(everything)
    print(f"\n{section}{'' if key is None else ' ' + key}: written into {RELATIVE} and the README's table")
    return everything


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
