"""The `rag` command: ingest, stats, ask, serve, eval."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from rag.errors import RagError
from rag.types import Filters


def _pipeline():
    from rag.pipeline import Pipeline

    return Pipeline()


def _fail(exc: RagError) -> None:
    click.echo(f"Error: {exc.message}", err=True)
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
@click.argument("paths", nargs=-1, required=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ingest(paths: tuple[str, ...], quiet: bool) -> None:
    """Add or update articles from files and folders (.md .txt .html .json .jsonl)."""
    try:
        report = _pipeline().ingest(paths, progress=not quiet)
    except RagError as exc:
        _fail(exc)
    for message in report.failed:
        click.echo(f"failed: {message}", err=True)
    click.echo(report.summary())
    note = report.undated_note()
    if note:
        click.echo(note)
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
def stats(as_json: bool) -> None:
    """Articles, chunks and where the store is."""
    try:
        info = _pipeline().stats()
    except RagError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(info))
        return
    click.echo(f"articles: {info['articles']}\nchunks:   {info['chunks']}\n"
               f"newest:   {info['newest_date'] or '-'}\nstore:    {info['mode']} at {info['location']}")


def _read_questions(path: Path) -> list[str | RagError]:
    """One question per line, or JSONL records with a `question` field."""
    out: list[str | RagError] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                question = json.loads(line)["question"]
            except (json.JSONDecodeError, KeyError, TypeError):
                question = None
            if isinstance(question, str):
                out.append(question)
            else:
                out.append(RagError(f"{path}:{lineno}: not a JSON object with a 'question' string",
                                    "fix that line or write the question as plain text"))
        else:
            out.append(line)
    return out


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
            for q in _read_questions(questions):
                try:
                    if isinstance(q, RagError):
                        raise q
                    click.echo(json.dumps(pipe.ask(q, k=k, filters=filters).to_dict(), ensure_ascii=False))
                except RagError as exc:
                    failed = True
                    click.echo(json.dumps({"question": q if isinstance(q, str) else None,
                                           "error": {"code": exc.code, "message": str(exc)}}))
            sys.exit(1 if failed else 0)
        result = pipe.ask(question, k=k, filters=filters)
    except RagError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(result.answer)
    for c in result.citations:
        meta = ", ".join(x for x in (c.source, c.date) if x)
        click.echo(f"\n[{c.n}] {c.title}" + (f" ({meta})" if meta else "") + (f"\n    {c.url}" if c.url else ""))
        click.echo(f"    “{c.sentence or c.text}”")


@cli.command()
@click.argument("doc_id")
def delete(doc_id: str) -> None:
    """Remove one article (and all its chunks) by its id."""
    try:
        existed = _pipeline().delete(doc_id)
    except RagError as exc:
        _fail(exc)
    if not existed:
        click.echo(f"No article with id {doc_id!r}; see `rag stats`.", err=True)
        sys.exit(1)
    click.echo(f"deleted {doc_id}")


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
