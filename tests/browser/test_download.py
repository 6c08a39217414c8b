"""A list's 下载（Excel） in a real browser: the workbook is written when the button is clicked (not on every run, issue 8),
arrives as an .xlsx a clerk can open, holds the rows the page lists, and the export is audited."""

from __future__ import annotations

import io
import time
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlmodel import select

from db import models as m
from db.authstore import auth_session
from db.engine import dispose_engines
from tests.browser.conftest import wait_for_app_run

pytestmark = pytest.mark.browser


def test_the_duban_list_downloads_as_the_listed_rows_and_is_audited(page, app, outside):
    page.goto(f"{app.url}/tasks?year=2022年&month=10月")
    wait_for_app_run(page)
    button = page.get_by_role("button", name="下载督办清单（Excel）")
    button.scroll_into_view_if_needed()
    # One click must do: Streamlit 1.67 empties the browser's message queue when a run starts, so a click that also
    # started a rerun could lose the file's answer and leave the button spinning (views.download makes the file on
    # click with on_click="ignore", and audits it then). Said in full if it comes back.
    try:
        with page.expect_download(timeout=30_000) as info:
            button.click()
    except PlaywrightTimeout:
        shown = page.get_by_test_id("stDownloadButtonError").all_inner_texts()
        pytest.fail(f"no download within 30 s; the button said {shown!r}; server log:\n{app.log_tail()}")
    download = info.value
    assert download.suggested_filename == "督办清单_2022年10月.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    sheet = book.worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    assert rows[0][:4] == ("监管所", "任务项", "目标", "累计完成"), rows[0]
    assert sheet.title == "督办清单"
    assert len(rows) > 1  # the demo's October 督办 list is not empty
    exported = []
    deadline = time.monotonic() + 30
    while not exported and time.monotonic() < deadline:  # the file's making writes the audit row
        with auth_session(app.db) as s:  # the audit log is in the auth store
            exported = s.exec(select(m.AuditLog).where(m.AuditLog.action == "导出",
                                                       m.AuditLog.target == "督办清单_2022年10月.xlsx")).all()
        dispose_engines()
        time.sleep(0.3)
    assert exported, app.log_tail()
    assert exported[-1].username == "leader"
    assert exported[-1].detail.get("行数") == len(rows) - 1, exported[-1].detail
    outside.check()
