"""Follow-ups that only resolve what needs resolving.

A question is rewritten for search only when it leans on an earlier turn: it has a reference it does not
resolve itself ("who paid *him* a courtesy call?", "what did *the company* announce?", "what happened
*that day*?") and no named subject of its own, or it is an ellipsis ("and what about Japan?"). A
self-contained question is searched exactly as asked, whatever came before: "How old was Jean-Luc Godard
when he died?" names its own "he".

A reference is resolved from the turns' typed record (rag.types.Turn: the short answer, the names the
answer's supporting sentence gives, the date of its evidence), newest first, never by re-reading the
answer's prose:
- "he", "she", "him", "his" -> the last question's named subject when the pronoun does the same act ("who did he
  meet next?" after "who did Biden meet?"); else the person the last turn was about: its short answer when that
  is a person, else the first person its answer names, else the person its question named; a chain of "he"
  questions stays on one person; nobody whose first name the pronoun cannot stand for (rag.first_names);
- "it", "they", "there", "the company", "the country" -> the last turn's first name of a fitting kind ("there":
  a place its short answer gives, else one its question named, before the answer's others; "it" after a question
  asking a figure or a date of something: that something, "Top Gun" for "how much did Top Gun make?");
- "that day", "that week" -> the date of the last answer's evidence.
A reference none of them names is searched with the question that set the topic (`_with_topic`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from rag import lexicon as L
from rag.first_names import fits
from rag.nlp import Parse
from rag.query import (
    VALUE_TYPES,
    Query,
    Reference,
    calendar_period,
    normalise_name,
    parse,
    stems,
    understand,
)
from rag.text import YEAR, content_words, human_date, words
from rag.types import Mention, Turn

MAX_REACH = 3  # how many turns back a reference may reach


def has_own_subject(q: Query) -> bool:
    """Does the question name what it is about (a person, a place, an organisation, a work ...)?"""
    return any(m.label not in ("DATE", "TIME", "MONEY", "PERCENT", "QUANTITY") for m in q.names)


def is_ellipsis(q: Query, p: Parse) -> bool:
    """'And what about Japan?', 'how about Blinken?', 'and in 2018?': a new subject or a new calendar period for the
    previous question, no verb of its own."""
    if _after_opener(q.text) is None:
        return False
    if not has_own_subject(q) and _asked_phrase(q.text, p) is None and not _periods(q):
        return False  # "and which city?" asks anew; "and?" does not
    return not any(t.pos in ("VERB", "AUX") for t in p.tokens)


def resolve(q: Query, p: Parse, turns: Sequence[Turn]) -> Query:
    """`q` with `search` resolved against `turns` (oldest first), or `q` unchanged."""
    turns = [typed_short_answer(t) for t in turns if t.question.strip()][-MAX_REACH:]
    if not turns:
        return q
    again_asked = _asked_again(q, turns[-1])
    if again_asked is not None:
        return again_asked
    switch = _role_switch(q, p, turns[-1].question)
    if is_ellipsis(q, p) or (not q.references and switch[0] is not None):
        switched = _switch(q, p, turns[-1], switch)
        if switched is not None:
            return switched
    if has_own_subject(q):
        return q
    if not q.references:
        # "by how many votes?", "which countries?", "who qualifies?": a fragment (no verb, or a verb alone) without a
        # subject of its own only makes sense as part of the conversation; it is searched with the question that
        # set the topic.
        verbless = not any(t.pos in ("VERB", "AUX") for t in p.tokens)
        return _with_topic(q, turns) if verbless or len(content_words(q.text)) <= 1 else q
    edits: list[tuple[Reference, str, Mention | None]] = []
    named: set[str] = set()
    again: list[Reference] = []  # later references to a name already put in: resolved, left as written
    # "the deal" needs resolving only when nothing else in the question ties it to the earlier turn: in "what did
    # the company say about the deal?" the company does.
    refs = [r for r in q.references if r.kind != "topic"] or list(q.references)
    for ref in sorted(refs, key=lambda r: r.start):
        found = referent(ref, turns, q.verb if _is_subject(p, ref) else None)
        if found is None:
            continue
        if found[1] is not None and found[1].text in named:
            again.append(ref)  # "how did he send his resignation?": the name once, "his" then reads as it should
            continue
        if found[1] is not None:
            named.add(found[1].text)
        edits.append((ref, *found))
    if not edits:
        return _with_topic(q, turns)
    search = q.text
    for ref, text, _ in sorted(edits, key=lambda e: -e[0].start):
        search = search[:ref.start] + text + search[ref.end:]
    mentions = tuple(m for _, _, m in edits if m is not None)
    left = tuple(r for r in refs if r not in {e[0] for e in edits} and r not in again)
    return replace(q, search=search, names=q.names + mentions, references=left,
                   resolutions=tuple((ref.text, text) for ref, text, _ in edits), terms=stems(search))


def _any(words: tuple[str, ...]) -> str:
    return "|".join(map(re.escape, words))


_HOW = rf"how(?:\s+(?:{_any(L.HOW_WORDS)}))?"
_BARE = re.compile(rf"(?i)^(?:(?:{_any(L.BARE_QUESTION_OPENERS)})\s+)?(when|where|why|who|{_HOW})"
                   rf"(?:\s+(?:{_any(L.BARE_QUESTION_TAILS)}))?\s*\??$")
_WH_AUX = re.compile(rf"(?i)^(when|where|why|who|what|which|{_HOW})\s+(?=(?:{_any(L.AUXILIARIES)})\b)")


def _asked_again(q: Query, last: Turn) -> Query | None:
    """A question that is a question word alone ("When?", "and where exactly?") asks the previous question again for
    another kind of answer: "When?" after "Where did Lopez and Affleck get married?" searches "When did Lopez and
    Affleck get married?". Only a previous question whose question word stands before its auxiliary can be asked
    again this way ("who won?" has no "when" form); after any other it is searched with the previous question."""
    bare = _BARE.match(q.text.strip())
    if bare is None:
        return None
    previous = (last.query or last.question).strip()
    wh = bare.group(1)
    wh = wh[:1].upper() + wh[1:].lower()
    m = _WH_AUX.match(previous)
    if m is None or parse(previous).tokens[0].dep.startswith("nsubj"):
        # "Why?" after "Who was impeached?": its question word is its subject, and "Why was impeached?" says nothing.
        # With the name the answer gave, it is asked of that name ("Why was Trump impeached?"); else, and for "How
        # many?" (a count of the object, which that answer does not name), it is searched with that question.
        search = _asked_of_answer(wh, previous, last) if wh in _ASKED_OF_SUBJECT else None
        if search is None:
            return _with_topic(q, [last])
    else:
        search = wh + " " + previous[m.end():]
    asked = understand(search, parse(search))
    return replace(asked, text=q.text, search=search, resolutions=((q.text, search),))


def _asked_of_answer(wh: str, previous: str, last: Turn) -> str | None:
    """The previous question, whose question word was its subject, asked with `wh` of the name its answer gave:
    "Which automaker recalled 2.9 million vehicles?" answered "Ford" -> "Why did Ford recall 2.9 million
    vehicles?"; "Who was impeached?" -> "Why was Trump impeached?". None without such a name, or when the question
    does not go on with a verb."""
    name = normalise_name(last.short_answer or "")
    if not name or not any(name.lower() in m.text.lower() and m.label in _NAME_KINDS for m in last.entities):
        return None  # a date or a number is no subject to ask of
    toks = parse(previous).tokens
    subject = next((i for i, t in enumerate(toks) if t.dep.startswith("nsubj")), None)
    if subject is None or subject + 1 >= len(toks):
        return None
    verb, rest = toks[subject + 1], previous[toks[subject + 1].end:].strip()
    if verb.pos == "AUX":  # "Who was impeached?": "Why was Trump impeached?"
        return f"{wh} {verb.text} {name} {rest}".rstrip(" ?") + "?"
    do = _DO_FOR_TAG.get(verb.tag)
    if verb.pos != "VERB" or do is None:
        return None
    return f"{wh} {do} {name} {verb.lemma.lower()} {rest}".rstrip(" ?") + "?"


_DO_FOR_TAG = {"VBD": "did", "VBZ": "does", "VBP": "do"}
_ASKED_OF_SUBJECT = frozenset({"When", "Where", "Why", "How"})  # asked of the answer as the new subject


def typed_short_answer(turn: Turn) -> Turn:
    """A client may keep only a turn's question and short answer, without the names its answer gave: the short
    answer is then a name of the kind its question asked for ("who is acting president?" -> "Choi Sang-mok" is a
    person; "which two officials met?" -> "Cho Tae-yul and Antony Blinken" are two people)."""
    if not turn.short_answer:
        return turn
    short = normalise_name(turn.short_answer)
    asked = _question(turn)
    label = next((lb for lb in _NAME_KINDS if lb in asked.answer_labels), None)
    named = [m for m in turn.entities if short.lower() in m.text.lower()]
    if named and label is not None and asked.strict_type and all(m.label != label for m in named):
        # "Who won?" answered "Gustavo Petro", whom the recogniser took for an organisation: the question word
        # says what the answer is.
        return replace(turn, entities=(Mention(short, label), *turn.entities))
    if named or label is None:
        return turn
    parts = [x.strip() for x in _LIST_SEPARATORS.split(short)] if asked.count != 1 else [short]
    return replace(turn, entities=(*(Mention(x, label) for x in parts if x), *turn.entities))


_NAME_KINDS = ("PERSON", "GPE", "ORG", "NORP", "LOC", "FAC")  # the kind a short answer is taken as, in this order
_LIST_SEPARATORS = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


def _with_topic(q: Query, turns: Sequence[Turn]) -> Query:
    """A reference nothing in the turns names ("which team did *they* beat?" after "which team won the Stanley
    Cup Finals?", answered without a name) is searched together with the question that set the topic: the
    newest earlier question that names its own subject. The answer's words (`terms`) stay the question's own, so
    the topic helps find the story, not pick its sentence."""
    # Without one, the last question: "who created it?" after "which show was renewed?" is about that story.
    # A turn is read as it was searched: a vague question that was itself resolved carries its topic on.
    topic = next((t.query or t.question for t in reversed(turns)
                  if has_own_subject(_searched(t))),
                 turns[-1].query or turns[-1].question)
    search = f"{q.text} ({topic.strip()})"
    return replace(q, search=search, resolutions=((q.text, search),))


def referent(ref: Reference, turns: Sequence[Turn], doing: str | None = None) -> tuple[str, Mention | None] | None:
    """What `ref` points at: the replacement text and the mention it names (None for a date). `doing`: the verb
    the reference is the subject of, when it is."""
    if ref.kind == "time":
        day = next((t.date for t in reversed(turns) if t.date), None)
        return (f"on {human_date(day)}", None) if day else None
    if ref.kind == "person":
        found = _same_doer(turns[-1], doing, ref.text) or person(turns, ref.text)
    elif ref.kind == "group":
        return group(turns, ref.possessive)
    elif ref.kind == "generic":
        found = generic(ref, turns)
    elif ref.kind == "topic":
        # "the deal" -> "Kevin Durant's deal": whose deal the last answer was about, or, when the reader spoke of a
        # deal in an earlier question ("Which airline announced a deal to buy Spirit?"), whose that turn's was.
        noun = stems(ref.text.split()[-1])
        asked = next((t for t in reversed(turns) if noun and noun <= stems(t.question)), turns[-1])
        found = _short_mention(asked, tuple(ref.labels)) or next(
            (m for m in _mentions(asked) if m.label in ref.labels), None)
        return (f"{found.text}'s {ref.text.split(' ', 1)[1]}", found) if found is not None else None
    else:
        # "When does it start?" after "Which school will eliminate student loans?": the school the answer gave, not
        # the state it named first. "There" is first the place the reader asked about: after "Which governor flew
        # migrants to Martha's Vineyard?", "how many did he fly there?" is not about the "Texas" they flew from.
        last = _question(turns[-1])
        if ref.kind == "thing" and last.answer_type in VALUE_TYPES:
            # "Who stars in it?" after "How much did Top Gun: Maverick make?": the last question asked a figure of
            # something it named, and "it" is that, not a name its answer gave ("Paramount said ..."); when it
            # named nothing ("What is the average price of gas?"), the question is searched with that one.
            return next((_as_written(m, ref) for m in last.names if m.label in ref.labels | {"PROPN"}), None)
        asked = [m for m in last.names if m.label in ref.labels] if ref.kind == "place" else []
        found = _short_mention(turns[-1], tuple(ref.labels)) or next(iter(asked), None) or next(
            (m for t in reversed(turns) for m in _mentions(t) if m.label in ref.labels), None)
    if found is None:
        return None
    if ref.kind == "place":
        return f"in {found.text}", found  # "there" is an adverb: "how high will inflation rise in Sri Lanka"
    return _as_written(found, ref)


def _as_written(found: Mention, ref: Reference) -> tuple[str, Mention]:
    return (f"{found.text}'s" if ref.possessive else found.text), found


def generic(ref: Reference, turns: Sequence[Turn]) -> Mention | None:
    """What "the show" or "the company" means: an earlier name that ends in that noun ("the Super Bowl LVII
    Halftime Show"), whatever the recogniser labelled it, else the last name of a fitting kind."""
    noun = ref.text.lower().split()[-1]
    stem = noun[:max(4, len(noun) - 2)]
    named = next((m for t in reversed(turns) for m in _mentions(t)
                  if m.text.split()[-1].lower().startswith(stem) and len(m.text.split()) > 1), None)
    if named is not None:
        return named
    return next((m for t in reversed(turns) for m in _mentions(t) if m.label in ref.labels), None)


def _is_subject(p: Parse, ref: Reference) -> bool:
    return any(t.start == ref.start and t.dep in ("nsubj", "nsubjpass") for t in p.tokens)


def _same_doer(last: Turn, doing: str | None, pronoun: str) -> Mention | None:
    """"Who did he beat in the fourth round?" after "Who did Frances Tiafoe beat to reach the semifinals?": a pronoun
    doing what the last question's named subject did is that subject (the same act, the same slot), not the person
    the answer gave (the one beaten)."""
    if not doing:
        return None
    asked = _question(last)
    if asked.verb != doing:
        return None
    p = parse(last.question)
    subjects = [t for t in p.tokens if t.dep in ("nsubj", "nsubjpass") and t.pos == "PROPN"]
    return next((m for m in asked.names if m.label == "PERSON" and fits(m.text, pronoun)
                 and any(t.text in m.text.split() for t in subjects)), None)


def person(turns: Sequence[Turn], pronoun: str = "") -> Mention | None:
    """Whom "he" or "she" (`pronoun`) means: see the module docstring. Nobody whose first name the pronoun cannot
    stand for (rag.first_names: "he" is not "Karine Jean-Pierre") is taken."""
    if not turns:
        return None
    last = turns[-1]
    own = _question(last)
    if len(turns) > 1 and any(r.kind == "person" for r in own.references) and not has_own_subject(own):
        earlier = person(turns[:-1], pronoun)  # "what did he do next?" after "what position did he hold?": the same he
        if earlier is not None:
            return earlier
    # The answer's people, those its question did not name first: "who came for talks with Cho?" is answered by
    # someone other than Cho.
    asked = {m.text.lower() for m in own.names}
    fitting = [m for m in last.entities if m.label == "PERSON" and fits(m.text, pronoun)]
    people = [m for m in fitting if m.text.lower() not in asked] or fitting
    if last.short_answer:
        short = normalise_name(last.short_answer).lower()
        match = next((m for m in people if m.text.lower() == short or short in m.text.lower()), None)
        if match is not None:
            return match
    if people:
        return people[0]
    if own.wh == "who" and own.verb != "be":
        return None  # "who came for talks with Cho?" was about someone else than Cho, and nobody answered it
    named = next((m for m in own.names if m.label == "PERSON" and fits(m.text, pronoun)), None)
    # A turn that named nobody ("where did its president flee?") passes "he" on to the turn before it.
    return named if named is not None or len(turns) == 1 else person(turns[:-1], pronoun)


def group(turns: Sequence[Turn], possessive: bool) -> tuple[str, Mention | None] | None:
    """Whom "they" means: the two people the last answer names ("Cho Tae-yul and Antony Blinken"), else its first
    country, organisation or people."""
    last = turns[-1]
    if last.short_answer and _question(last).count != 1 and last.entities:  # "which two countries ...?": both
        text = normalise_name(last.short_answer)
        first = next((m for m in last.entities if m.text.lower() in text.lower()), last.entities[0])
        return (f"{text}'s" if possessive else text), first
    people = [m for m in last.entities if m.label == "PERSON"]
    answered = _short_mention(last, ("GPE", "NORP", "ORG"))
    if answered is not None:  # "which team did they beat?" after "which team won?": the team the answer named
        return (f"{answered.text}'s" if possessive else answered.text), answered
    if len(people) >= 2:
        text = f"{people[0].text} and {people[1].text}"
        return (f"{text}'s" if possessive else text), people[0]
    found = next((m for t in reversed(turns) for m in _mentions(t) if m.label in ("GPE", "NORP", "ORG")), None)
    if found is None:
        found = people[0] if people else None
    if found is None:
        return None
    return (f"{found.text}'s" if possessive else found.text), found


def _short_mention(turn: Turn, labels: tuple[str, ...]) -> Mention | None:
    """The turn's short answer as one of its answer's names of `labels`, if it is one."""
    if not turn.short_answer:
        return None
    short = normalise_name(turn.short_answer).lower()
    return next((m for m in turn.entities if m.label in labels and (m.text.lower() == short
                                                                     or short in m.text.lower())), None)


def _mentions(turn: Turn) -> list[Mention]:
    """The names a turn was about: its answer's, then its question's."""
    return [*turn.entities, *_question(turn).names]


def _question(turn: Turn) -> Query:
    return understand(turn.question, parse(turn.question))


def _searched(turn: Turn) -> Query:
    """A turn's question as it was searched: "who could replace him?" with "him" resolved."""
    text = turn.query or turn.question
    return understand(text, parse(text))


def _after_opener(text: str) -> int | None:
    """Where the rest of an ellipsis starts after its opener ("and what about" Japan?); None without one."""
    low = text.lower().lstrip(" ,")
    opener = max((o for o in L.SWITCH_OPENERS if low.startswith(o + " ")), key=len, default=None)
    return None if opener is None else len(text) - len(low) + len(opener)


def _asked_phrase(text: str, p: Parse) -> str | None:
    """The question word and the noun it asks for, as written: "how many Olympic gold medals", "which team"."""
    toks = p.tokens
    skip = _after_opener(text) or 0  # "what about the chancellor?": its "what" opens, it asks nothing
    wh = next((i for i, t in enumerate(toks) if t.start >= skip and t.text.lower() in ("which", "what", "how")), None)
    if wh is None:
        return None
    end = next((j for j in range(wh + 1, min(len(toks), wh + 8)) if toks[j].pos == "NOUN" and (
        j + 1 == len(toks) or toks[j + 1].pos != "NOUN")), None)
    return text[toks[wh].start:toks[end].end] if end is not None else None


_NOT_OWNERS = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL"})
_COPULAR = re.compile(r"((who|what)\s+(?:is|are|was|were))\s+.+\?$", re.IGNORECASE)  # "Who is X?"


def _asked_role(text: str, p: Parse) -> str | None:
    """The noun phrase an ellipsis asks about when it names a thing of its own and not only a name: "the U.S.
    secretary of state" in "And the U.S. secretary of state?" (None for "And Japan?" or "what about Blinken?")."""
    start = _after_opener(text)
    if start is None:
        return None
    rest = [t for t in p.tokens if t.start >= start and t.pos != "PUNCT"]
    if not rest or rest[0].text.lower() in ("who", "what", "which", "how", "when", "where", "why"):
        return None  # "and how many NCAA championships?" asks anew: the asked-phrase swap handles it
    if not any(t.pos == "NOUN" and not t.ent for t in rest):
        return None
    return text[rest[0].start:rest[-1].end]


def _role_switch(q: Query, p: Parse, previous: str) -> tuple[str | None, re.Match | None]:
    """The thing an ellipsis asks about and the previous question's "who is" / "what is" it is asked with, when
    that question asked what something is; a "who" question is asked of a post or a person ("the secretary of
    state"), not of anything ("and the weather?")."""
    role, copula = _asked_role(q.text, p), _COPULAR.match(previous.strip())
    if role is None or copula is None:
        return None, None
    if copula.group(2).lower() == "who" and not any(w in L.PERSON_NOUNS | L.ROLE_NOUNS for w in words(role)):
        return None, None
    return role, copula


def _switch(q: Query, p: Parse, last: Turn, switch: tuple[str | None, re.Match | None]) -> Query | None:
    """The previous question asked of the new subject: its name of the same kind replaced, or the new name added;
    None when the ellipsis has nothing to put into it. `switch` is `_role_switch` of `q` against `last`'s question."""
    prev = _searched(last)  # "and in 2019?" after "who could replace him?": "him" stays resolved
    new = [m for m in q.names if m.label not in ("DATE", "TIME")]
    search = prev.text
    done = False
    role, copula = switch
    if role is not None and copula is not None:
        # "And the U.S. secretary of state?" after "Who is South Korea's foreign minister?": a post of its own, not
        # only a new owner for the old one; "Who is the U.S. secretary of state?", never "Who is U.S.'s foreign
        # minister?". A post without an owner keeps the old one: "And the prime minister?" after "Who is the
        # president of France?" asks "Who is the prime minister of France?".
        owner = None if new else next((m.text for m in prev.names if m.label not in _NOT_OWNERS), None)
        search = f"{copula.group(1)} {role}{f' of {owner}' if owner else ''}?"
        done = True
    for m in new if not done else ():
        old = next((o for o in prev.names if o.label == m.label and o.text != m.text), None)
        if old is not None and old.text in search:
            search = search.replace(old.text, m.text, 1)
            done = True
    periods = _periods(q)
    if periods and not done:
        search, done = _with_period(search, prev, periods[0]), True
    if not done:
        asked = _asked_phrase(q.text, p)
        old_phrase = _asked_phrase(prev.text, parse(prev.text))
        if asked and old_phrase and old_phrase in search:
            # "And how many NCAA championships?" after "How many Olympic gold medals did Sue Bird win?": the same
            # question of a new asked thing.
            search = search.replace(old_phrase, asked, 1)
        elif new:
            search = f"{' '.join(m.text for m in new)}: {prev.text}"
        else:
            return None  # "what about his deputy?" after "who could replace him?": nothing to swap, read as asked
    # The new question is understood from its own words: "and how many NCAA championships?" asks for a count of
    # championships, not of the earlier question's medals.
    asked = understand(search, parse(search))
    kept = tuple(o for o in prev.names if o.label not in {m.label for m in new} and (not periods or o.label != "DATE"))
    return replace(asked, text=q.text, search=search, names=tuple(new) + tuple(periods) + kept,
                   resolutions=((q.text, search),), references=(), focus=tuple(m.text for m in new))


def _periods(q: Query) -> list[Mention]:
    """The calendar periods the question names ("2018", "July", "March 2021"), without the "about" the recogniser
    may read as part of a date ("what about 2018?"). Only these switch a question to another time: "last year"
    or "the year before" count from a day the follow-up does not give."""
    out = []
    for m in q.names:
        text = re.sub(r"(?i)^(?:about|in|on)\s+", "", m.text)
        if m.label == "DATE" and calendar_period(text):
            out.append(replace(m, text=text))
    # "What about 2021?": the recogniser may read a year alone as a number.
    return out or [Mention(y.group(), "DATE") for y in YEAR.finditer(q.text)][:1]


def _with_period(search: str, prev: Query, period: Mention) -> str:
    """The previous question asked of another period: its own date or year replaced ("Who won the 2022 FIFA World
    Cup?" -> "Who won the 2018 FIFA World Cup?"), or the period added at the end."""
    old = next((o.text for o in prev.names if o.label == "DATE" and calendar_period(o.text)), None)
    if old is not None and old in search:
        new, year = period.text, YEAR.search(old)
        if year is not None and not YEAR.search(new):
            new = f"{new} {year.group()}"  # "and in July?" after "... in June 2022?": July of that year
        return search.replace(old, new, 1)
    year = YEAR.search(search)
    if year is not None and YEAR.fullmatch(period.text):
        return search[:year.start()] + period.text + search[year.end():]
    return f"{search.rstrip(' ?')} in {period.text}?"

