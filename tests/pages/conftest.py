"""Databases for page tests: a small one built by hand, and the demo database built once per session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from db.engine import dispose_engines, get_engine, set_setting
from db.migrate import upgrade
from tests import dbs
from tests.db.factories import Factory

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


# Test accounts by role: (username, role, station name). The demo database has these usernames already.
TEST_USERS = {
    "leader": ("领导", None),
    "office": ("食安办", None),
    "mingshui": ("监管所", "明水所"),
    "admin": ("管理员", None),
}


def ensure_user(url: str, username: str) -> None:
    """The account exists in this database (created with a cheap hash for the small hand-built one)."""
    import bcrypt
    from sqlmodel import select

    from db import models as m
    from services import auth

    role, station_name = TEST_USERS[username]
    with Session(get_engine(url)) as s:
        if auth.get_user(session=s, username=username):
            return
        station_id = s.exec(select(m.Station.id).where(m.Station.name == station_name)).first() if station_name else None
        s.add(m.AppUser(username=username, role=role, station_id=station_id,
                        password_hash=bcrypt.hashpw(b"test-password", bcrypt.gensalt(4)).decode()))
        s.commit()


def sign_in(at: AppTest, url: str, username: str) -> int:
    """Log `username` in for this AppTest as the login form would: a server-side session whose id the browser
    session keeps (components/auth.py). Returns the session id."""
    from components.auth import SESSION_KEY
    from services import auth, sessions

    with Session(get_engine(url)) as s:
        user = auth.get_user(session=s, username=username)
        sid, _ = sessions.begin(session=s, user=user, client="127.0.0.1")
    at.session_state[SESSION_KEY] = sid
    return sid


def fresh_app(url: str, monkeypatch, as_of: str | None = "2022-10-31", user: str | None = "leader") -> AppTest:
    """The app on this database, logged in as `user` (None: not logged in)."""
    monkeypatch.setenv("DATABASE_URL", url)
    if as_of:
        monkeypatch.setenv("AS_OF", as_of)
    else:
        monkeypatch.delenv("AS_OF", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    dispose_engines()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if user:
        ensure_user(url, user)
        sign_in(at, url, user)
        dispose_engines()
    return at


# The 包保 page's tabs, in order: only the open one is computed and drawn (st.tabs on_change="rerun").
BAOBAO_TABS = ("本季度未督导主体", "逾期未整改问题", "其他渠道发现的问题（包保干部须知）", "整改时长", "按干部查看")


def open_tab(at: AppTest, label: str, key: str = "bb_tab") -> AppTest:
    """Open a tab of a page whose tabs are lazy, as a click would: the tab's label into its key, then a rerun."""
    at.session_state[key] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_expanders(at: AppTest, suffix: str = "-open") -> AppTest:
    """Open every keyed lazy expander of the page (components.lineage_view.expander keeps its state under a key ending
    in -open), as clicks would, and rerun."""
    keys = [k for k in at.session_state.keys() if isinstance(k, str) and k.endswith(suffix)]
    assert keys, "no lazy expander on this page"
    for k in keys:
        at.session_state[k] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def each_tab(at: AppTest, labels=BAOBAO_TABS, key: str = "bb_tab"):
    """Open every tab in turn, yielding the app with that tab open (then the first tab again)."""
    for label in labels:
        yield label, open_tab(at, label, key)
    open_tab(at, labels[0], key)


def build_small(url: str) -> None:
    """Two stations, one indicator (98 of 126 done at 2022-10), one KPI, a small 包保 register.

    By hand: time progress 304/365 = 83.29%; 明水所 80/100 = 80.0% (lag −3.3, amber), 双山所 18/26 = 69.2%
    (lag −14.1, red), district 98/126 = 77.8% (lag −5.5, amber). KPI 95% level, 90% read → lag −5.0, amber.
    包保: three in-operation businesses all assigned; 店A visited on site in October (done), 店B never visited
    (not visited), 店C visited in Q3 only; one problem of 店A due 2022-10-10 still open → 1 overdue.
    """
    upgrade(url)
    engine = get_engine(url)
    with Session(engine) as s:
        f = Factory(s)
        a, b = f.station("明水所"), f.station("双山所")
        ta, tb = f.township("明水街道", a), f.township("双山街道", b)
        ind = f.indicator("示范创建")
        f.target(a, ind, 100)
        f.target(b, ind, 26)
        f.progress(a, ind, 9, 70)
        f.progress(a, ind, 10, 80)
        f.progress(b, ind, 10, 18)
        k = f.kpi("核查处置按时完成率", 0.95, pacing="level")
        f.reading(k, 10, 0.90)
        cadre = f.cadre("张某", "乡", a)
        b1 = f.business("店A", a, township=ta, risk_level="C")
        b2 = f.business("店B", a, township=ta)
        b3 = f.business("店C", b, township=tb)
        for biz in (b1, b2, b3):
            f.assign(cadre, biz)
        v = f.visit(cadre, b1, D(2022, 10, 5), "现场")
        f.visit(cadre, b3, D(2022, 8, 1), "电话询问")
        f.problem(v, deadline=D(2022, 10, 10), description="进货查验记录不全")
        set_setting(s, "as_of", "2022-10-31")
        s.commit()


@pytest.fixture
def small_url(tmp_path, tmp_path_factory):
    """A fresh small database (build_small): a copy of one built once per test process."""
    return dbs.copy_of("small", build_small, tmp_path_factory, tmp_path, "small.db")


def build_plans_db(url: str) -> None:
    """tests/services/test_plans.py's small 工作要点 database (6 tasks at 2022-06-15)."""
    from tests.services.test_plans import build_plans

    upgrade(url)
    build_plans(get_engine(url))


@pytest.fixture
def plans_url(tmp_path, tmp_path_factory):
    """A fresh build_plans_db: a copy of one built once per test process."""
    return dbs.copy_of("plans", build_plans_db, tmp_path_factory, tmp_path, "plans.db")
