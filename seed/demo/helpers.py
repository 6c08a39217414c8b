"""Small helpers of the demo generator: dates, codes, weighted draws, working days, lineage."""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import math
import random
from collections.abc import Sequence
from typing import Any

import chinese_calendar

from seed.demo.vocab import USCC_CHARS, USCC_WEIGHTS, YEAR, YEAR_START
from services.rules.deadlines import report_deadline as _report_deadline


def report_deadline(year: int, month: int) -> dt.date:
    """Month's report deadline: the 23rd, moved to the next working day (调休 included)."""
    return _report_deadline(year, month)[0]


def with_year(d: dt.date | None, year: int) -> dt.date | None:
    """The same day in another year (29 Feb becomes 28 Feb)."""
    if d is None:
        return None
    day = min(d.day, calendar.monthrange(year, d.month)[1])
    return dt.date(year, d.month, day)


def uscc(rng: random.Random, prefix: str) -> str:
    """An 18-character code shaped like a 统一社会信用代码 with a valid check character (invented, 示例)."""
    body = prefix + "370114" + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def doc_kind(source_doc: str | None) -> str:
    """What kind of document a rule came from, for the 示例 gauge's note (most are 工作要点)."""
    text = source_doc or ""
    for word, kind in (("工作要点", "工作要点"), ("计划", "工作计划"), ("通知", "通知")):
        if word in text:
            return kind
    return "公开文件"


def township_short(name: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def largest_remainder(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split total into integers proportional to weights (each at least `minimum`), summing exactly to total."""
    free = total - minimum * len(weights)
    wsum = sum(weights)
    raw = [free * w / wsum for w in weights]
    out = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in order[: free - sum(out)]:
        out[i] += 1
    return [x + minimum for x in out]


def lineage(**values: Any) -> dict[str, Any]:
    """A generated row: demo, and from no import batch."""
    return {**values, "is_demo": True, "batch_id": None, "src_sheet": None, "src_row": None}


class Workdays:
    """Working days of 2022 (official calendar, 调休 included), for dates people act on."""

    def __init__(self, start: dt.date = YEAR_START, end: dt.date = dt.date(YEAR, 12, 31)):
        days = (start + dt.timedelta(n) for n in range((end - start).days + 1))
        self.days = [d for d in days if chinese_calendar.is_workday(d)]

    def pick(self, rng: random.Random, start: dt.date, end: dt.date) -> dt.date | None:
        """A random working day in [start, end]; any day when the window has none; None when it is empty."""
        if end < start:
            return None
        lo, hi = bisect.bisect_left(self.days, start), bisect.bisect_right(self.days, end)
        if hi > lo:
            return self.days[rng.randrange(lo, hi)]
        return start + dt.timedelta(rng.randrange((end - start).days + 1))

