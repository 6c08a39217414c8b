"""Layout for small screens and for the map's height: fixed CSS, sent once per run by app.py.

Streamlit stacks st.columns below 640 px by itself; what it does not do: narrow the main area's padding on a phone,
keep wide content (long words, code, tables) inside the screen, and size the 地图 page's map to the screen's height
(at least ~60% of a phone's, most of a desktop's). Selectors are Streamlit 1.67's data-testids and the `st-key-…`
classes of keyed containers.
"""

from __future__ import annotations

import streamlit as st

from components.map_layers import MAP_FRAME

PHONE_MAX = 640  # px: Streamlit's own breakpoint for stacking columns
MAP_CSS_HEIGHT = "clamp(420px, 72vh, 860px)"  # 844 px phone: 608 px (72%); 1000 px desktop: 720 px

CSS = f"""
.st-key-{MAP_FRAME} [data-testid="stDeckGlJsonChart"],
.st-key-{MAP_FRAME} [data-testid="stElementContainer"]:has([data-testid="stDeckGlJsonChart"]) {{
  height: {MAP_CSS_HEIGHT} !important; }}
[data-testid="stMain"] [data-testid="stMarkdownContainer"] {{ overflow-wrap: anywhere; }}
/* 总览's headline and 需要督办 lines break only at spaces and punctuation, never inside "−89.1个百分点" */
.st-key-narrative [data-testid="stMarkdownContainer"] p, .st-key-act-now [data-testid="stMarkdownContainer"] p {{
  word-break: keep-all; }}
/* a figure card's label in full, on two lines when it must (Streamlit cuts it with "…" to one line) */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }}
@media (max-width: {PHONE_MAX}px) {{
  [data-testid="stMainBlockContainer"] {{ padding-left: 0.75rem; padding-right: 0.75rem; padding-top: 3.5rem; }}
  [data-testid="stMain"] h1 {{ font-size: 1.75rem; }}
  [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap; }}
  [data-testid="stMain"] [data-testid="stTable"] {{ overflow-x: auto; max-width: 100%; }}
  /* a row of figure cards: two a line instead of one, so a phone shows them without a long scroll */
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])
    > [data-testid="stColumn"] {{ min-width: calc(50% - 0.5rem) !important; flex: 1 1 calc(50% - 0.5rem) !important; }}
}}
"""


def apply() -> None:
    """Send the CSS (a style-only st.html block draws nothing)."""
    st.html(f"<style>{CSS}</style>")
