"""Read articles from files: a registry from file extension to loader.

Each loader yields `Article` objects or `LoadError`s (never raises for bad content), so
one broken record never stops the rest of an ingest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import yaml

from rag.articles import Article, parse_date
from rag.config import get_settings
from rag.errors import InvalidText, LoadError
from rag.hygiene import clean_line, clean_text, require_words

if TYPE_CHECKING:
    from rag.web import WebLoader

LoadResult = Article | LoadError
Loader = Callable[[Path, str], Iterator[LoadResult]]

_TEXT_FIELDS = ("text", "body", "content")
_DATE_FIELDS = ("date", "publish_date", "published")
_MIN_HTML_WORDS = 8


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            str(path),
            f"not valid UTF-8 (byte {exc.start})",
            "re-save the file as UTF-8, e.g. `iconv -f latin1 -t utf-8 IN > OUT`",
        ) from None


class _BadField(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _line_field(rec: dict, name: str) -> str | None:
    """A single-line field (title, id, url, source): a string (or, for ids and titles, a number), cleaned."""
    value = rec.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, date):  # YAML front matter reads `id: 2025-01-06` as a date
        value = value.isoformat()
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _BadField(f"'{name}' must be a string, not {_json_type(value)}", f"write '{name}' as a JSON string")
    return clean_line(str(value), f"'{name}'") or None


def _authors(rec: dict) -> tuple[str, ...]:
    value = rec.get("authors") or ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(a, str) for a in value):
        raise _BadField(f"'authors' must be a list of names or one comma-separated string, not {_json_type(value)}",
                        'write e.g. "authors": ["A. Reporter", "B. Writer"]')
    names = (clean_line(a, "'authors'") for a in value)
    return tuple(n for n in names if n)


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", tuple: "a list", bool: "true/false", int: "a number",
             float: "a number", str: "a string"}
    return names.get(type(value), type(value).__name__)


def _read_record(rec: dict, origin: str) -> Article:
    field_name = next((f for f in _TEXT_FIELDS if isinstance(rec.get(f), str) and rec[f].strip()), None)
    if field_name is None:
        wrong = next((f for f in _TEXT_FIELDS if rec.get(f) not in (None, "") and not isinstance(rec[f], str)), None)
        if wrong:
            raise _BadField(f"'{wrong}' must be a string, not {_json_type(rec[wrong])}",
                            f"put the article text in '{wrong}' as a JSON string")
        raise _BadField("record has no article text", f"add a non-empty one of {_TEXT_FIELDS}")
    text = require_words(clean_text(rec[field_name], f"'{field_name}'"), f"'{field_name}'",
                         "an article needs words: check the field holds the article itself, not markup or padding")
    raw_date = next((rec[f] for f in _DATE_FIELDS if rec.get(f)), None)
    if isinstance(raw_date, str):
        raw_date = clean_line(raw_date, "the date")
    try:
        when = parse_date(raw_date)
    except ValueError as exc:
        raise _BadField(str(exc), "fix the date field") from None
    return Article(text=text, title=_line_field(rec, "title") or "", id=_line_field(rec, "id"),
                   url=_line_field(rec, "url"), date=when, source=_line_field(rec, "source"),
                   authors=_authors(rec), origin=origin)


def _article_from_record(rec: dict, origin: str, path: Path | str, line: int | None) -> LoadResult:
    """The one way a record becomes an Article: every field validated and cleaned (rag.hygiene); a bad
    record becomes a LoadError that names the field, and costs only itself."""
    try:
        return _read_record(rec, origin)
    except (InvalidText, _BadField) as exc:
        return LoadError(str(path), exc.message, exc.hint, line)


def article_from_record(rec: dict, origin: str) -> LoadResult:
    """One article object that did not come from a file (e.g. the HTTP API); `origin` names it in messages."""
    return _article_from_record(rec, origin, origin, None)


def load_markdown(path: Path, text: str) -> Iterator[LoadResult]:
    """.md/.txt: optional YAML front matter between `---` lines; the rest is the body, unchanged."""
    meta: dict = {}
    text = text.replace("\r\n", "\n")  # files saved on Windows
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end == -1:
            yield LoadError(str(path), "front matter starts with '---' but never ends",
                            "close it with a line holding only '---'")
            return
        try:
            meta = yaml.safe_load(text[4:end]) or {}
        except (yaml.YAMLError, RecursionError) as exc:
            yield LoadError(str(path), f"front matter is not valid YAML ({exc.__class__.__name__})",
                            "fix the YAML between the '---' lines")
            return
        if not isinstance(meta, dict):
            yield LoadError(str(path), "front matter must be a mapping of fields", "use `key: value` lines")
            return
        body = text[end + 5:]
    if not body.strip():
        yield LoadError(str(path), "the article body is empty", "add the article text below the front matter")
        return
    yield _article_from_record({**meta, "text": body}, str(path), path, None)


def load_html(path: Path, text: str) -> Iterator[LoadResult]:
    """.html: trafilatura extracts the article text, title and date (boilerplate removed)."""
    yield article_from_html(text, str(path))


def article_from_html(html: str | bytes, origin: str, url: str | None = None, listed: dict | None = None,
                      ) -> LoadResult:
    """An article page's text and metadata, extracted by trafilatura (menus, footers and comments dropped).

    `url` is where the page was fetched from (its declared canonical URL on the same site wins, so the id
    matches the address readers see); `listed` is what a feed or sitemap said about the page (title, date,
    authors, source): it fills only what the page itself lacks."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      favor_precision=True)
    body = getattr(doc, "text", None) if doc is not None else None
    # A few stray words (a menu, a cookie notice) are not an article.
    if not body or len(body.split()) < _MIN_HTML_WORDS:
        return LoadError(origin, "no article text found in this HTML page",
                         "check it is an article page (not an index or a login wall), or save the text as .md")
    listed = listed or {}
    body = _without_headline(body, doc.title)
    page_url = doc.url if url is None or _same_site(doc.url, url) else url
    # Without og:site_name trafilatura names the site by its host; a feed's title says it better.
    site = doc.sitename if not (url and _host(doc.sitename or "") == _host(url)) else None
    # trafilatura joins several authors with "; ".
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()] or list(listed.get("authors") or ())
    return _article_from_record(
        {"text": body, "title": doc.title or listed.get("title"), "url": page_url,
         "date": doc.date or listed.get("date"), "source": site or listed.get("source") or doc.sitename,
         "authors": authors},
        origin, origin, None,
    )


