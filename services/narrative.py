"""The sentences in the office's style, generated from the same frames the pages show: one builder per figure, used by
总览, 任务清单, 指标 (gauges), the kiosk and the briefing.

Each pacing kind is said against what it is measured by (DOMAIN.md §4 and Pacing):
- ramp figures against 时序进度 in their window: "完成率77.8%，低于时序进度11.3个百分点"
- level figures against their target: "94.1%，低于目标5.9个百分点" (never 时序进度)
- once figures by their due date: "12月31日前完成1个，尚未到期" / "已到期未完成"
and a KPI names its baseline ("基线…") or says 无基线."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from services.rules import fmt, pacing
from services.rules.style import STATUS_LABELS

_JURISDICTION = re.compile(r"^[\u4e00-\u9fff]{1,5}[区县市](?=[一二三四五六七八九十（(])")
MINUS = "−"  # U+2212, as the bureau prints a signed lag: "示范创建 −11.3个百分点"


def _ok(x) -> bool:
    return x is not None and x is not pd.NA and not (isinstance(x, float) and math.isnan(x))


def _get(row: Any, key: str, default=None):
    if isinstance(row, Mapping):
        return row.get(key, default)
    return getattr(row, key, default)


def _date(x) -> dt.date | None:
    if not _ok(x) or x is pd.NaT:
        return None
    return x.date() if isinstance(x, dt.datetime) else x


def signed_pp(lag: float | None) -> str:
    """ "−11.3个百分点" / "+4.2个百分点" / "0.0个百分点", rounded half-up from the unrounded lag."""
    if not _ok(lag):
        return fmt.MISSING
    r = fmt.round_half_up(lag)
    sign = MINUS if r < 0 else "+" if r > 0 else ""
    return f"{sign}{abs(r):.1f}个百分点"


# --- windows ------------------------------------------------------------------------------------


def window_text(window: pacing.Window) -> str:
    """ "2022年3月1日至11月30日" (the year once when both ends share it)."""
    start, due = window.start, window.due
    end = f"{due.month}月{due.day}日" if due.year == start.year else fmt.date_label(due)
    return f"{fmt.date_label(start)}至{end}"


def basis(window: pacing.Window) -> str:
    """ "依据：章市监管发〔2022〕9号 三(二)", or what the window defaults to when no document states one."""
    if window.stated and window.source:
        return f"依据：{window.source}"
    if window.stated:
        return "依据：未注明来源"
    return "未载明推进时段，按全年计"


def pace_basis(window: pacing.Window, ref: dt.date) -> str:
    """The caption beside every 时序进度: "时序进度89.1%（2022年3月1日至11月30日已过245/275天；依据：章市监管发〔2022〕9号
    三(二)）"."""
    return (f"时序进度{fmt.pct(window.progress(ref))}（{window_text(window)}已过{window.elapsed(ref)}/{window.days}天；"
            f"{basis(window)}）")


def kpi_window(row: Any) -> pacing.Window:
    """A KPI's window: window_start (1 Jan of its year when not stated) … due_date (31 Dec when not stated)."""
    year = int(_get(row, "year") or (_date(_get(row, "due_date")) or dt.date.today()).year)
    due = _date(_get(row, "due_date")) or dt.date(year, 12, 31)
    start = _date(_get(row, "window_start"))
    if start is None:
        return pacing.year_window(year, due)
    return pacing.Window(start, due, source_doc=_get(row, "source_doc"), source_clause=_get(row, "source_article"))


# --- KPIs ---------------------------------------------------------------------------------------


_PLACE = re.compile(r"([^\d年（）()\s、，；市省]{2,3}[区县])")  # 济南市章丘区 → 章丘区
_YEAR = re.compile(r"(\d{4})年")
# What a title says besides its place, year and kind: "2024年食品抽检和特殊食品安全监管工作要点（昌乐县）" → 抽检
_NOT_TOPIC = re.compile(r"\d{4}年|市场监督管理局|关于开展|关于|的通知|工作要点|要点|监督管理计划|计划|通知")
_KINDS = ("要点", "计划", "通知", "方案")
_BRACKETS = re.compile(r"（[^）]*）|\([^)]*\)")
_TOPIC_END = re.compile(r"和|及|环节|安全|监管|服务|排查")  # where a topic's first words end: 抽检和…, 生产环节…


