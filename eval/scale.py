"""Scale benchmark: one archive grown through 10k, 100k and 1M chunks of real news text, measured at each size.

    python -m eval.scale                                   # 10k, 100k, 1M chunks (hours on 2 cores; run once)
    python -m eval.scale --sizes 10000 --model-chunks 1000 --questions 50 --out DIR   # the CI point (quick)
    python -m eval.scale --chroma-url http://127.0.0.1:8000 # against a Chroma server instead of RAG_HOME

The archive is the RealTime QA distractor corpus (read from ../shared, never committed): its articles are
ingested through `Pipeline.ingest_articles` with the model, in corpus order, until the first size is reached or
the corpus runs out. Past that, each article is stored again *re-dated and re-identified* (id `<id>~<n>`,
dated n x 45 days earlier, the same text): the copies reuse the vectors, entities and chunks the model
computed for the original, so the larger sizes measure the store and the index, not the model again (their
`ingest_mode` says so). At each size:

- `ingest_chunks_per_s`: chunks written since the previous size / wall time, index updates included; at the
  first size also the textbook LangChain pipeline's (`eval.langchain_naive`) on the same articles, same run;
- `update_seconds`: 10 new articles (real text, each with a unique reference code, encoded by the model) are
  ingested by the writer; a reader that stands for another worker (its own store connection and index,
  checking the store every second, as `rag serve` does by default) is polled until all 10 are found; the time
  from the end of the ingest to the last one found; `update_seconds_remote` the same for a reader with its own
  RAG_HOME (another machine), started from a copy of the index, which learns of the write from the store's log;
- `start_seconds`, `rss_mb`, `p50_ms`, `p95_ms`: a fresh worker process (`python -m eval.scale --worker`) starts,
  answers its first question (start-up to first answer: imports, model, opening the index), then asks N
  questions (the dataset's, cycled) without a date filter and N with their as-of date: warm `Pipeline.ask`
  p50/p95 over both (each also reported alone); its resident memory at the end;
- `disk_mb`: RAG_HOME (the embedded store and the index; with a Chroma server, only the index).

Writes `summary.json` (one row per size) and `scale.png` (each figure against size) into --out.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

SIZES = (10_000, 100_000, 1_000_000)
UPDATE_ARTICLES = 10
COPY_DAYS = 45


def _env(home: Path, chroma_url: str | None) -> dict[str, str]:
    env = {**os.environ, "RAG_HOME": str(home), "RAG_COLLECTION": "scale", "ANONYMIZED_TELEMETRY": "False",
           "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("RAG_CHROMA_URL", None)
    if chroma_url:
        env["RAG_CHROMA_URL"] = chroma_url
    return env


def _apply(env: dict[str, str]) -> None:
    for k in ("RAG_HOME", "RAG_COLLECTION", "RAG_CHROMA_URL"):
        if k in env:
            os.environ[k] = env[k]
        else:
            os.environ.pop(k, None)


def _drop_archive() -> None:
    """Delete the benchmark's collections (RAG_COLLECTION "scale") on the Chroma server, so a fresh run does not
    grow an archive an earlier run left there."""
    from rag.config import Settings
    from rag.store import Store

    settings = Settings()
    client = Store(settings).client
    for col in client.list_collections():
        if col.name.startswith(f"{settings.collection}_"):
            client.delete_collection(col.name)


def _du_mb(path: Path) -> float:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return round(total / 1e6, 1)


class Archive:
    """The growing archive: the writer's pipeline and the prepared originals that copies reuse."""

    def __init__(self, articles, emb) -> None:
        from rag.pipeline import Pipeline
        from rag.store import Store

        self.pipe = Pipeline(embeddings=emb)
        self.originals = []  # PreparedArticle of every model-ingested article, for re-dated copies
        self.next_original = 0
        self.copy_round = 0
        self.copy_next = 0
        self.articles = articles
        self.recording = False
        put = Store.put_articles

        def keep(store, items):  # the writer's own store: remember what the model prepared for the corpus
            if self.recording:
                self.originals.extend(items)
            return put(store, items)

        self.pipe.store.put_articles = keep.__get__(self.pipe.store)

    def chunks(self) -> int:
        return self.pipe.store.chunk_count()

    def grow_with_model(self, target: int, batch_articles: int = 64) -> tuple[int, float, list]:
        """Ingest corpus articles until `target` chunks (or the corpus ends): (chunks written, seconds, articles)."""
        t0, written, used = time.perf_counter(), 0, []
        self.recording = True
        while self.chunks() < target and self.next_original < len(self.articles):
            part = self.articles[self.next_original:self.next_original + batch_articles]
            self.next_original += len(part)
            used.extend(part)
            written += self.pipe.ingest_articles(part, progress=False).chunks_written
        self.recording = False
        return written, time.perf_counter() - t0, used

    def resume(self, model_chunks: int | None, first_size: int, batch_articles: int = 64) -> None:
        """Continue an archive an earlier run left in --work (and its Chroma server): prepare the same
        originals again with the model, without writing them (they are stored), and carry on copying where
        the copies stopped. The model-ingested articles are the corpus's first ones, in batches, until
        `model_chunks` (or the first size) were reached: the same rule `grow_with_model` follows."""
        store = self.pipe.store
        stored_ids = store.article_ids()
        limit = first_size if model_chunks is None else min(first_size, model_chunks)
        put, hashes = store.put_articles, store.hashes
        prepared = 0

        def record(items):
            nonlocal prepared
            self.originals.extend(items)
            prepared += sum(len(p.chunks) for p in items)

        store.put_articles, store.hashes = record, lambda ids: {}
        try:
            while prepared < limit and self.next_original < len(self.articles):
                part = self.articles[self.next_original:self.next_original + batch_articles]
                self.next_original += len(part)
                self.pipe.ingest_articles(part, progress=False)
        finally:
            store.put_articles, store.hashes = put, hashes
        dated = [p for p in self.originals if p.article.date]
        copies = sum("~" in i for i in stored_ids)
        self.copy_round, self.copy_next = divmod(copies, len(dated))
        missing = [p.article.doc_id for p in self.originals if p.article.doc_id not in set(stored_ids)]
        if missing:
            raise SystemExit(f"--resume: {len(missing)} of the originals are not in the store (e.g. {missing[0]}); "
                             "resume with the --model-chunks and first size of the run that built the archive")

    def grow_with_copies(self, target: int, batch_articles: int = 500) -> tuple[int, float]:
        """Store re-dated, re-identified copies of the originals until `target` chunks."""
        from rag.store import PreparedArticle

        t0, written = time.perf_counter(), 0
        originals = [p for p in self.originals if p.article.date]
        count = self.chunks()
        while count < target:
            batch = []
            while len(batch) < batch_articles and count + sum(len(p.chunks) for p in batch) < target:
                if self.copy_next >= len(originals):
                    self.copy_round, self.copy_next = self.copy_round + 1, 0
                p = originals[self.copy_next]
                self.copy_next += 1
                n = self.copy_round + 1
                a = replace(p.article, id=f"{p.article.doc_id}~{n}", url=None,
                            date=p.article.date - timedelta(days=COPY_DAYS * n))
                batch.append(PreparedArticle(a, p.chunks, p.vectors, p.entities, p.sentence_vectors))
            with self.pipe.store.writing():
                self.pipe.store.put_articles(batch)
            written += sum(len(p.chunks) for p in batch)
            count += sum(len(p.chunks) for p in batch)
            self.pipe.retriever.refresh()  # the writer keeps its index current, as an ingest run does
        return written, time.perf_counter() - t0


