"""Each role sees exactly what the permission matrix says (AppTest on the demo database): its navigation, and on
包保督导 and 任务清单 the lists of one station — including a 监管所 account that edits the URL's query parameters
to ask for another station's lists."""

from __future__ import annotations

import ast

import pandas as pd
import pytest
import streamlit as st
from google.protobuf import text_format
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Dataframe, Table
from streamlit.util import calc_hash

from db import models as m
from db.engine import dispose_engines, get_engine
from services.rules import permissions
from tests.pages.conftest import ROOT, TEST_USERS, each_tab, fresh_app, sign_in

BAOBAO, TASKS = "app_pages/baobao.py", "app_pages/tasks.py"
OWN, OTHER = "明水所", "双山所"  # mingshui's station, and another
REFUSAL = "监管所账号只能查看本所（明水所）的主体、督导、问题和点位名单"
VIEWS = ["总览", "包保督导", "任务清单", "小作坊", "工作要点", "指标", "地图"]
# Written out once by hand: a wrong matrix in services.auth fails here, not only a wrong navigation.
EXPECTED_NAV = {
    "leader": [*VIEWS, "年终考核", "会议材料", "大屏", "导入记录", "上报监测"],
    "office": [*VIEWS, "年终考核", "会议材料", "大屏", "数据导入", "导入记录", "数据填报", "上报监测", "系统设置"],
    "mingshui": [*VIEWS, "大屏", "数据导入", "导入记录", "数据填报", "上报监测"],
    "admin": [*VIEWS, "年终考核", "大屏", "导入记录", "上报监测", "系统设置", "用户管理", "审计日志"],
}


def app_pages() -> list[tuple[str, str, str, str, str]]:
    """app.PAGES, read from the source (importing app.py would run the app)."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("app.py has no PAGES")


PAGES = app_pages()


SECTIONS = {section: [title for sec, title, *_ in PAGES if sec == section] for section, *_ in PAGES}


@pytest.fixture
def nav(monkeypatch):
    """The titles of the pages each run shows in st.navigation's menu (hidden pages left out), run by run;
    nav.calls holds each call's (sections → visible titles, keyword arguments)."""
    seen = NavSpy()
    real = st.navigation

    def spy(pages, *args, **kwargs):
        groups = pages if isinstance(pages, dict) else {"": list(pages)}
        visible = {sec: [p.title for p in group if p.visibility == "visible"] for sec, group in groups.items()}
        seen.append([t for titles in visible.values() for t in titles])
        seen.calls.append(({sec: ts for sec, ts in visible.items() if ts}, kwargs))
        return real(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)
    return seen


class NavSpy(list):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[dict[str, list[str]], dict]] = []


def open_url(at: AppTest, url: str) -> AppTest:
    """Run the app at /<url>, as a browser opening that link would (AppTest.switch_page only finds pages drawn
    from files; a forbidden URL is drawn by a callable). A page's script hash is Streamlit's hash of its url_path."""
    at._page_hash = calc_hash(url)
    return at.run()


@pytest.fixture
def downloads(monkeypatch):
    """Every frame a page offers for download (components.views.download), in order."""
    from components import views

    frames: list[pd.DataFrame] = []
    real = views.download

    def spy(df, **kwargs):
        frames.append(df.copy())
        return real(df, **kwargs)

    monkeypatch.setattr(views, "download", spy)
    return frames


def visible_text(at: AppTest, downloads: list[pd.DataFrame] = ()) -> str:
    """Everything a run put on the screen (every element's message, every table's cells) and its downloads."""
    parts: list[str] = []

    def walk(node) -> None:
        children = getattr(node, "children", None)
        if children is not None:  # a block: its own labels (tabs, expanders), then what it holds
            if getattr(node, "proto", None) is not None:
                parts.append(text_format.MessageToString(node.proto, as_utf8=True))
            for child in children.values():
                walk(child)
            return
        if isinstance(node, Dataframe | Table):  # cells travel as Arrow bytes: read them back as a frame
            parts.append(node.value.to_csv())
        else:
            parts.append(text_format.MessageToString(node.proto, as_utf8=True))

    walk(at.main)
    walk(at.sidebar)
    parts += [df.to_csv() for df in downloads]
    return "\n".join(parts)


