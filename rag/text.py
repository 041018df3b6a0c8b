"""Small text utilities shared by answering, lexical scoring and evaluation."""

from __future__ import annotations

import re
from datetime import date

from rag.lexicon import STOPWORDS

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
YEAR = re.compile(r"\b(?:19|20)\d\d\b")  # a year as news writes one (not "1,500" or a four-digit count of the past)
__all__ = ["STOPWORDS", "YEAR", "content_words", "human_date", "words", "written_words"]


def written_words(text: str) -> list[str]:
    """The text's words as written (case kept): "President of South Korea Yoon"."""
    return _WORD.findall(text)


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in written_words(text)]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS]


def human_date(iso: str | None) -> str | None:
    """'2025-01-06' -> '6 January 2025'."""
    if not iso:
        return None
    d = date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%B')} {d.year}"
