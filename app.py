"""The frame: page config, who is looking, navigation by role, the period selector and the demo banner — on every run
and branch. Every page is registered for every role: a page a role may not see is hidden from its menu and its URL
draws a Chinese 无权访问 page instead of the page (never Streamlit's "Page not found"); nobody logged in meets the
login form at every URL. The data layer checks again (services.rules.permissions, services/access.py)."""

import functools
import importlib
import pkgutil

import streamlit as st

import components
import services
from components import auth, chrome, data, kiosk, period, responsive
from services.rules.permissions import KIOSK, can

st.set_page_config(page_title="食安督导看板", page_icon="📊", layout="wide", initial_sidebar_state="auto")
# "auto": the sidebar starts expanded on a desktop and collapsed on a phone (Streamlit's md breakpoint).

# (section, page title, file, icon, url path); the first page a role may see is its default.
PAGES = [
    ("看板", "总览", "app_pages/overview.py", ":material/dashboard:", "overview"),
    ("看板", "包保督导", "app_pages/baobao.py", ":material/handshake:", "baobao"),
    ("看板", "任务清单", "app_pages/tasks.py", ":material/checklist:", "tasks"),
    ("看板", "小作坊", "app_pages/workshops.py", ":material/storefront:", "workshops"),
    ("看板", "工作要点", "app_pages/plans.py", ":material/folder_open:", "plans"),
    ("看板", "指标", "app_pages/kpis.py", ":material/speed:", "kpis"),
    ("看板", "地图", "app_pages/map.py", ":material/map:", "map"),
    ("看板", "年终考核", "app_pages/assessment.py", ":material/military_tech:", "assessment"),
    ("看板", "会议材料", "app_pages/briefing.py", ":material/description:", "briefing"),
    ("看板", "大屏", "app_pages/kiosk.py", ":material/tv:", "kiosk"),
    ("数据", "数据导入", "app_pages/imports.py", ":material/upload_file:", "import"),
    ("数据", "导入记录", "app_pages/import_log.py", ":material/history_edu:", "import-log"),
    ("数据", "数据填报", "app_pages/entry.py", ":material/edit_note:", "entry"),
    ("数据", "上报监测", "app_pages/submissions.py", ":material/fact_check:", "submissions"),
    ("系统管理", "系统设置", "app_pages/settings.py", ":material/settings:", "settings"),
    ("系统管理", "用户管理", "app_pages/users.py", ":material/manage_accounts:", "users"),
    ("系统管理", "审计日志", "app_pages/audit.py", ":material/history:", "audit"),
]
# Pages that draw the period selector (the management pages do not depend on it).
PERIOD_PAGES = {"总览", "包保督导", "任务清单", "小作坊", "工作要点", "指标", "地图", "年终考核", "会议材料", "上报监测"}


def navigation_for(role: str | None) -> dict[str, list]:
    """The role's menu by section: its pages, and every other page hidden, drawing 无权访问 at its URL.
    Empty when the role may see no page (nobody logged in)."""
    if not any(can(role, title) for _, title, *_ in PAGES):
        return {}
    sections: dict[str, list] = {}
    home = None
    for section, title, path, icon, url in PAGES:
        if can(role, title):
            page = st.Page(path, title=title, icon=icon, url_path=url)
            home = home or page
        else:
            page = forbidden_page(title, icon, url)
        sections.setdefault(section, []).append(page)
    # Streamlit serves the default page at "/" and answers its own url_path with an English "Page not found":
    # the default is a hidden page that switches to the role's first page, so /overview works as any page does.
    next(iter(sections.values())).append(st.Page(functools.partial(go_to, home), title=home.title, icon=home.icon,
                                                 url_path="home", default=True, visibility="hidden"))
    if path := chrome.unknown_path({url for *_, url in PAGES} | {"home"}):  # /foo: said in Chinese
        next(iter(sections.values())).append(st.Page(functools.partial(chrome.not_found, path), title="页面不存在",
                                                     icon=":material/link_off:", url_path=path, visibility="hidden"))
    return sections


