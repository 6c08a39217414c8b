"""Fill-in templates: protected layout, dropdowns from hidden lists, a hidden _meta, and filled copies that import."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlmodel import Session, select

from db import models as m
from seed.importer import import_files
from seed.importer.kinds import INDICATORS, KINDS
from seed.templates import FIRST_ROW, HEADER_ROW, INPUT_ROWS, template_bytes, template_title


@pytest.fixture
def db_with_stations(stations_engine):
    return stations_engine


def station_names(engine) -> list[str]:
    with Session(engine) as s:
        return list(s.exec(select(m.Station.name).order_by(m.Station.sort_order)).all())


def make(kind: str, engine=None, **kw) -> bytes:
    if engine is None:
        return template_bytes(kind, **kw)
    with Session(engine) as s:
        return template_bytes(kind, session=s, **kw)


def load(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return wb, wb.worksheets[0]


def headers(ws) -> list[str]:
    return [c.value for c in ws[HEADER_ROW] if c.value is not None]


def validations_on(ws, col: int) -> list:
    """The data validations whose range covers the input cells of a column."""
    cell = f"{get_column_letter(col)}{FIRST_ROW}"
    return [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]


def list_values(wb, formula: str) -> list[str]:
    # "_lists!$A$2:$A$19" -> the values in that range of the hidden sheet
    ref = formula.split("!", 1)[1].replace("$", "")
    return [c.value for row in wb["_lists"][ref] for c in row]


# --- layout -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_template_layout(db_with_stations, kind):
    needs_month = KINDS[kind].needs_month
    data = make(kind, db_with_stations, year=2022, month=10 if needs_month else None)
    wb, ws = load(data)
    k = KINDS[kind]
    stations = station_names(db_with_stations)
    assert wb.sheetnames == [kind, "_lists", "_meta"]
    assert ws.sheet_state == "visible"
    assert wb["_lists"].sheet_state == "hidden" and wb["_meta"].sheet_state == "hidden"
    meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True)}
    assert meta["kind"] == kind and meta["version"] == "1" and meta["year"] == "2022"
    assert meta.get("month") == ("10" if needs_month else None)
    # title and header
    assert ws.cell(1, 1).value.startswith(template_title(kind, 2022, 10 if needs_month else None))
    labels = [c.label for c in k.columns]
    if k.layout == "wide":
        labels += [i.name for i in INDICATORS]  # the database has no indicators yet: the four built-in ones
    assert headers(ws) == labels
    # protection: sheet on, no password, header and title locked, input area unlocked
    assert ws.protection.sheet and not ws.protection.password
    assert ws.cell(1, 1).protection.locked and all(c.protection.locked for c in ws[HEADER_ROW])
    last = FIRST_ROW + INPUT_ROWS - 1
    for c in range(1, len(labels) + 1):
        assert not ws.cell(FIRST_ROW, c).protection.locked
        assert not ws.cell(last, c).protection.locked
    per_station = k.layout == "wide" or k.per_station
    assert ws.freeze_panes == ("B3" if per_station else "A3")
    # every column: a prompt (validation) and a header comment; an example only there, never as data
    for c in range(1, len(labels) + 1):
        assert validations_on(ws, c), labels[c - 1]
        assert all(dv.prompt for dv in validations_on(ws, c))
        assert ws.cell(HEADER_ROW, c).comment is not None
    data_cells = [ws.cell(r, c).value for r in range(FIRST_ROW, last + 1) for c in range(1, len(labels) + 1)]
    if per_station:  # prefilled stations in the 监管所 column, nothing else
        assert [ws.cell(r, 1).value for r in range(FIRST_ROW, FIRST_ROW + len(stations))] == stations
        assert [v for v in data_cells if v is not None] == stations
    else:
        assert all(v is None for v in data_cells)
    if k.template_example:
        first_example = next(v for v in k.template_example[0] if v not in ("", None))
        assert first_example not in data_cells
    # the station dropdown, from the hidden list
    for c, col in enumerate(k.columns, start=1):
        if col.type == "station":
            lists = [dv for dv in validations_on(ws, c) if dv.type == "list"]
            assert len(lists) == 1 and lists[0].formula1.startswith("_lists!$A$2:$A$")  # no "=" in the file
            assert list_values(wb, lists[0].formula1) == stations
        if col.type == "enum":
            lists = [dv for dv in validations_on(ws, c) if dv.type == "list"]
            assert list_values(wb, lists[0].formula1) == list(col.choices)
        if col.type == "code":
            assert ws.cell(FIRST_ROW, c).number_format == "@"
        if col.type == "date":
            assert [dv.type for dv in validations_on(ws, c)] == ["date"]
        if col.type == "int":
            dv = validations_on(ws, c)[0]
            assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    if k.layout == "wide":
        for c in range(len(k.columns) + 1, len(labels) + 1):
            assert validations_on(ws, c)[0].type == "whole"


def test_station_dropdown_present_wherever_a_station_is_asked(db_with_stations):
    kinds = [k for k in KINDS.values() if any(c.type == "station" for c in k.columns)]
    assert {k.name for k in kinds} >= {"任务清单", "任务进度", "任务明细", "包保主体", "包保干部", "包保关系", "督导记录"}
    for k in kinds:
        wb, ws = load(make(k.name, db_with_stations))
        lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
        assert any(list_values(wb, dv.formula1) == station_names(db_with_stations) for dv in lists), k.name


def test_without_a_database_the_built_in_indicators_and_no_period(db_with_stations):
    wb, ws = load(make("任务清单"))
    assert headers(ws) == ["监管所", *[i.name for i in INDICATORS]]
    assert ws.cell(FIRST_ROW, 1).value is None  # no stations to prefill
    meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True)}
    assert "year" not in meta and "month" not in meta
    assert wb["_lists"].sheet_state == "hidden"
    assert ws.cell(1, 1).value == "任务清单（填报模板）"


def test_indicator_headers_come_from_the_database(db_with_stations):
    with Session(db_with_stations) as s:
        s.add(m.TaskIndicator(code="冷链", name="冷链食品小作坊排查（家）", sort_order=9))
        s.commit()
    _wb, ws = load(make("任务进度", db_with_stations, year=2022, month=6))
    assert headers(ws) == ["监管所", "月份", "上报日期", "冷链食品小作坊排查（家）"]
    assert ws.cell(1, 1).value == "2022年6月任务进度（填报模板）"


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="未知的类型"):
        template_bytes("不存在")
    with pytest.raises(ValueError, match="月份"):
        template_bytes("任务进度", month=13)


# --- filled templates import ----------------------------------------------------------------


def fill(data: bytes, rows: list[dict[str, object]]) -> bytes:
    """Write rows into the unlocked input cells (by header text), as a user would, and save."""
    wb, ws = load(data)
    col = {c.value: c.column for c in ws[HEADER_ROW] if c.value}
    for i, row in enumerate(rows):
        for label, value in row.items():
            cell = ws.cell(FIRST_ROW + i, col[label])
            assert not cell.protection.locked
            cell.value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def fill_wide(data: bytes, values: dict[str, dict[str, object]]) -> bytes:
    """Fill the prefilled station rows of 任务清单 / 任务进度: station -> {header: value}."""
    wb, ws = load(data)
    col = {c.value: c.column for c in ws[HEADER_ROW] if c.value}
    rows = {ws.cell(r, 1).value: r for r in range(FIRST_ROW, ws.max_row + 1) if ws.cell(r, 1).value}
    for station, cells in values.items():
        for label, value in cells.items():
            cell = ws.cell(rows[station], col[label])
            assert not cell.protection.locked
            cell.value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def imported(engine, kind: str, data: bytes, **kw):
    report = import_files([(f"{kind}（填报模板）.xlsx", data)], engine=engine, **kw)
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert report.files[0].kinds == [kind]
    return report


IND = [i.name for i in INDICATORS]


def test_filled_task_list_imports(db_with_stations):
    data = fill_wide(make("任务清单", db_with_stations, year=2023), {
        "明水所": dict(zip(IND, (20, 3, 5, 2), strict=True)), "双山所": {IND[0]: 15, IND[2]: 4}})
    report = imported(db_with_stations, "任务清单", data)
    assert report.files[0].counts.new == 6  # six targets (the indicators the headers create are not counted)
    with Session(db_with_stations) as s:
        rows = s.exec(select(m.Station.name, m.TaskIndicator.code, m.StationTarget.target)
                      .join(m.StationTarget, m.StationTarget.station_id == m.Station.id)
                      .join(m.TaskIndicator, m.TaskIndicator.id == m.StationTarget.indicator_id)
                      .where(m.StationTarget.year == 2023)).all()
    assert {(a, b): c for a, b, c in rows} == {
        ("明水所", "示范创建"): 20, ("明水所", "新升级为食品生产企业"): 3, ("明水所", "视频监管试点"): 5,
        ("明水所", "抱团发展活动"): 2, ("双山所", "示范创建"): 15, ("双山所", "视频监管试点"): 4}


def test_filled_task_list_without_year_takes_the_year_given(db_with_stations):
    data = fill_wide(make("任务清单", db_with_stations), {"明水所": {IND[0]: 7}})
    assert import_files([("t.xlsx", data)], engine=db_with_stations).exit_code == 1  # no year anywhere
    imported(db_with_stations, "任务清单", data, year=2024)
    with Session(db_with_stations) as s:
        assert s.exec(select(m.StationTarget.year, m.StationTarget.target)).all() == [(2024, 7.0)]


def test_filled_progress_imports_for_the_templates_month(db_with_stations):
    data = fill_wide(make("任务进度", db_with_stations, year=2022, month=10), {
        "明水所": {IND[0]: 12, IND[1]: 1, "上报日期": dt.date(2022, 11, 3)}, "刁镇所": {IND[2]: 2}})
    imported(db_with_stations, "任务进度", data)
    with Session(db_with_stations) as s:
        rows = s.exec(select(m.Station.name, m.TaskIndicator.code, m.StationProgress.year, m.StationProgress.month,
                             m.StationProgress.cumulative)
                      .join(m.StationProgress, m.StationProgress.station_id == m.Station.id)
                      .join(m.TaskIndicator, m.TaskIndicator.id == m.StationProgress.indicator_id)).all()
        subs = {(st, sub.month): sub.report_date for sub, st in s.exec(
            select(m.MonthlySubmission, m.Station.name).join(m.Station)).all()}
    assert sorted(rows) == [("刁镇所", "视频监管试点", 2022, 10, 2.0), ("明水所", "新升级为食品生产企业", 2022, 10, 1.0),
                            ("明水所", "示范创建", 2022, 10, 12.0)]
    assert subs[("明水所", 10)] == dt.date(2022, 11, 3)


def test_filled_business_register_imports(db_with_stations):
    k = KINDS["包保主体"]
    example = dict(zip([c.label for c in k.columns], k.template_example[0], strict=True))
    second = {**example, "统一社会信用代码": None, "许可证编号": "JY13701810000001", "主体名称": "某某饭店",
              "业态": "餐饮", "监管所": "双山所", "镇街": None, "地址": "双山街道2号"}
    report = imported(db_with_stations, "包保主体", fill(make("包保主体", db_with_stations), [example, second]))
    assert report.files[0].counts.new == 2
    with Session(db_with_stations) as s:
        rows = {b.code: (b.name, b.sector, b.tier, b.risk_level, b.status) for b in s.exec(select(m.Business)).all()}
    assert rows == {"91370181MA3C000001": ("某某食品有限公司", "生产", "B", "C", "在营"),
                    "JY13701810000001": ("某某饭店", "餐饮", "B", "C", "在营")}


def test_every_kind_filled_in_order_imports(db_with_stations):
    """Every template, filled with one or two rows each and imported parents first."""
    eng = db_with_stations
    ex = {name: dict(zip([c.label for c in k.columns], k.template_example[0], strict=True))
          for name, k in KINDS.items() if k.template_example}
    plan = {"序号": 1, "章节": "一、强化责任落实", "任务": "落实属地管理责任",
            "内容": "落实食品安全属地管理责任（各镇街负责，区市场监管局配合）。", "完成时限": "2022-06-30",
            "文件名称": "2022年食品安全工作要点", "发文单位": "区食安办", "辖区": "章丘区", "计划年度": 2022}
    filled = [
        ("区县", {}, [ex["区县"]]),
        ("监管所", {}, [ex["监管所"]]),
        ("任务清单", {"year": 2022}, {"明水所": dict(zip(IND, (20, 3, 5, 2), strict=True))}),
        ("任务进度", {"year": 2022, "month": 6}, {"明水所": {IND[0]: 8}}),
        ("任务明细", {"year": 2022}, [ex["任务明细"]]),
        ("配档表", {"year": 2022}, [{"时间": "2022年2月底前", "工作重点": "动员部署"},
                                  {"时间": "2022年3月~12月", "工作重点": "全面推进", "状态": "进行中"}]),
        ("工作要点", {"year": 2022}, [plan, {**plan, "序号": 2, "任务": "开展专项整治", "内容": "开展专项整治。",
                                          "完成时限": None}]),
        ("工作阶段", {"year": 2022}, [{"序号": 1, "条目": "三(二)", "阶段": "专项整治阶段", "时间": "2022年3月至11月底",
                                       "开始日期": dt.date(2022, 3, 1), "结束日期": dt.date(2022, 11, 30),
                                       "文件名称": "2022年食品安全工作要点", "发文单位": "章丘区市场监督管理局",
                                       "辖区": "章丘区", "计划年度": 2022}]),
        ("工作要点进展", {"year": 2022, "month": 5}, [{**ex["工作要点进展"], "文件名称": "2022年食品安全工作要点",
                                                   "计划年度": 2022, "年度": None, "月份": None}]),
        ("指标", {}, [{"指标名称": "监督抽检批次", "单位": "批次", "目标值": 4800, "方向": "≥", "进度类型": "ramp",
                     "辖区": "章丘区", "年度": 2022, "是否仪表": "是"},
                    {"指标名称": "抽检合格率", "单位": "%", "目标值": "98%", "辖区": "章丘区", "年度": 2022}]),
        ("指标月报", {"year": 2022, "month": 10}, [{**ex["指标月报"], "年度": None, "月份": None}]),
        ("包保主体", {}, [ex["包保主体"]]),
        ("包保干部", {}, [ex["包保干部"]]),
        ("包保关系", {}, [{**ex["包保关系"], "开始日期": dt.date(2022, 1, 1)}]),
        ("督导记录", {}, [{**ex["督导记录"], "督导日期": dt.date(2022, 3, 15)}]),
        ("问题", {}, [ex["问题"]]),
        ("风险隐患", {"year": 2022, "month": 10},
         {"明水所": {"检查主体数": 120, "发现隐患数": 1, "整改隐患数": 0, "立案数": 0}}),
        ("隐患清单", {"year": 2022, "month": 10}, [ex["隐患清单"]]),
        ("小作坊", {}, [ex["小作坊"]]),
        ("摸排", {"year": 2022}, [ex["摸排"]]),
        ("评选", {"year": 2022}, [ex["评选"]]),  # the 小作坊 of the 名录 above
        ("主体责任", {"year": 2022}, [ex["主体责任"]]),  # the 包保主体 above
        ("抽检", {"year": 2022}, [ex["抽检"]]),  # a 不合格 batch: its problem comes too
    ]
    assert [f[0] for f in filled] == list(KINDS)
    for kind, period, rows in filled:
        template = make(kind, eng, **period)
        data = fill_wide(template, rows) if isinstance(rows, dict) else fill(template, rows)
        report = imported(eng, kind, data)
        c = report.files[0].counts
        assert c.new + c.updated >= 1, kind
    with Session(eng) as s:
        status = s.exec(select(m.PlanTaskStatus)).one()
        assert (status.year, status.month, status.status) == (2022, 5, "进行中")
        reading = s.exec(select(m.KpiReading)).one()
        assert (reading.year, reading.month, reading.value) == (2022, 10, 4200)
        assert s.exec(select(m.Problem.status).where(m.Problem.source == "包保督导")).one() == "已销号"
        assert s.exec(select(m.Problem.status).where(m.Problem.source == "抽检")).one() == "已整改"
        assert s.exec(select(m.DutyCheck.daily, m.DutyCheck.monthly)).one() == (True, False)
        assert s.exec(select(m.WorkshopAward.stage)).one() == "获评"
        assert s.exec(select(m.Kpi.target).where(m.Kpi.name == "抽检合格率")).one() == pytest.approx(0.98)
        windows = s.exec(select(m.ScheduleMilestone.start_date, m.ScheduleMilestone.end_date)
                         .order_by(m.ScheduleMilestone.row_order)).all()
        assert windows == [(dt.date(2022, 1, 1), dt.date(2022, 2, 28)), (dt.date(2022, 3, 1), dt.date(2022, 12, 31))]
