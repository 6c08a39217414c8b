"""Chart builders that need no Streamlit: the station ranking and the monthly trend (pages and the meeting pack)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from services.rules import fmt
from services.rules.style import FONT, PACE_LINE, PRIMARY, STATUS_COLORS, STATUS_LABELS


def mean_lag_status(mean_lag_pp: float, expected_rate: float) -> str:
    """A colour from a mean lag alone (behind by more than 10% of the expected rate is red), for frames that carry
    no worst_status; a station's own status is its worst indicator's (metrics.station_lag)."""
    if pd.isna(mean_lag_pp):
        return "grey"
    if mean_lag_pp >= 0:
        return "green"
    return "amber" if mean_lag_pp >= -10 * expected_rate else "red"


def ranking_frame(df: pd.DataFrame, *, expected_rate: float, value: str = "worst_lag_pp",
                  label: str = "最差任务项进度差（百分点）") -> tuple[pd.DataFrame, str]:
    """build_ranking's rows (value, color, 状态, 最差任务项, 平均进度差 beside the frame's own columns) and the value
    axis' title."""
    if value not in df and "mean_lag_pp" in df:  # a frame of mean lags only
        value, label = "mean_lag_pp", "平均进度差（百分点）"
    if "worst_status" in df:
        status = df["worst_status"].fillna("grey")
    else:
        status = df[value].map(lambda x: mean_lag_status(x, expected_rate))
    data = df.assign(
        value=df[value].map(lambda x: fmt.round_half_up(x)),
        color=status.map(lambda s: STATUS_COLORS.get(s, STATUS_COLORS["grey"])),
        状态=status.map(lambda s: STATUS_LABELS.get(s, "")),
        最差任务项=df["worst_indicator"] if "worst_indicator" in df else "",
        平均进度差=df["mean_lag_pp"].map(lambda x: fmt.round_half_up(x)) if "mean_lag_pp" in df else None,
    )
    return data, label


def ranking_encoding(label: str) -> dict:
    """The ranking's channels as Vega-Lite: build_ranking's (Altair takes them as they are) and components.views.
    ranking_spec's, which writes the spec without Altair (~20 ms a chart to build and convert)."""
    return {
        "color": {"field": "color", "scale": None, "type": "nominal"},
        "tooltip": [{"field": "station", "title": "监管所", "type": "nominal"}, {"field": "状态", "type": "nominal"},
                    {"field": "最差任务项", "type": "nominal"},
                    {"field": "value", "title": label, "type": "quantitative"},
                    {"field": "平均进度差", "title": "平均进度差（百分点）", "type": "quantitative"}],
        "x": {"axis": {"titlePadding": 12}, "field": "value", "title": label, "type": "quantitative"},
        "y": {"axis": {"labelLimit": 120, "labelOverlap": False}, "field": "station",
              "sort": {"field": "value", "order": "ascending"}, "title": None, "type": "nominal"},
    }


def ranking_height(n: int) -> int:
    return max(200, 22 * n)


def build_ranking(df: pd.DataFrame, *, expected_rate: float, value: str = "worst_lag_pp",
                  label: str = "最差任务项进度差（百分点）") -> alt.Chart:
    """Stations ranked by their worst 任务项's lag (metrics.station_lag), coloured by their status, which is
    that indicator's: one red indicator makes the bar red. The tooltip names the indicator and gives the mean lag as
    a second figure. A frame without worst_status (an older caller) is coloured by its mean lag."""
    data, label = ranking_frame(df, expected_rate=expected_rate, value=value, label=label)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(**ranking_encoding(label))  # the channels as Vega-Lite, as components.views.ranking_spec writes them
        .properties(height=ranking_height(len(data)))
        .configure(font=FONT)
    )


def trend_rows(df: pd.DataFrame, *, value: str = "rate", expected: str = "expected_rate",
               pace: str = "时序进度") -> list[dict]:
    """build_trend's rows: per month the actual and the expected value (时序进度 in the window; `pace` = 目标 for a
    level KPI, 应达 for a once KPI), in % (None when missing)."""
    rows = []
    for r in df.itertuples():
        rows.append({"月份": f"{r.month}月", "m": r.month, "系列": "实际", "值": fmt.round_half_up(getattr(r, value) * 100)
                     if not pd.isna(getattr(r, value)) else None})
        rows.append({"月份": f"{r.month}月", "m": r.month, "系列": pace, "值": fmt.round_half_up(getattr(r, expected) * 100)
                     if not pd.isna(getattr(r, expected)) else None})
    return rows


def build_trend(df: pd.DataFrame, *, value: str = "rate", expected: str = "expected_rate",
                title: str = "完成率") -> alt.Chart:
    """Monthly actual against the time-schedule line (both as % of target)."""
    data = pd.DataFrame(trend_rows(df, value=value, expected=expected))
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("月份:N", sort=alt.EncodingSortField("m"), title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("值:Q", title=f"{title}（%）"),
            color=alt.Color("系列:N", scale=alt.Scale(domain=["实际", "时序进度"], range=[PRIMARY, PACE_LINE]),
                            legend=alt.Legend(title=None, orient="top")),
            strokeDash=alt.StrokeDash("系列:N", scale=alt.Scale(domain=["实际", "时序进度"], range=[[1, 0], [5, 4]]),
                                      legend=None),
            tooltip=["月份:N", "系列:N", alt.Tooltip("值:Q", format=".1f", title=f"{title}（%）")],
        )
        .properties(height=260)
        .configure(font=FONT)
    )
