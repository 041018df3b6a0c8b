"""Answerers turn retrieved passages into a short cited answer.

`Answerer.stream` is the one abstract method; `answer` is built on it. The offline default,
`ExtractiveAnswerer`, needs no LLM: it scores the sentences of the passages against the question,
quotes the best, dated and attributed, and names the short answer (rag.short_answer) when the evidence
agrees on one. An LLM-backed answerer implements `stream` alone.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from rag import lexicon as L
from rag.abstain import Evidence, reason_to_abstain, same_verb_in
from rag.articles import dateline_place, linked_headline, strip_dateline
from rag.entities import entity_lookup
from rag.events import Cited, Provenance, Summary, Text
from rag.nlp import analyzer, doers, governing_verb, undergoers
from rag.query import AnswerType, Query, calendar_period
from rag.recency import freshness, period_start, reference_day
from rag.scoring import ScoredSentence, SentenceScorer
from rag.sentences import split_sentences
from rag.short_answer import (
    Candidate,
    ShortAnswer,
    among,
    answer_of,
    candidates,
    confident,
    departed,
    holds_role,
    key_of,
    of_another_year,
    outvoted,
    pick,
    votes,
)
from rag.short_answer import Evidence as Statement
from rag.text import human_date, words
from rag.types import Citation, Mention, Passage
from rag.weekdays import with_date

log = logging.getLogger(__name__)

NOT_FOUND = "The articles do not contain an answer to this question."


def not_found(q: Query, passages: list[Passage], as_of: date | None) -> str:
    """The notice when nothing answers. A question about a period ("this week") was searched in that period's
    reports only (rag.retrieve.within_period); the notice says since when, so the reader knows older reporting
    was left out on purpose and how to reach it."""
    start = period_start(q.period, reference_day((p.date for p in passages), as_of))
    if start is None:
        return NOT_FOUND
    since = human_date(start.isoformat())
    return (f"The articles do not contain an answer to this question in reports since {since}, the period it asks "
            "about. Ask without the time words (\"this week\", \"recently\") to search older reports too.")


_ELIDED_NAME = re.compile(r"[A-HJ-Z]['’][A-Za-z]")
# Weekdays and months keep their capital after "According to X,"; "May" is left out (also "may", a verb).
_CALENDAR_NAMES = (L.CALENDAR_WORDS | L.MONTH_ABBREVIATIONS) - {"may"}
_LOWER_OK = frozenset("The A An It Its This That These Those They Their There He She His Her We Our".split())


@dataclass
class Draft:
    """What an answerer produced: the text, whether it abstained and what it cites."""

    answer: str
    abstained: bool
    citations: list[Citation]
    short_answer: str | None = None


class Answerer(ABC):
    @abstractmethod
    def stream(self, query: Query, passages: list[Passage], as_of: date | None = None,
               ) -> Iterator[Cited | Text | Summary | Provenance]:
        """Yield `Cited` (possibly empty; again, cumulative, when later text cites more) and `Text` pieces, and
        optionally a `Summary` (short answer, names) and a last `Provenance`; abstain with empty citations.
        `as_of`: the day the question is asked for (None: the newest report among `passages` stands for it)."""

    def answer(self, query: Query, passages: list[Passage], as_of: date | None = None) -> Draft:
        citations: list[Citation] = []
        parts: list[str] = []
        short = None
        for event in self.stream(query, passages, as_of):
            if isinstance(event, Cited):
                citations = event.citations
            elif isinstance(event, Text):
                parts.append(event.delta)
            elif isinstance(event, Summary):
                short = event.short_answer
        text = "".join(parts).strip()
        return Draft(answer=text, abstained=not citations, citations=citations, short_answer=short)


@dataclass(frozen=True)
class Lead:
    """The sentence an answer opens with, the span its citation marks (it may take in a neighbour that
    carries the answer: "She was 96.") and the answer candidates found there."""

    sentence: ScoredSentence
    span: tuple[int, int]
    candidates: tuple = ()

    @property
    def text(self) -> str:
        p = self.sentence.passage
        return p.text[self.span[0] - p.start:self.span[1] - p.start]


@dataclass
class Selection:
    chosen: list[ScoredSentence] = field(default_factory=list)
    lead: Lead | None = None
    short: ShortAnswer | None = None


class ExtractiveAnswerer(Answerer):
    """Quotes the best-supported sentence (and others nearly as good), attributed, dated and cited one by one."""

    newest_margin = 0.05  # sentences this close to the best count as equally good; the newest leads
    # ... but a sentence this close from a higher-ranked passage leads an equally old one (RealTime QA dev weeks,
    # without the newest rule: 0.05 gave first-citation-is-evidence 0.726, 0.1 and 0.15 gave 0.781)
    rank_margin = 0.1
    # How far below the best a sentence may be and still replace a lead that fails a check: no limit but
    # min_evidence (RealTime QA slice, dev weeks: contains gold 0.649 -> 0.662 and wrong abstentions 4.1% -> 0%
    # against a margin of 0.15; held-out 0.500 -> 0.500, 4.3% -> 1.4%).
    fallback_margin = 1.0
    vote_depth = 12  # sentences whose candidates vote on the short answer
    dated_depth = 4  # near-best sentences parsed to find the one dating the asked act (~6 ms each)
    # Sentences quoted when no short answer is named (`quoted`). RealTime QA dev weeks, full corpus / open set /
    # gold articles, contains gold: 2 (another article's only) 55/74, 53/164, 46/74 -> 3 (any article's) 56/74,
    # 58/164, 49/74; held-out 44/70, 54/148, 40/70 -> 49/70, 55/148, 45/70 (eval/results/tuning.md).
    unnamed_sentences = 3
    # How far below the best a sentence may score and still be quoted after the lead (0.05 and 0.15 tried with the
    # rule above: 0.05 lost dev answers on every set, 0.15 added one for ~10 more words per answer).
    quote_margin = 0.1

    def __init__(self, scorer: SentenceScorer, min_evidence: float = 0.45, max_sentences: int = 2,
                 short_support: float = 0.5, short_score: float = 0.6, recency_weight: float = 0.0,
                 recency_half_life_days: float = 30.0, short_max_age_days: int = 0,
                 short_rivals: bool = False) -> None:
        self.scorer = scorer
        self.short_rivals = short_rivals
        self.short_max_age_days = short_max_age_days
        self.min_evidence = min_evidence
        self.max_sentences = max_sentences
        self.short_support = short_support
        self.short_score = short_score
        self.recency_weight = recency_weight
        self.recency_half_life_days = recency_half_life_days

    def scored(self, q: Query, passages: list[Passage], as_of: date | None) -> list[ScoredSentence]:
        """The passages' sentences, best first, each with the recency prior for its report's date: a background
        piece from years ago that matches the question's words slightly better must not be quoted over this
        week's report (the retriever's prior ranks passages; this one ranks the sentences within them)."""
        scored = self.scorer.score(q, passages)
        ref = reference_day((p.date for p in passages), as_of)
        if self.recency_weight <= 0 or ref is None:
            return scored
        out = []
        for s in scored:
            add = freshness(s.passage.date, ref, self.recency_weight, self.recency_half_life_days)
            out.append(replace(s, score=s.score + add, recency=add) if add else s)
        return sorted(out, key=lambda s: s.score, reverse=True)

    # -- choosing the evidence ---------------------------------------------------------------------------
    def lead(self, q: Query, ranked: list[ScoredSentence], passages: list[Passage]) -> ScoredSentence:
        """The sentence the answer opens with, before the checks (`ranked` is best first, non-empty)."""
        best = ranked[0].score
        # News changes: among sentences nearly as good as the best, the newest report leads.
        # A competing report must match the question at least as fully (share as many of its words):
        # a newer sentence on a side topic must not displace the best one, a newer report of the same
        # fact must. (Sentence-vector cosine was tried: the vectors carry their article's context, so
        # two articles' versions of one claim scored lower than unrelated sentences of one article.)
        top = ranked[0]
        close = [s for s in ranked if s.score >= best - self.newest_margin and s.overlap >= top.overlap]
        newest = max(close, key=lambda s: (s.passage.date or "", s.score))
        # The retriever's order already weighs the whole article and the report's date before the as-of day:
        # a sentence nearly as good from a higher-ranked article leads, so the first citation is the top
        # article whenever that article answers. Articles, not chunks, are ranked: within one article the best
        # sentence leads.
        order: dict[str, int] = {}
        for p in passages:
            order.setdefault(p.doc_id, len(order))
        near = [s for s in ranked if s.score >= best - self.rank_margin]
        # "Who has taken over as acting president?": a sentence reporting that act itself beats one that only
        # shares the question's other words ("... the country's acting leadership ...").
        act = q.reported_act
        # "When did they meet?": a sentence dating the meeting beats one dating its announcement. Parsed only for
        # such questions, and only the few sentences this near the best.
        dated = {id(s) for s in near[:self.dated_depth] if _dates_asked_act(q, s)} if q.dated_act else set()
        lead = min(near, key=lambda s: (order.get(s.passage.doc_id, len(order)), bool(dated) and id(s) not in dated,
                                        bool(act) and not same_verb_in(act, s.text), s is not newest, -s.score))
        if (newest.passage.date or "") > (lead.passage.date or ""):
            lead = newest  # a newer report of the same fact still wins
        return lead

    def select(self, q: Query, passages: list[Passage], as_of: date | None = None) -> Selection:
        # Only sentences that match the question well enough may answer; the answer bonus (for holding a possible
        # answer) and the recency prior order them but never carry a weak match over the threshold.
        scored = self.scored(q, passages, as_of)
        ranked = [s for s in scored if s.evidence >= self.min_evidence and not _asks(s.text)]
        if not ranked:
            return Selection()
        everything = " ".join(p.text for p in passages)
        best = ranked[0].score
        lead_s = self.lead(q, ranked, passages)
        lead = self.checked(q, lead_s, everything)
        if lead is None:
            # The lead fails a check; a slightly weaker sentence that passes them may still answer.
            floor = max(self.min_evidence, best - self.fallback_margin)
            lead = next((c for s in ranked if s.score >= floor and s is not lead_s
                         and (c := self.checked(q, s, everything)) is not None), None)
            if lead is None:
                return Selection()
        short = self.short_answer(q, lead, scored)
        if short and self._stale(q, lead, reference_day((p.date for p in passages), as_of)):
            short = None
        # Quoted with the sentence before it when it opens with "He ..." (after the short answer is read from it:
        # that sentence only lets the reader resolve the subject).
        lead = replace(lead, span=in_context(lead.sentence.passage, lead.span, []))
        return Selection(self.quoted(lead, ranked, best, named=short is not None), lead, short)

    def quoted(self, lead: Lead, ranked: list[ScoredSentence], best: float, named: bool) -> list[ScoredSentence]:
        """The sentences the answer quotes: the lead, then sentences nearly as good as the best (`quote_margin`). With
        the short answer named, only another article's, which corroborates it; without one the reader has to find
        the answer in the quote itself, so up to `unnamed_sentences`, the lead's own article included ("The policy
        ..." leads, its next sentence names the "International Swimming Federation"). Never a copy of one
        already quoted, nor a sentence another quote already takes in; one opening with a pronoun takes in the
        sentence before it (`in_context`)."""
        chosen, texts = [lead.sentence], [lead.text]
        spans = [(lead.sentence.passage.doc_id, lead.span)]  # what each quote marks, a neighbour taken in included
        for s in ranked:
            if len(chosen) >= (self.max_sentences if named else self.unnamed_sentences):
                break
            if s is lead.sentence or s.score < max(self.min_evidence, best - self.quote_margin):
                continue
            if named and any(s.passage.doc_id == c.passage.doc_id for c in chosen):
                continue
            if _quotes(spans, s.passage.doc_id, s.span) or any(_same_words(s.text, t) for t in texts):
                continue
            shown = in_context(s.passage, s.span, spans)
            s = replace(s, span=shown) if shown != s.span else s
            chosen.append(s)
            texts.append(s.text)
            spans.append((s.passage.doc_id, s.span))
        return chosen

    def _left_post(self, q: Query, answer: ShortAnswer, ranked: list[ScoredSentence], lead_day: str | None) -> bool:
        """"Who is the president?": does a report as new as the lead's say the answer has left the post, whatever
        older reports still call him? The newest reporting wins. Read only for a person about to be shown."""
        gone = [departed(q, s.text, s.span[0], entity_lookup().within(s.passage, s.span))
                for s in ranked[:self.vote_depth] if (s.passage.date or "") >= (lead_day or "")]
        return among(key_of(answer.text), frozenset().union(*gone))

    def _stale(self, q: Query, lead: Lead, ref: date | None) -> bool:
        """The lead is a report older than short_max_age_days before the as-of day, and the question names no
        period of its own ("in 2016"): news moves on, so its answer may no longer be the answer. The sentence is
        still quoted, dated; only the bold short answer, which reads as today's fact, is withheld."""
        day = lead.sentence.passage.date
        if not self.short_max_age_days or ref is None or not day or q.names_period:
            return False
        return (ref - date.fromisoformat(day)).days > self.short_max_age_days

    def _superseded(self, day: str | None, lead_day: str | None) -> bool:
        """Is a report from `day` older than the lead's by more than short_max_age_days? The newest reporting wins:
        such a report may not outvote the lead ("Choi is the acting president" in January does not outvote "Han is
        the acting president again" in March). Within that time two reports naming different people conflict, and
        the bold answer waits (the newest is still quoted first)."""
        if not self.short_max_age_days or not day or not lead_day:
            return False
        return (date.fromisoformat(lead_day) - date.fromisoformat(day)).days > self.short_max_age_days

    def checked(self, q: Query, s: ScoredSentence, everything: str) -> Lead | None:
        """`s` as the lead if it passes every check (rag.abstain), with the span its citation marks."""
        lead = widen(q, s)
        ev = Evidence(s.text, window(s), everything, lead.candidates)
        reason = reason_to_abstain(q, ev)
        if reason:
            log.debug("sentence %r does not answer %r: %s", s.text[:60], q.text, reason)
            return None
        return lead

    def short_answer(self, q: Query, lead: Lead, ranked: list[ScoredSentence]) -> ShortAnswer | None:
        if not lead.candidates:
            return None
        # Statements weigh, and the lead's score is judged, by how well they match the question: the answer bonus
        # already rewarded them for holding a candidate, and counting it again would vouch for any candidate.
        lead_day = lead.sentence.passage.date
        statements = [Statement(lead.sentence.passage.doc_id, lead.sentence.evidence, lead.text, lead.span[0],
                                lead.candidates, lead_day)]
        for s in ranked[:self.vote_depth]:
            if s is lead.sentence:
                continue
            found = candidates(q, s.text, s.span[0], entity_lookup().within(s.passage, s.span))
            statements.append(Statement(s.passage.doc_id, s.evidence, s.text, s.span[0], tuple(found), s.passage.date))
        tally = votes(statements)
        answer = pick(q, statements[0], tally)
        named = len({c.key for c in lead.candidates})  # one name written twice is one candidate
        doer = (_doer(q, lead) or _titled(q, lead)) if named > 1 and q.count == 1 else None
        if doer is not None:  # "Thiem defeated Zverev to win the title": the one who did the asked act
            answer, named = answer_of(doer, tally), 1
        wanted = q.count or named  # "which countries ...?" lists every one the sentence gives
        voters = [st for st in statements if not self._superseded(st.day, lead_day)]
        rivalled = answer is not None and self.short_rivals and q.count == 1 and outvoted(answer, votes(voters))
        if rivalled and q.dated_act:  # a date of another act ("announced last week") is no rival for "when ...?"
            rivalled = outvoted(answer, votes([_dating(q.dated_act, st) for st in voters]))
        if not confident(answer, lead.sentence.evidence, named, self.short_support, self.short_score, wanted,
                         rivalled):
            return None
        if answer.label == "PERSON" and self._left_post(q, answer, ranked, lead_day):
            return None
        if of_another_year(q, lead.text, lead_day):
            return None
        if _dates_another_act(q, lead.text, answer) or (q.answer_type is AnswerType.DATE and _relative(answer)):
            return None
        if answer.label == "DATE":
            answer = _fuller(q, answer, statements)
            # "November 21 of 1998" as a date is written: "November 21, 1998"
            answer = replace(answer, text=_DAY_OF_YEAR.sub(r"\1, \2", answer.text))
        if answer.label == "PERSON":
            answer = _full_name(answer, statements)
            if q.asked_noun in L.OFFICE_NOUNS:
                answer = _with_title(answer, statements)
        if answer.label in ("DATE", "TIME"):  # "Monday" -> "Monday (11 July 2022)", from the report's own date
            answer = replace(answer, text=with_date(answer.text, lead.sentence.passage.date, lead.text))
        return answer

    # -- writing the answer ------------------------------------------------------------------------------
    def stream(self, query: Query, passages: list[Passage], as_of: date | None = None,
               ) -> Iterator[Cited | Text | Summary | Provenance]:
        sel = self.select(query, passages, as_of)
        if not sel.chosen or sel.lead is None:
            yield Cited([])
            yield Text(not_found(query, passages, as_of))
            return
        # One citation per quoted sentence, so each marks the sentence it supports (the surfaces list one article's
        # citations under one headline: rag.types.by_article). Its score is the sentence's evidence score, the
        # number RAG_MIN_EVIDENCE is compared with.
        spans = [sel.lead.span, *(s.span for s in sel.chosen[1:])]
        yield Cited([Citation.from_passage(n, s.passage, span, s.evidence)
                     for n, (s, span) in enumerate(zip(sel.chosen, spans, strict=True), 1)])
        for i, s in enumerate(sel.chosen):
            quote = sel.lead.text if i == 0 else s.text
            again = any(c.passage.doc_id == s.passage.doc_id for c in sel.chosen[:i])
            yield Text(("" if i == 0 else " ") + attributed(s, i + 1, first=i == 0, text=quote, again=again))
        yield Summary(sel.short.text if sel.short else None, mentions(sel.lead))


