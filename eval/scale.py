"""Scale benchmark (partial): ingest speed of our pipeline against the textbook LangChain pipeline on
the same real articles, in the same run.

    python -m eval.scale --articles 150 --out eval/results/scale/ingest.json

Both build into fresh temporary folders with the same loaded model (`SentenceEmbeddings`): ours through
`Pipeline.ingest_articles` (one tokenisation per article, spaCy entities, chunk + sentence vectors, a few
store calls per batch), the textbook's through `eval.langchain_naive.build_index` (its splitter, the
same model through LangChain's `embed_documents`, langchain-chroma). `ingest_chunks_per_s` is each
pipeline's own chunks divided by its wall time; articles/s is given too, since chunk sizes differ.
The order alternates per round so neither always runs on a warmer (or busier) machine.

Not built yet (issue 14): the synthetic 10k/100k/1M archives, update/start-up/RSS/latency per size, the plot.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from eval.datasets import LoadOptions, load_dataset


def _ours(path: Path, articles, emb) -> int:
    from eval.configs import CONFIGS, _NoRetriever
    from rag.pipeline import Pipeline

    pipe = Pipeline(settings=CONFIGS["default"].settings(path), embeddings=emb, retriever=_NoRetriever())
    report = pipe.ingest_articles(articles, progress=False)
    return report.chunks_written


def _textbook(path: Path, articles, emb) -> int:
    from eval import langchain_naive

    return langchain_naive.build_index(path, articles, emb)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.scale", description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=150, help="RealTime QA articles (distractor corpus order)")
    ap.add_argument("--offset", type=int, default=0, help="skip this many articles first")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    from rag.embeddings import SentenceEmbeddings
    from rag.nlp import analyzer

    ds = load_dataset("realtimeqa-distractors", LoadOptions())
    articles = ds.articles[args.offset:args.offset + args.articles]
    emb = SentenceEmbeddings()
    emb.encode(["warm up"])
    analyzer().entities(["Warm up in Seoul."])
    rows = []
    for r in range(args.rounds):
        order = [("newsrag", _ours), ("langchain-naive", _textbook)]
        for name, build in (order if r % 2 == 0 else order[::-1]):
            tmp = Path(tempfile.mkdtemp(prefix=f"scale-{name}-"))
            try:
                load0 = os.getloadavg()[0]
                t0 = time.perf_counter()
                chunks = build(tmp, articles, emb)
                seconds = time.perf_counter() - t0
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            row = {"round": r, "pipeline": name, "articles": len(articles), "chunks": chunks,
                   "seconds": round(seconds, 1), "ingest_chunks_per_s": round(chunks / seconds, 2),
                   "articles_per_s": round(len(articles) / seconds, 3), "load_before": round(load0, 2)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        command = "python -m eval.scale " + " ".join(sys.argv[1:] if argv is None else argv)
        args.out.write_text(json.dumps({"command": command, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
