"""The `rag` command: ingest, watch, stats, reanalyse, ask, delete, list, serve, eval."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import click

from rag.config import get_settings
from rag.errors import RagError
from rag.types import AskResult, Filters, by_article


def _pipeline():
    from rag.pipeline import Pipeline

    pipe = Pipeline()
    _note_old_home(pipe.settings.home)
    return pipe


def _note_old_home(home: Path) -> None:
    """Before the per-user default, the store was ./.rag of whatever folder `rag` ran in: say where it went."""
    old = Path(".rag")
    if "RAG_HOME" not in os.environ and (old / "chroma").is_dir() and old.resolve() != home.resolve():
        click.echo(f"Note: {old.resolve()} holds an archive from an older newsrag; this command uses {home}. "
                   "Use the old one with RAG_HOME=.rag, or ingest again.", err=True)


def _fail(exc: RagError) -> None:
    click.echo(f"Error: {exc.message}", err=True)
    location = getattr(exc, "location", None)  # ArchiveEmpty: the operator needs to know which store is empty
    if location:
        click.echo(f"Store: {location}", err=True)
    if exc.hint:
        click.echo(f"Hint: {exc.hint}", err=True)
    sys.exit(2)


@click.group()
@click.version_option(package_name="newsrag")
def cli() -> None:
    """Answer questions about a news archive, with cited passages."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar on every command


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--feeds", "with_feeds", is_flag=True, help="Also the URLs in RAG_FEEDS.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ingest(paths: tuple[str, ...], with_feeds: bool, quiet: bool) -> None:
    """Add or update articles from files, folders (.md .txt .html .json .jsonl) and http(s) URLs of RSS/Atom
    feeds, sitemaps or article pages."""
    from rag.web import WebLoader

    sources = [*paths, *(get_settings().feeds if with_feeds else [])]
    if not sources:
        raise click.UsageError("Give files, folders or URLs to ingest, e.g. rag ingest corpus/ "
                               "https://example.com/feed.xml" + (" (RAG_FEEDS is empty)" if with_feeds else ""))
    try:
        pipe = _pipeline()
        web = WebLoader(pipe.settings, stored=pipe.store.hashes)
        report = pipe.ingest(sources, progress=not quiet, web=web)
    except RagError as exc:
        _fail(exc)
    for message in report.failed:
        click.echo(f"failed: {message}", err=True)
    for source in web.reports:
        click.echo(source.line())
    click.echo(report.summary())
    note = report.undated_note()
    if note:
        click.echo(note)
    if not report.ok:
        sys.exit(1)


