"""指标: the table of every gauged KPI opens worst first (status, then lag), its status coloured."""

from __future__ import annotations

import pandas as pd
import pytest

from components import views
from services import kpis_view as kv
from tests.pages.conftest import fresh_app

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in test_roles and the services' tests


def test_the_kpi_table_opens_worst_first(demo_url, monkeypatch):
    at = fresh_app(demo_url, monkeypatch).run()
    at.switch_page("app_pages/kpis.py").run()
    assert not at.exception
    table = next(df for df in at.dataframe if "进度差" in df.value.columns).value
    assert table["指标"].tolist()[:3] == ["“你点我检”集中宣传活动", "农村食品经营店规范化建设覆盖率", "月报按时上报率"]
    assert table.iloc[0][["状态", "本年累计", "目标", "应达", "进度差"]].tolist() == [
        views.status_chip("red"), "1次", "≥2次", "1.7次", "−33.3个百分点"]
    chips = table["状态"].tolist()
    # 新增区级实训中心 (0 of 1, due 12月31日) says 未到期 as its gauge does, with its due date and no pace
    assert chips == ([views.status_chip("red")] * 2 + [views.status_chip("amber")] * 6 + ["● 未到期"]
                     + [views.status_chip("green")] * 4)
    assert table.iloc[8][["指标", "本年累计", "应达", "进度差"]].tolist() == ["新增区级实训中心", "0个", "12月31日到期", "—"]
    assert "各指标状态（最需关注在前）" in [s.value for s in at.subheader]


def test_status_rows_status_before_lag():
    gauges = pd.DataFrame({"name": ["甲", "乙", "丙", "丁"], "status": ["amber", "red", "green", "grey"],
                           "lag_pp": [-12.0, -5.0, 3.0, None], "actual": [0.9, 0.5, 1.0, None],
                           "target": [1.0, 1.0, 1.0, 1.0], "expected": [1.0, 1.0, 1.0, 1.0],
                           "unit": ["%"] * 4, "direction": [">=", ">=", "<=", ">="]})
    rows = kv.status_rows(gauges)
    assert rows["指标"].tolist() == ["乙", "甲", "丁", "丙"]
    assert rows["目标"].tolist() == ["≥100.0%", "≥100.0%", "≥100.0%", "≤100.0%"]
