"""components.run (issue 21): a value asked once per script run is computed once in that run and afresh in the
next; the page's principal is looked up on the server once per run, not by every data call."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from services import sessions
from tests.pages.test_hazard_pages import TASKS, open_page

COUNTS: list[int] = []


def bump() -> int:
    COUNTS.append(1)
    return len(COUNTS)


def _script() -> None:
    import streamlit as st

    from components import run
    from tests.components import test_run as here

    first = run.once("n", here.bump)
    again = run.once("n", here.bump)
    run.forget("n")
    after_forget = run.once("n", here.bump)
    st.write(f"{first},{again},{after_forget}")


def test_once_per_run_and_afresh_in_the_next():
    COUNTS.clear()
    at = AppTest.from_function(_script).run()
    assert at.markdown[0].value == "1,1,2"
    at.run()
    assert at.markdown[0].value == "3,3,4"


def test_outside_a_run_nothing_is_kept():
    from components import run

    COUNTS.clear()
    assert (run.once("n", bump), run.once("n", bump)) == (1, 2)


@pytest.mark.parametrize("page", [TASKS, "app_pages/plans.py"])  # principal(), and current_user() as well
def test_a_page_run_resumes_the_session_once(demo_url, monkeypatch, page):
    at = open_page(demo_url, monkeypatch, page)
    calls = []
    real = sessions.resume

    def counting(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(sessions, "resume", counting)
    at.run()
    assert not at.exception
    assert len(calls) == 1  # the frame, the sidebar and 11 data calls share one answer
    at.run()
    assert len(calls) == 2  # and the next run asks again: a revoked session ends there
