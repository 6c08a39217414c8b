"""Uploads the importer must refuse, and one upload's parse not stalling anyone else, in Chromium against a real
server whose reader is watched (tests/browser/spy_server.py): a 300 MB-inflating zip bomb and a 60 MB file are
answered in Chinese (the bomb by its compression ratio) and no reader runs on them; while an upload is held in its parse, another browser session's
rerun completes."""

from __future__ import annotations

import io
import json
import re
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from db.settings import get_settings
from tests.browser.conftest import (
    ROOT,
    SCREENS,
    App,
    build_demo_db,
    full_page_screenshot,
    new_page,
    require_browser,
    serve,
    wait_for_app_run,
)
from tests.browser.test_upload import TITLE, choose, open_import
from tests.seed.fixtures import HEADERS, xlsx

pytestmark = pytest.mark.browser

SPY_SERVER = Path(__file__).resolve().parent / "spy_server.py"


@pytest.fixture(scope="module")
def spied(tmp_path_factory):
    """A demo server of its own whose reader calls are logged, and a hold file that makes a parse wait."""
    require_browser()
    tmp = tmp_path_factory.mktemp("limits")
    log, hold = tmp / "reader.jsonl", tmp / "hold"
    log.touch()
    with serve(build_demo_db(tmp, tmp_path_factory), tmp, launcher=SPY_SERVER, SPY_LOG=str(log), SPY_HOLD=str(hold)) as running:
        yield Spied(running, log, hold)


@dataclass(frozen=True)
class Spied:
    app: App
    reader_log: Path
    hold: Path

    def __getattr__(self, name):  # url, db, log_tail … of the server
        return getattr(self.app, name)


def reader_calls(app) -> list[dict]:
    return [json.loads(line) for line in app.reader_log.read_text(encoding="utf-8").splitlines() if line.strip()]


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    return buf.getvalue()


def test_streamlit_lets_a_large_file_through_to_the_importers_own_chinese_refusal():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] >= 3 * get_settings().max_upload_mb >= 60


def big_file() -> bytes:
    return b"PK\x03\x04" + b"\0" * (60 * 1024 * 1024)


@pytest.mark.parametrize(("name", "make", "message"), [
    # 300 MB of zeros deflate about 1028:1, so the ratio guard answers before the expanded-size cap (1 GB by default)
    ("炸弹.xlsx", zip_bomb, re.compile(r"炸弹\.xlsx：压缩比异常（1028:\u2060?1），疑似压缩炸弹，已拒绝")),
    ("大文件.xlsx", big_file, "大文件.xlsx：文件大小60.0 MB，超过20 MB上限，请拆分后再导入"),
], ids=["bomb", "60MB"])
def test_a_refused_file_is_answered_in_chinese_and_never_parsed(browser, spied, outside, request, tmp_path, name, make,
                                                                message):
    context, page = new_page(browser, spied, outside, "office")
    path = tmp_path / name
    path.write_bytes(make())  # from disk: Playwright refuses an in-memory buffer above 50 MB
    try:
        open_import(page, spied)
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(path)
        expect(page.get_by_text(message)).to_be_visible(timeout=120_000)
        wait_for_app_run(page)
        assert page.get_by_test_id("stException").count() == 0, spied.log_tail()
        assert page.get_by_role("button", name="确认导入").count() == 0
        # Streamlit's own English size message never shows: the importer answered
        assert page.get_by_text("or smaller").count() == 0
        full_page_screenshot(page, SCREENS / f"import-refused-{request.node.callspec.id}.png")
        assert [c for c in reader_calls(spied) if c["file"] == name] == []  # no reader ran on it
        outside.check()
    finally:
        context.close()


def test_another_session_reruns_while_an_upload_is_being_parsed(browser, spied, outside):
    office_ctx, office = new_page(browser, spied, outside, "office")
    leader_ctx, leader = new_page(browser, spied, outside, "leader")
    name = "明水十月（慢）.xlsx"
    try:
        leader.goto(f"{spied.url}/overview")
        wait_for_app_run(leader)
        open_import(office, spied)
        spied.hold.touch()  # the next parse waits until the file is gone
        choose(office, name, xlsx([[TITLE], HEADERS, ["明水所", 15, 3, 4, 2]]))
        # the office's parse has started and is held (generous: the upload and the dry run's first steps)
        deadline_checks = 600
        while not any(c == {"event": "start", "file": name} for c in reader_calls(spied)):
            deadline_checks -= 1
            assert deadline_checks > 0, f"the parse never started:\n{spied.log_tail()}"
            office.wait_for_timeout(100)
        # meanwhile the leader moves to another page and its run completes, with the office's parse still open
        leader.goto(f"{spied.url}/tasks")
        wait_for_app_run(leader, timeout=90_000)
        expect(leader.get_by_text("任务清单 · 2022年10月")).to_be_visible(timeout=30_000)
        assert leader.get_by_test_id("stException").count() == 0, spied.log_tail()
        assert {"event": "end", "file": name} not in reader_calls(spied), "the parse was not held"
        # released, the office's upload finishes with its preview
        spied.hold.unlink()
        office.get_by_role("button", name="确认导入").wait_for(timeout=120_000)
        assert {"event": "end", "file": name} in reader_calls(spied)
        outside.check()
    finally:
        spied.hold.unlink(missing_ok=True)
        office_ctx.close()
        leader_ctx.close()