def _doer(q: Query, lead: Lead) -> Candidate | None:
    """For "who/which X <act>ed ...?", the lead's one candidate the sentence's parse makes the doer of that act; for
    "which X was <act>ed?", the one it makes undergo it ("a jury found Bill Cosby liable in a case brought by Judy
    Huth")."""
    act = q.reported_act
    if not (q.asks_doer or q.asks_undergoer) or not act or not same_verb_in(act, lead.text):
        return None
    parse = analyzer().parse(lead.text)
    role = undergoers if q.asks_undergoer else doers
    at = [parse.tokens[i].start + lead.span[0] for i in role(parse, lambda w: same_verb_in(act, w))]
    found = {c.key: c for c in lead.candidates if any(c.start <= a < c.end for a in at)}
    return next(iter(found.values())) if len(found) == 1 else None


def _titled(q: Query, lead: Lead) -> Candidate | None:
    """For "which gymnast ...?", the lead's one person the sentence gives that noun as a title ("... awarded the Medal
    of Freedom to 17 Americans, including Olympic gymnast Simone Biles, former congresswoman Gabrielle Giffords,
    soccer star Megan Rapinoe ...")."""
    if q.wh not in ("which", "what") or q.answer_type is not AnswerType.PERSON or not q.asked_noun:
        return None
    found = {c.key: c for c in lead.candidates
             if c.label == "PERSON" and holds_role((q.asked_noun,), lead.text, lead.span[0], c)}
    return next(iter(found.values())) if len(found) == 1 else None


