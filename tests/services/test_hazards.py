"""风险隐患排查整治 on a small database built in code, figures worked out by hand: 隐患整改率 (year to date, from the
reported counts), open hazards from the list as of the period's end, 数据填报's save_hazards (checks, the station
scope, one undoable batch, the month's submission) and 上报监测 for the second kind of monthly report."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

import pandas as pd
import pytest
from sqlmodel import Session, select

from db import models as m
from db.changelog import row_to_dict
from db.engine import data_version, get_engine, set_setting
from seed.importer import undo_batch
from services import entry, metrics, submissions
from services.rules import fmt
from services.rules.viewer import NOBODY, Viewer
from tests.db.factories import Factory

D = dt.date
OCT31 = D(2022, 10, 31)
YEAR, MONTH = 2022, 10
OFFICE = Viewer(username="office", role="食安办", station_id=None)
LEADER = Viewer(username="leader", role="领导", station_id=None)


@dataclass
class Small:
    engine: object
    a: int  # 明水所
    b: int  # 双山所
    c: int  # 刁镇所: no report, no list
    mingshui: dict


@pytest.fixture
def small(db_url):
    """明水所 reported September (found 6, rectified 4) and October (found 4, rectified 3): 10 found, 7 rectified
    → 隐患整改率 70.0%; through September 4/6 = 66.7%. Its November report and a 2021 report never count in 2022-10.
    双山所 reported October with nothing found: no rate ("—"). 刁镇所 reported nothing.

    The hazard list as of 2022-10-31 (the period's end; as_of is 2022-11-30):
      明水所 h1 found 10-02, rectified 10-05 (closed); h2 found 10-03, due 10-20, open (逾期); h3 found 10-10, due
      11-15, open (未整改); h4 found 10-12, due 10-25, 已整改 only on 11-02 (still open on 10-31: 逾期); h5 found
      11-03 (after the period: not counted); h6 found 09-05, due 10-10, marked 已整改 without a date (no evidence:
      逾期). 双山所 h7 found 10-15, no deadline, open (未整改).
      → 明水所 listed 5, rectified 1, 未整改 1, 逾期 3, open 4; 双山所 open 1 (未整改); district open 5, 逾期 3."""
    engine = get_engine(db_url)
    with Session(engine) as s:
        f = Factory(s)
        a, b, c = f.station("明水所"), f.station("双山所"), f.station("刁镇所")
        f.hazard_report(a, 9, 6, 4, checked=40, cases=1)
        f.hazard_report(a, 10, 4, 3, checked=30, cases=0)
        f.hazard_report(a, 11, 9, 9)  # after the period
        f.hazard_report(a, 10, 50, 0, year=2021)  # another year
        f.hazard_report(b, 10, 0, 0, checked=12)
        f.hazard(a, D(2022, 10, 2), deadline=D(2022, 10, 16), status="已整改", rectified=D(2022, 10, 5))
        f.hazard(a, D(2022, 10, 3), deadline=D(2022, 10, 20), status="逾期")
        f.hazard(a, D(2022, 10, 10), deadline=D(2022, 11, 15))
        f.hazard(a, D(2022, 10, 12), deadline=D(2022, 10, 25), status="已整改", rectified=D(2022, 11, 2))
        f.hazard(a, D(2022, 11, 3), deadline=D(2022, 11, 20))
        f.hazard(a, D(2022, 9, 5), deadline=D(2022, 10, 10), status="已整改")
        f.hazard(b, D(2022, 10, 15))
        set_setting(s, "as_of", OCT31.isoformat())
        s.commit()
        return Small(engine, a.id, b.id, c.id, Viewer(username="mingshui", role="监管所", station_id=a.id))


def hazards(small: Small, *, month: int = MONTH, as_of: dt.date = D(2022, 11, 30)) -> pd.DataFrame:
    with Session(small.engine) as s:
        return metrics.hazards(session=s, year=YEAR, month=month, as_of=as_of)


def totals(small: Small, *, month: int = MONTH, as_of: dt.date = D(2022, 11, 30)) -> pd.Series:
    with Session(small.engine) as s:
        return metrics.hazard_totals(session=s, year=YEAR, month=month, as_of=as_of).iloc[0]


# --- the metrics -----------------------------------------------------------------------------------


def test_rectification_rate_by_hand(small):
    """隐患整改率 by DOMAIN.md §5. 明水所 and 双山所 have a 隐患清单, so the list counts, not the reports: 明水所
    found h6 (09-05), h1–h4 (October) by 10-31 → 5, of which rectified by 10-31 only h1 (h4 on 11-02, h6 without a
    date) → running 1/5 = 20.0%; cohort October h1–h4 → 1/4 = 25.0%. 双山所 h7 open → 0/1. District 1/6 = 16.7%."""
    df = hazards(small).set_index("station")
    assert df.index.tolist() == ["明水所", "双山所", "刁镇所"]  # every station, in the bureau's order
    a = df.loc["明水所"]
    # the reported counts stay as reported
    assert (a.hazards_found, a.hazards_rectified, a.entities_checked, a.cases_opened, a.n_reports) == (10, 7, 70, 1, 2)
    assert a.basis == "隐患清单" and (a.found_ytd, a.rectified_ytd, a.found_month, a.rectified_month) == (5, 1, 4, 1)
    assert fmt.pct(a.rectification_rate) == "20.0%" and fmt.pct(a.month_rate) == "25.0%"
    assert bool(a.reported)
    b, c = df.loc["双山所"], df.loc["刁镇所"]
    assert (b.found_ytd, b.rectified_ytd) == (1, 0) and fmt.pct(b.rectification_rate) == "0.0%"
    assert (c.n_reports, bool(c.reported), c.found_ytd, c.basis) == (0, False, 0, None)
    assert math.isnan(c.rectification_rate) and fmt.pct(c.rectification_rate) == "—"
    t = totals(small)
    assert (t.found_ytd, t.rectified_ytd, t.n_stations, t.n_reported) == (6, 1, 3, 2)
    assert fmt.pct(t.rectification_rate) == "16.7%" and t.basis == "隐患清单"
    # through September (ref 09-30): 明水所 h6 only, open → 0/1; 双山所's h7 was not found yet
    sept = totals(small, month=9)
    assert (sept.found_ytd, sept.rectified_ytd, sept.found_month, sept.n_reported) == (1, 0, 1, 1)


def test_without_a_list_the_reports_count_month_by_month(db_url):
    """No 隐患清单: each month's report gives that month's found and rectified; running adds them month by month
    (September 6/4 + October 4/3 → 7/10 = 70.0%), cohort is October's own report (3/4 = 75.0%)."""
    engine = get_engine(db_url)
    with Session(engine) as s:
        f = Factory(s)
        a = f.station("明水所")
        f.hazard_report(a, 9, 6, 4)
        f.hazard_report(a, 10, 4, 3)
        f.hazard_report(a, 11, 9, 9)  # after the period
        s.commit()
        r = metrics.hazard_rates(session=s, year=YEAR, month=MONTH, as_of=OCT31)
    assert r.basis == "排查整治表" and (r.running.rectified, r.running.found) == (7, 10)
    assert r.running.sentence == "隐患整改率（累计，1月至10月）70.0%（整改7项/发现10项）"
    assert r.cohort.sentence == "隐患整改率（当月，10月）75.0%（整改3项/发现4项）"
    assert "排查整治表" in r.basis_note


def test_hazard_rates_is_the_district_row(small):
    with Session(small.engine) as s:
        r = metrics.hazard_rates(session=s, year=YEAR, month=MONTH, as_of=D(2022, 11, 30))
        one = metrics.hazard_rates(session=s, year=YEAR, month=MONTH, as_of=D(2022, 11, 30), station_id=small.a)
    assert (r.running.rectified, r.running.found, r.cohort.rectified, r.cohort.found) == (1, 6, 1, 5)
    assert fmt.pct(r.running.rate) == "16.7%" and fmt.pct(r.cohort.rate) == "20.0%"
    assert (r.n_open, r.n_overdue, r.ref) == (5, 3, D(2022, 10, 31))
    assert (one.running.found, one.cohort.found, one.running.rectified) == (5, 4, 1)


def test_the_demo_rate_follows_the_definition(demo_url):  # noqa: F811
    """On the demo database (2022-10-31) the sum of monthly snapshots gave 323/409 = 79.0%; the definition, from the
    隐患清单, gives 375/409 = 91.7% running and 34/39 = 87.2% for October."""
    with Session(get_engine(demo_url)) as s:
        r = metrics.hazard_rates(session=s, year=YEAR, month=MONTH, as_of=OCT31)
        t = metrics.hazard_totals(session=s, year=YEAR, month=MONTH, as_of=OCT31).iloc[0]
    assert (r.running.rectified, r.running.found) == (375, 409) and fmt.pct(r.running.rate) == "91.7%"
    assert (r.cohort.rectified, r.cohort.found) == (34, 39) and fmt.pct(r.cohort.rate) == "87.2%"
    assert (t.hazards_found, t.hazards_rectified) == (409, 323)  # as reported, for the table; not the rate
    assert r.basis == "隐患清单"


def test_open_hazards_as_of_the_period_end(small):
    df = hazards(small).set_index("station")
    a, b = df.loc["明水所"], df.loc["双山所"]
    assert (a.n_listed, a.n_pending, a.n_overdue, a.n_open) == (5, 1, 3, 4)
    assert (b.n_listed, b.n_pending, b.n_overdue, b.n_open) == (1, 1, 0, 1)
    assert df.loc["刁镇所", "n_open"] == 0
    t = totals(small)
    assert (t.n_open, t.n_overdue, t.n_pending) == (5, 3, 2)
    # as of 2022-11-30 for November: h4 rectified on 11-02, h5 (found 11-03, due 11-20) now overdue, h3 due 11-15
    # overdue too → 明水所 open h2, h3, h5, h6, all overdue
    nov = hazards(small, month=11).set_index("station").loc["明水所"]
    assert (nov.n_listed, nov.n_pending, nov.n_overdue, nov.n_open) == (6, 0, 4, 4)
    # as of 10-15: h1 closed, h2 (due 10-20), h3 and h4 (due 10-25) not yet due, h6 (due 10-10) overdue
    mid = hazards(small, as_of=D(2022, 10, 15)).set_index("station").loc["明水所"]
    assert (mid.n_listed, mid.n_pending, mid.n_overdue) == (5, 3, 1)


def test_an_empty_database_has_no_rate(db_url):
    with Session(get_engine(db_url)) as s:
        df = metrics.hazards(session=s, year=YEAR, month=MONTH, as_of=OCT31)
        t = metrics.hazard_totals(session=s, year=YEAR, month=MONTH, as_of=OCT31).iloc[0]
    assert df.empty and list(df.columns) == metrics.HAZARD_COLUMNS
    assert (t.found_ytd, t.n_open) == (0, 0) and fmt.pct(t.rectification_rate) == "—" and t.basis is None


# --- 数据填报 -----------------------------------------------------------------------------------------


def snapshot(engine) -> dict:
    tables = (m.HazardReport, m.MonthlySubmission, m.ImportBatch, m.ImportChange)
    with Session(engine) as s:
        out = {t.__tablename__: sorted((row_to_dict(r) for r in s.exec(select(t)).all()), key=lambda d: d["id"])
               for t in tables}
    out["data_version"] = data_version(engine)
    return out


def save(small: Small, user, rows, *, station=None, month=MONTH, today=OCT31):
    return entry.save_hazards(engine=small.engine, viewer=replace(user, client="test"), station_id=small.c if station is None else station,
                              year=YEAR, month=month, rows=rows, today=today)


def counts(found, rectified, checked=20, cases=0) -> dict:
    return {"entities_checked": checked, "hazards_found": found, "hazards_rectified": rectified,
            "cases_opened": cases}


def test_the_entry_frame(small):
    with Session(small.engine) as s:
        df = entry.hazard_entry_frame(session=s, viewer=small.mingshui, station_id=small.a, year=YEAR, month=MONTH)
        empty = entry.hazard_entry_frame(session=s, viewer=OFFICE, station_id=small.c, year=YEAR, month=MONTH)
    df = df.set_index("field")
    assert df["item"].tolist() == ["检查主体数", "发现隐患数", "整改隐患数", "立案数"]
    assert df["value"].tolist() == [30, 4, 3, 0] and df["ytd_before"].tolist() == [40, 6, 4, 1]
    # the list: 明水所's October hazards h1–h4 (h5 is November's, h6 September's); rectified by the 10-20 report: h1
    assert (df.at["hazards_found", "listed"], df.at["hazards_rectified", "listed"]) == (4, 1)
    assert df.attrs["report_date"] == D(2022, 10, 20)
    assert empty["value"].isna().all() and empty["ytd_before"].isna().all() and empty["listed"].isna().all()
    assert empty.attrs["report_date"] is None


def test_a_save_is_one_batch_and_a_submission_and_undo_restores_exactly(small):
    before = snapshot(small.engine)
    result = save(small, OFFICE, counts(5, 3, checked=25, cases=1))
    assert result.ok and result.changed and not result.warnings
    assert result.message == f"已保存为批次 #{result.batch_id}：新增1项（检查主体数：未填 → 25；发现隐患数：未填 → 5；整改隐患数：未填 → 3；立案数：未填 → 1）"
    with Session(small.engine) as s:
        report = s.exec(select(m.HazardReport).where(m.HazardReport.station_id == small.c)).one()
        sub = s.exec(select(m.MonthlySubmission).where(m.MonthlySubmission.station_id == small.c)).one()
        batch = s.get(m.ImportBatch, result.batch_id)
    assert (report.entities_checked, report.hazards_found, report.hazards_rectified, report.cases_opened) == (25, 5, 3, 1)
    assert report.report_date == OCT31 and report.batch_id == result.batch_id and not report.is_demo
    assert (sub.kind, sub.year, sub.month, sub.report_date) == ("风险隐患", 2022, 10, OCT31)
    assert (batch.kind, batch.file_name, batch.user) == ("风险隐患", "数据填报（刁镇所 2022年10月 风险隐患）", "office")
    after_first = snapshot(small.engine)
    # a correction a week later: new figures, the first report's date stays; the same figures again change nothing
    second = save(small, OFFICE, {"hazards_rectified": 5}, today=D(2022, 11, 7))
    assert second.ok and (second.counts.new, second.counts.updated) == (0, 1)
    again = save(small, OFFICE, {"hazards_rectified": 5}, today=D(2022, 11, 7))
    assert again.ok and not again.changed and again.message == "数据没有变化，未做任何更改"
    with Session(small.engine) as s:
        report = s.exec(select(m.HazardReport).where(m.HazardReport.station_id == small.c)).one()
        assert (report.hazards_found, report.hazards_rectified, report.report_date) == (5, 5, OCT31)
        assert len(s.exec(select(m.MonthlySubmission).where(m.MonthlySubmission.station_id == small.c)).all()) == 1
    with Session(small.engine) as s:
        undo_batch(s, second.batch_id)
        s.commit()
    restored = snapshot(small.engine)
    assert restored["hazard_report"] == after_first["hazard_report"]
    assert restored["monthly_submission"] == after_first["monthly_submission"]
    with Session(small.engine) as s:
        undo_batch(s, result.batch_id)
        s.commit()
    restored = snapshot(small.engine)
    assert restored["hazard_report"] == before["hazard_report"]
    assert restored["monthly_submission"] == before["monthly_submission"]


def test_bad_figures_are_refused_and_nothing_is_written(small):
    before = snapshot(small.engine)
    result = save(small, OFFICE, counts(5, 7, cases=-1))
    assert not result.ok and result.batch_id is None
    assert result.errors == ["立案数：不能为负数（填写：-1）", "整改隐患数：整改隐患数不能大于发现隐患数5（填写：7）"]
    assert save(small, OFFICE, counts(5, 7)).errors == ["整改隐患数：整改隐患数不能大于发现隐患数5（填写：7）"]
    assert save(small, OFFICE, counts(5, "2.5")).errors == ["整改隐患数：应为整数（填写：2.5）"]
    assert save(small, OFFICE, {"hazards_found": 5}).errors == [
        "检查主体数：不能为空：本行已填写其他数字，没有请填0", "整改隐患数：不能为空：本行已填写其他数字，没有请填0",
        "立案数：不能为空：本行已填写其他数字，没有请填0"]
    assert save(small, OFFICE, {"整改": 1}).errors == ["未知的项目：整改"]
    assert save(small, OFFICE, counts(1, 0), month=11).errors == ["2022年11月尚未开始，不能填报"]
    # a reported figure cannot be cleared
    assert save(small, OFFICE, {"cases_opened": None}, station=small.a).errors == [
        "立案数：已上报的数值不能清空；如需更正请填写正确的数值，或在“导入记录”中撤销该次填报"]
    # nothing typed for a month never reported: nothing to save
    blank = save(small, OFFICE, dict.fromkeys(counts(0, 0), float("nan")))
    assert blank.ok and not blank.changed
    assert snapshot(small.engine) == before


def test_the_station_scope(small):
    before = snapshot(small.engine)
    with pytest.raises(PermissionError, match="监管所账号只能填报本所（明水所）的数据"):
        save(small, small.mingshui, counts(1, 1), station=small.b)
    with Session(small.engine) as s, pytest.raises(PermissionError, match="监管所账号只能填报本所（明水所）的数据"):
        entry.hazard_entry_frame(session=s, viewer=small.mingshui, station_id=small.b, year=YEAR, month=MONTH)
    for who in (LEADER, NOBODY, Viewer(role="kiosk")):
        with pytest.raises(PermissionError, match="当前账号无权操作“数据填报”"):
            save(small, who, counts(1, 1))
    assert snapshot(small.engine) == before
    # its own station: a correction of October, saved
    result = save(small, small.mingshui, counts(4, 4, checked=30), station=small.a)
    assert result.ok and result.changed and result.counts.updated == 1


def test_a_count_that_disagrees_with_the_list_is_saved_with_a_warning(small):
    # 明水所's October list: 4 hazards, 1 rectified by the 10-20 report
    result = save(small, small.mingshui, counts(5, 1, checked=30), station=small.a)
    assert result.ok and result.changed
    assert result.warnings == ["明水所 发现隐患数：与隐患清单不一致：清单列出明水所2022年10月发现的隐患4项，"
                               "排查整治表填报发现隐患数5"]
    result = save(small, small.mingshui, counts(4, 3, checked=30), station=small.a)
    assert result.warnings == ["明水所 整改隐患数：与隐患清单不一致：清单中明水所2022年10月发现的隐患截至10月20日已整改1项，"
                               "排查整治表填报整改隐患数3"]
    # 刁镇所 keeps no list: nothing to check against
    assert save(small, OFFICE, counts(9, 2)).warnings == []


# --- 上报监测: the second monthly report ------------------------------------------------------------------


def test_submission_status_for_the_hazard_report(small):
    with Session(small.engine) as s:
        f = Factory(s)
        a, b = s.get(m.Station, small.a), s.get(m.Station, small.b)
        f.submission(a, 10, D(2022, 10, 20), kind="风险隐患")
        f.submission(b, 10, D(2022, 10, 26), kind="风险隐患")
        f.submission(b, 10, D(2022, 10, 21))  # a 任务进度 report never counts for 风险隐患
        s.commit()
    with Session(small.engine) as s:
        df = submissions.submission_status(session=s, viewer=OFFICE, year=YEAR, month=MONTH, as_of=OCT31,
                                           kind="风险隐患")
        progress = submissions.submission_status(session=s, viewer=OFFICE, year=YEAR, month=MONTH, as_of=OCT31,
                                                 kind="任务进度")
        grid = submissions.submission_grid(session=s, viewer=OFFICE, year=YEAR, month=MONTH, as_of=OCT31,
                                           kind="风险隐患")
        tl = metrics.report_timeliness(session=s, year=YEAR, month=MONTH, as_of=OCT31, kind="风险隐患")
        with pytest.raises(ValueError, match="未知的月报类型"):
            submissions.submission_status(session=s, viewer=OFFICE, year=YEAR, month=MONTH, as_of=OCT31, kind="工作信息")
    # deadline 2022-10-24 (23 Oct was a Sunday)
    assert dict(zip(df["station"], df["status"], strict=True)) == {"明水所": "按时", "双山所": "逾期", "刁镇所": "未报"}
    assert dict(zip(progress["station"], progress["status"], strict=True)) == {
        "明水所": "未报", "双山所": "按时", "刁镇所": "未报"}
    assert submissions.status_counts(df) == {"按时": 1, "逾期": 1, "未报": 1, "未到期": 0, "不要求": 0}
    october = tl.iloc[-1]
    assert (october["n_ontime"], october["n_expected"], october["n_submitted"]) == (1, 3, 2)
    counts_ = submissions.monthly_counts(grid).set_index("month").loc[10]
    assert (counts_["按时"], counts_["逾期"], counts_["未报"]) == (1, 1, 1)
