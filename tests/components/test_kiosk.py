"""The 大屏's drawing helpers without a Streamlit run: shared charts recoloured for the dark screen with large text
(and their data untouched), the station bars, and names from the data made inert in st.table's Markdown cells."""

from __future__ import annotations

import json

import pandas as pd

from components import kiosk, views
from components.gauge import build_gauge
from services.rules import fmt
from services.rules.style import STATUS_COLORS

ROW = {"name": "#1c2430 核查处置按时完成率", "unit": "%", "target": 0.95, "rate": 0.9, "expected_rate": 0.95,
       "status": "amber", "lag_pp": -5.0, "direction": ">=", "kpi_id": 1}


def marks_and_config(spec: dict) -> str:
    return json.dumps({k: v for k, v in spec.items() if k != "datasets"}, ensure_ascii=False)


def test_a_gauge_for_the_dark_screen():
    spec = kiosk.dark(build_gauge(ROW, size=kiosk.GAUGE_SIZE, width=kiosk.GAUGE_WIDTH, note_font=kiosk.CHART_FONT,
                                  titled=False), title=False)  # as the kiosk's cards draw it: they write the name
    drawn = marks_and_config(spec)
    assert "#1c2430" not in drawn.lower() and "#5b6775" not in drawn.lower()  # desk-screen text colours
    assert kiosk.TEXT in drawn and "title" not in spec
    assert spec["background"] == "transparent"
    sizes = [m.get("fontSize") for layer in spec["layer"] for m in [layer["mark"]] if isinstance(m, dict)]
    assert [s for s in sizes if s is not None] and min(s for s in sizes if s is not None) >= kiosk.CHART_FONT
    # The data keeps what it said, even a name that looks like a colour.
    assert any(row.get("指标") == ROW["name"] for rows in spec["datasets"].values() for row in rows)


def test_the_ranking_for_the_dark_screen_is_taller_with_large_labels():
    lags = pd.DataFrame({"station": ["明水所", "双山所"], "mean_lag_pp": [-3.3, -14.1]})
    spec = kiosk.dark(views.build_ranking(lags, expected_rate=0.83), height=530)
    assert spec["height"] == 530
    assert spec["config"]["axis"]["labelFontSize"] == kiosk.CHART_FONT
    assert spec["config"]["axis"]["labelColor"] == kiosk.TEXT


def test_station_bars_against_the_expected_rate():
    frame = pd.DataFrame({"station": ["明水所", "双山所"], "rate": [0.336, 0.286], "expected": [0.337, 0.337],
                          "status": ["amber", "red"]})
    spec = kiosk.build_station_rates(frame, value="rate", expected="expected", status="status",
                                     label="督导完成率（%）").to_dict()
    [rows] = spec["datasets"].values()
    assert [(r["station"], r["rate"], r["expected"], r["color"]) for r in rows] == [
        ("明水所", 33.6, 33.7, STATUS_COLORS["amber"]), ("双山所", 28.6, 33.7, STATUS_COLORS["red"])]
    # Each figure is written right of its bar and of the expected tick (the tick never strikes through it).
    assert [round(r["at"], 1) for r in rows] == [33.7, 33.7]
    [text] = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert text["encoding"]["x"]["field"] == "at" and text["encoding"]["text"]["field"] == "rate"


def test_names_in_kiosk_tables_are_inert_markdown():
    frame = pd.DataFrame({"station": ["[点我](http://example.com)", "明水所"], "task_rate": [0.1, 0.9],
                          "task_expected_rate": [0.83, 0.83], "task_status": ["red", "green"],
                          "worst_indicator": ["示范创建", "视频监管试点"], "worst_lag_pp": [-19.09, 2.0],
                          "lag_status": ["red", "green"], "n_prob_overdue": [3, 0]})
    table = kiosk._station_table(frame)
    assert table["监管所"].tolist() == [fmt.md_escape("[点我](http://example.com)"), "明水所"]
    assert table["监管所"].iloc[0].startswith("\\[点我\\]\\(")
    assert table["状态"].tolist() == [views.status_chip("red"), views.status_chip("green")]
    assert table["最差任务项"].tolist() == ["示范创建", "视频监管试点"]
    assert table["进度差"].tolist() == ["−19.1个百分点", "+2.0个百分点"]


