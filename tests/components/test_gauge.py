"""Gauge and status colours at their boundaries, and the sign of the pacing lag as the pages write it."""

import math

import pytest

from components import views
from components.gauge import build_gauge, gauge_caption, gauge_parts, gauge_spec
from services.rules import pacing
from services.rules.style import STATUS_COLORS, status_rgba


@pytest.mark.parametrize(("actual", "expected", "direction", "status"), [
    (0.833, 0.833, ">=", "green"),        # exactly on pace
    (0.9 * 0.8, 0.8, ">=", "amber"),      # exactly at 90% of expected
    (0.9 * 0.8 - 1e-6, 0.8, ">=", "red"),
    (1.1 * 0.1, 0.1, "<=", "amber"),      # ≤ KPI exactly at 110% of expected
    (1.1 * 0.1 + 1e-6, 0.1, "<=", "red"),
    (0.1, 0.1, "<=", "green"),
])
def test_status_boundaries_and_gauge_colour(actual, expected, direction, status):
    got = pacing.status(actual, expected, direction)
    assert got == status
    parts = gauge_parts({"rate": actual, "expected_rate": expected, "status": got, "unit": "%", "target": 1.0})
    assert parts["color"] == STATUS_COLORS[status]


def test_grey_when_nothing_was_reported():
    assert pacing.status(0, 0.5, reported=False) == "grey"
    assert gauge_caption({"status": "grey"}) == ":gray[●] 本年尚未上报｜无基线｜来源未注明"
    assert status_rgba("grey")[:3] == [0x9A, 0xA3, 0xAD]


def test_gauge_angles_run_from_left_to_right():
    p = gauge_parts({"rate": 0.5, "expected_rate": 0.25, "status": "green", "unit": "次", "target": 2})
    assert p["value_angle"] == pytest.approx(0.0)
    assert p["expected_angle"] == pytest.approx(-math.pi / 4)
    over = gauge_parts({"rate": 1.5, "expected_rate": 1.0, "status": "green", "unit": "次", "target": 2})
    assert over["top"] == 1.5 and over["value_angle"] == pytest.approx(math.pi / 2)


def test_gauge_spec_carries_the_figures_and_source():
    row = {"name": "核查处置按时完成率", "rate": 0.9, "expected_rate": 0.95, "target": 0.95, "unit": "%",
           "status": "amber", "lag_pp": -5.0, "actual": 0.9, "source_doc": "昌乐 2024 抽检", "source_article": "二、6"}
    spec = build_gauge(row).to_dict()
    text = str(spec)
    assert "90.0%" in text and "应达 95.0%" in text and "依据：昌乐 2024 抽检 二、6" in text
    assert "低于时序进度5.0个百分点" in text and "无基线" in text  # no pacing kind given: a ramp
    assert STATUS_COLORS["amber"] in text


@pytest.mark.parametrize("row", [
    {"name": "核查处置按时完成率", "rate": 0.9, "expected_rate": 0.95, "target": 0.95, "unit": "%", "status": "amber",
     "lag_pp": -5.0, "actual": 0.9, "source_doc": "昌乐 2024 抽检", "source_article": "二、6", "kpi_id": 1},
    {"name": "未报", "rate": math.nan, "expected_rate": None, "target": 3, "unit": "次", "status": None,
     "lag_pp": None, "actual": 0, "direction": "<="},
    {"name": "超额", "rate": 1.7, "expected_rate": 0.3, "target": 12.0, "unit": "家", "status": "green",
     "lag_pp": 4.44, "actual": 20.0, "source_doc": None, "source_article": "第3条"},
])
@pytest.mark.parametrize("size", [190, 240])
def test_the_written_out_spec_draws_what_altair_builds(row, size):
    """gauge_spec (what the pages draw, fast) has build_gauge's marks, encodings, sizes, title and rows."""

    def drawn(spec: dict) -> dict:
        spec = dict(spec)
        datasets = spec.pop("datasets", {})
        layers = [{**layer, "data": datasets[layer["data"]["name"]] if "name" in layer["data"]
                   else layer["data"]["values"]} for layer in spec.pop("layer")]
        config = {k: v for k, v in spec.pop("config").items() if k != "view"}  # view: Altair's theme default
        spec.pop("$schema", None)
        return {**spec, "config": config, "layer": layers}

    assert drawn(gauge_spec(row, size=size)) == drawn(build_gauge(row, size=size).to_dict())


