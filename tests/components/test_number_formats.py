"""views.number_formats (issue 21): a grid's figures without a pandas Styler — counts with a thousands separator
(whole numbers, given exactly), other figures rounded half up to 0.1 before the grid shows them with %.1f (the grid
would cut them to a step's decimals, not round them)."""

from __future__ import annotations

import math

import pandas as pd

from components import views
from components.views import number_formats
from services.rules.text import text_width


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


def test_text_columns_are_as_wide_as_their_longest_text_wherever_it_is():
    """The grid sizes a column by its first rows: a longer name further down (白云湖所 below eleven 3-character names)
    was cut. fitted() gives each text column the width of its longest text; a chip column adds the label's padding."""
    df = pd.DataFrame({"监管所": ["官庄所"] * 11 + ["白云湖所"], "状态": ["● 有逾期隐患"] * 11 + ["● 有待整改隐患"],
                       "n": range(12), "备注": ["a"] * 12, "隐藏": ["x"] * 12, "改名": ["y"] * 12})
    config = views.fitted(df, {"n": {"width": 60}, "备注": {"label": "备注", "width": 99}, "隐藏": None, "改名": "别名"},
                          ("状态",))
    assert config["监管所"]["width"] == round(text_width("白云湖所") * 7.5) + 28
    assert config["状态"]["width"] == round(text_width("● 有待整改隐患") * 7.5) + 44
    assert config["n"] == {"width": 60} and config["备注"]["width"] == 99  # the caller's widths stand
    assert config["隐藏"] is None and config["改名"] == "别名"  # a hidden column, a label only: left as they are
    latin = pd.DataFrame({"名称": ["abcdefghij"] * 20 + ["白云湖所所所"]})  # fewer characters, but wider
    assert views.fitted(latin, {})["名称"]["width"] == round(text_width("白云湖所所所") * 7.5) + 28
    long = pd.DataFrame({"理由": ["很长" * 200]})
    assert views.fitted(long, {})["理由"]["width"] == 420  # at most 420 px: a long text scrolls inside the grid

