"""主体责任 and 抽检 figures (docs/主体责任与抽检指标.md) on the demo database: each figure computed again here by a
plain count and pinned; the three 抽检 gauges read from the register (and keep the readings without one); the
population setting moves 批次/千人."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import delete, update
from sqlmodel import Session, select

from db import models as m
from db.authstore import auth_session
from db.engine import dispose_engines, get_engine
from services import kpis_view, lineage, metrics, population
from services.rules import fmt
from services.rules.viewer import SYSTEM
from tests import dbs

OCT31 = dt.date(2022, 10, 31)
ENTERPRISES = ("生产", "销售", "餐饮", "单位食堂", "集中交易市场")


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory):
    # A copy: on PostgreSQL a template with an open session cannot be copied again (the writing tests copy it).
    url = dbs.copy_url(demo_template, tmp_path_factory.mktemp("oversight"), "read.db")
    with Session(get_engine(url)) as s:
        yield s
    dispose_engines()


def frame(session: Session, stmt) -> pd.DataFrame:
    res = session.exec(stmt)
    return pd.DataFrame(res.fetchall(), columns=list(res.keys()))


@pytest.fixture(scope="module")
def enterprises(demo) -> pd.DataFrame:
    b, d = m.Business, m.BusinessDuty
    return frame(demo, select(b.id, b.station_id, b.sector, b.tier, d.director_name, d.officer_name,
                              d.director_trained, d.officer_trained)
                 .outerjoin(d, d.business_id == b.id).where(b.sector.in_(ENTERPRISES), b.status == "在营"))


def test_staffing_rates_by_sector_and_district(demo, enterprises):
    e = enterprises
    required = e[e["tier"].isin(["A", "B"])]
    assert (len(e), e["officer_name"].notna().sum(), len(required), required["director_name"].notna().sum()) == (
        1621, 1510, 262, 228)
    by = metrics.duty_staffing(session=demo, by="sector").set_index("sector")
    assert by.columns.tolist() == [c for c in metrics.STAFFING_COLUMNS if c != "sector"]
    d = by.loc["全区"]
    assert (d.enterprises, d.officer_named, d.director_required, d.director_named) == (1621, 1510, 262, 228)
    assert (fmt.pct(d.officer_rate), fmt.pct(d.director_rate)) == ("93.2%", "87.0%")
    named = e["director_name"].notna().sum() + e["officer_name"].notna().sum()
    trained = (e["director_trained"] == True).sum() + (e["officer_trained"] == True).sum()  # noqa: E712
    assert (d.named, d.trained, fmt.pct(d.trained_rate)) == (named, trained, "91.8%") == (2013, 1848, "91.8%")
    assert by.loc["生产", ["enterprises", "director_required", "director_named"]].tolist() == [134, 50, 41]
    assert by.drop("全区")["enterprises"].sum() == 1621
    stations = metrics.duty_staffing(session=demo)
    assert len(stations) == 19 and stations["station"].iloc[-1] == "全区" and stations["station_id"].iloc[-1] is None
    assert stations.iloc[:-1]["director_named"].sum() == 228


def test_duty_completion_for_october_and_the_year(demo, enterprises):
    c, b = m.DutyCheck, m.Business
    checks = frame(demo, select(c.business_id, c.month, c.daily, c.weekly, c.monthly, c.visit_id)
                   .join(b, b.id == c.business_id).where(b.sector.in_(ENTERPRISES), b.status == "在营", c.year == 2022))
    oct_ = checks[checks["month"] == 10]
    df = metrics.duty_completion(session=demo, year=2022, month=10)
    d = df[df["station"] == "全区"].iloc[0]
    assert (d.enterprises, d.records, d.no_record) == (len(enterprises), len(oct_), len(enterprises) - len(oct_))
    assert (d.records, d.no_record, fmt.pct(d.no_record_rate)) == (1566, 55, "3.4%")
    assert (d.daily_kept, d.onsite) == (oct_["daily"].sum(), oct_["visit_id"].notna().sum()) == (1405, 414)
    assert fmt.pct(d.daily_rate) == "89.7%" and fmt.pct(d.weekly_rate) == "87.0%"
    assert (d.daily_kept_ytd, d.daily_checked_ytd) == (checks["daily"].sum(), len(checks)) == (14078, 15633)
    assert [fmt.pct(d[f"{r}_rate_ytd"]) for r in ("daily", "weekly", "monthly")] == ["90.1%", "86.4%", "91.2%"]
    # the two least diligent stations are the weak ones: lowest YTD 日管控
    weakest = df[df["station"] != "全区"].nsmallest(2, "daily_rate_ytd")["station"].tolist()
    assert sorted(weakest) == ["绣惠所", "龙山所"]


def test_sampling_by_station_and_per_thousand(demo):
    s, p = m.Sample, m.Problem
    batches = frame(demo, select(s.id, s.station_id, s.kind, s.result, s.report_date))
    failed = frame(demo, select(s.id, p.deadline, p.closed_date).join(p, p.sample_id == s.id)
                   .where(s.result == "不合格"))
    df = metrics.sampling(session=demo, year=2022, month=10, as_of=OCT31)
    assert df.columns.tolist() == metrics.SAMPLE_COLUMNS
    d = df[df["station"] == "全区"].iloc[0]
    handled = failed["closed_date"].notna().sum()
    on_time = (failed["closed_date"].notna() & (failed["closed_date"] <= failed["deadline"])).sum()
    assert (d.batches, d.failed, d.handled, d.on_time) == (len(batches), len(failed), handled, on_time)
    assert (d.batches, d.pending, d.failed, d.handled, d.due, d.on_time) == (4240, 217, 68, 64, 64, 63)
    assert (fmt.pct(d.handled_rate), fmt.pct(d.on_time_rate)) == ("94.1%", "98.4%")
    assert (d.population, round(d.per_thousand, 2), d.rule_per_thousand, d.rule_batches) == (1101000, 3.85, 5, 5505)
    assert round(d.per_thousand, 6) == round(4240 / 1101, 6)
    # the population said with where it comes from (the district's record, which names its year), no 110.10
    with_basis = kpis_view.per_thousand_line(df)
    assert with_basis == ("全区抽检4,240批次，常住人口110.1万（章丘区2023年国民经济和社会发展统计公报），3.85批次/千人"
                          "（规则5批次/千人，全年应达5,505批次）")
    by = df.set_index("station")
    assert (by.loc["明水所", "batches"], by.loc["埠村所", "handled_rate"]) == (474, 0.5)
    # Before the October reports the September figures hold.
    sep = metrics.sampling(session=demo, year=2022, month=9, as_of=OCT31).iloc[-1]
    assert (sep.batches, sep.failed, sep.handled, sep.due, sep.on_time) == (3820, 61, 56, 56, 55)


def test_the_three_sampling_gauges_read_the_register_and_say_so(demo):
    g = metrics.kpi_gauges(session=demo, year=2022, month=10, as_of=OCT31, jurisdiction="章丘区").set_index("name")
    assert g.loc["监督抽检批次", ["actual", "value_source", "source_basis"]].tolist() == [4240, "抽检台账", 4240]
    assert g.loc["不合格食品核查处置率", ["numerator", "denominator", "value_source"]].tolist() == [64, 68, "抽检台账"]
    assert g.loc["核查处置按时完成率", ["numerator", "denominator", "value_source"]].tolist() == [63, 64, "抽检台账"]
    assert g.loc["月报按时上报率", "value_source"] == "上报记录"
    assert (g.drop(["监督抽检批次", "不合格食品核查处置率", "核查处置按时完成率", "月报按时上报率"])["value_source"]
            == "月报填报").all()
    # the register agrees with the imported October readings, so the gauges read the same either way
    assert g.loc["监督抽检批次", "status"] == "amber" and g.loc["核查处置按时完成率", "status"] == "green"
    kpi_id = int(g.loc["监督抽检批次", "kpi_id"])
    trend = metrics.kpi_trend(session=demo, kpi_id=kpi_id, year=2022, as_of=OCT31)
    assert trend["actual"].tolist()[:3] == [219, 395, 818] and (trend["value_source"] == "抽检台账").all()
    rows = lineage.kpi_figure(session=demo, viewer=SYSTEM, kpi_id=kpi_id, year=2022, month=10)
    assert rows.iloc[1]["value"] == 4240 and rows.iloc[1]["source"].startswith("取自抽检台账（4,240批次）")



def test_every_kpi_trend_read_at_once_is_the_one_read_alone(demo):
    """指标 reads every gauged KPI's trend in one call (metrics.kpi_trends): each KPI's rows are kpi_trend's, frame
    for frame, the register's, the readings' and the 月报按时上报率's alike."""
    trends = metrics.kpi_trends(session=demo, year=2022, as_of=OCT31)
    ids = metrics.kpi_gauges(session=demo, year=2022, month=10, as_of=OCT31)["kpi_id"].tolist()
    assert len(ids) > 3 and set(trends["kpi_id"]) == set(ids)
    for kpi_id in ids:
        pd.testing.assert_frame_equal(metrics.kpi_trend_of(trends, int(kpi_id)),
                                      metrics.kpi_trend(session=demo, kpi_id=int(kpi_id), year=2022, as_of=OCT31),
                                      check_exact=True)

