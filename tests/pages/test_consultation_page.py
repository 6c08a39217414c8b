"""会议材料's 季度风险会商 part through app.py on the small 风险会商 database (tests/reports/test_consultation.py): the
latest quarter begun is chosen, 生成 offers the Word and the Excel; the files' contents are checked in tests/reports."""

from __future__ import annotations

import pytest

from tests import dbs
from tests.pages.conftest import fresh_app
from tests.reports.test_consultation import build

PAGE = "app_pages/briefing.py"


@pytest.mark.covered_on_pg
def test_the_meeting_page_drafts_the_quarterly_consultation(tmp_path, tmp_path_factory, monkeypatch):
    url = dbs.copy_of("consultation", build, tmp_path_factory, tmp_path, "consultation.db")
    at = fresh_app(url, monkeypatch, user="office").run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    year, quarter = at.selectbox(key="consult-year"), at.selectbox(key="consult-quarter")
    assert (year.value, quarter.value, quarter.options) == (2022, 4, ["第1季度", "第2季度", "第3季度", "第4季度"])
    labels = lambda: [d.proto.label for d in at.get("download_button")]  # noqa: E731
    assert not labels()
    quarter.select(3).run()
    at.button(key="consult-generate").click().run()
    assert not at.exception and not at.error and not at.warning
    assert labels() == ["下载风险会商材料（Word）", "下载风险会商统计表（Excel）"]
    assert at.get("download_button")[0].proto.url
