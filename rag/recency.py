"""How fresh a report is on the day a question is asked for: weight * 0.5 ** (age / half-life).

News changes, and the newest reporting wins within the as-of date. Retrieval adds this prior to passages
(rag.retrieve.recency) and the extractive answerer to sentences when it chooses what to quote; one formula
for both, so a setting means the same thing in each.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from rag import lexicon as L


def reference_day(days: Iterable[str | None], as_of: date | None) -> date | None:
    """The day ages are counted back from: the as-of date, else the newest of `days` (ISO dates; None: undated)."""
    if as_of is not None:
        return as_of
    known = [d for d in days if d]
    return date.fromisoformat(max(known)) if known else None


def freshness(day: str | None, reference: date | None, weight: float, half_life_days: float) -> float:
    """weight * 0.5 ** (age in days / half-life); 0 for an undated report or without a reference day. A report
    dated after the reference counts as new (age 0), never as more than new."""
    if not day or reference is None or weight <= 0:
        return 0.0
    age = max((reference - date.fromisoformat(day)).days, 0)
    return weight * 0.5 ** (age / half_life_days)


def period_start(period: str | None, reference: date | None) -> date | None:
    """The first day of the period a question asks about (rag.query.Query.period: "week" for "this week"), counted
    back from the reference day; None when the period has no bound ("currently") or there is no reference day."""
    if period is None or reference is None:
        return None
    if period == "year":
        return date(reference.year, 1, 1)
    days = L.PERIOD_DAYS.get(period)
    return reference - timedelta(days=days) if days is not None else None