def names_of(url: str, station: str) -> tuple[set[str], set[str]]:
    """Business names and task-site names (2022) held for this station and for no other."""
    with Session(get_engine(url)) as s:
        sid = s.exec(select(m.Station.id).where(m.Station.name == station)).one()

        def split(rows) -> tuple[set[str], set[str]]:
            here = {name for st_id, name in rows if st_id == sid and name}
            elsewhere = {name for st_id, name in rows if st_id != sid and name}
            return here, elsewhere

        biz_here, biz_else = split(s.exec(select(m.Business.station_id, m.Business.name)).all())
        items = s.exec(select(m.TaskItem.station_id, m.TaskItem.name, m.TaskItem.business_name)
                       .where(m.TaskItem.year == 2022)).all()
        site_here, site_else = split([(i, n) for i, n, _ in items] + [(i, b) for i, _, b in items])
    dispose_engines()
    return biz_here - biz_else, site_here - site_else


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def table(at: AppTest, column: str, *more: str) -> pd.DataFrame | None:
    """The first table holding all these columns."""
    return next((d.value for d in at.dataframe if {column, *more} <= set(d.value.columns)), None)


def open_page(url, monkeypatch, user, page, **params) -> AppTest:
    at = fresh_app(url, monkeypatch, user=user)
    for key, value in params.items():
        at.query_params[key] = value  # the URL holds the option as shown: ?bb_station=双山所
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# --- navigation by role ---------------------------------------------------------------------------


def test_the_expected_navigation_is_the_matrix():
    for user, (role, _) in TEST_USERS.items():
        assert [title for _, title, *_ in PAGES if permissions.can(role, title)] == EXPECTED_NAV[user], user


@pytest.mark.parametrize("user", list(TEST_USERS))
def test_each_role_gets_exactly_the_pages_it_may_read(demo_url, monkeypatch, nav, user):
    at = fresh_app(demo_url, monkeypatch, user=user).run()
    assert not at.exception, [e.value for e in at.exception]
    assert nav[-1] == EXPECTED_NAV[user]
    for _, title, path, _, url in PAGES:
        if title in EXPECTED_NAV[user]:
            at.switch_page(path).run()
            assert not at.exception, (title, [e.value for e in at.exception])
            assert nav[-1] == EXPECTED_NAV[user]
        else:  # not in the menu; its URL is registered (hidden) and says 无权访问
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(path)  # the page's own file is never registered for this role
            assert_forbidden(open_url(at, url), title)


def assert_forbidden(at: AppTest, title: str) -> None:
    """The Chinese 无权访问 page for this page: its title, who may open it, no data and no period selector."""
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [title]
    assert [e.value for e in at.error] == [f"无权访问：当前账号不能打开“{title}”页面。"]
    roles = "、".join(permissions.roles_for(title))
    assert [i.value for i in at.info] == [f"此页面供{roles}账号使用。如工作需要，请联系系统管理员开通权限；"
                                          "左侧菜单列出了当前账号可以打开的页面。"]
    assert not at.dataframe and not at.metric and not at.selectbox and not at.get("download_button")


@pytest.mark.parametrize(("url", "title", "roles"), [("users", "用户管理", "管理员"), ("audit", "审计日志", "管理员"),
                                                     ("briefing", "会议材料", "领导、食安办"),
                                                     ("settings", "系统设置", "食安办、管理员")])
def test_a_station_account_opening_an_admin_page_is_told_in_chinese(demo_url, monkeypatch, nav, url, title, roles):
    """明水所 at /users, /audit, /briefing, /settings: 无权访问 and who may, not "Page not found"."""
    at = open_url(fresh_app(demo_url, monkeypatch, user="mingshui"), url)
    assert_forbidden(at, title)
    assert any(f"此页面供{roles}账号使用" in i.value for i in at.info)
    assert nav[-1] == EXPECTED_NAV["mingshui"]  # still not in its menu
    assert "演示·明水所" in visible_text(at)  # the account line: the frame is drawn, logged in as before


