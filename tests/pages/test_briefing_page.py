"""会议材料 through app.py on the small hand-built database: generate, then the three downloads (or the plain
words when LibreOffice is missing); generation is cached; a 监管所 account has no such page."""

from __future__ import annotations

import datetime as dt

import pytest

from reports import briefing
from tests.pages.conftest import fresh_app

PAGE = "app_pages/briefing.py"


def downloads(at) -> dict[str, object]:
    return {d.proto.label: d for d in at.get("download_button")}


def generate(at):
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not downloads(at)  # nothing before 生成
    at.button(key="briefing-generate").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_generate_offers_word_excel_and_the_no_pdf_words(small_url, monkeypatch):
    monkeypatch.setattr(briefing, "soffice", lambda: None)
    calls = []
    real = briefing.gather
    monkeypatch.setattr(briefing, "gather", lambda *a, **k: calls.append(k) or real(*a, **k))
    at = generate(fresh_app(small_url, monkeypatch, user="office"))
    assert at.title[0].value == "会议材料 · 2022年10月"
    assert list(downloads(at)) == ["下载Word汇报稿", "下载Excel统计表"]
    assert [i.value for i in at.info] == [briefing.NO_PDF]
    assert calls == [{"year": 2022, "month": 10, "as_of": dt.date(2022, 10, 31)}]
    at.run()  # a rerun (as a download click makes) keeps the buttons and does not generate again
    assert list(downloads(at)) == ["下载Word汇报稿", "下载Excel统计表"] and len(calls) == 1
    assert downloads(at)["下载Word汇报稿"].proto.url  # served; the files' contents are checked in tests/reports


def test_generate_offers_the_pdf_when_libreoffice_is_installed(small_url, monkeypatch):
    if briefing.soffice() is None:
        pytest.skip("LibreOffice is not installed (make sysdeps as root installs it); tests/reports/test_pdf.py "
                    "fails under CI=true")
    at = generate(fresh_app(small_url, monkeypatch, user="leader"))
    assert list(downloads(at)) == ["下载Word汇报稿", "下载Excel统计表", "下载PDF"]
    assert not at.info and not at.error


def test_a_station_account_has_no_meeting_pack(small_url, monkeypatch):
    at = fresh_app(small_url, monkeypatch, user="mingshui").run()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_a_failure_is_a_plain_message_not_a_traceback(small_url, monkeypatch):
    monkeypatch.setattr(briefing, "soffice", lambda: None)

    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(briefing, "gather", broken)
    at = generate(fresh_app(small_url, monkeypatch, user="office"))
    assert [e.value for e in at.error] == ["会议材料生成失败，请稍后重试，或联系管理员查看服务器日志。"]
    assert not downloads(at)
    assert "disk full" not in str([m.value for m in at.markdown])
