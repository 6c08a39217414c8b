"""数据填报 (services.entry) on a small hand-built database, on SQLite and PostgreSQL: the importer's rules refuse bad
figures with its words and write nothing; a good save is one undoable batch that moves the figures, the month's
submission and data_version; a 监管所 account enters its own station only; KPI values are the office's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd
import pytest
from sqlmodel import Session, select

from db import models as m
from db.authstore import auth_session
from db.changelog import row_to_dict
from db.engine import data_version, get_engine, set_setting
from seed.importer import UndoRefused, undo_batch
from services import entry, kpi_entry, metrics
from services.rules.viewer import NOBODY, SYSTEM, Viewer
from tests.db.factories import Factory

D = dt.date
OCT31 = D(2022, 10, 31)
YEAR, MONTH = 2022, 10


@dataclass
class Small:
    """明水所: 示范创建 target 100 (70 in September), 视频监管 target 10 (5 in September); 双山所: 示范创建 26 (18 in
    October, reported 2022-10-20). KPIs: 监督抽检批次 (count, 3000 in September), 核查处置按时完成率 (95%, 90% in
    September), 月报按时上报率 (computed)."""

    engine: object
    a: int
    b: int
    demo: int
    video: int
    batches: int
    rate: int
    computed: int
    mingshui: dict
    shuangshan: dict


@pytest.fixture
def small(db_url):
    engine = get_engine(db_url)
    with Session(engine) as s:
        f = Factory(s)
        a, b = f.station("明水所"), f.station("双山所")
        demo, video = f.indicator("示范创建"), f.indicator("视频监管")
        f.target(a, demo, 100)
        f.target(a, video, 10)
        f.target(b, demo, 26)
        f.progress(a, demo, 9, 70)
        f.progress(a, video, 9, 5)
        f.progress(b, demo, 10, 18)
        f.submission(b, 10, D(2022, 10, 20))
        batches = f.kpi("监督抽检批次", 5505, unit="批次", pacing="ramp", due_date=D(2022, 12, 31))
        rate = f.kpi("核查处置按时完成率", 0.95)
        computed = f.kpi("月报按时上报率", 1.0, computed_from="submissions")
        f.reading(batches, 9, 3000)
        f.reading(rate, 9, 0.90)
        set_setting(s, "as_of", OCT31.isoformat())
        s.commit()
        ids = Small(engine, a.id, b.id, demo.id, video.id, batches.id, rate.id, computed.id,
                    Viewer(username="mingshui", role="监管所", station_id=a.id),
                    Viewer(username="shuangshan", role="监管所", station_id=b.id))
    return ids


OFFICE = Viewer(username="office", role="食安办", station_id=None)
LEADER = Viewer(username="leader", role="领导", station_id=None)
ADMIN = Viewer(username="admin", role="管理员", station_id=None)
KIOSK = Viewer(username=None, role="kiosk", station_id=None)


def snapshot(engine) -> dict:
    """Every row an entry could write, and the counter that says something changed."""
    tables = (m.StationProgress, m.MonthlySubmission, m.KpiReading, m.ImportBatch, m.ImportChange)

    def rows(s: Session, t) -> list[dict]:
        return sorted((row_to_dict(r) for r in s.exec(select(t)).all()), key=lambda d: d["id"])

    with Session(engine) as s:
        out = {t.__tablename__: rows(s, t) for t in tables}
    with auth_session(engine) as a:  # the audit log lives in the auth store
        out["audit_log"] = rows(a, m.AuditLog)
    out["data_version"] = data_version(engine)
    return out


def figures(engine) -> pd.DataFrame:
    """What 任务清单 shows: station × indicator with the carried-forward 累计完成 and its pace."""
    with Session(engine) as s:
        return metrics.task_progress(session=s, year=YEAR, month=MONTH, as_of=OCT31)


def kpi_figures(engine) -> pd.DataFrame:
    with Session(engine) as s:
        return metrics.kpi_gauges(session=s, year=YEAR, month=MONTH, as_of=OCT31)


def one(df: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for k, v in where.items():
        mask &= df[k] == v
    assert mask.sum() == 1, where
    return df[mask].iloc[0]


def save(small: Small, user, rows, reasons=None, *, station=None, month=MONTH, today=OCT31):
    return entry.save_progress(engine=small.engine, viewer=replace(user, client="test"), station_id=small.a if station is None else station,
                               year=YEAR, month=month, rows=rows, reasons=reasons, today=today)


# --- the frame ---------------------------------------------------------------------------------------


def test_entry_frame_shows_target_last_month_and_this_month(small):
    with Session(small.engine) as s:
        df = entry.entry_frame(session=s, viewer=small.mingshui, station_id=small.a, year=YEAR, month=MONTH)
        other = entry.entry_frame(session=s, viewer=OFFICE, station_id=small.b, year=YEAR, month=MONTH)
    assert df["indicator"].tolist() == ["示范创建", "视频监管"]
    row = one(df, indicator="示范创建")
    assert (row.target, row.last_month, row.last_cumulative) == (100, 9, 70)
    assert pd.isna(row.cumulative) and pd.isna(row.increment)
    # 双山所 reported October already: its figure, with nothing before it counted as 0
    row = one(other, indicator="示范创建")
    assert (row.target, row.cumulative, row.increment) == (26, 18, 18)
    assert pd.isna(row.last_month) and pd.isna(row.last_cumulative)


def test_entry_frame_is_checked(small):
    with Session(small.engine) as s:
        with pytest.raises(PermissionError, match="监管所账号只能填报本所（明水所）的数据"):
            entry.entry_frame(session=s, viewer=small.mingshui, station_id=small.b, year=YEAR, month=MONTH)
        for who in (LEADER, ADMIN, KIOSK, NOBODY, SYSTEM):  # an entry is always an account's
            with pytest.raises(PermissionError, match="当前账号无权操作“数据填报”"):
                entry.entry_frame(session=s, viewer=who, station_id=small.a, year=YEAR, month=MONTH)


# --- refused edits ------------------------------------------------------------------------------------


def test_invalid_edits_are_refused_with_the_importers_words_and_nothing_is_written(small):
    before = snapshot(small.engine)
    result = save(small, small.mingshui, {small.demo: -1, small.video: 3})
    assert not result.ok and result.batch_id is None
    assert result.errors == [
        "示范创建：不能为负数（填写：-1）",
        "视频监管：本月累计3低于上月累计5（9月），请在“说明”中填写原因",
    ]
    assert result.message == "共2处错误：未写入任何数据，请修改后重新保存"
    # one bad figure stops the good one beside it
    result = save(small, small.mingshui, {small.demo: 80, small.video: "4.5"}, {small.video: "  "})
    assert result.errors == ["视频监管：应为整数（填写：4.5）"]
    result = save(small, small.mingshui, {small.demo: "八十"})
    assert result.errors == ["示范创建：应为数字（填写：八十）"]
    assert snapshot(small.engine) == before


def test_a_future_month_an_unknown_indicator_and_a_cleared_figure_are_refused(small):
    before = snapshot(small.engine)
    assert save(small, small.mingshui, {small.demo: 80}, month=11).errors == ["2022年11月尚未开始，不能填报"]
    assert save(small, small.mingshui, {9999: 1}).errors == ["该所2022年的任务清单中没有这个指标（编号 9999）"]
    assert save(small, OFFICE, {small.demo: None}, station=small.b).errors == [
        "示范创建：已上报的数值不能清空；如需更正请填写正确的数值，或在“导入记录”中撤销该次填报"]
    # a blank figure never reported is simply not reported: nothing to save
    result = save(small, small.mingshui, {small.demo: None, small.video: float("nan")})
    assert result.ok and not result.changed and result.message == "数据没有变化，未做任何更改"
    assert snapshot(small.engine) == before


def test_a_station_account_cannot_save_another_station(small):
    before = snapshot(small.engine)
    with pytest.raises(PermissionError, match="监管所账号只能填报本所（明水所）的数据"):
        save(small, small.mingshui, {small.demo: 20}, station=small.b)
    for who in (LEADER, ADMIN, KIOSK, NOBODY, SYSTEM):  # an entry is always an account's
        with pytest.raises(PermissionError, match="当前账号无权操作“数据填报”"):
            save(small, who, {small.demo: 80})
    with pytest.raises(PermissionError, match="监管所账号未指定监管所"):
        save(small, Viewer(username="x", role="监管所", station_id=None), {small.demo: 80})
    assert snapshot(small.engine) == before


# --- a good save and its undo ---------------------------------------------------------------------------


def test_a_valid_save_moves_the_figures_and_undo_restores_them_exactly(small):
    before, figures_before, version = snapshot(small.engine), figures(small.engine), data_version(small.engine)
    result = save(small, small.mingshui, {small.demo: 80, small.video: 4}, {small.video: "一处试点撤销，核减1家"})
    assert result.ok and result.batch_id is not None
    assert (result.counts.new, result.counts.updated) == (2, 0)
    assert result.warnings == ["明水所 视频监管：本月累计4低于上月累计5（9月），说明：一处试点撤销，核减1家"]
    assert result.message == f"已保存为批次 #{result.batch_id}：新增2项（示范创建：未填 → 80；视频监管：未填 → 4），1处提示"
    assert data_version(small.engine) == version + 1

    after = figures(small.engine)
    row = one(after, station="明水所", indicator="示范创建")
    assert (row.actual, row.last_month, bool(row.reported)) == (80, 10, True)
    assert row.rate == pytest.approx(0.8)
    assert one(after, station="明水所", indicator="视频监管").actual == 4
    assert one(figures_before, station="明水所", indicator="示范创建").actual == 70  # carried forward before

    with Session(small.engine) as s:
        batch = s.get(m.ImportBatch, result.batch_id)
        assert (batch.file_name, batch.kind, batch.user, batch.year, batch.month, batch.status) == (
            "数据填报（明水所 2022年10月）", "任务进度", "mingshui", 2022, 10, "已导入")
        assert batch.warnings == result.warnings and batch.n_warnings == 1 and batch.n_new == 2
        assert batch.created_at is not None
        sub = s.exec(select(m.MonthlySubmission).where(m.MonthlySubmission.station_id == small.a)).one()
        assert (sub.year, sub.month, sub.kind, sub.report_date, sub.batch_id) == (2022, 10, "任务进度", OCT31,
                                                                                  result.batch_id)
        with auth_session(s) as a:  # the audit log lives in the auth store
            log = a.exec(select(m.AuditLog).where(m.AuditLog.action == "编辑")).one()
        assert (log.username, log.role, log.client, log.target) == ("mingshui", "监管所", "test",
                                                                    "数据填报（明水所 2022年10月）")
        assert log.detail["batch"] == result.batch_id
        assert log.detail["reasons"] == {str(small.video): "一处试点撤销，核减1家"}
        # 3 rows written: two figures and the submission
        assert len(s.exec(select(m.ImportChange).where(m.ImportChange.batch_id == result.batch_id)).all()) == 3

    with Session(small.engine) as s:
        undo_batch(s, result.batch_id)
        s.commit()
    pd.testing.assert_frame_equal(figures(small.engine), figures_before)
    restored = snapshot(small.engine)
    for table in ("station_progress", "monthly_submission", "kpi_reading"):
        assert restored[table] == before[table], table
    assert restored["data_version"] == version + 2


def test_a_correction_updates_keeps_the_first_report_date_and_undoes_alone(small):
    first = save(small, small.mingshui, {small.demo: 80}, today=D(2022, 10, 20))
    figures_first = figures(small.engine)
    second = save(small, small.mingshui, {small.demo: 82, small.video: 5}, today=D(2022, 10, 28))
    assert (second.counts.new, second.counts.updated) == (1, 1)
    with Session(small.engine) as s:
        sub = s.exec(select(m.MonthlySubmission).where(m.MonthlySubmission.station_id == small.a)).one()
        assert sub.report_date == D(2022, 10, 20)  # the first save is the submission
        with pytest.raises(UndoRefused, match=f"之后的批次 #{second.batch_id}"):
            undo_batch(s, first.batch_id)
        s.rollback()
    assert one(figures(small.engine), station="明水所", indicator="示范创建").actual == 82
    with Session(small.engine) as s:
        undo_batch(s, second.batch_id)
        s.commit()
    pd.testing.assert_frame_equal(figures(small.engine), figures_first)
    with Session(small.engine) as s:
        assert s.exec(select(m.MonthlySubmission.report_date)
                      .where(m.MonthlySubmission.station_id == small.a)).one() == D(2022, 10, 20)


def test_above_target_warns_and_saves_and_the_same_figures_change_nothing(small):
    result = save(small, small.mingshui, {small.demo: "105", small.video: 5})
    assert result.ok and result.counts.new == 2
    assert result.warnings == ["明水所 示范创建：本月累计105超过年度目标100"]
    before = snapshot(small.engine)
    again = save(small, small.mingshui, {small.demo: 105.0, small.video: "5"})
    assert again.ok and not again.changed and again.counts.unchanged == 2
    assert snapshot(small.engine) == before


def test_the_office_saves_any_station_and_its_report_date_stays(small):
    result = save(small, OFFICE, {small.demo: 20}, station=small.b)
    assert result.ok and result.counts.updated == 1
    with Session(small.engine) as s:
        assert s.get(m.ImportBatch, result.batch_id).user == "office"
        assert s.exec(select(m.MonthlySubmission.report_date)
                      .where(m.MonthlySubmission.station_id == small.b)).one() == D(2022, 10, 20)
        batches = entry.entry_batches(session=s, viewer=OFFICE, station_id=small.b, year=YEAR, month=MONTH)
    assert batches[["batch_id", "user", "status"]].values.tolist() == [[result.batch_id, "office", "已导入"]]


# --- 指标月报 ------------------------------------------------------------------------------------------


def save_kpis(small: Small, user, rows, *, month=MONTH):
    return kpi_entry.save_kpi_values(engine=small.engine, viewer=replace(user, client="test"), year=YEAR, month=month, rows=rows, today=OCT31)


def test_kpi_entry_frame_is_the_offices(small):
    with Session(small.engine) as s:
        df = kpi_entry.kpi_entry_frame(session=s, viewer=OFFICE, year=YEAR, month=MONTH)
        for who in (small.mingshui, LEADER, ADMIN, KIOSK, NOBODY, SYSTEM):
            with pytest.raises(PermissionError):
                kpi_entry.kpi_entry_frame(session=s, viewer=who, year=YEAR, month=MONTH)
        with pytest.raises(PermissionError, match="只有食安办可以填报指标月报"):
            kpi_entry.kpi_entry_frame(session=s, viewer=small.mingshui, year=YEAR, month=MONTH)
    assert df["name"].tolist() == ["监督抽检批次", "核查处置按时完成率"]  # never the computed one
    row = one(df, name="核查处置按时完成率")
    assert (row.unit, row.target, row.last_month, row.last_value) == ("%", 0.95, 9, 0.9)
    assert pd.isna(row.value)


def test_invalid_kpi_values_are_refused_and_nothing_is_written(small):
    before = snapshot(small.engine)
    result = save_kpis(small, OFFICE, {small.rate: 150, small.batches: -5, small.computed: 1.0})
    assert result.errors == [
        "核查处置按时完成率（本月累计）：比率不能超过100%（填写：150）",
        "监督抽检批次（本月累计）：不能为负数（填写：-5）",
        "月报按时上报率：该指标由系统根据上报记录自动计算，不能填报",
    ]
    result = save_kpis(small, OFFICE, {small.batches: {"value": None, "numerator": 3}, 9999: 1})
    assert result.errors == ["监督抽检批次：填写了分子或分母，但缺少本月累计", "未找到2022年的该指标（编号 9999）"]
    with pytest.raises(PermissionError, match="只有食安办可以填报指标月报"):
        save_kpis(small, small.mingshui, {small.batches: 4000})
    with pytest.raises(PermissionError):
        save_kpis(small, LEADER, {small.batches: 4000})
    assert snapshot(small.engine) == before


def test_valid_kpi_values_move_the_gauges_and_undo_restores_them(small):
    gauges_before, before = kpi_figures(small.engine), snapshot(small.engine)
    result = save_kpis(small, OFFICE, {small.batches: "4,200批次",
                                       small.rate: {"value": 96, "numerator": 48, "denominator": 50}})
    assert result.ok and result.counts.new == 2
    assert result.warnings == ["核查处置按时完成率（本月累计）：大于1的数值已按百分数理解（填写：96）"]
    assert data_version(small.engine) == before["data_version"] + 1
    gauges = kpi_figures(small.engine)
    assert one(gauges, name="监督抽检批次").actual == 4200
    rate = one(gauges, name="核查处置按时完成率")
    assert (rate.actual, rate.numerator, rate.denominator) == (pytest.approx(0.96), 48, 50)
    with Session(small.engine) as s:
        batch = s.get(m.ImportBatch, result.batch_id)
        assert (batch.file_name, batch.kind, batch.user) == ("数据填报（指标月报 2022年10月）", "指标月报", "office")
        frame = kpi_entry.kpi_entry_frame(session=s, viewer=OFFICE, year=YEAR, month=MONTH)
    assert one(frame, name="核查处置按时完成率").value == pytest.approx(0.96)
    assert save_kpis(small, OFFICE, {small.batches: 4200, small.rate: {"value": "96%", "numerator": 48,
                                                                       "denominator": 50}}).changed is False
    with Session(small.engine) as s:
        undo_batch(s, result.batch_id)
        s.commit()
    pd.testing.assert_frame_equal(kpi_figures(small.engine), gauges_before)
    assert snapshot(small.engine)["kpi_reading"] == before["kpi_reading"]