def test_the_menu_is_grouped_in_sections_and_never_collapsed(demo_url, monkeypatch, nav):
    """Each role's menu by section (app.PAGES' 看板 / 数据 / 系统管理), every page shown: expanded=True, so
    Streamlit's English "View 3 more" never hides the office's 数据填报 / 上报监测 / 系统设置."""
    for user in TEST_USERS:
        fresh_app(demo_url, monkeypatch, user=user).run()
        sections, kwargs = nav.calls[-1]
        assert kwargs.get("expanded") is True
        want = {sec: [t for t in titles if t in EXPECTED_NAV[user]] for sec, titles in SECTIONS.items()}
        assert sections == {sec: titles for sec, titles in want.items() if titles}, user
    assert nav.calls[-1][0] == {"看板": [*VIEWS, "年终考核", "大屏"], "数据": ["导入记录", "上报监测"],
                                "系统管理": ["系统设置", "用户管理", "审计日志"]}  # admin, the last


def test_the_root_opens_the_roles_first_page_at_its_own_url(demo_url, monkeypatch, nav):
    """"/" switches to the first page (总览, at /overview): a link to /overview is a page like any other."""
    at = fresh_app(demo_url, monkeypatch, user="mingshui").run()
    assert not at.exception
    assert at.title[0].value.startswith("总览")
    assert at._finished_page_script_hash == calc_hash("overview")
    at = open_url(at, "overview")
    assert not at.exception and at.title[0].value.startswith("总览")


@pytest.mark.parametrize("param", ["token", "kiosk"])  # /kiosk?token=…, and the older ?kiosk=… links
def test_a_kiosk_token_sees_the_kiosk_and_no_other_page(demo_url, monkeypatch, nav, param):
    at = fresh_app(demo_url, monkeypatch, user=None)
    at.query_params[param] = "demo-kiosk"
    at.run()
    assert not at.exception
    assert nav[-1] == ["大屏", "大屏"]  # "/" and /kiosk draw the same screen (no menu); any other URL 无权访问
    assert nav.calls[-1][1] == {"position": "hidden"}
    assert any(m.value.startswith("第1/5屏") for m in at.markdown)
    assert not at.dataframe and not at.text_input and not at.button  # no login form, nothing to click
    for _, title, path, _, url in PAGES:
        if title == "大屏":
            at.switch_page(path).run()
            assert not at.exception
            continue
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(path)
        assert_forbidden(open_url(at, url), title)


def test_a_wrong_kiosk_token_is_nobody(demo_url, monkeypatch, nav):
    at = fresh_app(demo_url, monkeypatch, user=None)
    at.query_params["kiosk"] = "not-a-token"
    at.run()
    assert nav[-1] == ["登录"]
    assert [t.label for t in at.text_input] == ["用户名", "密码"]


def test_an_anonymous_run_shows_only_the_login_form(demo_url, monkeypatch, nav):
    at = fresh_app(demo_url, monkeypatch, user=None).run()
    assert not at.exception
    assert nav[-1] == ["登录"] and nav.calls[-1][1] == {"position": "hidden"}  # no menu
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.metric and not at.dataframe
    for _, _, path, _, url in PAGES:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(path)
        at = open_url(at, url)  # any page's URL: the login form, never the page
        assert not at.exception
        assert [t.label for t in at.text_input] == ["用户名", "密码"]
        assert not at.metric and not at.dataframe and not at.error


# --- 包保督导: a station's lists -----------------------------------------------------------------


def all_tabs(at: AppTest, downloads=()) -> tuple[list[str], list[pd.DataFrame], str]:
    """The 包保 page with each tab opened in turn (only the open one is drawn): every error, table and the text."""
    errs: list[str] = []
    frames: list[pd.DataFrame] = []
    texts: list[str] = []
    for _, tab in each_tab(at):
        errs += errors(tab)
        frames += [d.value for d in tab.dataframe]
        texts.append(visible_text(tab))
    return errs, frames, "\n".join([*texts, *(df.to_csv() for df in downloads)])


def in_frames(frames: list[pd.DataFrame], column: str, *more: str) -> pd.DataFrame | None:
    return next((df for df in frames if {column, *more} <= set(df.columns)), None)


