"""年终督导考核: `python -m seed export 考核` (18 rows for 2022) and the Word 通报 draft (`python -m reports 考核通报`)
on a copy of the demo database, with a 批评线 of 80 so both lists have names."""

from __future__ import annotations

import io

import openpyxl
import pytest
from docx import Document
from sqlmodel import Session

from cli import reports as reports_cli
from cli import seed as seed_cli
from db.engine import get_engine
from services import assessment
from services.rules.viewer import SYSTEM


@pytest.fixture
def strict_demo(demo_url):
    with Session(get_engine(demo_url)) as s:
        assessment.save_weights(session=s, viewer=SYSTEM, text="批评线=80")
    return demo_url


def test_export_assessment_writes_one_row_per_station(strict_demo, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AS_OF", "2022-10-31")
    out = tmp_path / "考核.xlsx"
    assert seed_cli.main(["export", "考核", "--year", "2022", "--db", strict_demo, "--out", str(out)]) == 0
    assert "18个监管所" in capsys.readouterr().out
    ws = openpyxl.load_workbook(out).active
    rows = [r for r in ws.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] == "排名")
    body = rows[header + 1:]
    assert len(body) == 18
    assert rows[header][:2] == ("排名", "监管所") and rows[header][-3:] == ("总分", "等次", "理由")
    assert body[0][:2] == (1, "垛庄所") and body[0][-3] == 96.2 and body[0][-2] == "通报表彰"
    # Each part's points are numbers the office can add up (不适用 stays text), and they add up to the 总分.
    assert all(isinstance(v, (int, float)) or v == "不适用" for r in body for v in r[2:-3])
    assert round(sum(body[0][2:-3]), 1) == 96.2  # the parts' points add up to the 总分 in the workbook too
    assert [r[1] for r in body if r[-2] == "通报批评"] == ["曹范所", "文祖所", "龙山所", "枣园所"]
    assert any("低于80分的通报批评" in (r[0] or "") for r in rows[:header])
    # without a year: one Chinese line, nothing written
    assert seed_cli.main(["export", "考核", "--db", strict_demo, "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "需要 --year" in capsys.readouterr().err and not (tmp_path / "x.xlsx").exists()


def test_the_notice_draft_names_praise_and_criticism_with_reasons(strict_demo, tmp_path, monkeypatch):
    monkeypatch.setenv("AS_OF", "2022-10-31")
    out = tmp_path / "通报.docx"
    assert reports_cli.main(["考核通报", "--year", "2022", "--db", strict_demo, "--out", str(out)]) == 0
    doc = Document(io.BytesIO(out.read_bytes()))
    text = [p.text.replace("\u2060", "") for p in doc.paragraphs]  # typeset glues numbers with word joiners
    assert text[0] == "关于2022年度食品小作坊提质增效工作督导考核情况的通报"
    praise, criticise = text.index("二、通报表彰"), text.index("三、通报批评")
    assert [t.split("（")[0] for t in text[praise + 1:criticise]] == ["垛庄所", "黄河所", "宁家埠所"]
    assert text[praise + 1].endswith("（需先核对：垛庄所示范创建上报2家，小作坊名录中列明1家，名单少1家，请核对名单或上报数）")
    assert text[criticise + 1].startswith("曹范所（78分）：")
    assert any(t.startswith("枣园所（62.7分）：任务清单完成率27.5%") for t in text)
    assert any("示例数据" in t for t in text[:4])
    table = doc.tables[-1]
    assert len(table.rows) == 19 and table.rows[1].cells[1].text.replace("\u2060", "") == "垛庄所"