def parse_every(value: str) -> float:
    """'10m' -> 600.0; units s, m, h (a bare number is seconds)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", value or "")
    if not m:
        raise click.BadParameter(f"{value!r} is not an interval; use e.g. 30s, 10m or 1h.", param_hint="--every")
    seconds = float(m[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[m[2]]
    if seconds < 1:
        raise click.BadParameter("the interval must be at least 1 second.", param_hint="--every")
    return seconds


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--every", default="10m", show_default=True, help="Time between runs: 30s, 10m, 1h.")
@click.option("--runs", type=click.IntRange(1), default=None, help="Stop after this many runs (default: never).")
def watch(sources: tuple[str, ...], every: str, runs: int | None) -> None:
    """Keep the archive current: ingest feed, sitemap or article URLs (or files and folders) every --every,
    one line per run, until stopped with Ctrl-C. Without SOURCES, the URLs in RAG_FEEDS."""
    from rag.web import WebLoader

    seconds = parse_every(every)
    sources = sources or tuple(get_settings().feeds)
    if not sources:
        raise click.UsageError("Give the URLs to watch, e.g. rag watch https://example.com/feed.xml --every 10m "
                               "(or set RAG_FEEDS).")
    try:
        pipe = _pipeline()
    except RagError as exc:
        _fail(exc)
    # `kill` (SIGTERM) stops it like Ctrl-C does: what was stored so far stays stored.
    signal.signal(signal.SIGTERM, _interrupt)
    n = 0
    try:
        while runs is None or n < runs:
            n += 1
            started = time.monotonic()
            stamp = datetime.now()
            web = WebLoader(pipe.settings, stored=pipe.store.hashes)
            try:
                report = pipe.ingest(list(sources), progress=False, web=web)
            except RagError as exc:  # e.g. the Chroma server is down: say so and try again next run
                line = f"failed: {exc}"
            else:
                for message in report.failed:
                    click.echo(f"failed: {message}", err=True)
                line = f"{report.summary()}; {_sources_line(web.reports)}"
            last = runs is not None and n >= runs
            wait = max(0.0, seconds - (time.monotonic() - started))
            after = "" if last else f" · next run at {datetime.now() + timedelta(seconds=wait):%H:%M:%S}"
            click.echo(f"{stamp:%Y-%m-%d %H:%M:%S} run {n}: {line}{after}")
            if not last:
                time.sleep(wait)
    except KeyboardInterrupt:
        click.echo(f"stopped after {n} run{'s' if n != 1 else ''}.")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _sources_line(reports: list) -> str:
    """'3 requests (https://x/feed.xml not modified; https://y/sitemap.xml: 2 fetched, 40 already stored)'"""
    requests = sum(r.requests for r in reports)
    parts = []
    for r in reports:
        if r.not_modified:
            parts.append(f"{r.url} not modified")
        elif r.kind in ("page", ""):
            parts.append(f"{r.url} {'read' if r.fetched else 'failed'}")
        else:
            parts.append(f"{r.url}: {r.fetched} fetched, {r.stored_before} already stored"
                         + (f", {r.failed} failed" if r.failed else "")
                         + (f", {r.deferred} left for the next run" if r.deferred else ""))
    return f"{requests} request{'s' if requests != 1 else ''}" + (f" ({'; '.join(parts)})" if parts else "")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
def stats(as_json: bool) -> None:
    """Articles, chunks and where the store is."""
    try:
        info = _pipeline().stats()
    except RagError as exc:
        _fail(exc)
    home = str(get_settings().home.resolve())
    if as_json:
        click.echo(json.dumps({**info, "home": home}))
        return
    where = "RAG_HOME" if "RAG_HOME" in os.environ else "the per-user default; set RAG_HOME to use another"
    click.echo(f"articles: {info['articles']}\nchunks:   {info['chunks']}\n"
               f"newest:   {info['newest_date'] or '-'}\nstore:    {info['mode']} at {info['location']}\n"
               f"home:     {home} ({where})")
    if info["stale_entities"]:
        n = info["stale_entities"]
        click.echo(f"{n} {'article carries' if n == 1 else 'articles carry'} named entities found by an older "
                   "newsrag: run `rag reanalyse` to find them again (no re-embedding).")
    if not info["articles"]:
        click.echo("The archive is empty: fill it with `rag ingest PATH|URL` (files, folders, a feed, a sitemap "
                   "or an article page).")


@cli.command()
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--processes", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default=True,
              help="Worker processes running the entity recogniser (the bound: ~12,000 words/s each).")
def reanalyse(quiet: bool, processes: int) -> None:
    """Find again the named entities of stored articles that an older newsrag analysed (after an upgrade that
    changed how names are found), from the stored text: no re-embedding."""
    try:
        t0 = time.perf_counter()
        done = _pipeline().reanalyse(progress=not quiet, processes=processes)
    except RagError as exc:
        _fail(exc)
    click.echo(f"{len(done)} article{'' if len(done) == 1 else 's'} re-analysed in {time.perf_counter() - t0:.1f}s"
               + ("" if done else ": every stored article's entities are current."))


def _read_questions(path: Path) -> Iterator[tuple[str, str | RagError]]:
    """(file:line, question) for each question: one per line, or JSONL records with a `question` field.
    A line that cannot be read (not UTF-8, broken JSON) is an error for that line only."""
    for lineno, raw in enumerate(path.read_bytes().split(b"\n"), 1):
        where = f"{path}:{lineno}"
        try:
            line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            yield where, RagError(f"not valid UTF-8 (byte {exc.start + 1})", "re-save the file as UTF-8")
            continue
        if not line.strip():
            continue
        if not line.lstrip().startswith("{"):
            yield where, line
            continue
        try:
            question = json.loads(line)["question"]
        except (json.JSONDecodeError, RecursionError, KeyError, TypeError):
            question = None
        if isinstance(question, str):
            yield where, question
        else:
            yield where, RagError("not a JSON object with a 'question' string",
                                  "fix that line or write the question as plain text")


def _error_line(where: str, question: object, exc: RagError) -> str:
    # ensure_ascii: a refused question may hold characters no terminal can print (a lone surrogate).
    return json.dumps({"question": question if isinstance(question, str) else None,
                       "error": {"code": exc.code, "message": f"{where}: {exc.message}", "hint": exc.hint}})


@cli.command()
@click.argument("question", required=False)
@click.option("--k", type=click.IntRange(1, 50), default=None, help="Passages to retrieve.")
@click.option("--json", "as_json", is_flag=True, help="Print the full answer object as JSON.")
@click.option("--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="File of questions (one per line, or JSONL with 'question'); prints JSON lines.")
@click.option("--as-of", "as_of", default=None, help="Ignore articles published after YYYY-MM-DD.")
@click.option("--since", default=None, help="Only articles published on or after YYYY-MM-DD.")
@click.option("--source", "sources", multiple=True, help="Only articles from this source (repeatable).")
def ask(question: str | None, k: int | None, as_json: bool, questions: Path | None, as_of: str | None,
        since: str | None, sources: tuple[str, ...]) -> None:
    """Answer QUESTION from the ingested articles, with numbered citations."""
    from rag.pipeline import parse_day

    if (question is None) == (questions is None):
        raise click.UsageError('Give either a QUESTION or --questions FILE, e.g. rag ask "who is acting president?"')
    try:
        filters = Filters(as_of=parse_day(as_of, "--as-of"), date_from=parse_day(since, "--since"),
                          sources=sources)
        pipe = _pipeline()
        from rag.threads import set_compute_threads

        set_compute_threads(pipe.settings.compute_threads)  # once per process, as `rag serve` does
        if questions is not None:
            failed = False
            for where, q in _read_questions(questions):
                try:
                    if isinstance(q, RagError):
                        raise q
                    click.echo(json.dumps(pipe.ask(q, k=k, filters=filters).to_dict(), ensure_ascii=False))
                except RagError as exc:
                    failed = True
                    click.echo(_error_line(where, q, exc))
            sys.exit(1 if failed else 0)
        result = pipe.ask(question, k=k, filters=filters)
    except RagError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(answer_text(result))


def answer_text(result: AskResult) -> str:
    """`rag ask`'s text output: the short answer, the cited answer, then each cited article once (headline, source,
    date, link) with the sentences it supports, numbered when there are several."""
    lines = [f"Short answer: {result.short_answer}\n"] if result.short_answer else []
    lines.append(result.answer)
    for cs in by_article(result.citations):
        c, several = cs[0], len(cs) > 1
        meta = ", ".join(x for x in (c.source, c.date) if x)
        lines.append("\n" + "".join(f"[{x.n}]" for x in cs) + f" {c.title}" + (f" ({meta})" if meta else "")
                     + (f"\n    {c.url}" if c.url else ""))
        for x in cs:  # a quote of two sentences may span a line break in the article
            lines.append("    " + (f"[{x.n}] " if several else "") + f"“{' '.join((x.sentence or x.text).split())}”")
    return "\n".join(lines)


@cli.command()
@click.argument("ref")
def delete(ref: str) -> None:
    """Remove one article (and all its chunks) by its id, or its URL as ingested or canonical."""
    try:
        pipe = _pipeline()
        doc_id = pipe.find_article(ref)
        if doc_id is not None:
            pipe.delete(doc_id)
    except RagError as exc:
        _fail(exc)
    if doc_id is None:
        click.echo(f"Error: no article with id or URL {ref!r}.", err=True)
        click.echo("Hint: `rag list` shows the stored articles' ids.", err=True)
        sys.exit(1)
    click.echo(f"deleted {doc_id}")


@cli.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article.")
@click.option("--source", "sources", multiple=True, help="Only articles from this source (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many (newest first).")
def list_articles(as_json: bool, sources: tuple[str, ...], limit: int | None) -> None:
    """The stored articles, newest first: id, date, source and title (the id is what `rag delete` takes)."""
    try:
        metas = _pipeline().store.article_metadata()
    except RagError as exc:
        _fail(exc)
    if sources:
        metas = [m for m in metas if m.get("source") in sources]
    metas.sort(key=lambda m: m["doc_id"])
    metas.sort(key=lambda m: m.get("date") or "", reverse=True)
    for m in metas[:limit]:
        row = {"id": m["doc_id"], "date": m.get("date"), "source": m.get("source"), "title": m.get("title", ""),
               "url": m.get("url")}
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo("\t".join([row["id"], row["date"] or "-", row["source"] or "-", row["title"]]))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7860, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (each loads the model and the index; use a Chroma server for several).")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web chat (and the HTTP API) on HOST:PORT."""
    from ui.server import run

    try:
        run(host=host, port=port, workers=workers)
    except RagError as exc:
        _fail(exc)


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                              "help_option_names": []})
@click.pass_context
def eval(ctx: click.Context) -> None:  # noqa: A001 - the command is called `rag eval`
    """Run the evaluation harness (see `rag eval --help`)."""
    from eval.cli import main as eval_main

    sys.exit(eval_main(list(ctx.args)))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
