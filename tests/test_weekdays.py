"""A weekday in a short answer is given its calendar date from the report's own date."""

from __future__ import annotations

from datetime import date

import pytest

from rag.weekdays import weekday_date, with_date

TUESDAY = "2022-07-12"


@pytest.mark.parametrize(("answer", "sentence", "expected"), [
    ("Monday", "Biden released the image on Monday.", date(2022, 7, 11)),  # the last Monday
    ("late-night Saturday", "The couple got married late-night Saturday.", date(2022, 7, 9)),
    ("Tuesday", "The agency said on Tuesday that it had finished.", date(2022, 7, 12)),  # the report's own day
    ("Thursday", "The committee will meet on Thursday.", date(2022, 7, 14)),  # the future: the next Thursday
    ("Monday", "The vote is set to take place on Monday.", date(2022, 7, 18)),
    ("Friday", "The vote is scheduled for Friday.", date(2022, 7, 15)),
    ("Friday", "Officials expect the storm to hit on Friday.", date(2022, 7, 15)),
    # the weekday dates a past act, though another clause speaks of the future
    ("Friday", "The company said Friday it will lay off 1,000 workers.", date(2022, 7, 8)),
    ("Monday", "The museum will reopen in September, its director said Monday.", date(2022, 7, 11)),
    ("Friday", "He set a record on Friday and will race again next month.", date(2022, 7, 8)),
    # ... and a future act, though another clause is past
    ("Friday", "The director said the museum will reopen on Friday.", date(2022, 7, 15)),
])
def test_a_weekday_is_the_nearest_such_day_in_the_direction_the_sentence_speaks_of(answer, sentence, expected):
    found = weekday_date(answer, TUESDAY, sentence)
    assert found == expected and found.strftime("%A").lower() in answer.lower()


@pytest.mark.parametrize(("answer", "published"), [
    ("Monday, July 11", TUESDAY),  # already a date
    ("Monday 11 July 2022", TUESDAY),
    ("between Monday and Friday", TUESDAY),  # two days: no one date
    ("last week", TUESDAY),
    ("Monday", None),  # an undated report fixes nothing
])
def test_an_answer_that_is_not_one_bare_weekday_is_left_as_it_is(answer, published):
    assert weekday_date(answer, published, "It happened.") is None
    assert with_date(answer, published, "It happened.") == answer


def test_the_date_is_written_after_the_answer_as_the_answer_text_dates_reports():
    assert with_date("Monday", TUESDAY, "It happened on Monday.") == "Monday (11 July 2022)"
