"""包保督导's tables: the scope's figures, the groups, the not-visited and overdue lists, the aging of problems
and a cadre's businesses. Streamlit-free; inputs are the frames of services.metrics and services.access; outputs
have the page's Chinese headings (rates in percent where a progress column shows them)."""

from __future__ import annotations

import pandas as pd

from services.rules import fmt, levels, pacing

GROUPS = {"监管所": "station", "镇街": "township", "业态": "sector", "包保分级": "tier", "风险等级": "risk_level",
          "干部层级": "cadre_level"}
PROBLEM_RATE_LABEL = "问题整改率（包保督导问题）"
OPEN_LABEL = "逾期未整改问题（各来源）"
NO_CADRE = "无包保干部"  # a problem at a business no cadre packages at the period's end
RATE_COLUMNS = ("包保覆盖率", "督导完成率", "现场督导率", "问题整改率")
# Why 在营 − 督导完成 is more than this list: a business visited this quarter, but not as its rule asks, is neither.
NOT_VISITED_NOTE = ("此处只列本季度没有任何督导记录的主体。已督导但未达督导规则的主体（如C、D级主体未现场督导）不在此列，"
                    "也不计入督导完成率，因此本数与“督导完成率”的未完成数不同。")
STATUS_NOTE = ("状态：督导完成率对照季度时间进度（与地图相同），进度差 = 督导完成率 − 季度时间进度；监管所和镇街按状态排序（明显滞后、略有滞后、无包保主体、"
               "达到进度），同一状态落后最多的在前。")
_SEVERITY = {s: i for i, s in enumerate(pacing.STATUS_SEVERITY)}


def group_status(groups: pd.DataFrame) -> pd.Series:
    """Each group's 包保 status: its 督导完成率 against the quarter's time progress (the map's rule, places.baobao_status);
    grey when it has no active assignment."""
    return pd.Series([pacing.status(r, q, reported=bool(n)) for r, q, n in
                      zip(groups["completion_rate"], groups["quarter_progress"], groups["n_assigned"], strict=True)],
                     index=groups.index, dtype="object")


def default_rule(high_label: str = levels.grades_label(("C", "D"))) -> str:
    """The visit rule as the page says it; the high-risk label comes from the one setting (metrics.high_risk_label)."""
    return f"各层级每季度至少督导1次，{high_label}（高风险）主体须现场督导（默认规则）"


DEFAULT_RULE = default_rule()


def rate(num, den) -> float | None:
    return num / den if den else None


def scope_figures(head: pd.DataFrame, *, station_id: int | None) -> pd.Series:
    """The counts of the scope: the district row (metrics.baobao by district), or a station's rows summed."""
    return head.sum(numeric_only=True) if station_id else head.iloc[0]


def rule_text(rules: pd.DataFrame, high_label: str = levels.grades_label(("C", "D"))) -> str:
    """The visit rules' notes (lists.visit_rules), Markdown-escaped and joined, then the high-risk requirement that
    the one setting makes (high_label: metrics.high_risk_label); the default rule when there are no notes."""
    notes = "；".join(dict.fromkeys(fmt.md_escape(n) for n in rules["note"].dropna()))
    if not notes:
        return default_rule(high_label)
    return f"{notes}；{high_label}（高风险）主体须现场督导"


def cadre_level_rows(by_level: pd.DataFrame, kind: str = levels.DISTRICT) -> pd.DataFrame:
    """Columns: 干部层级 (the jurisdiction's words: 区级, 镇(街道)级 … in a 区), 干部数, 包保主体数, 有效包保关系,
    已按要求督导, 督导完成率 (%)."""
    return pd.DataFrame({
        "干部层级": by_level["cadre_level"].map(lambda c: levels.level_label(c, kind)), "干部数": by_level["n_cadres"],
        "包保主体数": by_level["n_businesses"], "有效包保关系": by_level["n_assigned"],
        "已按要求督导": by_level["n_satisfied"], "督导完成率": by_level["completion_rate"] * 100,
    })


