"""Checks that the chosen evidence really answers the question, or the answerer abstains.

A sentence can score well against a question (same names, same topic) and still not answer it:
"What did Choi tell Blinken during the courtesy call?" is close to "Blinken paid a courtesy call on
Choi", which reports no words of Choi's. Each check asks one thing a careful reader would ask of the
evidence (the lead sentence, the window around it, all retrieved passages) about the typed question
(rag.query.Query), and returns a reason to abstain or None. The checks are about kinds of questions
(a person asked for, reported speech, causes, acts, owners), never about particular questions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag import lexicon as L
from rag.nlp import analyzer, future_of
from rag.query import Query, lemma
from rag.short_answer import Candidate
from rag.text import words
from rag.types import Mention


@dataclass(frozen=True)
class Evidence:
    """The lead sentence, the window around it (with its neighbours), the retrieved passages' text and
    the answer candidates of the expected type found in the sentence (or its joined neighbour)."""

    sentence: str
    window: str
    passages: str
    candidates: Sequence[Candidate] = ()


def missing_names(names: Sequence[Mention], text: str) -> list[str]:
    """Names of the question that `text` never mentions. A person counts as mentioned by the surname;
    another name by most of its words ("FIFA World Cup" is not mentioned by "the World Series"), one of them a word
    of its own: "Hart Trophy" is not mentioned by "the Vezina Trophy" (lexicon.NAME_HEADS)."""
    hay = _haystack(text)
    out = []
    for m in names:
        if m.label in ("DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "NORP", "ORDINAL", "CARDINAL"):
            continue  # dates and amounts are what the evidence may word differently; demonyms describe
        if m.text.isupper() and " " not in m.text and len(m.text) <= 5:
            continue  # a bare acronym ("US", "NFL"): articles spell these in too many ways
        parts = _name_words(m.text)
        if not parts or _mentioned(m.text, hay):
            continue
        if m.label == "PERSON":
            if not _mentioned(parts[-1], hay):
                out.append(m.text)
            continue
        found = sum(_mentioned(w, hay) for w in parts)
        own = [w for w in parts if w not in L.NAME_HEADS]
        if found * 2 < len(parts) or not found or (own and not any(_mentioned(w, hay) for w in own)):
            out.append(m.text)
    return out


def _name_words(name: str) -> list[str]:
    """The words of a name that name it: not its articles, nor the titles of a person named in it."""
    return [w for w in words(name) if w not in L.STOPWORDS and w not in L.TITLE_WORDS]


def _haystack(text: str) -> str:
    return " " + " ".join(words(text.replace(".", ""))) + " "


def _mentioned(name: str, hay: str) -> bool:
    key = " ".join(words(name.replace(".", "")))
    if not key:
        return True
    if f" {key}" in hay:  # a prefix match: "Korea" in "Korean", "Reynolds" in "Reynolds's"
        return True
    return any(f" {alias} " in hay for alias in L.COUNTRY_ALIASES.get(key, ()))


def unmatched_names(q: Query, ev: Evidence) -> str | None:
    missing = missing_names(q.names, ev.passages)
    if missing:
        return f"the articles never mention {', '.join(missing)}"
    return None


def focus_not_near(q: Query, ev: Evidence) -> str | None:
    """'And what about Japan?': an answer about the new subject must mention it."""
    missing = missing_names([Mention(f, "PROPN") for f in q.focus], ev.window)
    return f"the evidence does not mention {', '.join(missing)}" if missing else None


def no_typed_answer(q: Query, ev: Evidence) -> str | None:
    """A question asking for a person, a date, a number ... is answered by evidence that holds one."""
    if q.answer_type is None or not q.strict_type or ev.candidates:
        return None
    return f"the question asks for a {q.answer_type.value}, and the evidence gives none it does not already name"


def speech_not_reported(q: Query, ev: Evidence) -> str | None:
    if not q.asks_speech:
        return None
    # The words must be the asked speaker's: "Miller said Blinken will meet ..." reports Miller's words,
    # not Blinken's. The speakers are the question's people and organisations.
    speakers = [m for m in q.names if m.label in ("PERSON", "ORG", "GPE", "NORP", "PROPN")]
    text = ev.window
    for m in re.finditer(r"[\w’']+", text):
        if m.group(0).lower() not in L.REPORTING_WORDS:
            continue
        near = text[max(0, m.start() - _SPEAKER_REACH):m.end() + _SPEAKER_REACH]
        if not speakers or not missing_names(speakers, near) or re.search(
                _PRONOUN_SPOKE, near):
            return None
    # A quotation of a few words in the window, with the speaker named there.
    if re.search(r"[“\"][^”\"]*\w+\W+\w+\W+\w+[^”\"]*[”\"]", text) and (
            not speakers or not missing_names(speakers, text)):
        return None
    return "the question asks what someone said, and the evidence reports no words of theirs"


_SPEAKER_REACH = 60  # characters either side of a verb of saying where its speaker is named
# "... she said": a pronoun speaking near the words stands for the speaker named before it.
_PRONOUN_SPOKE = re.compile(rf"\b(?:he|she|they)\s+(?:{'|'.join(map(re.escape, L.SPEAKER_VERB_FORMS))})\b",
                            re.IGNORECASE)


def cause_not_stated(q: Query, ev: Evidence) -> str | None:
    if not q.asks_cause:
        return None
    low = " " + " ".join(words(ev.sentence)) + " "
    for marker in L.CAUSE_MARKERS:
        at = low.find(f" {marker} ")
        if at < 0:
            continue
        before = low[:at].split()
        if marker == "after" and before and before[-1] in L.SPAN_UNITS:
            continue  # "two weeks after X" dates something, it does not explain it
        return None
    return "the question asks why, and the evidence sentence states no cause"


def cause_of_another(q: Query, ev: Evidence) -> str | None:
    """'Why was Han Duck-soo impeached?' is not answered by the cause of Yoon's impeachment: a cause is stated about
    what the question names, within a sentence of the evidence."""
    if not q.asks_cause:
        return None
    missing = missing_names(q.names, ev.window)
    return f"the question asks why of {', '.join(missing)}, and the evidence is about something else" if missing \
        else None


def act_not_reported(q: Query, ev: Evidence) -> str | None:
    """'Who won the election?': the evidence must report that act (any form of the verb), not merely name
    people near the topic. 'Who heads X?' asks who holds a post: a title next to the question's words does."""
    if q.asks_role:
        verb = q.verb or ""
        if not reported_by_the_lead(ev, lambda t: same_verb_in(verb, t) or names_the_role(q, t)):
            return f"the question asks who {verb}s something, and the evidence names no one in a role"
        return None
    act = q.asked_act
    if act and not reported_by_the_lead(ev, lambda t: same_verb_in(act, t)):
        return f"the question asks who did '{act}', and the evidence does not report it"
    return None