def _full_name(answer: ShortAnswer, statements: list[Statement]) -> ShortAnswer:
    """A person named by surname alone ("Griner's detainment ...") as the evidence names them in full: "Brittney
    Griner", when exactly one full name the retrieved sentences give ends in that surname ("Biden" stays "Biden"
    beside both Joe and Jill Biden)."""
    key = key_of(answer.text)
    if " " in key:
        return answer
    full = {c.key: c.text for st in statements for c in st.candidates
            if c.label == "PERSON" and c.key.endswith(" " + key)}
    return replace(answer, text=next(iter(full.values()))) if len(full) == 1 else answer


_DAY_OF_YEAR = re.compile(r"^(\w+ \d{1,2}(?:st|nd|rd|th)?) of (\d{4})$")  # "November 21 of 1998"


def _with_title(answer: ShortAnswer, statements: list[Statement]) -> ShortAnswer:
    """"Which high-ranking official tested positive?" asks for someone by their office: "President Joe Biden", with
    the title the retrieved sentences write before the name, answers both who and which office. The longest such
    title wins; none found, the name alone."""
    name = re.escape(answer.text)
    title = r"((?:(?:[A-Z][\w.'’-]*|of|the)\s+)*?)"
    best = ""
    for st in statements:
        for m in re.finditer(title + rf"\b{name}\b", st.text):
            words = m.group(1).split()
            while words and not _opens_title(words[0]):
                words.pop(0)
            if any(w.lower() in _TITLE_HEADS for w in words) and len(" ".join(words)) > len(best):
                best = " ".join(words)
    return replace(answer, text=f"{best} {answer.text}") if best else answer