@pytest.fixture
def copy(demo_template, tmp_path):
    url = dbs.copy_url(demo_template, tmp_path, "oversight.db")
    yield url
    dispose_engines()


def test_without_a_register_the_gauges_keep_the_readings(copy):
    with Session(get_engine(copy)) as s:
        k = s.exec(select(m.Kpi).where(m.Kpi.name == "监督抽检批次", m.Kpi.jurisdiction == "章丘区")).one()
        s.exec(update(m.KpiReading).where(m.KpiReading.kpi_id == k.id, m.KpiReading.month == 10).values(value=4000))
        s.exec(delete(m.Problem).where(m.Problem.sample_id.is_not(None)))
        s.exec(delete(m.Sample))
        s.commit()
        g = metrics.kpi_gauges(session=s, year=2022, month=10, as_of=OCT31).set_index("name")
        assert g.loc["监督抽检批次", ["actual", "value_source"]].tolist() == [4000, "月报填报"]
        assert g.loc["不合格食品核查处置率", ["numerator", "denominator", "value_source"]].tolist() == [64, 68, "月报填报"]
        assert pd.isna(g.loc["监督抽检批次", "source_basis"])


def test_the_population_setting_moves_per_thousand(copy):
    with Session(get_engine(copy)) as s:
        version = s.exec(select(m.DataVersion.version)).one() if hasattr(m, "DataVersion") else None
        with pytest.raises(ValueError, match="常住人口“十万”不是数字"):
            population.save_population(session=s, viewer=SYSTEM, text="十万")
        assert population.population(session=s) == 1101000  # the district's stored figure, nothing written
        assert population.save_population(session=s, viewer=SYSTEM, text="200万") == 2_000_000
        d = metrics.sampling(session=s, year=2022, month=10, as_of=OCT31).iloc[-1]
        assert (d.population, d.per_thousand, d.rule_batches) == (2_000_000, 2.12, 10_000)
        assert d.population_basis == "系统设置"  # the caption says where 200万 comes from
        if version is not None:
            assert s.exec(select(m.DataVersion.version)).one() == version + 1
    with auth_session(copy) as a:
        audit = a.exec(select(m.AuditLog).where(m.AuditLog.target == "常住人口")).one()
    assert audit.detail == {"原": "1101000", "新": "2000000"}