def short_title(title: str) -> str:
    """A document as a gauge's caption names it: place, year, the first words of its topic and its kind, enough to
    tell 昌乐县's five 2024 plans apart: "昌乐县2024年抽检要点", "宝山区2024年生产要点", "金山区2024年风险隐患通知";
    the title itself when it names no place or year."""
    place, year = _PLACE.search(title), _YEAR.search(title)
    if not place and not year:
        return title
    bare = _BRACKETS.sub("", title)  # a note in brackets says neither its topic nor its kind
    if place and place.group(1) in bare:
        bare = bare.split(place.group(1), 1)[1]  # what follows the place (济南市章丘区…: not 济南市)
    topic = _NOT_TOPIC.sub("", bare)
    core = topic
    for common in ("食品安全", "食品"):  # the most common openings say least
        if core.startswith(common) and len(core) > len(common):
            core = core[len(common):]
            break
    topic = _TOPIC_END.split(core, maxsplit=1)[0] or topic  # nothing left (食品安全计划): the topic as it was
    kind = next((k for k in _KINDS if k in bare), "")
    return f"{place.group(1) if place else ''}{year.group(1) + '年' if year else ''}{topic[:4]}{kind}"


def kpi_source(row: Any, *, brief: bool = False) -> str:
    """Where a KPI's target comes from. A 示例 gauge applies another district's rule to 章丘 and says so:
    "示例目标，参照2024年食品抽检和特殊食品安全监管工作要点（昌乐县）一、1"; the bureau's own: "依据：… …".
    `brief` (the gauges' captions) names each document short (short_title): "示例目标，参照昌乐县2024年抽检要点 一、1";
    the full title is on the 指标 page and in the gauge's tooltip."""
    doc, article = _get(row, "source_doc"), _get(row, "source_article")
    docs = doc.split("；") if _ok(doc) and doc else []
    arts = article.split("；") if _ok(article) and article else []
    if brief:
        parts = []
        for i, d in enumerate(docs):
            art = _JURISDICTION.sub("", arts[i]) if i < len(arts) else ""
            parts.append(f"{short_title(d)} {art}".strip())
        src = "；".join(p for p in parts if p)
    elif len(docs) > 1 and len(docs) == len(arts):
        # One gauge citing several districts: each document with its own article ("宝山区二、8" → "二、8").
        src = "；".join(f"{d} {_JURISDICTION.sub('', a)}" for d, a in zip(docs, arts, strict=True))
    else:
        src = " ".join(docs[:1] + arts[:1]) if len(docs) <= 1 else "；".join(docs) + " " + "；".join(arts)
    if bool(_get(row, "is_demo", False)):
        return f"示例目标，参照{src}" if src else "示例目标，来源未注明"
    return f"依据：{src}" if src else "来源未注明"


def baseline_text(row: Any) -> str:
    """ "基线80.0%" / "基线12家", or "无基线"."""
    b = _get(row, "baseline")
    if not _ok(b):
        return "无基线"
    return f"基线{fmt.with_unit(b, _get(row, 'unit') or '')}"


def fraction_text(row: Any) -> str:
    """A rate's numerator and denominator as reported, "（64/68）"; "" when the reading has none."""
    num, den = _get(row, "numerator"), _get(row, "denominator")
    if not (_ok(num) and _ok(den)):
        return ""
    return f"（{fmt.num(num)}/{fmt.num(den)}）"


def _value_text(row: Any) -> str:
    """A KPI's figure: a rate as itself with its fraction ("94.1%（64/68）"), a count as completed of target with
    its rate."""
    unit = _get(row, "unit") or ""
    if unit == "%":
        return fmt.pct(_get(row, "actual")) + fraction_text(row)
    return f"完成{fmt.num(_get(row, 'actual'))}{unit}，完成率{fmt.pct(_get(row, 'rate'))}"


