"""The 大屏's look: a dark palette, large type, and CSS that makes every panel fit an unattended screen (a
smaller landscape screen shows the 1920×1080 layout scaled down) and a phone (the header wraps, no sideways scroll).
Fixed CSS only, scoped to a page that holds the kiosk."""

from __future__ import annotations

import streamlit as st

# Dark palette: the screen is dark whatever the viewer's own theme says.
BG = "#0b1622"
CARD = "#12243a"
BORDER = "#26405c"
TEXT = "#eef3f8"
MUTED = "#a9b8c9"
GRID = "#2b4159"


def apply_style(*, bare: bool) -> None:
    """Dark, large type, scoped to a page that holds the kiosk (so leaving it restores the normal look).

    Fixed CSS only (st.html sends a style-only block to the page without drawing anything). `bare` (a kiosk token)
    also hides Streamlit's header: its menu and running indicator are things to click or to flicker."""
    st.html(f"<style>{CSS}{BARE_CSS if bare else ''}</style>")


DESIGN = (1920, 1080)  # px: the screen every panel is laid out for; a smaller landscape screen shows it scaled
ROOT_FONT = 21  # px: 1rem on the kiosk
PAD_REM = 1.6  # the main block's left and right padding
# A full-width chart's width in px. Drawn at this width, not the container's: under the scaling (CSS zoom) Vega
# would measure the scaled container and draw a chart that fills only 71% of a 1366 px screen.
CHART_WIDTH = DESIGN[0] - 2 * round(PAD_REM * ROOT_FONT) - 8
ZOOM_STEPS = (0.9, 0.8, 0.7, 0.6, 0.5)
_ON = ".stApp:has(.st-key-kiosk-root)"


def _zoom_steps() -> str:
    """Media queries scaling the main block down in steps: the last that matches (the smallest) wins, and it is
    the largest step at which DESIGN fits the screen."""
    w, h = DESIGN
    return "\n".join(
        f"@media (min-width: 1000px) and (orientation: landscape) and "
        f"((max-width: {round(w * (z + 0.1)) - 1}px) or (max-height: {round(h * (z + 0.1)) - 1}px)) {{\n"
        f'  {_ON} [data-testid="stMainBlockContainer"] {{ zoom: {z}; }}\n}}'
        for z in ZOOM_STEPS)