@pytest.mark.parametrize(("lag", "text"), [
    (-5.51, "低于时序进度5.5个百分点"),
    (5.55, "高于时序进度5.6个百分点"),
    (0.04, "与时序进度持平"),
    (-0.05, "低于时序进度0.1个百分点"),
])
def test_lag_sign_in_words(lag, text):
    assert views.lag_text(lag) == text
    assert pacing.lag_pp(0.7778, 0.8329) < 0 < pacing.lag_pp(0.9, 0.8329)


LONG = "学校食堂和校外供餐单位“互联网+明厨亮灶”覆盖率"


def test_the_title_is_shown_in_full_on_two_lines_with_no_limit():
    row = {"name": LONG, "rate": 0.956, "expected_rate": 1.0, "target": 1.0, "unit": "%", "status": "amber",
           "lag_pp": -4.4, "actual": 0.956, "pacing": "level"}
    spec = gauge_spec(row)
    # Drawn inside the view in two lines (a Vega title above the view is cut off by Streamlit's chart height).
    assert "title" not in spec
    *figures, first, second = drawn_texts(spec)
    assert figures == ["95.6%", "目标≥100.0%　应达 100.0%"] and first + second == LONG
    short = gauge_spec({**row, "name": "监督抽检批次"})
    assert drawn_texts(short)[-1] == "监督抽检批次" and short["height"] == spec["height"] - (13 + 4)
    assert drawn_texts(gauge_spec(row, titled=False)) == figures
    # Reserving two lines for a short title sets its arc level with a two-line neighbour's.
    assert gauge_spec({**row, "name": "监督抽检批次"}, title_rows=2)["height"] == spec["height"]


def drawn_texts(spec: dict) -> list[str]:
    return [layer["encoding"]["text"]["value"] for layer in spec["layer"] if layer["mark"]["type"] == "text"]


def test_the_target_is_beside_the_expected_and_wraps_when_it_does_not_fit():
    row = {"name": "监督抽检批次", "rate": 0.770, "expected_rate": 0.833, "target": 5505.0, "unit": "批次",
           "status": "amber", "lag_pp": -6.3, "actual": 4240.0, "pacing": "ramp"}
    assert drawn_texts(gauge_spec(row, titled=False)) == ["77.0%", "目标≥5,505批次　应达 83.3%"]
    # At the kiosk's 20 px the same words no longer fit 190 px: two lines, and the view grows to hold them.
    one, two = gauge_spec(row, note_font=12), gauge_spec(row, note_font=20)
    assert drawn_texts(two) == ["77.0%", "目标≥5,505批次", "应达 83.3%", "监督抽检批次"]
    assert two["height"] - one["height"] == 20 + 4 + 8
    assert drawn_texts(gauge_spec({**row, "direction": "<=", "target": 0.03, "unit": "%"}))[1].startswith("目标≤3.0%")


def test_a_once_kpi_says_its_count_and_due_date_not_0_percent_on_pace():
    import datetime as dt

    row = {"name": "新增区级实训中心", "rate": 0.0, "expected_rate": 0.0, "target": 1.0, "unit": "个", "status": "green",
           "lag_pp": 0.0, "actual": 0.0, "pacing": "once", "due_date": dt.date(2022, 12, 31)}
    assert drawn_texts(gauge_spec(row, titled=False)) == ["0/1个", "目标≥1个　12月31日到期"]
    caption = gauge_caption(row, as_of=dt.date(2022, 10, 31))
    assert caption.startswith(":green[●] 未到期｜12月31日前完成1个，尚未到期") and "达到进度" not in caption
    assert gauge_caption({**row, "actual": 1.0, "rate": 1.0}).startswith(":green[●] 达到进度｜")


def test_cards_are_edged_and_bars_filled_in_their_status_colour():
    css = views.status_css("task-1", "red", bar=True)
    assert f".st-key-task-1 {{ box-shadow: inset 0.3rem 0 0 {STATUS_COLORS['red']}; }}" in css
    assert f'.st-key-task-1 [data-testid="stProgressBarTrack"] > div {{ background-color: {STATUS_COLORS["red"]}; }}' in css
    assert "stProgressBarTrack" not in views.status_css("bb-close", "green")
    assert views.status_css("bb-coverage", None) == ""  # no target, no judgement, no colour
