"""Exports in the importer's layout: exact figures, and every export re-imports as a no-op (xlsx and csv)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from db import models as m
from db.engine import make_engine
from seed.export import (
    csv_escape,
    export_bytes,
    export_filename,
    export_frame,
    export_json,
    needs_escape,
    percent_text,
    text_width,
)
from seed.export.rows import ROLE_UNIT_FIELDS
from seed.importer import import_files, import_paths
from seed.importer.kinds import KINDS
from services.metrics import tasks as task_metrics
from tests import dbs
from tests.seed.fixtures import SEED_DATA

FOUR = {"示范创建": 126, "新升级为食品生产企业": 27, "视频监管试点": 42, "抱团发展活动": 20}
WINDOWS_2022 = [("2022-01-01", "2022-02-28"), ("2022-03-01", "2022-03-31"), ("2022-04-01", "2022-06-30"),
                ("2022-07-01", "2022-07-31"), ("2022-08-01", "2022-09-30"), ("2022-10-01", "2022-11-30"),
                ("2022-12-01", "2022-12-31")]
SEED_ROWS = {"任务清单": 72, "配档表": 7, "工作要点": 111, "指标": 16}
NEEDS_YEAR_OUTSIDE_CSV = ("任务清单", "任务进度", "配档表")


def _empty_engine(path):
    eng = make_engine(dbs.new_url(path.parent, path.name))
    SQLModel.metadata.create_all(eng)
    with eng.begin() as c:
        c.execute(text("INSERT INTO data_version (id, version) VALUES (1, 0)"))
    return eng


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The bureau's seed files imported once for the module (round trips are no-ops, so nothing changes it)."""
    eng = _empty_engine(tmp_path_factory.mktemp("export") / "seed.db")
    report = import_paths(sorted(SEED_DATA.glob("*.xlsx")), engine=eng)
    assert report.exit_code == 0, [f.line() for f in report.errors]
    yield eng
    eng.dispose()


def reimport(engine, kind: str, data: bytes, fmt: str, *, year: int | None = None, name: str | None = None):
    name = name or f"{kind}.{fmt}"
    report = import_files([(name, data)], engine=engine, year=year)
    assert report.exit_code == 0, [f.line() for f in report.errors]
    return report


def counts(report) -> tuple[int, int, int]:
    return (sum(f.counts.new for f in report.files), sum(f.counts.updated for f in report.files),
            sum(f.counts.unchanged for f in report.files))


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


# --- exact figures ------------------------------------------------------------------------


def test_task_list_json_2022_has_72_records_with_the_documents_totals(seeded):
    with Session(seeded) as s:
        records = export_json("任务清单", session=s, year=2022)
        stations = set(s.exec(select(m.Station.name)).all())
    assert len(records) == 72
    assert set(records[0]) == {"年度", "监管所", "指标", "目标"}
    assert records[0] == {"年度": 2022, "监管所": "明水所", "指标": "示范创建", "目标": 20}
    totals: dict[str, int] = {}
    for r in records:
        assert r["年度"] == 2022 and r["监管所"] in stations
        assert type(r["目标"]) is int
        totals[r["指标"]] = totals.get(r["指标"], 0) + r["目标"]
    assert totals == FOUR
    json.dumps(records, ensure_ascii=False)


def test_schedule_json_has_the_seven_windows_of_2022(seeded):
    with Session(seeded) as s:
        records = export_json("配档表", session=s, year=2022)
    assert [(r["开始"], r["结束"]) for r in records] == WINDOWS_2022
    assert records[0]["年度"] == 2022 and records[0]["时间"] == "2022年2月底前"
    assert records[2]["时间"] == "2022年4月~6月"
    assert records[0]["工作重点"].startswith("制定下发2022年度食品小作坊监管提升工作意见")


