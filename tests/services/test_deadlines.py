"""Monthly report deadlines (DOMAIN.md §5): the 23rd, inclusive, moved to the next working day with the official
make-up workdays; past chinese-calendar's last year, weekends only and a note. Dates checked against a calendar."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from services.rules import deadlines
from services.rules.deadlines import FALLBACK_NOTE, report_deadline

D = dt.date


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2023, 1, D(2023, 1, 28)),  # 春节 21–27 Jan; Saturday 28 Jan was a make-up workday (调休)
        (2023, 6, D(2023, 6, 25)),  # 端午 22–24 Jun; Sunday 25 Jun was a make-up workday
        (2024, 11, D(2024, 11, 25)),  # Saturday 23 Nov → Monday 25 Nov
        (2022, 10, D(2022, 10, 24)),  # Sunday 23 Oct → Monday 24 Oct
        (2022, 9, D(2022, 9, 23)),  # a Friday: the day itself
    ],
)
def test_deadline_follows_the_official_calendar(year, month, expected):
    assert report_deadline(year, month) == (expected, None)


def test_past_the_calendar_weekends_only_with_a_note():
    # 23 Jan 2100 is a Saturday: Monday 25 Jan, by weekends only (no holiday notice exists for that year).
    assert D(2100, 1, 23).weekday() == 5
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2100, 1, 23))
    assert report_deadline(2100, 1) == (D(2100, 1, 25), FALLBACK_NOTE)
    # 23 Mar 2100 is a Tuesday: the day itself, still with the note (the calendar could not confirm it)
    assert report_deadline(2100, 3) == (D(2100, 3, 23), FALLBACK_NOTE)
    assert FALLBACK_NOTE == "超出chinese-calendar数据范围，按周末顺延"


def test_the_year_after_the_packaged_data_falls_back():
    """The first year chinese-calendar does not ship: the fallback, whatever the package version."""
    last = max(chinese_calendar.constants.holidays).year
    got, note = report_deadline(last + 1, 1)
    assert note == FALLBACK_NOTE
    expected = D(last + 1, 1, 23)
    while expected.weekday() >= 5:
        expected += dt.timedelta(days=1)
    assert got == expected


def test_a_walk_that_leaves_the_calendar_keeps_the_note(monkeypatch):
    """A deadline whose walk reaches a day the calendar does not know says so, even if it started inside it."""
    real = chinese_calendar.is_workday

    def known_until_the_24th(d):
        if d >= D(2022, 10, 24):
            raise NotImplementedError
        return real(d)

    monkeypatch.setattr(deadlines.chinese_calendar, "is_workday", known_until_the_24th)
    assert report_deadline(2022, 10) == (D(2022, 10, 24), FALLBACK_NOTE)


def test_a_month_is_required_from_the_rules_first_month():
    from services.rules.deadlines import is_required

    assert [m for m in range(1, 13) if is_required(m, 5)] == list(range(5, 13))
    assert not any(is_required(m, None) for m in range(1, 13))  # the rule does not reach the year
