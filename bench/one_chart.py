"""The yardstick of bench/browser.py (issue 21): a one-chart Streamlit page, a heading and one Altair line chart of
twelve months, served by the same Streamlit with the same .streamlit/config.toml as the app."""

import altair as alt
import pandas as pd
import streamlit as st

st.title("单图页")
frame = pd.DataFrame({"月份": [f"{m}月" for m in range(1, 13)], "完成率": [m / 12 for m in range(1, 13)]})
st.altair_chart(alt.Chart(frame).mark_line(point=True).encode(x=alt.X("月份", sort=None), y="完成率"),
                width="stretch")
