"""The 督办 rule: the rows behind the time schedule, furthest behind first."""

from __future__ import annotations

import pandas as pd

from services.rules import pacing
from services.rules.duban import DUBAN_STATUSES, duban_tasks, is_duban


def frame(statuses, lags):
    return pd.DataFrame({"station": [f"s{i}" for i in range(len(statuses))], "status": statuses, "lag_pp": lags})


def test_red_and_amber_rows_go_on_the_list_furthest_behind_first():
    df = frame(["green", "red", "amber", "grey", "red"], [1.0, -20.0, -3.0, float("nan"), -35.5])
    assert duban_tasks(df)["station"].tolist() == ["s4", "s1", "s2"]


def test_green_and_grey_rows_never_do():
    assert duban_tasks(frame(["green", "grey"], [5.0, float("nan")])).empty
    assert [s for s in pacing.STATUSES if is_duban(s)] == ["amber", "red"]
    assert set(DUBAN_STATUSES) <= set(pacing.STATUSES)


def test_an_empty_frame_stays_empty_whatever_its_columns():
    assert duban_tasks(pd.DataFrame()).empty
    assert duban_tasks(frame([], [])).empty


def test_the_rows_keep_every_column():
    df = frame(["amber"], [-2.0]).assign(indicator="示范创建", rate=0.5)
    assert list(duban_tasks(df).columns) == list(df.columns)
