"""工作要点 and 配档表 words: the status shown from the recorded one and the deadline, how a deadline reads, and the
label a reference plan is shown under (DOMAIN.md §2). Pure functions."""

from __future__ import annotations

import datetime as dt
import math
import re

NOT_STARTED, IN_PROGRESS, DONE, DELAYED = "未开始", "进行中", "已完成", "已延期"  # recorded (db.models.PLAN_STATUSES)
OVERDUE = "逾期未完成"  # shown, never recorded
SHOWN_STATUSES = (NOT_STARTED, IN_PROGRESS, DELAYED, OVERDUE, DONE)
# Deadline kinds (db.models.DEADLINE_KINDS) and how a deadline without a date is shown.
KIND_DATE, KIND_YEAR, KIND_OPEN, KIND_UNDATED = "日期", "全年", "长期", "未定"
DEADLINE_WORDS = {KIND_YEAR: "全年", KIND_OPEN: "长期", KIND_UNDATED: "未定期限"}
# Who carries out the 配档表 (章市监管发〔2022〕9号 四(一)): the 食品生产监管科 coordinates, the stations act.
SCHEDULE_OWNER = "食品生产监管科（统筹）、各监管所（落实）"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or str(x) in ("<NA>", "NaT", "nan", "None")


def shown_status(recorded: str | None, due: dt.date | None, ref: dt.date) -> str:
    """The status shown for a plan task or a 配档表 row: 已完成; else 逾期未完成 once `due` has passed (已延期
    included); else the recorded one (未开始 when none). `due` None (长期 / 未定) is never overdue."""
    if recorded == DONE:
        return DONE
    if due is not None and due < ref:
        return OVERDUE
    return recorded or NOT_STARTED


def deadline_label(deadline: dt.date | None, kind: str | None, basis: str | None = None) -> str:
    """How a deadline reads: "2022年11月30日（依据：三(二)）", "全年", "长期", "未定期限"."""
    if kind in (KIND_YEAR, KIND_OPEN, KIND_UNDATED) or _missing(deadline):
        return DEADLINE_WORDS.get(kind or KIND_UNDATED, DEADLINE_WORDS[KIND_UNDATED])
    text = f"{deadline.year}年{deadline.month}月{deadline.day}日"
    return f"{text}（依据：{basis}）" if basis and not _missing(basis) else text


_PLACE = re.compile(r"^(?:.+?省)?(?:.+?市(?=.+?[区县]$))?")


def short_jurisdiction(jurisdiction: str) -> str:
    """"天津市南开区" → "南开区", "山东省潍坊市昌乐县" → "昌乐县", "章丘区" stays."""
    return _PLACE.sub("", jurisdiction) or jurisdiction


def reference_label(jurisdiction: str, year: int) -> str:
    """The label a reference plan is always shown under: "参考：南开区2024年工作要点"."""
    return f"参考：{short_jurisdiction(jurisdiction)}{int(year)}年工作要点"


