"""Warm `Pipeline.ask` latency: model loaded, index built and warmed, each question asked once.

    python -m eval.latency realtimeqa-distractors --distractors-per-question 2 --config default --config dense

Warms the pipeline as `rag serve` does (`Pipeline.warm`), so the figure is the server's path.
Uses the harness's cached index (built on first use) and asks every question with its as-of date,
as `rag eval` does, but times only `Pipeline.ask` (the harness also ranks passages and scores
choices, which `rag ask` does not do). Questions are asked once each: the answerer remembers
recent question vectors, and repeating a question would time that cache instead of the pipeline.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from eval.configs import CONFIGS, default_cache_dir, ensure_index, make_pipeline
from eval.datasets import REALTIMEQA_DEFAULT, LoadOptions, load_dataset
from eval.metrics import percentile
from rag.embeddings import SentenceEmbeddings
from rag.types import Filters

WARM_UP = 5


def measure(dataset: str, configs: list[str], opts: LoadOptions, cache: Path) -> dict[str, dict]:
    ds = load_dataset(dataset, opts)
    emb = SentenceEmbeddings()
    out: dict[str, dict] = {}
    for name in configs:
        cfg = CONFIGS[name]
        pipeline = make_pipeline(cfg, ensure_index(cache, ds.corpus, ds.articles, cfg, emb), emb)
        pipeline.warm()  # as `rag serve` warms up before its first reader: the full model (torch) loaded too
        for q in ds.questions[:WARM_UP]:  # the BM25/vector index and Chroma's pages
            pipeline.ask(f"{q.question} (warm-up)", filters=Filters(as_of=q.as_of))
        total, retrieve = [], []
        for q in ds.questions:
            t0 = time.perf_counter()
            result = pipeline.ask(q.question, filters=Filters(as_of=q.as_of), history=list(q.history))
            total.append((time.perf_counter() - t0) * 1000)
            retrieve.append(result.timings_ms["retrieve"])
        out[name] = {"questions": len(total), "articles": len(ds.articles),
                     "total_p50_ms": round(percentile(total, 50), 1), "total_p95_ms": round(percentile(total, 95), 1),
                     "retrieve_p50_ms": round(percentile(retrieve, 50), 1),
                     "retrieve_p95_ms": round(percentile(retrieve, 95), 1)}
        print(name, json.dumps(out[name]), file=sys.stderr, flush=True)
    return out


def parse(prog: str, doc: str, argv: list[str] | None) -> tuple[str, list[str], LoadOptions, Path]:
    """The arguments of the harness's measuring tools: dataset, configs, dataset options, index cache."""
    p = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    p.add_argument("dataset")
    p.add_argument("--config", dest="configs", action="append", default=[], choices=sorted(CONFIGS))
    p.add_argument("--path", type=Path, default=REALTIMEQA_DEFAULT)
    p.add_argument("--distractors-per-question", type=int, default=None)
    p.add_argument("--cache", type=Path, default=None)
    args = p.parse_args(argv)
    opts = LoadOptions(realtimeqa_path=args.path, distractors_per_question=args.distractors_per_question)
    return args.dataset, args.configs or ["default"], opts, args.cache or default_cache_dir()


def main(argv: list[str] | None = None) -> int:
    print(json.dumps(measure(*parse("python -m eval.latency", __doc__, argv))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
