"""Articles from the web: RSS/Atom feeds, sitemaps (news sitemaps and sitemap indexes too) and article pages.

`load_urls(urls, settings)` is the one entry point (`rag ingest URL`, `rag watch`, the HTTP ingest jobs). For
each URL it fetches the URL (a conditional GET with the ETag/Last-Modified of the last run, so an unchanged feed
costs one request and yields nothing), reads what it holds (`rag.feeds`), fetches the linked pages it has not
stored before, politely (robots.txt respected, a pause between two requests to one host, a clear User-Agent,
timeouts, a size cap), and extracts them like .html files (`rag.loaders.article_from_html`), the feed's title,
date and author filling what a page lacks. Every failure is a `FetchError` naming the URL; nothing raises.

What it remembers between runs (validators, robots.txt, which links became which article ids) is a small
SQLite file under RAG_HOME (`WebCache`). It is only a cache: losing it costs requests, never articles. An
article is skipped only when the store still holds it (the `stored` callback), so an ingest that was stopped
before its last batch was written fetches those articles again next time.
"""

from __future__ import annotations

import functools
import json
import logging
import queue
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from rag.articles import Article
from rag.config import Settings
from rag.errors import FetchError, LoadError
from rag.feeds import PAGE, SITEMAP_INDEX, Link, Listing, feed_links, read_listing, sniff

log = logging.getLogger(__name__)

Stored = Callable[[list[str]], Collection[str]]  # article ids -> those of them the store holds
LoadResult = Article | LoadError

ROBOTS_TTL_SECONDS = 24 * 3600  # RFC 9309: a cached robots.txt should not be used for more than a day
MAX_REDIRECTS = 5
MAX_SITEMAP_DEPTH = 3  # index -> index -> sitemap is as deep as real sites go
FETCH_AHEAD = 8  # pages fetched ahead of the caller (each at most RAG_FETCH_MAX_BYTES)
ACCEPT = {
    "listing": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
               "text/html;q=0.8, */*;q=0.5",
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
}


@dataclass
class Response:
    url: str  # after redirects
    status: int  # 200 or 304
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # of a redirect


# -- what is remembered between runs ----------------------------------------------------------------
def _locked(method: Callable) -> Callable:
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)

    return run


