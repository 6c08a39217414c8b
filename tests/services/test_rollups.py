"""Rollups (issue 21, item 1): the 包保 figures a page reads come from baobao_rollup when its day is fresh, and equal
what the records give, after an import, a 数据填报, an undo and a setting change, on SQLite and PostgreSQL; a stale
day is never read; `verify` finds a stored row that disagrees with the records, and `python -m seed verify` says so."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import Workbook
from sqlalchemy import func, or_
from sqlmodel import Session, select

from db import models as m
from db import rollups
from db.engine import dispose_engines, get_engine, set_setting
from db.queries import baobao as bq
from seed.importer import import_paths, undo_batch
from services import metrics
from services.rules import pacing
from tests import dbs

OCT31 = dt.date(2022, 10, 31)
GROUPS = ("station", "township", "sector", "tier", "risk_level", "district")


@pytest.fixture
def demo(demo_template, tmp_path):
    url = dbs.copy_url(demo_template, tmp_path, "demo.db")
    yield get_engine(url)
    dispose_engines()


def from_records(s: Session, by: str, month: int) -> pd.DataFrame:
    """metrics.baobao with the rollup left out: its windows made unequal to a day's, so the records are counted."""
    real = rollups.windows
    try:
        rollups.windows = lambda ref: {}  # type: ignore[assignment]
        return metrics.baobao(session=s, year=2022, month=month, as_of=OCT31, by=by)
    finally:
        rollups.windows = real  # type: ignore[assignment]


def assert_rollup_agrees(engine, months=(10, 4)) -> None:
    for month in months:
        for by in GROUPS:
            with Session(engine) as s:
                got = metrics.baobao(session=s, year=2022, month=month, as_of=OCT31, by=by)
            with Session(engine) as s:
                day = pacing.ref_date(2022, month, OCT31)
                assert s.get(m.RollupRef, (rollups.BAOBAO, day)).data_version == rollups.current_version(s), by
                pd.testing.assert_frame_equal(got, from_records(s, by, month), check_dtype=False, obj=f"{by} {month}")
    with Session(engine) as s:
        assert rollups.verify(s) == []


def visits_to_the_unvisited(engine, path) -> int:
    """A 督导记录 register: a 现场 visit on 2022-10-15 by its own cadre to each of 20 businesses whose only cadre has
    not visited them this quarter; returns how many."""
    from seed.importer.kinds import KINDS

    with Session(engine) as s:
        rows = bq.unvisited_businesses(session=s, start=dt.date(2022, 10, 1), ref=OCT31, limit=500)
        rows = rows[rows["n_assignments"] == 1].head(20)
        wb = Workbook()
        ws = wb.active
        ws.append(["2022年包保督导记录"])
        ws.append([col.label for col in KINDS["督导记录"].columns])
        for i, r in enumerate(rows.itertuples(index=False)):
            cadre = s.exec(select(m.Cadre).join(m.Assignment, m.Assignment.cadre_id == m.Cadre.id)
                           .where(m.Assignment.business_id == r.business_id)).first()
            biz = s.get(m.Business, r.business_id)
            ws.append([f"RT2022{i:04d}", "2022-10-15", cadre.code, cadre.name, cadre.unit, biz.code, biz.name,
                       r.station, "现场", 0, ""])
    wb.save(path)
    return len(rows)


def district(engine) -> pd.Series:
    with Session(engine) as s:
        return metrics.baobao(session=s, year=2022, month=10, as_of=OCT31, by="district").iloc[0]


def test_pages_read_stored_days_that_equal_the_records(demo):
    with Session(demo) as s:
        assert rollups.stored_days(s) == 0
    assert_rollup_agrees(demo)
    with Session(demo) as s:
        stored = s.exec(select(m.RollupRef).order_by(m.RollupRef.ref_date)).all()
        assert [r.ref_date for r in stored] == [dt.date(2022, 4, 30), OCT31]
        # The demo district, as the 包保 page shows it (test_one_figure's values), read from the stored cells.
        n_rows = len(s.exec(select(m.BaobaoRollup.id).where(m.BaobaoRollup.ref_date == OCT31)).all())
        assert n_rows == stored[1].n_rows > 18  # cells: every station's townships × sectors × tiers × levels
        cells = rollups.stored_cells(s, OCT31, keys=())
    row = district(demo)
    assert int(cells.loc[0, "n_business"]) == row.n_business and int(cells.loc[0, "n_prob_overdue"]) == row.n_prob_overdue


