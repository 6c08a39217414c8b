"""用户管理 (管理员): accounts, passwords, unlocks, kiosk tokens."""

import streamlit as st

st.title("用户管理")