class WebCache:
    """SQLite under RAG_HOME: validators of each fetched URL, robots.txt per host, and each listed link's
    stamp and article id, keyed by the store they were ingested into (another store starts afresh)."""

    VERSION = 1

    def __init__(self, path: Path, store_key: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.store_key = store_key
        # One loader uses it at a time, but its generator may be resumed from different worker threads.
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self.lock = threading.Lock()  # the prefetching thread stores robots.txt while the loader stores links
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, self.VERSION):
            # An older or newer layout: it is only a cache, so start again rather than misread it.
            self.db.executescript("DROP TABLE IF EXISTS sources; DROP TABLE IF EXISTS robots; "
                                  "DROP TABLE IF EXISTS links;")
        self.db.executescript(f"""
            CREATE TABLE IF NOT EXISTS sources (store TEXT, url TEXT, etag TEXT, last_modified TEXT,
                doc_ids TEXT, checked REAL, PRIMARY KEY (store, url));
            CREATE TABLE IF NOT EXISTS robots (origin TEXT PRIMARY KEY, status INTEGER, body TEXT, fetched REAL);
            CREATE TABLE IF NOT EXISTS links (store TEXT, url TEXT, stamp TEXT, doc_id TEXT, outcome TEXT,
                seen REAL, PRIMARY KEY (store, url));
            PRAGMA user_version = {self.VERSION};
        """)

    @_locked
    def source(self, url: str) -> tuple[str | None, str | None, list[str]] | None:
        row = self.db.execute("SELECT etag, last_modified, doc_ids FROM sources WHERE store=? AND url=?",
                              (self.store_key, url)).fetchone()
        return (row[0], row[1], json.loads(row[2] or "[]")) if row else None

    @_locked
    def save_source(self, url: str, etag: str | None, last_modified: str | None, doc_ids: Iterable[str]) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?)",
                            (self.store_key, url, etag, last_modified, json.dumps(sorted(set(doc_ids))),
                             time.time()))

    @_locked
    def forget_source(self, url: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM sources WHERE store=? AND url=?", (self.store_key, url))

    @_locked
    def robots(self, origin: str) -> tuple[int, str] | None:
        row = self.db.execute("SELECT status, body, fetched FROM robots WHERE origin=?", (origin,)).fetchone()
        if row and time.time() - row[2] < ROBOTS_TTL_SECONDS:
            return int(row[0]), row[1]
        return None

    @_locked
    def save_robots(self, origin: str, status: int, body: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO robots VALUES (?, ?, ?, ?)", (origin, status, body, time.time()))

    @_locked
    def links(self, urls: list[str]) -> dict[str, tuple[str, str, str]]:
        """url -> (stamp, doc_id, outcome) for the links seen before."""
        out: dict[str, tuple[str, str, str]] = {}
        for i in range(0, len(urls), 500):
            part = urls[i:i + 500]
            rows = self.db.execute(
                f"SELECT url, stamp, doc_id, outcome FROM links WHERE store=? AND url IN ({','.join('?' * len(part))})",
                (self.store_key, *part))
            out.update({r[0]: (r[1], r[2], r[3]) for r in rows})
        return out

    @_locked
    def save_link(self, url: str, stamp: str, doc_id: str, outcome: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?, ?, ?)",
                            (self.store_key, url, stamp, doc_id, outcome, time.time()))

    def close(self) -> None:
        with self.lock:
            self.db.close()


# -- polite HTTP ------------------------------------------------------------------------------------
class Fetcher:
    """One HTTP client for a run: robots.txt checked before every request (cached for a day), a pause of
    RAG_FETCH_DELAY_SECONDS (or the site's longer Crawl-delay) between two requests to one host, redirects
    followed by hand so each hop is checked too, responses capped at RAG_FETCH_MAX_BYTES and
    RAG_FETCH_TIMEOUT_SECONDS. Not thread-safe: one per run."""

    def __init__(self, settings: Settings, cache: WebCache) -> None:
        self.settings = settings
        self.cache = cache
        self.stopped = threading.Event()  # set when the run is abandoned: pauses end, no new request starts
        self.agent = settings.fetch_user_agent
        self.timeout = settings.fetch_timeout_seconds
        self.client = httpx.Client(headers={"User-Agent": self.agent, "Accept-Encoding": "gzip, deflate"},
                                   timeout=httpx.Timeout(self.timeout), follow_redirects=False)
        self.requests = 0
        self._last: dict[str, float] = {}  # origin -> when its last request ended (monotonic)
        self._robots: dict[str, RobotFileParser | FetchError] = {}

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, kind: str = "page", validators: tuple[str | None, str | None] | None = None,
            ) -> Response:
        """GET `url` (following redirects); 304 when `validators` (etag, last_modified) still hold.
        Raises FetchError for anything that is not a usable response."""
        headers = {"Accept": ACCEPT[kind]}
        if validators:
            etag, modified = validators
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self._check_robots(current)
            response = self._request(current, headers)
            if response.status in (301, 302, 303, 307, 308):
                target = response.location
                if not target:
                    raise FetchError(current, f"HTTP {response.status} redirect without a Location header",
                                     "tell the site's operators; nothing can be fetched from this address")
                current = urljoin(current, target)
                if urlsplit(current).scheme not in ("http", "https"):
                    raise FetchError(url, f"redirected to a non-web address ({current[:80]})",
                                     "give the final http(s) address instead")
                continue
            response.url = current
            return response
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects", "give the final address instead")

    def _request(self, url: str, headers: dict[str, str]) -> Response:
        origin = _origin(url)
        self._pace(origin)
        if self.stopped.is_set():
            raise FetchError(url, "stopped", "the run was stopped", transient=True)
        self.requests += 1
        deadline = time.monotonic() + self.timeout
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code in (301, 302, 303, 307, 308):
                    return Response(url, r.status_code, location=r.headers.get("location"))
                if r.status_code == 304:
                    return Response(url, 304, etag=r.headers.get("etag"), last_modified=r.headers.get("last-modified"))
                if r.status_code >= 400:
                    raise _status_error(url, r)
                if r.status_code != 200:
                    raise FetchError(url, f"HTTP {r.status_code} {r.reason_phrase}: no content to read",
                                     "check the address", transient=True)
                limit = self.settings.fetch_max_bytes
                declared = r.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise _too_large(url, limit)
                chunks, size = [], 0
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise _too_large(url, limit)
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("total time exceeded")
                    chunks.append(chunk)
                return Response(url, 200, _gunzip(b"".join(chunks), url, limit),
                                r.headers.get("content-type", ""), r.headers.get("etag"),
                                r.headers.get("last-modified"))
        except httpx.TimeoutException:
            raise FetchError(url, f"no complete response within {self.timeout:g} s",
                             "the site is slow or down; it is tried again on the next run (or raise "
                             "RAG_FETCH_TIMEOUT_SECONDS)", transient=True) from None
        except httpx.ConnectError as exc:
            raise FetchError(url, f"cannot connect ({_reason(exc)})",
                             "check the address and that the site is up; it is tried again on the next run",
                             transient=True) from None
        except httpx.InvalidURL as exc:
            raise FetchError(url, f"not a valid URL ({exc})", "check the address") from None
        except httpx.HTTPError as exc:
            raise FetchError(url, f"the request failed ({exc.__class__.__name__}: {_reason(exc)})",
                             "it is tried again on the next run", transient=True) from None
        finally:
            self._last[origin] = time.monotonic()

    def _pace(self, origin: str) -> None:
        last = self._last.get(origin)
        if last is None:
            return
        robots = self._robots.get(origin)
        crawl_delay = robots.crawl_delay(self.agent) if isinstance(robots, RobotFileParser) else None
        delay = max(self.settings.fetch_delay_seconds, float(crawl_delay or 0))
        wait = last + delay - time.monotonic()
        if wait > 0 and self.stopped.wait(wait):
            raise FetchError(origin, "stopped", "the run was stopped", transient=True)

    # robots.txt (RFC 9309): 2xx rules apply; 4xx means no rules; 5xx or no answer means "fetch nothing".
    def _check_robots(self, url: str) -> None:
        origin = _origin(url)
        rules = self._robots.get(origin)
        if rules is None:
            rules = self._robots[origin] = self._load_robots(origin)
        if isinstance(rules, FetchError):
            raise FetchError(url, rules.reason, rules.hint, transient=True)
        if not rules.can_fetch(self.agent, url):
            raise FetchError(url, "robots.txt of the site does not allow fetching this page",
                             f"the site's operators can allow the user agent '{self.agent.split('/')[0]}'; "
                             "nothing is fetched from it until then")

    def _load_robots(self, origin: str) -> RobotFileParser | FetchError:
        cached = self.cache.robots(origin)
        if cached is None:
            robots_url = origin + "/robots.txt"
            try:
                status, body = self._fetch_robots(robots_url)
            except FetchError as exc:
                return FetchError(robots_url, f"robots.txt could not be read ({exc.reason}), "
                                  "so nothing is fetched from this site", "it is tried again on the next run",
                                  transient=True)
            if status >= 500:
                return FetchError(robots_url, f"robots.txt answered HTTP {status}, so nothing is fetched "
                                  "from this site", "it is tried again on the next run", transient=True)
            self.cache.save_robots(origin, status, body)
        else:
            status, body = cached
        parser = RobotFileParser(origin + "/robots.txt")
        if 200 <= status < 300:
            parser.parse(body.splitlines())
        else:
            parser.allow_all = True
        return parser

    def _fetch_robots(self, url: str) -> tuple[int, str]:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self._request(current, {"Accept": "text/plain"})
            except FetchError as exc:
                status = getattr(exc, "status", None)
                if status is not None:
                    return status, ""
                raise
            if response.status in (301, 302, 303, 307, 308) and response.location:
                current = urljoin(current, response.location)
                continue
            return 200, response.body[:500_000].decode("utf-8", "replace")
        return 404, ""  # a redirect loop: RFC 9309 treats it as "unavailable", i.e. no rules


