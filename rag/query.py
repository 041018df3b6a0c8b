"""A question, understood once: the typed `Query` every later step reads.

`analyse(question, history)` parses the question with the language model (rag.nlp: parts of speech,
dependencies, named entities) and records what it asks for: its question word, the expected answer
type ("which leader" -> a person, "how old" -> an age), the names it mentions, whether it asks for the
latest news, and the references that point at earlier turns ("he", "that day", "the company").
Follow-ups are resolved here too (rag.followup), so retrieval, answering, abstention and short
answers all read one object and no step parses the question again.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

import Stemmer

from rag import lexicon as L
from rag.language import ENGLISH, Language, detect
from rag.nlp import Parse, Token, analyzer, future_of
from rag.sentences import split_sentences
from rag.text import content_words
from rag.types import Mention, Turn


class AnswerType(StrEnum):
    PERSON = "person"
    ORG = "organisation"
    PLACE = "place"
    DATE = "date"
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"
    QUANTITY = "quantity"
    AGE = "age"
    DURATION = "duration"
    OTHER = "other"  # a named thing: a show, a product, an event ... (see Query.answer_labels)


# Types that are a figure or a date of something the question names, not a name of their own.
VALUE_TYPES = frozenset({AnswerType.NUMBER, AnswerType.MONEY, AnswerType.PERCENT, AnswerType.QUANTITY, AnswerType.AGE,
                         AnswerType.DURATION, AnswerType.DATE})

# Entity labels (rag.nlp, OntoNotes) that can answer each type.
ANSWER_LABELS: dict[AnswerType, frozenset[str]] = {
    AnswerType.PERSON: frozenset({"PERSON"}),
    AnswerType.ORG: frozenset({"ORG"}),
    AnswerType.PLACE: L.PLACE_LABELS,
    AnswerType.DATE: frozenset({"DATE", "TIME"}),
    AnswerType.NUMBER: frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}),
    AnswerType.MONEY: frozenset({"MONEY"}),
    AnswerType.PERCENT: frozenset({"PERCENT"}),
    AnswerType.QUANTITY: frozenset({"QUANTITY", "CARDINAL"}),
    AnswerType.AGE: frozenset({"DATE", "CARDINAL"}),  # "the age of 91" and "96" are both tagged either way
    AnswerType.DURATION: frozenset({"DATE", "TIME"}),  # "two weeks", "three hours"
    AnswerType.OTHER: frozenset({"WORK_OF_ART", "PRODUCT", "EVENT", "LAW"}),
}
# Nouns after which/what -> (type, the labels that answer it).
_NOUN_TYPES: tuple[tuple[frozenset[str], AnswerType, frozenset[str]], ...] = (
    (L.PERSON_NOUNS, AnswerType.PERSON, ANSWER_LABELS[AnswerType.PERSON]),
    (L.ORG_NOUNS, AnswerType.ORG, ANSWER_LABELS[AnswerType.ORG]),
    (L.COUNTRY_NOUNS | L.US_STATE_NOUNS | L.CITY_NOUNS, AnswerType.PLACE, frozenset({"GPE"})),
    (L.FACILITY_NOUNS, AnswerType.PLACE, frozenset({"FAC", "ORG", "LOC"})),
    (L.NATURE_NOUNS, AnswerType.PLACE, frozenset({"LOC", "GPE"})),
    (L.REGION_NOUNS, AnswerType.PLACE, frozenset({"LOC"})),
    (L.PLACE_NOUNS, AnswerType.PLACE, ANSWER_LABELS[AnswerType.PLACE]),
    (L.DATE_NOUNS, AnswerType.DATE, ANSWER_LABELS[AnswerType.DATE]),
    (L.PERCENT_NOUNS, AnswerType.PERCENT, ANSWER_LABELS[AnswerType.PERCENT]),
    (L.MONEY_NOUNS, AnswerType.MONEY, ANSWER_LABELS[AnswerType.MONEY]),
    (L.WORK_NOUNS, AnswerType.OTHER, frozenset({"WORK_OF_ART"})),
    (L.EVENT_NOUNS, AnswerType.OTHER, frozenset({"EVENT"})),
    (L.PRODUCT_NOUNS, AnswerType.OTHER, frozenset({"PRODUCT"})),
    (L.LAW_NOUNS, AnswerType.OTHER, frozenset({"LAW"})),
)
_POSSESSIVE_END = re.compile(r"(?:['’]s|['’])$")


def normalise_name(text: str) -> str:
    """'Ryan Reynolds'' -> 'Ryan Reynolds', 'Sri Lanka’s' -> 'Sri Lanka': the surface forms of one name."""
    return _POSSESSIVE_END.sub("", " ".join(text.split()).strip(" ,.;:!?\"“”"))


@dataclass(frozen=True)
class Reference:
    """A word of the question that points at something an earlier turn said."""

    text: str  # as written: "he", "his", "that day", "the company"
    kind: str  # "person", "group", "thing", "place", "time", or a generic noun's entity label set name
    start: int  # character offsets in the question
    end: int
    possessive: bool = False  # "his", "its": the resolved name takes "'s"
    labels: frozenset[str] = frozenset()  # entity labels the referent may have


