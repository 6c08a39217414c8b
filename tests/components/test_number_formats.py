"""views.number_formats (issue 21): a grid's figures without a pandas Styler — counts with a thousands separator
(whole numbers, given exactly), other figures rounded half up to 0.1 before the grid shows them with %.1f (the grid
would cut them to a step's decimals, not round them)."""

from __future__ import annotations

import math

import pandas as pd

from components.views import number_formats


def test_counts_and_figures():
    df = pd.DataFrame({"目标": [1234.0, 20.0], "进度": [12.35, 0.25], "名称": ["甲", "乙"], "已报": [True, False]})
    shown, config = number_formats(df)
    assert set(config) == {"目标", "进度"}  # text and flags keep theirs
    kind = {c: {k: v for k, v in config[c]["type_config"].items() if v is not None} for c in config}
    assert kind["目标"] == {"type": "number", "format": "localized", "step": 1}
    assert kind["进度"] == {"type": "number", "format": "%.1f"}
    assert shown["进度"].tolist() == [12.4, 0.3]  # 四舍五入, not the float's own rounding (12.35 → 12.3)
    assert df["进度"].tolist() == [12.35, 0.25]  # the caller's frame is left as it was
    assert shown["目标"].tolist() == [1234.0, 20.0]


def test_missing_and_skipped():
    df = pd.DataFrame({"率": [float("nan"), 0.05], "差": [1.25, None]})
    shown, config = number_formats(df, skip=("率",))
    assert set(config) == {"差"}
    assert shown["差"].iloc[0] == 1.3 and math.isnan(shown["差"].iloc[1])
