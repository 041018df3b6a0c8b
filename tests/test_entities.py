"""Entities as the answerer reads them: a country's name is a place whatever the recogniser called it, and a
person's name ends before any figure the recogniser ran on into."""

from __future__ import annotations

import pytest

from rag.entities import entity_lookup
from rag.types import Entity, Passage


def _passage(text: str, spans: list[tuple[str, str]], start: int = 100) -> Passage:
    ents = tuple(Entity(start + text.index(s), start + text.index(s) + len(s), label) for s, label in spans)
    return Passage(chunk_id="c", doc_id="d", title="t", text=text, start=start, end=start + len(text), score=1.0,
                   entities=ents)


@pytest.mark.parametrize(("text", "span", "tagged", "read"), [
    ("Sri Lanka has plunged into chaos.", "Sri Lanka", "PERSON", "GPE"),
    ("The Netherlands said on Monday it would join.", "The Netherlands", "ORG", "GPE"),
    ("Ukraine's first lady met Jill Biden.", "Ukraine", "NORP", "GPE"),
    ("Jordan scored 40 points.", "Jordan", "PERSON", "PERSON"),  # also a first name: left as tagged
    ("Olena Zelenska arrived on Tuesday.", "Olena Zelenska", "PERSON", "PERSON"),
    ("Sri Lankan officials met on Monday.", "Sri Lankan", "NORP", "NORP"),  # a demonym is not the country's name
    ("Talks in France ended.", "France", "GPE", "GPE"),
])
def test_a_span_that_is_exactly_a_countrys_name_is_read_as_a_place(text, span, tagged, read):
    p = _passage(text, [(span, tagged)])
    (e,) = entity_lookup().of(p)
    assert p.text[e.start - p.start:e.end - p.start] == span
    assert e.label == read


@pytest.mark.parametrize(("tagged", "read"), [
    ("Andrey Rublev 7-6", "Andrey Rublev"), ("Rafael Nadal 6-4, 6-2", "Rafael Nadal"),
    ("Pope Benedict XVI", "Pope Benedict XVI"), ("Elizabeth II", "Elizabeth II"),
])
def test_a_persons_name_is_read_without_the_figures_the_recogniser_ran_on_into(tagged, read):
    """What every reader of a passage's entities sees (short answers, the names an answer is about, follow-ups)."""
    p = _passage(f"Frances Tiafoe won by beating {tagged} (3) on Wednesday.", [(tagged, "PERSON")])
    (e,) = entity_lookup().of(p)
    assert p.text[e.start - p.start:e.end - p.start] == read and e.label == "PERSON"