def ramp_basis(row: Any) -> str:
    """For a ramp KPI, which 时序进度 it is measured by: "时序进度83.3%，按全年计" / "时序进度89.1%，2022年3月1日至11月30日"
    — a KPI's window may differ from the task list's on the same screen."""
    tp = _get(row, "time_progress")
    if not _ok(tp):
        return ""
    window = kpi_window(row)
    span = "按全年计" if not window.stated else window_text(window)
    return f"时序进度{fmt.pct(tp)}，{span}"


def _against(lag: float, word: str, direction: str) -> str:
    r = fmt.round_half_up(lag)
    if r == 0:
        return f"与{word}持平"
    if direction == "<=":
        return f"{'超出' if r > 0 else '低于'}{'控制值' if word == '目标' else word}{abs(r):.1f}个百分点"
    return f"{'高于' if r > 0 else '低于'}{word}{abs(r):.1f}个百分点"


def comparison(row: Any, *, as_of: dt.date | None = None) -> str:
    """The comparison a KPI's pacing kind calls for (see the module docstring); "本年尚未上报" when grey."""
    kind = _get(row, "pacing") or _get(row, "kind") or "ramp"
    status = _get(row, "status")
    if status == "grey":
        return "本年尚未上报"
    direction = _get(row, "direction") or ">="
    if kind == "once":
        due = _date(_get(row, "due_date"))
        unit = _get(row, "unit") or ""
        target = fmt.with_unit(_get(row, "target"), unit)
        by = f"{due.month}月{due.day}日前" if due else "年内"
        actual, tgt = _get(row, "actual"), _get(row, "target")
        if _ok(actual) and _ok(tgt) and pacing.status(actual, tgt, direction) == "green":
            return f"{by}完成{target}，已完成"
        if due is not None and as_of is not None and as_of < due:
            return f"{by}完成{target}，尚未到期"
        return f"{by}完成{target}，已到期未完成"
    lag = _get(row, "lag_pp")
    if not _ok(lag):
        return fmt.MISSING
    if kind == "level":
        return _against(lag, "目标", direction)
    said = _against(lag, "时序进度", direction)
    pace = ramp_basis(row)
    return f"{said}（{pace}）" if pace else said


NOT_DUE = "未到期"  # a once KPI not yet done and not yet due: its status word (status code green)


def due_words(row: Any) -> str:
    """What a once KPI (done by a date, not paced) is to be measured against: "12月31日到期", "年内完成" without a
    date. The gauge, 指标's table and the briefing's 附表2 say it alike."""
    due = _date(_get(row, "due_date"))
    return f"{due.month}月{due.day}日到期" if due is not None else "年内完成"


def kpi_status_word(row: Any) -> str:
    """A KPI's status as a word: STATUS_LABELS of its code, but NOT_DUE for a once KPI not yet done (green until its
    due date: not "达到进度" beside 0/1). The gauges, 指标's table and the briefing's 附表 say the same word."""
    status = _get(row, "status") or "grey"
    if (_get(row, "pacing") or "ramp") == "once" and status == "green":
        actual, target = _get(row, "actual"), _get(row, "target")
        if _ok(actual) and _ok(target) and not actual >= target:
            return NOT_DUE
    return STATUS_LABELS.get(status, "")


def kpi_sentence(row: Any, *, as_of: dt.date | None = None, with_baseline: bool = True) -> str:
    """One KPI in a sentence: "监督抽检批次完成4,240批次，完成率77.0%，低于时序进度6.3个百分点（无基线）";
    "不合格食品核查处置率94.1%，低于目标5.9个百分点（无基线）"; "新增区级实训中心12月31日前完成1个，尚未到期（无基线）"."""
    name = _get(row, "name") or ""
    kind = _get(row, "pacing") or "ramp"
    tail = f"（{baseline_text(row)}）" if with_baseline else ""
    if _get(row, "status") == "grey":
        return f"{name}本年尚未上报{tail}"
    if kind == "once":
        return f"{name}{comparison(row, as_of=as_of)}{tail}"
    return f"{name}{_value_text(row)}，{comparison(row, as_of=as_of)}{tail}"