def test_import_undo_and_setting_leave_no_stale_figure(demo, tmp_path):
    assert_rollup_agrees(demo, months=(10,))
    before = district(demo)
    register = tmp_path / "督导记录.xlsx"
    n = visits_to_the_unvisited(demo, register)
    report = import_paths([register], engine=demo, year=2022, user="office")
    assert report.exit_code == 0, report.summary_lines()
    after = district(demo)
    # The new 现场 visits count at once: the day stored before the import was not read again.
    assert after.n_covered == before.n_covered and after.n_done == before.n_done + n
    assert_rollup_agrees(demo, months=(10,))
    with Session(demo) as s:
        undo_batch(s, report.files[0].batch_id)
        s.commit()
    pd.testing.assert_series_equal(district(demo), before)
    assert_rollup_agrees(demo, months=(10,))
    with Session(demo) as s:  # the high-risk levels: a setting, part of the day's rules key
        set_setting(s, "high_risk_levels", "D")
        s.commit()
    assert district(demo).n_high_risk < before.n_high_risk
    assert_rollup_agrees(demo, months=(10,))


def test_an_entry_moves_data_version_and_the_day_is_recomputed(demo):
    """A 数据填报 (a station's 累计完成) changes no 包保 record, yet moves data_version: the stored day is stale from
    its commit, and the next reader stores it again at the new version, with the same figures."""
    from services import entry
    from services.rules.viewer import Viewer

    before = district(demo)
    with Session(demo) as s:
        built = s.get(m.RollupRef, (rollups.BAOBAO, OCT31)).data_version
        station = s.exec(select(m.Station).order_by(m.Station.sort_order, m.Station.id)).first()
        target = s.exec(select(m.StationTarget).where(m.StationTarget.station_id == station.id,
                                                      m.StationTarget.year == 2022)).first()
    office = Viewer(username="office", role="食安办", station_id=None, client="test")
    result = entry.save_progress(engine=demo, viewer=office, station_id=station.id, year=2022, month=10,
                                 rows={target.indicator_id: target.target}, today=OCT31)
    assert not result.errors and result.batch_id is not None
    pd.testing.assert_series_equal(district(demo), before)
    with Session(demo) as s:
        assert s.get(m.RollupRef, (rollups.BAOBAO, OCT31)).data_version > built
    assert_rollup_agrees(demo, months=(10,))


def test_a_stale_day_is_never_read_and_verify_finds_a_wrong_row(demo):
    district(demo)
    with Session(demo) as s:  # a stored row made wrong behind the records' back, at the current version
        row = s.exec(select(m.BaobaoRollup).where(m.BaobaoRollup.ref_date == OCT31).order_by(m.BaobaoRollup.id)).first()
        row.n_business += 5
        s.add(row)
        s.commit()
        lines = rollups.verify(s)
    assert len(lines) == 1 and lines[0].startswith("包保汇总 2022-10-31 ") and "n_business 汇总" in lines[0]
    assert district(demo).n_business == sum_business(demo) + 5  # read as stored: verify is how such a row is found
    with Session(demo) as s:  # any write makes every stored day stale: the next read counts the records again
        set_setting(s, "population", "1101000")
        from db.engine import bump_data_version
        bump_data_version(s)
        s.commit()
    assert district(demo).n_business == sum_business(demo)
    with Session(demo) as s:
        assert rollups.verify(s) == []


def sum_business(engine) -> int:
    with Session(engine) as s:
        return len(s.exec(select(m.Business.id).where(m.Business.status == bq.IN_OPERATION)).all())


def test_a_reader_with_its_own_uncommitted_writes_stores_nothing(demo):
    with Session(demo) as s:
        b = s.exec(select(m.Business).where(m.Business.status == bq.IN_OPERATION).order_by(m.Business.id)).first()
        b.status = "注销"
        s.add(b)
        s.flush()
        seen = metrics.baobao(session=s, year=2022, month=10, as_of=OCT31, by="district").iloc[0]
        s.rollback()
    assert district(demo).n_business == seen.n_business + 1  # the rolled-back closure was never stored for others


