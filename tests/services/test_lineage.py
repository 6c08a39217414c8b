"""Lineage (services.lineage): a figure of 任务清单 or 指标 names the batch, file, sheet and row it came from — or the
数据填报 save, by whom and when — and a month without a report carries the earlier report's lineage forward."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlmodel import Session, select

from db import models as m
from seed.importer import import_files, import_paths, undo_batch
from services import entry, lineage
from services.rules.localtime import local_time_label
from services.rules.viewer import NOBODY, SYSTEM, Viewer
from tests.db.factories import Factory
from tests.seed.fixtures import HEADERS, SEED_DATA, task_rows, xlsx

OFFICE = Viewer(username="office", role="食安办", station_id=None)
LEADER = Viewer(username="leader", role="领导", station_id=None)
KIOSK = Viewer(username=None, role="kiosk", station_id=None)


@pytest.fixture
def imported(engine):
    """监管所.xlsx, then a 2022 任务清单 (task.xlsx) and the 2022年9月 任务进度 (进度.xlsx) by office."""
    assert import_paths([SEED_DATA / "监管所.xlsx"], engine=engine).exit_code == 0
    assert import_files([("task.xlsx", xlsx(task_rows()))], engine=engine, user="office").exit_code == 0
    rows = [["2022年9月各监管所任务完成情况（累计）"], HEADERS, ["明水所", 8, 1, 2, 1], ["双山所", 5, None, 3, 0]]
    report = import_files([("进度.xlsx", xlsx(rows))], engine=engine, user="office")
    assert report.exit_code == 0, [f.line() for f in report.errors]
    return engine


def station_id(engine, name: str) -> int:
    with Session(engine) as s:
        return s.exec(select(m.Station.id).where(m.Station.name == name)).one()


def figures(engine, user=LEADER, month=10, name="明水所"):
    with Session(engine) as s:
        return lineage.station_figures(session=s, viewer=user, year=2022, month=month, station_id=station_id(engine, name))


def row(df, indicator, figure):
    hit = df[(df["indicator"] == indicator) & (df["figure"] == figure)]
    assert len(hit) == 1, (indicator, figure)
    return hit.iloc[0]


def batch_id(engine, file_name):
    with Session(engine) as s:
        return s.exec(select(m.ImportBatch.id).where(m.ImportBatch.file_name == file_name)).one()


def test_imported_figures_name_batch_file_sheet_and_row(imported):
    df = figures(imported)
    task, progress = batch_id(imported, "task.xlsx"), batch_id(imported, "进度.xlsx")
    target = row(df, "示范创建", "目标")
    assert (target["value"], target["batch_id"], target["file_name"], target["sheet"], target["row"]) == (
        20, task, "task.xlsx", "Sheet1", 3)  # title row 1, header row 2: 明水所 is on row 3
    done = row(df, "示范创建", "累计完成")
    # October has no report: the September figure is carried forward, with its lineage
    assert (done["value"], done["month"], done["batch_id"], done["row"]) == (8, "2022年9月", progress, 3)
    assert done["user"] == "office"
    assert done["source"].startswith(f"批次 #{progress}：进度.xlsx，工作表“Sheet1”第3行；office 于 ")
    assert done["source"].endswith(" 导入")
    # 双山所 left 新升级为食品生产企业 blank: nothing reported, said so
    assert row(figures(imported, name="双山所"), "新升级为食品生产企业", "累计完成")["source"] == "尚未上报"


def test_entry_save_names_who_and_when_and_undo_is_shown(imported):
    sid = station_id(imported, "明水所")
    with Session(imported) as s:
        frame = entry.entry_frame(session=s, viewer=OFFICE, station_id=sid, year=2022, month=10)
    rows = {int(r.indicator_id): float(r.last_cumulative) + 1 for r in frame.itertuples() if r.indicator == "示范创建"}
    result = entry.save_progress(engine=imported, viewer=replace(OFFICE, client="test"), station_id=sid, year=2022, month=10, rows=rows,
                                 reasons=None, today=dt.date(2022, 10, 31))
    assert result.ok and result.changed, result.errors
    done = row(figures(imported), "示范创建", "累计完成")
    assert (done["value"], done["month"], done["batch_id"]) == (9, "2022年10月", result.batch_id)
    with Session(imported) as s:
        at = s.get(m.ImportBatch, result.batch_id).created_at
    assert done["source"] == f"数据填报：office 于 {local_time_label(at)} 保存（批次 #{result.batch_id}）"
    with Session(imported) as s:
        undo_batch(s, result.batch_id)
        s.commit()
    # the save is undone: the figure is September's import again
    assert row(figures(imported), "示范创建", "累计完成")["month"] == "2022年9月"


def test_generated_and_unrecorded_rows_say_so(engine):
    with Session(engine) as s:
        f = Factory(s)
        a = f.station("明水所")
        demo = f.indicator("示范创建")
        t = f.target(a, demo, 100)
        t.is_demo = True
        s.commit()
        df = lineage.station_figures(session=s, viewer=SYSTEM, year=2022, month=10, station_id=a.id)
    assert row(df, "示范创建", "目标")["source"] == "示例数据（系统生成，无导入批次）"
    assert row(df, "示范创建", "累计完成")["source"] == "尚未上报"


def test_kpi_reading_lineage(engine):
    with Session(engine) as s:
        f = Factory(s)
        rate = f.kpi("核查处置按时完成率", 0.95)
        computed = f.kpi("月报按时上报率", 1.0, computed_from="submissions")
        f.reading(rate, 8, 0.90)
        s.commit()
        rate_id, computed_id = rate.id, computed.id
    rows = [["指标名称", "辖区", "年度", "月份", "本年累计"], ["核查处置按时完成率", "章丘区", 2022, 9, "93%"]]
    report = import_files([("指标.xlsx", xlsx(rows, title="指标月报"))], engine=engine, user="office",
                          kind="指标月报")
    assert report.exit_code == 0, [f.line() for f in report.errors]
    with Session(engine) as s:
        df = lineage.kpi_figure(session=s, viewer=LEADER, kpi_id=rate_id, year=2022, month=10)
        value = df[df["figure"] == "本年累计"].iloc[0]
        assert (value["value"], value["month"], value["file_name"], value["sheet"], value["row"]) == (
            pytest.approx(0.93), "2022年9月", "指标.xlsx", "指标月报", 2)
        # in August the factory's reading stands, written before any import was recorded
        august = lineage.kpi_figure(session=s, viewer=LEADER, kpi_id=rate_id, year=2022, month=8)
        value = august[august["figure"] == "本年累计"].iloc[0]
        assert (value["value"], value["source"]) == (pytest.approx(0.90), "未记录来源（早于导入记录的数据）")
        assert august[august["figure"] == "目标"].iloc[0]["source"] == "未记录来源（早于导入记录的数据）；依据：测试"
        c = lineage.kpi_figure(session=s, viewer=LEADER, kpi_id=computed_id, year=2022, month=10)
        assert c[c["figure"] == "本年累计"].iloc[0]["source"].startswith("由系统根据各监管所的上报记录计算")


def test_lineage_is_for_whoever_reads_the_figure(imported):
    sid = station_id(imported, "双山所")
    mingshui = Viewer(username="mingshui", role="监管所", station_id=station_id(imported, "明水所"))
    with Session(imported) as s:
        # a 监管所 account reads every station's figures, so their lineage too
        assert len(lineage.station_figures(session=s, viewer=mingshui, year=2022, month=10, station_id=sid)) == 8
        with pytest.raises(PermissionError, match="当前账号无权查看“任务清单”"):
            lineage.station_figures(session=s, viewer=KIOSK, year=2022, month=10, station_id=sid)
        with pytest.raises(PermissionError, match="当前账号无权查看“指标”"):
            lineage.kpi_figure(session=s, viewer=NOBODY, kpi_id=1, year=2022, month=10)
