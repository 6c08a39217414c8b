"""总览's line on the month's reports (上报监测's counts): on-time, late and missing stations for both monthly
reports, against the deadline of DOMAIN.md §5 (2022-10: the 23rd is a Sunday, so the 24th)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlmodel import Session

from db import models as m
from db.engine import dispose_engines, get_engine
from tests.pages.conftest import fresh_app

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in test_roles and the services' tests

D = dt.date


def report_lines(at) -> list[str]:
    return [x.value for x in at.markdown if x.value.startswith(("进度填报（任务进度）：", "月报（风险隐患排查整治表）："))]


def not_reported_lines(at) -> list[str]:
    return [x.value for x in at.markdown if "未报（10月" in x.value]


def test_small_database_counts_by_hand(small_url, monkeypatch):
    with Session(get_engine(small_url)) as s:
        ids = dict(s.exec(text("select name, id from station")).all())
        s.add(m.MonthlySubmission(station_id=ids["明水所"], year=2022, month=10, kind="任务进度",
                                  report_date=D(2022, 10, 24)))  # on the deadline day: on time
        s.add(m.MonthlySubmission(station_id=ids["双山所"], year=2022, month=10, kind="风险隐患",
                                  report_date=D(2022, 10, 26)))  # two days late
        s.commit()
    dispose_engines()
    at = fresh_app(small_url, monkeypatch).run()
    assert not at.exception
    assert report_lines(at) == [
        "月报（风险隐患排查整治表）：按时0个所、逾期1个所、未报1个所（共2个所，截止2022年10月24日）",
        "进度填报（任务进度）：按时1个所、逾期0个所、未报1个所（共2个所，截止2022年10月24日）",
    ]
    # named apart: 月报未报 (no 风险隐患排查整治表 by the deadline) and 进度未报 (no 任务进度 filing)
    assert not_reported_lines(at) == [
        "- **月报未报（10月风险隐患排查整治表，截止2022年10月24日）：明水所；逾期上报：双山所**\n"
        "- **进度未报（10月任务进度）：双山所**"]


def test_demo_counts_match_the_submissions_table(demo_url, monkeypatch):
    engine = get_engine(demo_url)
    with engine.connect() as c:
        n_stations = c.execute(text("select count(*) from station")).scalar_one()
        expected = []
        for kind, label in (("风险隐患", "月报（风险隐患排查整治表）"), ("任务进度", "进度填报（任务进度）")):
            on_time, late = c.execute(text(
                "select sum(case when report_date <= '2022-10-24' then 1 else 0 end), "
                "sum(case when report_date > '2022-10-24' then 1 else 0 end) from monthly_submission"
                " where year = 2022 and month = 10 and kind = :k and report_date <= '2022-10-31'"), {"k": kind}).one()
            on_time, late = int(on_time or 0), int(late or 0)
            expected.append(f"{label}：按时{on_time}个所、逾期{late}个所、未报{n_stations - on_time - late}个所"
                            f"（共{n_stations}个所，截止2022年10月24日）")
    dispose_engines()
    at = fresh_app(demo_url, monkeypatch).run()
    assert not at.exception
    assert report_lines(at) == expected
    [line] = not_reported_lines(at)
    assert "月报未报（10月风险隐患排查整治表，截止2022年10月24日）：枣园所；逾期上报：绣惠所、文祖所" in line
    assert "进度未报（10月任务进度）：枣园所" in line