def _without_headline(body: str, title: str | None) -> str:
    """trafilatura keeps the page's <h1> as the body's first line; the headline is the title already, and left
    in the text it would be quoted as if it were a sentence of the report."""
    first, _, rest = body.partition("\n")
    if title and rest.strip() and " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
        return rest.lstrip("\n")
    return body


def _same_site(a: str | None, b: str) -> bool:
    return bool(a) and urlsplit(a).scheme in ("http", "https") and _host(a) == _host(b)


def _host(url_or_name: str) -> str:
    """"https://www.Example.com:8080/x" -> "example.com:8080"; a bare name is lower-cased the same way."""
    netloc = urlsplit(url_or_name).netloc if "//" in url_or_name else url_or_name
    return netloc.lower().removeprefix("www.")


_JSON_EXAMPLE = '{"title": "...", "text": "...", "date": "YYYY-MM-DD", "url": "https://..."}'


def load_json(path: Path, text: str) -> Iterator[LoadResult]:
    """.json: one article object, or a list of them."""
    if not text.strip():
        yield LoadError(str(path), "the file is empty", f"write one article object, or a list of them: {_JSON_EXAMPLE}")
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield LoadError(str(path), f"invalid JSON ({exc.msg})", "fix the JSON syntax", exc.lineno)
        return
    except RecursionError:
        yield LoadError(str(path), "JSON nested too deeply", "an article is one flat object of fields")
        return
    if data == [] or data == {}:
        yield LoadError(str(path), "the file holds no articles (an empty list)" if data == [] else
                        "the file holds an empty object", f"add article objects such as {_JSON_EXAMPLE}")
        return
    records = data if isinstance(data, list) else [data]
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            yield LoadError(str(path), f"item {i} is not an object", "each article must be a JSON object")
            continue
        yield _article_from_record(rec, f"{path}[{i}]", path, None)