@dataclass(frozen=True)
class Query:
    text: str  # the question as asked (white space squeezed)
    search: str  # what retrieval searches: `text`, or a follow-up with its references resolved
    language: Language = ENGLISH
    wh: str | None = None  # "who", "what", "which", "when", "where", "why", "how"
    answer_type: AnswerType | None = None  # None: not a factoid question ("why", "how did", yes/no)
    answer_labels: frozenset[str] = frozenset()  # entity labels that can answer it
    # True when the question word itself fixes the type ("who", "when", "how many"); False when only the noun after
    # which/what suggests it ("which administration" -> an organisation, which news may word as "the Biden
    # administration"): then a sentence without such an entity may still answer, it just gets no short answer.
    strict_type: bool = False
    asked_noun: str | None = None  # lemma of what which/what asks for: "leader", "show"
    count: int = 1  # how many things it asks for: "which two countries" -> 2; "which countries" -> 0 (all given)
    verb: str | None = None  # lemma of the main verb: "kill", "win"; None for "is/was" questions
    verb_tag: str = ""  # its Penn tag ("VBZ" for "heads": a present-tense role question)
    speech: bool = False  # asks for someone's words: "what did X say/tell/announce?"
    # "Who is the acting president?": the post asked about, as lower-case words (title modifiers and the head noun);
    # the answer is the person the evidence gives that title.
    role: tuple[str, ...] = ()
    names: tuple[Mention, ...] = ()  # named entities (and proper nouns) of `search`, possessives normalised
    owners: tuple[str, ...] = ()  # names in the possessive: "Japan's foreign minister" -> ("Japan",)
    # One-word names standing for someone, not modifying a noun: "Blinken" in "who met Blinken?" is Antony Blinken,
    # "Biden" in "the Biden administration" is nobody the answer could repeat.
    surnames: tuple[str, ...] = ()
    # The period the news it asks for lies in (lexicon.LATEST_CUES: "week" for "this week", "now" for "currently");
    # None when it names no such cue.
    period: str | None = None
    references: tuple[Reference, ...] = ()  # pointers at earlier turns that `text` leaves unresolved
    resolutions: tuple[tuple[str, str], ...] = ()  # (reference, what it was resolved to), when `search` != `text`
    terms: frozenset[str] = field(default_factory=frozenset)  # stemmed content words of `search`
    focus: tuple[str, ...] = ()  # names the evidence itself must mention: the new subject of "what about X?"
    # The asked thing does the main verb's act ("Who won ...?", "Which company bought ...?"), not undergoes it ("Who
    # did Blinken meet?", "Which item did KFC roll out?"): the answer is the doer a sentence names for that act.
    asks_doer: bool = False
    # The asked thing undergoes the main verb's act, asked in the passive ("Which celebrity was found liable?", "Who
    # was arrested?"): the answer is the one a sentence names as undergoing it, not whoever did it.
    asks_undergoer: bool = False
    # The main verb speaks of what has happened ("Who won ...?", "What did X roll out?", "Who has taken over ...?"),
    # not of what is to come or what holds ("Who will host ...?", "Who heads ...?").
    asks_past: bool = False
    # "Whose troop deployment ...?": the words of what the asked one owns ("troop", "deployment"); the answer is the
    # owner a sentence writes in the possessive or before those words ("Pyongyang's troop deployment").
    owned: tuple[str, ...] = ()

    @property
    def rewritten(self) -> bool:
        return self.search != self.text

    @property
    def latest(self) -> bool:
        """Does it ask for the latest news ("this week", "currently")?"""
        return self.period is not None

    @property
    def asks_speech(self) -> bool:
        """'What did X say/tell/announce ...?': the answer is someone's words."""
        return self.speech

    @property
    def asks_cause(self) -> bool:
        return self.wh == "why"

    @property
    def asks_role(self) -> bool:
        """'Who heads/leads/runs X?' in the present tense asks who holds a post."""
        return self.wh == "who" and self.verb in L.ROLE_VERBS and self.verb_tag == "VBZ"

    @property
    def asked_act(self) -> str | None:
        """The act a 'who <verb> ...' question asks about ('who won ...' -> 'win'); None for identity
        ('who is ...') and role questions."""
        if self.wh != "who" or not self.verb or self.verb in L.NOT_ACTS | L.LIGHT_VERBS or self.asks_role:
            return None
        return self.verb

    @property
    def names_period(self) -> bool:
        """Does the question name a calendar period of its own ("in 2016", "on January 6", "the 1960s"), which an
        old report may answer? "This week", "Tuesday" and "next year" count from the as-of day, and "two years" is a
        length: none of them makes an old report the news."""
        return any(m.label == "DATE" and calendar_period(m.text) for m in self.names)

    @property
    def dated_act(self) -> str | None:
        """The act a "when did/will X <verb>?" question asks the date of ("when did they meet?" -> "meet")."""
        if self.wh != "when" or not self.verb or self.verb in L.NOT_ACTS | L.LIGHT_VERBS:
            return None
        return self.verb

    @property
    def reported_act(self) -> str | None:
        """The act a sentence answering the question most likely reports: the `asked_act` of a who-question, and
        the verb of "which team won ...?" or "what did X roll out?". Only `asked_act` must be reported
        (rag.abstain); this one is a preference between sentences nearly as good (rag.answer)."""
        if self.asked_act or self.wh not in ("which", "what"):
            return self.asked_act
        if not self.verb or self.verb in L.NOT_ACTS | L.LIGHT_VERBS or self.speech:
            return None
        return self.verb

    def name_texts(self) -> list[str]:
        return [m.text for m in self.names]


