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
