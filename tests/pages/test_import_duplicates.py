"""数据导入 with the same file selected twice (issue 18, item 6): previewed and imported once, the second named as
the same content in the summary and as a 提示 — never an internal error; one batch."""

from __future__ import annotations

from sqlmodel import Session, select

from db import models as m
from db.engine import dispose_engines, get_engine
from tests.pages.test_import_pages import IMPORT, cumulative, open_page, progress_file, state, table, upload


def test_a_file_selected_twice_is_imported_once(small_url, monkeypatch):
    before = state(small_url)
    at = open_page(small_url, monkeypatch, "office", IMPORT)
    content = progress_file(["明水所", 85], ["双山所", 20])
    upload(at, ("十月.xlsx", content), ("十月.xlsx", content))
    assert not at.error and not at.exception
    summary = table(at, "文件", "说明")
    assert summary["文件"].tolist() == ["十月.xlsx", "十月.xlsx"]
    assert summary["说明"].tolist()[1] == "与“十月.xlsx”内容相同，只导入一次"
    findings = table(at, "单元格", "原值", "说明")
    assert "“十月.xlsx”选择了两次，内容相同，只导入一次" in findings["说明"].tolist()
    at.button(key="imp-commit").click().run()
    assert not at.exception and not at.error
    with Session(get_engine(small_url)) as s:
        batches = s.exec(select(m.ImportBatch.id)).all()
    dispose_engines()
    assert len(batches) == 1
    assert at.success[0].value.replace("\\", "").startswith(f"导入完成：批次 #{batches[0]}（十月.xlsx）")
    assert cumulative(small_url, "明水所") == 85
    assert state(small_url)["data_version"] == before["data_version"] + 1