def kpi_caption(row: Any, *, as_of: dt.date | None = None, brief: bool = False) -> str:
    """The words under a gauge: the comparison, the baseline and where the target comes from (`brief`: by place,
    year and article)."""
    source = kpi_source(row, brief=brief)
    return f"{comparison(row, as_of=as_of)}｜{baseline_text(row)}｜{source}"


def kpi_line(gauges: pd.DataFrame, *, as_of: dt.date | None = None,
             sources: str = "详见“指标”页") -> str | None:
    """KPIs behind, most behind first, each said against what it is measured by; the 示例 source once at the end."""
    behind = gauges[gauges["status"].isin(["red", "amber"])]
    behind = behind.assign(_k=[fmt.behind_first(lag, d) if _ok(lag) else 0.0
                               for lag, d in zip(behind["lag_pp"], behind["direction"], strict=True)]).sort_values("_k")
    if behind.empty:
        reported = gauges[gauges["status"] != "grey"]
        return f"{len(reported)}项指标均达到应达值" if len(reported) else None
    parts = [kpi_sentence(row._asdict(), as_of=as_of) for row in behind.itertuples(index=False)]
    line = f"{len(behind)}项指标滞后：" + "；".join(parts)
    if "is_demo" in gauges and gauges["is_demo"].fillna(False).astype(bool).any():
        line += f"（示例目标，参照其他区县2024年工作要点，{sources}）"
    return line


# --- the task list ------------------------------------------------------------------------------


def task_lines(totals: pd.DataFrame, *, year: int, month: int, as_of: dt.date,
               window: pacing.Window | None = None) -> list[str]:
    """One sentence per task-list indicator: "截至10月底，全区完成示范创建98家，完成率77.8%，低于时序进度11.3个百分点";
    with the window, first the 时序进度 and its basis (pace_basis)."""
    lines = []
    if window is not None and not totals.empty:
        lines.append(pace_basis(window, pacing.ref_date(year, month, as_of)))
    for row in totals.itertuples():
        lines.append(fmt.narrative_task_line(year=year, month=month, indicator=row.indicator, unit=row.unit,
                                             actual=row.actual, target=row.target,
                                             expected_rate=row.expected_rate, as_of=as_of))
    return lines


# --- stations -----------------------------------------------------------------------------------


def station_phrase(row: Any) -> str:
    """A station with its worst indicator and that indicator's lag: "明水所：示范创建 −19.1个百分点"."""
    station, ind = _get(row, "station"), _get(row, "worst_indicator")
    if not _ok(ind):
        return f"{station}：无任务"
    if _get(row, "worst_status") == "grey":
        return f"{station}：{ind}本年未报"
    return f"{station}：{ind} {signed_pp(_get(row, 'worst_lag_pp'))}"


def station_risks(lags: pd.DataFrame, statuses: tuple[str, ...] = ("red", "amber", "grey")) -> list[str]:
    """The stations at risk, most at risk first (metrics.station_lag's order), each named with its worst indicator:
    ["普集所：抱团发展活动 −89.1个百分点", …]. For the briefing and the kiosk."""
    return [station_phrase(r) for r in lags[lags["worst_status"].isin(statuses)].to_dict("records")]


def station_line(lags: pd.DataFrame, n: int = 5) -> str | None:
    """ "3个监管所有明显滞后的指标：明水所：示范创建 −19.1个百分点；…" — the status is the worst indicator's."""
    red = lags[lags["worst_status"] == "red"]
    amber = lags[lags["worst_status"] == "amber"]
    if red.empty and amber.empty:
        return "各监管所各项指标均达到时序进度"
    parts = []
    if not red.empty:
        more = f"等（共{len(red)}个）" if len(red) > n else ""
        parts.append(f"{len(red)}个监管所有明显滞后的指标：" + "；".join(station_risks(red.head(n), ("red",))) + more)
    if not amber.empty:
        more = f"等（共{len(amber)}个）" if len(amber) > n else ""
        parts.append("略有滞后：" + "；".join(station_risks(amber.head(n), ("amber",))) + more)
    return "；".join(parts)