class HttpStatusError(FetchError):
    def __init__(self, url: str, status: int, message: str, hint: str, transient: bool) -> None:
        super().__init__(url, message, hint, transient)
        self.status = status


def _status_error(url: str, r: httpx.Response) -> HttpStatusError:
    status, reason = r.status_code, r.reason_phrase or ""
    if status in (429, 503):
        wait = _retry_after(r.headers.get("retry-after"))
        asks = f" and asks to wait {wait} s" if wait else ""
        return HttpStatusError(url, status, f"HTTP {status} {reason}: the site is busy{asks}",
                               "it is tried again on the next run", transient=True)
    if status in (401, 403):
        return HttpStatusError(url, status, f"HTTP {status} {reason}: the site refused the request",
                               "the page may need a login, or the site blocks automated readers", transient=False)
    if status in (404, 410):
        return HttpStatusError(url, status, f"HTTP {status} {reason}: no such page",
                               "check the address; a link from a feed is tried again on the next run",
                               transient=status == 404)
    return HttpStatusError(url, status, f"HTTP {status} {reason}", "it is tried again on the next run",
                           transient=status >= 500)


def _retry_after(value: str | None) -> int | None:
    if not value:
        return None
    if value.strip().isdigit():
        return int(value.strip())
    try:
        return max(0, int(parsedate_to_datetime(value).timestamp() - time.time()))
    except (TypeError, ValueError):
        return None