def test_a_station_account_opens_baobao_on_its_own_lists(demo_url, monkeypatch, downloads):
    at = open_page(demo_url, monkeypatch, "mingshui", BAOBAO)
    assert at.selectbox(key="bb_station").value == "全区"
    assert any("汇总数据为全区" in c.value and f"本所（{OWN}）" in c.value for c in at.caption)
    # The figures stay district-wide: the 分组 table lists every station.
    groups = table(at, "监管所", "在营主体")
    assert len(groups) == 18
    errs, frames, shown = all_tabs(at, downloads)
    assert not errs
    nv = in_frames(frames, "主体", "包保干部", "镇街")
    od = in_frames(frames, "主体", "逾期天数")
    detail = in_frames(frames, "主体", "本季度督导次数")
    assert len(nv) and set(nv["监管所"]) == {OWN}
    assert set(od["监管所"]) <= {OWN}
    assert len(detail) and set(detail["监管所"]) == {OWN}
    assert downloads and all(set(df["监管所"]) <= {OWN} for df in downloads)
    # And no business of another station is named anywhere, in any tab, downloads included.
    others: set[str] = set()
    for station in (OTHER, "刁镇所", "黄河所"):
        others |= names_of(demo_url, station)[0]
    assert not [n for n in others if n in shown]


def test_a_station_account_asking_for_another_station_is_refused(demo_url, monkeypatch, downloads):
    at = open_page(demo_url, monkeypatch, "mingshui", BAOBAO, bb_station=OTHER)
    assert at.selectbox(key="bb_station").value == OTHER
    errs, frames, shown = all_tabs(at, downloads)
    assert errs == [REFUSAL] * 4  # not-visited, overdue, found by others, cadres: each list's place
    assert in_frames(frames, "主体") is None
    assert not downloads and not at.get("download_button")
    # The figures for that station are still shown.
    assert any(m.label == "包保覆盖率" for m in at.metric)
    businesses, _ = names_of(demo_url, OTHER)
    assert len(businesses) > 100
    assert not [n for n in businesses if n in shown]


def test_the_office_asking_for_that_station_sees_its_lists(demo_url, monkeypatch, downloads):
    at = open_page(demo_url, monkeypatch, "office", BAOBAO, bb_station=OTHER)
    assert not errors(at)
    nv = table(at, "主体", "包保干部", "镇街")
    assert len(nv) and set(nv["监管所"]) == {OTHER}
    assert downloads and set(downloads[0]["监管所"]) == {OTHER}
    businesses, _ = names_of(demo_url, OTHER)
    shown = visible_text(at, downloads)
    assert set(nv["主体"]) <= businesses and any(n in shown for n in businesses)  # the check above can see names


def test_one_viewers_cached_lists_never_serve_another(demo_url, monkeypatch):
    """The office fills the cache with 双山所's lists (every tab); mingshui, asking the same in the same process, is
    refused in every tab."""
    office_errs, _, _ = all_tabs(open_page(demo_url, monkeypatch, "office", BAOBAO, bb_station=OTHER))
    assert not office_errs
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)  # no cache cleared this time
    sign_in(at, demo_url, "mingshui")
    at.query_params["bb_station"] = OTHER
    at.run()
    at.switch_page(BAOBAO).run()
    assert not at.exception
    errs, frames, _ = all_tabs(at)
    assert errs == [REFUSAL] * 4
    assert in_frames(frames, "主体") is None


# --- 任务清单: a station's sites -----------------------------------------------------------------


def test_a_station_account_opens_tasks_on_its_own_sites(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, "mingshui", TASKS)
    assert not errors(at)
    assert at.selectbox(key="task_station").value == OWN
    sites = table(at, "名称", "计划月份")
    _, own_sites = names_of(demo_url, OWN)
    assert len(sites) and set(sites["名称"]) <= own_sites
    _, other_sites = names_of(demo_url, OTHER)
    shown = visible_text(at)
    assert not [n for n in other_sites if n in shown]


def test_a_station_account_asking_for_another_stations_sites_is_refused(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, "mingshui", TASKS, task_station=OTHER)
    assert at.selectbox(key="task_station").value == OTHER
    assert errors(at) == [REFUSAL]
    assert table(at, "名称", "计划月份") is None
    # That station's progress figures stay: they are counts, not sites.
    rows = table(at, "任务项", "目标", "累计完成", "完成率")
    assert rows is not None and len(rows)
    _, other_sites = names_of(demo_url, OTHER)
    assert len(other_sites) > 10
    shown = visible_text(at)
    assert not [n for n in other_sites if n in shown]


def test_the_office_sees_any_stations_sites(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, "office", TASKS, task_station=OTHER)
    assert not errors(at)
    sites = table(at, "名称", "计划月份")
    _, other_sites = names_of(demo_url, OTHER)
    assert len(sites) and set(sites["名称"]) <= other_sites
    assert any(n in visible_text(at) for n in other_sites)