def _textbook_rate(articles, emb) -> float:
    from eval import langchain_naive

    tmp = Path(tempfile.mkdtemp(prefix="scale-langchain-"))
    try:
        t0 = time.perf_counter()
        chunks = langchain_naive.build_index(tmp, articles, emb)
        return round(chunks / (time.perf_counter() - t0), 2)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _update_seconds(archive: Archive, emb, size: int) -> float:
    """Time from the end of a 10-article ingest to a second worker (sharing RAG_HOME) finding all of them."""
    from rag.config import Settings
    from rag.pipeline import Pipeline

    reader = Pipeline(settings=Settings(), embeddings=emb)  # another worker: own store connection and index
    reader.warm()
    return _found_after_ingest(archive, reader, f"{size}")


def _remote_update_seconds(archive: Archive, emb, size: int, home: Path, work: Path) -> float:
    """The same for a worker on another machine: its own RAG_HOME, started from a copy of the index (how a
    second machine joins), so it learns of the write from the store's change log alone."""
    from rag.config import Settings
    from rag.pipeline import Pipeline

    remote = work / "remote-home"
    shutil.rmtree(remote, ignore_errors=True)
    _copy_index(home, remote)
    reader = Pipeline(settings=Settings(home=remote), embeddings=emb)
    reader.warm()
    try:
        return _found_after_ingest(archive, reader, f"{size}r")
    finally:
        shutil.rmtree(remote, ignore_errors=True)