def _too_large(url: str, limit: int) -> FetchError:
    return FetchError(url, f"the response is larger than {limit:,} bytes", "raise RAG_FETCH_MAX_BYTES if this "
                      "really is one feed or article")


def _gunzip(body: bytes, url: str, limit: int) -> bytes:
    """A .xml.gz sitemap served as a gzip file (not as Content-Encoding), unpacked within the size cap."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    unpack = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = unpack.decompress(body, limit + 1)
    except zlib.error:
        raise FetchError(url, "the gzip file is damaged", "check the address") from None
    if len(out) > limit:
        raise _too_large(url, limit)
    return out


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _reason(exc: Exception) -> str:
    text = str(exc) or exc.__class__.__name__
    return text if len(text) < 160 else text[:157] + "..."


# -- from URLs to articles --------------------------------------------------------------------------
@dataclass
class SourceReport:
    """What one URL given by the user came to: one line of `rag ingest` / `rag watch` output."""

    url: str
    kind: str = ""  # "feed", "sitemap", "sitemap index", "page"
    title: str = ""
    not_modified: bool = False
    links: int = 0
    fetched: int = 0  # article pages read
    stored_before: int = 0  # links skipped: their article is in the store and the listing says unchanged
    not_articles: int = 0  # links known from earlier runs to be no article, or to keep failing (skipped)
    failed: int = 0
    deferred: int = 0  # over RAG_FETCH_MAX_ARTICLES: left for the next run
    requests: int = 0

    def line(self) -> str:
        if self.not_modified:
            return f"{self.url}: not modified since the last run ({_n(self.requests, 'request')})"
        what = f"{self.kind} “{self.title}”" if self.title else (self.kind or "URL")
        if self.kind == "page" or not self.kind:
            return f"{self.url}: {what if self.kind else 'not read'} ({_n(self.requests, 'request')})" + (
                ", failed" if self.failed and self.kind else "")
        parts = [f"{self.fetched} fetched", f"{self.stored_before} already stored"]
        if self.not_articles:
            parts.append(f"{self.not_articles} known non-articles skipped")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.deferred:
            parts.append(f"{self.deferred} left for the next run (RAG_FETCH_MAX_ARTICLES)")
        return f"{self.url}: {what}, {_n(self.links, 'link')}: {', '.join(parts)} ({_n(self.requests, 'request')})"


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


@dataclass
class _Budget:
    left: int
    deferred: int = 0
    transient_failures: int = 0
    doc_ids: list[str] = field(default_factory=list)


# Outcomes of a listed link. A link that keeps failing for now (slow, 404, 5xx) is tried MAX_TRIES runs in a
# row and then left alone until its listing says it changed, so one dead link does not cost a request per run
# for ever (nor keep its feed from being answered "not modified").
OK, NOT_ARTICLE, GAVE_UP = "ok", "not-article", "gave-up"
MAX_TRIES = 3


class WebLoader:
    """Loads the URLs of one run; `reports` holds one SourceReport per URL afterwards."""

    def __init__(self, settings: Settings, stored: Stored | None = None) -> None:
        self.settings = settings
        self.stored = stored
        self.reports: list[SourceReport] = []
        self._threads: list[threading.Thread] = []

    def load(self, urls: Iterable[str]) -> Iterator[LoadResult]:
        cache = WebCache(self.settings.web_cache_path, f"{self.settings.store_location}#{self.settings.collection}")
        fetcher = Fetcher(self.settings, cache)
        seen: set[str] = set()
        try:
            for url in dict.fromkeys(u.strip() for u in urls):
                report = SourceReport(url)
                self.reports.append(report)
                before = fetcher.requests
                if urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).netloc:
                    report.failed += 1
                    yield LoadError(url, "not an http(s) URL", "give an address such as https://example.com/feed.xml")
                    continue
                budget = _Budget(self.settings.fetch_max_articles)
                yield from self._source(url, fetcher, cache, report, budget, seen, depth=0)
                report.deferred = budget.deferred
                report.requests = fetcher.requests - before
        finally:
            fetcher.stopped.set()
            for thread in self._threads:
                thread.join(self.settings.fetch_timeout_seconds + 5)
            fetcher.close()
            cache.close()

    def _held(self, doc_ids: list[str]) -> set[str]:
        """Which of these article ids the store holds (all of them when there is no store to ask)."""
        if not doc_ids:
            return set()
        if self.stored is None:
            return set(doc_ids)
        held: set[str] = set()
        for i in range(0, len(doc_ids), 500):
            held.update(self.stored(doc_ids[i:i + 500]))
        return held

    def _source(self, url: str, fetcher: Fetcher, cache: WebCache, report: SourceReport, budget: _Budget,
                seen: set[str], depth: int) -> Iterator[LoadResult]:
        known = cache.source(url)
        # Ask "has it changed?" only when every article it led to is still stored; otherwise read it again.
        validators = None
        if known and (known[0] or known[1]) and len(self._held(known[2])) == len(known[2]):
            validators = (known[0], known[1])
        try:
            response = fetcher.get(url, "listing", validators)
        except FetchError as exc:
            report.failed += 1
            budget.transient_failures += 1
            yield exc
            return
        if response.status == 304:
            if depth == 0:
                report.not_modified = True
            budget.doc_ids.extend(known[2] if known else ())
            return
        kind = sniff(response.body, response.content_type)
        if kind == PAGE:
            report.kind = report.kind or "page"
            item = self._page(response, None)
            if isinstance(item, Article):
                report.fetched += 1
                cache.save_source(url, response.etag, response.last_modified, [item.doc_id])
                budget.doc_ids.append(item.doc_id)
            else:
                report.failed += 1
            yield item
            return
        try:
            listing = read_listing(response.body, response.url, response.content_type)
        except Exception as exc:  # lxml raises several types for broken XML
            listing = None
            log.debug("unreadable listing %s: %s", url, exc)
        if listing is None:
            report.failed += 1
            report.kind = report.kind or "URL"
            ct = response.content_type.split(";")[0] or "no content type"
            yield FetchError(url, f"not a feed, sitemap or article page ({ct})",
                             "give the address of an RSS/Atom feed, a sitemap or an article page")
            return
        if depth == 0:
            report.kind, report.title = listing.kind, listing.title
        mark = (len(budget.doc_ids), budget.transient_failures, budget.deferred)
        if listing.kind == SITEMAP_INDEX:
            if depth >= MAX_SITEMAP_DEPTH:
                report.failed += 1
                yield FetchError(url, "sitemap indexes nested too deep", "give one of the inner sitemaps instead")
                return
            for child in listing.links:
                if child.url in seen:
                    continue
                seen.add(child.url)
                if budget.left <= 0:
                    budget.deferred += 1
                    continue
                yield from self._source(child.url, fetcher, cache, report, budget, seen, depth + 1)
        else:
            yield from self._links(listing, fetcher, cache, report, budget, seen)
        # Remember the validators only when every link was dealt with: a listing with links left over (or
        # failing for now) must be read again next run, not answered "not modified".
        complete = (budget.transient_failures, budget.deferred) == mark[1:]
        if not complete:
            cache.forget_source(url)
        elif listing.kind == SITEMAP_INDEX:
            # An index can stay the same while the sitemaps it lists change: it is always read again (its
            # sitemaps are then asked "changed?" one by one), so no validators are kept for it.
            cache.save_source(url, None, None, budget.doc_ids[mark[0]:])
        else:
            cache.save_source(url, response.etag, response.last_modified, budget.doc_ids[mark[0]:])

    def _links(self, listing: Listing, fetcher: Fetcher, cache: WebCache, report: SourceReport, budget: _Budget,
               seen: set[str]) -> Iterator[LoadResult]:
        links = [link for link in listing.links if link.url not in seen]
        seen.update(link.url for link in links)
        report.links += len(links)
        before = cache.links([link.url for link in links])
        held = self._held([r[1] for r in before.values() if r[1] and r[2] == OK])
        todo: list[tuple[Link, str, str]] = []  # (link, its stamp and outcome last time)
        for link in links:
            stamp, doc_id, outcome = before.get(link.url, ("", "", ""))
            if link.url in before and stamp == link.stamp:
                if outcome == OK and doc_id in held:
                    report.stored_before += 1
                    budget.doc_ids.append(doc_id)
                    continue
                if outcome in (NOT_ARTICLE, GAVE_UP):
                    report.not_articles += 1
                    continue
            if budget.left <= 0:
                budget.deferred += 1
                continue
            budget.left -= 1
            todo.append((link, stamp, outcome))
        fetched = self._fetch_ahead([link for link, _, _ in todo], fetcher)
        for (link, stamp, outcome), got in zip(todo, fetched, strict=True):
            item = self._link_item(link, got, listing)
            if isinstance(item, Article):
                report.fetched += 1
                budget.doc_ids.append(item.doc_id)
                cache.save_link(link.url, link.stamp, item.doc_id, OK)
            else:
                report.failed += 1
                tries = int(outcome.removeprefix("failed:")) if outcome.startswith("failed:") and stamp == link.stamp \
                    else 0
                if not getattr(item, "transient", False):
                    cache.save_link(link.url, link.stamp, "", NOT_ARTICLE)
                elif tries + 1 >= MAX_TRIES:
                    cache.save_link(link.url, link.stamp, "", GAVE_UP)
                    item = FetchError(item.path, f"{item.reason} ({MAX_TRIES} runs in a row)",
                                      "it is not tried again until its feed or sitemap lists it as changed")
                else:
                    cache.save_link(link.url, link.stamp, "", f"failed:{tries + 1}")
                    budget.transient_failures += 1
            yield item

    def _fetch_ahead(self, links: list[Link], fetcher: Fetcher) -> Iterator[Response | FetchError]:
        """The pages of `links`, in order, fetched by one thread up to FETCH_AHEAD pages ahead of the caller:
        the pause between two requests to a site then overlaps the caller's work (embedding what came before)
        instead of adding to it. Only HTTP happens in that thread; extraction and bookkeeping stay here."""
        if len(links) <= 1:
            for link in links:
                yield _get_page(fetcher, link.url)
            return
        results: queue.Queue = queue.Queue(maxsize=FETCH_AHEAD)

        def work() -> None:
            for link in links:
                got = _get_page(fetcher, link.url)
                while not fetcher.stopped.is_set():
                    try:
                        results.put(got, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if fetcher.stopped.is_set():
                    return

        thread = threading.Thread(target=work, name="newsrag-fetch", daemon=True)
        self._threads.append(thread)
        thread.start()
        for _ in links:
            yield results.get()

    def _link_item(self, link: Link, got: Response | FetchError, listing: Listing) -> LoadResult:
        if isinstance(got, FetchError):
            # A page robots.txt keeps us from is still an article when the feed itself carries its text.
            if link.text and not got.transient and "robots.txt" in got.message:
                return self._from_feed_text(link, listing)
            return got
        if got.status == 304:  # never asked for, but a server may send it anyway
            return FetchError(link.url, "the server answered 'not modified' to a plain request",
                              "it is tried again on the next run", transient=True)
        item = self._page(got, link)
        if isinstance(item, LoadError) and link.text:
            return self._from_feed_text(link, listing)
        return item

    def _page(self, response: Response, link: Link | None) -> LoadResult:
        from rag.loaders import article_from_html

        kind = sniff(response.body, response.content_type)
        if kind != PAGE:
            ct = response.content_type.split(";")[0] or "no content type"
            return FetchError(response.url, f"not an article page ({ct})",
                              "only HTML article pages are read; link the article's web page instead")
        listed = _listed(link)
        listed.setdefault("source", _site_name(response.url))
        item = article_from_html(response.body, response.url, url=response.url, listed=listed)
        if isinstance(item, LoadError):
            feeds = feed_links(response.body[:200_000].decode("utf-8", "replace"), response.url)
            hint = (f"this page announces a feed: rag ingest {feeds[0]}" if feeds and link is None else
                    "check it is an article page (not an index, a video or a login wall)")
            return FetchError(response.url, "no article text found on this page", hint)
        return item

    def _from_feed_text(self, link: Link, listing: Listing) -> LoadResult:
        from rag.loaders import article_from_record

        return article_from_record({"text": link.text, "title": link.title, "url": link.url, "date": link.date,
                                    "source": link.source or _site_name(link.url), "authors": list(link.authors)},
                                   link.url)


def _get_page(fetcher: Fetcher, url: str) -> Response | FetchError:
    try:
        return fetcher.get(url, "page")
    except FetchError as exc:
        return exc
    except Exception as exc:  # a bug must cost one link, never hang the run waiting on the fetching thread
        log.exception("fetching %s failed unexpectedly", url)
        return FetchError(url, f"unexpected error ({exc.__class__.__name__})", "it is tried again on the next run",
                          transient=True)


def _listed(link: Link | None) -> dict:
    if link is None:
        return {}
    out: dict = {"title": link.title or None, "date": link.date, "authors": list(link.authors)}
    if link.source:
        out["source"] = link.source
    return out


def _site_name(url: str) -> str:
    """The host without "www." when neither the page nor its feed names the publication."""
    return urlsplit(url).netloc.lower().split(":")[0].removeprefix("www.")


def load_urls(urls: Iterable[str], settings: Settings, stored: Stored | None = None) -> Iterator[LoadResult]:
    """Articles (or FetchErrors) from http(s) URLs of feeds, sitemaps and article pages.

    `stored(doc_ids)` returns the ids among `doc_ids` that the store holds (e.g. `pipeline.store.hashes`): with
    it, an article is skipped only while the store still has it; without it, the cache alone decides."""
    yield from WebLoader(settings, stored).load(urls)

