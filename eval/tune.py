"""A grid over question-time settings, every figure per split: the record behind a tuning choice.

    python -m eval.tune realtimeqa-distractors --set answer_bonus=0.1,0.25 --set short_answer_score=0.45,0.55

Settings are chosen on the dev weeks only. The held-out figures are printed beside them so that a change that
gains on dev and loses on held-out is seen, and not kept. Only settings read at question time may vary: the
index (chunking, precision, model) is built once, as `rag eval` builds it, and every grid point reads it.
Prints one Markdown table row per grid point (the first row is the config's own settings).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from pydantic import ValidationError

from eval import metrics as M
from eval.configs import CONFIGS, default_cache_dir, ensure_index, eval_settings, make_pipeline
from eval.datasets import REALTIMEQA_DEFAULT, LoadOptions, load_dataset
from eval.runner import RANK_PASSAGES, Asker, Corpus, aggregate, score_question
from rag.config import Settings
from rag.embeddings import SentenceEmbeddings
from rag.types import Filters

# Settings the index is built with: varying them would need another index, which `rag eval --config` compares.
INDEX_SETTINGS = frozenset({"home", "chroma_url", "collection", "model_path", "chunk_tokens",
                            "chunk_overlap_sentences", "ingest_precision"})
FIGURES = (("contains_gold", "contains gold"), ("answer_words", "answer words"),
           ("short_answer_precision", "short precision"), ("short_answer_coverage", "short coverage"),
           ("hit@1", "hit@1"), ("wrong_abstention_rate", "wrong abstentions"),
           ("abstention_recall", "abstention recall"))


class GridError(ValueError):
    """A --set argument that names no setting, one the index depends on, or a value the setting rejects."""


def parse_grid(items: list[str]) -> list[dict]:
    """["answer_bonus=0.1,0.25", "k=5,8"] -> every combination ({"answer_bonus": 0.1, "k": 5}, ...), each checked
    against the setting's type and bounds before anything is loaded."""
    grid: dict[str, list[str]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or name not in Settings.model_fields or not values.strip():
            raise GridError(f"--set {item!r}: expected NAME=V1,V2,... with NAME a setting (README.md, 'Configuration')")
        if name in INDEX_SETTINGS:
            raise GridError(f"--set {name}: the index depends on it; compare indexes with `rag eval --config`")
        grid[name] = [v.strip() for v in values.split(",") if v.strip()]
    names = list(grid)
    if not names:
        return []
    out = []
    for combo in itertools.product(*(grid[n] for n in names)):
        point = dict(zip(names, combo, strict=True))
        try:
            checked = eval_settings(Path("."), point)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise GridError(f"--set {err['loc'][0]}={err.get('input')!r}: {err['msg']}") from None
        out.append({n: getattr(checked, n) for n in names})
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.tune", description=__doc__.splitlines()[0])
    p.add_argument("dataset")
    p.add_argument("--config", default="default", choices=sorted(c for c, v in CONFIGS.items() if v.kind == "native"))
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=V1,V2")
    p.add_argument("--path", type=Path, default=REALTIMEQA_DEFAULT)
    p.add_argument("--distractors-per-question", type=int, default=None)
    p.add_argument("--cache", type=Path, default=None)
    args = p.parse_args(argv)
    try:
        grid = parse_grid(args.sets)
    except GridError as exc:
        p.error(str(exc))
    ds = load_dataset(args.dataset, LoadOptions(realtimeqa_path=args.path,
                                                distractors_per_question=args.distractors_per_question))
    emb = SentenceEmbeddings()
    cfg = CONFIGS[args.config]
    index = ensure_index(args.cache or default_cache_dir(), ds.corpus, ds.articles, cfg, emb)
    splits = sorted({q.split for q in ds.questions if q.split}) or [""]
    head = " | ".join(f"{label} ({sp or 'all'})" for sp in splits for _, label in FIGURES)
    print(f"| settings | {head} |\n|---|{'---|' * (len(splits) * len(FIGURES))}")
    base = make_pipeline(cfg, index, emb)  # also sets the question phase's threads, as `rag eval` does
    for point in [{}, *grid]:
        pipeline = type(base)(settings=cfg.settings(index.path).model_copy(update=point), embeddings=emb) \
            if point else base
        row = evaluate(pipeline, ds, splits)
        label = ", ".join(f"{k}={v}" for k, v in point.items()) or f"{cfg.name} (as configured)"
        print(f"| {label} | " + " | ".join(_fmt(row[sp].get(key), key) for sp in splits for key, _ in FIGURES) + " |",
              flush=True)
    return 0


def evaluate(pipeline, ds, splits: list[str]) -> dict[str, dict]:
    """Aggregate figures per split for one pipeline (no multiple choice: it does not depend on these settings)."""
    asker, corpus = Asker(pipeline), Corpus.of(ds.articles)
    scores = []
    for q in ds.questions:
        result, _, _ = asker.ask(q)
        ranking = pipeline.retriever.retrieve(result.query, max(RANK_PASSAGES, pipeline.settings.k),
                                              Filters(as_of=q.as_of))
        scores.append(score_question(q, result, M.doc_ranking(x.doc_id for x in ranking)[:M.MRR_DEPTH], None,
                                     corpus))
    out = {}
    for sp in splits:
        keep = [i for i, q in enumerate(ds.questions) if q.split == sp or not sp]
        out[sp] = aggregate([ds.questions[i] for i in keep], [scores[i] for i in keep])
    return out


def _fmt(value: float | None, key: str) -> str:
    if value is None:
        return "–"
    return f"{value:.0f}" if key == "answer_words" else f"{value:.3f}"


if __name__ == "__main__":
    sys.exit(main())
