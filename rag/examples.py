"""Example questions built from the newest stored articles, so a new reader sees what the archive can answer.

No hard-coded questions: each one is made from what an article says, read through its named entities
(found at ingest, rag.nlp):

* a change of office, "X has taken over as the acting president"      -> "Who is the acting president?"
* a title before a person's name, "Foreign Minister Cho Tae-yul"       -> "Who is the foreign minister?"
  (a title that says of nothing takes the name before it, "Tesla CEO Elon Musk" -> "Who is the CEO of Tesla?",
  or makes no question: "Who is the minister?" is not one a reader could expect answered)
* the article's most mentioned real name (a person with a full name, an organisation, a place, an event;
  never a lone letter or a bare acronym)                                -> "What is the latest on Antony Blinken?"

The newest articles are read first and each contributes at most one question per round, so the examples cover
several stories. A caller that can answer (the chat, the API) passes `answers` to keep only questions the
archive really answers. The result depends only on the stored articles (deterministic).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rag import lexicon as L
from rag.query import normalise_name
from rag.types import Entity

_HEADS = "|".join(sorted(L.ROLE_NOUNS - {"head", "boss", "owner", "founder", "editor", "principal", "dean"}))
_MODIFIERS = "|".join(L.TITLE_MODIFIERS)
# "has taken over as the acting president", "was named prime minister", "became the new chancellor"
_TOOK = "|".join(r"\s+".join(map(re.escape, w.split())) for w in L.TOOK_POST_WORDS)
_BECAME = re.compile(
    rf"\b(?:{_TOOK})\s+(?:the\s+)?(?:new\s+)?"
    rf"((?:(?:{_MODIFIERS})\s+)*(?:{_HEADS}))\b((?-i:\s+of\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*))?",
    re.IGNORECASE,
)
_FORMER = re.compile(rf"\b(?:{'|'.join(map(re.escape, sorted(L.FORMER_WORDS)))})\b-?\s*(?:acting\s+)?$",
                     re.IGNORECASE)
_TOPIC_LABELS = ("PERSON", "ORG", "GPE", "EVENT", "WORK_OF_ART", "FAC", "LOC", "PRODUCT", "LAW")


@dataclass(frozen=True)
class ArticleText:
    doc_id: str
    text: str
    date: str | None
    source: str | None
    entities: tuple[Entity, ...]  # offsets into `text`


@dataclass(frozen=True)
class Example:
    question: str
    doc_id: str  # the article the question was built from


def role_phrase(words: str) -> str:
    """'U.S. Secretary of State' -> 'U.S. secretary of state': job words in lower case, names and acronyms ("CEO")
    kept."""
    return " ".join(w.lower() if w.lower() in L.TITLE_WORDS | {"of", "the"} and not (len(w) > 1 and w.isupper())
                    else w for w in words.split())


def role_questions(a: ArticleText) -> list[str]:
    """'Who is the ...?' for every current role the article names: changes of office first, then titles."""
    found: list[tuple[int, int, str]] = []
    for m in _BECAME.finditer(a.text):
        found.append((0, m.start(), role_phrase(m.group(1) + (m.group(2) or ""))))
    for e in a.entities:
        if e.label != "PERSON":
            continue
        title = _title_before(a.text, e.start)
        if not title or _FORMER.search(a.text[max(0, e.start - len(title) - 20):e.start - len(title)]):
            continue  # no title, or a former office holder (not who holds the role now)
        role = role_phrase(title)
        if role.split()[-1] == "president" and len(role.split()) == 1:
            continue  # "President Yoon ..." is how news names a person, not news of who holds the office
        if _vague(role):
            # "Who is the chief executive?" asks of nothing a reader could know: the organisation or place named
            # right before the title ("Tesla CEO Elon Musk", "Florida Governor ...") says of what, or no question.
            of = _named_before(a, e.start - len(title) - 1)
            if of is None:
                continue
            role = f"{role} of {of}"
        found.append((1, e.start, role))
    out: list[str] = []
    for _, _, role in sorted(found):
        q = f"Who is the {role}?"
        if q not in out:
            out.append(q)
    return out


# Title words that say nothing of which office: "acting chief executive" is as vague as "chief executive".
_GENERIC_TITLE_WORDS = frozenset({"acting", "interim", "deputy", "vice", "chief", "executive", "senior", "head"})


def _vague(role: str) -> bool:
    """Does the title name a post without saying of what: "minister", "chief executive", "CEO", "governor"
    (not "prime minister", "foreign minister", "secretary of state")?"""
    rest = [w for w in role.lower().split() if w not in _GENERIC_TITLE_WORDS]
    return len(rest) <= 1 and all(w in L.ROLE_NOUNS for w in rest)


def _named_before(a: ArticleText, end: int) -> str | None:
    """The organisation or place whose name ends at `end` (or its possessive does): "Tesla" in "Tesla CEO"."""
    for e in a.entities:
        if e.label in ("ORG", "GPE") and 0 <= end - e.end <= 3 and re.fullmatch(r"(?:['’]s?)?\s?", a.text[e.end:end]):
            name = normalise_name(a.text[e.start:e.end])
            return name if real_name(name, e.label) else None
    return None


def _title_before(text: str, start: int) -> str:
    """The capitalised title words right before a name ("Foreign Minister" in "Foreign Minister Cho")."""
    words = text[:start].split()
    title: list[str] = []
    while words and words[-1].lower().strip(",") in L.TITLE_WORDS | {"of", "u.s.", "state"} and words[-1][:1].isupper():
        title.insert(0, words.pop())
    while title and title[0].lower() in ("of", "the"):
        title.pop(0)
    has_head = any(w.lower() in L.ROLE_NOUNS for w in title)
    return " ".join(title) if has_head else ""


def real_name(name: str, label: str) -> bool:
    """A subject a reader recognises: not a lone letter or a bare acronym, and a person with a full name."""
    letters = re.sub(r"[^A-Za-z]", "", name)
    if len(letters) < 3 or (name.isupper() and " " not in name):
        return False
    if name.lower() in L.STOPWORDS or name.lower() in L.CALENDAR_WORDS or name.split()[0].lower() in L.DETERMINERS:
        return False
    return label != "PERSON" or len(name.split()) >= 2


def topic_question(a: ArticleText) -> str | None:
    """'What is the latest on <the article's most mentioned real name>?'"""
    skip = {(a.source or "").lower()}
    tally: Counter[tuple[str, str]] = Counter()
    with_the: Counter[str] = Counter()  # mentions the recogniser read with "the" as part of the name
    for e in a.entities:
        if e.label in _TOPIC_LABELS:
            written = normalise_name(a.text[e.start:e.end])
            name = re.sub(r"^(?:the|The)\s+", "", written)
            if name.lower() not in skip and real_name(name, e.label):
                tally[(name, e.label)] += 1
                with_the[name] += name != written
    if not tally:
        return None
    (best, label), _ = sorted(tally.items(), key=lambda kv: (-kv[1], kv[0][1] != "PERSON", -len(kv[0][0]),
                                                             kv[0][0]))[0]
    if label == "EVENT":
        return f"What happened at the {best}?" if not best.lower().startswith("the ") else f"What happened at {best}?"
    if with_the[best] * 2 > tally[(best, label)]:
        best = f"the {best}"  # as the article names it: "the latest on the Justice Department", not "on Justice ..."
    return f"What is the latest on {best}?"