def group_rows(groups: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """metrics.baobao by `by` (a value of GROUPS). Columns: [监管所 for townships,] the group's label, 状态 (status code,
    group_status), 在营主体, 包保覆盖率, 督导完成率, 进度差（百分点）(督导完成率 − 季度时间进度, the same for every
    group and said once above the table), 现场督导率,
    问题整改率 (包保督导 problems, running), 逾期未整改问题 (every source); rates in %. Stations and townships worst
    first: status (red, amber, grey, green), then the lag, then the bureau's order; other groups in their own order."""
    status = group_status(groups)
    lag = (groups["completion_rate"] - groups["quarter_progress"]) * 100
    view = pd.DataFrame({
        list(GROUPS)[list(GROUPS.values()).index(by)]: groups[by], "状态": status,
        "在营主体": groups["n_business"], "包保覆盖率": groups["coverage"] * 100,
        "督导完成率": groups["completion_rate"] * 100, "进度差（百分点）": lag.map(lambda x: fmt.round_half_up(x)),
        "现场督导率": groups["onsite_rate"] * 100,
        "问题整改率": groups["ytd_close_rate"] * 100, "逾期未整改问题": groups["n_prob_overdue"],
    })
    if by == "township":
        view.insert(0, "监管所", groups["station"])
    if by in ("station", "township"):
        order = pd.DataFrame({"sev": status.map(_SEVERITY), "lag": lag, "n": range(len(view))}, index=view.index)
        view = view.loc[order.sort_values(["sev", "lag", "n"], na_position="last", kind="stable").index]
    return view.reset_index(drop=True)


def not_visited_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Columns: 主体, 监管所, 镇街, 业态, 包保分级, 风险等级, 包保干部."""
    return pd.DataFrame({"主体": rows["business"], "监管所": rows["station"], "镇街": rows["township"],
                         "业态": rows["sector"], "包保分级": rows["tier"], "风险等级": rows["risk_level"],
                         "包保干部": rows["cadres"]})


def overdue_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Columns: 主体, 监管所, 问题, 问题来源, 整改期限, 逾期天数, 发现日期, 包保干部, 状态; longest overdue first (the
    table and its download alike). Every source is listed (未整改 counts them all); 包保干部 is who must act: the
    visit's cadre, else (执法, 抽检) the cadres packaging the business, else 无包保干部."""
    view = pd.DataFrame({"主体": rows["business"], "监管所": rows["station"], "问题": rows["description"],
                         "问题来源": rows["source"],
                         "整改期限": rows["deadline"].map(lambda d: fmt.date_label(d) if pd.notna(d) else ""),
                         "逾期天数": rows["days_overdue"], "发现日期": rows["found_date"].map(fmt.date_label),
                         "包保干部": rows["cadre"].fillna(NO_CADRE), "状态": rows["status"]})
    return view.sort_values("逾期天数", ascending=False, kind="stable")


def aging_rows(aging: pd.DataFrame) -> pd.DataFrame:
    """Open 问题 (every source) by age. Columns: 监管所, 7天内, 8–30天, 31–90天, 90天以上, 未整改问题合计; the most
    open longer than 90 days first, then the most open, then the bureau's order."""
    view = pd.DataFrame({"监管所": aging["station"], "7天内": aging["d0_7"], "8–30天": aging["d8_30"],
                         "31–90天": aging["d31_90"], "90天以上": aging["d91_plus"], "未整改问题合计": aging["n_open"]})
    return view.sort_values(["90天以上", "未整改问题合计"], ascending=False, kind="stable").reset_index(drop=True)


def cadre_labels(cadres: pd.DataFrame, kind: str = levels.DISTRICT) -> list[str]:
    """"张某（镇(街道)级，明水街道办事处）": the level in the jurisdiction's words."""
    return [f"{r.name}（{levels.level_label(r.level, kind)}，{r.unit}）" for r in cadres.itertuples()]


def cadre_detail_rows(detail: pd.DataFrame) -> pd.DataFrame:
    """Columns: 主体, 监管所, 业态, 包保分级, 风险等级, 本季度督导次数, 其中现场, 最近督导, 其他渠道发现问题 (this year,
    access.cadre_detail's n_others), 其中未整改."""
    view = pd.DataFrame({
        "主体": detail["business"], "监管所": detail["station"], "业态": detail["sector"],
        "包保分级": detail["tier"], "风险等级": detail["risk_level"], "本季度督导次数": detail["visits"],
        "其中现场": detail["onsite"],
        "最近督导": detail["last_visit"].map(lambda d: fmt.date_label(d) if pd.notna(d) and d else "—"),
    })
    if "n_others" in detail:
        view["其他渠道发现问题"] = detail["n_others"]
        view["其中未整改"] = detail["n_others_open"]
    return view


# --- problems found by others (the loop between 包保 and 执法 / 抽检 / 风险隐患) ----------------------------------

OTHERS_TITLE = "其他渠道发现的问题（包保干部须知）"
OTHERS_NOTE = ("今年以来执法、抽检、风险隐患排查或其他干部督导在包保主体发现的问题，由包保干部跟进整改；"
               "同一问题只列一次（风险隐患清单与督导记录的同一隐患只计一次），逾期的在前。")


def others_caption(counts: pd.DataFrame) -> str:
    """"执法3项、抽检5项、风险隐患12项；其中逾期未整改4项" from metrics.others_problem_counts (sources in their
    order, a source with none left out); a sentence saying so when there are none."""
    if counts.empty or not counts["n"].sum():
        return "今年以来其他渠道未在包保主体发现问题"
    parts = "、".join(f"{r.source}{fmt.num(r.n)}项" for r in counts.itertuples() if r.n)
    return f"{parts}；其中逾期未整改{fmt.num(int(counts['n_overdue'].sum()))}项"


def others_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Columns: 状态 (逾期 / 未整改 / 已整改 at the period's end), 包保干部, 干部层级, 主体, 监管所, 镇街, 问题来源, 问题,
    发现日期, 整改期限, 整改日期, 处置结果; overdue first, then open, then closed (the query's order kept within)."""
    def day(d) -> str:
        return fmt.date_label(d) if pd.notna(d) and d else ""

    view = pd.DataFrame({
        "状态": rows["shown"], "包保干部": rows["cadres"], "干部层级": rows["cadre_levels"], "主体": rows["business"],
        "监管所": rows["station"], "镇街": rows["township"].fillna(""), "问题来源": rows["source"],
        "问题": rows["description"], "发现日期": rows["found_date"].map(day), "整改期限": rows["deadline"].map(day),
        "整改日期": rows["closed_date"].map(day), "处置结果": rows["outcome"].fillna(""),
    })
    rank = view["状态"].map({"逾期": 0, "未整改": 1, "已整改": 2}).fillna(3)
    return view.loc[rank.sort_values(kind="stable").index].reset_index(drop=True)
