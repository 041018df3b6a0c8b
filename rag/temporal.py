"""Does a question ask about the latest news? ("this week", "recently", "currently" ...)

Such a question wants the newest reporting before its as-of date, so the retriever applies a
stronger recency prior to it than to a question about a fact that does not change.
"""

from __future__ import annotations

import re

# Phrases, not single words like "new" or "now": "New York" and "now-defunct" are not cues.
_CUES = ("this week", "last week", "this weekend", "last weekend", "this month", "today", "tonight", "yesterday",
         "recently", "recent", "latest", "currently", "right now", "so far this year", "this year", "this morning",
         "earlier this", "as of now", "at the moment", "these days")
_PATTERN = re.compile(r"\b(?:" + "|".join(re.escape(c) for c in _CUES) + r")\b", re.IGNORECASE)


def asks_for_latest(question: str) -> bool:
    return _PATTERN.search(question) is not None
