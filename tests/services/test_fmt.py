"""zh_CN display helpers: half-up rounding and the sentences the briefing uses."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from services.rules import fmt

D = dt.date


@pytest.mark.parametrize(
    ("x", "want"),
    [
        (0.25, 0.3),
        (700 / 9, 77.8),  # 77.777…
        ("5.55", 5.6),  # as a decimal string
        (5.55, 5.6),  # the float 5.55 is 5.5499999…; round(x, 10) restores what was meant
        (Decimal("5.55"), 5.6),
        (-5.549, -5.5),
        (-0.25, -0.3),  # half away from zero
        (0.1235 * 100, 12.4),  # 12.35 in float math; Python's round() gives 12.3
        (0.0005 * 100, 0.1),
        (77.75, 77.8),
    ],
)
def test_round_half_up(x, want):
    assert fmt.round_half_up(x) == want


def test_round_half_up_other_digits_and_missing():
    assert fmt.round_half_up(1.005 * 100, 0) == 101.0  # float math gives 100.49999999999999
    assert fmt.round_half_up(2.675, 2) == 2.68
    assert math.isnan(fmt.round_half_up(None))


def test_pct():
    assert fmt.pct(98 / 126) == "77.8%"
    assert fmt.pct(1) == "100.0%"
    assert fmt.pct(0.1235) == "12.4%"
    assert fmt.pct(-0.0004) == "0.0%"
    assert fmt.pct(None) == "—"
    assert fmt.pct(float("nan")) == "—"


def test_pp():
    assert fmt.pp(-5.51) == "-5.5个百分点"
    assert fmt.pp(5.5) == "5.5个百分点"
    assert fmt.pp(-0.04) == "0.0个百分点"


def test_labels_and_numbers():
    assert fmt.month_label(2022, 10) == "2022年10月"
    assert fmt.date_label(D(2022, 10, 31)) == "2022年10月31日"
    assert fmt.num(5505) == "5,505"
    assert fmt.num(5505.0) == "5,505"
    assert fmt.num(1234.56) == "1,234.6"
    assert fmt.num(0) == "0"
    assert fmt.num(None) == "—"


def test_pace_sentence_canonical():
    assert fmt.pace_sentence(98 / 126, 304 / 365) == "完成率77.8%，低于时序进度5.5个百分点"


def test_pace_sentence_lag_comes_from_unrounded_rates():
    # Shown rates 77.7% and 83.3% differ by 5.6, but the lag itself is 5.502 → 5.5.
    assert fmt.pace_sentence(0.77749, 0.83251) == "完成率77.7%，低于时序进度5.5个百分点"


def test_pace_sentence_ahead_and_level():
    assert fmt.pace_sentence(0.9, 0.8329) == "完成率90.0%，高于时序进度6.7个百分点"
    assert fmt.pace_sentence(0.5, 0.5004) == "完成率50.0%，与时序进度持平"


def test_narrative_task_line_month_end():
    line = fmt.narrative_task_line(
        year=2022, month=10, indicator="示范创建", unit="家", actual=98, target=126, expected_rate=304 / 365,
        as_of=D(2022, 10, 31),
    )
    assert line == "截至10月底，全区完成示范创建98家，完成率77.8%，低于时序进度5.5个百分点"


def test_narrative_task_line_inside_the_month():
    line = fmt.narrative_task_line(
        year=2022, month=10, indicator="示范创建", unit="家", actual=98, target=126, expected_rate=288 / 365,
        as_of=D(2022, 10, 15),
    )
    # 77.78% − 78.90% = −1.12 → 1.1
    assert line == "截至10月15日，全区完成示范创建98家，完成率77.8%，低于时序进度1.1个百分点"


def test_narrative_task_line_as_of_after_the_month_says_month_end():
    line = fmt.narrative_task_line(
        year=2022, month=9, indicator="视频监管试点", unit="家", actual=40, target=42, expected_rate=273 / 365,
        as_of=D(2022, 10, 31), scope="明水所",
    )
    assert line.startswith("截至9月底，明水所完成视频监管试点40家，完成率95.2%，高于时序进度")


def test_with_unit_reads_a_rate_as_a_percentage_and_a_count_with_its_unit():
    assert fmt.with_unit(0.96, "%") == "96.0%"
    assert fmt.with_unit(4.0, "批次/千人") == "4批次/千人"
    assert fmt.with_unit(1234.56, "家") == "1,234.6家"
    assert fmt.with_unit(None, "%") == fmt.MISSING
