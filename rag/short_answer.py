"""The short answer: the named entity of the expected type in the supporting sentence ("Choi Sang-mok",
"91", "9.1%"), or none.

The question's answer type (rag.query: "which leader" -> a person, "how old" -> an age) says which entity
labels can answer it. Candidates are the supporting sentence's entities of those labels that the question
does not already contain; the best is the one the retrieved evidence agrees on most (each article that
states it counts once, weighted by how well its sentence matches the question), nearest the question's own
words in the sentence. A short answer is shown only when the evidence agrees on it clearly enough
(`confident`); otherwise there is none: the headline must be right when it is shown.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rag import lexicon as L
from rag.articles import strip_dateline
from rag.nlp import analyzer, doers
from rag.query import VALUE_TYPES, AnswerType, Query, lemma, normalise_name, stems
from rag.text import YEAR, words, written_words
from rag.types import Entity

_DIGIT = re.compile(r"\d")
_QUOTED = re.compile(r"[“\"]([^”\"]{2,80})[”\"]")
_NUMBER = re.compile(r"\d[\d,.]*")
_FRACTION = re.compile(r"\d\.\d")
_COMPOUND_COUNT = re.compile(r"(\w+)-[a-z]+$")
# A person answering "who" is preferred; a team, company or country answers "who won/bought/sued ...?" too.
_WHO_FALLBACK = frozenset({"ORG", "GPE", "NORP"})



@dataclass(frozen=True)
class Candidate:
    text: str  # as shown: "Ayman al-Zawahiri", "91", "Bureau of Labor Statistics"
    key: str  # for comparing mentions across sentences: lower case, no punctuation
    label: str
    start: int  # article offsets
    end: int


@dataclass(frozen=True)
class ShortAnswer:
    text: str
    label: str
    support: float  # share of the evidence's weight behind it (0..1)


def key_of(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"^(?:the|a|an)\s+", "", text)
    return " ".join(re.sub(r"[^\w%$€£]+", " ", text).split())


def labels_for(q: Query) -> frozenset[str]:
    if q.wh == "who" and q.verb in L.CONTEST_VERBS:
        return q.answer_labels | _WHO_FALLBACK
    return q.answer_labels


NAMED = L.NAME_LABELS


def candidates(q: Query, text: str, offset: int, entities: Iterable[Entity],
               labels: frozenset[str] | None = None) -> list[Candidate]:
    """Spans of `text` (whose first character is at article offset `offset`) that could answer `q` (entities of
    `labels`, by default those of the question's answer type)."""
    if q.answer_type is None:
        return []
    labels = labels_for(q) if labels is None else labels
    # "CNN — The Avalanche beat ...": the agency of a dateline answers nothing; its place may answer "where" ("TOKYO
    # (AP) — A quake"), never "who won?" ("Bogota, Colombia (CNN) Gustavo Petro will become ...").
    dateline = len(text) - len(strip_dateline(text))
    found: list[Candidate] = []
    for e in entities:
        if _a_place(text, offset, e):
            continue
        label = e.label if e.label in labels else (_named_as_asked(q, text, offset, e, labels)
                                                   or _named_by_kind(q, text, offset, e, labels))
        if label is None or (e.start - offset < dateline and (
                label not in L.PLACE_LABELS or q.answer_type is not AnswerType.PLACE)):
            continue
        start = _with_currency(text, offset, e)
        raw = text[start - offset:_with_scale(text, offset, e) - offset]
        c = _shape(q, raw, label, start)
        if c is not None:
            found.append(c)
    if "WORK_OF_ART" in labels:  # titles in quotes, which the recogniser often misses
        for m in _QUOTED.finditer(text):
            title = m.group(1).strip(" ,.")
            content = [w for w in title.split() if w.lower() not in L.STOPWORDS]
            capitalised = sum(w[:1].isupper() or w[:1].isdigit() for w in content)
            if not title[:1].isupper() or len(title.split()) > 8 or capitalised * 2 < len(content):
                continue  # a quotation of someone's words, not the title of a work ("Title Case" is a title)
            c = _shape(q, m.group(1), "WORK_OF_ART", offset + m.start(1))
            if c is not None and all(c.key != f.key for f in found):
                found.append(c)
    if q.answer_type is AnswerType.AGE:  # ages the recogniser often leaves untagged: "Gronkowski, 33, wrote"
        for m in _AGE_PHRASE.finditer(text):
            i = m.lastindex  # the one group of the three that matched
            c = Candidate(m.group(i), key_of(m.group(i)), "CARDINAL", offset + m.start(i), offset + m.end(i))
            if all(c.start != f.start for f in found):
                found.append(c)
    if q.answer_type is AnswerType.PLACE and q.asked_noun:
        # "the island of Kyushu", "the city of Kherson": the sentence names the asked kind of place, recognised or not
        for m in re.finditer(rf"\b{re.escape(q.asked_noun)}s? of ((?:[A-Z][\w'’-]+ ?)+)", text):
            name = m.group(1).rstrip()
            c = _shape(q, name, "GPE", offset + m.start(1))
            if c is not None and all(c.start != f.start for f in found):
                found.append(c)
    if q.asked_noun and q.wh in ("which", "what") and labels and q.answer_type not in VALUE_TYPES:
        # "meal kit service Daily Harvest", "legendary musician Carlos Santana": a name the asked noun introduces is
        # of the asked kind, recognised or not
        for m in re.finditer(rf"\b{re.escape(q.asked_noun)}s? ((?:[A-Z][\w'’&.-]*(?: &)? ?)+)", text):
            name = m.group(1).rstrip(" .")
            c = _shape(q, name, min(labels), offset + m.start(1))
            if c is not None and all(c.start != f.start for f in found):
                found.append(c)
    found = _with_region(text, offset, found)
    if q.owned:
        # The owner the sentence writes as such, when it writes one ("the record set by X" does not); a country or
        # an organisation only so ("Pyongyang's troop deployment"), never as a place the sentence merely names.
        owners = [c for c in found if _owns(q, text, offset, c)]
        found = owners or [c for c in found if c.label == "PERSON"]
    found = [c for c in found if not _in_question(q, c) and _counts_asked(q, text, offset, c)
             and _is_age(q, text, offset, c) and not _an_age(q, text, offset, c) and not _former(q, text, offset, c)
             and not _other_year(q, text, offset, c) and not _titles_someone(q, text, offset, c)
             and not _since(q, text, offset, c) and not _compares(q, text, offset, c)]
    if q.role:
        # "Who is the spokesperson?": the person the evidence gives that title, even when it quotes them.
        return [c for c in found if holds_role(q.role, text, offset, c)]
    found = [c for c in found if not _is_source(q, text, offset, c)]
    if not _asks_landmark(q) and (q.asked_noun or len({c.key for c in found if c.label in L.PLACE_LABELS}) > 1):
        # "Louisville, Colorado, a city northwest of Denver": Denver only says where Louisville is; and "which town
        # ...?" is not answered by "Kyiv" in "Bucha, a town near Kyiv" when the recogniser missed Bucha. Only a bare
        # "where" may be answered by the one place a sentence gives, relative or not ("north of Kyiv").
        found = [c for c in found if not _landmark(text, offset, c)]
    return found


def _named_as_asked(q: Query, text: str, offset: int, e: Entity, labels: frozenset[str]) -> str | None:
    """"Hurricane Ian" answers "which hurricane?" whatever the recogniser labelled it (an organisation): a name
    that opens with the asked noun is a thing of the asked kind, and takes the asked label."""
    if not q.asked_noun or not labels or e.label not in L.NAME_LABELS:
        return None
    words = text[e.start - offset:e.end - offset].split()
    return min(labels) if len(words) > 1 and words[0].lower() == q.asked_noun else None


def _named_by_kind(q: Query, text: str, offset: int, e: Entity, labels: frozenset[str]) -> str | None:
    """For "which landmark ...?": "Eiffel Tower", "Mississippi River", "Yosemite National Park", a name ending in a
    kind of place, is that place, though the recogniser took it for a person or an organisation in its article.
    Not for a bare "where": the recogniser's places answer it, and a venue beside its city would split the answer."""
    words = text[e.start - offset:e.end - offset].split()
    if not q.asked_noun or e.label not in L.NAME_LABELS or len(words) < 2:
        return None
    last = re.sub(r"['’]s?$", "", words[-1]).lower()
    kind = "FAC" if last in L.FACILITY_NOUNS else "LOC" if last in L.NATURE_NOUNS else None
    return kind if kind in labels else None


_REGIONS = L.US_STATES | L.COUNTRIES  # what may follow a place after a comma and be part of its name


# An elided particle that continues a name ("Coeur d’Alene", "Côte d'Ivoire"), then ", <state or country>".
_ELIDED = re.compile(r"\s+[dl]['’][A-Z][\w-]*")
_REGION_AFTER = re.compile(r",\s*([A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,2})(?![\w'’-])")  # not "Florida's ..."


def _a_place(text: str, offset: int, e: Entity) -> bool:
    """Is a name the recogniser took for a person or an organisation written as a place is, with its state or
    country after a comma? "police in Coeur d’Alene, Idaho" (cut as "Coeur", an organisation) names a city, not the
    group the men were linked to. (Only ruled out: as a place, the recogniser's places answer.)"""
    if e.label in L.PLACE_LABELS or e.label not in NAMED:
        return False
    end = e.end - offset
    if m := _ELIDED.match(text, end):
        end = m.end()
    region = _REGION_AFTER.match(text, end)
    return region is not None and key_of(region.group(1).replace(".", "")) in _REGIONS


def _with_region(text: str, offset: int, found: list[Candidate]) -> list[Candidate]:
    """A place written with its state or country after a comma ("Las Vegas, Nevada", "Louchats, France") is one
    place: shown as written, compared with other sentences by the place itself ("Las Vegas")."""
    out: list[Candidate] = []
    for c in found:
        prev = out[-1] if out else None
        if prev is not None and prev.label == c.label == "GPE" and re.fullmatch(r",\s*", text[prev.end - offset:
                c.start - offset]) and key_of(c.text.replace(".", "")) in _REGIONS and \
                key_of(prev.text.replace(".", "")) not in _REGIONS:
            out[-1] = Candidate(text[prev.start - offset:c.end - offset], prev.key, "GPE", prev.start, c.end)
            continue
        out.append(c)
    return out


def _asks_landmark(q: Query) -> bool:
    """Does the question ask for the point of reference itself ("communities near which national park?")?"""
    w = words(q.search)
    return any(x in ("which", "what") and i > 0 and (w[i - 1] in L.NEAR_WORDS or (
        w[i - 1] == "of" and i > 1 and w[i - 2] in L.DIRECTION_WORDS)) for i, x in enumerate(w))


def _landmark(text: str, offset: int, c: Candidate) -> bool:
    """Is the place named only as a point of reference ("a city northwest of Denver", "near Kyiv", "outside Paris")?"""
    before = words(text[max(0, c.start - offset - 30):c.start - offset])[-2:]
    return bool(before) and (before[-1] in L.NEAR_WORDS or (before[-1] == "of" and len(before) > 1
                                                             and before[0] in L.DIRECTION_WORDS))


def _with_currency(text: str, offset: int, e: Entity) -> int:
    """Where a sum of money starts as written: the recogniser sometimes leaves the currency sign out of the span
    ("a jaw-dropping $12,600,000" -> "12,600,000"), and a short answer shows the figure as the article gives it."""
    i = e.start - offset
    if e.label == "MONEY" and i > 0 and text[i - 1] in L.CURRENCY_SIGNS:
        return e.start - 1
    return e.start


_SCALE_SUFFIX = re.compile(r"(?:m|bn|tn|k)\b")
# A unit the recogniser leaves out of a figure that means nothing without it: "raised rates by 75 basis points".
_POINTS = re.compile(rf"[ \t]+(?:{'|'.join(sorted(L.POINT_KINDS))})[ \t]+points?\b")


def _with_scale(text: str, offset: int, e: Entity) -> int:
    """Where a figure ends as written: "£7m" and "$2bn" are seven million pounds and two billion dollars, and the
    recogniser sometimes ends the span at the digit ("£7"); "75 basis points" is a rise, "75" alone is not."""
    j = e.end - offset
    if e.label in _AMOUNT_LABELS and j > 0 and text[j - 1].isdigit() and (m := _SCALE_SUFFIX.match(text, j)):
        return e.end + m.end() - j
    if e.label == "CARDINAL" and (m := _POINTS.match(text, j)):
        return e.end + m.end() - j
    return e.end


def holds_role(role: tuple[str, ...], text: str, offset: int, c: Candidate) -> bool:
    """Is the candidate given the asked title: right before it ("acting President Han"), or after it ("Choi
    has taken over as the acting president", "Miller, the spokesperson")?"""
    return role_gap(role, text, offset, c) is not None


def role_gap(role: tuple[str, ...], text: str, offset: int, c: Candidate) -> int | None:
    """How many words lie between the candidate and the title given to it (None: no such title near it)."""
    # A colon, a semicolon or a quotation mark ends the phrase a title could head: "'YOUR ATTORNEYS MESSED UP':Alex
    # Jones confronted ..." gives Jones no title.
    phrase = re.split(r"[:;“”\"]", text[max(0, c.start - offset - 60):c.start - offset])[-1]
    raw, before = written_words(phrase)[-5:], words(phrase)[-5:]
    after = words(text[c.end - offset:c.end - offset + 80])[:8]

    def names(w: str, r: str) -> bool:
        return any(w == x if len(x) < 4 else w.startswith(x[:max(4, len(x) - 2)])
                   for x in (r, *L.ROLE_SYNONYMS.get(r, ())))

    def at(ws: list[str]) -> list[int]:
        return [i for i, w in enumerate(ws) if any(names(w, r) for r in role[-1:])]

    def has(ws: list[str]) -> bool:
        return all(any(w in L.FORMER_WORDS for w in ws) if r == "former" else any(names(w, r) for w in ws)
                   for r in role)
    gaps = []
    # A title before the name is its own when only the rest of a title or a name lies between ("acting President
    # Han", "President of South Korea Yoon Suk Yeol", "Apple's CFO Luca Maestri"), not in "... named Ohtani MVP
    # after Judge left": the title there is the earlier name's.
    if has(before) and at(before) and all(w in L.TITLE_WORDS or w in L.TITLE_JOINS or w[:1].isupper()
                                          for w in raw[max(at(before)) + 1:]):
        gaps.append(len(before) - 1 - max(at(before)))
    # A title after the name is its own when only words that give a post lie between ("Choi has taken over as the
    # acting president", "Miller, the spokesperson"), not in "Jones denied it, lawyers played a video".
    if has(after) and at(after) and all(w in L.ROLE_LINKS or w in L.TITLE_WORDS or w.endswith(("'s", "’s"))
                                        for w in after[:min(at(after))]):  # "Peters, Netflix's chief ..."
        gaps.append(min(at(after)))
    return min(gaps) if gaps else None


def _same_kind(word: str, noun: str) -> bool:
    """'nation' counts countries: both are places in the lexicon; 'nation' does not count days."""
    return any(word in vocab and noun in vocab for vocab in (L.PLACE_NOUNS, L.PERSON_NOUNS, L.ORG_NOUNS,
                                                             L.DATE_NOUNS))


def _former(q: Query, text: str, offset: int, c: Candidate) -> bool:
    """'former acting President Han Duck-soo' does not answer who *is* acting president, nor does a holder whose
    departure the sentence reports."""
    if c.label != "PERSON" or q.verb_tag not in ("VBZ", "VBP") or "former" in q.role:
        return False  # "who is the former acting president?" asks for exactly that
    before = words(text[max(0, c.start - offset - 40):c.start - offset])[-4:]
    # "Sri Lanka's Prime Minister, Mahinda Rajapaksa, resigned on Monday": no longer the holder either.
    after = [w for w in words(text[c.end - offset:c.end - offset + 40])[:3] if w not in ("has", "had", "was")]
    left = bool(after) and (after[0] in L.DEPARTURE_WORDS or after[:2] in (["stepped", "down"], ["steps", "down"]))
    return any(w in L.FORMER_WORDS for w in before) or left or _departs(text, offset, c)


def departed(q: Query, text: str, offset: int, entities: Iterable[Entity]) -> frozenset[str]:
    """Keys of the people whose departure `text` reports, as `_former` reads it ("former President Han",
    "Rajapaksa, who fled ..., has resigned"), for a question asking who holds a post now."""
    if q.answer_type is not AnswerType.PERSON or q.verb_tag not in ("VBZ", "VBP") or "former" in q.role:
        return frozenset()
    return frozenset(key_of(normalise_name(text[e.start - offset:e.end - offset])) for e in entities
                     if e.label == "PERSON" and _former(q, text, offset, Candidate(
                         text[e.start - offset:e.end - offset], "", "PERSON", e.start, e.end)))


def among(key: str, keys: Iterable[str]) -> bool:
    """Is `key` one of `keys`, or a name one of them gives in full or by surname ("rajapaksa" for "gotabaya
    rajapaksa", "president gotabaya rajapaksa" for it)?"""
    return any(k == key or k.endswith(" " + key) or key.endswith(" " + k) for k in keys)


_DEPARTURE = re.compile(rf"\b(?:{'|'.join(sorted(L.DEPARTURE_WORDS))})\b", re.IGNORECASE)


def _departs(text: str, offset: int, c: Candidate) -> bool:
    """Is the candidate the one whose departure the sentence reports, however far the verb stands from the name
    ("President Gotabaya Rajapaksa, who fled the country earlier this week, has formally resigned")? The subject of
    a departure verb, read from the sentence's parse; parsed only when such a verb is written."""
    if not _DEPARTURE.search(text):
        return False
    body = strip_dateline(text)  # "Colombo, Sri Lanka (CNN) ..." would be parsed as the subject
    p = analyzer().parse(body)
    a, b = c.start - offset - (len(text) - len(body)), c.end - offset - (len(text) - len(body))
    return any(a <= p.tokens[i].start < b for i in doers(p, lambda w: w.lower() in L.DEPARTURE_WORDS))


# How far before a candidate its clause may date it ("Tesla's Q1 2023 deliveries ... a total revenue of $23.3
# billion"); 60 -> 120 on the RGB dev half (eval/results/tuning.md).
_YEAR_REACH = 120


def _other_year(q: Query, text: str, offset: int, c: Candidate) -> bool:
    """"Which team won the 2022 final?" is not answered by "... when the St. Louis Blues won the Stanley Cup in
    2019": a candidate whose own clause is dated to other years than the question names answers another season."""
    asked = set(YEAR.findall(q.search))
    if not asked or c.label in ("DATE", "TIME"):
        return False
    a, b = c.start - offset, c.end - offset
    left = re.split(r"[.;!?]\s", text[max(0, a - _YEAR_REACH):a])[-1]
    right = re.split(r"[.;!?]\s|[,;]", text[b:b + 60])[0]
    near = set(YEAR.findall(left + " " + right))
    return bool(near) and not near & asked


def of_another_year(q: Query, text: str, day: str | None) -> bool:
    """Is a sentence about another year than the one the question names? "Which team won the 2021 final?" is not
    answered by a 2022 report's "the Avalanche defeated the Lightning ... on Sunday", which names no 2021: its
    news is of its own day's year."""
    # A year alone names a season or an edition ("the 2021 final", "in 2019"); a year closing a full date ("the
    # attack on January 6, 2021") dates an event that news may go on reporting in later years.
    asked = {y for m in q.names if m.label == "DATE" and (y := m.text.removeprefix("the ").strip()).isdigit()
             and YEAR.fullmatch(y)} | {y for m in q.names if m.label != "DATE" for y in YEAR.findall(m.text)}
    if not asked or not day or day[:4] in asked:
        return False
    return not asked & set(YEAR.findall(text))


def _since(q: Query, text: str, offset: int, c: Candidate) -> bool:
    """"Payments have been frozen since March 2020" says when a state began: it answers "when were payments frozen?"
    or "since when ...?", not "when are payments set to restart?" (nor "when will they resume?")."""
    if c.label not in ("DATE", "TIME") or words(text[max(0, c.start - offset - 8):c.start - offset])[-1:] != ["since"]:
        return False
    asked = words(q.search)  # as understood: a follow-up's own words, its references resolved
    return not (q.verb_tag == "VBD" or "did" in asked or "since" in asked)


_SHARE_OF = re.compile(rf"(?i)\b(?:{'|'.join(sorted(L.SHARE_NOUNS))})\s+of\b")


def _compares(q: Query, text: str, offset: int, c: Candidate) -> bool:
    """"What percent of Covid-19 cases does BA.2 cause?" asks for a share of something: "BA.2 is about 30% more
    transmissible" compares, it is a share of nothing."""
    if q.answer_type is not AnswerType.PERCENT or not _SHARE_OF.search(q.text):
        return False
    after = words(text[c.end - offset:c.end - offset + 20])[:1]
    return bool(after) and after[0] in L.COMPARATIVES


def _titles_someone(q: Query, text: str, offset: int, c: Candidate) -> bool:
    """"U.S. Secretary of State Antony Blinken", "South Korean President Yoon": a place written before a title says
    whose official someone is, not where anything happens, so it does not answer "where". It may answer "which
    country": "North Korean leader Kim Jong Un declared victory" says which country did."""
    if q.wh != "where" or c.label not in L.PLACE_LABELS | {"NORP"}:
        return False
    after = text[c.end - offset:c.end - offset + 30].lstrip(" .")
    first = after.split(" ", 1)[0].rstrip(",;:")
    return first[:1].isupper() and first.lower() in L.TITLE_WORDS


def _is_source(q: Query, text: str, offset: int, c: Candidate) -> bool:
    """"Miller said ...", "according to Reuters": who reports the news is not what a question asks, unless it asks
    who said something. Only a name reports: the "33" of "Gronkowski, 33, wrote" is his age."""
    if q.verb in L.SPEECH_VERBS or c.label not in NAMED:
        return False
    after = words(text[c.end - offset:c.end - offset + 50])[:3]
    if after and q.verb and lemma(after[0]) == lemma(q.verb):
        return False  # "Which network reported the pause?": "CNBC reported that ..." did the asked act
    obj = after[2:3] if after[1:2] and after[1] in L.POSSESSIVE_DETERMINERS else after[1:2]  # "announced her ..."
    if after and after[0] in L.ACTING_REPORTS and obj and obj[0] in L.ACT_OBJECTS:
        return False  # "Albanese claimed victory", "Williams announced her retirement": an act, not a report
    before = words(text[max(0, c.start - offset - 14):c.start - offset])[-2:]
    if before == ["according", "to"]:
        return True
    # "Officials in Virginia say ...": a name after a preposition places the speaker; it is not the speaker.
    near = words(text[max(0, c.start - offset - 30):c.start - offset])[-2:]  # "in southwestern Virginia" too
    placed = bool(set(near) & L.PLACE_PREPOSITIONS)
    return bool(after and after[0] in L.REPORTING_WORDS) and not placed


def _counts_asked(q: Query, text: str, offset: int, c: Candidate) -> bool:
    """'How many days ...?' is not answered by the "three" of "a three-nation tour": a number followed by another
    noun counts something else. A number followed by the asked noun, or by no noun at all, may answer. "One of"
    picks a member of a group ("the owner of one of these swings"); it never says how many."""
    if q.answer_type in (AnswerType.NUMBER, AnswerType.QUANTITY) and c.text.lower() == "one" and \
            text[c.end - offset:c.end - offset + 4].lower() == " of ":
        return False
    if q.wh == "how" and q.answer_type is AnswerType.NUMBER and c.label == "CARDINAL" and _FRACTION.search(c.text) \
            and not set(words(c.text)) & L.SCALE_WORDS:
        return False  # things are counted in whole numbers: "4.0" is a version, "2.5 million" a count
    if q.wh == "how" and q.answer_type is AnswerType.NUMBER and c.label in ("PERCENT", "MONEY"):
        return False  # "how many Americans ...?" asks for a count: "95%" is a share of them, "$6.8 billion" a sum
    if q.answer_type not in (AnswerType.NUMBER, AnswerType.QUANTITY) or not q.asked_noun \
            or q.asked_noun in L.NUMBER_NOUNS:  # "what was the magnitude/number ...": the noun names the figure
        return True
    unit = q.asked_noun[:max(3, len(q.asked_noun) - 2)]
    if unit in c.text.lower():
        return True
    inner = [w for w in words(c.text) if not any(ch.isdigit() for ch in w) and w not in L.NUMBER_WORDS
             and w not in L.STOPWORDS]
    if inner and _measures_other(inner[-1], q.asked_noun):
        return False  # "14,000 acres" measures land; it does not count people
    if (part := _PART_OF.match(text, c.end - offset)) is not None:
        # "12 of the last 13 competitions" counts competitions, whatever the sentence goes on to say
        return any(w.startswith(unit) or _same_kind(w, q.asked_noun) or _counts_same(w, q.asked_noun)
                   for w in words(text[part.start(1):part.start(1) + 40])[:3])  # "of the 70 hot dogs"
    if "-" in c.text:  # "three-nation": the compound says what is counted
        counted = c.text.lower().rsplit("-", 1)[1]
        return counted.startswith(unit) or _same_kind(counted, q.asked_noun)
    ahead = [L.IRREGULAR_PLURALS.get(w, w) for w in words(text[c.end - offset:c.end - offset + 40])[:3]]
    nxt = ahead[:1]
    if text[c.end - offset:c.end - offset + 1] == "-":  # "three-nation": a compound adjective
        return bool(nxt) and (nxt[0].startswith(unit) or _same_kind(nxt[0], q.asked_noun))
    # The counted noun may come after its modifiers: "63 hot dogs", "2.5 million new customers".
    named = [w for w in ahead if w.startswith(unit) or _counts_same(w, q.asked_noun)]
    if named:
        return True
    if not nxt or nxt[0] in L.STOPWORDS or nxt[0] in L.REPORTING_WORDS or nxt[0] in L.COUNT_VERBS:
        # With no noun after it, the noun before "of" says what a number counts: "North Korea's population of about
        # 25 million" counts people, not Covid deaths; "a death toll of 73" and "an increase of 9,000" may answer.
        before = words(text[max(0, c.start - offset - 40):c.start - offset])[-2:]
        return not (len(before) == 2 and before[1] == "of" and before[0] not in L.STOPWORDS
                    and before[0] not in L.NUMBER_NOUNS | L.CHANGE_NOUNS and not before[0].startswith(unit)
                    and not _counts_same(before[0], q.asked_noun))
    return False


# An age as news writes it: "Gronkowski, 33, wrote", "a 33-year-old", "aged 33", "at the age of 33".
_AGE_PHRASE = re.compile(r"(?<=\w, )(\d{1,3})(?=, )|\b(\d{1,3})-year-old\b|\bage(?:d| of) (\d{1,3})\b")
_AFTER_NUMBER = re.compile(r"[\s-]*([A-Za-z]+)(?:[\s-]+([A-Za-z]+))?")


def _is_age(q: Query, text: str, offset: int, c: Candidate) -> bool:
    """'How old ...?' is answered by an age ("91", "the age of 91", "a 33-year-old", "She was 96."), not by the
    "11" of "11 seasons" or "33 points", nor by a year ("1970"): the word after the number, if any, says so."""
    if q.answer_type is not AnswerType.AGE:
        return True
    try:
        n = float(c.text.replace(",", ""))
    except ValueError:
        return False
    if not 0 < n <= L.OLDEST_AGE:
        return False
    m = _AFTER_NUMBER.match(text, c.end - offset)
    if m is None:
        return True  # "She was 96."
    unit, then = m.group(1).lower(), (m.group(2) or "").lower()
    if unit in L.AGE_UNITS:
        return unit.startswith("year") or then == "old"  # "18 months old"; "18 months" alone is how long
    return unit in L.STOPWORDS or unit == "old"


def _an_age(q: Query, text: str, offset: int, c: Candidate) -> bool:
    """Is a span the recogniser tagged as a date an age ("children ages 5 to 11", "aged 12 to 15", "5- to
    11-year-olds")? For "when" and "how long" it is how old, not a date nor a span of time. An age word in lower
    case inside the span or right around it says so ("the Middle Ages" is an era)."""
    if q.answer_type not in (AnswerType.DATE, AnswerType.DURATION):
        return False
    near = text[max(0, c.start - offset - 12):c.end - offset + 12]
    inside = re.split(r"[\s-]+", text[c.start - offset:c.end - offset])
    before = re.split(r"[\s-]+", text[max(0, c.start - offset - 12):c.start - offset].strip())[-1:]
    return bool(set(inside + before) & L.AGE_WORDS) or re.search(
        rf"{re.escape(c.text)}[\s-]*(?:years?|months?)[\s-]+olds?\b", near) is not None


def _measures_other(word: str, asked: str) -> bool:
    """Does `word` (inside a figure: "14,000 acres") say it measures or counts something else than the asked noun:
    a unit or span of time, or a kind the lexicon knows that the asked noun is not of ("three nations" for days)?"""
    kinds = (L.PLACE_NOUNS, L.PERSON_NOUNS, L.ORG_NOUNS, L.DATE_NOUNS, L.EVENT_NOUNS, L.WORK_NOUNS, L.PRODUCT_NOUNS,
             L.MONEY_NOUNS, L.PERCENT_NOUNS)
    stem = word.rstrip("s")
    if word in L.SPAN_UNITS or stem + "s" in L.SPAN_UNITS or word in L.UNIT_WORDS or stem in L.UNIT_WORDS:
        return True
    known = [k for k in kinds if word in k or stem in k]
    return bool(known) and not any(asked in k for k in known)


def _counts_same(counted: str, asked: str) -> bool:
    """News counts the asked thing in its own words: "how many customers" -> "2.5 million residences and
    businesses", "how many people" -> "6,000 residents", "how many wildfires" -> "420 fires" (the word a compound
    ends with). Only words of one family of counted things count; any other word after a number ("its two Asian
    allies" for troops) counts something else."""
    stem, base = counted.rstrip("s"), asked.rstrip("s")
    if len(stem) >= 4 and base.endswith(stem):
        return True
    return any((counted in f or stem in f) and (asked in f or base in f) for f in L.COUNTED_FAMILIES)


_SPAN_UNITS = frozenset(u.rstrip("s") for u in L.SPAN_UNITS)  # "hour", "week": built once, read per candidate
_UNITS_OF_TIME = _SPAN_UNITS | {"time", "season", "moment", "period", "century"}


def _shape(q: Query, raw: str, label: str, start: int) -> Candidate | None:
    """The candidate as an answer to `q`: "the age of 91" -> "91" for an age, "the Pentagon" -> "Pentagon"."""
    t = q.answer_type
    text = normalise_name(raw)
    lead = re.match(r"(?i)(?:the|a|an)\s+", text)
    if lead and label not in ("DATE", "TIME", "CARDINAL", "QUANTITY", "MONEY", "PERCENT"):
        text = text[lead.end():]
    if not text:
        return None
    if label in _AMOUNT_LABELS:
        text = _amount_only(text)
    words = re.split(r"[\s-]+", text.lower())
    if t is AnswerType.AGE:
        m = _NUMBER.search(text)
        if not m or {w.strip(".,") for w in words} & (L.CALENDAR_WORDS | L.MONTH_ABBREVIATIONS):
            return None  # "September 19" is a day, not an age
        text = m.group(0).rstrip(".,")
    elif t in (AnswerType.NUMBER, AnswerType.QUANTITY):
        if not _DIGIT.search(text) and not (set(words) & L.NUMBER_WORDS):
            return None
        if set(words) & L.VAGUE_COUNTS and not _DIGIT.search(text):
            return None  # "millions of": many, not how many
        if (m := _COMPOUND_COUNT.match(text)) and (m.group(1).lower() in L.NUMBER_WORDS or m.group(1).isdigit()):
            text = m.group(1)  # "a three-nation tour": how many nations is "three"
    elif t is AnswerType.MONEY:
        if not (_DIGIT.search(text) or set(words) & L.NUMBER_WORDS):
            return None  # "raised millions for cancer research": much, not how much
    elif t is AnswerType.DURATION:
        # A span of time ("three hours"), or for "how long is the bridge?" a length ("18-foot-long", "1.2 miles").
        units = L.LENGTH_UNITS if label == "QUANTITY" else _SPAN_UNITS
        if not (_DIGIT.search(text) or set(words) & L.NUMBER_WORDS) or not any(
                w in units or w.rstrip("s") in units for w in words):
            return None
        if (m := _SPAN_ADJECTIVE.fullmatch(text)) and m.group(2) in _SPAN_UNITS:
            # "her 20-year sentence": how long is "20 years"
            one = m.group(1).lower() in ("1", "one", "a")
            text = f"{m.group(1)} {m.group(2)}{'' if one else 's'}"
            return Candidate(text, key_of(text), label, start, start + len(raw))
    elif t is AnswerType.DATE:
        if set(words) <= {"today", "now", "recently", "currently"}:
            return None
        if q.asked_noun == "year" and not YEAR.search(text) and "year" not in words:
            return None  # "what year did it debut?" is not answered by "Wednesday"
        if set(words) <= {"the", "a", "an"} | _UNITS_OF_TIME:
            return None  # "its first provocation of the year" dates nothing
        if (_DIGIT.search(text) or set(words) & L.NUMBER_WORDS) and set(words) & L.SPAN_UNITS and not (
                set(words) & L.CALENDAR_WORDS):
            return None  # "five weeks" is how long, not when
    elif text.lower() in L.CALENDAR_WORDS or text.lower() in L.STOPWORDS:
        return None
    elif label == "PERSON" and not any(c.islower() for c in text):
        return None  # "WNBA MVP", "NFL": capitals alone spell an acronym or a title, not a person's name
    elif label == "PERSON" and re.search(r"['’]s\s+[A-Z]", text):
        return None  # "Ripley’s Believe It": a possessive inside the span names a business or a work, not a person
    elif label == "PERSON" and words[-1] in L.AWARD_WORDS:
        return None  # "Ted Lindsay Award": an honour named after a person is not one
    if q.answer_labels <= {"GPE"} and q.asked_noun:
        # "which country" / "which state" / "which city": a country, a US state, or neither.
        low = key_of(text.replace(".", ""))
        kind = (L.COUNTRIES if q.asked_noun in L.COUNTRY_NOUNS else L.US_STATES if q.asked_noun in L.US_STATE_NOUNS
                else None)
        if kind is not None and low not in kind:
            return None
        if q.asked_noun in L.CITY_NOUNS and (low in L.COUNTRIES or low in L.US_STATES):
            return None
    offset = raw.find(text)
    s = start + max(offset, 0)
    return Candidate(text, key_of(text), label, s, s + len(text))



_AMOUNT_LABELS = frozenset({"MONEY", "PERCENT", "QUANTITY", "CARDINAL"})
# "12 of the last 13 competitions": what the number is a part of, the noun after "of" and the words that pick it.
_PART_OF = re.compile(rf"\s+of\s+(?:(?:{'|'.join(map(re.escape, L.PART_OF_DETERMINERS))}|\d+)\s+)*([A-Za-z]+)")
_SPAN_ADJECTIVE = re.compile(r"(\w+)-([a-z]+?)(?:-long)?")  # "20-year", "three-week-long"
# What a place's people are called, as an ending of its name: "Sri Lanka" -> "Sri Lankan", "China" -> "Chinese".
_DEMONYM_ENDING = re.compile(r"[a-z]{0,2}(?:n|an|ian|ean|ese|i|ish)s?")
_SPEAKER_VERB = re.compile(rf"\W*(?:{'|'.join(map(re.escape, L.SPEAKER_VERB_FORMS))})\b")  # "Lee said": Lee spoke
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")


def _amount_only(text: str) -> str:
    """A figure without the words the recogniser sometimes takes in front of it: "couple $233,610" -> "$233,610";
    "more than 1.9 million" stays (`lexicon.AMOUNT_MODIFIERS`)."""
    parts = text.split(" ")
    first = next((i for i, w in enumerate(parts) if _DIGIT.search(w) or w[:1] in L.CURRENCY_SIGNS
                  or w.lower().strip(",.") in L.NUMBER_WORDS), None)
    if not first:  # a figure from the first word, or no figure at all
        return text
    keep = first
    while keep > 0 and parts[keep - 1].lower() in L.AMOUNT_MODIFIERS:
        keep -= 1
    return " ".join(parts[keep:])


def _owns(q: Query, text: str, offset: int, c: Candidate) -> bool:
    """For "whose X ...?": is the candidate written as X's owner, in the possessive ("Pyongyang's troop deployment")
    or right before X's words ("the second Donald Trump administration")?"""
    after = text[c.end - offset:]
    if re.match(r"['’]s?\b|['’]\s", after):
        return True
    nxt = re.match(r"\s+([\w-]+)", after)
    return nxt is not None and nxt.group(1).lower() in q.owned


def _in_question(q: Query, c: Candidate) -> bool:
    """A span that only repeats the question ("Godard" for "how old was Godard ...", "Antony Blinken" for "who met
    Blinken?") does not answer it, nor does
    a country the question names by another of its names ("United States" for "the US first lady met the first
    lady of which country?")."""
    if any(c.key == key_of(m.text) or c.key in key_of(m.text).split() for m in q.names):
        return True
    if c.label == "PERSON" and (own := set(c.key.split()) - L.TITLE_WORDS) and any(
            own <= set(key_of(m.text).split()) for m in q.names if m.label in ("PERSON", "PROPN")):
        return True  # "Queen Elizabeth" for "who succeeded Elizabeth II?": the asked-about person with a title
    if any(" " in (k := key_of(m.text)) and f" {k} " in f" {c.key} " for m in q.names):
        return True  # "'Literally ruined':Kim Kardashian", a headline's words run into a name the question gives
    if c.label == "CARDINAL" and c.text.isdigit() and c.text in _ORDINAL.findall(q.search):
        return True  # "15" of "15 of the last 16 years" for "... won for the 15th time. How many ...?"
    if c.label in L.PLACE_LABELS and _people_of(c.text, q.search):
        return True  # "Sri Lanka" for "Sri Lankan President Gotabaya Rajapaksa fled to which country?"
    if c.label == "PERSON" and c.key.split()[-1] in {key_of(n) for n in q.surnames}:
        return True  # "Antony Blinken" for "who met Blinken?": the person the question names by surname
    aliases = L.COUNTRY_ALIASES.get(key_of(c.text.replace(".", "")), ())
    if aliases and set(aliases) & {key_of(m.text.replace(".", "")) for m in q.names}:
        return True
    own = stems(c.text)
    return bool(own) and own <= q.terms


def _people_of(place: str, question: str) -> bool:
    """Does `question` call someone by the people of `place` ("Sri Lankan President", "Chinese researchers"): a
    word sharing all but the last letter or two of the place's name (at least four), then a demonym's ending?"""
    *before, last = place.split()
    if len(last) < 4 or not last[:1].isupper():
        return False
    stem = last[:max(4, len(last) - 2)]
    for m in re.finditer(rf"(?<!\w){re.escape(' '.join([*before, stem]))}(\w*)", question):
        word = stem + m.group(1)
        shared = len(os.path.commonprefix([word, last]))
        rest = word[shared:]
        if word != last and (_DEMONYM_ENDING.fullmatch(rest) or (not rest and last.endswith("y"))):
            return True  # ("Germany" -> "German")
    return False


@dataclass(frozen=True)
class Evidence:
    """One sentence (or joined window) of retrieved evidence with its candidates."""

    doc_id: str
    score: float
    text: str
    offset: int
    candidates: tuple[Candidate, ...]
    day: str | None = None  # the report's date, YYYY-MM-DD


@dataclass(frozen=True)
class Tally:
    """How much of the retrieved evidence stands behind each candidate (see `votes`)."""

    weights: dict[str, float]  # candidate key -> summed score of the articles stating it (or a shorter form of it)
    total: float  # the evidence's whole weight: each article's best statement of each candidate, summed
    kin: dict[str, frozenset[str]]  # key -> the other keys that name the same thing, shorter or longer

    def weight(self, key: str) -> float:
        return self.weights.get(key, 0.0)

    def share(self, key: str) -> float:
        return round(self.weight(key) / (self.total or 1.0), 4)

    def outvoted(self, key: str) -> bool:
        """Does a candidate naming something else have more of the evidence behind it than `key`?"""
        mine = self.weight(key)
        related = self.kin.get(key, frozenset())
        return any(w > mine for k, w in self.weights.items() if k != key and k not in related)


def votes(evidence: Sequence[Evidence]) -> Tally:
    """Each article's best-scoring statement of a candidate counts once: syndicated copies and an article
    repeating a name do not outvote independent reports. A name's shorter form counts for it ("Ford" for "Ford
    Motor Co", "Cosby" for "Bill Cosby"): news names a company or a person in full once and shortly after, and
    counting the forms apart splits one answer's votes, letting a name mentioned once in full outvote it."""
    best: dict[tuple[str, str], float] = {}
    labels: dict[str, str] = {}
    for ev in evidence:
        for c in ev.candidates:
            k = (ev.doc_id, c.key)
            best[k] = max(best.get(k, 0.0), ev.score)
            labels.setdefault(c.key, c.label)
    shorter = {key: {k for k in labels if k != key and _shorter_form(k, key, labels)} for key in labels}
    by_doc: dict[str, dict[str, float]] = {}
    for (doc, key), w in best.items():
        by_doc.setdefault(doc, {})[key] = w
    weights = {key: sum(max([said.get(k, 0.0) for k in forms | {key}]) for said in by_doc.values())
               for key, forms in shorter.items()}
    kin = {key: frozenset(forms | {k for k, f in shorter.items() if key in f}) for key, forms in shorter.items()}
    return Tally(weights, sum(best.values()), kin)


def _shorter_form(short: str, full: str, labels: dict[str, str]) -> bool:
    """Is `short` how news names `full` after its first mention: a person by the surname ("cosby" of "bill cosby"),
    an organisation by its leading words ("ford" of "ford motor co")? Not a place: "Virginia" is not West Virginia
    nor "Korea" North Korea. Not a date: "2017" is not "july 21 2017", which it may merely share a year with."""
    if labels[short] != labels[full] or len(short) >= len(full):
        return False
    if labels[full] == "PERSON":
        return full.endswith(" " + short)
    return labels[full] == "ORG" and full.startswith(short + " ")


def pick(q: Query, lead: Evidence, tally: Tally) -> ShortAnswer | None:
    """The lead sentence's best candidate: most evidence behind it, then nearest the question's words."""
    if not lead.candidates:
        return None
    labels = q.answer_labels
    if q.count != 1:
        return _listed(q, lead, tally)
    text = lead.text.lower()
    anchors = [m.start() for w in _anchor_words(q) for m in re.finditer(rf"\b{re.escape(w)}", text)]

    def rank(c: Candidate) -> tuple:
        primary = c.label in labels  # a person for "who", before a fallback organisation
        start, end = c.start - lead.offset, c.end - lead.offset
        gap = min((max(a - end, start - a, 0) for a in anchors), default=len(text))
        noun_first = bool(q.asked_noun) and re.search(rf"\b{re.escape(q.asked_noun)}\w*\W+$", text[:start]) is not None
        said = _SPEAKER_VERB.match(text, end) is not None
        titled = -(role_gap(q.role, lead.text, lead.offset, c) or 0) if q.role else 0  # the nearest title holder
        return (primary, titled, tally.weight(c.key), noun_first, not said, -gap)

    return answer_of(max(lead.candidates, key=rank), tally)


def answer_of(c: Candidate, tally: Tally) -> ShortAnswer:
    """A candidate as the short answer, its support the share of the evidence's votes it has."""
    return ShortAnswer(c.text, c.label, tally.share(c.key))


def _listed(q: Query, lead: Evidence, tally: Tally) -> ShortAnswer | None:
    """"Which two countries ...?": "Sweden and Finland" (see `listed`), or none."""
    named = listed(q, lead.candidates)
    if named is None:
        return None
    text = ", ".join(c.text for c in named[:-1]) + " and " + named[-1].text
    return ShortAnswer(text, named[0].label, min(tally.share(c.key) for c in named))


def listed(q: Query, found: Iterable[Candidate]) -> list[Candidate] | None:
    """What a question asking for several things gets from one sentence: for "which two countries ...?" the first
    two different candidates of the asked type in the sentence's order; for "which countries ...?" all of them.
    None when there are too few: half a list is not the answer, and a plural answered by one name alone is likelier
    a stray one."""
    labels = labels_for(q) or NAMED
    seen: set[str] = set()
    named = [c for c in sorted(found, key=lambda c: c.start)
             if c.label in labels and not (c.key in seen or seen.add(c.key))]
    if len(named) < (q.count or 2):
        return None
    return named[:q.count or len(named)]


def outvoted(answer: ShortAnswer, tally: Tally) -> bool:
    """Does another candidate have more of the evidence behind it than `answer`? A lone name in a well-matched
    sentence that the other reports outvote is likelier a background mention than the news."""
    return tally.outvoted(key_of(answer.text))


def _anchor_words(q: Query) -> list[str]:
    words = [w for w in re.findall(r"[a-z0-9][a-z0-9'-]+", q.search.lower()) if w not in L.STOPWORDS]
    return [w[:max(4, len(w) - 2)] for w in words]  # a crude stem: "killed" and "kill" both match "kil"


def confident(answer: ShortAnswer | None, lead_score: float, n_candidates: int, min_support: float,
              min_score: float, wanted: int = 1, rivalled: bool = False) -> bool:
    """Show the short answer? When most of the evidence agrees on it, or the supporting sentence holds just the
    candidates asked for (one, or the two of "which two ...") and matches the question well, and the answer is not
    `rivalled` (another candidate has more of the evidence behind it: see `outvoted`)."""
    if answer is None:
        return False
    return answer.support >= min_support or (n_candidates == wanted and lead_score >= min_score and not rivalled)