_PANEL = f'{_ON} [class*="st-key-kiosk-panel"]'
CSS = f"""
html:has(.st-key-kiosk-root) {{ font-size: {ROOT_FONT}px; }}
{_ON}, {_ON} [data-testid="stHeader"], {_ON} [data-testid="stBottomBlockContainer"] {{
  background: {BG}; color: {TEXT}; }}
{_ON} [data-testid="stMainBlockContainer"] {{ padding: 0.8rem {PAD_REM}rem 0.4rem; max-width: 100%; }}
{_ON} [data-testid="stMarkdownContainer"], {_ON} [data-testid="stMetricValue"] {{ color: {TEXT}; }}
{_ON} [data-testid="stCaptionContainer"] {{ color: {MUTED}; font-size: 0.95rem; }}
{_ON} .stMarkdownColoredText {{ filter: brightness(1.9) saturate(1.3); }}
{_ON} [data-testid="stVerticalBlockBorderWrapper"], {_ON} [class*="st-key-kiosk-"] {{ border-color: {BORDER}; }}
{_ON} .st-key-kiosk-head [data-testid="stMarkdownContainer"] {{ line-height: 1.25; }}
{_ON} .st-key-kiosk-head p {{ font-size: 1.3rem; color: {MUTED}; white-space: nowrap; margin: 0; }}
{_ON} .st-key-kiosk-head [data-testid="stElementContainer"]:first-child p {{
  font-size: 2.1rem; font-weight: 700; color: {TEXT}; }}
{_ON} .st-key-kiosk-alerts [data-testid="stAlertContainer"] {{ padding: 0.3rem 0.8rem; }}
{_ON} .st-key-kiosk-alerts [data-testid="stAlertContentWarning"] {{ color: #ffd978; }}
{_ON} .st-key-kiosk-alerts [data-testid="stAlertContentError"] {{ color: #ffb3ad; }}
{_ON} .st-key-kiosk-alerts [data-testid="stAlertContainer"]:has([data-testid="stAlertContentWarning"]) {{
  background: #3b3212; }}
{_ON} .st-key-kiosk-alerts [data-testid="stAlertContainer"]:has([data-testid="stAlertContentError"]) {{
  background: #46191a; }}
{_ON} .st-key-kiosk-alerts [data-testid="stAlert"] [data-testid="stMarkdownContainer"] {{ color: inherit; }}
{_ON} .st-key-kiosk-alerts [data-testid="stAlert"] p {{ font-size: 1rem; }}
{_PANEL} p {{ font-size: 1.05rem; }}
{_PANEL} h3 {{ font-size: 1.25rem; font-weight: 600; color: {TEXT}; padding: 0.2rem 0 0.3rem; }}
{_PANEL} [data-testid="stMetricValue"] p {{ font-size: 2.5rem; font-weight: 700; line-height: 1.2; margin: 0; }}
{_PANEL} [data-testid="stMetricLabel"] {{ margin-bottom: 0.35rem; }}
{_PANEL} [data-testid="stMetricLabel"] p {{ font-size: 1.1rem; color: {MUTED}; }}
{_ON} [class*="st-key-kiosk-kpi-"] {{ background: {CARD}; gap: 0.15rem; padding: 0.5rem 0.6rem; }}
{_ON} [class*="st-key-kiosk-kpi-"] p {{ font-size: 1.05rem; line-height: 1.3; }}
{_ON} [class*="st-key-kiosk-kpi-"] [data-testid="stCaptionContainer"] p {{ font-size: 0.8rem; }}
{_ON} [class*="st-key-kiosk-task-"], {_ON} [class*="st-key-kiosk-bb-"] {{ background: {CARD}; gap: 0.3rem; }}
{_ON} [class*="st-key-kiosk-task-"] p, {_ON} [class*="st-key-kiosk-bb-"] p {{ font-size: 1.1rem; }}
{_ON} [data-testid="stProgressBarTrack"] {{ background-color: {GRID}; }}
{_ON} [data-testid="stTable"] table {{ color: {TEXT}; border-color: {BORDER}; }}
{_ON} [data-testid="stTable"] th, {_ON} [data-testid="stTable"] td {{ border-color: {BORDER}; padding: 0.22rem 0.6rem; }}
{_ON} [data-testid="stTable"] th {{ background: {CARD}; }}
{_ON} [data-testid="stTable"] th [data-testid="stMarkdownContainer"] {{ color: {MUTED}; }}
{_ON} [data-testid="stTable"] td [data-testid="stMarkdownContainer"] {{ color: inherit; }}
{_ON} [data-testid="stTable"] p {{ font-size: 1rem; }}
{_ON} .st-key-kiosk-panel-duban [data-testid="stTable"] p {{ font-size: 1.15rem; }}
{_ON} [data-testid="stDeckGlJsonChart"] {{ background: {CARD}; border-radius: 0.5rem; }}
{_ON} [data-testid="stElementToolbar"] {{ display: none; }}
{_PANEL} [data-testid="stMetricLabel"], {_PANEL} [data-testid="stMetricLabel"] * {{
  white-space: normal; overflow: visible; text-overflow: clip; }}
/* An unattended screen is never scrolled: a landscape screen smaller than 1920×1080 shows the 1920×1080 layout
   scaled down to fit (a 1366×768 screen at 0.71), so every panel fits wherever it fits at 1920×1080. Steps for a
   browser without typed arithmetic in calc(), then the exact scale. */
{_zoom_steps()}
@media (min-width: 1000px) and (orientation: landscape) {{
  {_ON} [data-testid="stMainBlockContainer"] {{ zoom: min(1, calc(100vw / {DESIGN[0]}px), calc(100vh / {DESIGN[1]}px)); }}
  {_ON} [data-testid="stTable"] td {{ white-space: nowrap; }}
}}
/* A phone is held, not hung: the header wraps, the panel scrolls down, nothing reaches past the right edge (a
   full-width chart scrolls sideways in its own box). */
@media (max-width: 999px), (orientation: portrait) {{
  {_PANEL} [data-testid="stVegaLiteChart"] {{ max-width: 100%; overflow-x: auto; overflow-y: hidden; }}
}}
@media (max-width: 640px) {{
  html:has(.st-key-kiosk-root) {{ font-size: 16px; }}
  {_ON} [data-testid="stMainBlockContainer"] {{ padding: 0.6rem 0.8rem 0.4rem; }}
  {_ON} .st-key-kiosk-head {{ flex-direction: column; align-items: flex-start; gap: 0.2rem; }}
  {_ON} .st-key-kiosk-head > * {{ width: auto; max-width: 100%; flex: 0 0 auto; }}
  {_ON} .st-key-kiosk-head [data-testid="stMarkdownContainer"] {{ margin-bottom: 0; }}
  {_ON} .st-key-kiosk-head [data-testid="stElementContainer"]:nth-child(2) {{ display: none; }}
  {_ON} .st-key-kiosk-head p {{ white-space: normal; line-height: 1.35; }}
  {_ON} .st-key-kiosk-head [data-testid="stElementContainer"]:first-child p {{ font-size: 1.6rem; }}
}}
"""
BARE_CSS = f"""
{_ON} [data-testid="stHeader"], {_ON} [data-testid="stToolbar"], {_ON} [data-testid="stDecoration"],
{_ON} [data-testid="stStatusWidget"] {{ display: none; }}
{_ON} [data-testid="stSidebar"], {_ON} [data-testid="stSidebarCollapsedControl"],
{_ON} [data-testid="stExpandSidebarButton"] {{ display: none; }}
"""