def test_the_command_line_builds_and_verifies_the_days(demo, capsys, monkeypatch):
    from cli.seed import main

    url = demo.url.render_as_string(hide_password=False)
    monkeypatch.setenv("AS_OF", "2022-10-31")
    code = main(["rollups", "--db", url, "--year", "2022"])
    out, err = capsys.readouterr()
    assert code == 0, err
    first, second = out.splitlines()
    assert first.startswith("已计算2022年10个月末（截至2022年10月31日）的包保汇总，写入") and first.endswith("行")
    assert second.startswith("已计算2022年各监管所逐月的日管控、周排查、月调度汇总及食品安全总监、安全员配备汇总，写入")
    assert second.endswith("行")
    with Session(demo) as s:
        days = s.exec(select(m.RollupRef.ref_date).where(m.RollupRef.name == rollups.BAOBAO)
                      .order_by(m.RollupRef.ref_date)).all()
        assert s.get(m.RollupRef, (rollups.DUTY, dt.date(2022, 1, 1))).n_rows > 0
        assert s.get(m.RollupRef, (rollups.STAFFING, rollups.UNDATED)).n_rows > 0
    assert days == [pacing.month_end(2022, month) for month in range(1, 11)]
    assert main(["verify", "--db", url]) == 0
    assert capsys.readouterr().out == "汇总表核对完毕：包保汇总10个已存日期、日管控等1个年度、人员配备1份，与明细记录一致\n"
    with Session(demo) as s:
        row = s.exec(select(m.BaobaoRollup).where(m.BaobaoRollup.ref_date == dt.date(2022, 3, 31))
                     .order_by(m.BaobaoRollup.id)).first()
        row.n_done += 1
        s.add(row)
        s.commit()
    assert main(["verify", "--db", url]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("包保汇总 2022-03-31 ") and "n_done 汇总" in captured.out
    assert "汇总表与明细不一致：1处" in captured.err


def test_a_write_refreshes_the_viewed_days_in_the_background(demo, tmp_path, monkeypatch):
    """ROLLUP_REFRESH=1 (the default outside tests): an import's commit starts a refresh of the days viewed, so the
    next viewer reads a stored day; a dry run (rolled back) starts none."""
    monkeypatch.setenv("ROLLUP_REFRESH", "1")
    district(demo)
    with Session(demo) as s:
        viewed = s.get(m.RollupRef, (rollups.BAOBAO, OCT31)).data_version
    register = tmp_path / "督导记录.xlsx"
    n = visits_to_the_unvisited(demo, register)
    assert import_paths([register], engine=demo, year=2022, user="office", dry_run=True).exit_code == 0
    assert not rollups._threads  # nothing committed, nothing to refresh
    report = import_paths([register], engine=demo, year=2022, user="office")
    assert report.exit_code == 0
    rollups.wait_for_refresh(timeout=120)
    with Session(demo) as s:
        day = s.get(m.RollupRef, (rollups.BAOBAO, OCT31))
        assert day.data_version == rollups.current_version(s) > viewed  # stored before anyone asked again
        stored = rollups.stored_cells(s, OCT31, keys=())
        assert rollups.verify(s) == []
    assert int(stored.loc[0, "n_done"]) == district(demo).n_done
    assert n == 20


def test_every_cell_is_stored_however_many(demo, monkeypatch):
    """A province has hundreds of thousands of cells: the page row bound (MAX_ROWS) must not cut the rollup's."""
    monkeypatch.setattr(bq, "MAX_ROWS", 5)
    with Session(demo) as s:
        rules, high = bq.visit_rules(session=s), bq.high_risk_levels(session=s)
        cells = rollups.compute_cells(session=s, ref=OCT31, rules=rules, high=high)
        assert len(cells) > 100
        assert int(cells["n_business"].sum()) == sum_business(demo)
        assert len(bq.baobao_business_counts(session=s, by="township", start=dt.date(2022, 10, 1), ref=OCT31,
                                             rules=rules, high=high)) == 5  # a page's groups keep the bound


# --- 日管控 / 周排查 / 月调度 (duty_rollup) ---------------------------------------------------------------------


def completion(engine, month: int = 10) -> pd.DataFrame:
    with Session(engine) as s:
        return metrics.duty_completion(session=s, year=2022, month=month)


def staffing(engine, by: str = "station") -> pd.DataFrame:
    with Session(engine) as s:
        return metrics.duty_staffing(session=s, by=by)


def from_the_records(figure, *args):
    """A register figure with the rollups left out: the records counted by db/queries/oversight's own queries."""
    from db.queries import oversight as oq

    real = rollups.duty_counts, rollups.staffing_counts
    try:
        rollups.duty_counts, rollups.staffing_counts = oq.duty_checks, oq.duty_staffing  # type: ignore[assignment]
        return figure(*args)
    finally:
        rollups.duty_counts, rollups.staffing_counts = real  # type: ignore[assignment]


def assert_duty_agrees(engine) -> None:
    for month in (10, 6):
        pd.testing.assert_frame_equal(completion(engine, month), from_the_records(completion, engine, month),
                                      obj=f"month {month}")
    for by in ("station", "sector"):
        pd.testing.assert_frame_equal(staffing(engine, by), from_the_records(staffing, engine, by), obj=by)
    with Session(engine) as s:
        version = rollups.current_version(s)
        assert s.get(m.RollupRef, (rollups.DUTY, dt.date(2022, 1, 1))).data_version == version
        assert s.get(m.RollupRef, (rollups.STAFFING, rollups.UNDATED)).data_version == version
        assert rollups.verify(s) == []


def duty_register(engine, path, n: int = 12) -> list[int]:
    """A 主体责任 register for October: 日管控 是, 周排查 否, 月调度 是 at n enterprises in operation that have no
    October record; returns their ids."""
    from seed.importer.kinds import KINDS
    from services.rules import oversight as rules

    with Session(engine) as s:
        had = select(m.DutyCheck.business_id).where(m.DutyCheck.year == 2022, m.DutyCheck.month == 10)
        rows = s.exec(select(m.Business, m.Station.name).join(m.Station, m.Station.id == m.Business.station_id)
                      .where(m.Business.status == bq.IN_OPERATION, m.Business.sector.in_(rules.ENTERPRISE_SECTORS),
                             m.Business.id.not_in(had)).order_by(m.Business.id).limit(n)).all()
    labels = [c.label for c in KINDS["主体责任"].columns]
    wb = Workbook()
    ws = wb.active
    ws.append(["2022年主体责任"])
    ws.append(labels)
    for i, (b, station) in enumerate(rows):
        cells = {"主体名称": b.name, "统一社会信用代码": b.code, "监管所": station, "月份": "2022年10月",
                 "日管控": "是", "周排查": "否", "月调度": "是", "食品安全员": f"测试{i:02d}", "安全员是否培训": "是"}
        ws.append([cells.get(label) for label in labels])
    wb.save(path)
    return [b.id for b, _ in rows]


def test_duty_figures_come_from_the_stored_year_and_follow_an_import_and_its_undo(demo, tmp_path):
    before, staffed = completion(demo), staffing(demo, "sector")
    with Session(demo) as s:
        ref = s.get(m.RollupRef, (rollups.DUTY, dt.date(2022, 1, 1)))
        assert ref.rules_key == rollups.duty_key(("生产", "销售", "餐饮", "单位食堂", "集中交易市场"))
        stored = rollups.stored_register(rollups.DUTY, s, dt.date(2022, 1, 1))
    assert ref.n_rows == len(stored) and set(stored["month"]) == set(range(1, 11))  # the demo's months, all stored
    assert_duty_agrees(demo)
    district_row = lambda df: df[df["station_id"].isna()].iloc[0]  # noqa: E731
    register = tmp_path / "主体责任.xlsx"
    added = duty_register(demo, register)
    report = import_paths([register], engine=demo, year=2022, user="office", today=OCT31)
    assert report.exit_code == 0, report.summary_lines()
    after = completion(demo)
    # 12 more October records, read at once: the year stored before the import was stale from its commit
    assert len(added) == 12
    assert district_row(after)["records"] == district_row(before)["records"] + 12
    assert district_row(after)["weekly_checked"] == district_row(before)["weekly_checked"] + 12
    assert district_row(after)["weekly_kept"] == district_row(before)["weekly_kept"]
    # the staffing figures follow too: every one of them now names a 安全员, trained
    assert staffing(demo, "sector").iloc[-1]["officer_named"] >= staffed.iloc[-1]["officer_named"]
    assert staffing(demo, "sector").iloc[-1]["trained"] > staffed.iloc[-1]["trained"]
    assert_duty_agrees(demo)
    with Session(demo) as s:
        undo_batch(s, report.files[0].batch_id)
        s.commit()
    pd.testing.assert_frame_equal(completion(demo), before)
    pd.testing.assert_frame_equal(staffing(demo, "sector"), staffed)
    assert_duty_agrees(demo)


def test_verify_finds_a_wrong_duty_or_staffing_row(demo):
    completion(demo)
    with Session(demo) as s:
        row = s.exec(select(m.DutyRollup).where(m.DutyRollup.month == 9).order_by(m.DutyRollup.id)).first()
        row.daily_kept += 3
        station_id = row.station_id
        s.add(row)
        s.commit()
        lines = rollups.verify(s)
    assert len(lines) == 1 and lines[0].startswith(f"主体责任汇总 2022年9月 监管所{station_id}：")
    assert "daily_kept 汇总" in lines[0]
    staffing(demo)
    with Session(demo) as s:
        row = s.exec(select(m.StaffingRollup).order_by(m.StaffingRollup.id)).first()
        row.enterprises -= 1
        where = f"人员配备汇总 监管所{row.station_id} {row.sector} "
        s.add(row)
        s.commit()
        lines = rollups.verify(s)
    assert len(lines) == 2 and lines[1].startswith(where) and "enterprises 汇总" in lines[1]


def test_a_write_refreshes_the_viewed_duty_year_in_the_background(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("ROLLUP_REFRESH", "1")
    completion(demo)
    with Session(demo) as s:
        viewed = s.get(m.RollupRef, (rollups.DUTY, dt.date(2022, 1, 1))).data_version
    register = tmp_path / "主体责任.xlsx"
    duty_register(demo, register, n=3)
    assert import_paths([register], engine=demo, year=2022, user="office", today=OCT31).exit_code == 0
    rollups.wait_for_refresh(timeout=120)
    with Session(demo) as s:
        year = s.get(m.RollupRef, (rollups.DUTY, dt.date(2022, 1, 1)))
        assert year.data_version == rollups.current_version(s) > viewed
        assert rollups.verify(s) == []


def test_the_unvisited_list_is_cut_after_its_order_and_names_every_active_cadre(demo):
    """db/queries/baobao.unvisited_businesses picks and cuts the businesses first, station group by station group
    (1, 2, 4 … stations a query), then gathers their cadres: a short list is the head of the long one, whichever
    group it ends in, and each row names its active assignments."""
    with Session(demo) as s:
        kw = {"session": s, "start": dt.date(2022, 10, 1), "ref": OCT31}
        full = bq.unvisited_businesses(**kw)
        head = bq.unvisited_businesses(**kw, limit=7)
        heads = {n: bq.unvisited_businesses(**kw, limit=n)["business_id"].tolist()
                 for n in range(0, len(full), max(1, len(full) // 40))}
        one = bq.unvisited_businesses(**kw, station_id=int(full["station_id"].iloc[-1]), limit=3)
        active = dict(s.exec(
            select(m.Assignment.business_id, func.count()).where(
                m.Assignment.start_date <= OCT31, or_(m.Assignment.end_date.is_(None), m.Assignment.end_date >= OCT31))
            .group_by(m.Assignment.business_id)).all())
        visited = set(s.exec(select(m.Visit.business_id).where(m.Visit.visit_date >= dt.date(2022, 10, 1),
                                                               m.Visit.visit_date <= OCT31)).all())
        in_operation = set(s.exec(select(m.Business.id).where(m.Business.status == "在营")).all())
    # every unvisited business, counted apart from the query: the walk skipped no station
    assert sorted(full["business_id"]) == sorted((in_operation & set(active)) - visited)
    assert 8 < len(full) <= 5000 and len(head) == 8 and len(one) == 4
    cols = ["business_id", "station_id", "risk_level", "n_assignments"]
    assert head[cols].to_dict("records") == full[cols].head(8).to_dict("records")
    assert full["station_id"].nunique() >= 8  # the walk went past its groups of 1, 2 and 4 stations
    assert all(ids == full["business_id"].head(n + 1).tolist() for n, ids in heads.items())
    of_station = full[full["station_id"] == one["station_id"].iloc[0]]
    assert one["business_id"].tolist() == of_station["business_id"].head(4).tolist()
    assert all(active[r.business_id] == r.n_assignments == len(r.cadres.split("、")) for r in full.itertuples())
