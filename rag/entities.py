"""The named entities of a retrieved passage and of each of its sentences.

Passages from a store carry the entities found at ingest (`Passage.entities`, article offsets). A passage
without them (from a store written before they existed, from the LangChain baseline, or built by hand) is
analysed on first use, once per chunk: correct but slow (~25 ms a chunk here), so production stores always
carry them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from rag.nlp import analyzer
from rag.types import Entity, Passage

_CACHE_SIZE = 20_000


class EntityLookup:
    def __init__(self) -> None:
        self._cache: OrderedDict[str, tuple[Entity, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, p: Passage) -> tuple[Entity, ...]:
        """The passage's entities, in article offsets."""
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


_lookup = EntityLookup()


def entity_lookup() -> EntityLookup:
    return _lookup