def go_to(page) -> None:
    """The "/" of a logged-in role: its first page, keeping the query parameters of the link."""
    st.switch_page(page, query_params=st.query_params.to_dict())


def forbidden_page(title: str, icon: str, url: str):
    """A page this role may not open: not in its menu; its URL says so in Chinese (never the page's own file)."""
    return st.Page(functools.partial(auth.forbidden, title), title=title, icon=icon, url_path=url,
                   visibility="hidden")


def login_pages() -> list:
    """The login form at "/", /login and every page's URL: a link opened before logging in meets the form, and after
    logging in the same URL draws its page. As in navigation_for, the default page (served at "/") has a url_path
    nobody links to, since Streamlit answers the default page's own url_path with an English "Page not found"."""
    form = auth.login_form
    urls = [*(url for *_, url in PAGES), "login"]
    if unknown := chrome.unknown_path({*urls, "home"}):  # /foo: the form too, not "Page not found"
        urls.append(unknown)
    return [st.Page(form, title="登录", icon=":material/login:", url_path="home", default=True),
            *(st.Page(form, title="登录", icon=":material/login:", url_path=url, visibility="hidden") for url in urls)]


@st.cache_resource(show_spinner=False)
def load_modules() -> int:
    """Import every module of components/ and services/ (and so what they import) once per process, in the first
    session while any other waits here. Two sessions importing them for the first time at once, from different
    pages, can deadlock in Python's per-module import locks (_DeadlockError, seen with two 监管所 sessions opening
    任务清单 and 工作要点 together). Returns how many modules were imported."""
    names = [info.name for pkg in (components, services)
             for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{pkg.__name__}.")]
    for name in names:
        importlib.import_module(name)
    return len(names)


load_modules()  # before anything else imports lazily; then the background warm-up
data.warm_up()  # once per process, in a background thread
chrome.apply()  # Streamlit's own English strings in Chinese (CSS only)
responsive.apply()  # phone layout and the map's height (components/responsive.py)
who = auth.principal()
sections = navigation_for(who.role)
if not sections:
    st.navigation(login_pages(), position="hidden").run()
    st.stop()

if who.role == KIOSK:  # a kiosk token: the 大屏 is its only page; no menu, no sidebar, nothing to click
    st.set_page_config(page_title="大屏 · 食安督导看板", initial_sidebar_state="collapsed")
    # Streamlit serves a navigation's default page at "/" and answers its own url_path with "page not found":
    # the 大屏 at /kiosk is therefore not the default; "/" (the older ?kiosk=TOKEN links) draws the same screen.
    _, title, path, icon, url = next(row for row in PAGES if row[1] == "大屏")
    home = st.Page(kiosk.show, title=title, icon=icon, url_path="screen", default=True)
    others = [forbidden_page(t, i, u) for _, t, _, i, u in PAGES if t != title]
    st.navigation([home, st.Page(path, title=title, icon=icon, url_path=url), *others], position="hidden").run()
    st.stop()

# expanded=True: every page of the role shows, never behind Streamlit's English "View 3 more".
nav = st.navigation(sections, expanded=True)
if nav.url_path == "":  # "/": the hidden default switches to the role's first page before anything is drawn
    nav.run()
allowed = can(who.role, nav.title)
if nav.title == "大屏":
    st.set_page_config(initial_sidebar_state="collapsed")
if allowed and nav.title in PERIOD_PAGES:
    period.select()
auth.sidebar_account(who)
if data.is_demo_database() and nav.title != "大屏":  # the 大屏 shows its own, in its header
    st.warning("示例数据：进度、台账、督导记录与指标数值为生成的演示数据，并非真实统计；任务目标与配档表取自章丘区2022年文件。",
               icon=":material/warning:")
nav.run()
