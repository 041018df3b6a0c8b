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
from rag.text import words


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
    """The verb of a "who <verb> ..." question ("Who has taken over ..." -> "taken"), if it asks for an act."""
    m = _WHO_VERB.search(question)
    return m.group(1) if m and m.group(1).lower() not in _NOT_ACTS else None


def who_did_not_reported(question: str, ev: Evidence) -> str | None:
    # "Who won the election?", "Who will succeed Blinken?": the evidence must report that act
    # (in any form of the verb: "won", "succeeds", "succeeded"), not merely name people near the topic.
    m = _WHO_VERB.search(question)
    if not m or m.group(1).lower() in _NOT_ACTS:
        return None
    if not same_verb_in(m.group(1), ev.window):
        return f"the question asks who {m.group(1)}, and the evidence does not report it"
    return None


# "who <verb>" or "who will/would/has/had/did <verb>" (not "who did he pay": that has its own subject)
_WHO_VERB = re.compile(r"^\s*who\s+(?:(?:will|would|has|had|have)\s+)?(?:\w+ly\s+)?([a-z]+)\b", re.IGNORECASE)
_NOT_ACTS = frozenset("is was are were be been being did does do will would has had have can could should may "
                      "might must".split())
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
