"""督办: which station tasks go on the 督办 list. One rule, read by 任务清单's 督办清单, the 大屏's 督办 panel and the
briefing's 督办通报, so the three never list different rows."""

from __future__ import annotations

import pandas as pd

# A station × indicator row behind the time schedule: red (below 90% of the expected figure) or amber.
DUBAN_STATUSES = ("red", "amber")


def is_duban(status: str) -> bool:
    """Whether a task row with this pacing status goes on the 督办 list."""
    return status in DUBAN_STATUSES


def duban_tasks(progress: pd.DataFrame) -> pd.DataFrame:
    """The 督办 list from station × indicator progress rows (metrics.task_progress): the rows behind the time
    schedule (red or amber), furthest behind first (lag_pp ascending). No rows in, no rows out."""
    if progress.empty:
        return progress
    return progress[progress["status"].isin(DUBAN_STATUSES)].sort_values("lag_pp")