def load_jsonl(path: Path, text: str) -> Iterator[LoadResult]:
    """.jsonl: one article object per line; a bad line is reported and skipped."""
    if not text.strip():
        yield LoadError(str(path), "the file is empty", f"write one article object per line: {_JSON_EXAMPLE}")
        return
    # split("\n"), not splitlines(): JSON strings may hold U+2028 and other characters splitlines() breaks on.
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield LoadError(str(path), f"malformed JSON ({exc.msg})", "fix or remove that line", lineno)
            continue
        except RecursionError:
            yield LoadError(str(path), "JSON nested too deeply", "one flat article object per line", lineno)
            continue
        if not isinstance(rec, dict):
            yield LoadError(str(path), "line is not a JSON object", "one article object per line", lineno)
            continue
        yield _article_from_record(rec, f"{path}:{lineno}", path, lineno)


LOADERS: dict[str, Loader] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".json": load_json,
    ".jsonl": load_jsonl,
}


def load_file(path: Path) -> Iterator[LoadResult]:
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        yield LoadError(str(path), f"unknown file type '{path.suffix or '(none)'}'",
                        f"use one of {', '.join(sorted(LOADERS))}")
        return
    try:
        text = _read_text(path)
    except LoadError as exc:
        yield exc
        return
    except OSError as exc:
        yield LoadError(str(path), f"cannot read file ({exc.strerror})", "check permissions")
        return
    yield from loader(path, text)


def iter_paths(paths: Iterable[str | Path]) -> Iterator[Path | LoadError]:
    """Expand folders recursively (hidden files skipped); report missing paths."""
    for p in map(Path, paths):
        if not p.exists():
            yield LoadError(str(p), "no such file or folder", "check the path")
        elif p.is_dir():
            found = False
            for f in sorted(p.rglob("*")):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts):
                    if f.suffix.lower() in LOADERS:
                        found = True
                        yield f
                    elif f.suffix.lower() not in {".gitkeep", ""} and f.name not in {"README", "LICENSE"}:
                        yield LoadError(str(f), f"unknown file type '{f.suffix}'",
                                        f"use one of {', '.join(sorted(LOADERS))}")
            if not found:
                yield LoadError(str(p), "folder holds no article files",
                                f"add files ending in {', '.join(sorted(LOADERS))}")
        else:
            yield p


def is_url(source: str | Path) -> bool:
    return isinstance(source, str) and source.strip().lower().startswith(("http://", "https://"))


def load_paths(paths: Iterable[str | Path], web: WebLoader | None = None) -> Iterator[LoadResult]:
    """Articles from files, folders and http(s) URLs (feeds, sitemaps, article pages), in the order given.
    URLs go to `web` (a `rag.web.WebLoader`; one with the environment's settings when not given)."""
    batch: list[str] = []
    for source in [*paths, None]:
        if source is not None and is_url(source):
            batch.append(str(source).strip())
            continue
        if batch:  # consecutive URLs share one HTTP client, robots.txt cache and per-host pacing
            if web is None:
                from rag.web import WebLoader

                web = WebLoader(get_settings())
            yield from web.load(batch)
            batch = []
        if source is None:
            break
        for item in iter_paths([source]):
            if isinstance(item, LoadError):
                yield item
            else:
                yield from load_file(item)


def unique_ids(items: Iterable[LoadResult]) -> Iterator[LoadResult]:
    """Pass articles through, failing any whose id came earlier with other content.

    Two records under one id (two URLs that canonicalise alike, an id repeated in a feed) would
    otherwise replace each other on every run: the first is kept, the later one is reported with both
    origins so the user can give it an id of its own. An exact repeat passes (it is unchanged).
    """
    seen: dict[str, tuple[str, str]] = {}  # doc id -> (content hash, origin)
    for item in items:
        if isinstance(item, Article):
            key, digest = item.doc_id, item.content_hash
            first = seen.setdefault(key, (digest, item.origin))
            if first[0] != digest:
                yield LoadError(item.origin or key, f"has the same id as {first[1] or 'an earlier article'} ({key}) "
                                "but different content, so it was skipped",
                                "give one of them its own 'id' (or URL)")
                continue
        yield item