def act_only_ahead(q: Query, ev: Evidence) -> str | None:
    """'Who won the World Cup?' asks what happened: a sentence that reports the asked act only as still to come
    ("England is aiming to win ...", "France will take on Argentina ...") says it has not happened yet, whatever
    names it gives. Parsed only when the sentence holds a form of the act."""
    act = q.reported_act
    if not act or lemma(act) in L.FUTURE_VERBS or not q.asks_past or not same_verb_in(act, ev.sentence):
        return None
    if not _may_look_ahead(ev.sentence):
        return None  # no word that could put an act ahead (rag.nlp.future_of): nothing to parse
    p = analyzer().parse(ev.sentence)
    at = [i for i, t in enumerate(p.tokens) if t.pos in ("VERB", "AUX") and same_verb_in(act, t.text)]
    if at and all(future_of(p, i) for i in at):
        return f"the question asks what happened ('{act}'), and the evidence only says it is to come"
    return None


def _may_look_ahead(text: str) -> bool:
    """Does `text` hold a word that `rag.nlp.future_of` reads as putting an act ahead: a one-word future marker
    ("will", "'ll", "next") or a form of a future verb ("expected", "plans", "scheduled")?"""
    low = text.lower()
    if "'ll" in low or "’ll" in low:
        return True
    markers, verbs = _future_words()
    return any(w in markers or lemma(w) in verbs for w in words(text))


@lru_cache(maxsize=1)
def _future_words() -> tuple[frozenset[str], frozenset[str]]:
    """The one-word future markers, and the future verbs' lemmas, computed once per process."""
    return (frozenset(m for m in L.FUTURE_MARKERS if " " not in m),
            frozenset(lemma(v) for v in L.FUTURE_VERBS))


def names_the_role(q: Query, text: str) -> bool:
    """Does `text` name the asked post: a title next to a word of the question ("Foreign Minister Cho" for
    "who heads the foreign ministry")? Any title will not do: "President Yoon" does not head the ministry."""
    asked = [w.removesuffix("'s") for w in words(q.search) if w not in L.STOPWORDS and w != q.verb]
    found = [w.removesuffix("'s") for w in words(text)]
    for i, w in enumerate(found):
        if w in L.ROLE_NOUNS:
            near = found[max(0, i - _TITLE_REACH):i + 1]
            if found[i + 1:i + 2] == ["of"]:
                near += found[i + 2:i + 2 + _TITLE_REACH]
            if any(_related(a, b) for a in asked for b in near):
                return True
    return False


_TITLE_REACH = 3


def _related(a: str, b: str) -> bool:
    """Same word, or sharing a five-letter start ("ministry" / "minister")."""
    return a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])


def reported_by_the_lead(ev: Evidence, reports: Callable[[str], bool]) -> bool:
    """Does the lead sentence report it, or the sentence after it when that one goes on about the lead's
    subject (it opens with a pronoun)? "Cho met Blinken. Rubio will succeed him." does not say Cho will."""
    if reports(ev.sentence):
        return True
    _, found, after = ev.window.partition(ev.sentence)
    if not found or not after.strip():
        return False
    first = (words(after)[:1] or [""])[0]
    return first in L.PERSON_PRONOUNS | L.GROUP_PRONOUNS and reports(after)