_local = threading.local()


def stemmer() -> Stemmer.Stemmer:
    """One stemmer per thread: a PyStemmer object must not be used by two threads at once."""
    found = getattr(_local, "stemmer", None)
    if found is None:
        found = _local.stemmer = Stemmer.Stemmer("english")
    return found


def lemma(word: str) -> str:
    """A word's stem, an irregular verb form first brought to its base ("won" -> "win"), so a question's "won"
    meets an article's "win" and "wins" as "said" meets "says"."""
    word = word.lower()
    return stemmer().stemWord(L.IRREGULAR_VERBS.get(word, word))


def stems(text: str) -> frozenset[str]:
    """The `lemma` of each content word (one stemmer call for them all)."""
    return frozenset(stemmer().stemWords([L.IRREGULAR_VERBS.get(w, w) for w in content_words(text)]))


@lru_cache(maxsize=1)
def _money_words() -> frozenset[str]:
    """Words after "how much" that ask for a sum of money, and their stems (computed once, on first use)."""
    said = L.MONEY_NOUNS | L.MONEY_VERBS
    return frozenset(said) | stems(" ".join(sorted(said)))


@lru_cache(maxsize=4096)
def parse(text: str) -> Parse:
    """Questions repeat (example chips, retries, the harness): remember the last few thousand parses."""
    return analyzer().parse(text)


def as_query(q: Query | str) -> Query:
    """A typed query from a caller that has only text (e.g. the LangChain adapter)."""
    return q if isinstance(q, Query) else analyse(q)


def plain_query(text: str) -> Query:
    """Text to score sentences against, not a question to understand (a generated claim being verified)."""
    return Query(text=text, search=text, terms=stems(text))


def search_text(q: Query | str) -> str:
    return q.search if isinstance(q, Query) else q


def analyse(question: str, history: Sequence[Turn | str] = ()) -> Query:
    """The question understood, and resolved against `history` (oldest turn first) when it leans on it."""
    from rag.followup import resolve

    text = " ".join(question.split())
    lang = detect(text)
    if not lang.english:
        return Query(text=text, search=text, language=lang, terms=stems(text))
    p = parse(text)
    base = understand(text, p)
    turns = [Turn(question=t) if isinstance(t, str) else t for t in history]
    return resolve(base, p, turns) if turns else base


def understand(text: str, p: Parse) -> Query:
    """The question's own meaning, before any earlier turn is consulted.

    News-quiz questions often set the scene first ("Police arrested 31 men ... . Where was the event?"): the
    question word, the answer type and the main verb come from the last sentence, the names from all of it."""
    toks = p.tokens
    spans = split_sentences(text)
    first = next((i for i, t in enumerate(toks) if t.start >= spans[-1][0]), 0) if spans else 0
    # "True or false: a case of polio was reported ... since 1979, when ...": a statement to judge, no question word.
    statement = text.lower().startswith(L.TRUE_OR_FALSE)
    wh_i = None if statement else _question_word(toks, first)
    if wh_i is None and first and not statement:
        # The sentence splitter cut inside the question at an abbreviation ("... overturn Roe v. Wade?"): the
        # question word is in the text before the cut.
        first = 0
        wh_i = _question_word(toks, first)
    wh = toks[wh_i].text.lower() if wh_i is not None else None
    owned = _owned(toks, wh_i) if wh == "whose" else ()
    if wh in ("whom", "whose"):
        wh = "who"
    answer_type, labels, noun = _answer_type(toks, wh_i, p)
    strict = wh in ("who", "when", "where", "how") and answer_type is not None
    verb_i, verb, verb_tag = _main_verb(toks, first)
    # "What did X say?" asks for words; "What NFL star announced his retirement?" asks for a person.
    speech = (wh == "what" and wh_i is not None and toks[wh_i].tag == "WP" and verb in L.SPEECH_VERBS
              and (verb_i is None or toks[wh_i].head == verb_i))
    names = _names(p)
    low = text.lower()
    role = _role(toks, p, first) if wh == "who" and (verb == "be" or (verb in L.ROLE_VERBS and verb_tag == "VBZ")) \
        else ()
    if wh == "who" and verb == "be" and not role and _asks_who_someone_is(p, wh_i, names):
        # "Who was Ayman al-Zawahiri?" asks what he is (a description), not for another person: no typed answer.
        answer_type, labels = None, frozenset()
    asked = wh_i if wh_i is None or toks[wh_i].dep != "det" else toks[wh_i].head  # "which team": the team
    asks_doer = asked is not None and toks[asked].dep == "nsubj" and verb_i is not None and toks[asked].head == verb_i
    # The passive subject of the main verb, inside the question word's phrase ("Which embattled celebrity was found").
    asks_undergoer = wh_i is not None and verb_i is not None and verb not in L.NOT_ACTS | L.LIGHT_VERBS and any(
        t.dep == "nsubjpass" and t.head == verb_i and wh_i <= k < verb_i for k, t in enumerate(toks))
    return Query(
        text=text, search=text, wh=wh, answer_type=answer_type, strict_type=strict,
        asked_noun=noun, count=_asked_count(toks, wh_i, answer_type), verb=verb, verb_tag=verb_tag, speech=speech,
        role=role, names=names, owners=_owners(p), surnames=_surnames(p),
        period=_period(low, p),
        references=tuple(r for r in references(p, names) if not _bound_by_question_word(r, toks, wh_i, labels)),
        terms=stems(text), asks_doer=asks_doer, asks_undergoer=asks_undergoer,
        asks_past=verb_i is not None and future_of(p, verb_i) is False and not _looks_ahead(toks),
        owned=owned, answer_labels=labels | (_OWNER_LABELS if owned else frozenset()),
    )


