"""A weekday in a report, as a calendar date: "Monday" in an article of Tuesday 12 July 2022 is 11 July.

News dates recent events by weekday alone ("Biden released the image on Monday"); a short answer that says only
"Monday" is no answer a week later. The report's own date fixes which Monday: the last one on or before it, or
the next one after it when the sentence speaks of the future ("the vote will take place on Monday").
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from rag import lexicon as L
from rag.nlp import analyzer, future_of, governing
from rag.text import human_date, words

# Words that put the sentence's event after the report (lexicon.FUTURE_MARKERS).
_FUTURE = re.compile(r"\b(?:" + "|".join(r"\s+".join(map(re.escape, m.split())) for m in L.FUTURE_MARKERS)
                     + r")\b", re.IGNORECASE)
# A date that already names its month or year needs nothing added ("Monday, July 11", "Monday 11 July 2022").
_CALENDAR = re.compile(r"\d|\b(?:" + "|".join(L.MONTHS) + r")\b", re.IGNORECASE)


def weekday_date(answer: str, published: str | None, sentence: str) -> date | None:
    """The calendar day the weekday in `answer` stands for in a report dated `published` (ISO), or None when the
    answer is not a bare weekday ("Monday", "late Saturday night") or the report is undated."""
    if not published or _CALENDAR.search(answer):
        return None
    days = [L.WEEKDAYS.index(w) for w in words(answer) if w in L.WEEKDAYS]
    if len(days) != 1:
        return None
    day = date.fromisoformat(published[:10])
    if _ahead(answer, sentence):
        return day + timedelta(days=(days[0] - day.weekday()) % 7)
    return day - timedelta(days=(day.weekday() - days[0]) % 7)


def _ahead(answer: str, sentence: str) -> bool:
    """Does the sentence put the weekday ahead of the report? The tense of the verb the weekday dates ("said Friday it
    will ..." is a past Friday); the sentence's words when the parse does not tell."""
    parse = analyzer().parse(sentence)
    i = governing(parse, sentence.find(answer), len(answer))
    future = None if i is None else future_of(parse, i)
    return bool(_FUTURE.search(sentence)) if future is None else future


def with_date(answer: str, published: str | None, sentence: str) -> str:
    """'Monday' -> 'Monday (11 July 2022)'; any other answer unchanged."""
    found = weekday_date(answer, published, sentence)
    return f"{answer} ({human_date(found.isoformat())})" if found else answer
