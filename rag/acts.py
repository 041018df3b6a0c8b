"""Where a sentence reports the act a question asks about ("who was killed ...?" -> "killed", "were killed",
"killing"; lexicon.SAME_ACTS: "smashed" reports "break")."""

from __future__ import annotations

import re
from functools import lru_cache

from rag import lexicon as L
from rag.query import lemma

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


@lru_cache(maxsize=1)
def _same_acts() -> dict[str, frozenset[str]]:
    """Each verb's lemma -> the lemmas of its lexicon.SAME_ACTS group, stemmed once per process."""
    out: dict[str, frozenset[str]] = {}
    for group in L.SAME_ACTS:
        lemmas = frozenset(lemma(v) for v in group)
        out.update((x, lemmas) for x in lemmas)
    return out


def act_words(verb: str, text: str) -> list[int]:
    """The indices (in `text`'s words) of the forms of `verb`, or of a verb news uses for the same act: "win" /
    "won" / "winning"; "lead" / "leadership" counts too."""
    wants = _same_acts().get(lemma(verb), frozenset({lemma(verb)}))
    found = [lemma(m.group().lower().replace("’", "'")) for m in _WORD.finditer(text)]
    return [i for i, f in enumerate(found) if any(f == w or (len(w) >= 4 and f.startswith(w)) for w in wants)]


def same_verb_in(verb: str, text: str) -> bool:
    """Does `text` hold a form of `verb` or of a verb news uses for the same act?"""
    return bool(act_words(verb, text))