def _bound_by_question_word(ref: Reference, toks: tuple[Token, ...], wh_i: int | None, labels: frozenset[str]) -> bool:
    """A pronoun that stands for what the question asks about needs no earlier turn: "Which country is bankrupt,
    according to its administration?", "What NFL star announced his retirement?". When the asked thing is the
    subject, bound are a possessive, or the subject of a clause other than the main one ("Who said he would
    resign?"), after the question word and outside its phrase ("Which of their players ..." still leans on an
    earlier turn), that may name the asked kind. The main clause's object is someone else ("Who paid him a visit?"),
    and when the asked thing is not the subject ("Which quarterback did he play with in his seasons?") nothing is."""
    if wh_i is None or ref.kind not in ("person", "group", "thing") or (labels and not ref.labels & labels):
        return False  # (an asked noun of no known type, "what tennis star", may be anything)
    subject = ("nsubj", "nsubjpass")
    if toks[wh_i].dep not in subject and toks[toks[wh_i].head].dep not in subject:
        return False  # the asked thing is not the subject: a pronoun after it is the subject's or someone else's
    i = next((k for k, t in enumerate(toks) if t.start == ref.start), None)
    if i is None or i <= wh_i:
        return False
    j, seen = i, set()
    while j not in seen:  # up the dependency tree: inside the question word's phrase?
        if j == wh_i:
            return False
        seen.add(j)
        j = toks[j].head
    t = toks[i]
    if ref.possessive and toks[t.head].dep == "attr":
        return False  # "Who is their coach?": the owner of what the question word is, never that thing itself
    return ref.possessive or (t.dep in ("nsubj", "nsubjpass") and toks[t.head].dep != "ROOT")


def _period(low: str, p: Parse) -> str | None:
    """The narrowest period the question's cues name (lexicon.LATEST_CUES), or None. "Which law did Biden sign
    on Tuesday?": a weekday alone in a news question is the latest one, so it asks for this week's news."""
    found = set()
    for cue in sorted(L.LATEST_CUES, key=len, reverse=True):  # the longest cue first: "most recent" over "recent"
        low, n = re.subn(rf"\b{re.escape(cue)}\b", " ", low)
        if n:
            found.add(L.LATEST_CUES[cue])
    if any(t.text.lower() in L.WEEKDAYS for t in p.tokens):
        found.add("week")
    return min(found, key=L.PERIODS.index, default=None)


def _role(toks: tuple[Token, ...], p: Parse, first: int) -> tuple[str, ...]:
    """The post a "who is the X" question asks about: the title modifiers and the head noun of its noun phrase
    ("the acting president" -> ("acting", "president")); () when the phrase has no noun naming a post."""
    for start, end in p.noun_chunks:
        if start < first:
            continue
        chunk = toks[start:end]
        head = chunk[-1]
        # A post written as an acronym ("the game's MVP", "the new CFO") is often tagged a proper noun.
        if (head.pos in ("NOUN", "PROPN") and head.lemma.lower() in L.ROLE_NOUNS) or (
                head.pos == "NOUN" and _doer(head.lemma.lower())):
            # "the former acting president" asks for whoever held the post before: "former" stands for any word
            # that says so ("ex-", "outgoing", "ousted"; lexicon.FORMER_WORDS).
            former = ("former",) if any(t.text.lower() in L.FORMER_WORDS for t in chunk[:-1]) else ()
            mods = [t.text.lower() for t in chunk[:-1] if t.text.lower() in L.TITLE_MODIFIERS]
            return (*former, *mods, head.lemma.lower())
    return ()


def _doer(noun: str) -> bool:
    """A noun naming whoever does something ("designer", "novelist", "inventor"): news gives it like a title."""
    return len(noun) > 5 and noun.endswith(L.DOER_SUFFIXES)


