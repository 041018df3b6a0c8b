"""Resolve a follow-up question against the conversation without an LLM.

"when did he take over?" means nothing to a retriever. When a question leans on earlier turns
(a pronoun, "and what about ...", or too few words of its own), carry the named entities and
key terms of the previous turn (question and answer) into the query that is searched.
"""

from __future__ import annotations

import re

from rag.text import STOPWORDS, content_words

_ANAPHORA = frozenset("he she it they him her his hers its their theirs them that this those these there "
                      "then same such".split())
_OPENERS = ("and ", "what about", "how about", "what else", "also ", "but ", "so ", "why ", "when ")
# Multi-word capitalised names, e.g. "Choi Sang-mok", "U.S. Secretary of State Antony Blinken".
_ENTITY = re.compile(r"\b(?:[A-Z][\w.'’-]*)(?:\s+(?:of|de|the|and)?\s*[A-Z][\w.'’-]*)*")
_NOT_ENTITIES = frozenset({"According", "The", "A", "An", "I", "It", "In", "On", "At", "He", "She", "They",
                           "What", "Who", "When", "Where", "Why", "How", "Which", "And", "But", "Also"})
_MAX_CARRY = 12


def is_follow_up(question: str) -> bool:
    low = question.lower().strip()
    tokens = re.findall(r"[a-z']+", low)
    if any(t in _ANAPHORA for t in tokens) or low.startswith(_OPENERS):
        return True
    return len(content_words(question)) <= 1


_ATTRIBUTION = re.compile(r"According to [^,]*,|\S+ \([^)]*\) also reports that|\[\d+\]|\([^)]*\d{4}\)")
_MONTHS = frozenset("January February March April May June July August September October November December".split())


def entities(text: str) -> list[str]:
    """Capitalised names in `text`, after dropping our own attribution phrases and dates."""
    found = []
    for m in _ENTITY.finditer(_ATTRIBUTION.sub(" ", text)):
        name = m.group(0).strip(" .")
        if name.split()[0] in _NOT_ENTITIES:
            name = " ".join(name.split()[1:])
        if name and name not in found and name.lower() not in STOPWORDS and name not in _MONTHS:
            found.append(name)
    return found


def contextualize(question: str, history: list[str]) -> str:
    """The query to search: the question, plus what it refers back to in the latest turn."""
    if not history or not is_follow_up(question):
        return question
    previous = " ".join(history[-2:])  # the last question and its answer
    own = set(content_words(question))
    carry: list[str] = []
    for name in entities(previous):
        if not set(content_words(name)) <= own:
            carry.append(name)
    for w in content_words(history[-2] if len(history) >= 2 else history[-1]):
        if w not in own and not any(w in c.lower() for c in carry):
            carry.append(w)
    carry = carry[:_MAX_CARRY]
    return f"{question} ({' '.join(carry)})" if carry else question
