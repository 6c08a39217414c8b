"""Values asked once per script run: who is looking, the data_version, the as-of date. The frame, the sidebar and
each data call of a page share one answer instead of each asking again (a city page makes dozens of data calls).

Kept in the session's state with a marker of the run: Streamlit makes the run context's cursors anew in each run
(ScriptRunContext.reset, a fragment's run included), so the next run asks again. Outside a run (no context) nothing
is kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

T = TypeVar("T")
_KEY = "_this_run"  # {name: value} of the current run, with the run's marker


def _marker() -> object | None:
    ctx = get_script_run_ctx(suppress_warning=True)
    return getattr(ctx, "cursors", None) if ctx is not None else None


def once(name: str, compute: Callable[[], T]) -> T:
    """compute(), or the value it gave earlier in this run."""
    marker = _marker()
    if marker is None:
        return compute()
    memo = st.session_state.get(_KEY)
    if memo is None or memo[0] is not marker:
        memo = (marker, {})
        st.session_state[_KEY] = memo
    values = memo[1]
    if name not in values:
        values[name] = compute()
    return values[name]


def forget(*names: str) -> None:
    """Ask again at the next call in this run (after a login, a logout or a write)."""
    memo = st.session_state.get(_KEY)
    if memo is not None:
        for name in names:
            memo[1].pop(name, None)