# The word of a title that names the post: a role noun or a written-short one ("Sen. Ted Cruz").
_TITLE_HEADS = L.ROLE_NOUNS | {"sen.", "rep.", "gov."}


def _opens_title(word: str) -> bool:
    """A title word ("President"), or the country an office is of ("UK Prime Minister", "US President")."""
    w = word.lower()
    return (w in L.TITLE_WORDS and w not in ("of", "the")) or w.replace(".", "") in L.COUNTRIES or (
        word.replace(".", "").isupper() and 2 <= len(word.replace(".", "")) <= 3)


def _fuller(q: Query, answer: ShortAnswer, statements: list[Statement]) -> ShortAnswer:
    """The date as fully as the evidence gives it: "2015" -> "December 2015", "April 29" -> "April 29, 2015", when
    another retrieved sentence gives the same date with more of it (and reports the asked act, for "when did X
    <act>?"). A reader asking when wants the day if any report has it."""
    mine = _date_words(answer.text)
    best, most = answer.text, mine
    for st in statements:
        if q.dated_act and not same_verb_in(q.dated_act, st.text):
            continue
        for c in st.candidates:
            theirs = _date_words(c.text)
            if c.label == "DATE" and mine < theirs and len(theirs) > len(most):
                best, most = c.text, theirs
    return answer if best == answer.text else replace(answer, text=best)