def test_frames_use_the_importer_labels_and_indicator_headers(seeded):
    with Session(seeded) as s:
        targets = export_frame("任务清单", session=s)
        names = [i.name for i in s.exec(select(m.TaskIndicator).order_by(m.TaskIndicator.sort_order)).all()]
        for kind in KINDS:
            frame = export_frame(kind, session=s)
            if KINDS[kind].layout == "long":
                # 工作要点's 牵头/负责/配合单位 columns are read on import and exported as clauses in 责任单位
                assert list(frame.columns) == [c.label for c in KINDS[kind].columns
                                               if c.field not in ROLE_UNIT_FIELDS], kind
        progress = export_frame("任务进度", session=s)
    assert targets.attrs["year"] == 2022  # the latest year when none is given
    assert list(targets.columns) == ["监管所", *names]
    assert targets.iloc[0].tolist() == ["明水所", 20, 3, 5, 2]
    assert list(progress.columns) == ["监管所", "月份", "上报日期", *names]


# --- round trips of the seed files ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", list(SEED_ROWS))
def test_export_of_seed_data_reimports_as_a_noop(seeded, kind, fmt):
    with Session(seeded) as s:
        data = export_bytes(kind, session=s, fmt=fmt)
    year = 2022 if fmt == "csv" and kind in NEEDS_YEAR_OUTSIDE_CSV else None
    report = reimport(seeded, kind, data, fmt, year=year)
    assert report.files[0].kinds[0] == kind
    assert counts(report) == (0, 0, SEED_ROWS[kind])
    assert not report.committed


def test_csv_file_name_carries_the_year(seeded):
    with Session(seeded) as s:
        data = export_bytes("配档表", session=s, year=2022, fmt="csv")
    name = export_filename("配档表", 2022, "csv")
    assert name == "2022年度配档表（导出）.csv"
    report = reimport(seeded, "配档表", data, "csv", name=name)
    assert counts(report) == (0, 0, 7)


def test_xlsx_layout(seeded):
    with Session(seeded) as s:
        data = export_bytes("任务清单", session=s, year=2022)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    assert ws.sheet_state == "visible"
    assert ws["A1"].value == "2022年度任务清单（导出）"
    assert "A1:E1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[2]] == ["监管所", "食品小作坊示范创建", "食品小作坊提升（新升级为食品生产企业数量）",
                                        "打造视频监管试点（家）", "推进产业协会工作实现抱团高质量发展（活动次数）"]
    assert [c.value for c in ws[3]] == ["明水所", 20, 3, 5, 2]
    assert ws.max_row == 2 + 18  # no total row
    assert ws.freeze_panes == "B3"
    assert ws["A3"].font.name == "宋体" and ws["A2"].font.b
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0  # one page wide
    assert ws.print_title_rows == "$2:$2"
    long_header = "推进产业协会工作实现抱团高质量发展（活动次数）"
    assert ws.column_dimensions["E"].width >= min(60, text_width(long_header))
    meta = wb["_meta"]
    assert meta.sheet_state == "hidden"
    assert {r[0]: r[1] for r in meta.iter_rows(values_only=True)} == {
        "kind": "任务清单", "version": "1", "source": "export", "year": "2022"}


def test_plans_export_one_sheet_per_plan_like_the_seed_file(seeded):
    with Session(seeded) as s:
        data = export_bytes("工作要点", session=s)
        docs = s.exec(select(m.PlanDocument).order_by(m.PlanDocument.id)).all()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    seed = openpyxl.load_workbook(SEED_DATA / "工作要点.xlsx")
    own = openpyxl.load_workbook(SEED_DATA / "关于落实三年行动计划深入开展食品小作坊监管提升的意见.xlsx")
    assert wb.sheetnames == ["重点任务", *seed.sheetnames, "_meta"]  # 章丘's own plan first, then the references
    assert own["重点任务"].max_row == wb["重点任务"].max_row
    docs = [d for d in docs if d.is_reference]
    for doc, ws in zip(docs, wb.worksheets[1:], strict=False):
        assert ws["A1"].value == doc.title
        assert ws["A2"].value == f"发文单位：{doc.issuer}；辖区：{doc.jurisdiction}；年度：{doc.year}"
        assert [c.value for c in ws[3]] == ["序号", "章节", "任务", "内容", "完成时限", "条目", "责任单位", "实施阶段"]
        seed_ws = seed[ws.title]
        assert ws["A1"].value == seed_ws["A1"].value and ws["A2"].value == seed_ws["A2"].value
        assert ws.max_row == seed_ws.max_row
        assert ws.freeze_panes == "A4"


