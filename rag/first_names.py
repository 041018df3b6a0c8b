"""Which pronoun a person's first name is near-certainly referred to by, for follow-ups ("what drug is *he*
taking?" does not mean the press secretary Karine Jean-Pierre the last answer quoted).

The list (rag/data/first_names.txt, from nomquamgender's MIT-licensed name data; scripts/first_names.py) keeps only
names given to one gender at least 95% of the time in its sources; any other name, and a name written alone (a
surname: "Watson"), is unknown and fits any pronoun. It only ever rules a referent out, never picks one.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

from rag import lexicon as L

_VERSION = "# newsrag first names v1"
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


@cache
def _table() -> dict[str, str]:
    text = files("rag").joinpath("data/first_names.txt").read_text(encoding="utf-8")
    if not text.startswith(_VERSION):
        raise ValueError(f"rag/data/first_names.txt is not {_VERSION!r}: regenerate it with scripts/first_names.py")
    return {name: g for g, name in (line.split(" ", 1) for line in text.splitlines() if not line.startswith("#"))}


def gender_of(name: str) -> str | None:
    """'f' or 'm' when the full name's first name is near-certainly one; None for anything else."""
    parts = [w for w in _WORD.findall(name) if w.lower() not in L.TITLE_WORDS and w.lower() + "." not in L.TITLE_WORDS]
    if len(parts) < 2:
        return None  # "Watson", "Biden": a surname says nothing
    return _table().get(parts[0].lower())


def fits(name: str, pronoun: str) -> bool:
    """Can `pronoun` ("he", "her", ...) refer to the person called `name`? Unknown names fit every pronoun."""
    wanted = "m" if pronoun.lower() in L.MALE_PRONOUNS else "f" if pronoun.lower() in L.FEMALE_PRONOUNS else None
    found = gender_of(name)
    return wanted is None or found is None or found == wanted