def test_the_duban_rule_is_the_task_pages():
    progress = pd.DataFrame({"station": ["a", "b", "c"], "status": ["green", "red", "amber"],
                             "lag_pp": [1.0, -20.0, -3.0]})
    assert kiosk.duban_rows(progress)["station"].tolist() == ["b", "c"]


def test_duban_rows_red_before_amber_then_furthest_behind():
    # An amber row can lag more points than a red one (another 任务项, another expected rate): red still leads.
    progress = pd.DataFrame({"station": ["a", "b", "c", "d", "e"], "status": ["amber", "red", "red", "green", "amber"],
                             "lag_pp": [-12.0, -5.0, -20.0, 1.0, -3.0]})
    rows = kiosk.duban_rows(progress)
    assert rows["station"].tolist() == ["c", "b", "a", "e"]


def test_station_table_worst_first_by_status_then_lag():
    frame = pd.DataFrame({"station": ["甲所", "乙所", "丙所", "丁所"], "worst_indicator": ["示范创建"] * 4,
                          "worst_lag_pp": [-15.0, -9.1, -3.0, 10.9], "lag_status": ["amber", "red", "grey", "green"],
                          "n_prob_overdue": [1, 2, 3, 4]})
    table = kiosk._station_table(frame)
    assert table["监管所"].tolist() == ["乙所", "甲所", "丙所", "丁所"]  # 明显滞后, 略有滞后, 未报, 达到进度


def test_the_ranking_names_the_task_item_and_clears_its_ticks():
    lags = pd.DataFrame({"station": ["明水所", "双山所"], "worst_lag_pp": [-19.1, 5.9], "worst_status": ["red", "green"],
                         "worst_indicator": ["示范创建", "示范创建"], "mean_lag_pp": [-3.3, 2.0]})
    spec = kiosk.dark(views.build_ranking(lags, expected_rate=0.89), height=530)
    assert spec["encoding"]["x"]["title"] == "最差任务项进度差（百分点）"
    assert spec["encoding"]["x"]["axis"]["titlePadding"] >= 10  # the axis title clears the tick labels
    assert "最差指标" not in json.dumps(spec, ensure_ascii=False)
    assert [t["field"] for t in spec["encoding"]["tooltip"]][2] == "最差任务项"


def test_bar_figures_of_neighbouring_rows_do_not_touch():
    # The demo district's 18 stations in the 包保 bars: each row leaves ROW_GAP px between figures.
    for rows in (18, 25):
        height = kiosk.bars_height(rows)
        assert height / rows >= kiosk.VALUE_FONT + kiosk.ROW_GAP
    frame = pd.DataFrame({"station": ["明水所"], "rate": [0.336], "expected": [0.337], "status": ["amber"]})
    spec = kiosk.dark(kiosk.build_station_rates(frame, value="rate", expected="expected", status="status",
                                                label="督导完成率（%）"), height=kiosk.bars_height(18))
    kiosk.value_labels(spec, kiosk.VALUE_FONT)
    [text] = [layer["mark"] for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert text["fontSize"] == kiosk.VALUE_FONT


def test_full_width_charts_are_drawn_at_the_design_width():
    spec = kiosk.wide({"mark": "bar"})
    assert spec["width"] == kiosk.CHART_WIDTH <= 1920 - 2 * 30
    assert spec["autosize"] == {"type": "fit", "contains": "padding"}


def test_the_style_scales_a_smaller_landscape_screen_and_wraps_the_phone_header():
    from components import kiosk_style
    css = kiosk_style.CSS
    # 1366×768 falls in the 0.7 step (1920×0.7 = 1344 ≤ 1366, 1080×0.7 = 756 ≤ 768), and exactly with calc().
    assert "(max-width: 1535px) or (max-height: 863px)" in css and "zoom: 0.7;" in css
    assert "zoom: min(1, calc(100vw / 1920px), calc(100vh / 1080px))" in css
    phone = css[css.index("@media (max-width: 640px)"):]
    assert "white-space: normal" in phone and "flex-direction: column" in phone
    assert "text-overflow: clip" in css  # card labels are never cut with an ellipsis
