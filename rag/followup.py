"""Resolve a follow-up question against the conversation without an LLM.

"when did he take over?" means nothing to a retriever. When a question leans on earlier turns, it
is rewritten into the query that is searched (and shown to the reader as "Searched: ..."):

* a *pronoun for a person* ("he", "him", "his", "she", "her", "they", "them", "their") is replaced
  by the person the last answer named: ``when did Choi Sang-mok take over?``. The name alone
  resolves the reference; adding the old topic's words too would pull the answer back to the
  sentence already quoted instead of the one that answers the new question;
* any other *reference* ("is it true?", "why?", "what happened there?") gets the names of the last
  answer and the topic's key terms appended: ``why? (Choi Sang-mok acting president)``;
* a *topic switch* ("and what about Japan?", "how about Blinken?") keeps the previous question's
  key terms but not the previous answer's names, which belong to the subject being replaced:
  ``and what about Japan? (acting president)``.

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
_PERSON_PRONOUNS = frozenset("he him she they them".split())
_POSSESSIVES = frozenset("his their".split())
# Job titles in front of a name ("Deputy Prime Minister Choi Sang-mok"): dropped when the name
# stands in for a pronoun, since "when did Deputy Prime Minister Choi Sang-mok take over?" would
# steer the search back to the sentence that introduced the title.
_TITLE_WORDS = frozenset("""acting interim former deputy vice prime minister president secretary foreign defense
defence interior finance trade state of the chancellor governor mayor senator sen. rep. representative judge
justice chief king queen prince princess pope dr. mr. mrs. ms. general gen. ceo chairman chairwoman chair
speaker commissioner attorney ambassador director leader spokesperson spokesman spokeswoman envoy
premier president-elect""".split())
# A name ending in one of these is an organisation, never the person "he" or "she" points at.
_ORG_WORDS = frozenset("""department ministry agency office committee court party house council union bank company
corp. corp inc. inc ltd. university college school army navy police government administration assembly parliament
senate congress commission service services group association institute foundation network times post news
""".split())
_FORMER = re.compile(r"\b(?:former|ex-|late|then)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
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


def bare_name(entity: str) -> str:
    """'Deputy Prime Minister Choi Sang-mok' -> 'Choi Sang-mok'; 'U.S. Secretary of State Antony
    Blinken' -> 'Antony Blinken'. Leading titles and abbreviations go; at least one word stays."""
    parts = entity.split()
    while len(parts) > 1 and (parts[0].lower() in _TITLE_WORDS or parts[0].endswith(".")):
        parts = parts[1:]
    return " ".join(parts)


def person(previous: list[Turn]) -> str | None:
    """Whom 'he' or 'she' most likely means.

    If the last question itself said 'he' of someone, the conversation is still about that person.
    Otherwise it is the first name in the last answer that came with a job title or has several
    words (skipping former office holders mentioned in passing), else the first name at all."""
    if not previous:
        return None
    last = previous[-1]
    if len(previous) > 1 and _person_pronoun(last.question):
        earlier = person(previous[:-1])
        if earlier:
            return earlier
    names = answer_names(last)
    if not names:
        return None
    text = _ATTRIBUTION.sub(" ", last.answer or last.question)
    people = [n for n in names if n.split()[-1].lower() not in _ORG_WORDS] or names
    current = [n for n in people if not _FORMER.search(text[:max(0, text.find(n))][-25:])] or people
    # Titled: "Deputy Prime Minister Choi Sang-mok", or a lower-case title just before ("spokesperson Matthew Miller").
    titled = [n for n in current if bare_name(n) != n or _titled_before(text, n)]
    multi = [n for n in current if len(n.split()) > 1]
    return bare_name((titled or multi or current)[0])


def _titled_before(text: str, name: str) -> bool:
    before = text[:max(0, text.find(name))].split()
    return bool(before) and before[-1].lower().strip(",") in _TITLE_WORDS


def _person_pronoun(question: str) -> bool:
    return any(t in _PERSON_PRONOUNS or t in _POSSESSIVES or t == "her"
               for t in re.findall(r"[a-z']+", question.lower()))


def substitute(question: str, name: str) -> str | None:
    """The question with its person pronouns replaced by `name`, or None if it has none."""
    tokens = re.split(r"(\W+)", question)
    changed = False
    for i, tok in enumerate(tokens):
        low = tok.lower()
        following = next((t for t in tokens[i + 1:] if t.strip(" ")), "")
        # "her" is possessive before a noun ("her party") and an object otherwise ("ask her").
        possessive = low in _POSSESSIVES or (low == "her" and following[:1].isalpha()
                                              and following.lower() not in STOPWORDS)
        if possessive:
            tokens[i], changed = f"{name}'s", True
        elif low in _PERSON_PRONOUNS or low == "her":
            tokens[i], changed = name, True
    return "".join(tokens) if changed else None


def contextualize(question: str, history: list[str]) -> str:
    """The query to search: the question, resolved against what it refers back to."""
    previous = turns(history)
    if not previous or not is_follow_up(question):
        return question
    switch = is_switch(question) and not refers_back(_without_opener(question))
    who = None if switch else person(previous)
    resolved = substitute(question, who) if who else None
    if resolved is not None and not is_switch(question):
        return resolved  # the name resolves the reference on its own (see the module docstring)
    question = resolved or question
    own = set(content_words(question))
    carry: list[str] = []
    # A switch names its own subject; the previous answer's names would drag the search back to the
    # old one, unless the switch itself points back ("what about his predecessor?").
    names = [] if switch or resolved else answer_names(previous[-1])
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