def _date_words(text: str) -> frozenset[str]:
    """A date's words as one set, month abbreviations and ordinals read as written out: "Dec. 1st, 2017" ->
    {"december", "1", "2017"}."""
    out = set()
    for w in words(text):
        w = L.MONTH_NAMES.get(w, w)
        if w[:-2].isdigit() and w[-2:] in ("st", "nd", "rd", "th"):
            w = w[:-2]
        if w not in L.STOPWORDS:
            out.add(w)
    return frozenset(out)


def _relative(answer: ShortAnswer) -> bool:
    """Is a date answer one that only its report's day could pin down ("last year", "this summer", "recently")? A
    bold "last year" tells a reader nothing; a weekday is written out with its date (rag.weekdays), and a year, a
    month, a number or a holiday names the time itself."""
    if answer.label not in ("DATE", "TIME"):
        return False
    text = answer.text.lower()
    said = words(text)
    return not (any(ch.isdigit() for ch in text) or calendar_period(text) or any(w in L.WEEKDAYS for w in said)
                or any(h in text for h in L.HOLIDAYS))


def _dates_act(act: str, text: str, start: int, length: int) -> bool | None:
    """Does the date at `start` in `text` say when `act` happened? Read from the sentence's parse: the first verb
    above the date is the act (True) or another one (False: "Announcing the visit last week, ... Blinken will meet"
    dates the announcement). None when the sentence does not report the act at all (a report in other words,
    "resume" for "restart", is not second-guessed) or the parse gives the date no verb."""
    if not same_verb_in(act, text):
        return None
    verb = governing_verb(analyzer().parse(text), start, length)
    return None if verb is None else same_verb_in(act, verb)


