"""Checks that the chosen evidence really answers the question, or the answerer abstains.

A sentence can score well against a question (same names, same topic) and still not answer it:
"What did Choi tell Blinken during the courtesy call?" is close to "Blinken paid a courtesy call
on Choi", which reports no words of Choi's. Each check below asks one thing a careful reader
would ask of the evidence window (the lead sentence and its neighbours in the article) and
returns a reason to abstain, or None. The checks are about kinds of questions (reported speech,
causes, named entities), never about particular questions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from rag.short_answer import missing_names
from rag.text import STOPWORDS, content_words, words


@dataclass(frozen=True)
class Evidence:
    """The lead sentence, the window around it (the sentence with its neighbours) and its passage."""

    sentence: str
    window: str
    passage: str


# "What did Choi tell Blinken?", "What has the White House said about ...?": the question asks for
# someone's words. Only verbs whose object is the words themselves (not "promise", "agree").
_ASKS_SPEECH = re.compile(
    r"\b[Ww]hat\s+(?:did|does|do|has|have|had|will|would)\b[^?]*?\b(?:say|tell|announce|reveal|claim|state|write"
    r"|tweet|declare|explain|warn)\b")  # case-sensitive: "Secretary of State" is not the verb "state"
# Evidence that reports words: a verb of saying or a quotation of a few words.
_REPORTS_SPEECH = re.compile(
    r"\b(?:said|says|say|told|tells|announced|announces|announcing|announcement|stated|statement|declared|wrote"
    r"|writes|tweeted|revealed|explained|added|claimed|warned|noted|insisted|according to)\b"
    r"|[“\"][^”\"]*\w+\W+\w+\W+\w+[^”\"]*[”\"]", re.IGNORECASE)

_ASKS_CAUSE = re.compile(r"\bwhy\b", re.IGNORECASE)
# A cause or purpose stated in the sentence. "after" counts unless it is a span of time ("two weeks
# after X" dates something, it does not explain it).
_STATES_CAUSE = re.compile(
    r"\b(?:because|due to|owing to|as a result|result of|thanks to|caused by|blamed|citing|amid|in order to"
    r"|so that|in an effort to|aimed at|reason|over (?:his|her|its|their|the|a|an|alleged|allegations))\b"
    r"|(?<!weeks )(?<!days )(?<!months )(?<!years )(?<!hours )\bafter\b", re.IGNORECASE)


def speech_not_reported(question: str, ev: Evidence) -> str | None:
    asked = _ASKS_SPEECH.search(question)
    if not asked:
        return None
    # The words must be the asked speaker's: "Miller said Blinken will meet ..." reports Miller's
    # words, not Blinken's. A speaker is a name between the auxiliary and the verb of saying.
    speakers = [w for w in re.findall(r"\b[A-Z][\w-]*", asked.group(0)) if w.lower() not in _NOT_SPEAKERS]
    for m in _REPORTS_SPEECH.finditer(ev.window):
        near = ev.window[max(0, m.start() - _SPEAKER_REACH):m.end() + _SPEAKER_REACH]
        if not speakers or not missing_names(speakers, near) or re.search(
                r"\b(?:he|she|they)\s+(?:said|says|told|announced|wrote|added|warned)\b", near, re.IGNORECASE):
            return None
    return "the question asks what someone said, and the evidence reports no words of theirs"


_SPEAKER_REACH = 60  # characters either side of a verb of saying where its speaker is named
_NOT_SPEAKERS = frozenset({"what", "did", "does", "do", "has", "have", "had", "will", "would"})


def asked_act(question: str) -> str | None:
    """The verb of a "who <verb> ..." question ("Who has taken over ..." -> "taken"), if it asks for an act
    (not a copula, not a role: see `_ROLE_VERBS`)."""
    m = _WHO_VERB.search(question)
    return m.group("verb") if m and m.group("verb").lower() not in _NOT_ACTS and not _asks_role(m) else None


def who_did_not_reported(question: str, ev: Evidence) -> str | None:
    # "Who won the election?", "Who will succeed Blinken?": the evidence must report that act
    # (in any form of the verb: "won", "succeeds", "succeeded"), not merely name people near the topic.
    m = _WHO_VERB.search(question)
    if not m or m.group("verb").lower() in _NOT_ACTS:
        return None
    verb = m.group("verb")
    if _asks_role(m):
        # "Who heads the foreign ministry?" asks for whoever holds the post, which news names by title
        # ("Foreign Minister Cho Tae-yul"), rarely by the verb; the verb in any form still counts.
        if not reported_by_the_lead(question, ev,
                                    lambda text: same_verb_in(verb, text) or names_the_role(question, verb, text)):
            return f"the question asks who {verb} something, and the evidence names no one in a role"
        return None
    if not reported_by_the_lead(question, ev, lambda text: same_verb_in(verb, text)):
        return f"the question asks who {verb}, and the evidence does not report it"
    return None


# "who <verb>" or "who will/would/has/had/did <verb>" (not "who did he pay": that has its own subject)
_WHO_VERB = re.compile(r"^\s*who\s+(?:(?P<aux>will|would|has|had|have)\s+)?(?:\w+ly\s+)?(?P<verb>[a-z]+)\b",
                       re.IGNORECASE)
_NOT_ACTS = frozenset("is was are were be been being did does do will would has had have can could should may "
                      "might must".split())
# "Who heads / leads / runs / chairs X?" in the present tense asks who holds a post, a state and not an event:
# the answer is whoever the news calls "Foreign Minister ...", "chairman ...". With an auxiliary ("who will
# lead", "who has run") it asks about a succession or a record, an act the evidence must report.
_ROLE_VERBS = frozenset("heads leads runs chairs directs manages governs helms oversees commands coaches captains "
                        "rules".split())
# Words that name a post someone holds (matched lower-cased, whole words).
_ROLE_NOUNS = frozenset("""minister secretary president chairman chairwoman chairperson chair chief head director
leader ceo executive governor commander mayor premier chancellor king queen monarch emperor speaker coach manager
captain commissioner administrator dean ruler pope editor principal boss founder owner""".split())
# Capitalised words that are not a person's name: titles and their modifiers, and calendar words. A neighbour
# repeating "Minister" or "Monday" does not thereby speak of the lead sentence's person.
_NOT_PERSON = _ROLE_NOUNS | frozenset("""deputy vice prime acting former foreign defense interior state senior
general gen sen senator rep representative gov mr mrs ms dr sir spokesperson spokesman spokeswoman ambassador
officials official u s us uk monday tuesday wednesday thursday friday saturday sunday january february march april
may june july august september october november december""".split())
_PRONOUN_START = re.compile(r"\s*(?:he|she|they)\b", re.IGNORECASE)


def _asks_role(m: re.Match[str]) -> bool:
    return m.group("aux") is None and m.group("verb").lower() in _ROLE_VERBS


def names_the_role(question: str, verb: str, text: str) -> bool:
    """Does `text` name the asked post: a title ("minister", "chief executive") next to a word of the question
    ("Foreign Minister Cho" for "who heads the foreign ministry", "chief executive of Tesla" for "who runs
    Tesla")? Any title will not do: "President Yoon" does not answer who heads the foreign ministry."""
    asked = [w.removesuffix("'s") for w in content_words(question) if w != verb.lower()]
    found = [w.removesuffix("'s") for w in words(text)]
    for i, w in enumerate(found):
        if w in _ROLE_NOUNS:
            # The title's modifiers before it ("Federal Reserve Chair") and its "of" phrase after it.
            near = found[max(0, i - _TITLE_REACH):i + 1]
            if found[i + 1:i + 2] == ["of"]:
                near += found[i + 2:i + 2 + _TITLE_REACH]
            if any(_related(a, b) for a in asked for b in near):
                return True
    return False


_TITLE_REACH = 3  # words on each side of a title that say what it is the title of


def _related(a: str, b: str) -> bool:
    """Same word, or sharing a five-letter start ("ministry" / "minister", "committee" / "committees")."""
    return a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])