def _copy_index(home: Path, dest: Path) -> None:
    """A consistent copy of the search index: each manifest, then the segments it lists (a segment the writer
    retires stays on disk for ten minutes, so the copy never misses one)."""
    for manifest in (home / "bm25").glob("*/*/manifest.json"):
        body = json.loads(manifest.read_text())
        target = dest / manifest.parent.relative_to(home)
        target.mkdir(parents=True)
        for seg in body["segments"]:
            shutil.copytree(manifest.parent / seg["name"], target / seg["name"])
        (target / manifest.name).write_text(json.dumps(body))


def _found_after_ingest(archive: Archive, reader, tag: str) -> float:
    """Seconds from the end of the writer's ingest of 10 new articles to `reader` finding every one."""
    from rag.retrieve import BM25Retriever
    from rag.types import Filters

    base = archive.articles[:UPDATE_ARTICLES]
    codes = [f"zq{tag}x{i}refcode" for i in range(UPDATE_ARTICLES)]
    fresh = [replace(a, id=f"update-{tag}-{i}", url=None, text=f"{a.text}\n\nReference code {code}.")
             for i, (a, code) in enumerate(zip(base, codes, strict=True))]
    archive.pipe.ingest_articles(fresh, progress=False)
    # Polled through the reader's own index (a few ms a look, so the poll does not blur the figure); every
    # article found is then confirmed through the reader's whole retriever.
    index = next(s.index for s in reader.retriever.sources if isinstance(s, BM25Retriever))
    t0 = time.perf_counter()
    missing = set(range(UPDATE_ARTICLES))
    while missing and time.perf_counter() - t0 < 300:
        for i in sorted(missing):
            if any(p.doc_id == fresh[i].doc_id for p in index.search(codes[i], 3)):
                missing.discard(i)
        if missing:
            time.sleep(0.02)
    seconds = time.perf_counter() - t0
    confirmed = all(any(p.doc_id == a.doc_id for p in reader.retriever.retrieve(code, 3, Filters()))
                    for a, code in zip(fresh, codes, strict=True))
    return round(seconds, 2) if not missing and confirmed else float("nan")


def _worker_probe(env: dict[str, str], questions: int) -> dict:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "eval.scale", "--worker", "--questions", str(questions)],
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"worker probe failed:\n{out.stderr[-3000:]}")
    got = json.loads(out.stdout.strip().splitlines()[-1])
    got["probe_wall_seconds"] = round(time.perf_counter() - t0, 1)
    return got


