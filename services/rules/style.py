"""Visual constants with stable names: status colours and labels, fonts, sizes."""

from __future__ import annotations

STATUS_COLORS = {
    "green": "#2e9d5b",  # on or ahead of the time schedule
    "amber": "#e0a100",  # within 90% of the expected figure
    "red": "#d64541",  # further behind
    "grey": "#9aa3ad",  # nothing reported this year
}
STATUS_LABELS = {"green": "达到进度", "amber": "略有滞后", "red": "明显滞后", "grey": "未报"}
STATUS_ORDER = ("red", "amber", "grey", "green")
# Streamlit markdown colour names for captions; "●" (in every CJK font) instead of emoji, which a kiosk's
# Linux Chromium may lack.
STATUS_MD = {"green": "green", "amber": "orange", "red": "red", "grey": "gray"}
DOT = "●"

PRIMARY = "#1f5fa8"
MUTED = "#5b6775"
TRACK = "#e6ebf1"  # the empty part of a gauge or progress bar
PACE_LINE = "#1c2430"  # the expected-to-date marker

BOUNDARY_RGBA = [31, 95, 168, 255]  # district outline on the map

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


def status_rgba(status: str, alpha: int = 230) -> list[int]:
    hex_ = STATUS_COLORS.get(status, STATUS_COLORS["grey"]).lstrip("#")
    return [int(hex_[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]
