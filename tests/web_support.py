"""A small news site on 127.0.0.1 for the feed, sitemap and URL tests: article pages written for these tests,
an RSS feed, a news sitemap, a sitemap index, robots.txt, and misbehaving pages (slow, 404, not an article).
It answers conditional GETs (ETag and Last-Modified) the way real servers do and records every request."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from html import escape

from tests.conftest import free_port

# Invented local news, each with a fact a question can find.
ARTICLES = {
    "/news/2025/03/10/ferry-fares-rise": {
        "title": "Riverton ferry fares to rise by ten percent",
        "date": "2025-03-10", "author": "Mara Quill",
        "paras": ["Ferry fares in Riverton will rise by ten percent in April, the harbour authority said on Monday.",
                  "The authority said fuel and maintenance costs had grown faster than ticket sales over the "
                  "past two years, and that the night service would keep its current price.",
                  "Season tickets bought before April are not affected, a spokesperson for the authority said, "
                  "and pensioners will continue to travel free outside the morning rush hour."]},
    "/news/2025/03/11/library-opens": {
        "title": "New public library opens in Eastbrook",
        "date": "2025-03-11", "author": "Tomas Reed",
        "paras": ["Eastbrook's new public library opened on Tuesday with a reading room for four hundred people.",
                  "Mayor Ilse Varga cut the ribbon in front of a crowd of families and said the building had "
                  "been finished two months ahead of schedule and under its budget.",
                  "The library will open seven days a week and lend tools and musical instruments as well as "
                  "books, its director, Nadia Olsen, told reporters after the ceremony."]},
    "/news/2025/03/12/bridge-closed": {
        "title": "Storm closes Kestrel Bridge for a second day",
        "date": "2025-03-12", "author": "Mara Quill",
        "paras": ["Kestrel Bridge stayed closed for a second day on Wednesday as winds reached ninety kilometres "
                  "an hour over the estuary.",
                  "Engineers will inspect the cables before the bridge reopens, the roads department said, and "
                  "drivers were told to use the inland route through Millford until Friday.",
                  "Schools on the island side of the estuary stayed open but several bus routes were cancelled, "
                  "and the ferry added two extra crossings for commuters."]},
}
# Pages that name neither a title nor a date: the feed entry supplies them.
BARE = {
    "/news/2025/03/13/market-hall": {
        "feed_title": "Market hall to reopen after repairs", "date": "2025-03-13",
        "paras": ["The old market hall on Quay Street will reopen in May after a year of repairs to its roof.",
                  "Traders who moved to temporary stalls on the square will return to the hall first, the "
                  "council said, and twelve new stalls will be offered to young businesses.",
                  "The repairs cost four million crowns, most of it paid by a heritage grant from the region."]},
}
NOT_ARTICLE = "/news/index"
SLOW = "/news/2025/03/14/slow-page"
MISSING = "/news/2025/03/15/missing-page"
SECRET = "/private/2025/03/16/disallowed"


def article_html(path: str, with_meta: bool = True) -> str:
    a = ARTICLES.get(path) or BARE[path]
    paras = "".join(f"<p>{escape(p)}</p>" for p in a["paras"])
    if not with_meta or path in BARE:
        return (f"<!doctype html><html><head><meta charset='utf-8'></head><body><div class='story'>"
                f"{paras}</div></body></html>")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{escape(a['title'])} | Riverton Courier</title>
<meta property="og:site_name" content="Riverton Courier"><meta property="og:type" content="article">
<meta property="og:title" content="{escape(a['title'])}">
<meta name="author" content="{escape(a['author'])}">
<meta property="article:published_time" content="{a['date']}T08:00:00+00:00">
</head><body><nav><a href="/">Home</a> <a href="/news/index">News</a> <a href="/sport">Sport</a></nav>
<article><h1>{escape(a['title'])}</h1>{paras}</article>
<footer>© Riverton Courier. All rights reserved. <a href="/privacy">Privacy</a></footer></body></html>"""


def index_html() -> str:
    items = "".join(f'<li><a href="{p}">{escape(a["title"])}</a></li>' for p, a in ARTICLES.items())
    return (f"<!doctype html><html><head><title>News | Riverton Courier</title>"
            f'<meta property="og:type" content="website">'
            f'<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>'
            f"<body><nav><a href='/'>Home</a></nav><ul>{items}</ul></body></html>")


