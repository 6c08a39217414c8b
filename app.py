"""The frame: page config, who is looking, navigation by role, the period selector and the demo banner — on every run
and branch. A page a role may not see is not in its navigation, so a direct link to it is "not found"; the data
layer checks again (services.rules.permissions, services/access.py)."""

import importlib
import pkgutil

import streamlit as st

import components
import services
from components import auth, data, kiosk, period, responsive
from services.rules.permissions import KIOSK, can

st.set_page_config(page_title="食安督导看板", page_icon="📊", layout="wide", initial_sidebar_state="expanded")

# (section, page title, file, icon, url path); the first page a role may see is its default.
PAGES = [
    ("看板", "总览", "app_pages/overview.py", ":material/dashboard:", "overview"),
    ("看板", "包保督导", "app_pages/baobao.py", ":material/handshake:", "baobao"),
    ("看板", "任务清单", "app_pages/tasks.py", ":material/checklist:", "tasks"),
    ("看板", "工作要点", "app_pages/plans.py", ":material/folder_open:", "plans"),
    ("看板", "指标", "app_pages/kpis.py", ":material/speed:", "kpis"),
    ("看板", "地图", "app_pages/map.py", ":material/map:", "map"),
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
PERIOD_PAGES = {"总览", "包保督导", "任务清单", "工作要点", "指标", "地图", "会议材料", "上报监测"}


def navigation_for(role: str | None) -> dict[str, list]:
    sections: dict[str, list] = {}
    for section, title, path, icon, url in PAGES:
        if can(role, title):
            first = not sections
            sections.setdefault(section, []).append(
                st.Page(path, title=title, icon=icon, url_path=url, default=first))
    return sections


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
responsive.apply()  # phone layout and the map's height (components/responsive.py)
auth.sync_cookie()
who = auth.principal()
sections = navigation_for(who.role)
if not sections:
    nav = st.navigation([st.Page(auth.login_form, title="登录", icon=":material/login:", url_path="login")],
                       position="hidden")
    nav.run()
    st.stop()

if who.role == KIOSK:  # a kiosk token: the 大屏 is its only page; no menu, no sidebar, nothing to click
    st.set_page_config(page_title="大屏 · 食安督导看板", initial_sidebar_state="collapsed")
    # Streamlit serves a navigation's default page at "/" and answers its own url_path with "page not found":
    # the 大屏 at /kiosk is therefore not the default; "/" (the older ?kiosk=TOKEN links) draws the same screen.
    _, title, path, icon, url = next(row for row in PAGES if row[1] == "大屏")
    home = st.Page(kiosk.show, title=title, icon=icon, url_path="screen", default=True)
    st.navigation([home, st.Page(path, title=title, icon=icon, url_path=url)], position="hidden").run()
    st.stop()

nav = st.navigation(sections)
if nav.title == "大屏":
    st.set_page_config(initial_sidebar_state="collapsed")
if nav.title in PERIOD_PAGES:
    period.select()
auth.sidebar_account(who)
if data.is_demo_database() and nav.title != "大屏":  # the 大屏 shows its own, in its header
    st.warning("示例数据：进度、台账、督导记录与指标数值为生成的演示数据，并非真实统计；任务目标与配档表取自章丘区2022年文件。",
               icon=":material/warning:")
nav.run()