def test_demo_rows_stay_out_unless_asked(seeded, tmp_path):
    eng = _empty_engine(tmp_path / "demo.db")
    assert import_paths([SEED_DATA / "监管所.xlsx"], engine=eng).exit_code == 0
    with Session(eng) as s:
        ind = m.TaskIndicator(code="示范创建", name="食品小作坊示范创建", is_demo=True)
        s.add(ind)
        s.flush()
        station = s.exec(select(m.Station)).first()
        s.add(m.StationTarget(year=2023, station_id=station.id, indicator_id=ind.id, target=4, is_demo=True))
        s.commit()
        assert export_json("任务清单", session=s, year=2023) == []
        assert export_json("任务清单", session=s, year=2023, include_demo=True) == [
            {"年度": 2023, "监管所": station.name, "指标": "示范创建", "目标": 4, "示例": "是"}]
        frame = export_frame("任务清单", session=s, year=2023)
        assert "示例" not in frame.columns and frame.empty
        frame = export_frame("任务清单", session=s, year=2023, include_demo=True)
        assert list(frame.columns) == ["监管所", "食品小作坊示范创建", "示例"]
        assert frame.values.tolist() == [[station.name, 4, "是"]]
        # the real stations export too, marked 否
        assert set(export_frame("监管所", session=s, include_demo=True)["示例"]) == {"否"}
    eng.dispose()


# --- formula injection --------------------------------------------------------------------

# (a leading tab is escaped too, but the importer strips surrounding whitespace from names, so it is not stored)
DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "＝cmd|' /C calc'!A0", "－5家"]


def test_escape_rules():
    for value in ["=1", "+1", "-1", "@x", "\tx", "\rx", "＝x", "＋x", "－x", "＠x"]:
        assert needs_escape(value) and csv_escape(value) == "'" + value
    for value in ["abc", "明水所", "1=2", "", "a=b", "'quoted"]:
        assert not needs_escape(value) and csv_escape(value) == value
    assert csv_escape(-5) == -5
    assert percent_text(0.95) == "95%" and percent_text(1.0) == "100%" and percent_text(0.07) == "7%"


def test_stored_formulas_stay_text_in_xlsx_and_are_escaped_in_csv(engine):
    assert import_paths([SEED_DATA / "监管所.xlsx"], engine=engine).exit_code == 0
    with Session(engine) as s:
        station = s.exec(select(m.Station).where(m.Station.name == "明水所")).one()
        for i, name in enumerate(DANGEROUS, start=1):
            code = f"91370181MA3C{i:06d}"
            s.add(m.Business(key=code, code=code, name=name, sector="餐饮", tier="C", risk_level="B",
                             station_id=station.id, address=f"-{i}号", lat=36.7, lon=117.5))
        s.commit()
        xlsx = export_bytes("包保主体", session=s)
        data = export_bytes("包保主体", session=s, fmt="csv")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[0]
    cells = {ws.cell(r, 3).value: ws.cell(r, 3) for r in range(3, ws.max_row + 1)}
    for name in DANGEROUS:
        assert cells[name].data_type == "s", name
    assert all(ws.cell(r, 1).data_type == "s" for r in range(3, ws.max_row + 1))  # codes as text
    rows = csv_rows(data)
    assert rows[0] == [c.label for c in KINDS["包保主体"].columns]
    by_code = {r[0]: r for r in rows[1:]}
    for i, name in enumerate(DANGEROUS, start=1):
        row = by_code[f"91370181MA3C{i:06d}"]
        assert row[2] == "'" + name
        assert row[9] == f"'-{i}号"
        assert row[10] == "36.7" and row[11] == "117.5"  # numbers stay numbers
    report = reimport(engine, "包保主体", data, "csv")
    assert counts(report) == (0, 0, len(DANGEROUS))
    report = reimport(engine, "包保主体", xlsx, "xlsx")
    assert counts(report) == (0, 0, len(DANGEROUS))
    # and a changed copy writes the original names back, apostrophes stripped
    with Session(engine) as s:
        for b in s.exec(select(m.Business)).all():
            b.name = "改名"
        s.commit()
    report = reimport(engine, "包保主体", data, "csv")
    assert counts(report) == (0, len(DANGEROUS), 0) and report.committed
    with Session(engine) as s:
        assert sorted(s.exec(select(m.Business.name)).all()) == sorted(DANGEROUS)