def rss(base: str, paths: list[str]) -> str:
    items = []
    for p in paths:
        a = ARTICLES.get(p) or BARE.get(p) or {"title": p.rsplit("/", 1)[-1].replace("-", " "), "date": "2025-03-14"}
        title = a.get("title") or a.get("feed_title")
        items.append(f"<item><title>{escape(title)}</title><link>{base}{p}</link><guid>{base}{p}</guid>"
                     f"<pubDate>{formatdate(time.mktime(time.strptime(a['date'], '%Y-%m-%d')), usegmt=True)}"
                     f"</pubDate><dc:creator>Courier staff</dc:creator></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Riverton Courier</title>'
            f"<link>{base}/</link><description>Local news</description>{''.join(items)}</channel></rss>")


def news_sitemap(base: str, paths: list[str]) -> str:
    urls = []
    for p in paths:
        a = ARTICLES.get(p) or BARE[p]
        urls.append(f"<url><loc>{base}{p}</loc><news:news><news:publication><news:name>Riverton Courier"
                    f"</news:name><news:language>en</news:language></news:publication>"
                    f"<news:publication_date>{a['date']}T08:00:00+00:00</news:publication_date>"
                    f"<news:title>{escape(a.get('title') or a.get('feed_title'))}</news:title></news:news></url>")
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(urls) + "</urlset>")


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0  # seconds before the response starts
    etag: bool = True  # answer conditional GETs
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hit:
    path: str
    at: float
    headers: dict[str, str]
    status: int


class NewsSite:
    """The routes of the test site; tests change `pages` between runs to publish, edit or break things."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.base = ""

    def set(self, path: str, body: str | bytes, **kw) -> None:
        self.pages[path] = Page(body.encode("utf-8") if isinstance(body, str) else body, **kw)

    def requests(self, path: str | None = None) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if path is None or h.path == path]

    def reset_log(self) -> None:
        with self.lock:
            self.hits.clear()

    def publish_defaults(self, slow_seconds: float = 5.0) -> None:
        """Articles, their feed (with one slow, one missing and one non-article link), a news sitemap, an
        index page, robots.txt that keeps crawlers out of /private/."""
        for p in ARTICLES:
            self.set(p, article_html(p))
        for p in BARE:
            self.set(p, article_html(p))
        self.set(NOT_ARTICLE, index_html())
        self.set(SLOW, article_html(next(iter(ARTICLES))), delay=slow_seconds)
        self.set(SECRET, article_html(next(iter(ARTICLES))))
        self.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        feed_paths = [*ARTICLES, *BARE, SLOW, MISSING, NOT_ARTICLE]
        self.set("/feed.xml", rss(self.base, feed_paths), content_type="application/rss+xml")
        self.set("/sitemap-news.xml", news_sitemap(self.base, [*ARTICLES]), content_type="application/xml")


@contextlib.contextmanager
def news_site() -> Iterator[NewsSite]:
    site = NewsSite()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path.split("?")[0]
            page = site.pages.get(path)
            status = page.status if page else 404
            etag = '"' + hashlib.sha1(page.body).hexdigest()[:16] + '"' if page and page.etag else None
            modified = formatdate(1741593600, usegmt=True) if page and page.etag else None
            if page and etag and (self.headers.get("If-None-Match") == etag
                                  or (self.headers.get("If-Modified-Since") == modified
                                      and not self.headers.get("If-None-Match"))):
                status = 304
            with site.lock:
                site.hits.append(Hit(path, time.monotonic(), dict(self.headers.items()), status))
            if page and page.delay:
                time.sleep(page.delay)
            try:
                if status == 304:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = page.body if page and status < 400 else b"<html><body>Not found</body></html>"
                self.send_response(status)
                self.send_header("Content-Type", page.content_type if page else "text/html")
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", modified)
                for k, v in (page.headers if page else {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the slow page's timeout)

        def handle(self) -> None:
            try:
                super().handle()
            except (BrokenPipeError, ConnectionResetError):
                pass  # a client that timed out or closed its keep-alive connection

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
