"""指标 → 主体责任与抽检（由台账计算）: 配备率 by sector, 日管控周排查月调度 worst first, 抽检 by station with 批次/千人, the
示例数据 caption; the gauges say which value they show."""

from __future__ import annotations

import pytest

from tests.pages.conftest import fresh_app, open_tab

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in tests/services/test_oversight_figures.py


def test_the_kpi_page_shows_the_register_figures(demo_url, monkeypatch):
    at = fresh_app(demo_url, monkeypatch).run()
    at.switch_page("app_pages/kpis.py").run()
    assert not at.exception
    status = next(df.value for df in at.dataframe if "进度差" in df.value.columns)
    assert dict(zip(status["指标"], status["取值"], strict=True))["监督抽检批次"] == "取自抽检台账（4,240批次）"
    assert any("取自抽检台账（不合格68批次）" in md.value for md in at.markdown)
    # the register tables are in their own tab, computed and sent only when it is open
    assert "主体责任与抽检（由台账计算）" not in [s.value for s in at.subheader]
    assert [df.key for df in at.dataframe if df.key in ("duty-staffing", "duty-completion", "sampling")] == []
    open_tab(at, "主体责任与抽检", key="kpi_tab")
    assert "主体责任与抽检（由台账计算）" in [s.value for s in at.subheader]
    tables = {tuple(df.value.columns)[0]: df.value for df in at.dataframe}
    staffing = tables["业态"]
    assert staffing["业态"].tolist() == ["生产", "销售", "餐饮", "单位食堂", "集中交易市场", "全区"]
    assert staffing.iloc[-1][["企业（家）", "安全员配备率", "应配总监（A、B级）", "总监配备率"]].tolist() == [
        "1,621", "93.2%", "262", "87.0%"]
    completion = next(df.value for df in at.dataframe if "日管控（本年）" in df.value.columns)
    assert completion["监管所"].iloc[-1] == "全区" and sorted(completion["监管所"].iloc[:2]) == ["绣惠所", "龙山所"]
    assert completion.iloc[-1]["本月无记录"] == "55家（3.4%）"
    sampling = next(df.value for df in at.dataframe if "按时完成率" in df.value.columns)
    assert sampling.iloc[-1][["抽检批次", "不合格", "核查处置率", "按时完成率"]].tolist() == ["4,240", "68", "94.1%", "98.4%"]
    captions = [c.value for c in at.caption]
    assert any(c.startswith("示例数据：主体责任") for c in captions)
    assert any("3.85批次/千人（规则5批次/千人，全年应达5,505批次）" in c for c in captions)
    assert not [md for md in at.markdown if md.value.startswith("#### ")]  # the gauges' tab is closed