def reported_by_the_lead(question: str, ev: Evidence, reports: Callable[[str], bool]) -> bool:
    """Does the lead sentence report it, or a neighbour that speaks of the lead sentence's person?

    "Cho met Blinken. Rubio will succeed him." does not say that Cho will: a neighbour counts only when it
    refers to the same person, by a pronoun opening the sentence after the lead ("He won ...") or by
    repeating a name the lead gives (other than the question's own names, which are not the answer).
    """
    if reports(ev.sentence):
        return True
    before, found, after = ev.window.partition(ev.sentence)
    if not found:
        return False
    names = lead_names(question, ev.sentence)
    return any(reports(n) and (repeats_a_name(names, n) or (follows and bool(_PRONOUN_START.match(n))))
               for n, follows in ((before, False), (after, True)) if n.strip())


def lead_names(question: str, sentence: str) -> set[str]:
    """The words of the lead sentence that may name its person: capitalised, not a title or calendar word,
    not a function word ("The", "He") and not in the question."""
    asked = {w.removesuffix("'s") for w in words(question)}
    return {w for w in re.findall(r"\b[A-Z][A-Za-z-]+", sentence)
            if (low := w.lower()) not in asked and low not in STOPWORDS and low not in _NOT_PERSON}


def repeats_a_name(names: set[str], text: str) -> bool:
    return any(re.search(rf"\b{re.escape(name)}\b", text) for name in names)


