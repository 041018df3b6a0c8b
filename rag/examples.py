"""Example questions built from the stored articles, so a new reader sees what the archive can answer.

No hard-coded questions: each one is made from a pattern found in an article's text.

* "X has taken over as the acting president" / "was named prime minister" -> "Who is the acting president?"
* "Foreign Minister Cho Tae-yul"                                           -> "Who is the foreign minister?"
* otherwise the article's most mentioned name                              -> "What is the latest on Blinken?"

The newest articles are read first and each contributes at most one question per round, so the
examples cover several stories. The result depends only on the stored articles (deterministic).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from rag.followup import entities

# Words that make up a job title; a title is one or more of these, optionally "of <Capitalised>".
_ROLE_WORDS = ("acting interim deputy vice prime foreign defense defence finance interior trade "
               "chief executive general attorney secretary minister president chancellor premier governor "
               "mayor spokesperson spokesman spokeswoman ambassador director chairman chairwoman chair ceo "
               "speaker leader commissioner envoy state of the").split()
_HEADS = ("minister|president|secretary|chancellor|premier|governor|mayor|spokesperson|spokesman|spokeswoman|"
          "ambassador|director|chairman|chairwoman|chair|ceo|speaker|leader|commissioner|envoy")
# "has taken over as the acting president", "was named prime minister", "became the new chancellor"
_BECAME = re.compile(
    r"\b(?:as|became|become|becomes|named|appointed|elected|sworn in as)\s+(?:the\s+)?(?:new\s+)?"
    rf"((?:(?:acting|interim|deputy|vice|prime|foreign|defen[cs]e|finance|chief)\s+)*(?:{_HEADS}))\b"
    r"((?-i:\s+of\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*))?",
    re.IGNORECASE,
)
# "Foreign Minister Cho Tae-yul", "U.S. Secretary of State Antony Blinken" (title, then a name)
_TITLED = re.compile(
    r"\b((?:[A-Z][\w.]*\s+){0,3}?"
    rf"(?:{'|'.join(w.capitalize() for w in _HEADS.split('|'))})"
    r"(?:\s+of\s+[A-Z]\w+)?)"
    r"\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2}"
)
_FORMER = re.compile(r"\b(?:former|ex-|late|then)\s*(?:acting\s+)?$", re.IGNORECASE)


class ArticleLike(Protocol):
    doc_id: str
    title: str
    text: str
    date: str | None
    source: str | None


@dataclass(frozen=True)
class Example:
    question: str
    doc_id: str  # the article the question was built from


def role_phrase(words: str) -> str:
    """'U.S. Secretary of State' -> 'U.S. secretary of state': job words in lower case, names kept."""
    return " ".join(w.lower() if w.lower() in _ROLE_WORDS else w for w in words.split())


def role_questions(text: str) -> list[str]:
    """'Who is the ...?' for every current role the text names: changes of office first, then titles."""
    # A change of office ("has taken over as ...") is the news; titles before names come after it.
    found: list[tuple[int, int, str]] = []
    for m in _BECAME.finditer(text):
        role = role_phrase(m.group(1) + (m.group(2) or ""))
        found.append((0, m.start(), role))
    for m in _TITLED.finditer(text):
        if _FORMER.search(text[max(0, m.start() - 20):m.start()]):
            continue  # a former office holder is not who holds the role now
        role = role_phrase(m.group(1))
        if role.split()[-1] == "president" and len(role.split()) == 1:
            continue  # "President Yoon ..." is how news names a person, not news of who holds the office
        found.append((1, m.start(), role))
    questions: list[str] = []
    for _, _, role in sorted(found):
        q = f"Who is the {role}?"
        if q not in questions:
            questions.append(q)
    return questions


def topic_question(article: ArticleLike) -> str | None:
    """'What is the latest on <the article's most mentioned name>?'"""
    skip = {(article.source or "").lower()}
    names = [n for n in entities(article.text) if n.lower() not in skip]
    # A one-word name must also be capitalised mid-sentence ("Organisers said ..." is no name).
    names = [n for n in names if " " in n or _mid_sentence(n, article.text)]
    # Count every mention, not just distinct names: entities() de-duplicates.
    tally = {name: len(re.findall(re.escape(name), article.text)) for name in names}
    if not tally:
        return None
    best = sorted(tally.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0][0]
    return f"What is the latest on {best}?"


def _mid_sentence(word: str, text: str) -> bool:
    return re.search(rf"[a-z,;:]\s+{re.escape(word)}\b", text) is not None


def example_questions(articles: Iterable[ArticleLike], n: int = 4) -> list[Example]:
    """Up to `n` questions, newest articles first, one per article per round."""
    ordered = sorted(articles, key=lambda a: a.doc_id)
    ordered = sorted(ordered, key=lambda a: a.date or "", reverse=True)
    per_article = []
    for a in ordered:
        qs = role_questions(a.text)
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
                out.append(Example(qs[round_], doc_id))
                if len(out) >= n:
                    return out
    return out


def examples_from_store(store, n: int = 4, scan: int = 20) -> list[Example]:
    """Example questions from the `scan` newest articles of a `rag.store.Store`."""
    metas = sorted(store.article_metadata(), key=lambda m: m["doc_id"])
    metas = sorted(metas, key=lambda m: m.get("date") or "", reverse=True)[:scan]
    articles = [a for a in (store.get_article(m["doc_id"]) for m in metas) if a is not None]
    return example_questions(articles, n)
