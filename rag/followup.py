"""Resolve a follow-up question against the conversation without an LLM.

"when did he take over?" means nothing to a retriever. When a question leans on earlier turns,
the terms it leans on are appended to the query that is searched, so the reader still sees their
own words first: ``when did he take over? (Deputy Prime Minister Choi Sang-mok acting president)``.

Two kinds of follow-up are told apart, because they lean on different things:

* a *reference* ("when did he take over?", "why?", "who is she?") points back at what the last
  answer talked about: carry the names in the previous answer, then the previous topic's key terms;
* a *topic switch* ("and what about Japan?", "how about Blinken?") keeps the previous question's
  topic but swaps its subject: carry the previous question's key terms only, since the previous
  answer's names belong to the subject being replaced.

The topic of a chain of follow-ups is the last standalone question plus the follow-ups after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text import STOPWORDS, content_words

_REFERRING = frozenset("he she it they him her his hers its their theirs them that this those these there then "
                       "same such former latter".split())
# Openers that keep the previous topic but change its subject ("and what about Japan?").
_SWITCH = re.compile(r"^\s*(?:and|but|also|so|then|ok(?:ay)?|now)?[\s,]*(?:what|how)\s+about\b|^\s*(?:and|also)\b",
                     re.IGNORECASE)
# Multi-word capitalised names, e.g. "Choi Sang-mok", "U.S. Secretary of State Antony Blinken".
_ENTITY = re.compile(r"\b(?:[A-Z][\w.'’-]*)(?:\s+(?:of|de|the|and)?\s*[A-Z][\w.'’-]*)*")
_NOT_ENTITIES = frozenset({"According", "The", "A", "An", "I", "It", "In", "On", "At", "He", "She", "They",
                           "What", "Who", "When", "Where", "Why", "How", "Which", "And", "But", "Also", "So",
                           "Is", "Are", "Was", "Were", "Did", "Does", "Do", "Has", "Have", "Will", "Can", "Tell",
                           "Then", "Now", "Ok", "Okay", "This", "That", "These", "Those", "There", "Their", "His",
                           "Her", "Its", "Our", "We", "You", "Not", "No", "Yes"})
# Our own answer phrasing, which must not be mistaken for content: attributions, markers, dates.
_ATTRIBUTION = re.compile(r"According to [^,]*,|\S+(?: \S+)? \([^)]*\) also reports that|\[\d+\]|\([^)]*\d{4}\)")
_MONTHS = frozenset("January February March April May June July August September October November December".split())
_DAYS = frozenset("Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split())
_NOT_FOUND = re.compile(r"do not contain an answer", re.IGNORECASE)
_MAX_CARRY_WORDS = 12
_MAX_CHAIN = 3  # how many earlier questions a chain of follow-ups may reach back


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


def refers_back(question: str) -> bool:
    """Has a pronoun or other word that points at something said before ("he", "there", "that")."""
    return any(t in _REFERRING for t in re.findall(r"[a-z']+", question.lower()))


def is_reference(question: str) -> bool:
    """A question that points back at something said before: a pronoun, or almost no words of its own."""
    return refers_back(question) or len(content_words(question)) <= 1


def is_switch(question: str) -> bool:
    """'and what about Japan?' - the previous question, asked of a new subject."""
    return bool(_SWITCH.search(question))


def is_follow_up(question: str) -> bool:
    return is_switch(question) or is_reference(question)


def entities(text: str) -> list[str]:
    """Capitalised names in `text`, after dropping our own attribution phrases and dates."""
    found: list[str] = []
    for m in _ENTITY.finditer(_ATTRIBUTION.sub(" ", text)):
        parts = m.group(0).strip(" .,").split()
        while parts and parts[0].strip(".,'’") in _NOT_ENTITIES:  # sentence-initial function words
            parts = parts[1:]
        while parts and parts[-1].lower() in STOPWORDS:  # "... of", "... and"
            parts = parts[:-1]
        name = " ".join(parts).removesuffix("'s").removesuffix("’s")
        if (name and name not in found and name.lower() not in STOPWORDS
                and name not in _MONTHS and name not in _DAYS):
            found.append(name)
    return found


def turns(history: list[str]) -> list[Turn]:
    """Pair the flat history (question, answer, question, answer, ...) into turns.

    A trailing question without an answer (a turn that failed) still counts as a question."""
    pairs = [Turn(history[i], history[i + 1] if i + 1 < len(history) else "") for i in range(0, len(history), 2)]
    return [t for t in pairs if t.question.strip()]


def topic_terms(previous: list[Turn]) -> list[str]:
    """Key terms of the current topic: the latest standalone question and the follow-ups after it,
    newest first (so the most recent wording wins when the carry is cut short)."""
    chain: list[Turn] = []
    for turn in reversed(previous[-_MAX_CHAIN:]):
        chain.append(turn)
        if not is_follow_up(turn.question):
            break
    terms: list[str] = []
    for turn in chain:
        for w in _strip_opener(turn.question):
            if w not in terms:
                terms.append(w)
    return terms


def answer_names(turn: Turn) -> list[str]:
    """Names the last answer talked about (what 'he', 'it', 'there' most likely point at)."""
    if not turn.answer or _NOT_FOUND.search(turn.answer):
        return entities(turn.question)
    return entities(turn.answer) or entities(turn.question)


def contextualize(question: str, history: list[str]) -> str:
    """The query to search: the question, plus what it refers back to in the conversation."""
    previous = turns(history)
    if not previous or not is_follow_up(question):
        return question
    own = set(content_words(question))
    carry: list[str] = []
    # A switch names its own subject; the previous answer's names would drag the search back to the
    # old one, unless the switch itself points back ("what about his predecessor?").
    switch = is_switch(question) and not refers_back(_without_opener(question))
    names = [] if switch else answer_names(previous[-1])
    for name in names:
        if not set(content_words(name)) <= own:
            carry.append(name)
    carried = {w for c in carry for w in content_words(c)}
    for w in topic_terms(previous):
        if w not in own and w not in carried:
            carry.append(w)
            carried.add(w)
    words: list[str] = []
    for piece in carry:  # cut whole names/terms, never half a name
        n = len(piece.split())
        if len(words) + n > _MAX_CARRY_WORDS:
            break
        words.extend(piece.split())
    return f"{question} ({' '.join(words)})" if words else question


def _without_opener(question: str) -> str:
    return _SWITCH.sub(" ", question, count=1).strip()


def _strip_opener(question: str) -> list[str]:
    return content_words(_without_opener(question))
