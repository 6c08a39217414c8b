"""上报监测 (services.submissions) on a small hand-built database, figures worked out by hand against the official
calendar: deadlines 2022-08-23 (Tue), 2022-09-23 (Fri), 2022-10-24 (23 Oct was a Sunday); the station scope; and
agreement with 月报按时上报率 (metrics.report_timeliness), here and on the demo database."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import Session, select

from db.engine import dispose_engines, get_engine, set_setting
from db.models import Station
from services import entry, metrics, narrative, overview, submissions, submissions_view
from services.rules import fmt
from services.rules.deadlines import FALLBACK_NOTE
from services.rules.viewer import NOBODY, SYSTEM, Viewer
from tests.db.factories import Factory

D = dt.date
OCT31 = D(2022, 10, 31)
PROGRESS, MONTHLY = "任务进度", "风险隐患"
OFFICE = Viewer(username="office", role="食安办", station_id=None)
LEADER = Viewer(username="leader", role="领导", station_id=None)
ADMIN = Viewer(username="admin", role="管理员", station_id=None)

# Report dates by station and month (None: no report). 9-01 风险隐患 and 2021 rows are set apart below.
REPORTS = {
    "明水所": {8: D(2022, 8, 20), 9: D(2022, 9, 23), 10: D(2022, 10, 18)},
    "双山所": {8: D(2022, 8, 25), 10: D(2022, 10, 25)},
    "刁镇所": {8: D(2022, 8, 22), 9: D(2022, 9, 26)},
    "圣井所": {8: D(2022, 8, 23), 9: D(2022, 9, 22), 10: D(2022, 10, 24)},
}


@pytest.fixture
def db(db_url):
    engine = get_engine(db_url)
    with Session(engine) as s:
        f = Factory(s)
        ids = {}
        for name, reports in REPORTS.items():
            st = f.station(name)
            ids[name] = st.id
            for month, day in reports.items():
                f.submission(st, month, day)
        shuangshan = s.get(Station, ids["双山所"])
        f.submission(shuangshan, 9, D(2022, 9, 1), kind="风险隐患")  # another kind never counts
        f.submission(shuangshan, 9, D(2021, 9, 1), year=2021)  # another year never counts
        s.commit()
    return engine, ids


def status(engine, user=SYSTEM, *, month=10, as_of=OCT31, **kw) -> pd.DataFrame:
    kw.setdefault("kind", PROGRESS)  # the fixture's filings are 任务进度 (进度填报)
    with Session(engine) as s:
        return submissions.submission_status(session=s, viewer=user, year=2022, month=month, as_of=as_of, **kw)


def by_station(df: pd.DataFrame) -> dict[str, tuple]:
    return {r.station: (r.status, r.report_date, None if pd.isna(r.days_late) else int(r.days_late))
            for r in df.itertuples()}


def test_october_by_hand(db):
    engine, _ = db
    df = status(engine, OFFICE)
    assert df["station"].tolist() == ["明水所", "双山所", "刁镇所", "圣井所"]  # the bureau's order
    assert set(df["deadline"]) == {D(2022, 10, 24)} and set(df["deadline_note"]) == {None}
    assert by_station(df) == {
        "明水所": ("按时", D(2022, 10, 18), 0),
        "双山所": ("逾期", D(2022, 10, 25), 1),  # a day after the moved deadline
        "刁镇所": ("未报", None, 7),  # 24 Oct → 31 Oct
        "圣井所": ("按时", D(2022, 10, 24), 0),  # on the moved deadline, inclusive
    }
    assert submissions.status_counts(df) == {"按时": 2, "逾期": 1, "未报": 1, "未到期": 0, "不要求": 0}


def test_september_and_august_by_hand(db):
    engine, _ = db
    assert by_station(status(engine, OFFICE, month=9)) == {
        "明水所": ("按时", D(2022, 9, 23), 0),  # on the day itself
        "双山所": ("未报", None, 38),  # the 风险隐患 report and the 2021 one do not count; 23 Sep → 31 Oct
        "刁镇所": ("逾期", D(2022, 9, 26), 3),
        "圣井所": ("按时", D(2022, 9, 22), 0),
    }
    assert submissions.status_counts(status(engine, OFFICE, month=8)) == {"按时": 3, "逾期": 1, "未报": 0, "未到期": 0, "不要求": 0}


def test_ages_are_measured_against_as_of(db):
    engine, _ = db
    # On the deadline day: due; a report dated later has not arrived yet
    assert by_station(status(engine, OFFICE, as_of=D(2022, 10, 24))) == {
        "明水所": ("按时", D(2022, 10, 18), 0),
        "双山所": ("未报", None, 0),
        "刁镇所": ("未报", None, 0),
        "圣井所": ("按时", D(2022, 10, 24), 0),
    }
    # Before the deadline: an early report is on time, the rest are not yet due
    early = status(engine, OFFICE, as_of=D(2022, 10, 20))
    assert by_station(early) == {
        "明水所": ("按时", D(2022, 10, 18), 0),
        "双山所": ("未到期", None, None),
        "刁镇所": ("未到期", None, None),
        "圣井所": ("未到期", None, None),
    }
    assert not early["due"].any()


def test_station_scope(db):
    engine, ids = db
    mingshui = Viewer(username="mingshui", role="监管所", station_id=ids["明水所"])
    for who in (OFFICE, LEADER, ADMIN, SYSTEM):
        assert len(status(engine, who)) == 4
    assert status(engine, mingshui)["station"].tolist() == ["明水所"]
    assert status(engine, mingshui, station_id=ids["明水所"])["station"].tolist() == ["明水所"]
    assert status(engine, OFFICE, station_id=ids["双山所"])["station"].tolist() == ["双山所"]
    with pytest.raises(PermissionError, match="监管所账号只能查看本所（明水所）的上报情况"):
        status(engine, mingshui, station_id=ids["双山所"])
    for who in (Viewer(role="kiosk"), NOBODY):
        with pytest.raises(PermissionError, match="当前账号无权查看“上报监测”"):
            status(engine, who)
    with pytest.raises(PermissionError, match="监管所账号未指定监管所"):
        status(engine, Viewer(role="监管所"))


def agree(engine, *, year: int, month: int, as_of: dt.date, kind: str = PROGRESS) -> pd.DataFrame:
    """The page's per-month counts and 月报按时上报率's, side by side; assert that every due month agrees."""
    with Session(engine) as s:
        grid = submissions.submission_grid(session=s, viewer=OFFICE, year=year, month=month, as_of=as_of, kind=kind)
        tl = metrics.report_timeliness(session=s, year=year, month=month, as_of=as_of, kind=kind)
    counts = submissions.monthly_counts(grid).merge(tl, on="month", suffixes=("", "_tl"))
    assert (counts["due"] == counts["due_tl"]).all()
    due = counts[counts["due"]]
    assert due["按时"].tolist() == due["n_ontime"].tolist()
    assert (due["按时"] + due["逾期"] + due["未报"]).tolist() == due["n_expected"].tolist()
    assert (counts.loc[~counts["due"], ["逾期", "未报"]] == 0).all().all()
    rate = due["按时"].sum() / (due["按时"] + due["逾期"] + due["未报"]).sum() if len(due) else float("nan")
    if len(due):
        assert tl["value"].iloc[-1] == pytest.approx(rate)
    return counts


def test_agreement_with_report_timeliness(db):
    engine, _ = db
    counts = agree(engine, year=2022, month=10, as_of=OCT31)
    # by hand: January–July nobody reported; 3 + 2 + 2 on time of 4 × 10 due
    assert counts["按时"].tolist() == [0] * 7 + [3, 2, 2]
    with Session(engine) as s:
        tl = metrics.report_timeliness(session=s, year=2022, month=10, as_of=OCT31, kind=PROGRESS)
    assert tl["value"].iloc[-1] == pytest.approx(7 / 40)
    agree(engine, year=2022, month=10, as_of=D(2022, 10, 24))
    agree(engine, year=2022, month=10, as_of=D(2022, 10, 20))


def test_a_save_on_the_entry_page_is_a_submission(db):
    engine, ids = db
    user = Viewer(username="diaozhen", role="监管所", station_id=ids["刁镇所"])
    with Session(engine) as s:
        f = Factory(s)
        ind = f.indicator("示范创建")
        f.target(s.get(Station, ids["刁镇所"]), ind, 5)
        s.commit()
        ind_id = ind.id
    result = entry.save_progress(engine=engine, viewer=user, station_id=ids["刁镇所"], year=2022, month=10,
                                 rows={ind_id: 2}, today=OCT31)
    assert result.ok and result.changed
    assert by_station(status(engine, OFFICE))["刁镇所"] == ("逾期", OCT31, 7)
    agree(engine, year=2022, month=10, as_of=OCT31)


def test_the_fallback_note_travels_with_the_deadline(db):
    engine, ids = db
    with Session(engine) as s:
        df = submissions.submission_status(session=s, viewer=OFFICE, year=2100, month=1, as_of=D(2100, 1, 31),
                                           kind=PROGRESS)
    assert set(df["deadline"]) == {D(2100, 1, 25)}  # Saturday 23 Jan 2100 → Monday, weekends only
    assert set(df["deadline_note"]) == {FALLBACK_NOTE}
    assert set(df["status"]) == {"未报"} and set(df["days_late"]) == {6}


def test_empty_database(db_url):
    with Session(get_engine(db_url)) as s:
        df = submissions.submission_status(session=s, viewer=OFFICE, year=2022, month=10, as_of=OCT31)
    assert df.empty and list(df.columns) == submissions.COLUMNS
    assert submissions.status_counts(df) == {"按时": 0, "逾期": 0, "未报": 0, "未到期": 0, "不要求": 0}
    assert submissions.monthly_counts(df).empty


def test_agreement_on_the_demo_database(demo_url):  # noqa: F811
    engine = get_engine(demo_url)
    try:
        counts = agree(engine, year=2022, month=10, as_of=OCT31)
        assert counts["逾期"].sum() > 0 and counts["按时"].sum() > 0  # the demo has both kinds
        monthly = agree(engine, year=2022, month=10, as_of=OCT31, kind="风险隐患")
        early = monthly[monthly["month"] < 5]  # the rule starts in May: nothing before it is late or missing
        assert (early["按时"] + early["不要求"]).tolist() == [18] * 4 and early["不要求"].sum() > 0
        assert (early[["逾期", "未报"]] == 0).all().all()
        with Session(engine) as s:
            nr = submissions.not_reported(session=s, year=2022, month=10, as_of=OCT31)
            tl = metrics.report_timeliness(session=s, year=2022, month=10, as_of=OCT31)
            kpi = metrics.kpi_gauges(session=s, year=2022, month=10, as_of=OCT31).set_index("name").loc["月报按时上报率"]
        # 月报按时上报率 counts the 月报 from 2022-05: 99 of 6 × 18 = 108 on time → 91.7%
        assert (tl["cum_ontime"].iloc[-1], tl["cum_expected"].iloc[-1]) == (99, 108)
        table = submissions_view.timeliness_table(tl)  # 上报监测's table: words where a count does not apply yet
        assert table["应报（个所）"].tolist() == ["不要求"] * 4 + ["18"] * 6
        assert table["按时上报"].tolist() == ["不要求"] * 4 + ["18", "18", "17", "15", "16", "15"]
        with Session(engine) as s:  # November on October 31: its deadline has not come
            nov = submissions_view.timeliness_table(metrics.report_timeliness(session=s, year=2022, month=11,
                                                                              as_of=OCT31, kind="风险隐患"))
        assert nov.iloc[-1][["月份", "应报（个所）", "按时上报"]].tolist() == ["11月", "未到期", "未到期"]
        assert (kpi.numerator, kpi.denominator) == (99, 108) and fmt.pct(kpi.actual) == "91.7%"
        assert nr.progress_missing == ("枣园所",) and nr.monthly_missing == ("枣园所",)
        assert nr.monthly_late == ("绣惠所", "文祖所")
        assert nr.progress_line == "进度未报（10月任务进度）：枣园所"
        assert nr.monthly_line == ("月报未报（10月风险隐患排查整治表，截止2022年10月24日）：枣园所；"
                                   "逾期上报：绣惠所、文祖所")
        assert nr.station is None
        assert overview.unreported_line(nr) == "10月未报：月报（风险隐患排查整治表）枣园所（逾期上报：绣惠所、文祖所）；任务进度枣园所"
        # A 监管所 account learns of its own station only, and every sentence says so: none unreported is not "无未报的所".
        with Session(engine) as s:
            ms = s.exec(select(Station).where(Station.name == "明水所")).one()
            own = submissions.not_reported(session=s, viewer=Viewer(role="监管所", station_id=ms.id), year=2022,
                                           month=10, as_of=OCT31)
        assert own.station == "明水所" and own.monthly_missing == own.progress_missing == ()
        assert overview.unreported_line(own) == "本所（明水所）10月未报：月报（风险隐患排查整治表）无；任务进度无"
        lines = narrative.overview(totals=pd.DataFrame(), lags=pd.DataFrame(), year=2022, month=10, as_of=OCT31,
                                   unreported=(), reporting_station=own.station)
        assert lines == ["10月本所（明水所）无未报"]
        assert narrative.overview(totals=pd.DataFrame(), lags=pd.DataFrame(), year=2022, month=10, as_of=OCT31,
                                  unreported=()) == ["10月无未报的所"]
    finally:
        dispose_engines()


def test_the_monthly_report_counts_from_the_rules_start(db):
    """The 月报 (风险隐患) with the rule from 2022-09: 双山所's September report (09-01) is on time, nobody else
    reported it; months before September are 不要求 and count on neither side → 1 of 2 × 4 = 12.5%. 10月: all four
    未报 (月报未报), while 进度未报 names only 刁镇所 (no 任务进度 for October)."""
    engine, _ = db
    with Session(engine) as s:
        set_setting(s, "monthly_report_start", "2022-09")
        s.commit()
    counts = agree(engine, year=2022, month=10, as_of=OCT31, kind=MONTHLY)
    assert counts["不要求"].tolist() == [4] * 8 + [0, 0]
    assert counts["按时"].tolist() == [0] * 8 + [1, 0]
    with Session(engine) as s:
        tl = metrics.report_timeliness(session=s, year=2022, month=10, as_of=OCT31)
        nr = submissions.not_reported(session=s, year=2022, month=10, as_of=OCT31)
        before = submissions.not_reported(session=s, year=2022, month=8, as_of=OCT31)
        early = submissions.not_reported(session=s, year=2022, month=10, as_of=D(2022, 10, 20))
        y2021 = metrics.report_timeliness(session=s, year=2021, month=12, as_of=OCT31)
    assert tl["value"].iloc[-1] == pytest.approx(1 / 8) and fmt.pct(tl["value"].iloc[-1]) == "12.5%"
    assert nr.monthly_missing == ("明水所", "双山所", "刁镇所", "圣井所") and nr.progress_missing == ("刁镇所",)
    assert before.monthly_missing == () and not before.monthly_required
    assert before.monthly_line.endswith("8月不要求上报，2022年9月起（依据：金市监食协〔2024〕34号 三(一)“5月起”（金山区文件，示例参照））")
    assert early.monthly_missing == () and not early.monthly_due and early.monthly_line.endswith("未到截止日")
    assert int(y2021["cum_expected"].iloc[-1]) == 0  # the rule had not started
    with Session(engine) as s:  # no setting: the rule's own 5月起
        set_setting(s, "monthly_report_start", "")
        s.commit()
        assert metrics.report_timeliness(session=s, year=2022, month=10, as_of=OCT31)["required"].tolist() == \
            [False] * 4 + [True] * 6
