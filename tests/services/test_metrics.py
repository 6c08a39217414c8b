"""Metrics on small hand-built databases, on SQLite and PostgreSQL; expected figures are worked out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import Session

from db import sql
from db.engine import get_engine
from db.models import TaskList
from db.queries import baobao as bq
from db.queries import tasks as tq
from services import metrics, narrative
from services.rules import fmt
from tests.db.factories import Factory

D = dt.date
OCT31 = D(2022, 10, 31)
P304 = 304 / 365


@pytest.fixture
def session(db_url):
    with Session(get_engine(db_url)) as s:
        yield s
        s.rollback()


@pytest.fixture
def f(session):
    return Factory(session)


def one(df: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for k, v in where.items():
        mask &= df[k] == v
    rows = df[mask]
    assert len(rows) == 1, f"{len(rows)} rows for {where}"
    return rows.iloc[0]


# --- task lists ---------------------------------------------------------------------------------


@pytest.fixture
def db_canonical_station(f):
    """明水所: 示范创建 target 126, 累计完成 90 in September and 98 in October 2022."""
    st = f.station("明水所")
    ind = f.indicator("示范创建")
    f.target(st, ind, 126)
    f.progress(st, ind, 9, 90)
    f.progress(st, ind, 10, 98)
    return st, ind


def test_canonical_case(session, db_canonical_station):
    df = metrics.task_progress(session=session, year=2022, month=10, as_of=OCT31)
    row = one(df, station="明水所", indicator="示范创建")
    assert (row.target, row.actual, row.last_month, bool(row.reported)) == (126, 98, 10, True)
    assert row.rate == pytest.approx(98 / 126)
    assert row.expected == pytest.approx(126 * 304 / 365)
    assert row.expected_rate == pytest.approx(P304)
    assert row.lag_pp == pytest.approx((98 / 126 - 304 / 365) * 100)
    assert row.status == "amber"
    assert fmt.pct(row.rate) == "77.8%"
    assert fmt.pace_sentence(row.rate, row.expected_rate) == "完成率77.8%，低于时序进度5.5个百分点"
    assert pd.isna(row.items_done) and not row.item_mismatch and not row.is_demo

    tot = one(metrics.task_totals(session=session, year=2022, month=10, as_of=OCT31), indicator="示范创建")
    line = fmt.narrative_task_line(
        year=2022, month=10, indicator=tot.indicator, unit=tot.unit, actual=tot.actual, target=tot.target,
        expected_rate=tot.expected_rate, as_of=OCT31,
    )
    assert line == "截至10月底，全区完成示范创建98家，完成率77.8%，低于时序进度5.5个百分点"


def test_task_progress_columns(session, db_canonical_station):
    df = metrics.task_progress(session=session, year=2022, month=10, as_of=OCT31)
    assert list(df.columns) == metrics.TASK_COLUMNS


def test_carry_forward_and_grey(session, f):
    a, b = f.station("明水所"), f.station("双山所")
    ind = f.indicator("示范创建")
    f.target(a, ind, 10)
    f.target(b, ind, 10)
    f.progress(a, ind, 3, 2)
    f.progress(a, ind, 5, 4)
    f.progress(a, ind, 7, 6, year=2021)  # another year's figure never carries into 2022
    june = metrics.task_progress(session=session, year=2022, month=6, as_of=OCT31)
    ra, rb = one(june, station="明水所"), one(june, station="双山所")
    assert (ra.actual, ra.last_month, bool(ra.reported)) == (4, 5, False)
    assert ra.status != "grey"
    assert (rb.actual, bool(rb.reported), rb.status) == (0, False, "grey")
    assert pd.isna(rb.last_month)
    may = metrics.task_progress(session=session, year=2022, month=5, as_of=OCT31)
    assert bool(one(may, station="明水所").reported)
    feb = metrics.task_progress(session=session, year=2022, month=2, as_of=OCT31)
    assert one(feb, station="明水所").status == "grey"


def test_item_mismatch_flag(session, f):
    a, b, c = f.station("明水所"), f.station("双山所"), f.station("圣井所")
    ind = f.indicator("视频监管试点")
    for st in (a, b, c):
        f.target(st, ind, 5)
        f.progress(st, ind, 10, 2)
    # 明水所: two sites done and the report says 2 → no flag
    f.item(a, ind, "甲", "已完成")
    f.item(a, ind, "乙", "已验收")
    f.item(a, ind, "丙", "推进中")
    # 双山所: three done against a reported 2 → flag; one finished after the month is not yet done
    f.item(b, ind, "甲", "已完成")
    f.item(b, ind, "乙", "已完成")
    f.item(b, ind, "丙", "已验收", completed_date=D(2022, 10, 20))
    f.item(b, ind, "丁", "已完成", completed_date=D(2022, 11, 2))
    df = metrics.task_progress(session=session, year=2022, month=10, as_of=OCT31)
    ra, rb, rc = (one(df, station=s) for s in ("明水所", "双山所", "圣井所"))
    assert (ra.items_total, ra.items_done, bool(ra.item_mismatch)) == (3, 2, False)
    assert (rb.items_total, rb.items_done, bool(rb.item_mismatch)) == (4, 3, True)
    assert pd.isna(rc.items_done) and not rc.item_mismatch
    tot = one(metrics.rollup_tasks(df), indicator="视频监管试点")
    assert (tot.items_done, tot.n_item_mismatch) == (5, 1)


@pytest.fixture
def db_two_stations(f):
    """Two stations × two indicators; 双山所 never reported 提升 — 2022, as of 31 Oct."""
    a, b = f.station("明水所"), f.station("双山所")
    demo, up = f.indicator("示范创建"), f.indicator("提升")
    f.target(a, demo, 126)
    f.target(b, demo, 74)
    f.target(a, up, 20)
    f.target(b, up, 7)
    f.progress(a, demo, 10, 98)
    f.progress(b, demo, 8, 70)
    f.progress(a, up, 10, 20)
    f.progress(b, demo, 2, 1, is_demo=True)  # superseded by August, still marks nothing
    return a, b


def test_task_totals_roll_up_station_figures(session, db_two_stations):
    tot = metrics.task_totals(session=session, year=2022, month=10, as_of=OCT31)
    assert tot["indicator"].tolist() == ["示范创建", "提升"]
    demo = one(tot, indicator="示范创建")
    assert (demo.target, demo.actual, demo.n_stations, demo.n_reported) == (200, 168, 2, 1)
    assert demo.expected == pytest.approx(200 * P304)
    assert demo.rate == pytest.approx(168 / 200)
    assert demo.lag_pp == pytest.approx((168 / 200 - P304) * 100)
    assert demo.status == "green"  # 168 ≥ 166.6
    up = one(tot, indicator="提升")
    assert (up.target, up.actual) == (27, 20)
    assert up.status == "red"  # 20 < 0.9 × 27 × 304/365 = 20.24
    assert not up.is_demo and not demo.is_demo


def test_station_lag_most_lagging_first(session, db_two_stations):
    got = metrics.station_lag(session=session, year=2022, month=10, as_of=OCT31)
    # Most at risk first by the worst indicator's status: amber (明水所) before grey (双山所), whatever the means.
    assert got["station"].tolist() == ["明水所", "双山所"]
    a = got.iloc[0]
    assert a.mean_lag_pp == pytest.approx(((98 / 126 - P304) + (1 - P304)) * 50)
    assert (a.worst_status, a.worst_indicator) == ("amber", "示范创建")
    assert a.worst_lag_pp == pytest.approx((98 / 126 - P304) * 100)
    b = got.iloc[1]
    # 双山所: 示范创建 70/74 − 83.29% = +11.30 pp; 提升 0/7 − 83.29% = −83.29 pp; mean −35.99
    assert b.mean_lag_pp == pytest.approx(((70 / 74 - P304) * 100 + (0 - P304) * 100) / 2)
    assert (b.worst_status, b.worst_indicator, b.n_green, b.n_grey) == ("grey", "提升", 1, 1)
    assert b.worst_lag_pp == pytest.approx(-P304 * 100)


def test_a_station_with_one_red_indicator_is_red_and_named(session, f):
    """明水所 is well ahead on three indicators and far behind on one: its mean lag is positive, its status red."""
    st = f.station("明水所")
    for code, target, done in (("示范创建", 20, 14), ("提升", 3, 3), ("视频监管试点", 5, 5), ("抱团发展活动", 2, 2)):
        ind = f.indicator(code)
        f.target(st, ind, target)
        f.progress(st, ind, 10, done)
    row = metrics.station_lag(session=session, year=2022, month=10, as_of=OCT31).iloc[0]
    # 14/20 − 304/365 = −13.29 pp; the other three +16.71 pp each: mean +9.21, yet the station is red.
    assert round(row.mean_lag_pp, 2) == 9.21
    assert (row.worst_status, row.worst_indicator, round(row.worst_lag_pp, 1)) == ("red", "示范创建", -13.3)
    assert (row.n_red, row.n_green) == (1, 3)
    assert narrative.station_phrase(row.to_dict()) == "明水所：示范创建 −13.3个百分点"


def test_task_list_window_paces_the_canonical_case(session, db_canonical_station):
    """With 004's window (2022-03-01 … 11-30, 三(二)) 98 of 126 at 2022-10-31 is 245/275 = 89.1%: 11.3 points
    behind, red."""
    session.add(TaskList(year=2022, window_start=D(2022, 3, 1), window_due=D(2022, 11, 30),
                         phase="专项整治及监管提升阶段", source_doc="章市监管发〔2022〕9号", source_clause="三(二)"))
    session.flush()
    window = metrics.task_window(session=session, year=2022)
    assert (window.start, window.due, window.source, window.stated) == (
        D(2022, 3, 1), D(2022, 11, 30), "章市监管发〔2022〕9号 三(二)", True)
    row = one(metrics.task_progress(session=session, year=2022, month=10, as_of=OCT31), indicator="示范创建")
    assert row.expected == pytest.approx(126 * 245 / 275)
    assert round(row.expected, 1) == 112.3
    assert row.time_progress == pytest.approx(245 / 275) and fmt.pct(row.time_progress) == "89.1%"
    assert round(row.lag_pp, 1) == -11.3 and row.status == "red"
    tot = one(metrics.task_totals(session=session, year=2022, month=10, as_of=OCT31), indicator="示范创建")
    assert fmt.pace_sentence(tot.rate, tot.expected_rate) == "完成率77.8%，低于时序进度11.3个百分点"
    assert narrative.pace_basis(window, OCT31) == (
        "时序进度89.1%（2022年3月1日至11月30日已过245/275天；依据：章市监管发〔2022〕9号 三(二)）")
    # Before the window opens nothing is expected; in the trend, February is 0 and March 31/275.
    trend = metrics.task_trend(session=session, year=2022, as_of=OCT31).set_index("month")
    assert trend.loc[2, "expected"] == 0.0
    assert trend.loc[3, "expected"] == pytest.approx(126 * 31 / 275)
    # After the due date the whole target is owed.
    dec = one(metrics.task_progress(session=session, year=2022, month=12, as_of=D(2022, 12, 31)),
              indicator="示范创建")
    assert dec.expected == 126.0 and dec.time_progress == 1.0


def test_a_year_without_a_stated_window_is_paced_over_the_year(session, db_canonical_station):
    window = metrics.task_window(session=session, year=2022)
    assert (window.start, window.due, window.stated, window.source) == (D(2022, 1, 1), D(2022, 12, 31), False, None)
    assert narrative.basis(window) == "未载明推进时段，按全年计"
    row = one(metrics.task_progress(session=session, year=2022, month=10, as_of=OCT31), indicator="示范创建")
    assert row.time_progress == pytest.approx(P304) and row.status == "amber"


def test_kpi_window_start_paces_a_ramp_from_it(session, f):
    """A KPI whose source states a start (1 Jul) ramps from it: at 31 Oct 123 of 184 days."""
    k = f.kpi("宣传活动", 10, unit="次", pacing="ramp", due_date=D(2022, 12, 31))
    k.window_start = D(2022, 7, 1)
    session.flush()
    f.reading(k, 10, 5)
    g = one(metrics.kpi_gauges(session=session, year=2022, month=10, as_of=OCT31), name="宣传活动")
    assert g.time_progress == pytest.approx(123 / 184)
    assert g.expected == pytest.approx(10 * 123 / 184)
    assert round(g.lag_pp, 1) == -16.8 and g.status == "red"


def test_task_trend_carries_forward_per_station(session, db_two_stations):
    tr = metrics.task_trend(session=session, year=2022, as_of=OCT31)
    demo = tr[tr["indicator"] == "示范创建"].set_index("month")
    assert demo.index.tolist() == list(range(1, 11))
    # 明水所 reports only in October; 双山所 1 in February, 70 from August
    assert demo["actual"].tolist() == [0, 1, 1, 1, 1, 1, 1, 70, 70, 168]
    assert demo.loc[3, "expected"] == pytest.approx(200 * 90 / 365)
    assert demo.loc[1, "status"] == "grey" and demo.loc[2, "status"] == "red"
    assert demo.loc[10, "actual"] == one(
        metrics.task_totals(session=session, year=2022, month=10, as_of=OCT31), indicator="示范创建"
    ).actual
    assert metrics.task_trend(session=session, year=2022, as_of=D(2021, 12, 31)).empty
    assert metrics.task_trend(session=session, year=2022, as_of=D(2023, 2, 1))["month"].max() == 12



def test_progress_carried_forward_over_months_equals_month_by_month(session, db_two_stations):
    """Several months are carried forward in pandas, one month in SQL: the same rows either way (a pair that starts
    reporting late, months with no report, a month reported again)."""
    months = list(range(1, 11))
    together = tq.station_progress_asof(session=session, year=2022, months=months)
    apart = pd.concat([tq.station_progress_asof(session=session, year=2022, months=[m]) for m in months],
                      ignore_index=True)
    assert len(together) > 10 and together["reported"].isin([0, 1]).all()
    assert (together["reported"] == 0).any()  # some months carried forward
    assert together["progress_demo"].dtype == bool  # as one month's read gives it
    # dtypes aside: a month with no report at all reads as an empty frame of object columns
    pd.testing.assert_frame_equal(together, apart, check_dtype=False)


def test_the_trend_is_not_cut_by_the_page_row_bound(session, db_two_stations, monkeypatch):
    """A province has 7,200 station × 任务项 pairs, 72,000 over ten months: more than MAX_ROWS, and every one counts."""
    whole = metrics.task_trend(session=session, year=2022, as_of=OCT31)
    pairs = len(tq.station_targets(session=session, year=2022))
    monkeypatch.setattr(tq, "MAX_ROWS", pairs)  # the targets fit; their months (ten times as many rows) do not
    bounded = metrics.task_trend(session=session, year=2022, as_of=OCT31)
    assert sorted(set(bounded["month"])) == list(range(1, 11))
    pd.testing.assert_frame_equal(bounded, whole)

def test_is_demo_when_any_row_involved(session, f):
    st = f.station("明水所")
    ind = f.indicator("示范创建")
    f.target(st, ind, 10)
    f.progress(st, ind, 10, 5, is_demo=True)
    df = metrics.task_progress(session=session, year=2022, month=10, as_of=OCT31)
    assert bool(one(df, station="明水所").is_demo)


def test_schedule_status(session, f):
    f.milestone(1, D(2022, 1, 1), D(2022, 2, 28))
    f.milestone(2, D(2022, 10, 1), D(2022, 12, 31))
    f.milestone(3, D(2022, 11, 1), D(2022, 11, 30))
    f.milestone(4, D(2022, 4, 1), D(2022, 6, 30), status="进行中")
    f.milestone(5, D(2022, 10, 31), D(2022, 10, 31))
    f.milestone(6, D(2022, 3, 1), D(2022, 3, 31), status="已完成")
    got = metrics.schedule(session=session, year=2022, as_of=OCT31)
    # An ended window not 已完成 is 逾期未完成 (recorded 进行中 or not recorded alike); 已完成 stays; today's last day
    # of a window is not yet past it.
    assert got["status"].tolist() == ["逾期未完成", "进行中", "未开始", "逾期未完成", "进行中", "已完成"]
    assert got["overdue"].tolist() == [True, False, False, True, False, False]
    assert got["status_is_recorded"].tolist() == [False, False, False, True, False, True]


# --- 包保 ---------------------------------------------------------------------------------------


@pytest.fixture
def db_baobao(f):
    """Two stations, Q4 2022 to 31 Oct; default rules (≥1 visit, 现场 for C/D). See the per-business notes."""
    s1, s2 = f.station("明水所"), f.station("双山所")
    t1a, t1b, t2 = f.township("明水街道", s1), f.township("经十路街道", s1), f.township("双山街道", s2)
    c1, c2 = f.cadre("甲", "乡"), f.cadre("乙", "乡")
    c3, c4 = f.cadre("丙", "县"), f.cadre("丁", "村")
    b = {}
    # b1 B-risk: c1's 电话询问 on the quarter's first day satisfies it
    b[1] = f.business("b1", s1, township=t1a, risk_level="B")
    f.assign(c1, b[1])
    v1 = f.visit(c1, b[1], D(2022, 10, 1), "电话询问")
    # b2: only visited on the last day of Q3 → not done, not visited this quarter
    b[2] = f.business("b2", s1, township=t1a, risk_level="B")
    f.assign(c1, b[2])
    v2 = f.visit(c1, b[2], D(2022, 9, 30), "现场")
    # b3 C-risk: two 电话询问 visits by its cadre do not satisfy; a 现场 visit by 丙 (not its cadre) counts
    # for 现场督导率 only
    b[3] = f.business("b3", s1, township=t1b, risk_level="C", sector="销售")
    f.assign(c1, b[3])
    f.visit(c1, b[3], D(2022, 10, 10), "电话询问")
    v3b = f.visit(c1, b[3], D(2022, 10, 24), "电话询问")
    f.visit(c3, b[3], D(2022, 10, 12), "现场")
    # b4 D-risk with two cadres, only 甲 visited → not done
    b[4] = f.business("b4", s1, township=t1b, risk_level="D")
    f.assign(c1, b[4])
    f.assign(c2, b[4])
    v4 = f.visit(c1, b[4], D(2022, 10, 5), "现场")
    # b5 C-risk, 丙 on site → done
    b[5] = f.business("b5", s2, township=t2, risk_level="C", tier="B")
    f.assign(c3, b[5])
    v5 = f.visit(c3, b[5], D(2022, 10, 20), "现场")
    # b6: its only assignment ended on 30 Sep → not covered at 31 Oct (but active at 30 Sep)
    b[6] = f.business("b6", s2, township=t2, risk_level="A")
    f.assign(c4, b[6], D(2022, 1, 1), D(2022, 9, 30))
    v6 = f.visit(c4, b[6], D(2022, 3, 15), "现场")
    # b7 停业: out of every business count, though its problems still count
    b[7] = f.business("b7", s2, township=t2, risk_level="C", status="停业")
    f.assign(c1, b[7])
    v7 = f.visit(c1, b[7], D(2022, 10, 3), "现场")
    # b8 no township; its assignment starts after ref
    b[8] = f.business("b8", s2, risk_level="A")
    f.assign(c4, b[8], D(2022, 11, 5))
    v8 = f.visit(c4, b[8], D(2021, 12, 20), "现场")
    # b9 assigned mid-quarter to 乙, visited 线上 → done
    b[9] = f.business("b9", s1, township=t1a, risk_level="B")
    f.assign(c2, b[9], D(2022, 10, 15))
    f.visit(c2, b[9], D(2022, 10, 20), "线上")
    v9late = f.visit(c2, b[9], D(2022, 11, 2), "线上")  # after ref: counts nowhere
    # b10 D-risk, assigned, never visited
    b[10] = f.business("b10", s1, township=t1a, risk_level="D", sector="销售")
    f.assign(c1, b[10])

    # problems (found = the visit's date)
    f.problem(v1, deadline=D(2022, 10, 15), status="已整改", closed=D(2022, 10, 10))  # p1 on time
    f.problem(v4, deadline=D(2022, 10, 20), status="已销号", closed=D(2022, 10, 25))  # p2 closed late
    f.problem(v5, deadline=D(2022, 11, 10), status="整改中")  # p3 not yet due
    f.problem(v2, deadline=D(2022, 10, 10))  # p4 overdue 21 days, found 31 days ago
    f.problem(v6, deadline=D(2022, 4, 15), status="已整改", closed=D(2022, 11, 5))  # p5 closed after ref
    f.problem(v8, deadline=D(2022, 1, 10), status="已整改", closed=D(2022, 1, 5))  # p6 found in 2021
    f.problem(v7, deadline=D(2022, 10, 8))  # p7 on a 停业 business
    f.problem(v9late, deadline=D(2022, 11, 10))  # p8 after ref
    f.problem(v3b)  # p9 no deadline, found 7 days before ref
    return {"s1": s1, "s2": s2, "t1a": t1a, "t1b": t1b, "t2": t2, "b": b}


COUNTS = [
    "n_business", "n_covered", "n_assigned", "n_done", "n_high_risk", "n_high_risk_onsite", "n_prob_period",
    "n_prob_period_closed", "n_prob_ytd", "n_prob_ytd_closed", "n_prob_due", "n_prob_due_ontime", "n_prob_overdue",
]


def counts(row) -> dict:
    return {c: int(row[c]) for c in COUNTS}


def test_baobao_district(session, db_baobao):
    got = metrics.baobao(session=session, year=2022, month=10, as_of=OCT31, by="district")
    assert len(got) == 1
    row = got.iloc[0]
    assert counts(row) == {
        "n_business": 9, "n_covered": 7, "n_assigned": 7, "n_done": 3,  # b1, b5, b9
        "n_high_risk": 4, "n_high_risk_onsite": 3,  # b3, b4, b5 of b3, b4, b5, b10
        "n_prob_period": 5, "n_prob_period_closed": 2,  # p1 p2 p3 p7 p9; p1 p2
        "n_prob_ytd": 7, "n_prob_ytd_closed": 2,  # + p4 p5
        "n_prob_due": 6, "n_prob_due_ontime": 2,  # p1 p2 p4 p5 p6 p7; p1 p6
        "n_prob_overdue": 3,  # p4 p5 p7
    }
    assert row.coverage == pytest.approx(7 / 9)
    assert row.completion_rate == pytest.approx(3 / 7)
    assert row.onsite_rate == pytest.approx(3 / 4)
    assert row.period_close_rate == pytest.approx(2 / 5)
    assert row.ytd_close_rate == pytest.approx(2 / 7)
    assert row.ontime_rate == pytest.approx(2 / 6)
    assert row.quarter_progress == pytest.approx(31 / 92)
    assert row.district == "全区"


@pytest.mark.parametrize("month", [9, 10])
def test_baobao_district_is_its_own_count_as_well_as_the_stations_sum(session, db_baobao, month):
    """The district row is summed from the station rows (one aggregate serves both); the same counts grouped by
    nothing in SQL say the same."""
    got = metrics.baobao(session=session, year=2022, month=month, as_of=OCT31, by="district").iloc[0]
    ref, start = D(2022, month, 30 if month == 9 else 31), D(2022, 7 if month == 9 else 10, 1)
    ents = bq.baobao_business_counts(session=session, by="district", start=start, ref=ref,
                                     rules=bq.visit_rules(session=session),
                                     high=bq.high_risk_levels(session=session)).iloc[0]
    probs = bq.baobao_problem_counts(session=session, by="district", month_start=D(2022, month, 1),
                                     year_start=D(2022, 1, 1), ref=ref).iloc[0]
    direct = {**{c: int(ents[c]) for c in ents.index if c != "is_demo"}, **{c: int(v) for c, v in probs.items()}}
    direct["n_assigned"] = direct["n_covered"]
    assert counts(got) == {c: direct[c] for c in COUNTS}
    assert bool(got.is_demo) == bool(ents["is_demo"])


def test_baobao_by_station_and_township_add_up(session, db_baobao):
    st = metrics.baobao(session=session, year=2022, month=10, as_of=OCT31, by="station")
    assert st["station"].tolist() == ["明水所", "双山所"]
    assert counts(st.iloc[0]) == {
        "n_business": 6, "n_covered": 6, "n_assigned": 6, "n_done": 2, "n_high_risk": 3, "n_high_risk_onsite": 2,
        "n_prob_period": 3, "n_prob_period_closed": 2, "n_prob_ytd": 4, "n_prob_ytd_closed": 2,
        "n_prob_due": 3, "n_prob_due_ontime": 1, "n_prob_overdue": 1,
    }
    assert counts(st.iloc[1]) == {
        "n_business": 3, "n_covered": 1, "n_assigned": 1, "n_done": 1, "n_high_risk": 1, "n_high_risk_onsite": 1,
        "n_prob_period": 2, "n_prob_period_closed": 0, "n_prob_ytd": 3, "n_prob_ytd_closed": 0,
        "n_prob_due": 3, "n_prob_due_ontime": 1, "n_prob_overdue": 2,
    }
    tw = metrics.baobao(session=session, year=2022, month=10, as_of=OCT31, by="township")
    t1a = one(tw, township="明水街道")
    assert counts(t1a) == {
        "n_business": 4, "n_covered": 4, "n_assigned": 4, "n_done": 2, "n_high_risk": 1, "n_high_risk_onsite": 0,
        "n_prob_period": 1, "n_prob_period_closed": 1, "n_prob_ytd": 2, "n_prob_ytd_closed": 1,
        "n_prob_due": 2, "n_prob_due_ontime": 1, "n_prob_overdue": 1,
    }
    no_township = tw[tw["township"].isna()]
    assert len(no_township) == 1 and no_township.iloc[0]["station"] == "双山所"
    assert no_township.iloc[0]["n_business"] == 1 and no_township.iloc[0]["n_prob_due_ontime"] == 1
    # township → station → district add up exactly, for every count
    by_station = tw.groupby("station_id")[COUNTS].sum()
    pd.testing.assert_frame_equal(by_station, st.set_index("station_id")[COUNTS], check_names=False)
    district = metrics.baobao(session=session, year=2022, month=10, as_of=OCT31, by="district")
    assert st[COUNTS].sum().to_dict() == counts(district.iloc[0])
    # and rates recomputed from summed counts equal the district's
    rolled = metrics.add_baobao_rates(st[COUNTS].sum().to_frame().T)
    assert rolled.iloc[0]["completion_rate"] == pytest.approx(district.iloc[0]["completion_rate"])


@pytest.mark.parametrize("by", ["sector", "tier", "risk_level"])
def test_baobao_other_groupings_add_up_to_the_district(session, db_baobao, by):
    got = metrics.baobao(session=session, year=2022, month=10, as_of=OCT31, by=by)
    district = metrics.baobao(session=session, year=2022, month=10, as_of=OCT31, by="district")
    assert got[COUNTS].sum().to_dict() == counts(district.iloc[0])


def test_baobao_by_risk_level(session, db_baobao):
    got = metrics.baobao(session=session, year=2022, month=10, as_of=OCT31, by="risk_level").set_index("risk_level")
    # C: b3 (phone only by its cadre) and b5 (done); b7 停业 is out
    assert (got.loc["C", "n_business"], got.loc["C", "n_done"], got.loc["C", "n_high_risk_onsite"]) == (2, 1, 2)
    assert (got.loc["D", "n_business"], got.loc["D", "n_done"], got.loc["D", "n_high_risk_onsite"]) == (2, 0, 1)


def test_baobao_previous_month_uses_its_own_quarter(session, db_baobao):
    row = metrics.baobao(session=session, year=2022, month=9, as_of=OCT31, by="district").iloc[0]
    # At 30 Sep: b6's assignment (ends 30 Sep) is active, b9's (from 15 Oct) is not; only b2 was visited in Q3
    assert (row.n_covered, row.n_done) == (7, 1)
    assert row.quarter_progress == 1.0


def test_baobao_station_filter(session, db_baobao):
    got = metrics.baobao(
        session=session, year=2022, month=10, as_of=OCT31, by="station", station_id=db_baobao["s2"].id
    )
    assert got["station"].tolist() == ["双山所"] and got.iloc[0]["n_business"] == 3


def test_baobao_by_cadre_level(session, db_baobao):
    got = metrics.baobao_by_cadre_level(session=session, year=2022, month=10, as_of=OCT31).set_index("cadre_level")
    assert got.index.tolist() == ["县", "乡"]  # the 村 cadre has no assignment active at 31 Oct
    # 甲: b1 ✓ b2 ✗ b3 ✗ b4 ✓(site) … per assignment: 甲-b4 is satisfied, 乙-b4 is not
    assert (got.loc["乡", "n_assigned"], got.loc["乡", "n_satisfied"], got.loc["乡", "n_cadres"]) == (7, 3, 2)
    assert got.loc["乡", "n_businesses"] == 6
    assert (got.loc["县", "n_assigned"], got.loc["县", "n_satisfied"]) == (1, 1)
    assert got.loc["乡", "completion_rate"] == pytest.approx(3 / 7)


def test_not_visited(session, db_baobao):
    got = metrics.not_visited(session=session, year=2022, month=10, as_of=OCT31)
    # b2 (last seen 30 Sep) and b10; b3 had phone visits; b6/b8 have no active assignment; b7 is 停业
    assert sorted(got["business"]) == ["b10", "b2"]
    assert got["business"].tolist() == ["b10", "b2"]  # D-risk before B-risk within a station
    assert set(got["cadres"]) == {"甲"}
    assert not got.attrs["truncated"]
    cut = metrics.not_visited(session=session, year=2022, month=10, as_of=OCT31, limit=1)
    assert len(cut) == 1 and cut.attrs["truncated"]


def test_not_visited_lists_every_active_cadre(session, f):
    s = f.station("明水所")
    biz = f.business("无人问津", s)
    f.assign(f.cadre("乙"), biz)
    f.assign(f.cadre("甲"), biz)
    got = metrics.not_visited(session=session, year=2022, month=10, as_of=OCT31)
    assert got["cadres"].tolist() == ["、".join(sorted(["甲", "乙"]))]


def test_overdue_problems(session, db_baobao):
    got = metrics.overdue_problems(session=session, year=2022, month=10, as_of=OCT31)
    assert got["business"].tolist() == ["b6", "b7", "b2"]
    assert got["days_overdue"].tolist() == [199, 23, 21]
    assert got["found_date"].tolist() == [D(2022, 3, 15), D(2022, 10, 3), D(2022, 9, 30)]
    assert got["cadre"].tolist() == ["丁", "甲", "甲"]


def test_problem_aging(session, db_baobao):
    got = metrics.problem_aging(session=session, year=2022, month=10, as_of=OCT31).set_index("station")
    # open at ref: p9 (7 days), p4 (31 days) in 明水所; p3 (11), p7 (28), p5 (230) in 双山所
    cols = ["d0_7", "d8_30", "d31_90", "d91_plus", "n_open"]
    assert got.loc["明水所", cols].tolist() == [1, 0, 1, 0, 2]
    assert got.loc["双山所", cols].tolist() == [0, 2, 0, 1, 3]


def test_visit_rules_most_specific_wins(session, f):
    s = f.station("明水所")
    xiang, xian = f.cadre("乡干部", "乡"), f.cadre("县干部", "县")
    f.rule()  # everyone: 1 visit, any method
    f.rule(risk_level="C", onsite_required=True)
    f.rule(cadre_level="县", min_visits=2)
    f.rule(cadre_level="县", tier="A", risk_level="C", min_visits=1)
    f.setting("high_risk_levels", "C")

    def biz(name, cadre, tier, risk, methods):
        b = f.business(name, s, tier=tier, risk_level=risk)
        f.assign(cadre, b)
        for i, m in enumerate(methods):
            f.visit(cadre, b, D(2022, 10, 2 + i), m)

    biz("x1", xiang, "B", "C", ["电话询问"])  # (*,*,C): on site needed → not done
    biz("x2", xian, "A", "C", ["电话询问"])  # (县,A,C) beats the rest on visits, but C is high risk: 现场 → not done
    biz("x3", xiang, "B", "D", ["电话询问"])  # only (*,*,*) matches: rules replace the C/D default → done
    biz("x4", xian, "B", "B", ["现场"])  # (县,*,*) needs 2 → not done
    biz("x5", xian, "B", "B", ["现场", "线上"])  # → done
    # (县,*,*) and (*,*,C) are equally specific: both apply — 2 visits, one on site → not done
    biz("x6", xian, "B", "C", ["电话询问", "电话询问"])
    biz("x7", xian, "B", "C", ["电话询问", "现场"])  # → done
    got = metrics.baobao(session=session, year=2022, month=10, as_of=OCT31, by="district").iloc[0]
    # the high-risk setting is the one definition: no rule row takes the 现场 visit away from a high-risk business
    assert (got.n_assigned, got.n_done) == (7, 3)
    # high risk from the setting is C only: x1, x2, x6, x7; x7 was visited on site
    assert (got.n_high_risk, got.n_high_risk_onsite) == (4, 1)
    done = metrics.not_visited(session=session, year=2022, month=10, as_of=OCT31)
    assert done.empty


# --- KPIs ---------------------------------------------------------------------------------------


@pytest.fixture
def db_kpis(f):
    k = {}
    k["dispose"] = f.kpi("不合格食品核查处置率", 1.0, pacing="level")
    f.reading(k["dispose"], 9, 0.95, numerator=19, denominator=20)
    k["batches"] = f.kpi("监督抽检批次", 5505, unit="批次", pacing="ramp")
    f.reading(k["batches"], 3, 1000)
    f.reading(k["batches"], 6, 2500)
    f.reading(k["batches"], 10, 4000)
    f.reading(k["batches"], 11, 4500)  # after the month asked for
    k["centre"] = f.kpi("新增区级实训中心", 1, unit="个", pacing="once", due_date=D(2022, 12, 31))
    k["fail"] = f.kpi("不合格率", 0.02, direction="<=", pacing="level")
    f.reading(k["fail"], 10, 0.021)
    k["code"] = f.kpi("赋码率", 1.0, pacing="ramp", baseline=0.6)
    f.reading(k["code"], 10, 0.94)
    k["ref"] = f.kpi("监督抽检批次", 2470, unit="批次", gauged=False, jurisdiction="昌乐县")
    k["other_year"] = f.kpi("赋码率", 1.0, year=2023)
    return k


def test_kpi_gauges(session, db_kpis):
    got = metrics.kpi_gauges(session=session, year=2022, month=10, as_of=OCT31)
    assert list(got.columns) == metrics.KPI_COLUMNS
    assert got["name"].tolist() == ["不合格食品核查处置率", "监督抽检批次", "新增区级实训中心", "不合格率", "赋码率"]
    g = got.set_index("name")
    d = g.loc["不合格食品核查处置率"]
    assert (d.actual, d.numerator, d.denominator, d.last_month, bool(d.reported)) == (0.95, 19, 20, 9, True)
    assert (d.expected, d.rate, d.expected_rate) == (1.0, 0.95, 1.0)
    assert d.lag_pp == pytest.approx(-5.0)
    assert d.status == "amber"
    b = g.loc["监督抽检批次"]
    assert b.actual == 4000 and b.expected == pytest.approx(5505 * P304)
    assert b.rate == pytest.approx(4000 / 5505) and b.expected_rate == pytest.approx(P304)
    assert b.status == "red"  # 4000 < 0.9 × 4584.9 = 4126.4
    c = g.loc["新增区级实训中心"]
    assert not c.reported and c.status == "grey" and c.expected == 0.0 and pd.isna(c.actual)
    fl = g.loc["不合格率"]
    assert fl.status == "amber"  # 2.1% ≤ 1.1 × 2%
    assert fl.lag_pp == pytest.approx(0.1)
    code = g.loc["赋码率"]
    assert code.expected == pytest.approx(0.6 + 0.4 * P304)  # 93.3%
    assert code.status == "green"


def test_kpi_reference(session, db_kpis):
    got = metrics.kpi_reference(session=session)
    assert got["jurisdiction"].tolist() == ["昌乐县"] and got.iloc[0]["target"] == 2470


def test_kpi_trend(session, db_kpis):
    got = metrics.kpi_trend(session=session, kpi_id=db_kpis["batches"].id, year=2022, as_of=OCT31)
    assert got["month"].tolist() == list(range(1, 11))
    t = got.set_index("month")
    assert pd.isna(t.loc[1, "actual"]) and t.loc[1, "status"] == "grey"
    assert (t.loc[4, "actual"], bool(t.loc[4, "reported"]), bool(t.loc[4, "reported_ytd"])) == (1000, False, True)
    assert t.loc[3, "expected"] == pytest.approx(5505 * 90 / 365)
    assert t.loc[10, "actual"] == 4000


def test_report_timeliness_and_its_gauge(session, f):
    a, b = f.station("明水所"), f.station("双山所")
    f.setting("monthly_report_start", "2022-01")  # the 月报 rule from January, so every month counts
    for m in range(1, 11):
        f.submission(a, m, D(2022, m, 20), kind="风险隐患")
        f.submission(b, m, D(2022, m, 23 if m == 10 else 25), kind="风险隐患")  # late, except October on the day
        f.submission(b, m, D(2022, m, 1))  # 任务进度 (进度填报) never counts for the 月报
    k = f.kpi("月报按时上报率", 1.0, computed_from="submissions")
    f.reading(k, 10, 1.0)  # an imported figure for a computed KPI is ignored

    def on_23rd(year, month):
        return D(year, month, 23), None

    tl = metrics.report_timeliness(session=session, year=2022, month=10, as_of=OCT31, deadline_fn=on_23rd)
    assert tl["n_ontime"].tolist() == [1] * 9 + [2]
    last = tl.iloc[-1]
    assert (last.cum_expected, last.cum_ontime) == (20, 11)
    assert last.value == pytest.approx(11 / 20)
    got = one(metrics.kpi_gauges(session=session, year=2022, month=10, as_of=OCT31, deadline_fn=on_23rd),
              name="月报按时上报率")
    assert (got.actual, got.numerator, got.denominator, got.status) == (0.55, 11, 20, "red")
    # On 20 Oct, October's report is not yet due: 9 on time of 18 due
    mid = metrics.report_timeliness(session=session, year=2022, month=10, as_of=D(2022, 10, 20), deadline_fn=on_23rd)
    assert (mid.iloc[-1].cum_ontime, mid.iloc[-1].cum_expected) == (9, 18)
    trend = metrics.kpi_trend(session=session, kpi_id=k.id, year=2022, as_of=OCT31, deadline_fn=on_23rd)
    assert trend["actual"].tolist()[:2] == [0.5, 0.5] and trend["actual"].iloc[-1] == pytest.approx(0.55)


def test_report_timeliness_uses_the_official_calendar_by_default(session, f):
    a = f.station("明水所")
    f.submission(a, 10, D(2022, 10, 24), kind="风险隐患")  # 23 Oct 2022 was a Sunday
    tl = metrics.report_timeliness(session=session, year=2022, month=10, as_of=OCT31)
    assert tl.iloc[-1]["deadline"] == D(2022, 10, 24)
    assert tl.iloc[-1]["n_ontime"] == 1


def test_queries_are_bounded():
    assert sql.MAX_ROWS > 0 and sql.LIST_LIMIT > 0


def test_every_metric_runs_on_an_empty_database(session):
    kw = {"session": session, "year": 2022, "month": 10, "as_of": OCT31}
    assert metrics.task_progress(**kw).empty
    assert metrics.task_totals(**kw).empty
    assert metrics.station_lag(**kw).empty
    assert metrics.task_trend(session=session, year=2022, as_of=OCT31).empty
    assert metrics.schedule(session=session, year=2022, as_of=OCT31).empty
    district = metrics.baobao(**kw, by="district")
    assert len(district) == 1 and district.iloc[0]["n_business"] == 0 and pd.isna(district.iloc[0]["coverage"])
    for by in ("station", "township", "sector", "tier", "risk_level"):
        assert metrics.baobao(**kw, by=by).empty
    assert metrics.baobao_by_cadre_level(**kw).empty
    assert metrics.not_visited(**kw).empty
    assert metrics.overdue_problems(**kw).empty
    assert metrics.problem_aging(**kw).empty
    assert metrics.kpi_gauges(**kw).empty
    assert metrics.kpi_reference(session=session).empty
    assert metrics.kpi_trend(session=session, kpi_id=1, year=2022, as_of=OCT31).empty
    tl = metrics.report_timeliness(**kw)
    assert tl["cum_expected"].iloc[-1] == 0 and tl["value"].isna().all()
    with pytest.raises(ValueError):
        metrics.baobao(**kw, by="cadre")


def test_township_rows_list_empty_townships_and_businesses_without_one(session, f):
    s = f.station("垛庄所")
    f.township("垛庄镇", s)
    f.assign(f.cadre("甲"), f.business("无镇街", s))
    got = metrics.baobao(session=session, year=2022, month=10, as_of=OCT31, by="township")
    assert got["township"].tolist()[0] == "垛庄镇" and pd.isna(got["township"].iloc[1])
    assert got["n_business"].tolist() == [0, 1] and got["n_covered"].tolist() == [0, 1]


def test_a_figure_without_a_session_opens_its_own_on_the_configured_database(session, db_two_stations, db_url,
                                                                               monkeypatch):
    """Pages, components and reports call services without a session: the service reads DATABASE_URL's database
    in a unit of its own, and says the same as with the caller's session."""
    session.commit()
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("AS_OF", raising=False)
    own = metrics.task_totals(year=2022, month=10, as_of=OCT31)
    pd.testing.assert_frame_equal(own, metrics.task_totals(session=session, year=2022, month=10, as_of=OCT31))
    assert metrics.baobao(year=2022, month=10, as_of=OCT31, by="district").iloc[0]["n_business"] == 0
