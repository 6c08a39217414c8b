"""`streamlit run` with the importer's reader watched: stands in for `python -m streamlit` in browser tests.

Every call of seed.importer.reader.run_reader (the parse in a subprocess) is written to the file SPY_LOG as a JSON
line ({"event": "start" | "end", "file": name}); while the file SPY_HOLD exists a parse waits before it starts
(at most 120 s), so a test can act in another browser session while an upload is being parsed."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from seed.importer import reader  # noqa: E402

_real = reader.run_reader


def _note(event: str, file_name: str) -> None:
    with open(os.environ["SPY_LOG"], "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"event": event, "file": file_name}, ensure_ascii=False) + "\n")


def run_reader(data: bytes, file_name: str):
    _note("start", file_name)
    hold = os.environ.get("SPY_HOLD")
    deadline = time.monotonic() + 120
    while hold and os.path.exists(hold) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        return _real(data, file_name)
    finally:
        _note("end", file_name)


reader.run_reader = run_reader  # read_workbook looks it up in the module at each call

if __name__ == "__main__":
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    sys.exit(cli.main())