def _dates_another_act(q: Query, text: str, answer: ShortAnswer) -> bool:
    """Does the date answering "when did they <act>?" say when of some other act the sentence reports?"""
    if not q.dated_act or answer.label not in ("DATE", "TIME"):
        return False
    return _dates_act(q.dated_act, text, text.find(answer.text), len(answer.text)) is False


def _dating(act: str, st: Statement) -> Statement:
    """The statement without the dates it gives for other acts than `act`."""
    kept = tuple(c for c in st.candidates
                 if c.label not in ("DATE", "TIME") or _dates_act(act, st.text, c.start - st.offset, c.end - c.start)
                 is not False)
    return st if len(kept) == len(st.candidates) else replace(st, candidates=kept)


def _dates_asked_act(q: Query, s: ScoredSentence) -> bool:
    """Does a date in the sentence say when the asked act happened ("... met in Seoul on Monday" for "when did they
    meet?")?"""
    return any(_dates_act(q.dated_act or "", s.text, e.start - s.span[0], e.end - e.start) is True
               for e in entity_lookup().within(s.passage, s.span) if e.label in ("DATE", "TIME"))


def _asks(sentence: str) -> bool:
    """Is the sentence a question ("When will the vaccine be available for kids under 12?", an explainer's
    heading)? It states nothing, and it paraphrases a reader's question better than any answer does: never
    evidence, never quoted as what a report says."""
    return sentence.rstrip().rstrip("\"”’')").endswith("?")


def _quotes(spans: list[tuple[str, tuple[int, int]]], doc_id: str, span: tuple[int, int]) -> bool:
    """Does one of the answer's quotes (article id and marked span each) take in `span` of article `doc_id`?"""
    return any(doc == doc_id and a <= span[0] and span[1] <= b for doc, (a, b) in spans)


def in_context(p: Passage, span: tuple[int, int], quoted: list[tuple[str, tuple[int, int]]]) -> tuple[int, int]:
    """`span` of `p` with the sentence before it when it opens by pointing back ("They were also expected to ...",
    "The company said ...") and the answer does not quote that sentence already (`quoted`: article id and span of
    each quote): a quote whose subject the reader cannot resolve tells them little."""
    if not points_back(_text(p, span)):
        return span
    starts = [a for a, _ in p.sentences]
    if span[0] not in starts or starts.index(span[0]) == 0:
        return span
    before = p.sentences[starts.index(span[0]) - 1]
    if _quotes(quoted, p.doc_id, before):
        return span
    return before[0], span[1]


def _same_words(a: str, b: str) -> bool:
    """Do two sentences say the same in the same words, in any order (a syndicated copy, a re-published report, a
    photo's caption re-worded: "People celebrate in Colombo ..." / "People in Colombo celebrate ...")? Quoting the
    second tells the reader nothing the first did not."""
    return Counter(words(a)) == Counter(words(b))


def mentions(lead: Lead) -> list[Mention]:
    """The names the lead's cited span gives, in order, once each; not the place or agency of a dateline ("New York
    (CNN Business) Spirit ..."), which is where the report was filed, not what it is about."""
    p = lead.sentence.passage
    text = lead.text
    body = lead.span[0] + len(text) - len(strip_dateline(text))
    out: list[Mention] = []
    for e in entity_lookup().within(p, lead.span):
        if e.label in L.NAME_LABELS and e.start >= body:
            m = Mention(p.text[e.start - p.start:e.end - p.start].removesuffix("'s").removesuffix("’s"), e.label)
            if m.label == "PERSON" and all(w in L.TITLE_WORDS for w in words(m.text)):
                continue  # "President" alone, tagged as a person: a title is nobody's name ("he" must not become it)
            if m not in out:
                out.append(m)
    return out


def window(s: ScoredSentence, reach: int = 1) -> str:
    """The sentence with up to `reach` neighbours on each side, as far as its passage holds them."""
    spans = list(s.passage.sentences)
    if s.span not in spans:
        return s.text
    i = spans.index(s.span)
    a, b = spans[max(0, i - reach)], spans[min(len(spans) - 1, i + reach)]
    return s.passage.text[a[0] - s.passage.start:b[1] - s.passage.start]