# --- every kind -----------------------------------------------------------------------------


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _load(engine, kind: str, rows: list[list[object]], *, year: int | None = None) -> None:
    header = [c.label for c in KINDS[kind].columns]
    report = import_files([(f"{kind}.csv", _csv([header, *rows]))], engine=engine, year=year)
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert report.committed


@pytest.fixture
def db_with_every_kind(tmp_path):
    """The seed files plus a few rows of every other kind, loaded through the importer."""
    eng = _empty_engine(tmp_path / "all.db")
    assert import_paths(sorted(SEED_DATA.glob("*.xlsx")), engine=eng).exit_code == 0
    progress = [["监管所", "月份", "上报日期", "示范创建", "新升级为食品生产企业", "视频监管试点", "抱团发展活动"],
                ["明水所", 9, "2022-10-08", 10, 1, 2, 1], ["明水所", 10, "", 12, 1, 3, 1],
                ["双山所", 10, "2022-11-05", 8, "", 2, 0]]
    report = import_files([("进度.csv", _csv(progress))], engine=eng, year=2022)
    assert report.exit_code == 0, [f.line() for f in report.errors]
    _load(eng, "任务明细", [[2022, "明水所", "视频监管试点", "某某视频点", "某某食品小作坊", 6, "已完成", "2022-06-20", "是"],
                        [2022, "双山", "示范创建", "示范点A", "", 9, "计划", "", ""]])
    _load(eng, "工作要点进展", [["2024年食品安全协调工作要点", 2024, 1, 2024, 5, "进行中", "", "已完成部署"],
                          ["2024年食品安全协调工作要点", 2024, 2, 2024, 5, "已延期", "等待上级文件", ""]])
    _load(eng, "指标", [["监督抽检批次", "批次", 4800, "≥", "ramp", "", "2022-12-31", "章丘区", 2022, "是", "全年4800批次",
                       "工作要点", "一、3"],
                      ["抽检合格率", "%", "98.5%", "≥", "level", "95%", "", "章丘区", 2022, "否", "", "", ""],
                      ["投诉办结时长", "天", 7, "≤", "level", "", "", "章丘区", 2022, "是", "", "", ""]])
    _load(eng, "指标月报", [["监督抽检批次", "章丘区", 2022, 10, 4200, "", ""],
                        ["抽检合格率", "章丘区", 2022, 10, "97.3%", 973, 1000]])
    _load(eng, "包保主体", [["91370181MA3C000001", "", "某某食品有限公司", "生产", "", "B", "C", "明水所", "明水街道",
                         "明水街道某路1号", 36.71, 117.53, "在营"],
                        ["", "JY13701810000001", "某某饭店", "餐饮", "中型餐馆", "C", "B", "双山所", "", "双山街道2号", "", "",
                         "在营"],
                        ["", "", "张记小吃", "小餐饮", "", "D", "A", "刁镇", "", "刁镇某街3号", "", "", "停业"]])
    _load(eng, "包保干部", [["GB0001", "张某", "乡", "明水街道办事处", "副主任", "明水所"],
                        ["", "李某", "村", "某某村委会", "", ""]])
    _load(eng, "包保关系", [["GB0001", "", "", "91370181MA3C000001", "", "", "2022-01-01", ""],
                        ["", "李某", "某某村委会", "", "张记小吃", "刁镇所", "2022-02-01", "2022-12-31"]])
    _load(eng, "督导记录", [["DD2022000001", "2022-03-15", "GB0001", "", "", "91370181MA3C000001", "", "", "现场", 1, ""],
                        ["", "2022-04-02", "", "李某", "某某村委会", "", "张记小吃", "刁镇所", "电话", 0, "电话询问经营情况"]])
    with Session(eng) as s:
        keyless = s.exec(select(m.Visit).where(m.Visit.record_no.is_(None))).one()
    _load(eng, "问题", [["DD2022000001", 1, "进货查验记录不全", "2022-03-30", "已销号", "2022-03-28"],
                      ["DD2022000001", 2, "=从业人员健康证过期", "", "待整改", ""],
                      [keyless.key, 1, "未公示许可证", "2022-04-30", "整改中", ""]])
    _load(eng, "风险隐患", [["明水所", 2022, 10, 120, 2, 1, 0, "2022-10-21"], ["双山所", 2022, 10, 80, 0, 0, 0, ""]])
    _load(eng, "隐患清单", [["YH2022100001", "明水所", 2022, 10, "某某食品有限公司", "91370181MA3C000001", "冷藏设施温度记录缺失",
                         "2022-10-12", "2022-10-27", "已整改", "2022-10-15"],
                        ["", "明水所", 2022, 10, "某某小店", "", "过期食品未及时下架", "2022-10-13", "2022-10-20", "", ""]])
    for kind in ("小作坊", "摸排", "评选", "主体责任", "抽检"):  # their templates' example rows
        _load(eng, kind, [list(KINDS[kind].template_example[0])])
    yield eng
    eng.dispose()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_kind_reimports_as_a_noop(db_with_every_kind, fmt):
    eng = db_with_every_kind
    with Session(eng) as s:
        exports = {kind: export_bytes(kind, session=s, fmt=fmt) for kind in KINDS}
        expected = {kind: len(export_frame(kind, session=s)) for kind in KINDS}
    for kind, data in exports.items():
        year = 2022 if fmt == "csv" and kind in NEEDS_YEAR_OUTSIDE_CSV else None
        report = reimport(eng, kind, data, fmt, year=year)
        assert report.files[0].kinds == ([kind] * 8 if kind == "工作要点" and fmt == "xlsx" else [kind])
        new, updated, unchanged = counts(report)
        assert (new, updated) == (0, 0), kind
        if kind == "任务进度":
            assert unchanged == 11  # cells, not rows
        elif kind != "监管所":  # stations count their rows; townships are written alongside uncounted
            assert unchanged == (expected[kind] * 4 if kind == "任务清单" else expected[kind]), kind
        assert not report.committed


