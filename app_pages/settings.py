"""系统设置 (食安办, 管理员): the last backup (a warning when there is none or it is old), the 大屏's interval, panels
and stale-report warning. The change goes through services/kiosk, which checks the role again and writes the audit
row."""

import datetime as dt

import streamlit as st

from components import auth as web_auth
from services import assessment, backups, meeting, population
from services import kiosk as kiosk_db
from services.rules import assessment as assessment_rules
from services.rules import fmt
from services.rules.permissions import ACT, can

FLASH = "settings_flash"  # the success message for the run after a save

viewer = web_auth.current_user()
st.title("系统设置")
if not can(viewer.role, kiosk_db.SETTINGS_PAGE, ACT):
    st.error(f"当前账号无权操作“{kiosk_db.SETTINGS_PAGE}”")
    st.stop()
if flash := st.session_state.pop(FLASH, None):
    st.success(fmt.md_escape(flash))

st.subheader("备份")
backup_state = backups.status(dt.datetime.now(dt.UTC), viewer=viewer)
(st.info if backup_state.fresh else st.warning)(backups.status_markdown(backup_state))
st.caption(backups.HOW_TO)  # a constant: its commands in code spans

current = kiosk_db.kiosk_settings()

st.subheader("大屏")
st.caption("大屏用“大屏令牌”打开，无须登录：先在“用户管理 → 大屏令牌”中新增令牌，再在大屏电脑的浏览器中打开其地址"
           "（见下方“大屏地址与网址参数”）。轮播按下面的设置；网址中写明的间隔和面板优先。")
with st.expander("大屏地址与网址参数"):
    base = web_auth.server_base_url() or "http://服务器地址:端口"
    st.markdown(f"大屏地址：`{base}/kiosk?token=大屏令牌`  \n"
                "临时改变轮播：在地址后加 `&rotate=20`（每屏停留秒数），或 `&panels=` 加下表的写法、以英文逗号分隔"
                "（如 `&panels=kpi,map` 只轮播重点指标和监管所地图）。")
    st.dataframe({"面板": list(kiosk_db.PANELS.values()), "网址中的写法": list(kiosk_db.PANEL_IDS)},
                 hide_index=True, width="content")
with st.form("kiosk-settings"):
    interval = st.number_input("轮播间隔（秒）", min_value=kiosk_db.MIN_INTERVAL, max_value=kiosk_db.MAX_INTERVAL,
                               value=current.interval, step=1, key="kiosk_interval",
                               help=f"每屏停留的时间，最少{kiosk_db.MIN_INTERVAL}秒")
    panels = st.multiselect("轮播面板（按选择的先后顺序轮播）", list(kiosk_db.PANEL_IDS), default=list(current.panels),
                            format_func=kiosk_db.PANELS.get, placeholder="请选择", key="kiosk_panels")
    stale_days = st.number_input("月报滞后提醒（天）", min_value=1, max_value=kiosk_db.MAX_STALE_DAYS,
                                 value=current.stale_days, step=1, key="kiosk_stale_days",
                                 help="最新一次月报的日期早于“数据截至”日期超过这么多天时，大屏显示提醒")
    submitted = st.form_submit_button("保存", type="primary")

if submitted:
    try:
        saved = kiosk_db.save_kiosk_settings(viewer=viewer, interval=int(interval), panels=panels,
                                             stale_days=int(stale_days))
    except (ValueError, PermissionError) as exc:
        st.error(fmt.md_escape(exc))
    else:
        st.session_state[FLASH] = (f"已保存：每{saved.interval}秒轮播，面板依次为"
                                   f"{'、'.join(kiosk_db.PANELS[p] for p in saved.panels)}；"
                                   f"月报滞后{saved.stale_days}天提醒。各大屏在下一屏时生效。")
        st.rerun()

st.subheader("会议材料署名")
st.caption("会议材料（Word、Excel）的文档属性写明的作者和单位。")
sign = meeting.signature()
with st.form("signature-settings"):
    org_name = st.text_input("作者（单位名称）", value=sign["organisation"], max_chars=meeting.MAX_NAME, key="sign_org")
    office_name = st.text_input("单位（办公室名称）", value=sign["office"], max_chars=meeting.MAX_NAME,
                                key="sign_office")
    signed = st.form_submit_button("保存署名", type="primary")
if signed:
    try:
        saved_sign = meeting.save_signature(viewer=viewer, organisation_name=org_name, office_name=office_name)
    except (ValueError, PermissionError) as exc:
        st.error(fmt.md_escape(exc))
    else:
        st.session_state[FLASH] = f"已保存：会议材料署名为{saved_sign['organisation']}（{saved_sign['office']}）。"
        st.rerun()

st.subheader("年终督导考核")
st.caption("各项权重（合计100）与表彰线、批评线，用于“年终考核”页、考核得分导出和考核通报。写法如："
           + fmt.md_escape(assessment_rules.weights_text(assessment_rules.DEFAULT)) + "（默认值）。")
with st.form("assessment-settings"):
    weights_text = st.text_area("权重与表彰线、批评线", value=assessment_rules.weights_text(assessment.weights()),
                                key="assessment_weights", height=80)
    weighed = st.form_submit_button("保存考核权重", type="primary")
if weighed:
    try:
        saved_w = assessment.save_weights(viewer=viewer, text=weights_text)
    except (ValueError, PermissionError) as exc:
        st.error(fmt.md_escape(exc))
    else:
        st.session_state[FLASH] = f"已保存考核权重：{assessment_rules.weights_text(saved_w)}。"
        st.rerun()

st.subheader("常住人口")
st.caption("用于计算“监督抽检批次/千人”（批次 ÷ 常住人口 × 1000），默认取区的统计公报人口。可写人数或“万”，如 1101000 或 110.1万。")
current_pop = population.population()
with st.form("population-settings"):
    pop_text = st.text_input("常住人口（人）", value="" if current_pop is None else str(current_pop),
                             key="population")
    counted = st.form_submit_button("保存常住人口", type="primary")
if counted:
    try:
        saved_pop = population.save_population(viewer=viewer, text=pop_text)
    except (ValueError, PermissionError) as exc:
        st.error(fmt.md_escape(exc))
    else:
        st.session_state[FLASH] = f"已保存常住人口：{fmt.num(saved_pop)}人。"
        st.rerun()