def worker(questions: int) -> dict:
    """A fresh worker: start-up to first answer, then warm asks with and without an as-of date, then RSS."""
    t0 = time.perf_counter()
    from rag.pipeline import Pipeline
    from rag.types import Filters

    pipe = Pipeline()
    pipe.ask("Who is the president of France?", filters=Filters())
    start = time.perf_counter() - t0
    from eval.datasets import LoadOptions, load_dataset
    qs = load_dataset("realtimeqa", LoadOptions()).questions
    timings: dict[str, list[float]] = {"plain": [], "as_of": []}
    for i in range(questions):
        q = qs[i % len(qs)]
        for mode in ("plain", "as_of"):
            f = Filters(as_of=q.as_of) if mode == "as_of" and q.as_of else Filters()
            t = time.perf_counter()
            pipe.ask(q.question, filters=f)
            timings[mode].append((time.perf_counter() - t) * 1000)
    rss = hwm = 0.0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    anon = 0.0  # the worker's own memory; the rest of RSS is mapped index files, shared by a machine's workers
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith("Anonymous:"):
                anon = int(line.split()[1]) / 1024

    def pct(xs: list[float], p: float) -> float:
        return round(statistics.quantiles(xs, n=100)[int(p) - 1], 1) if len(xs) > 1 else round(xs[0], 1)

    both = timings["plain"] + timings["as_of"]
    return {"start_seconds": round(start, 2), "rss_mb": round(rss), "rss_peak_mb": round(hwm),
            "rss_anon_mb": round(anon), "rss_file_mb": round(rss - anon),
            "p50_ms": pct(both, 50), "p95_ms": pct(both, 95),
            "p50_ms_plain": pct(timings["plain"], 50), "p95_ms_plain": pct(timings["plain"], 95),
            "p50_ms_as_of": pct(timings["as_of"], 50), "p95_ms_as_of": pct(timings["as_of"], 95),
            "asks": len(both)}


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = [("ingest_chunks_per_s", "ingest chunks/s", None), ("update_seconds", "update s (10 articles)", 5),
               ("start_seconds", "start-up to first answer s", 15), ("rss_mb", "RSS per worker MB", 2048),
               ("p50_ms", "ask p50 ms", 100), ("p95_ms", "ask p95 ms", 250), ("disk_mb", "disk MB", None)]
    fig, axes = plt.subplots(2, 4, figsize=(16, 7))
    xs = [r["chunks"] for r in rows]
    for ax, (key, label, target) in zip(axes.flat, figures, strict=False):
        ax.plot(xs, [r.get(key) for r in rows], marker="o")
        if target is not None:
            ax.axhline(target, color="red", linestyle="--", linewidth=1, label=f"target {target}")
            ax.legend(fontsize=8)
        ax.set_xscale("log")
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("chunks")
    axes.flat[-1].axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.scale", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="chunk counts, ascending (default %(default)s)")
    ap.add_argument("--questions", type=int, default=200, help="questions per worker, each asked twice")
    ap.add_argument("--out", type=Path, default=Path("eval/out/scale"))
    ap.add_argument("--work", type=Path, default=None, help="where the archive is built (default: a temp folder)")
    ap.add_argument("--model-chunks", type=int, default=None,
                    help="ingest at most this many chunks with the model, then copies (default: up to the first size)")
    ap.add_argument("--chroma-url", default=None)
    ap.add_argument("--resume", type=int, default=None, metavar="FIRST_SIZE",
                    help="continue the archive an earlier run left in --work and the Chroma server (give that run's "
                         "first size; --model-chunks must match too); rows already in --out's summary are kept")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.questions)), flush=True)
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.work or Path(tempfile.mkdtemp(prefix="newsrag-scale-"))
    home = work / "home"
    if args.resume is None:
        shutil.rmtree(home, ignore_errors=True)
    elif args.work is None:
        ap.error("--resume needs --work: the folder of the run to continue")
    env = _env(home, args.chroma_url)
    _apply(env)
    if args.chroma_url and args.resume is None:
        _drop_archive()  # a fresh run starts from an empty archive on the server too
    from eval.datasets import LoadOptions, load_dataset
    from rag.embeddings import SentenceEmbeddings

    articles = [a for a in load_dataset("realtimeqa-distractors", LoadOptions()).articles if a.date]
    emb = SentenceEmbeddings()
    emb.encode(["warm up"])
    archive = Archive(articles, emb)
    rows: list[dict] = []
    args.out.mkdir(parents=True, exist_ok=True)
    if args.resume is not None:
        archive.resume(args.model_chunks, args.resume)
        earlier = args.out / "summary.json"
        if earlier.exists():
            rows = [r for r in json.loads(earlier.read_text())["rows"] if r["chunks"] < sizes[0]]
    for size in sizes:
        before = archive.chunks()
        limit = size if args.model_chunks is None else min(size, args.model_chunks)
        written, seconds, used = archive.grow_with_model(limit)
        row: dict = {"chunks": 0, "articles": 0}
        if written:  # real articles through Pipeline.ingest_articles: what a newsroom's ingest costs
            row.update(ingest_mode="model", ingest_chunks_per_s=round(written / seconds, 2),
                       model_chunks=written, model_seconds=round(seconds, 1))
            if not rows:
                row["langchain_naive_chunks_per_s"] = _textbook_rate(used, emb)
                row["ingest_vs_langchain"] = round(row["ingest_chunks_per_s"] / row["langchain_naive_chunks_per_s"], 2)
        if archive.chunks() < size:
            copied, copy_seconds = archive.grow_with_copies(size)
            row.update(copy_chunks=copied, copy_chunks_per_s=round(copied / copy_seconds, 2))
            if not written:  # only copies at this size: the store and index path, not the model
                row.update(ingest_mode="copies", ingest_chunks_per_s=row["copy_chunks_per_s"])
        row.update(chunks=archive.chunks(), articles=len(archive.pipe.store.article_ids()),
                   chunks_added=archive.chunks() - before)
        row["update_seconds"] = _update_seconds(archive, emb, size)
        if args.chroma_url:  # another machine shares the Chroma server; an embedded store is one machine's
            row["update_seconds_remote"] = _remote_update_seconds(archive, emb, size, home, work)
        row.update(_worker_probe(env, args.questions))
        row["disk_mb"] = _du_mb(home)
        row["load_avg"] = round(os.getloadavg()[0], 2)
        row["commit"] = _commit()
        rows.append(row)
        print(json.dumps(row), flush=True)
        _write(args, rows)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()


def _write(args, rows: list[dict]) -> None:
    summary = {"command": "python -m eval.scale " + " ".join(a for a in sys.argv[1:] if a != "--worker"),
               "commit": _commit(), "cpus": os.cpu_count(), "rows": rows}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    plot(rows, args.out / "scale.png")


if __name__ == "__main__":
    sys.exit(main())
