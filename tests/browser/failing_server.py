"""`streamlit run` with one function made to fail: stands in for `python -m streamlit` in browser tests.

FAIL_AT names it as `module:function` (e.g. components.overview_parts:headline); every call raises a RuntimeError
whose message a user must never see, so a test can look at what a page shows when its run fails."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

SECRET = "/srv/shian/secret.db: no such table: visit"  # what the page must not show


def _fail(*args, **kwargs):
    raise RuntimeError(SECRET)


if __name__ == "__main__":
    module_name, function = os.environ["FAIL_AT"].split(":")
    setattr(importlib.import_module(module_name), function, _fail)  # looked up in the module at each call
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    sys.exit(cli.main())