def _question_word(toks: tuple[Token, ...], first: int) -> int | None:
    """The question word of the question sentence: a "which/what" determiner first ("..., who was associated with
    which group?"), else the first wh-word that does not open a relative clause ("the actress, who died ...")."""
    found = [i for i in range(first, len(toks))
             if toks[i].text.lower() in L.QUESTION_WORDS and toks[i].tag in ("WDT", "WP", "WP$", "WRB")]
    clause = {i for i in found if i > first and toks[toks[i].head].dep == "relcl"}
    relative = clause | {i for i in found if i > first and toks[i - 1].text == ","}
    kept = [i for i in found if i not in relative]
    # "The debate was cut short when what happened?": a "when" joining two clauses inside the sentence is not what
    # is asked; the wh-word left in place of the answer is. (The small model tags a question's first "How" as a
    # conjunction too: only a later one counts.)
    kept = [i for i in kept if not (i > first and toks[i].pos == "SCONJ" and any(j > i for j in kept))]
    if not kept and not toks[-1].text.endswith("?"):
        # A statement to complete ("... was started by a man who was trying to:") has no question word: its only
        # wh-word opens a relative clause. (With a question mark the parser's "relative clause" may be the question:
        # "Despite China's warnings, where did Pelosi travel?")
        found = [i for i in found if i not in clause or toks[i].dep == "det"]
    else:
        found = kept or found
    det = [i for i in found if toks[i].tag == "WDT" and toks[i].text.lower() in ("which", "what")]
    return (det or found or [None])[0]


def _answer_type(toks: tuple[Token, ...], wh_i: int | None, p: Parse,
                 ) -> tuple[AnswerType | None, frozenset[str], str | None]:
    if wh_i is None:
        return None, frozenset(), None
    wh = toks[wh_i].text.lower()
    nxt = toks[wh_i + 1].text.lower() if wh_i + 1 < len(toks) else ""
    simple = {"who": AnswerType.PERSON, "whom": AnswerType.PERSON, "whose": AnswerType.PERSON,
              "when": AnswerType.DATE, "where": AnswerType.PLACE}
    if wh in simple:
        t = simple[wh]
        return t, ANSWER_LABELS[t], None
    if wh == "how":
        how = {"many": AnswerType.NUMBER, "old": AnswerType.AGE, "long": AnswerType.DURATION}
        if nxt == "many":
            # "How many days/years ...": the count of a span of time, which the recogniser tags as a date.
            noun = _counted_noun(toks, wh_i + 2)
            # ("How many times ...?" counts occasions: a number, not a span of time.)
            if noun != "time" and (noun in L.DATE_NOUNS or (noun and noun + "s" in L.SPAN_UNITS)):
                return AnswerType.DURATION, ANSWER_LABELS[AnswerType.DURATION] | {"CARDINAL"}, noun
            return AnswerType.NUMBER, ANSWER_LABELS[AnswerType.NUMBER], noun
        if nxt == "long":
            # "How long did the talks last?" asks for a span of time, "how long was the python?" for a length: both
            # are looked for, and a measure answers only with a unit of length (rag.short_answer).
            return AnswerType.DURATION, ANSWER_LABELS[AnswerType.DURATION] | {"QUANTITY"}, None
        if nxt in how:
            t = how[nxt]
        elif nxt == "much":
            # Lemmas, and the words' stems where the lemmatiser slips ("fined" -> "fin").
            after = {t.lemma.lower() for t in toks[wh_i + 2:]} | stems(" ".join(t.text for t in toks[wh_i + 2:]))
            t = AnswerType.MONEY if after & _money_words() else AnswerType.QUANTITY
            # News gives most "how much" answers as sums of money ("$6 billion in security assistance").
            return t, ANSWER_LABELS[t] | {"MONEY", "QUANTITY", "CARDINAL", "PERCENT"}, None
        elif nxt in L.QUANTITY_ADJECTIVES:
            # "How high will inflation rise?", "how big was the fine?": a measure, which news gives with a unit, as a
            # share or as a sum, like "how much".
            return AnswerType.QUANTITY, ANSWER_LABELS[AnswerType.QUANTITY] | {"MONEY", "PERCENT"}, None
        else:
            return None, frozenset(), None
        return t, ANSWER_LABELS[t], None
    if wh not in ("what", "which"):
        return None, frozenset(), None
    noun = _asked_noun(toks, wh_i, p)
    if noun is None:
        # "What did the images show?": a description, not a name; there is no type to look for.
        return AnswerType.OTHER, frozenset(), None
    if noun.startswith("+"):
        return AnswerType.OTHER, frozenset(), noun[1:]
    if noun in L.NUMBER_NOUNS:
        return AnswerType.NUMBER, ANSWER_LABELS[AnswerType.NUMBER], noun
    if noun == "age":
        return AnswerType.AGE, ANSWER_LABELS[AnswerType.AGE], noun
    for vocab, t, labels in _NOUN_TYPES:
        if noun in vocab:
            return t, labels, noun
    # A noun the lexicon does not type ("which role", "which measure"): answered by a description or a name of any
    # kind, so no entity label is looked for.
    return AnswerType.OTHER, frozenset(), noun


def _asked_count(toks: tuple[Token, ...], wh_i: int | None, answer_type: AnswerType | None) -> int:
    """How many things the question asks for: "which two countries ...?" two; "which two-year deal" one deal;
    "which countries ...?" (a plural name of places, people or organisations) all the evidence gives: 0."""
    if wh_i is None or wh_i + 2 >= len(toks) or toks[wh_i].text.lower() not in ("which", "what"):
        return 1
    n, after = toks[wh_i + 1].text.lower(), toks[wh_i + 2]
    value = int(n) if n.isdigit() else L.SMALL_NUMBER_VALUES.get(n)
    if value is None:
        head = _noun_run_head(toks, wh_i + 1)  # "which social media platform": the platform, not the media
        # "Which of their players ...?" picks one of them: only a noun phrase right after the wh-word lists.
        modifiers_only = head is not None and all(t.pos in ("ADJ", "NOUN", "PROPN") for t in toks[wh_i + 1:head])
        plural = modifiers_only and toks[head].tag == "NNS" and answer_type in _LISTABLE
        return 0 if plural else 1
    if not 2 <= value <= 10 or after.text in ("-", "‐") or after.pos not in ("NOUN", "ADJ", "PROPN"):
        return 1
    return value


