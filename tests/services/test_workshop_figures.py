"""食品小作坊 figures (docs/小作坊指标.md): on the demo database (read, never changed) and on a small database built
by hand for the definitions (NaN where the denominator is 0, exits, windows, named vs reported)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import Session

from db import models as m
from db.engine import dispose_engines, get_engine
from seed.demo.vocab import DEMO_GAP_STATION, VIDEO_GAP_STATION
from services import metrics
from services.rules import fmt
from tests.db.factories import Factory

D = dt.date
OCT31 = D(2022, 10, 31)


@pytest.fixture(scope="module")
def demo(demo_template):
    with Session(get_engine(demo_template)) as s:
        yield s
    dispose_engines()


@pytest.fixture(scope="module")
def rates(demo) -> pd.DataFrame:
    return metrics.workshop_rates(session=demo, year=2022, as_of=OCT31)


# --- the demo database -----------------------------------------------------------------------------


def test_demo_district_figures(demo, rates):
    assert rates.columns.tolist() == metrics.WORKSHOP_COLUMNS
    assert len(rates) == 18 and rates["station"].iloc[0] == "明水所" and rates["is_demo"].all()
    t = metrics.workshop_totals(session=demo, year=2022, as_of=OCT31).iloc[0]
    assert t.station == "全区" and t.station_id is None
    assert (t.registered, t.producing, t.cold_chain, t.high_risk) == (286, 259, 65, 56)
    assert (t.cold_reviewed, t.high_risk_reviewed) == (59, 47) and fmt.pct(t.cold_review_rate) == "90.8%"
    assert (t.archives_both, fmt.pct(t.archive_rate)) == (205, "71.7%")
    assert (t.norms_met_cells, t.norms_assessed_cells, fmt.pct(t.norm_rate)) == (2415, 2660, "90.8%")
    assert (t.video, t.video_online) == (32, 28)
    assert (t.swept, t.found, t.handled) == (557, 106, 106)
    # the district's reported 累计完成 at 2022-10: 示范创建 98 (the office's sentence), its named sites one fewer
    assert (t.demo_named, t.demo_reported, t.demo_gap) == (97, 98, -1)
    assert (t.video_named, t.video_reported, t.upgrades_named, t.upgrades_reported) == (32, 33, 24, 24)
    assert t.registered == rates["registered"].sum() and t.is_demo


def test_demo_names_one_fewer_site_in_one_station_only(rates):
    by = rates.set_index("station")
    assert by.index[by["demo_gap"] != 0].tolist() == [DEMO_GAP_STATION]
    assert by.loc[DEMO_GAP_STATION, "demo_gap"] == -1
    assert by.index[by["video_gap"] != 0].tolist() == [VIDEO_GAP_STATION]
    assert (by["upgrade_gap"] == 0).all()  # every reported upgrade is named


def test_demo_norm_rates(demo, rates):
    norms = metrics.norm_rates(session=demo, year=2022, as_of=OCT31)
    assert norms.columns.tolist() == metrics.NORM_COLUMNS
    assert len(norms) == (18 + 1) * 10
    district = norms[norms["station"] == "全区"]
    assert district["norm"].tolist() == [label for _, label in m.NORMS]
    row = district.set_index("norm").loc["亮证经营"]
    assert (row.assessed, row.met, fmt.pct(row.rate)) == (266, 240, "90.2%")
    # the long frame adds up to the station frame's cells
    per = norms[norms["station"] != "全区"].groupby("station")[["assessed", "met"]].sum()
    by = rates.set_index("station")
    assert (per["assessed"] == by.loc[per.index, "norms_assessed_cells"]).all()
    # two stations are weak on purpose (the least diligent): their rate is the lowest
    weakest = by["norm_rate"].nsmallest(2).index.tolist()
    assert sorted(weakest) == ["绣惠所", "龙山所"] and by["norm_rate"].max() > 0.9


def test_demo_lists(demo):
    wl = metrics.workshop_list(session=demo, as_of=OCT31)
    assert len(wl) == 290 and int(wl["registered"].sum()) == 286 and wl["code"].notna().all()
    assert (wl.loc[~wl["registered"], "exit"] != "").all()
    assert set(wl.loc[wl["cold_chain"], "flags"].str.contains("冷链")) == {True}
    one = metrics.workshop_list(session=demo, as_of=OCT31, station_ids=[1])
    assert set(one["station"]) == {"明水所"} and len(one) == 22
    sweeps = metrics.sweep_list(session=demo, year=2022)
    assert len(sweeps) == 557 and sweeps["case_no"].notna().sum() == 106
    assert (sweeps.loc[sweeps["found"], "case_no"].notna()).all()
    awards = metrics.award_list(session=demo, year=2022)
    assert set(awards["award"]) == {"出彩小作坊", "老字号"}
    assert set(awards["stage"]) == set(m.AWARD_STAGES)
    assert (awards["stage"] == "获评").sum() < (awards["stage"] == "推荐").sum()


# --- the definitions, by hand ----------------------------------------------------------------------


def _workshop(f: Factory, station, name: str, **kw) -> m.Workshop:
    b = f.business(name, station, sector="小作坊")
    return f._add(m.Workshop(business_id=b.id, **kw))


def test_definitions_by_hand(engine):
    """明水所: w1 cold+high, reviewed 2022-05-10, both archives, 10 norms assessed / 8 met, video online, upgraded
    06-01; w2 cold, reviewed only in 2021 (not this year), supervision archive only, norms unassessed; w3 exited
    09-01 (not 在册: none of its flags count); w4 exits 11-15 (after as_of: 在册), nothing else.
    → registered 3, cold 2, cold reviewed 1 (50.0%), high 1 reviewed 1, archives both 1/3, norms 8/10.
    示范创建 reported 2 (September; November's 5 comes after as_of); named 1 (w1; w2's item is done only 11-05,
    an item naming no business never counts) → gap −1. 双山所: one plain workshop, nothing else → every rate NaN,
    nothing reported → NA. 刁镇所: nothing at all."""
    with Session(engine) as s:
        f = Factory(s)
        a, b, _c = f.station("明水所"), f.station("双山所"), f.station("刁镇所")
        demo_ind, video_ind = f.indicator("示范创建"), f.indicator("视频监管试点")
        f.indicator("新升级为食品生产企业")
        norms_8 = {c: i < 8 for i, (c, _) in enumerate(m.NORMS)}
        w1 = _workshop(f, a, "甲坊", cold_chain=True, high_risk=True, review_date=D(2022, 5, 10),
                       review_result="合格", archive_supervision=True, archive_supervision_date=D(2022, 3, 1),
                       archive_risk=True, video=True, video_online=True, upgraded_date=D(2022, 6, 1), **norms_8)
        w2 = _workshop(f, a, "乙坊", cold_chain=True, review_date=D(2021, 6, 1), archive_supervision=True)
        _workshop(f, a, "丙坊", cold_chain=True, high_risk=True, review_date=D(2022, 5, 1), archive_supervision=True,
                  archive_risk=True, exit_date=D(2022, 9, 1), exit_reason="经营者申请注销")
        _workshop(f, a, "丁坊", exit_date=D(2022, 11, 15))
        _workshop(f, b, "戊坊", producing=False)
        f.progress(a, demo_ind, 9, 2)
        f.progress(a, demo_ind, 11, 5)
        for name, w, done in (("甲坊", w1, D(2022, 8, 1)), ("乙坊", w2, D(2022, 11, 5)), ("无名点", None, D(2022, 7, 1))):
            item = f.item(a, demo_ind, name, "已完成", completed_date=done)
            item.business_id = w.business_id if w else None
        f.item(a, video_ind, "甲坊视频监管点", "计划").business_id = w1.business_id
        for day, outcome in ((D(2022, 3, 1), "无问题"), (D(2022, 4, 1), "查处"), (D(2022, 5, 1), "取缔"),
                             (D(2021, 5, 1), "查处"), (D(2022, 11, 2), "移交")):
            f._add(m.WorkshopSweep(key=f"{day}|{outcome}", sweep_date=day, station_id=a.id, place="某村某加工点",
                                   outcome=outcome, case_no=None if outcome == "无问题" else "号"))
        s.commit()
        df = metrics.workshop_rates(session=s, year=2022, as_of=OCT31).set_index("station")
        t = metrics.workshop_totals(session=s, year=2022, as_of=OCT31).iloc[0]
        norms = metrics.norm_rates(session=s, year=2022, as_of=OCT31)
        wl = metrics.workshop_list(session=s, as_of=OCT31)
    x = df.loc["明水所"]
    assert (x.registered, x.producing, x.cold_chain, x.high_risk) == (3, 3, 2, 1)
    assert (x.cold_reviewed, x.cold_review_rate, x.high_risk_reviewed, x.high_risk_review_rate) == (1, 0.5, 1, 1.0)
    assert (x.archive_supervision, x.archive_risk, x.archives_both) == (2, 1, 1) and x.archive_rate == 1 / 3
    assert (x.norms_assessed_cells, x.norms_met_cells, x.norm_rate) == (10, 8, 0.8)
    assert (x.video, x.video_online, x.swept, x.found, x.handled) == (1, 1, 3, 2, 2)
    assert (x.demo_named, x.demo_reported, x.demo_gap) == (1, 2, -1)
    assert (x.video_named, x.upgrades_named) == (0, 1) and pd.isna(x.video_reported) and pd.isna(x.upgrade_gap)
    assert not x.is_demo
    y, z = df.loc["双山所"], df.loc["刁镇所"]
    assert (y.registered, y.producing, y.cold_chain) == (1, 0, 0)
    for rate in ("cold_review_rate", "high_risk_review_rate", "norm_rate"):
        assert pd.isna(y[rate]) and fmt.pct(y[rate]) == "—", rate  # nothing to count: no rate, never 0%
    assert y.archive_rate == 0.0 and pd.isna(y.demo_reported) and pd.isna(y.demo_gap)
    assert z.registered == 0 and pd.isna(z.archive_rate) and pd.isna(z.norm_rate)
    # the district: sums, rates from the sums, reported over the stations that filed
    assert (t.registered, t.cold_chain, t.cold_reviewed, t.demo_named, t.demo_reported, t.demo_gap) == (4, 2, 1, 1, 2, -1)
    assert t.archive_rate == 1 / 4 and pd.isna(t.video_reported)
    mingshui = norms[norms["station"] == "明水所"].set_index("norm")
    assert (mingshui.loc["亮证经营", "met"], mingshui.loc["包装标示规范", "met"]) == (1, 0)
    assert pd.isna(norms[norms["station"] == "双山所"]["rate"]).all()
    by_name = wl.set_index("name")
    assert not by_name.loc["丙坊", "registered"] and by_name.loc["丁坊", "registered"]
    assert by_name.loc["甲坊", "norms"] == "8/10" and by_name.loc["乙坊", "norms"] == "未评"
    assert by_name.loc["乙坊", "archives"] == "仅监管档案" and by_name.loc["甲坊", "review"] == "合格"
    assert by_name.loc["丙坊", "exit"] == "2022-09-01 经营者申请注销"


def test_the_page_data_is_checked_against_the_viewer(demo):
    """workshops_view.workshop_page: a 监管所 account gets its own station, the kiosk and nobody get nothing."""
    from sqlmodel import select

    from services import workshops_view as wv
    from services.rules.viewer import NOBODY, SYSTEM, Viewer

    mingshui = demo.exec(select(m.Station.id).where(m.Station.name == "明水所")).one()
    own = wv.workshop_page(session=demo, viewer=Viewer(username="ms", role="监管所", station_id=mingshui),
                           year=2022, as_of=OCT31)
    assert own.station_id == mingshui and own.rates["station"].tolist() == ["明水所"]
    assert set(own.workshops["station"]) == {"明水所"} and set(own.sweeps["station"]) <= {"明水所"}
    everyone = wv.workshop_page(session=demo, viewer=SYSTEM, year=2022, as_of=OCT31)
    assert len(everyone.rates) == 18 and everyone.totals["registered"].iloc[0] == 286
    for viewer in (NOBODY, Viewer(username="kiosk", role="kiosk")):
        with pytest.raises(PermissionError, match="无权查看“小作坊”"):
            wv.workshop_page(session=demo, viewer=viewer, year=2022, as_of=OCT31)
