"""总览's 需要督办 names the plans past their deadline (services/overview.overdue_plans_line), with who carries each, as
the briefing's 督办建议 does."""

from __future__ import annotations

import pandas as pd

from services import overview
from services.rules.plan_status import IN_PROGRESS, OVERDUE, SCHEDULE_OWNER


def tasks(n: int) -> pd.DataFrame:
    return pd.DataFrame({"number": range(1, n + 1), "title": [f"要点{i}。\n细则" for i in range(1, n + 1)],
                         "lead_units": ["食品经营监管科"] * n, "issuer": ["区市场监管局"] * n,
                         "deadline_label": ["2022年9月30日"] * n})


def schedule(statuses: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"time_text": [f"2022年{i + 1}月" for i in range(len(statuses))],
                         "focus": ["组织观摩交流活动"] * len(statuses), "status": statuses})


def test_nothing_overdue_says_nothing():
    assert overview.overdue_plans_line(tasks(0), schedule([IN_PROGRESS])) is None
    assert overview.overdue_plans_line(tasks(0), schedule([])) is None


def test_each_overdue_item_with_who_carries_it_and_the_rest_counted():
    line = overview.overdue_plans_line(tasks(1), schedule([IN_PROGRESS, OVERDUE]))
    assert line == ("逾期未完成：工作要点第1项要点1（食品经营监管科，期限2022年9月30日）；"
                    f"配档表2022年2月 组织观摩交流活动（{SCHEDULE_OWNER}）（详见“工作要点”）")
    many = overview.overdue_plans_line(tasks(5), schedule([OVERDUE] * 4), n=2)
    assert many.count("工作要点第") == 2 and many.count("配档表") == 2 and many.endswith("等9项（详见“工作要点”）")
