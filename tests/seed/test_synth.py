"""python -m seed synth: a tiny-scale synthetic database is consistent, flagged 示例, deterministic, and the
dashboard's metric functions run on it (issue 8)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from cli.seed import main
from db import models as m
from db.authstore import auth_session
from db.engine import dispose_engines, get_engine, get_setting, is_demo_database
from db.migrate import upgrade
from seed.demo import DEMO_ACCOUNTS, DEMO_KIOSK_TOKEN
from seed.synth import SCALES, build_synth
from services import metrics

pytestmark = pytest.mark.sqlite_file  # SQLite files by design; the PostgreSQL build is compared in its own test

TINY = SCALES["tiny"]
AS_OF = dt.date(2022, 10, 31)
GENERATED = (m.Business, m.Cadre, m.Assignment, m.Visit, m.Problem, m.StationProgress, m.KpiReading)


def build(url: str) -> None:
    upgrade(url)
    build_synth(get_engine(url), "tiny")
    dispose_engines()


def count(session: Session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def digest(session: Session) -> str:
    rows = session.connection().execute(text(
        "SELECT v.record_no, v.visit_date, v.method, v.problems_found, b.code, c.code FROM visit v "
        "JOIN business b ON b.id = v.business_id JOIN cadre c ON c.id = v.cadre_id ORDER BY v.record_no")).all()
    return hashlib.sha256(repr([tuple(map(str, r)) for r in rows]).encode()).hexdigest()  # SQLite dates are text


def counts(session: Session) -> dict[str, int]:
    return {model.__tablename__: count(session, model) for model in (*GENERATED, m.Station, m.Township)}


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth")
    urls = [f"sqlite:///{folder / name}" for name in ("a.db", "b.db")]
    for url in urls:
        build(url)
    yield urls
    dispose_engines()


@pytest.fixture
def session(synth):
    with Session(get_engine(synth[0])) as s:
        yield s


def test_counts_follow_the_scale(session):
    assert count(session, m.Station) == TINY.stations
    assert count(session, m.Station, m.Station.is_demo.is_(True)) == TINY.stations - 18  # generated beyond the real 18
    assert count(session, m.Township, m.Township.is_demo.is_(True)) == 2 * (TINY.stations - 18)
    assert count(session, m.Cadre) == sum(TINY.cadres.values())
    # at least 20 a station, plus the workshops the task list needs
    assert TINY.businesses <= count(session, m.Business) < TINY.businesses + 300
    assert count(session, m.Visit) > count(session, m.Business)
    # generated stations got the real stations' targets, so they have task progress too
    generated = session.exec(select(m.Station.id).where(m.Station.is_demo.is_(True))).all()
    assert count(session, m.StationTarget, m.StationTarget.station_id.in_(generated)) > 0
    assert count(session, m.StationProgress, m.StationProgress.station_id.in_(generated)) > 0


def test_foreign_keys_hold(session):
    conn = session.connection()
    orphans = {
        "visit→business": "SELECT count(*) FROM visit v LEFT JOIN business b ON b.id = v.business_id WHERE b.id IS NULL",
        "visit→cadre": "SELECT count(*) FROM visit v LEFT JOIN cadre c ON c.id = v.cadre_id WHERE c.id IS NULL",
        "problem→visit": "SELECT count(*) FROM problem p LEFT JOIN visit v ON v.id = p.visit_id "
                         "WHERE v.id IS NULL AND p.visit_id IS NOT NULL",  # 执法 and 抽检 problems have no visit
        "assignment→business": "SELECT count(*) FROM assignment a LEFT JOIN business b ON b.id = a.business_id "
                               "WHERE b.id IS NULL",
        "assignment→cadre": "SELECT count(*) FROM assignment a LEFT JOIN cadre c ON c.id = a.cadre_id WHERE c.id IS NULL",
        "business→station": "SELECT count(*) FROM business b LEFT JOIN station s ON s.id = b.station_id "
                            "WHERE s.id IS NULL",
        # every visit is by a cadre assigned to that business
        "visit without assignment": "SELECT count(*) FROM visit v WHERE NOT EXISTS (SELECT 1 FROM assignment a "
                                    "WHERE a.business_id = v.business_id AND a.cadre_id = v.cadre_id)",
        "problems_found": "SELECT count(*) FROM visit v WHERE v.problems_found != "
                          "(SELECT count(*) FROM problem p WHERE p.visit_id = v.id)",
    }
    assert {name: conn.execute(text(sql)).scalar() for name, sql in orphans.items()} == dict.fromkeys(orphans, 0)
    assert conn.execute(text("PRAGMA foreign_key_check")).all() == []


def test_generated_rows_are_demo_and_the_database_is_flagged(session):
    for model in GENERATED:
        assert count(session, model, model.is_demo.is_(False)) == 0, model.__tablename__
    assert is_demo_database(session)
    assert get_setting(session, "database_kind") == "demo"
    assert get_setting(session, "synth_scale") == "tiny"
    users = set(session.exec(select(m.AppUser.username)).all())
    assert {u for u, *_ in DEMO_ACCOUNTS} <= users
    token_hash = hashlib.sha256(DEMO_KIOSK_TOKEN.encode()).hexdigest()
    with auth_session(session) as own:  # kiosk tokens live in the auth store
        assert count(own, m.KioskToken, m.KioskToken.token_hash == token_hash) == 1


def test_two_builds_are_identical(synth):
    results = []
    for url in synth:
        with Session(get_engine(url)) as s:
            results.append((counts(s), digest(s)))
    assert results[0] == results[1]


def test_the_dashboard_metrics_run_on_it(session):
    args = {"session": session, "year": 2022, "month": 10, "as_of": AS_OF}
    tasks = metrics.task_totals(**args)
    assert not tasks.empty
    lag = metrics.station_lag(**args)
    assert len(lag) == TINY.stations
    bb = metrics.baobao(**args)
    assert len(bb) == TINY.stations and bb["n_business"].sum() > 0
    assert not metrics.kpi_gauges(**args).empty
    assert not metrics.hazard_totals(**args).empty


def test_it_holds_24_months_of_task_progress_and_kpi_values(session):
    """2020-11 … 2022-10: 示例 targets and KPIs for 2020 and 2021, progress rising month by month in each year."""
    conn = session.connection()
    months = [tuple(r) for r in conn.execute(text(
        "SELECT DISTINCT year, month FROM station_progress ORDER BY year, month")).all()]
    expected = [(2020, 11), (2020, 12)] + [(2021, mo) for mo in range(1, 13)] + [(2022, mo) for mo in range(1, 11)]
    assert months == expected and len(months) == 24
    readings = [tuple(r) for r in conn.execute(text(
        "SELECT DISTINCT r.year, r.month FROM kpi_reading r ORDER BY r.year, r.month")).all()]
    assert readings == expected
    for year in (2020, 2021):
        assert count(session, m.StationTarget, m.StationTarget.year == year) == count(
            session, m.StationTarget, m.StationTarget.year == 2022)
        assert count(session, m.StationTarget, m.StationTarget.year == year, m.StationTarget.is_demo.is_(False)) == 0
        assert count(session, m.Kpi, m.Kpi.year == year, m.Kpi.is_demo.is_(False)) == 0
    # the 累计完成 of each station and indicator never falls within a year
    falls = conn.execute(text(
        "SELECT count(*) FROM station_progress a JOIN station_progress b ON a.station_id = b.station_id "
        "AND a.indicator_id = b.indicator_id AND a.year = b.year AND b.month = a.month + 1 "
        "WHERE b.cumulative < a.cumulative")).scalar()
    assert falls == 0
    dec = metrics.task_totals(session=session, year=2021, month=12, as_of=AS_OF)
    assert not dec.empty and dec["target"].sum() > 0 and dec["actual"].sum() > 0
    assert not metrics.kpi_gauges(session=session, year=2021, month=12, as_of=AS_OF).empty


def test_the_cli_refuses_a_database_with_data(synth, capsys):
    assert main(["synth", "--scale", "tiny", "--db", synth[0]]) == 2
    assert "已有数据" in capsys.readouterr().err


def test_postgresql_gets_the_same_rows_and_planner_statistics(synth, pg_url):
    build(pg_url)
    with Session(get_engine(pg_url)) as s:
        got = (counts(s), digest(s))
        analyzed = s.connection().execute(text(
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('visit', 'business') "
            "AND last_analyze IS NOT NULL")).scalar()
    with Session(get_engine(synth[0])) as s:
        assert got == (counts(s), digest(s))
    assert analyzed == 2
