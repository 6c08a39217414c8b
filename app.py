"""The frame: page config, the period selector, the demo banner and navigation — on every run and branch."""

import streamlit as st

from components import data, period

st.set_page_config(page_title="食安督导看板", page_icon="📊", layout="wide", initial_sidebar_state="expanded")

PAGES = {
    "看板": [
        st.Page("app_pages/overview.py", title="总览", icon=":material/dashboard:", default=True, url_path="overview"),
        st.Page("app_pages/baobao.py", title="包保督导", icon=":material/handshake:", url_path="baobao"),
        st.Page("app_pages/tasks.py", title="任务清单", icon=":material/checklist:", url_path="tasks"),
        st.Page("app_pages/plans.py", title="工作要点", icon=":material/folder_open:", url_path="plans"),
        st.Page("app_pages/kpis.py", title="指标", icon=":material/speed:", url_path="kpis"),
        st.Page("app_pages/map.py", title="地图", icon=":material/map:", url_path="map"),
    ],
}

nav = st.navigation(PAGES)
period.select()
if data.is_demo_database():
    st.warning("示例数据：进度、台账、督导记录与指标数值为生成的演示数据，并非真实统计；任务目标与配档表取自章丘区2022年文件。",
               icon=":material/warning:")
nav.run()
