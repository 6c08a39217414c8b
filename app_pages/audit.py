"""审计日志 (管理员): who did what, when; filter and export."""

import streamlit as st

st.title("审计日志")