@lru_cache(maxsize=1)
def _same_acts() -> dict[str, frozenset[str]]:
    """Each verb's lemma -> the lemmas of its lexicon.SAME_ACTS group, stemmed once per process."""
    out: dict[str, frozenset[str]] = {}
    for group in L.SAME_ACTS:
        lemmas = frozenset(lemma(v) for v in group)
        out.update((x, lemmas) for x in lemmas)
    return out


def same_verb_in(verb: str, text: str) -> bool:
    """Does `text` hold a form of `verb` ("win" / "won" / "winning"; "lead" / "leadership" counts too) or of a
    verb news uses for the same act (lexicon.SAME_ACTS: "smashed" reports "break")?"""
    # The asked verb is already a base form; "found" (a company) must not be read as the past of "find".
    base = lemma(verb)
    wants = _same_acts().get(base, frozenset({base})) | _same_acts().get(verb, frozenset({verb}))
    found = [lemma(w) for w in words(text)]
    return any(f == want or (len(want) >= 4 and f.startswith(want)) for f in found for want in wants)


def owner_not_near(q: Query, ev: Evidence) -> str | None:
    # "Japan's foreign minister": the name that owns the asked-for role must be near the evidence, or a
    # sentence about some other country's foreign minister would answer it.
    missing = missing_names([Mention(o, "PROPN") for o in q.owners], ev.window)
    if missing:
        return f"the evidence does not mention {', '.join(missing)}"
    return None


def another_of_its_kind(q: Query, ev: Evidence) -> str | None:
    """"Who won the Hart Trophy?": a sentence naming another of the kind ("will win the Vezina Trophy") and not the
    asked one is about that other trophy, however well it matches the rest (lexicon.NAME_HEADS)."""
    hay = _haystack(ev.sentence)
    for m in q.names:
        parts = _name_words(m.text)
        own = [w for w in parts if w not in L.NAME_HEADS]
        heads = [w for w in parts if w in L.NAME_HEADS]
        if not own or not heads or any(_mentioned(w, hay) for w in own):
            continue
        other = _named_kind(ev.sentence, heads[-1])
        if other:
            return f"the evidence is about the {other}, not the {m.text.removeprefix('the ')}"
    return None


def another_edition(q: Query, ev: Evidence) -> str | None:
    """"Who won the 2022 FIFA World Cup?": a sentence naming another year's edition ("the 1966 World Cup") and not
    the asked year is about that other edition, however well it matches the rest (lexicon.NAME_HEADS)."""
    asked = _editions(q.search)
    if not asked:
        return None
    for year, head in asked:
        if re.search(rf"\b{year}\b", ev.sentence):
            continue
        other = next((f"{y} {h}" for y, h in _editions(ev.sentence) if h == head and y != year), None)
        if other:
            return f"the evidence is about the {other}, not the {year} one"
    return None


# A year opening a name ("2022 FIFA World Cup", "the 1966 World Cup"): the edition of an event or an award.
_EDITION = re.compile(r"\b((?:19|20)\d\d)\s+((?:[A-Z][\w'’.-]*\s+)*[A-Z][\w'’.-]*)")


def _editions(text: str) -> list[tuple[str, str]]:
    """(year, kind) for each name in `text` that a year opens and a kind of lexicon.NAME_HEADS ends."""
    out = []
    for m in _EDITION.finditer(text):
        head = re.sub(r"['’]s?$", "", m.group(2).split()[-1].rstrip(".")).lower()
        if head in L.NAME_HEADS:
            out.append((m.group(1), head))
    return out


def _named_kind(sentence: str, head: str) -> str | None:
    """A name in `sentence` ending in the kind `head` ("Vezina Trophy" for "trophy"), or None."""
    kind = head.removesuffix("s")
    for m in re.finditer(rf"\b{re.escape(kind[:1].upper() + kind[1:])}s?\b", sentence):  # capitalised: a name's
        before = re.search(r"(?:[A-Z][\w'’.-]*\s+)+$", sentence[:m.start()])
        words_before = before.group(0).split() if before else []
        while words_before and words_before[0].lower() in L.STOPWORDS:  # "The Vezina Trophy"
            words_before.pop(0)
        if words_before:
            return " ".join(words_before + [m.group(0)])
    return None


CHECKS: dict[str, Callable[[Query, Evidence], str | None]] = {
    "names": unmatched_names,
    "kind": another_of_its_kind,
    "edition": another_edition,
    "focus": focus_not_near,
    "typed": no_typed_answer,
    "speech": speech_not_reported,
    "cause": cause_not_stated,
    "cause_of": cause_of_another,
    "act": act_not_reported,
    "ahead": act_only_ahead,
    "owner": owner_not_near,
}


def reason_to_abstain(q: Query, ev: Evidence, skip: Sequence[str] = ()) -> str | None:
    """The first failed check's reason, or None when the evidence passes every check."""
    for name, check in CHECKS.items():
        if name in skip:
            continue
        reason = check(q, ev)
        if reason:
            return reason
    return None