_LISTABLE = frozenset({AnswerType.PERSON, AnswerType.ORG, AnswerType.PLACE})


def _counted_noun(toks: tuple[Token, ...], first: int) -> str | None:
    """What "how many" counts: the head of the first noun run after it ("how many book titles" counts titles, "how
    many baby swings" swings)."""
    i = _noun_run_head(toks, first)
    return None if i is None else toks[i].lemma.lower()


def _noun_run_head(toks: tuple[Token, ...], first: int) -> int | None:
    """The index of the head of the first run of nouns starting within three tokens of `first`: in English its last
    noun ("book titles", "social media platform")."""
    i = next((i for i in range(first, min(first + 3, len(toks))) if toks[i].pos == "NOUN"), None)
    if i is None:
        return None
    while i + 1 < len(toks) and toks[i + 1].pos == "NOUN":
        i += 1
    return i


def _asked_noun(toks: tuple[Token, ...], wh_i: int, p: Parse) -> str | None:
    """The lemma of what which/what asks for: the noun the wh-word determines ("which al Qaeda leader"),
    else the subject of "what is/was the X (of ...)"."""
    wh = toks[wh_i]
    if wh.tag == "WDT" or wh.dep == "det":
        head_i = wh.head
        head = toks[head_i]
        if head.pos in ("NOUN", "PROPN") and head is not wh and not _hyphenated(toks, head_i):
            mods = [t.lemma.lower() for t in toks if t.head == head_i and t.dep == "compound" and t.pos == "NOUN"]
            return _kind(head.lemma.lower(), mods)
        # The parser sometimes hangs the determiner elsewhere: take the first run of nouns after it, its last noun
        # the head ("which fast food chain").
        for i in range(wh_i + 1, len(toks)):
            t = toks[i]
            if t.pos == "NOUN" and not _hyphenated(toks, i):
                j = i
                while j + 1 < len(toks) and toks[j + 1].pos == "NOUN":
                    j += 1
                return _kind(toks[j].lemma.lower(), [x.lemma.lower() for x in toks[i:j]])
            if t.pos in ("VERB", "AUX") and t.dep != "amod":  # "which embattled celebrity": a participle modifies it
                break
        return None
    # "What is the US inflation rate?": the noun chunk after the copula, its last noun.
    rest = toks[wh_i + 1:]
    if rest and rest[0].lemma.lower() == "be":
        chunks = [c for c in p.noun_chunks if c[0] > wh_i + 1]
        nouns = [[t for t in toks[start:end] if t.pos == "NOUN"] for start, end in chunks[:2]]
        if not nouns or not nouns[0]:
            return None
        noun = nouns[0][-1].lemma.lower()
        # "What is the name of the gymnast ...?" asks for a gymnast: a name is of whatever follows "of".
        end = chunks[0][1]
        if noun in L.NAME_NOUNS and len(nouns) > 1 and nouns[1] and chunks[1][0] == end + 1 \
                and toks[end].text.lower() == "of":
            return nouns[1][-1].lemma.lower()
        return noun
    return None


def _hyphenated(toks: tuple[Token, ...], i: int) -> bool:
    """Is the noun at `i` the first half of a hyphenated modifier ("which centuries-old text" asks for a text)?"""
    return i + 1 < len(toks) and toks[i + 1].tag == "HYPH"


def _kind(head: str, modifiers: Sequence[str]) -> str:
    """The asked noun of a (compound) noun phrase. A compound names a narrower kind of its head: "which pop star" is
    a star, "which meal kit service" a service, so the head types it. Unless a modifier names a measure ("which age
    group": an age range) or the head is a kind the lexicon does not type ("which menu item"): then "+head", for
    which no entity is looked for."""
    if modifiers and (set(modifiers) & L.MEASURE_MODIFIERS or _noun_labels(head) == frozenset()):
        return "+" + head
    return head


# Who may own something: a person, and an organisation or a country ("Pyongyang's troop deployment").
_OWNER_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})


def _owned(toks: tuple[Token, ...], wh_i: int | None) -> tuple[str, ...]:
    """The lower-case words of the noun phrase "whose" opens: "Whose troop deployment to Russia ..." -> ("troop",
    "deployment")."""
    out: list[str] = []
    for t in toks[(wh_i or 0) + 1:]:
        if t.pos not in ("NOUN", "PROPN", "ADJ", "NUM"):
            break
        out.append(t.text.lower())
    return tuple(out)


def _looks_ahead(toks: tuple[Token, ...]) -> bool:
    """Does the question put its act ahead anywhere ("were they expected to discuss", "who will ...")? Its parse
    may hang the act's verb on something else."""
    return any(t.text.lower().replace("’", "'") in L.FUTURE_MARKERS or (
        t.lemma.lower() in L.FUTURE_VERBS and toks[i + 1:i + 2] and toks[i + 1].text.lower() == "to")
        for i, t in enumerate(toks))