_IRREGULAR = {"won": "win", "met": "meet", "told": "tell", "said": "say", "paid": "pay", "led": "lead",
              "took": "take", "gave": "give", "made": "make", "ran": "run", "left": "leave", "held": "hold",
              "sold": "sell", "bought": "buy", "became": "become", "chose": "choose", "fled": "flee",
              "struck": "strike", "got": "get", "went": "go", "came": "come", "saw": "see", "found": "find",
              "brought": "bring", "sent": "send", "spent": "spend", "built": "build", "lost": "lose", "fell": "fall",
              "rose": "rise", "wrote": "write", "spoke": "speak", "broke": "break", "stole": "steal", "drove": "drive",
              "shot": "shoot", "fought": "fight", "caught": "catch", "sought": "seek", "knew": "know", "grew": "grow",
              "threw": "throw", "flew": "fly", "drew": "draw", "wore": "wear", "sank": "sink", "beat": "beat",
              "hit": "hit", "set": "set", "quit": "quit", "hung": "hang", "sat": "sit", "stood": "stand",
              "began": "begin", "swore": "swear", "sang": "sing", "rode": "ride", "fed": "feed"}


def _lemma(word: str) -> str:
    word = word.lower()
    return _stem(_IRREGULAR.get(word, word))


def same_verb_in(verb: str, text: str) -> bool:
    """Does `text` hold a form of `verb` ("win" / "won" / "winning"; "lead" / "leadership" counts too)?"""
    want = _lemma(verb)
    return any(_lemma(w) == want or (len(want) >= 4 and _lemma(w).startswith(want)) for w in words(text))


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def cause_not_stated(question: str, ev: Evidence) -> str | None:
    if _ASKS_CAUSE.search(question) and not _STATES_CAUSE.search(ev.sentence):
        return "the question asks why, and the evidence sentence states no cause"
    return None


def owner_not_near(question: str, ev: Evidence) -> str | None:
    # "Japan's foreign minister": the name that owns the asked-for role must be near the evidence,
    # or a sentence about some other country's foreign minister would answer it.
    missing = missing_names(re.findall(r"\b([A-Z][\w-]*)['’]s\b", question), ev.window)
    if missing:
        return f"the evidence does not mention {', '.join(missing)}"
    return None


CHECKS: dict[str, Callable[[str, Evidence], str | None]] = {
    "speech": speech_not_reported,
    "cause": cause_not_stated,
    "who-did": who_did_not_reported,
    "owner": owner_not_near,
}


def reason_to_abstain(question: str, ev: Evidence) -> str | None:
    """The first failed check's reason, or None when the evidence passes every check."""
    for check in CHECKS.values():
        reason = check(question, ev)
        if reason:
            return reason
    return None