# --- 包保 and the whole screen ------------------------------------------------------------------


def baobao_line(district: pd.DataFrame) -> str | None:
    """The district's 包保督导 in one sentence, every rate with its numerator and denominator and what it counts:
    "包保覆盖率99.6%（2,301/2,310），本季度督导完成率36.1%（…，季度时间进度33.7%），…，今年发现问题整改率（包保督导
    问题，累计）76.6%（1,678/2,190），逾期未整改问题（各来源）368个"."""
    if district.empty:
        return None
    r = district.iloc[0]
    if not r["n_business"]:
        return None

    def frac(num: str, den: str) -> str:
        return f"{fmt.num(r[num])}/{fmt.num(r[den])}"

    parts = [f"包保覆盖率{fmt.pct(r['coverage'])}（{frac('n_covered', 'n_business')}）",
             f"本季度督导完成率{fmt.pct(r['completion_rate'])}（{frac('n_done', 'n_assigned')}，"
             f"季度时间进度{fmt.pct(r['quarter_progress'])}）"]
    if _ok(r["onsite_rate"]):
        parts.append(f"高风险主体现场督导率{fmt.pct(r['onsite_rate'])}（{frac('n_high_risk_onsite', 'n_high_risk')}）")
    if _ok(r["ytd_close_rate"]):
        parts.append(f"今年发现问题整改率（包保督导问题，累计）{fmt.pct(r['ytd_close_rate'])}"
                     f"（{frac('n_prob_ytd_closed', 'n_prob_ytd')}）")
    parts.append(f"逾期未整改问题（各来源）{int(r['n_prob_overdue'])}个")
    return "，".join(parts)


def overview(*, totals: pd.DataFrame, lags: pd.DataFrame, year: int, month: int, as_of: dt.date,
             window: pacing.Window | None = None, unreported: tuple[str, ...] = (),
             reporting_station: str | None = None, n: int = 3) -> list[str]:
    """总览's headline in two lines. Line 1, the task list against 时序进度 and how many stations are red:
    "截至10月底，任务清单完成率：示范创建77.8%、…，时序进度89.1%；18个监管所中13个明显滞后、0个略有滞后"; line 2, who must
    act and who has not reported: "需督办13个所：普集所、枣园所、龙山所等（详见“需要督办”）；10月未报：枣园所".
    `unreported`: the stations named by submissions.not_reported (either report); `reporting_station`: the one station
    those cover (a 监管所 account's own, NotReported.station), so that none unreported says "10月本所（明水所）无未报"
    rather than of every station."""
    lines = []
    if not totals.empty:
        rates = "、".join(f"{r.indicator}{fmt.pct(r.rate)}" for r in totals.itertuples())
        head = f"{fmt.as_of_phrase(year, month, as_of)}，任务清单完成率：{rates}"
        if window is not None:
            head += f"，时序进度{fmt.pct(window.progress(pacing.ref_date(year, month, as_of)))}"
        if not lags.empty:
            red = int((lags["worst_status"] == "red").sum())
            amber = int((lags["worst_status"] == "amber").sum())
            head += f"；{len(lags)}个监管所中{red}个明显滞后、{amber}个略有滞后"
        lines.append(head)
    second = []
    red_names = lags.loc[lags["worst_status"] == "red", "station"].tolist() if not lags.empty else []
    if red_names:
        more = "等" if len(red_names) > n else ""
        second.append(f"需督办{len(red_names)}个所：{'、'.join(red_names[:n])}{more}（详见“需要督办”）")
    elif not lags.empty:
        second.append("各监管所各项任务均未明显滞后")
    if unreported:
        second.append(f"{month}月未报：{'、'.join(unreported)}")
    else:
        second.append(f"{month}月本所（{reporting_station}）无未报" if reporting_station else f"{month}月无未报的所")
    lines.append("；".join(second))
    return lines
