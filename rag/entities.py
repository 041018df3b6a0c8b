"""The named entities of a retrieved passage and of each of its sentences.

Passages from a store carry the entities found at ingest (`Passage.entities`, article offsets). A passage
without them (from a store written before they existed, from the LangChain baseline, or built by hand) is
analysed on first use, once per chunk: correct but slow (~25 ms a chunk here), so production stores always
carry them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from rag import lexicon as L
from rag.nlp import analyzer, person_name
from rag.types import Entity, Passage

_CACHE_SIZE = 20_000


class EntityLookup:
    def __init__(self) -> None:
        self._cache: OrderedDict[str, tuple[Entity, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, p: Passage) -> tuple[Entity, ...]:
        """The passage's entities, in article offsets, as read (see `as_place`)."""
        return as_place(p, self._found(p))

    def _found(self, p: Passage) -> tuple[Entity, ...]:
        if p.entities is not None:
            return p.entities
        key = f"{p.chunk_id}\x1f{p.start}\x1f{hash(p.text)}"  # a chunk id alone may be reused by hand-made passages
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        found = tuple(e.shifted(p.start) for e in analyzer().entities([p.text])[0])
        with self._lock:
            self._cache[key] = found
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return found

    def within(self, p: Passage, span: tuple[int, int]) -> list[Entity]:
        """Entities lying wholly inside `span` (article offsets), in order."""
        s, e = span
        return [x for x in self.of(p) if s <= x.start and x.end <= e]


_RELABELLED = frozenset({"PERSON", "ORG", "NORP"})


def as_place(p: Passage, found: tuple[Entity, ...]) -> tuple[Entity, ...]:
    """The recogniser sometimes tags a country at the start of a sentence as a person or an organisation ("Sri
    Lanka has plunged into chaos": PERSON), and a "which country" question then never finds it. A span that is
    exactly a country's name is a place. And it runs a person's name on into the figures after it ("beating Andrey
    Rublev 7-6 (3)"): no name ends in a score or a year (`rag.nlp.person_name`). Applied when entities are read, so
    stores written earlier gain both too."""
    out = None
    for i, e in enumerate(found):
        if e.label not in _RELABELLED:
            continue
        text = p.text[e.start - p.start:e.end - p.start]
        name = text.lower().removeprefix("the ")
        if name in L.COUNTRIES and name not in L.COUNTRIES_ALSO_NAMES:
            out = out or list(found)
            out[i] = Entity(e.start, e.end, "GPE")
        elif e.label == "PERSON" and any(ch.isdigit() for ch in text) and (whole := person_name(text)) != text:
            out = out or list(found)
            out[i] = Entity(e.start, e.start + len(whole), "PERSON")
    return found if out is None else tuple(out)


_lookup = EntityLookup()


def entity_lookup() -> EntityLookup:
    return _lookup