def test_every_kind_exports_json(db_with_every_kind):
    with Session(db_with_every_kind) as s:
        for kind in KINDS:
            records = export_json(kind, session=s)
            json.dumps(records, ensure_ascii=False)
        progress = export_json("任务进度", session=s, year=2022)
        items = export_json("任务明细", session=s)
        kpis = export_json("指标", session=s, year=2022)
        readings = export_json("指标月报", session=s)
        problems = export_json("问题", session=s)
    assert progress[0] == {"年度": 2022, "监管所": "明水所", "月份": 9, "上报日期": "2022-10-08", "食品小作坊示范创建": 10,
                           "食品小作坊提升（新升级为食品生产企业数量）": 1, "打造视频监管试点（家）": 2,
                           "推进产业协会工作实现抱团高质量发展（活动次数）": 1}
    assert progress[-1]["食品小作坊提升（新升级为食品生产企业数量）"] is None  # not reported, not 0
    assert items[0]["完成日期"] == "2022-06-20" and items[0]["视频是否在线"] == "是" and items[1]["监管所"] == "双山所"
    rate = next(k for k in kpis if k["指标名称"] == "抽检合格率")
    assert (rate["目标值"], rate["基线"], rate["方向"], rate["截止日期"]) == ("98.5%", "95%", "≥", None)
    assert next(k for k in kpis if k["指标名称"] == "投诉办结时长")["方向"] == "≤"
    assert {r["本年累计"] for r in readings} == {4200, "97.3%"}
    assert problems[1]["问题描述"] == "=从业人员健康证过期" and problems[0]["销号日期"] == "2022-03-28"


def test_computed_kpi_readings_are_not_exported(db_with_every_kind):
    with Session(db_with_every_kind) as s:
        kpi = s.exec(select(m.Kpi).where(m.Kpi.name == "监督抽检批次", m.Kpi.jurisdiction == "章丘区")).one()
        kpi.computed_from = "submissions"
        s.add(kpi)
        s.commit()
        names = {r["指标名称"] for r in export_json("指标月报", session=s)}
    assert names == {"抽检合格率"}


def test_unknown_kind_and_format_are_refused(seeded):
    with Session(seeded) as s:
        with pytest.raises(ValueError, match="未知的类型"):
            export_frame("不存在", session=s)
        with pytest.raises(ValueError, match="不支持的导出格式"):
            export_bytes("任务清单", session=s, fmt="pdf")


