"""Small text utilities shared by answering, lexical scoring and evaluation."""

from __future__ import annotations

import re
from datetime import date

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")

STOPWORDS = frozenset("""
a an and are as at be been but by can could did do does for from had has have he her his how i if in
into is it its me my no not of on or our she so than that the their them then there these they this to
up was we were what when where which who whom whose why will with would you your about after before
over under again also any all just more most other some such only own same very s t now
""".split())


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS]


def human_date(iso: str | None) -> str | None:
    """'2025-01-06' -> '6 January 2025'."""
    if not iso:
        return None
    d = date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%B')} {d.year}"