def example_questions(articles: Iterable[ArticleText], n: int = 4,
                      answers: Callable[[str], bool] | None = None) -> list[Example]:
    """Up to `n` questions, newest articles first, one per article per round (kept only if `answers` says so)."""
    ordered = sorted(sorted(articles, key=lambda a: a.doc_id), key=lambda a: a.date or "", reverse=True)
    per_article = []
    for a in ordered:
        qs = role_questions(a)
        topic = topic_question(a)
        if topic:
            qs.append(topic)
        per_article.append((a.doc_id, qs))
    out: list[Example] = []
    seen: set[str] = set()
    for round_ in range(max((len(qs) for _, qs in per_article), default=0)):
        for doc_id, qs in per_article:
            if round_ < len(qs) and qs[round_].lower() not in seen:
                seen.add(qs[round_].lower())
                if answers is None or answers(qs[round_]):
                    out.append(Example(qs[round_], doc_id))
                if len(out) >= n:
                    return out
    return out


def articles_from_store(store, scan: int = 20) -> list[ArticleText]:
    """The `scan` newest stored articles with their entities (from their chunks)."""
    from rag.entities import entity_lookup

    metas = sorted(store.article_metadata(), key=lambda m: m["doc_id"])
    metas = sorted(metas, key=lambda m: m.get("date") or "", reverse=True)[:scan]
    out = []
    for m in metas:
        a = store.get_article(m["doc_id"])
        if a is None:
            continue
        ents: dict[tuple[int, int], Entity] = {}
        for p in store.get_chunks(where={"doc_id": a.doc_id}):
            for e in entity_lookup().of(p):
                ents.setdefault((e.start, e.end), e)
        out.append(ArticleText(a.doc_id, a.text, a.date, a.source, tuple(sorted(ents.values(),
                                                                                key=lambda e: e.start))))
    return out


def examples_from_store(store, n: int = 4, scan: int = 20,
                        answers: Callable[[str], bool] | None = None) -> list[Example]:
    return example_questions(articles_from_store(store, scan), n, answers)


def subjects(articles: Sequence[ArticleText]) -> list[str]:
    """Every real name the articles mention (for tests and diagnostics)."""
    return sorted({normalise_name(a.text[e.start:e.end]) for a in articles for e in a.entities
                   if e.label in _TOPIC_LABELS and real_name(normalise_name(a.text[e.start:e.end]), e.label)})