def _main_verb(toks: tuple[Token, ...], first: int = 0) -> tuple[int | None, str | None, str]:
    """Index, lemma and tag of the question sentence's main verb ('did the US kill' -> 'kill'; 'who is' -> 'be')."""
    part = range(first, len(toks))
    root_i = next((i for i in part if toks[i].dep == "ROOT"), None)
    root = toks[root_i] if root_i is not None else None
    if root is not None and root.pos == "VERB" and root.lemma.lower() not in ("do", "have"):
        return root_i, _verb_lemma(root), root.tag
    # "What did Choi tell ...": the verb an auxiliary belongs to. The small model sometimes tags such a verb as a
    # noun, so a known verb counts too.
    # It also takes a question's last word for a noun or an adjective ("When will the museum reopen?", "... the
    # factory close?"): after "will/did/can" and the subject, the word that ends the question is its verb.
    words_at = [i for i in part if toks[i].pos != "PUNCT"]
    for i in part:
        if toks[i].dep in ("aux", "auxpass"):
            h = toks[i].head
            head = toks[h]
            if head.pos == "VERB" or (head.tag.startswith("NN") and head.text.lower() in _KNOWN_VERBS):
                return h, _verb_lemma(head), "VB" if head.tag.startswith("NN") else head.tag
            if (h == root_i and words_at and h == words_at[-1] and h > i + 1 and head.pos in ("NOUN", "ADJ")
                    and toks[i].text.lower() in L.AUXILIARIES):
                return h, _verb_lemma(head), "VB"
    if root is not None and root.lemma.lower() in ("do", "have"):
        # "Which leader did the US kill?" parsed with "did" as the root: the verb it governs.
        for i in part:
            if toks[i].head == root_i and i != root_i and toks[i].pos == "VERB":
                return i, _verb_lemma(toks[i]), toks[i].tag
    if root is not None and root.lemma.lower() == "be":
        return root_i, "be", root.tag
    return None, None, ""


_KNOWN_VERBS = L.SPEECH_VERBS | L.ROLE_VERBS | frozenset(L.IRREGULAR_VERBS.values())


def _verb_lemma(t: Token) -> str:
    return L.IRREGULAR_VERBS.get(t.text.lower(), t.lemma.lower())


def _names(p: Parse) -> tuple[Mention, ...]:
    """Named entities, plus runs of proper nouns the recogniser missed ("Blinken"), possessives normalised."""
    out: list[Mention] = []
    covered: set[int] = set()
    for e in p.entities:
        if e.label in ("CARDINAL", "ORDINAL") or _time_reference(p.entity_text(e)):
            continue
        name = normalise_name(p.entity_text(e))
        if name and name.lower() not in L.STOPWORDS and _written_as_name(name, e.label) and not _post_alone(name):
            out.append(Mention(name, e.label))
        covered.update(range(e.start, e.end))
    run: list[Token] = []
    for t in (*p.tokens, None):
        if t is not None and t.pos == "PROPN" and t.start not in covered:
            run.append(t)
            continue
        if run:
            name = normalise_name(p.text[run[0].start:run[-1].end])
            if name and name.lower() not in L.STOPWORDS and name.lower() not in L.CALENDAR_WORDS and \
                    _written_as_name(name, "PROPN") and not _post_alone(name):
                out.append(Mention(name, "PROPN"))
            run = []
    seen: set[str] = set()
    return tuple(m for m in out if not (m.text.lower() in seen or seen.add(m.text.lower())))


_NAME_LABELS = L.NAME_LABELS | {"PROPN"}


def _post_alone(name: str) -> bool:
    """'CEO', 'President': a post written without its holder or its owner names nobody ("who is its CEO?" still
    asks whose)."""
    return all(w in L.ROLE_NOUNS or w in L.TITLE_WORDS for w in name.lower().split())


def _written_as_name(text: str, label: str) -> bool:
    """English writes names with a capital: a lower-case span the small model tags as a person or a proper noun
    ("where did its president flee first?" -> "flee first") is a tagging slip, not a name to search or resolve to.
    Dates and numbers ("last week", "five") are kept whatever their case."""
    return label not in _NAME_LABELS or any(c.isupper() or c.isdigit() for c in text)


