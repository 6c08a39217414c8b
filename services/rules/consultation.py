"""季度风险会商 (昌乐 002: 每季度组织召开风险会商会议): the quarter's window, the 主体责任 definitions, the status of a
不合格 batch's 核查处置, and the draft list of 会商 topics drawn from the quarter's figures. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# 主体责任 (002 流通 1–2): one definition with the year's figures.
from services.rules.oversight import DIRECTOR_TIERS, ENTERPRISE_SECTORS  # noqa: F401 - used through this module

QUARTERS = (1, 2, 3, 4)

# The 核查处置 of a 不合格 batch at the quarter's end.
DISPOSAL_DONE, DISPOSAL_OVERDUE, DISPOSAL_OPEN, DISPOSAL_NONE = "已处置", "逾期未处置", "处置中", "未登记核查处置"


@dataclass(frozen=True)
class QuarterWindow:
    """A quarter read up to `ref`: the first day .. min(the last day, as_of)."""

    year: int
    quarter: int
    start: dt.date
    end: dt.date
    ref: dt.date

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.quarter}季度"

    @property
    def months(self) -> list[int]:
        """The quarter's months begun by ref."""
        return list(range(self.start.month, self.ref.month + 1))


def quarter_window(year: int, quarter: int, as_of: dt.date) -> QuarterWindow:
    """The quarter's window; ValueError (in Chinese) for a quarter outside 1–4 or one not begun by as_of."""
    if quarter not in QUARTERS:
        raise ValueError(f"季度应为1–4，不是{quarter}")
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year, 12, 31) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)
    if start > as_of:
        raise ValueError(f"{year}年第{quarter}季度尚未开始（数据截至{as_of.year}年{as_of.month}月{as_of.day}日）")
    return QuarterWindow(year, quarter, start, end, min(end, as_of))


def latest_quarter(as_of: dt.date) -> tuple[int, int]:
    """(year, quarter) of the latest quarter begun by as_of."""
    return as_of.year, (as_of.month - 1) // 3 + 1


def disposal_status(*, filed: bool, closed: bool, deadline: dt.date | None, ref: dt.date) -> str:
    """A 不合格 batch's 核查处置 at ref: 已处置 (its problem closed by ref), 逾期未处置 (open past its deadline),
    处置中, or 未登记核查处置 (no 抽检 problem names the batch)."""
    if not filed:
        return DISPOSAL_NONE
    if closed:
        return DISPOSAL_DONE
    if deadline is not None and deadline < ref:
        return DISPOSAL_OVERDUE
    return DISPOSAL_OPEN


def who_acts(visit_cadre: str | None, packaging: str | None, station: str) -> str:
    """Who must rectify an overdue item: the cadre of the visit that found it, else the cadres packaging the
    business, else the station."""
    if visit_cadre:
        return visit_cadre
    if packaging:
        return packaging
    return f"{station}（无包保干部）"


@dataclass(frozen=True)
class TopicFacts:
    """What the draft topics are drawn from (counts by name, largest first where it matters)."""

    failed_by_category: list[tuple[str, int]] = field(default_factory=list)
    n_disposal_late: int = 0  # 不合格 batches 逾期未处置 or with no 核查处置 registered
    overdue_by_station: list[tuple[str, int]] = field(default_factory=list)
    open_by_source: list[tuple[str, int]] = field(default_factory=list)  # problems of the quarter still open
    unvisited_by_station: list[tuple[str, int]] = field(default_factory=list)
    high_risk_label: str = "C、D级"
    n_no_director: int = 0
    n_no_officer: int = 0
    n_records_gap: int = 0


def _leaders(pairs: list[tuple[str, int]]) -> tuple[list[str], int]:
    """The names sharing the largest positive count, and that count."""
    top = max((n for _, n in pairs), default=0)
    return ([name for name, n in pairs if n == top] if top > 0 else []), top


def _most(pairs: list[tuple[str, int]], unit: str, k: int = 3) -> str:
    """The k largest positive counts with their names, largest first: "双山所4个、明水所2个"."""
    ranked = sorted((p for p in pairs if p[1] > 0), key=lambda p: -p[1])[:k]
    return "、".join(f"{name}{n}{unit}" for name, n in ranked)


def topics(f: TopicFacts) -> list[str]:
    """The draft list of 会商 topics: each a sentence with the figure it stands on; a quiet quarter gets one line."""
    out: list[str] = []
    cats, n = _leaders(f.failed_by_category)
    if cats:
        out.append(f"{'、'.join(cats)}不合格{n}批次，建议列为下季度重点抽检品类")
    if f.n_disposal_late:
        out.append(f"不合格食品{f.n_disposal_late}批次核查处置逾期或未登记，建议督促限期办结并上报处置结果")
    total = sum(k for _, k in f.overdue_by_station)
    if total:
        out.append(f"逾期未整改问题隐患共{total}个（{_most(f.overdue_by_station, '个')}），建议会商督办、明确整改时限")
    sources, n = _leaders(f.open_by_source)
    if sources:
        out.append(f"本季度{'、'.join(sources)}发现的问题尚有{n}个未整改，建议跟进督促销号")
    unvisited = sum(k for _, k in f.unvisited_by_station)
    if unvisited:
        out.append(f"{unvisited}家高风险（{f.high_risk_label}）主体本季度未开展现场督导"
                   f"（{_most(f.unvisited_by_station, '家')}），建议下季度首月内完成现场督导")
    if f.n_no_director or f.n_no_officer:
        parts = [*([f"{f.n_no_director}家A、B级企业未配备食品安全总监"] if f.n_no_director else []),
                 *([f"{f.n_no_officer}家企业未配备食品安全员"] if f.n_no_officer else [])]
        out.append(f"{'，'.join(parts)}，建议督促限期配齐")
    if f.n_records_gap:
        out.append(f"{f.n_records_gap}家企业本季度日管控、周排查、月调度记录不全，建议列为包保督导重点检查内容")
    return out or ["本季度抽检、整改、督导和主体责任各项未见突出问题，建议按常规开展会商"]