def test_dates_are_written_as_dates_in_xlsx(db_with_every_kind):
    with Session(db_with_every_kind) as s:
        data = export_bytes("督导记录", session=s, year=2022)
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws["A1"].value == "2022年度督导记录（导出）"
    assert ws["B3"].value == dt.datetime(2022, 3, 15) and ws["B3"].number_format == "yyyy-mm-dd"
    assert ws["A3"].number_format == "@"


# --- the demo, exported with --include-demo ---------------------------------------------------

# Rows of 2022 in the demo database (seed 20221031) and how many of them are 示例.
DEMO_ROWS = {"任务进度": (176, 176), "任务明细": (168, 168), "风险隐患": (177, 177), "隐患清单": (409, 409),
             "指标月报": (120, 120), "任务清单": (18, 0)}


@pytest.fixture(scope="module")
def demo_db(demo_template, tmp_path_factory):
    from db.engine import dispose_engines

    yield dbs.copy_url(demo_template, tmp_path_factory.mktemp("export-demo"), "demo.db")
    dispose_engines()


def test_every_kind_exports_the_demo_rows_marked(demo_db):
    from db.engine import get_engine

    with Session(get_engine(demo_db)) as s:
        for kind in KINDS:
            without = export_frame(kind, session=s, year=2022)
            with_demo = export_frame(kind, session=s, year=2022, include_demo=True)
            assert "示例" not in without.columns, kind
            assert list(with_demo.columns) == [*without.columns, "示例"], kind
            assert set(with_demo["示例"]) <= {"是", "否"}, kind
            if kind == "配档表":
                # the document's rows are real; their 状态 is the 示例 配档表进展, which marks each row it fills
                assert list(with_demo["时间"]) == list(without["时间"]) and without["状态"].isna().all()
                marked = with_demo[with_demo["示例"] == "是"]
                assert marked["状态"].notna().all() and with_demo.loc[with_demo["示例"] == "否", "状态"].isna().all()
                continue
            # without the flag exactly the real rows: with it, the real rows plus the 示例 ones
            assert (with_demo["示例"] == "否").sum() == len(without), kind
            if kind in DEMO_ROWS:
                assert (len(with_demo), int((with_demo["示例"] == "是").sum())) == DEMO_ROWS[kind], kind
        # the 配档表's status as the pages show it (recorded 已完成×4, 进行中, …), recomputable from the export
        sched = export_frame("配档表", session=s, year=2022, include_demo=True)
        shown = task_metrics.schedule(session=s, year=2022, as_of=dt.date(2022, 10, 31))["recorded_status"]
        assert list(sched["状态"].fillna("")) == list(shown.fillna(""))
        assert (sched["状态"] == "已完成").sum() == 4
        visits = export_frame("督导记录", session=s, year=2022, include_demo=True)
        problems = export_frame("问题", session=s, year=2022, include_demo=True)
        assert len(visits) > 0 and set(visits["示例"]) == {"是"}
        assert len(problems) > 0 and set(problems["示例"]) == {"是"}


def test_command_line_include_demo(demo_db, tmp_path, monkeypatch, capsys):
    from cli.seed import main

    monkeypatch.chdir(tmp_path)
    assert main(["export", "风险隐患", "--year", "2022", "--format", "csv", "--include-demo", "--db", demo_db]) == 0
    out = tmp_path / "2022年度风险隐患（导出，含示例数据）.csv"
    rows = csv_rows(out.read_bytes())
    assert rows[0] == ["监管所", "年度", "月份", "检查主体数", "发现隐患数", "整改隐患数", "立案数", "上报日期", "示例"]
    assert len(rows) == 178 and {r[-1] for r in rows[1:]} == {"是"}
    # 枣园所 filed no October report: its row is missing, as on 上报监测
    assert not [r for r in rows[1:] if r[0] == "枣园所" and r[2] == "10"]
    capsys.readouterr()
    assert main(["export", "风险隐患", "--year", "2022", "--format", "json", "--db", demo_db]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["export", "隐患清单", "--year", "2022", "--format", "xlsx", "--include-demo", "--db", demo_db]) == 0
    wb = openpyxl.load_workbook(tmp_path / "2022年度隐患清单（导出，含示例数据）.xlsx")
    assert dict(wb["_meta"].values)["include_demo"] == "1"
    assert wb["隐患清单"].cell(2, 12).value == "示例"