_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d(?:s|’s|'s)?\b")


def calendar_period(text: str) -> bool:
    """Does a date name a year, a decade or a month ("2016", "the 1960s", "Jan. 6")?"""
    return _YEAR.search(text) is not None or any(
        w in L.MONTHS or w in L.MONTH_ABBREVIATIONS for w in text.lower().replace(".", " ").split())


def _time_reference(text: str) -> bool:
    """'that day', 'the same week': a date only an earlier turn can give."""
    w = text.lower().split()
    return len(w) == 2 and w[0] in L.DEMONSTRATIVES and w[1] in L.TIME_REFERENCE_NOUNS


def _asks_who_someone_is(p: Parse, wh_i: int | None, names: Sequence[Mention]) -> bool:
    """Is the question "Who is/was <a person's name>?": after the question word and the verb, nothing but a name?"""
    toks = p.tokens
    rest = [t for t in toks[(wh_i or 0) + 2:] if t.pos != "PUNCT" or t.text in "-‐"] if wh_i is not None else []
    if not rest:
        return False
    said = normalise_name(p.text[rest[0].start:rest[-1].end]).lower().removeprefix("the ")
    return any(m.label in ("PERSON", "PROPN") and m.text.lower() == said for m in names)


def _surnames(p: Parse) -> tuple[str, ...]:
    """Proper nouns written alone (no proper noun beside them) that are not a modifier of a noun ("the Biden
    administration"): a news question names a person it has introduced by surname alone."""
    toks = p.tokens
    out = []
    for i, t in enumerate(toks):
        alone = all(not (0 <= j < len(toks) and toks[j].pos == "PROPN") for j in (i - 1, i + 1))
        if t.pos == "PROPN" and alone and t.dep != "compound" and t.text[:1].isupper() and t.text.isalpha() \
                and t.text.lower() not in L.CALENDAR_WORDS:  # "on Tuesday" names a day, not a person
            out.append(t.text)
    return tuple(dict.fromkeys(out))


def _owners(p: Parse) -> tuple[str, ...]:
    """Names that own what is asked: the entity before a possessive marker ("Japan's", "Reynolds'")."""
    out = []
    for i, t in enumerate(p.tokens):
        if t.tag == "POS" and i > 0:
            prev = p.tokens[i - 1]
            span = next((e for e in p.entities if e.start <= prev.start < e.end), None)
            text = normalise_name(p.entity_text(span)) if span else prev.text
            if prev.pos == "PROPN" or span is not None:
                out.append(text)
    return tuple(dict.fromkeys(out))


def references(p: Parse, names: Sequence[Mention]) -> list[Reference]:
    """Words that point at an earlier turn and that the question itself does not resolve: "he" in "how old was
    Godard when he died?" means Godard; "he" in "what position did he hold?" means someone said before."""
    labels = {m.label for m in names}
    people = bool(labels & {"PERSON", "PROPN"})
    named = bool(labels - {"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"})
    toks = p.tokens
    out: list[Reference] = []
    for i, t in enumerate(toks):
        low = t.text.lower()
        if t.tag in ("PRP", "PRP$"):
            possessive = t.tag == "PRP$" or low in ("his", "its", "their", "hers")
            if low in L.PERSON_PRONOUNS and not people:
                out.append(Reference(t.text, "person", t.start, t.end, possessive, frozenset({"PERSON"})))
            elif low in L.GROUP_PRONOUNS and not named:
                out.append(Reference(t.text, "group", t.start, t.end, possessive,
                                     frozenset({"ORG", "NORP", "GPE", "PERSON"})))
            elif low in L.THING_PRONOUNS and not named and t.dep != "expl":
                # "When did he announce it?": what is announced or said is an act or a statement (an event, a law),
                # never the place or the company the last answer named.
                # Nor is what "happens" or "takes place": an event.
                said = t.dep == "dobj" and toks[t.head].lemma.lower() in L.SPEECH_VERBS
                happened = t.dep == "nsubj" and toks[t.head].lemma.lower() in L.HAPPEN_VERBS
                out.append(Reference(t.text, "thing", t.start, t.end, possessive,
                                     frozenset({"EVENT"}) if happened else frozenset({"EVENT", "LAW"}) if said
                                     else frozenset({"ORG", "PRODUCT", "WORK_OF_ART", "EVENT", "GPE", "LAW", "FAC"})))
        elif low == "there" and t.tag == "RB" and not labels & {"GPE", "LOC", "FAC"}:
            out.append(Reference(t.text, "place", t.start, t.end, False, frozenset({"GPE", "LOC", "FAC"})))
        elif (low in L.DEMONSTRATIVES and t.tag == "DT" and i + 1 < len(toks)
              and toks[i + 1].lemma.lower() in L.TIME_REFERENCE_NOUNS and not labels & {"DATE", "TIME"}):
            out.append(Reference(p.text[t.start:toks[i + 1].end], "time", t.start, toks[i + 1].end, False,
                                 frozenset({"DATE"})))
        elif low == "the" and i + 1 < len(toks):
            # "the company", "the country": a definite noun phrase of a generic noun, without a name of its own.
            j = i + 1
            while j < len(toks) and toks[j].pos == "ADJ":
                j += 1
            if j < len(toks) and toks[j].pos == "NOUN" and toks[j].lemma.lower() in L.GENERIC_NOUNS and (
                    j + 1 >= len(toks) or toks[j + 1].pos != "PROPN"):
                want = _noun_labels(toks[j].lemma.lower())
                if want and not labels & want:
                    out.append(Reference(p.text[t.start:toks[j].end], "generic", t.start, toks[j].end, False, want))
            elif j < len(toks) and toks[j].pos == "NOUN" and toks[j].lemma.lower() in L.TOPIC_NOUNS and not named and (
                    j + 1 >= len(toks) or toks[j + 1].dep != "prep"):  # "the deal with Twitter" says whose
                out.append(Reference(p.text[t.start:toks[j].end], "topic", t.start, toks[j].end, False,
                                     frozenset({"PERSON", "ORG", "GPE", "NORP"})))
    return out


def _noun_labels(noun: str) -> frozenset[str]:
    for vocab, _, labels in _NOUN_TYPES:
        if noun in vocab:
            return labels
    return frozenset()
