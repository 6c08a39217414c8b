"""Pacing math: time progress, the three pacing kinds, status boundaries and the frame helper."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from services.rules import pacing
from services.rules.deadlines import FALLBACK_NOTE, report_deadline
from services.rules.pacing import expected, lag_pp, pace_frame, quarter_progress, status, time_progress

D = dt.date


class TestTimeProgress:
    def test_canonical_october_2022(self):
        # Jan 31 + Feb 28 + Mar 31 + Apr 30 + May 31 + Jun 30 + Jul 31 + Aug 31 + Sep 30 + Oct 31 = 304
        assert time_progress(2022, 10, D(2022, 10, 31)) == 304 / 365

    def test_first_of_january_counts_one_day(self):
        assert time_progress(2022, 1, D(2022, 1, 1)) == 1 / 365

    def test_december_31_is_one(self):
        assert time_progress(2022, 12, D(2022, 12, 31)) == 1.0

    def test_as_of_before_the_month_end_stops_the_clock(self):
        # 273 days to 30 Sep, then 15 October days
        assert time_progress(2022, 10, D(2022, 10, 15)) == 288 / 365

    def test_as_of_in_the_previous_year_is_zero(self):
        assert time_progress(2022, 3, D(2021, 12, 31)) == 0.0

    def test_as_of_in_a_later_year_counts_to_the_month_end(self):
        assert time_progress(2022, 6, D(2023, 3, 1)) == 181 / 365

    def test_leap_year_has_366_days(self):
        assert time_progress(2024, 2, D(2024, 2, 29)) == 60 / 366
        assert time_progress(2024, 10, D(2024, 10, 31)) == 305 / 366
        assert time_progress(2024, 12, D(2025, 1, 5)) == 1.0

    def test_quarter_progress(self):
        assert quarter_progress(2022, 10, D(2022, 10, 31)) == 31 / 92
        assert quarter_progress(2022, 11, D(2022, 11, 15)) == 46 / 92
        assert quarter_progress(2022, 3, D(2022, 10, 31)) == 1.0
        assert quarter_progress(2024, 2, D(2024, 2, 29)) == 60 / 91
        assert quarter_progress(2022, 4, D(2022, 3, 31)) == 0.0


class TestExpected:
    def test_ramp_defaults_to_zero_baseline_and_31_december(self):
        assert expected("ramp", 126, year=2022, month=10, as_of=D(2022, 10, 31)) == pytest.approx(126 * 304 / 365)

    def test_ramp_with_baseline_and_an_early_due_date(self):
        # due 30 Jun = day 181; end of March = day 90
        got = expected("ramp", 1.0, year=2022, month=3, as_of=D(2022, 10, 31), baseline=0.5, due_date=D(2022, 6, 30))
        assert got == pytest.approx(0.5 + 0.5 * 90 / 181)

    def test_ramp_is_capped_at_the_target_after_its_due_date(self):
        got = expected("ramp", 1.0, year=2022, month=9, as_of=D(2022, 10, 31), baseline=0.5, due_date=D(2022, 6, 30))
        assert got == 1.0

    def test_ramp_before_the_year_starts_is_the_baseline(self):
        assert expected("ramp", 1.0, year=2022, month=5, as_of=D(2021, 12, 1), baseline=0.6) == 0.6

    def test_ramp_uses_as_of_inside_the_month(self):
        assert expected("ramp", 365, year=2022, month=10, as_of=D(2022, 10, 15)) == 288

    def test_level_is_the_target_at_every_date(self):
        assert expected("level", 0.95, year=2022, month=1, as_of=D(2022, 1, 1)) == 0.95
        assert expected("level", 0.95, year=2022, month=12, as_of=D(2022, 12, 31)) == 0.95

    @pytest.mark.parametrize(
        ("month", "as_of", "want"),
        [
            (6, D(2022, 6, 29), 0.0),  # the day before the due date
            (6, D(2022, 6, 30), 1.0),  # on it (inclusive)
            (7, D(2022, 10, 31), 1.0),  # after it
            (5, D(2022, 10, 31), 0.0),  # an earlier month is paced at its own end
        ],
    )
    def test_once_switches_on_at_its_due_date(self, month, as_of, want):
        assert expected("once", 1, year=2022, month=month, as_of=as_of, due_date=D(2022, 6, 30)) == want

    def test_once_defaults_to_31_december(self):
        assert expected("once", 1, year=2022, month=12, as_of=D(2022, 12, 30)) == 0.0
        assert expected("once", 1, year=2022, month=12, as_of=D(2022, 12, 31)) == 1.0

    def test_unknown_kind_is_an_error(self):
        with pytest.raises(ValueError):
            expected("linear", 1, year=2022, month=1, as_of=D(2022, 1, 31))


class TestStatus:
    @pytest.mark.parametrize(
        ("actual", "want"),
        [(100.5, "green"), (100, "green"), (99.99, "amber"), (90, "amber"), (89.99, "red"), (0, "red")],
    )
    def test_at_least(self, actual, want):
        assert status(actual, 100, ">=") == want

    @pytest.mark.parametrize(
        ("actual", "want"),
        [(50, "green"), (100, "green"), (100.01, "amber"), (110, "amber"), (110.01, "red")],
    )
    def test_at_most(self, actual, want):
        assert status(actual, 100, "<=") == want

    def test_amber_boundary_for_a_rate_target(self):
        # 0.855 = 0.9 × 0.95 exactly: amber, even though float 0.9 * 0.95 = 0.855 rounds either way
        assert status(0.855, 0.95) == "amber"
        assert status(0.8549, 0.95) == "red"
        assert status(0.022, 0.02, "<=") == "amber"  # 1.1 × 2%
        assert status(0.0221, 0.02, "<=") == "red"

    def test_exactly_on_pace_is_green_despite_float_noise(self):
        exp = expected("ramp", 126, year=2022, month=10, as_of=D(2022, 10, 31))
        assert status(126 * (304 / 365), exp) == "green"

    def test_grey_when_not_reported(self):
        assert status(200, 100, reported=False) == "grey"
        assert status(None, 100) == "grey"

    def test_canonical_case_is_amber(self):
        # 98 against 126 × 304/365 = 104.94: below expected, above 0.9 × 104.94 = 94.45
        assert status(98, 126 * 304 / 365) == "amber"

    def test_lag_in_percentage_points_is_unrounded(self):
        assert lag_pp(98 / 126, 304 / 365) == pytest.approx(-5.5099, abs=1e-4)

    def test_worst_status(self):
        assert pacing.worst_status(["green", "amber", "red"]) == "red"
        assert pacing.worst_status(["green", "grey"]) == "grey"
        assert pacing.worst_status(["green", "green"]) == "green"
        assert pacing.worst_status([]) == "grey"


def test_pace_frame_counts_rates_and_kinds():
    df = pd.DataFrame(
        {
            "name": ["示范创建", "赋码率", "实训中心", "不合格率", "未报"],
            "unit": ["家", "%", "个", "%", "家"],
            "target": [126.0, 1.0, 1.0, 0.02, 10.0],
            "actual": [98.0, 0.95, 0.0, 0.021, 0.0],
            "kind": ["ramp", "ramp", "once", "level", "ramp"],
            "baseline": [None, 0.6, None, None, None],
            "due_date": [None, None, D(2022, 12, 31), None, None],
            "direction": [">=", ">=", ">=", "<=", ">="],
            "reported": [True, True, True, True, False],
        }
    )
    got = pace_frame(df, year=2022, month=10, as_of=D(2022, 10, 31))
    p = 304 / 365
    want = df.assign(
        expected=[126 * p, 0.6 + 0.4 * p, 0.0, 0.02, 10 * p],
        time_progress=[p] * 5,
        rate=[98 / 126, 0.95, 0.0, 0.021, 0.0],
        expected_rate=[p, 0.6 + 0.4 * p, 0.0, 0.02, p],
    )
    want["lag_pp"] = (want["rate"] - want["expected_rate"]) * 100
    want["status"] = ["amber", "green", "green", "amber", "grey"]
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)


def test_pace_frame_defaults_to_a_ramp_count_and_paces_each_row_at_its_month():
    df = pd.DataFrame({"month": [3, 6], "target": [365.0, 365.0], "actual": [90.0, 150.0]})
    got = pace_frame(df, year=2022, month=None, as_of=D(2022, 10, 31))
    assert got["expected"].tolist() == [90.0, 181.0]
    assert got["status"].tolist() == ["green", "red"]  # 150 < 0.9 × 181 = 162.9


def test_zero_target_has_no_rate():
    got = pace_frame(pd.DataFrame({"target": [0.0], "actual": [2.0]}), year=2022, month=10, as_of=D(2022, 10, 31))
    assert got["rate"].isna().all() and got["lag_pp"].isna().all()
    assert got["status"].tolist() == ["green"]


@pytest.mark.parametrize(
    ("year", "month", "due"),
    [
        (2023, 1, D(2023, 1, 28)),  # 春节: the 28th is a Saturday make-up workday (调休)
        (2023, 6, D(2023, 6, 25)),  # 端午 holiday, then the Sunday workday
        (2024, 11, D(2024, 11, 25)),  # Saturday → Monday
        (2022, 10, D(2022, 10, 24)),  # Sunday → Monday
        (2022, 3, D(2022, 3, 23)),  # a plain Wednesday
    ],
)
def test_report_deadline_follows_the_official_calendar(year, month, due):
    assert report_deadline(year, month) == (due, None)


def test_report_deadline_beyond_the_calendar_falls_back_to_weekends():
    # 2040-06-23 is a Saturday; the package knows no holidays for 2040
    assert report_deadline(2040, 6) == (D(2040, 6, 25), FALLBACK_NOTE)
    assert report_deadline(2040, 5) == (D(2040, 5, 23), FALLBACK_NOTE)  # a Wednesday
    assert FALLBACK_NOTE == "超出chinese-calendar数据范围，按周末顺延"


# --- windows from the documents (issue 15) -----------------------------------------------------

from services.rules.pacing import Window, window_progress, year_window  # noqa: E402

MAR1, NOV30 = D(2022, 3, 1), D(2022, 11, 30)


class TestWindow:
    def test_canonical_task_list_window(self):
        """004 三(二): 专项整治及监管提升阶段 2022-03-01 … 11-30; at 31 Oct 245 of 275 days = 89.1%."""
        assert time_progress(2022, 10, D(2022, 10, 31), start=MAR1, due=NOV30) == 245 / 275
        assert round(245 / 275 * 100, 1) == 89.1
        e = expected("ramp", 126, year=2022, month=10, as_of=D(2022, 10, 31), due_date=NOV30, window_start=MAR1)
        assert e == pytest.approx(126 * 245 / 275) and round(e, 1) == 112.3
        assert round(lag_pp(98 / 126, e / 126), 1) == -11.3
        assert status(98, e) == "red"

    def test_before_the_window_starts_nothing_is_expected(self):
        assert window_progress(MAR1, NOV30, D(2022, 2, 28)) == 0.0
        assert expected("ramp", 126, year=2022, month=2, as_of=D(2022, 10, 31), due_date=NOV30,
                        window_start=MAR1) == 0.0
        assert time_progress(2022, 3, D(2022, 3, 1), start=MAR1, due=NOV30) == 1 / 275

    def test_after_the_due_date_the_target_is_owed(self):
        assert window_progress(MAR1, NOV30, D(2022, 11, 30)) == 1.0
        assert expected("ramp", 126, year=2022, month=12, as_of=D(2022, 12, 31), due_date=NOV30,
                        window_start=MAR1) == 126.0

    def test_leap_year_window(self):
        # 2024-03-01 … 11-30 has 275 days too; a window over February counts the 29th.
        assert time_progress(2024, 10, D(2024, 10, 31), start=D(2024, 3, 1), due=D(2024, 11, 30)) == 245 / 275
        assert window_progress(D(2024, 2, 1), D(2024, 3, 31), D(2024, 2, 29)) == 29 / 60
        assert year_window(2024).days == 366 and year_window(2022).days == 365

    def test_a_window_ending_before_it_starts_is_wholly_owed(self):
        assert window_progress(D(2022, 5, 1), D(2022, 4, 1), D(2022, 1, 1)) == 1.0

    def test_window_source_and_elapsed(self):
        w = Window(MAR1, NOV30, source_doc="章市监管发〔2022〕9号", source_clause="三(二)")
        assert (w.days, w.elapsed(D(2022, 10, 31)), w.source) == (275, 245, "章市监管发〔2022〕9号 三(二)")
        y = year_window(2022)
        assert (y.start, y.due, y.stated, y.source) == (D(2022, 1, 1), D(2022, 12, 31), False, None)

    def test_pace_frame_reads_window_start_and_adds_time_progress(self):
        df = pd.DataFrame({"target": [126.0, 126.0], "actual": [98.0, 98.0],
                           "window_start": [MAR1, None], "due_date": [NOV30, None]})
        out = pace_frame(df, year=2022, month=10, as_of=D(2022, 10, 31))
        assert out["time_progress"].tolist() == [245 / 275, 304 / 365]
        assert out["status"].tolist() == ["red", "amber"]