def widen(q: Query, s: ScoredSentence) -> Lead:
    """The lead with the span its citation marks. A lead without an answer of the asked type takes in a
    neighbour that carries it on: the next sentence when it opens by pointing back at the lead's subject
    ("She was 96."), the previous one when the lead itself points back at something named there ("the show
    is coming back" after the sentence that names the show)."""
    lookup = entity_lookup()
    p = s.passage
    own = tuple(candidates(q, s.text, s.span[0], lookup.within(p, s.span)))
    if own or q.answer_type is None:
        return Lead(s, s.span, own)
    spans = list(p.sentences)
    if s.span not in spans:
        return Lead(s, s.span, own)
    i = spans.index(s.span)
    tried = []
    if i + 1 < len(spans) and points_back(_text(p, spans[i + 1])):
        tried.append((s.span[0], spans[i + 1][1]))
    if i > 0 and (points_back(s.text) or refers_to_asked(q, s.text) or _stands_for_asked(q, s.text)):
        tried.append((spans[i - 1][0], s.span[1]))
    for a, b in tried:
        found = tuple(candidates(q, _text(p, (a, b)), a, lookup.within(p, (a, b))))
        if found:
            return Lead(s, (a, b), found)
    return Lead(s, s.span, own)


def _text(p: Passage, span: tuple[int, int]) -> str:
    return p.text[span[0] - p.start:span[1] - p.start]


def points_back(sentence: str) -> bool:
    """Does the sentence open by pointing at something said before ("She was 96.", "The company said ...")?"""
    w = words(sentence)[:3]
    if not w:
        return False
    if w[0] in L.BACK_POINTERS:
        # "This year, ..." / "This week's ..." dates the sentence; it points back at nothing.
        noun = w[1].split("'")[0].removesuffix("s") if len(w) > 1 else ""
        return not (w[0] in ("this", "these") and noun in L.TIME_REFERENCE_NOUNS | L.DATE_NOUNS)
    return w[0] == "the" and len(w) > 1 and w[1] in L.GENERIC_NOUNS


# The pronouns that can stand for an answer of each asked type named in an earlier sentence.
_STANDS_FOR: dict[AnswerType, frozenset[str]] = {
    AnswerType.PERSON: L.PERSON_PRONOUNS | L.GROUP_PRONOUNS,
    AnswerType.ORG: L.THING_PRONOUNS | L.GROUP_PRONOUNS,
    AnswerType.PLACE: L.THING_PRONOUNS | L.PLACE_WORDS,
    AnswerType.OTHER: L.THING_PRONOUNS,
}


def _stands_for_asked(q: Query, sentence: str) -> bool:
    """Does a pronoun in the sentence stand for a name of the asked type ("... a refreshed menu in *its* 21,000
    restaurants" for "which food chain ...?")? A date or a number is never a pronoun's antecedent."""
    pronouns = _STANDS_FOR.get(q.answer_type, frozenset()) if q.answer_type else frozenset()
    return any(w in pronouns for w in words(sentence))


def refers_to_asked(q: Query, sentence: str) -> bool:
    """Does the sentence call the asked-for thing "the <noun>" ("the show is coming back")?"""
    if not q.asked_noun:
        return False
    w = words(sentence)
    return any(a == "the" and any(x.startswith(q.asked_noun) for x in w[i + 1:i + 6]) for i, a in enumerate(w))


def attributed(s: ScoredSentence, n: int, first: bool, text: str | None = None, again: bool = False) -> str:
    """'According to Yonhap (6 January 2025, Seoul), <sentence> [1].' A later sentence: '<source> (<date>) also
    reports that ...', or '... adds that ...' when its article was quoted already (`again`)."""
    p = s.passage
    who = p.source or (f"“{p.title}”" if p.title else "one article")
    raw = text or s.text
    # A dateline ("London (CNN) UK Prime Minister ...") says where the report was filed: it goes with the date,
    # not into the sentence, where "According to CNN, (CNN) The ..." reads as a stutter.
    body = _opening_stripped(strip_dateline(raw))
    place = dateline_place(raw) if body else None
    body = body or raw  # a quote that is only a dateline stays as written
    said = ", ".join(filter(None, [human_date(p.date), place]))
    dated = who + (f" ({said})" if said else "")
    lead = f"According to {dated}," if first else f"{dated} {'adds' if again else 'also reports'} that"
    # Text extracted from some pages spaces its commas ("Yara International , to curtail"): written as prose.
    sentence = _continued(re.sub(r" ([,;])(?= )", r"\1", " ".join(body.split())).rstrip(), p, _first_char(p, body))
    # A widened lead is two sentences ("She died on Thursday. She was 96."): each carries its citation.
    spans = split_sentences(sentence) or [(0, len(sentence))]
    return f"{lead} " + " ".join(cite(sentence[a:b], n) for a, b in spans)


