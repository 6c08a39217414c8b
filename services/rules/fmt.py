"""zh_CN display helpers: half-up rounding, percentages, 个百分点, dates and the pace sentence."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal

from services.rules.pacing import month_end

MISSING = "—"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or str(x) in ("<NA>", "NaT")


def round_half_up(x: float | str | Decimal, digits: int = 1) -> float:
    """Round half away from zero (四舍五入) to `digits` decimals.

    Floats first go through round(x, 10): that strips binary noise from float math (1.005 × 100 =
    100.49999999999999) while keeping what the number was meant to be, so 5.55 → 5.6 and 0.25 → 0.3.
    Strings and Decimals are taken as written.
    """
    if _missing(x):
        return math.nan
    d = Decimal(x) if isinstance(x, str | Decimal) else Decimal(repr(round(float(x), 10)))
    return float(d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _fixed(x: float, digits: int) -> str:
    r = round_half_up(x, digits)
    # -0.0 after rounding reads as a negative nothing; show it as 0.
    return f"{(r if r != 0 else 0.0):.{digits}f}"


def pct(fraction: float | None, digits: int = 1) -> str:
    """0.7778 → "77.8%"."""
    if _missing(fraction):
        return MISSING
    return _fixed(float(fraction) * 100, digits) + "%"


def pp(lag: float | None, digits: int = 1) -> str:
    """A lag in percentage points, signed as given: -5.51 → "-5.5个百分点"."""
    if _missing(lag):
        return MISSING
    return _fixed(float(lag), digits) + "个百分点"


def month_label(year: int, month: int) -> str:
    return f"{year}年{month}月"


def date_label(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def num(x: float | None, digits: int = 1) -> str:
    """Counts: 5505 → "5,505"; a fraction keeps `digits` decimals, half-up: 1234.56 → "1,234.6"."""
    if _missing(x):
        return MISSING
    r = round_half_up(x, digits)
    if r == int(r):
        return f"{int(r):,}"
    return f"{r:,.{digits}f}"


def with_unit(x: float | None, unit: str) -> str:
    """A KPI figure as people read it: a rate (unit "%") as a percentage, 96.0%; anything else with its unit, 4批次."""
    return pct(x) if unit == "%" else f"{num(x)}{unit}"


def pace_sentence(actual_rate: float, expected_rate: float) -> str:
    """ "完成率77.8%，低于时序进度5.5个百分点" — the lag is rounded from the unrounded rates, not from 77.8 − 83.3."""
    lag = round_half_up((actual_rate - expected_rate) * 100)
    head = f"完成率{pct(actual_rate)}"
    if lag == 0:
        return head + "，与时序进度持平"
    word = "低于" if lag < 0 else "高于"
    return f"{head}，{word}时序进度{pp(abs(lag))}"


_MD_SPECIAL = set("\\`*_{}[]()#!|<>:~$")
WORD_JOINER = "\u2060"  # invisible, zero width, not whitespace
_WWW_DOT = re.compile(r"(?<=www)\.", re.IGNORECASE)


def md_escape(text: object) -> str:
    """Text from the data (names, titles) made inert in Markdown: no links, images, colour tags or emphasis.

    Backslashes stop what the parser would read as markup. Streamlit then rewrites the parsed text itself, where
    no backslash is left: GFM autolink literals (http://…, www.…, a@b.cn) become links and :material/…:,
    :streamlit: become icons. An invisible word joiner after every ':' and '@' and before the '.' of "www." breaks
    those patterns; the reader sees the same characters."""
    s = _WWW_DOT.sub(WORD_JOINER + ".", str(text))
    out = []
    for ch in s:
        out.append("\\" + ch if ch in _MD_SPECIAL else ch)
        if ch in ":@":
            out.append(WORD_JOINER)
    return "".join(out)


def lag_words(lag: float | None, direction: str = ">=") -> str:
    """The lag in words. ≥ KPIs: "低于时序进度5.5个百分点" / "高于…"; ≤ KPIs (a ceiling): "超出控制值1.0个百分点" /
    "低于控制值…". Rounded half-up from the unrounded lag; a rounded 0 reads "与时序进度持平"."""
    if _missing(lag):
        return MISSING
    r = round_half_up(lag)
    if r == 0:
        return "与时序进度持平"
    if direction == "<=":
        return f"{'超出' if r > 0 else '低于'}控制值{abs(r):.1f}个百分点"
    return f"{'高于' if r > 0 else '低于'}时序进度{abs(r):.1f}个百分点"


def behind_first(lag: float, direction: str = ">=") -> float:
    """A sort key: the most behind first, whichever way the KPI counts."""
    return -lag if direction == "<=" else lag


def as_of_phrase(year: int, month: int, as_of: dt.date | None = None) -> str:
    """ "截至10月底", or "截至10月15日" when as_of falls before the month's last day."""
    end = month_end(year, month)
    if as_of is None or as_of >= end:
        return f"截至{month}月底"
    return f"截至{as_of.month}月{as_of.day}日"


def narrative_task_line(
    *,
    year: int,
    month: int,
    indicator: str,
    unit: str,
    actual: float,
    target: float,
    expected_rate: float,
    as_of: dt.date | None = None,
    scope: str = "全区",
) -> str:
    """ "截至10月底，全区完成示范创建98家，完成率77.8%，低于时序进度5.5个百分点"."""
    rate = actual / target if target else math.nan
    tail = pace_sentence(rate, expected_rate) if target else "无年度目标"
    return f"{as_of_phrase(year, month, as_of)}，{scope}完成{indicator}{num(actual)}{unit}，{tail}"
