"""总览 answers "who must act" (issue 16, item 1): every red station of the demo database named with the indicator,
lag and due date that make it red, the unreported stations by name, and a two-line headline."""

from __future__ import annotations

import datetime as dt

import pytest

from db.engine import dispose_engines, get_engine
from services import metrics, narrative
from services.rules import fmt
from tests.pages.conftest import fresh_app

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in test_roles and the services' tests

OCT31 = dt.date(2022, 10, 31)


def markdowns(at) -> list[str]:
    """Every paragraph of the page's markdown: 需要督办 writes a column's stations as one block of paragraphs."""
    return [line for m in at.markdown for line in m.value.split("\n\n")]


def test_overview_names_every_red_station_and_the_unreported(demo_url, monkeypatch):
    get_engine(demo_url)
    monkeypatch.setenv("DATABASE_URL", demo_url)
    lags = metrics.station_lag(year=2022, month=10, as_of=OCT31)
    window = metrics.task_window(year=2022)
    totals = metrics.task_totals(year=2022, month=10, as_of=OCT31)
    dispose_engines()
    red = lags[lags["worst_status"] == "red"]
    assert len(red) == 13
    assert fmt.date_label(window.due) == "2022年11月30日"

    at = fresh_app(demo_url, monkeypatch).run()
    assert not at.exception, [e.value for e in at.exception]
    md = markdowns(at)
    act = [m for m in md if m.startswith(":red[●] ") and not m.startswith(":red[●] 逾期未完成")]
    # the 配档表 window past its end, with who carries it, as the briefing's 督办建议 has it
    assert ":red[●] 逾期未完成：配档表2022年8月\\~9月 组织观摩交流活动（食品生产监管科（统筹）、各监管所（落实））（详见“工作要点”）" in md
    # Every red station, in station_lag's order (worst lag first), with its worst indicator, lag and due date.
    expected = [f":red[●] {fmt.md_escape(narrative.station_phrase(r))}" for r in red.to_dict("records")]
    assert act == expected
    assert sum(m.value.startswith(":red[●] ") for m in at.markdown) <= 4  # a block per column, not one per station
    assert "**需要督办** · 13个监管所有明显滞后的任务项，任务清单2022年11月30日到期" in md
    # Literal ones: the five today's top five left out are named too.
    for line in ("明水所：示范创建 −19.1个百分点", "刁镇所：示范创建 −39.1个百分点", "普集所：抱团发展活动 −89.1个百分点"):
        assert f":red[●] {line}" in act
    for name in ("明水所", "刁镇所", "绣惠所", "埠村所", "圣井所"):
        assert any(a.startswith(f":red[●] {name}：") for a in act)
    assert not any(a.startswith(":red[●] 双山所") for a in act)  # green
    # The unreported station by name, not "未报1个所".
    assert (":gray[●] 10月未报：月报（风险隐患排查整治表）枣园所（逾期上报：绣惠所、文祖所）；任务进度枣园所"
            in md)
    # The two-line headline.
    head = [m for m in md if m.startswith("**截至10月底") or m.startswith("**需督办")]
    rates = "、".join(f"{r.indicator}{fmt.pct(r.rate)}" for r in totals.itertuples())
    assert rates.startswith("示范创建77.8%、") and len(totals) == 4
    assert head == [
        f"**截至10月底，任务清单完成率：{rates}，时序进度89.1%；18个监管所中13个明显滞后、0个略有滞后。**",
        "**需督办13个所：普集所、枣园所、龙山所等（详见“需要督办”）；10月未报：枣园所。**",
    ]
    assert not [c.value for c in at.caption if "仅显示本所" in c.value]


def test_a_station_account_reads_its_own_reports_as_its_own(demo_url, monkeypatch):
    """明水所 sees only its own reports: the headline and 需要督办 say 本所, not "无未报的所" while 枣园所 has not."""
    at = fresh_app(demo_url, monkeypatch, user="mingshui").run()
    assert not at.exception, [e.value for e in at.exception]
    md = markdowns(at)
    assert "**需督办13个所：普集所、枣园所、龙山所等（详见“需要督办”）；10月本所（明水所）无未报。**" in md
    assert ":gray[●] 本所（明水所）10月未报：月报（风险隐患排查整治表）无；任务进度无" in md
    assert not [m for m in md if "无未报的所" in m]
    assert "监管所账号仅显示本所（明水所）的上报情况。" in [c.value for c in at.caption]


def test_small_database_red_and_amber(small_url, monkeypatch):
    """A task list with no stated window is due at the year's end; amber stations are named compactly."""
    at = fresh_app(small_url, monkeypatch).run()
    assert not at.exception
    md = markdowns(at)
    assert "**需要督办** · 1个监管所有明显滞后的任务项，任务清单2022年12月31日到期" in md
    assert ":red[●] 双山所：示范创建 −14.1个百分点" in md
    assert ":orange[●] 略有滞后（1个所）：明水所（示范创建 −3.3个百分点）" in md
    assert "**需督办1个所：双山所（详见“需要督办”）；10月未报：明水所、双山所。**" in md


def test_baobao_cards_show_target_and_status(demo_url, monkeypatch):
    """包保 cards: 督导完成率 and 现场督导率 paced by the quarter (as the map paces them), 逾期未整改 judged as the map
    does, 包保覆盖率 and 问题整改率 无目标; the status word beside the target."""
    from services import places
    from services.rules import pacing

    monkeypatch.setenv("DATABASE_URL", demo_url)
    r = metrics.baobao(year=2022, month=10, as_of=OCT31, by="district").iloc[0]
    dispose_engines()
    qp = fmt.pct(r["quarter_progress"])
    assert qp == "33.7%"
    done = pacing.status(r["completion_rate"], r["quarter_progress"])
    overdue = places.overdue_status(int(r["n_prob_overdue"]), int(r["n_prob_due"]), int(r["n_business"]))
    assert (done, overdue) == ("green", "red")  # 36.1% against 33.7%; 368 of 1,924 due problems overdue
    at = fresh_app(demo_url, monkeypatch).run()
    caps = [c.value for c in at.caption]
    assert f":green[●] 达到进度｜目标：季度末全部完成，应达{qp}  \n1,053/2,920个主体" in caps
    assert f":green[●] 达到进度｜目标：C、D级主体季度末全部完成，应达{qp}  \n257/709个C、D级主体" in caps
    assert ":red[●] 明显滞后｜目标：0个（不超过应整改的10.0%为略有滞后）  \n按期整改率68.7%" in caps
    assert "无目标  \n2,920/2,931个在营主体" in caps and "无目标  \n1,678/2,190个问题" in caps
