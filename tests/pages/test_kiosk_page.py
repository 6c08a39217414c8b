"""The 大屏 through AppTest: a kiosk token opens it with no login and sees nothing else; each run is one rotation
(AppTest cannot fire the browser's run_every timer, so each .run() stands for one tick); the URL's panels and
interval over the office's settings; the 示例数据 banner and the stale-report warning; the 系统设置 page saves the
settings the kiosk then uses; fresh data and the calendar's month without a reload."""

from __future__ import annotations

import datetime as dt
import time
import types

import pytest
import streamlit as st
from sqlalchemy import func, text
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from components import auth as ui_auth
from components import run, views
from db import models as m
from db.authstore import auth_session
from db.engine import dispose_engines, get_engine, write_session
from services import accounts
from services.rules import fmt
from services.rules.viewer import SYSTEM
from tests import dbs
from tests.pages.conftest import fresh_app

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in test_roles and the services' tests

KIOSK, SETTINGS = "app_pages/kiosk.py", "app_pages/settings.py"
TITLES = {"kpi": "重点指标", "tasks": "任务清单进度", "baobao": "包保督导", "map": "监管所地图", "duban": "督办清单"}
FIRST_DUBAN = ["枣园所", "抱团发展活动", "−89.1个百分点"]  # measured on the demo database
BANNER = "示例数据：进度、台账、督导记录与指标数值为生成的演示数据，并非真实统计"


@pytest.fixture
def url(demo_url, tmp_path):
    """A copy of the demo database for one test (these tests change settings or figures)."""
    return dbs.copy_url(demo_url, tmp_path, "kiosk.db")


@pytest.fixture
def intervals(monkeypatch):
    """The run_every of every fragment the kiosk starts (the browser's timer, which AppTest does not run)."""
    seen: list = []
    real = st.fragment

    def spy(func=None, *, run_every=None, **kwargs):
        seen.append(run_every)
        return real(func, run_every=run_every, **kwargs)

    monkeypatch.setattr(st, "fragment", spy)
    return seen


def kiosk_app(url, monkeypatch, as_of: str | None = "2022-10-31", **params) -> AppTest:
    """The app as a kiosk browser opens it: /kiosk?token=demo-kiosk&…, no login cookie."""
    at = fresh_app(url, monkeypatch, as_of=as_of, user=None)
    # AppTest's st.context.cookies is a MagicMock that reads as a cookie; a kiosk browser sends none.
    monkeypatch.setattr(ui_auth, "_cookie_value", lambda: None)
    at.query_params["token"] = "demo-kiosk"
    for key, value in params.items():
        at.query_params[key] = value
    return at