def _opening_stripped(sentence: str) -> str:
    """The sentence without what only joined it to the one before ("But Holsether said ..." -> "Holsether said
    ...") or marked it as a list item ("• Toyota Prius: ...") or the end of a dateline ("-- Saudi Arabia's ...") or
    a link to another story ("More:Yellowstone National Park closes ..."): after "According to X," none has
    anything to join, list, end or label."""
    sentence = re.sub(r"^(?:[•·▪●◦‣]|—|–|--|-(?=\s))\s*", "", sentence.lstrip())  # "--The death ...": glued too
    sentence = linked_headline(sentence) or sentence
    first, _, rest = sentence.partition(" ")
    if first in L.JOINING_OPENERS and rest[:1].isalnum():
        return rest
    return sentence


def _first_char(p: Passage, text: str) -> int | None:
    """Article offset of the quote's first character (None when the quote is not the passage's text)."""
    i = p.text.find(text.strip()[:40])
    return None if i < 0 else p.start + i


def _continued(sentence: str, p: Passage | None = None, start: int | None = None) -> str:
    """The sentence as it reads after "According to X,": its first word lower-cased unless it is a name or written
    as one ("Announcing the visit ..." -> "announcing the visit ...", "Blinken arrived ..." unchanged)."""
    first_word = sentence.split(" ", 1)[0]
    if first_word in _LOWER_OK:
        if first_word == "The" and p is not None and start is not None and any(
                e.start == start and e.label == "WORK_OF_ART" for e in entity_lookup().of(p)):
            return sentence  # a title's own "The" ("The Legend of Zelda: Ocarina of Time is ...")
        return first_word.lower() + sentence[len(first_word):]
    core = first_word.rstrip(",;:")
    if re.sub(r"['’]s$", "", core).lower().rstrip(".") in _CALENDAR_NAMES:
        return sentence  # "Monday's talks ...", "January's figures ...": written with a capital wherever they stand
    if not (core[:1].isupper() and core[1:].replace("-", "").replace("'", "").replace("’", "").islower()):
        return sentence  # "CNN", "iPhone", "McDonald's", a quote or a number: as written
    if _ELIDED_NAME.match(core):
        return sentence  # "O'Brien", "D’Angelo", "A’ja": no common word elides after one capital ("I'm" is "I")
    rest = sentence.split()[1:2]
    if core.lower() in L.TITLE_WORDS and rest and rest[0][:1].isupper():
        return sentence  # a title opening a name: "Deputy Prime Minister Choi Sang-mok has taken over ..."
    post = sentence.split()[1:3]
    if (core == first_word and core.lower() not in L.STOPWORDS and len(post) == 2 and post[0].lower() in L.ROLE_NOUNS
            and post[0][:1].isupper() and post[1][:1].isupper()
            and analyzer().parse(sentence).tokens[0].tag in ("NNP", "NNPS")):
        # the office of a title opening a name ("Agriculture Secretary Tom Vilsack ..."), not a word describing its
        # holder ("embattled President Gotabaya Rajapaksa ..."); parsed only for a sentence opening so
        return sentence
    if p is None or start is None or _is_name(core, p, start):
        return sentence
    return first_word.lower() + sentence[len(first_word):]


def _is_name(word: str, p: Passage, start: int) -> bool:
    """Is the capitalised first word of the sentence at `start` (article offset) a name? The recogniser's name
    entities (computed at ingest; a date such as "Today" is not one) say so when they cover it; a name it missed is
    still written with its capital wherever else the passage uses it mid-sentence ("... met Blinken"). No parse at
    answer time: this runs on every answer."""
    if any(e.start <= start < e.end and e.label in L.NAME_LABELS for e in entity_lookup().of(p)):
        return True
    body = p.text
    for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", body):
        i = m.start()
        if p.start + i == start:
            continue
        before = body[max(0, i - 3):i].rstrip(" “\"'(")
        if before and before[-1] not in ".!?:\n—":
            return True
    return False


_TAIL = re.compile(r"([.!?]*)([\"”’']*)\s*$")


def cite(sentence: str, n: int) -> str:
    """The sentence with `[n]` before its final stop, after any closing quote: '... the world" [1].', never
    '... the world." [1].', which reads as a citation standing alone after the sentence."""
    m = _TAIL.search(sentence)
    body, stop, close = sentence[:m.start()].rstrip(), m.group(1), m.group(2)
    return f"{body}{close} [{n}]{stop[-1:] or '.'}"
