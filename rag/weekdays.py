"""A weekday in a report, as a calendar date: "Monday" in an article of Tuesday 12 July 2022 is 11 July.

News dates recent events by weekday alone ("Biden released the image on Monday"); a short answer that says only
"Monday" is no answer a week later. The report's own date fixes which Monday: the last one on or before it, or
the next one after it when the sentence speaks of the future ("the vote will take place on Monday").
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from rag import lexicon as L
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
    if _FUTURE.search(sentence):
        return day + timedelta(days=(days[0] - day.weekday()) % 7)
    return day - timedelta(days=(day.weekday() - days[0]) % 7)


def with_date(answer: str, published: str | None, sentence: str) -> str:
    """'Monday' -> 'Monday (11 July 2022)'; any other answer unchanged."""
    found = weekday_date(answer, published, sentence)
    return f"{answer} ({human_date(found.isoformat())})" if found else answer