def rotate(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def pager(at: AppTest) -> str:
    """The header's "第i/N屏 · 面板名"."""
    return next(md.value for md in at.markdown if md.value.startswith("第") and "屏 · " in md.value)


def texts(at: AppTest) -> list[str]:
    return [x.value for x in (*at.subheader, *at.markdown, *at.caption, *at.warning, *at.error, *at.info, *at.success)]


def state_keys(at: AppTest) -> set[str]:
    """Every key in the session, internal ones (element ids) included."""
    return set(at.session_state._state._state._keys())


def test_the_token_opens_the_kiosk_without_login_and_it_rotates(demo_url, monkeypatch, intervals):
    at = rotate(kiosk_app(demo_url, monkeypatch))
    assert pager(at) == "第1/5屏 · 重点指标"
    assert "2022年10月 · 数据截至2022年10月31日" in texts(at)
    assert [w.value for w in at.warning] == [BANNER]
    assert not at.error  # the demo's newest report (2022-10-26) is recent
    assert intervals[-1] == 20  # the default interval
    # Nothing to log in to, nothing to click, nothing in a sidebar.
    assert not at.text_input and not at.button and not at.selectbox and not at.multiselect
    assert not at.sidebar.children or all(not c.children for c in at.sidebar.children.values())
    seen = [pager(at)]
    for _ in range(5):
        seen.append(pager(rotate(at)))
    assert seen == [f"第{i % 5 + 1}/5屏 · {t}" for i, t in enumerate([*TITLES.values(), "重点指标"])]
    assert at.get("deck_gl_json_chart") == []  # back on the kpi panel: the map is gone
    assert len(at.get("vega_lite_chart")) == 13  # one gauge per gauged KPI


def test_each_panel_draws_its_figures(demo_url, monkeypatch):
    at = kiosk_app(demo_url, monkeypatch)
    rotate(at)
    assert len(at.get("vega_lite_chart")) == 13 and "监督抽检批次" in " ".join(texts(at))  # kpi
    rotate(at)
    assert any(m.value == "98/126家" for m in at.metric) and len(at.get("vega_lite_chart")) == 1  # tasks
    rotate(at)
    assert [m.label for m in at.metric][:2] == ["包保覆盖率", "督导完成率（本季度）"]  # baobao
    rotate(at)
    [deck] = at.get("deck_gl_json_chart")  # map, with no basemap and no pan or zoom
    assert '"__MAP_STYLE__"' in deck.proto.json and '"controller": false' in deck.proto.json
    assert set(at.table[0].value["监管所"]) >= {"明水所", "双山所"} and len(at.table[0].value) == 18
    rotate(at)
    lagging, overdue = (t.value for t in at.table)  # duban
    assert list(lagging.columns) == ["监管所", "任务项", "完成率", "应完成率", "进度差", "状态"]
    assert len(lagging) == 15 and "共25项" in " ".join(texts(at))
    assert overdue["逾期问题"].iloc[0] == "44个"  # one of them found by 执法 (seed/demo/oversight.py)


def test_rotation_keeps_one_index_in_the_session(demo_url, monkeypatch):
    at = kiosk_app(demo_url, monkeypatch, rotate="3")
    rotate(at)
    rotate(at)
    before = state_keys(at)
    for _ in range(12):
        rotate(at)
    assert state_keys(at) == before
    assert at.session_state["kiosk_index"] == 13 % 5
    # the token's principal, the index, and the one run's answers (components.run: replaced, not added to, each run)
    assert set(at.session_state.keys()) == {"_auth_kiosk", "kiosk_index", run._KEY}


def test_panels_and_interval_from_the_url(demo_url, monkeypatch, intervals):
    at = rotate(kiosk_app(demo_url, monkeypatch, rotate="8", panels="kpi,map"))
    assert pager(at) == "第1/2屏 · 重点指标"
    assert pager(rotate(at)) == "第2/2屏 · 监管所地图"
    assert pager(rotate(at)) == "第1/2屏 · 重点指标"
    assert set(intervals) == {8}
    assert not at.caption or not any("已忽略" in c.value for c in at.caption)


def test_an_interval_under_three_seconds_is_clamped_to_three(demo_url, monkeypatch, intervals):
    at = rotate(kiosk_app(demo_url, monkeypatch, rotate="1"))
    assert set(intervals) == {3}
    assert "轮播间隔最短3秒，已按3秒轮播" in [c.value for c in at.caption]


def test_unknown_panel_ids_are_ignored_with_a_note(demo_url, monkeypatch):
    at = rotate(kiosk_app(demo_url, monkeypatch, panels="duban,weather,<img src=x>"))
    assert pager(at) == "第1/1屏 · 督办清单"
    [note] = [c.value for c in at.caption if "已忽略" in c.value]
    assert note == fmt.md_escape("已忽略未知的面板：weather、<img src=x>（可选：kpi、tasks、baobao、map、duban）")
    assert "\\<img" in note  # inert Markdown: the URL's text is shown, never rendered


def latest_report(url: str) -> dt.date:
    with Session(get_engine(url)) as s:
        latest = s.exec(select(func.max(m.MonthlySubmission.report_date))).one()
    dispose_engines()
    return latest


def test_a_warning_when_the_newest_report_is_older_than_35_days(demo_url, monkeypatch):
    latest = latest_report(demo_url)
    late = latest + dt.timedelta(days=36)
    at = rotate(kiosk_app(demo_url, monkeypatch, as_of=late.isoformat(), panels="duban"))
    assert [e.value for e in at.error] == [
        f"最新月报日期为{fmt.date_label(latest)}，已超过35天未收到新的月报，请核实各所上报情况"]
    assert f"数据截至{fmt.date_label(late)}" in " ".join(texts(at))
    on_time = latest + dt.timedelta(days=35)
    at = rotate(kiosk_app(demo_url, monkeypatch, as_of=on_time.isoformat(), panels="duban"))
    assert not at.error


def office_saves(url, monkeypatch, *, interval: int, panels: list[str], stale_days: int) -> AppTest:
    at = fresh_app(url, monkeypatch, user="office").run()
    at.switch_page(SETTINGS).run()
    assert not at.exception, [e.value for e in at.exception]
    at.number_input(key="kiosk_interval").set_value(interval)
    at.multiselect(key="kiosk_panels").set_value(panels)
    at.number_input(key="kiosk_stale_days").set_value(stale_days)
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def test_the_settings_page_saves_and_the_kiosk_follows(url, monkeypatch, intervals):
    at = office_saves(url, monkeypatch, interval=5, panels=["map", "kpi"], stale_days=3)
    assert at.success[0].value.startswith("已保存：每5秒轮播，面板依次为监管所地图、重点指标")
    with auth_session(url) as a:  # the audit log lives in the auth store
        row = a.exec(select(m.AuditLog).where(m.AuditLog.action == "系统设置")).one()
        assert (row.username, row.target) == ("office", "大屏")
    dispose_engines()
    # The settings page shows the saved values on its next visit.
    again = fresh_app(url, monkeypatch, user="admin").run()
    again.switch_page(SETTINGS).run()
    assert again.multiselect(key="kiosk_panels").value == ["map", "kpi"]
    assert again.number_input(key="kiosk_interval").value == 5

    intervals.clear()
    kiosk = rotate(kiosk_app(url, monkeypatch))
    assert pager(kiosk) == "第1/2屏 · 监管所地图"
    assert pager(rotate(kiosk)) == "第2/2屏 · 重点指标"
    assert set(intervals) == {5}
    # 3 days: the demo's newest report (2022-10-26) is now too old on 2022-10-31.
    assert [e.value for e in kiosk.error] == [
        "最新月报日期为2022年10月26日，已超过3天未收到新的月报，请核实各所上报情况"]
    # The URL still wins over the settings.
    assert pager(rotate(kiosk_app(url, monkeypatch, panels="duban"))) == "第1/1屏 · 督办清单"


def _one_rotation_started_with_20_seconds():
    from components import kiosk

    kiosk._rotate(20)


def test_a_rotation_that_finds_a_new_interval_asks_for_a_full_run(url, monkeypatch):
    """The browser reruns only the fragment, whose timer was set on the last full run: when the office changes
    the interval, the fragment asks for a full run, which starts the timer anew."""
    from services import kiosk as kdb

    with Session(get_engine(url)) as s:
        kdb.save_kiosk_settings(session=s, viewer=SYSTEM, interval=4, panels=["kpi", "tasks"], stale_days=35)
    dispose_engines()
    reruns: list[str] = []

    def rerun(*args, **kwargs):
        reruns.append("rerun")
        st.stop()

    kiosk_app(url, monkeypatch)  # the environment and database of a kiosk
    monkeypatch.setattr(st, "rerun", rerun)
    at = AppTest.from_function(_one_rotation_started_with_20_seconds, default_timeout=60)
    at.query_params["token"] = "demo-kiosk"
    at.run()
    assert not at.exception and reruns == ["rerun"]
    reruns.clear()
    at.query_params["rotate"] = "20"  # the URL fixes 20 s: nothing changed for this screen
    at.run()
    assert not at.exception and reruns == []
    assert pager(at) == "第1/2屏 · 重点指标"


def test_a_disabled_token_stops_the_screen_on_its_next_run(url, monkeypatch):
    at = rotate(kiosk_app(url, monkeypatch))
    assert pager(at) == "第1/5屏 · 重点指标"
    with auth_session(url) as a:  # kiosk tokens live in the auth store
        token_id = a.exec(select(m.KioskToken.id)).one()
    with Session(get_engine(url)) as s:
        accounts.deactivate_kiosk_token(session=s, viewer=SYSTEM, token_id=token_id)
    dispose_engines()
    rotate(at)
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.get("vega_lite_chart") and not at.metric


@pytest.mark.parametrize("user", ["leader", "mingshui"])
def test_other_roles_have_no_settings_page(demo_url, monkeypatch, user):
    at = fresh_app(demo_url, monkeypatch, user=user).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(SETTINGS)


@pytest.mark.parametrize("user", ["leader", "office", "mingshui", "admin"])
def test_every_role_may_open_the_kiosk(demo_url, monkeypatch, user):
    at = fresh_app(demo_url, monkeypatch, user=user).run()
    at.switch_page(KIOSK).run()
    assert not at.exception, [e.value for e in at.exception]
    assert pager(at) == "第1/5屏 · 重点指标"
    assert [w.value for w in at.warning] == [BANNER]  # the kiosk's own banner, not the frame's as well


def test_an_import_shows_on_the_next_panel(url, monkeypatch):
    at = rotate(kiosk_app(url, monkeypatch, panels="tasks"))
    assert "98/126家" in [x.value for x in at.metric]
    with write_session(get_engine(url)) as s:  # as an import would: the data changes and data_version moves
        s.exec(text("UPDATE station_progress SET cumulative = cumulative + 1 WHERE year = 2022 AND month = 10 AND "
                    "station_id = (SELECT id FROM station WHERE name = '明水所') AND indicator_id = "
                    "(SELECT id FROM task_indicator WHERE code = '示范创建')"))
    time.sleep(1.1)  # data_version is read at most once a second
    rotate(at)
    assert "99/126家" in [x.value for x in at.metric]


class _Date(dt.date):
    today_value = dt.date(2023, 1, 31)

    @classmethod
    def today(cls):
        return cls.today_value


def test_without_as_of_the_period_follows_the_calendar(url, monkeypatch):
    """No AS_OF anywhere: the kiosk's period is today's month, and it rolls over on its own."""
    with write_session(get_engine(url)) as s:
        s.exec(text("DELETE FROM app_setting WHERE key = 'as_of'"))
    dispose_engines()
    from components import data

    monkeypatch.setattr(data, "dt", types.SimpleNamespace(date=_Date, datetime=dt.datetime))
    monkeypatch.setattr(_Date, "today_value", dt.date(2023, 1, 31))
    at = rotate(kiosk_app(url, monkeypatch, as_of=None, panels="tasks"))
    assert "2023年1月 · 数据截至2023年1月31日" in texts(at)
    monkeypatch.setattr(_Date, "today_value", dt.date(2023, 2, 1))
    rotate(at)
    assert "2023年2月 · 数据截至2023年2月1日" in texts(at)
    assert not at.exception


def test_kiosk_gauges_show_their_target_and_full_title(demo_url, monkeypatch):
    """Issue 16, item 6: each of the 13 kiosk gauges shows its target beside 应达; the card names the KPI in full."""
    import json

    from services import metrics

    monkeypatch.setenv("DATABASE_URL", demo_url)
    gauges = metrics.kpi_gauges(year=2022, month=10, as_of=dt.date(2022, 10, 31))
    dispose_engines()
    at = rotate(kiosk_app(demo_url, monkeypatch))
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(specs) == len(gauges) == 13
    words = [" ".join(str(layer["encoding"]["text"]["value"]) for layer in s["layer"] if layer["mark"]["type"] == "text")
             for s in specs]
    assert all("目标" in w for w in words)
    assert "目标≥5,505批次" in words[0] and "应达 83.3%" in words[0]  # 监督抽检批次
    assert "目标≥100.0%　应达 100.0%" in words[1]  # 不合格食品核查处置率, a level KPI
    assert "0/1个" in words[10] and "12月31日到期" in words[10]  # 新增区级实训中心, due by a date
    md = [m.value for m in at.markdown]
    for name in gauges["name"]:
        assert f"**{fmt.md_escape(name)}**" in md


def test_the_kiosk_lists_open_worst_first_and_name_the_task_item(demo_url, monkeypatch):
    """督办: red rows before amber, each status furthest behind first, the 任务项 named as such; the map's station
    list the same way; the 包保 cards' labels short and whole, their qualifiers in the notes."""
    at = rotate(kiosk_app(demo_url, monkeypatch, panels="duban"))
    lagging = at.table[0].value
    chips = lagging["状态"].tolist()
    red, amber = views.status_chip("red"), views.status_chip("amber")
    assert chips == sorted(chips, key=[red, amber].index) and chips[0] == red
    lags = [float(x.replace("−", "-").removesuffix("个百分点")) for x in lagging["进度差"]]
    for chip in (red, amber):
        mine = [lag for lag, c in zip(lags, chips, strict=True) if c == chip]
        assert mine == sorted(mine)
    assert "共25项，列出最需督办的15项" in " ".join(texts(at))
    assert lagging.iloc[0][["监管所", "任务项", "进度差"]].tolist() == FIRST_DUBAN

    at = rotate(kiosk_app(demo_url, monkeypatch, panels="map"))
    stations = at.table[0].value
    assert list(stations.columns) == ["监管所", "最差任务项", "进度差", "状态", "逾期问题"]
    assert stations["状态"].tolist() == [red] * 13 + [views.status_chip("green")] * 5
    assert stations.iloc[0][["监管所", "最差任务项", "进度差"]].tolist() == ["普集所", "抱团发展活动", "−89.1个百分点"]
    assert "各监管所最差任务项进度差（最需督办在前）" in texts(at)

    at = rotate(kiosk_app(demo_url, monkeypatch, panels="baobao"))
    assert [m.label for m in at.metric] == ["包保覆盖率", "督导完成率（本季度）", "高风险现场督导率", "问题整改率",
                                           "隐患整改率", "逾期未整改问题"]
    notes = " ".join(c.value for c in at.caption)
    assert "包保督导问题，累计：1,678/2,190个" in notes and "累计（1月至10月）整改375项/发现409项" in notes
    assert "各来源；按期整改率68.7%" in notes
