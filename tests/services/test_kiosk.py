"""The 大屏's settings in the database: defaults, validation, who may change them (refused roles write nothing),
the audit row; the stale-report rule; the URL over the settings (components.kiosk.parse, no Streamlit run)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from components import kiosk
from db import models as m
from db.authstore import auth_session
from db.engine import get_setting, set_setting
from services import kiosk as kdb
from services.rules import permissions
from services.rules.viewer import Viewer
from tests.db.factories import Factory

WEB = "10.0.0.5"


@pytest.fixture
def session(migrated_url):
    from db.engine import dispose_engines, get_engine

    with Session(get_engine(migrated_url)) as s:
        yield s
    dispose_engines()


def actor(role: str | None) -> Viewer:
    return Viewer(username="someone", role=role, client=WEB)


def audit_rows(session: Session) -> list[m.AuditLog]:
    with auth_session(session) as own:  # the audit log lives in the auth store
        return list(own.exec(select(m.AuditLog).where(m.AuditLog.action == kdb.AUDIT_ACTION)).all())


def test_an_empty_database_has_the_default_settings(session):
    assert kdb.kiosk_settings(session=session) == kdb.KioskSettings(20, ("kpi", "tasks", "baobao", "map", "duban"), 35)


def test_damaged_stored_values_fall_back_to_defaults_or_bounds(session):
    set_setting(session, "kiosk_interval", "fast")
    set_setting(session, "kiosk_panels", "map,nonsense,map,kpi")
    set_setting(session, "kiosk_stale_days", "0")
    assert kdb.kiosk_settings(session=session) == kdb.KioskSettings(20, ("map", "kpi"), 1)
    set_setting(session, "kiosk_interval", "1")
    set_setting(session, "kiosk_panels", "nonsense")
    assert kdb.kiosk_settings(session=session).interval == 3
    assert kdb.kiosk_settings(session=session).panels == kdb.PANEL_IDS


@pytest.mark.parametrize("role", ["食安办", "管理员"])
def test_the_office_and_the_administrator_save_and_it_is_audited(session, role):
    saved = kdb.save_kiosk_settings(session=session, interval=7, panels=["map", "kpi"], stale_days=40,
                                    viewer=actor(role))
    assert saved == kdb.KioskSettings(7, ("map", "kpi"), 40)
    assert kdb.kiosk_settings(session=session) == saved  # order kept
    assert get_setting(session, "kiosk_panels") == "map,kpi"
    [row] = audit_rows(session)
    assert (row.username, row.role, row.client, row.target) == ("someone", role, WEB, "大屏")
    assert row.detail == {"轮播间隔（秒）": "20→7", "面板": "kpi,tasks,baobao,map,duban→map,kpi",
                          "月报滞后提醒（天）": "35→40"}


@pytest.mark.parametrize("role", ["领导", "监管所", permissions.KIOSK, ""])
def test_other_roles_are_refused_and_nothing_is_written(session, role):
    with pytest.raises(PermissionError, match="当前账号无权操作“系统设置”"):
        kdb.save_kiosk_settings(session=session, interval=7, panels=["map"], stale_days=40, viewer=actor(role))
    session.rollback()
    assert get_setting(session, "kiosk_interval") is None
    assert kdb.kiosk_settings(session=session) == kdb.KioskSettings()
    assert audit_rows(session) == []


def test_the_command_line_may_save(session):
    kdb.save_kiosk_settings(session=session, viewer=Viewer.cli(), interval=30, panels=["duban"], stale_days=35)
    assert kdb.kiosk_settings(session=session).panels == ("duban",)
    assert audit_rows(session)[0].client.startswith("命令行")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"interval": 2}, "轮播间隔须为3–3600秒之间的整数"),
    ({"interval": 3601}, "轮播间隔须为3–3600秒之间的整数"),
    ({"panels": []}, "大屏至少要轮播一个面板"),
    ({"panels": ["kpi", "kpi"]}, "大屏面板不能重复"),
    ({"panels": ["kpi", "weather"]}, "未知的大屏面板：weather"),
    ({"stale_days": 0}, "月报滞后提醒天数须为1–366之间的整数"),
])
def test_bad_values_are_refused_in_chinese(session, kwargs, message):
    values = {"interval": 20, "panels": ["kpi"], "stale_days": 35, **kwargs}
    with pytest.raises(ValueError, match=message):
        kdb.save_kiosk_settings(session=session, viewer=actor("食安办"), **values)
    session.rollback()
    assert audit_rows(session) == []


def test_the_newest_report_date(session):
    assert kdb.latest_report_date(session=session) is None
    f = Factory(session)
    a, b = f.station("明水所"), f.station("双山所")
    f.submission(a, 9, dt.date(2022, 9, 26))
    f.submission(a, 10, dt.date(2022, 10, 20))
    f.submission(b, 8, dt.date(2022, 8, 22), kind="风险隐患")
    session.commit()
    assert kdb.latest_report_date(session=session) == dt.date(2022, 10, 20)


def test_stale_is_strictly_older_than_the_days_before_as_of():
    as_of = dt.date(2022, 10, 31)
    assert not kdb.stale(as_of - dt.timedelta(days=35), as_of=as_of, days=35)
    assert kdb.stale(as_of - dt.timedelta(days=36), as_of=as_of, days=35)
    assert kdb.stale(None, as_of=as_of, days=35)


# --- the URL over the settings --------------------------------------------------------------------

DEFAULTS = kdb.KioskSettings(interval=20, panels=("kpi", "tasks", "baobao", "map", "duban"), stale_days=35)


@pytest.mark.parametrize(("rotate", "interval", "noted"), [
    ("20", 20, False), ("7.4", 7, False), ("1", 3, True), ("0", 3, True), ("-5", 3, True), ("99999", 3600, True),
    ("abc", 20, True), ("nan", 20, True), ("inf", 20, True), ("", 20, False),
])
def test_the_interval_from_the_url_is_clamped(rotate, interval, noted):
    view = kiosk.parse({"rotate": rotate}, DEFAULTS)
    assert view.interval == interval
    assert bool(view.notes) is noted


def test_panels_from_the_url_in_their_order_unknown_ones_named():
    assert kiosk.parse({"panels": "map, KPI,map"}, DEFAULTS).panels == ("map", "kpi")
    view = kiosk.parse({"panels": "kpi,weather,<b>x</b>"}, DEFAULTS)
    assert view.panels == ("kpi",)
    assert view.notes == ("已忽略未知的面板：weather、<b>x</b>（可选：kpi、tasks、baobao、map、duban）",)
    view = kiosk.parse({"panels": "weather"}, DEFAULTS)
    assert view.panels == DEFAULTS.panels
    assert view.notes[-1] == "网址中没有可用的面板，按系统设置轮播"
    assert kiosk.parse({}, DEFAULTS) == kiosk.KioskView(20, DEFAULTS.panels, ())


def test_a_long_parameter_is_cut_before_it_is_read():
    view = kiosk.parse({"panels": "x" * 100_000, "rotate": "9" * 100_000}, DEFAULTS)
    assert view.interval == 3600
    assert all(len(n) < 200 for n in view.notes)


def test_the_index_advances_and_wraps():
    assert kiosk.next_index(None, 5) == 0
    assert kiosk.next_index(0, 5) == 1
    assert kiosk.next_index(4, 5) == 0
    assert kiosk.next_index(7, 2) == 0  # the list shrank under it
    assert kiosk.next_index("x", 3) == 0
