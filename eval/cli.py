"""`rag eval` / `python -m eval`: run datasets x configs, write results.jsonl, summary.json,
ragas.jsonl, report.md and report.html (with PNG plots) into --out."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from rag.errors import RagError

log = logging.getLogger(__name__)

BASELINE_CONFIG = "langchain-naive"


def build_parser() -> argparse.ArgumentParser:
    from eval.configs import CONFIGS
    from eval.datasets import DATASETS, REALTIMEQA_DEFAULT

    p = argparse.ArgumentParser(
        prog="rag eval",
        description="Evaluate the question-answering pipeline on gold datasets; see eval/README.md.",
        epilog=f"Datasets: {', '.join(DATASETS)}, generic:DIR. Configs: {', '.join(CONFIGS)} "
               f"({BASELINE_CONFIG} is always added).")
    p.add_argument("datasets", nargs="*", default=["corpus_qa"], metavar="DATASET",
                   help="dataset names (default: corpus_qa)")
    p.add_argument("--config", dest="configs", action="append", default=[], metavar="NAME",
                   help="a named config; repeatable (default: default)")
    p.add_argument("--out", type=Path, default=Path("eval/out"), help="output folder (default: eval/out)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N questions per dataset")
    p.add_argument("--path", type=Path, default=REALTIMEQA_DEFAULT,
                   help=f"RealTime QA folder (default: {REALTIMEQA_DEFAULT})")
    p.add_argument("--weeks", default="", help="RealTime QA weeks to use, comma-separated YYYYMMDD (default: all)")
    p.add_argument("--distractors-per-question", type=int, default=None, metavar="N",
                   help="realtimeqa-distractors: only the first N search pages of each question "
                        "(default: every page of the weeks)")
    p.add_argument("--cache", type=Path, default=None,
                   help="index cache folder (default: $XDG_CACHE_HOME/newsrag-eval or ~/.cache/newsrag-eval)")
    p.add_argument("--no-report", action="store_true", help="skip report.md/report.html and plots")
    p.add_argument("--report-from", type=Path, default=None, metavar="DIR",
                   help="only (re)write report.md/report.html from DIR/summary.json and DIR/results.jsonl")
    return p


def main(argv: list[str]) -> int:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    args = build_parser().parse_args(argv)
    try:
        if args.report_from is not None:
            return rewrite_report(args.report_from)
        return run(args, argv)
    except RagError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"Hint: {exc.hint}", file=sys.stderr)
        return 2


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def resolve_configs(names: list[str]) -> list:
    from eval.configs import CONFIGS

    wanted = list(dict.fromkeys([*(names or ["default"]), BASELINE_CONFIG]))
    unknown = [n for n in wanted if n not in CONFIGS]
    if unknown:
        raise RagError(f"Unknown config(s): {', '.join(unknown)}.", f"Choose among {', '.join(CONFIGS)}.")
    return [CONFIGS[n] for n in wanted]


def rewrite_report(folder: Path) -> int:
    from eval.report import write_report

    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        with (folder / "results.jsonl").open(encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise RagError(f"Cannot read a finished run in {folder} ({exc}).",
                       "Point --report-from at an --out folder of a completed `rag eval` run.") from None
    write_report(summary, records, folder)
    say(f"wrote {folder / 'report.md'} and {folder / 'report.html'}")
    return 0


def run(args: argparse.Namespace, argv: list[str]) -> int:
    from eval import paper
    from eval.configs import default_cache_dir
    from eval.datasets import LoadOptions, load_dataset
    from eval.export import write_ragas
    from eval.runner import git_commit, now_iso, run_config
    from rag.embeddings import SentenceEmbeddings

    if args.limit is not None and args.limit < 1:
        raise RagError(f"--limit {args.limit} is not a positive number.", "Pass --limit 1 or more, or leave it out.")
    configs = resolve_configs(args.configs)
    weeks = tuple(w.strip() for w in args.weeks.split(",") if w.strip())
    opts = LoadOptions(realtimeqa_path=args.path, weeks=weeks, limit=args.limit,
                       distractors_per_question=args.distractors_per_question)
    cache = args.cache or default_cache_dir()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    emb = SentenceEmbeddings()
    summary: dict = {"created": now_iso(), "git_commit": git_commit(), "command": ["rag", "eval", *argv],
                     "cache": str(cache), "datasets": []}
    all_records: list[dict] = []
    with (out / "results.jsonl").open("w", encoding="utf-8") as results:
        for name in args.datasets:
            t0 = time.perf_counter()
            ds = load_dataset(name, opts)
            if not ds.questions:
                raise RagError(f"Dataset {name} has no questions.", "Check its files (or the --weeks you chose).")
            say(f"[{ds.name}] {len(ds.questions)} questions, {len(ds.articles)} articles "
                f"(loaded in {time.perf_counter() - t0:.1f}s); notes: {json.dumps(ds.notes)}")
            entry: dict = {"name": ds.name, "description": ds.description, "corpus_articles": len(ds.articles),
                           "questions": len(ds.questions), "notes": ds.notes, "weeks": list(ds.weeks),
                           "closed_corpus_note": ds.closed_corpus_note, "configs": {}, "skipped_configs": {},
                           "paper_baselines": paper.score_all(ds), "paper_retrieval": paper.gcs_retrieval(ds)}
            for cfg in configs:
                reason = cfg.unavailable()
                if reason:
                    say(f"[{ds.name}] {reason}")
                    entry["skipped_configs"][cfg.name] = reason
                    continue
                cr = run_config(ds, cfg, cache, emb, say)
                for rec in cr.records:
                    results.write(json.dumps(rec, ensure_ascii=False) + "\n")
                results.flush()
                all_records.extend(cr.records)
                entry["configs"][cfg.name] = cr.summary
                say(f"[{ds.name} / {cfg.name}] done in {cr.summary['seconds']}s")
            summary["datasets"].append(entry)
            (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    n = write_ragas(all_records, out / "ragas.jsonl")
    say(f"wrote {out / 'results.jsonl'}, {out / 'summary.json'}, {out / 'ragas.jsonl'} ({n} records)")
    if not args.no_report:
        from eval.report import write_report

        write_report(summary, all_records, out)
        say(f"wrote {out / 'report.md'} and {out / 'report.html'}")
    from eval.report import summary_table

    for entry in summary["datasets"]:
        print(f"\n## {entry['name']}\n")
        print(summary_table(entry))
    return 0
