"""One figure, one value (issue 16): every count two places show — 未整改隐患 and of them 逾期, 逾期未整改问题 (a
different thing: 问题 of every source, not 隐患), the red stations, the stations whose 月报 is 未报, 示范创建 98/126 and
隐患整改率 91.7% — reads the same on 总览, 任务清单, 包保督导, 上报监测, 地图, the 大屏 and in the briefing's figures
(services.meeting), on the demo database at 2022-10-31."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import Session

from db.engine import dispose_engines, get_engine
from services import meeting, submissions
from services.rules import fmt
from tests.pages.test_hazard_pages import (
    OPEN_SQL,
    OVERVIEW,
    RATE_SQL,
    SUBMISSIONS,
    TASKS,
    open_page,
    percent,
    sql,
)
from tests.pages.test_kiosk_page import kiosk_app, rotate
from tests.pages.test_kiosk_page import texts as kiosk_texts

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in test_roles and the services' tests

BAOBAO, MAP = "app_pages/baobao.py", "app_pages/map.py"
OCT31 = dt.date(2022, 10, 31)
OVERDUE_HAZARDS_SQL = OPEN_SQL + " AND deadline < '2022-10-31'"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def all_text(at) -> str:
    return " ".join(x.value for x in (*at.markdown, *at.caption, *at.subheader, *at.info, *at.success))


def the_same(values: dict[str, object]) -> object:
    """The one value every place shows, or a failure naming the places that disagree."""
    assert len(set(values.values())) == 1, values
    return next(iter(values.values()))


def test_every_shared_count_reads_the_same_everywhere(demo_url, monkeypatch):
    [(n_open,)] = sql(demo_url, OPEN_SQL)
    [(n_overdue,)] = sql(demo_url, OVERDUE_HAZARDS_SQL)
    [(rectified, found)] = sql(demo_url, RATE_SQL)
    rate = percent(rectified, found)
    with Session(get_engine(demo_url)) as s:
        pack = meeting.pack_figures(session=s, year=2022, month=10, as_of=OCT31, charts=False)
    dispose_engines()

    overview = open_page(demo_url, monkeypatch, OVERVIEW)
    tasks = open_page(demo_url, monkeypatch, TASKS)
    baobao = open_page(demo_url, monkeypatch, BAOBAO)
    reports = open_page(demo_url, monkeypatch, SUBMISSIONS, user="office")
    station_map = open_page(demo_url, monkeypatch, MAP)
    kiosk = rotate(kiosk_app(demo_url, monkeypatch))
    kiosk_baobao = kiosk_metrics(rotate_to(kiosk, "包保督导"))
    kiosk_tasks = kiosk_metrics(rotate_to(kiosk, "任务清单进度"))

    hz_table = next(d.value for d in tasks.dataframe if "未整改隐患（合计）" in d.value.columns)
    district = hz_table.iloc[-1]
    assert district["监管所"] == "全区"

    # 未整改隐患 (the 隐患清单's open hazards) and of them 逾期: 总览's card, 任务清单's caption and district row, the briefing
    assert the_same({
        "SQL": n_open, "总览": int(metric(overview, "未整改隐患").removesuffix("项")),
        "任务清单 caption": int(re.search(r"未整改(\d+)项", all_text(tasks)).group(1)),
        "任务清单 全区": int(district["未整改隐患（合计）"]),
        "任务清单 by station": int(hz_table.iloc[:-1]["未整改隐患（合计）"].sum()),
        "briefing": pack.hazards.n_pending + pack.hazards.n_overdue,
    }) == 34
    assert the_same({
        "SQL": n_overdue, "总览": int(re.search(r"其中逾期(\d+)项", all_text(overview)).group(1)),
        "任务清单 caption": int(re.search(r"其中逾期(\d+)项", all_text(tasks)).group(1)),
        "任务清单 全区": int(district["其中逾期"]), "briefing": pack.hazards.n_overdue,
    }) == 31
    # 隐患整改率（累计）
    assert the_same({
        "SQL": rate, "总览": metric(overview, "隐患整改率（累计，1月至10月）"), "任务清单": district["隐患整改率（累计）"],
        "briefing": fmt.pct(pack.hazards.rectified_ytd / pack.hazards.found_ytd),
        "大屏": kiosk_baobao["隐患整改率"],
    }) == "91.7%"

    # 逾期未整改问题 (问题 of every source: 包保督导, 风险隐患, 执法, 抽检) — never labelled as 隐患
    bb_table = next(d.value for d in baobao.dataframe if "逾期未整改问题" in d.value.columns)
    assert the_same({
        "总览": metric(overview, "逾期未整改问题（各来源）"), "包保督导": metric(baobao, "逾期未整改问题（各来源）"),
        "包保督导 by station": f"{int(bb_table['逾期未整改问题'].sum())}个",
        "大屏": kiosk_baobao["逾期未整改问题"],
        "briefing": f"{int(pack.district.iloc[0]['n_prob_overdue'])}个",
        "briefing by station": f"{int(pack.by_station['n_prob_overdue'].sum())}个",
    }) == "370个"  # two of them 执法 problems (seed/demo/oversight.py)

    # the red stations: a red 任务项 makes a station red
    progress = next(d.value for d in tasks.dataframe if "本月上报" in d.value.columns)
    picker = tasks.selectbox(key="task_station").options  # worst first: the red ones before the rest
    worst_rows = progress.drop_duplicates("监管所")  # each station's first row is its worst 任务项
    assert the_same({
        "任务清单 table": progress.loc[progress["状态"] == "● 明显滞后", "监管所"].nunique(),
        "任务清单 picker": picker.index(worst_rows.loc[worst_rows["状态"] != "● 明显滞后", "监管所"].iloc[0]),
        "地图": int(re.search(r"明显滞后 (\d+)个所", all_text(station_map)).group(1)),
        "briefing": len(pack.red_stations),
    }) == 13

    # 月报未报 this month: 总览, 上报监测 and the briefing name the same station
    monthly = pack.reports[(pack.reports["kind"] == submissions.KINDS[0]) & (pack.reports["status"] == "未报")]
    line = re.compile(r"月报未报（10月风险隐患排查整治表[^）]*）：([^；*\s]+)")
    assert the_same({
        "总览": line.search(all_text(overview)).group(1), "上报监测": line.search(all_text(reports)).group(1),
        "上报监测 table": "、".join(next(d.value for d in reports.dataframe if "逾期天数" in d.value.columns)
                                   .query("状态 == '● 未报'")["监管所"]),
        "briefing": "、".join(monthly["station"]),
    }) == "枣园所"

    # 示范创建 98/126
    demo = progress[progress["任务项"] == "示范创建"]
    row = pack.totals.set_index("indicator").loc["示范创建"]
    assert the_same({
        "总览": next(m.value for m in overview.metric if m.label == "累计完成"),
        "任务清单": f"{int(demo['累计完成'].sum())}/{int(demo['目标'].sum())}家",
        "大屏": kiosk_tasks["累计完成"],  # the first card: 示范创建
        "briefing": f"{int(row['actual'])}/{int(row['target'])}家",
    }) == "98/126家"


def kiosk_metrics(kiosk) -> dict[str, str]:
    """The panel's cards by label (the first of a label: the 任务清单 panel's first card is 示范创建)."""
    out: dict[str, str] = {}
    for m in kiosk.metric:
        out.setdefault(m.label, m.value)
    assert "屏 · " in " ".join(kiosk_texts(kiosk))
    return out


def rotate_to(kiosk, title: str):
    """The kiosk turned to the panel with this title (one rotation per run, five panels)."""
    for _ in range(5):
        if any(md.value.endswith(f"屏 · {title}") for md in kiosk.markdown):
            return kiosk
        rotate(kiosk)
    raise AssertionError(f"no kiosk panel {title}")
