"""Feeds, sitemaps and article URLs (rag.web, rag.feeds) against a news site served on 127.0.0.1: what is
fetched, how politely, what each failure says, and that an unchanged feed costs one conditional request.

`stored` stands in for the store (a set of article ids, updated the way an ingest would), so these tests
need no model; tests/test_web_cli.py drives the same code through `rag ingest` and `rag watch`."""

from __future__ import annotations

import gzip
import time
from datetime import date

import pytest

from rag.articles import Article
from rag.config import Settings
from rag.errors import FetchError, LoadError
from rag.feeds import MIN_FEED_TEXT_WORDS, html_to_text, read_listing, sniff
from rag.web import MAX_TRIES, WebLoader
from tests.web_support import (
    ARTICLES,
    BARE,
    MISSING,
    NOT_ARTICLE,
    SECRET,
    SLOW,
    article_html,
    news_site,
    news_sitemap,
    rss,
)

GOOD = [*ARTICLES]  # three article pages with full metadata


@pytest.fixture
def site():
    with news_site() as s:
        s.publish_defaults(slow_seconds=10)
        s.set("/good.xml", rss(s.base, GOOD), content_type="application/rss+xml")
        yield s


@pytest.fixture
def settings(monkeypatch):
    monkeypatch.setenv("RAG_FETCH_DELAY_SECONDS", "0")
    monkeypatch.setenv("RAG_FETCH_TIMEOUT_SECONDS", "1")
    return Settings()


class FakeStore:
    """What the loader asks a store: which of these article ids do you hold? Ingesting adds them."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def __call__(self, doc_ids: list[str]) -> set[str]:
        return {d for d in doc_ids if d in self.ids}


def run(settings: Settings, urls: list[str], store: FakeStore | None = None):
    """One ingest run: (articles, errors, loader); the articles are then 'stored'."""
    loader = WebLoader(settings, stored=store)
    items = list(loader.load(urls))
    articles = [i for i in items if isinstance(i, Article)]
    if store is not None:
        store.ids.update(a.doc_id for a in articles)
    return articles, [i for i in items if isinstance(i, LoadError)], loader


def test_feed_articles_take_page_metadata_and_the_feed_fills_gaps(site, settings):
    started = time.monotonic()
    articles, errors, loader = run(settings, [site.base + "/feed.xml"])
    elapsed = time.monotonic() - started
    by_title = {a.display_title: a for a in articles}
    assert set(by_title) == {a["title"] for a in ARTICLES.values()} | {b["feed_title"] for b in BARE.values()}
    ferry = by_title["Riverton ferry fares to rise by ten percent"]
    assert ferry.source == "Riverton Courier" and ferry.authors == ("Mara Quill",) and ferry.date == date(2025, 3, 10)
    assert ferry.url == site.base + "/news/2025/03/10/ferry-fares-rise"
    assert "ten percent in April" in ferry.text and "All rights reserved" not in ferry.text
    assert ferry.text.startswith("Ferry fares in Riverton")  # the headline is the title, not the first "sentence"
    # A page without title, date or author gets the feed entry's; the feed's title names the source.
    hall = by_title["Market hall to reopen after repairs"]
    assert hall.date == date(2025, 3, 13) and hall.authors == ("Courier staff",) and hall.source == "Riverton Courier"

    # Each bad link is one failure naming its URL and saying what to do; the others still load.
    failed = {e.path: e for e in errors}
    assert set(failed) == {site.base + p for p in (SLOW, MISSING, NOT_ARTICLE)}
    assert "no complete response within 1 s" in failed[site.base + SLOW].message
    assert "HTTP 404" in failed[site.base + MISSING].message
    assert "no article text" in failed[site.base + NOT_ARTICLE].message
    assert all(e.hint for e in errors) and all(isinstance(e, FetchError) for e in errors)
    assert elapsed < 8, "the 10-second page must time out after RAG_FETCH_TIMEOUT_SECONDS"
    (report,) = loader.reports
    assert report.kind == "feed" and report.title == "Riverton Courier"
    assert (report.links, report.fetched, report.failed) == (7, 4, 3)
    assert "7 links: 4 fetched" in report.line()


def test_unchanged_feed_costs_one_conditional_request_and_yields_nothing(site, settings):
    store = FakeStore()
    first, errors, _ = run(settings, [site.base + "/good.xml"], store)
    assert len(first) == 3 and not errors
    assert [h.path for h in site.requests()] == ["/robots.txt", "/good.xml", *GOOD]
    site.reset_log()

    again, errors, loader = run(settings, [site.base + "/good.xml"], store)
    assert again == [] and errors == []
    (hit,) = site.requests()
    assert hit.path == "/good.xml" and hit.status == 304 and hit.headers.get("If-None-Match")
    assert loader.reports[0].not_modified and "not modified" in loader.reports[0].line()


def test_a_changed_feed_fetches_only_the_new_article(site, settings):
    store = FakeStore()
    run(settings, [site.base + "/good.xml"], store)
    new = next(iter(BARE))
    site.set("/good.xml", rss(site.base, [new, *GOOD]), content_type="application/rss+xml")
    site.reset_log()
    articles, errors, loader = run(settings, [site.base + "/good.xml"], store)
    assert [a.url for a in articles] == [site.base + new] and not errors
    assert [h.path for h in site.requests()] == ["/good.xml", new]
    assert (loader.reports[0].fetched, loader.reports[0].stored_before) == (1, 3)


def test_articles_the_store_lost_are_fetched_again(site, settings):
    store = FakeStore()
    run(settings, [site.base + "/good.xml"], store)
    store.ids.clear()  # e.g. the store was wiped, or the last batch was never written (Ctrl-C)
    site.reset_log()
    articles, _, _ = run(settings, [site.base + "/good.xml"], store)
    assert len(articles) == 3
    feed_hit = site.requests("/good.xml")[0]
    assert feed_hit.status == 200 and "If-None-Match" not in feed_hit.headers


def test_news_sitemap_newest_first_with_publication_name(site, settings):
    articles, errors, loader = run(settings, [site.base + "/sitemap-news.xml"])
    assert not errors
    assert [a.date for a in articles] == sorted((a.date for a in articles), reverse=True)
    assert {a.source for a in articles} == {"Riverton Courier"} and len(articles) == 3
    assert loader.reports[0].kind == "sitemap"


def test_sitemap_index_and_gzipped_sitemap(site, settings):
    paths = [*ARTICLES]
    site.set("/s1.xml", news_sitemap(site.base, paths[:2]), content_type="application/xml")
    site.set("/s2.xml.gz", gzip.compress(news_sitemap(site.base, paths[2:]).encode()),
             content_type="application/x-gzip")
    site.set("/index.xml", f"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{site.base}/s1.xml</loc><lastmod>2025-03-11</lastmod></sitemap>
<sitemap><loc>/s2.xml.gz</loc><lastmod>2025-03-12</lastmod></sitemap></sitemapindex>""", content_type="text/xml")
    store = FakeStore()
    articles, errors, loader = run(settings, [site.base + "/index.xml"], store)
    assert len(articles) == 3 and not errors and loader.reports[0].kind == "sitemap index"
    site.reset_log()
    # Next run: the index is read again (it can stay the same while its sitemaps change); each sitemap is
    # asked whether it changed; no article page is fetched.
    articles, errors, _ = run(settings, [site.base + "/index.xml"], store)
    assert articles == [] and not errors
    assert sorted((h.path, h.status) for h in site.requests()) == [
        ("/index.xml", 200), ("/s1.xml", 304), ("/s2.xml.gz", 304)]


def test_robots_txt_is_obeyed_and_requests_to_a_host_are_paced(site, monkeypatch):
    monkeypatch.setenv("RAG_FETCH_DELAY_SECONDS", "0.1")
    site.set("/robots.txt", "User-agent: *\nDisallow: /private/\nCrawl-delay: 1\n", content_type="text/plain")
    site.set("/mixed.xml", rss(site.base, [*GOOD, SECRET]), content_type="application/rss+xml")
    settings = Settings()
    articles, errors, _ = run(settings, [site.base + "/mixed.xml"])
    assert len(articles) == 3
    (refused,) = errors
    assert refused.path == site.base + SECRET and "robots.txt" in refused.message and refused.hint
    hits = site.requests()
    assert SECRET not in [h.path for h in hits]  # never requested
    gaps = [b.at - a.at for a, b in zip(hits, hits[1:], strict=False)]
    assert min(gaps) >= 0.95, gaps  # the site's Crawl-delay (1 s) wins over RAG_FETCH_DELAY_SECONDS
    assert {h.headers.get("User-Agent") for h in hits} == {settings.fetch_user_agent}


def test_requests_to_a_host_are_paced_by_the_setting(site, monkeypatch):
    monkeypatch.setenv("RAG_FETCH_DELAY_SECONDS", "0.3")
    run(Settings(), [site.base + "/good.xml"])
    hits = site.requests()
    assert len(hits) == 5 and min(b.at - a.at for a, b in zip(hits, hits[1:], strict=False)) >= 0.28


def test_pages_are_fetched_ahead_while_the_caller_works_and_stop_when_it_stops(site, monkeypatch):
    monkeypatch.setenv("RAG_FETCH_DELAY_SECONDS", "0.2")
    paths = [*ARTICLES, *BARE]
    site.set("/four.xml", rss(site.base, paths), content_type="application/rss+xml")
    loader = WebLoader(Settings())
    items = loader.load([site.base + "/four.xml"])
    assert isinstance(next(items), Article)
    time.sleep(2)  # the caller is busy (e.g. embedding): the other pages arrive meanwhile
    assert [h.path for h in site.requests()][2:] == paths
    assert all(isinstance(i, Article) for i in items)

    site.reset_log()
    site.set("/four.xml", rss(site.base, paths + [f"/more/{i}" for i in range(20)]), content_type="application/rss+xml")
    loader = WebLoader(Settings())
    items = loader.load([site.base + "/four.xml"])
    next(items)
    items.close()  # the caller stopped (Ctrl-C): no request is made after that
    asked = len(site.requests())
    time.sleep(1)
    assert len(site.requests()) == asked and not any(t.is_alive() for t in loader._threads)


def test_robots_txt_server_error_means_nothing_is_fetched(site, settings):
    site.set("/robots.txt", "down", status=503, content_type="text/plain")
    articles, errors, _ = run(settings, [site.base + "/good.xml"])
    assert articles == [] and len(errors) == 1
    assert "robots.txt answered HTTP 503" in errors[0].message and errors[0].transient
    assert [h.path for h in site.requests()] == ["/robots.txt"]


def test_single_article_url_follows_redirects_and_is_keyed_by_the_final_url(site, settings):
    target = next(iter(ARTICLES))
    site.set("/short/ferry", b"", status=301, headers={"Location": target})
    articles, errors, loader = run(settings, [site.base + "/short/ferry"])
    assert not errors and len(articles) == 1
    assert articles[0].url == site.base + target and articles[0].doc_id.endswith(target)
    assert loader.reports[0].kind == "page"


def test_feed_text_stands_in_for_a_page_robots_txt_keeps_us_from(site, settings):
    sentence = "The harbour authority published its annual report on Thursday."
    words = " ".join([sentence] * (MIN_FEED_TEXT_WORDS // 8 + 1))
    site.set("/full.xml", f"""<?xml version="1.0"?><rss version="2.0"
xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Riverton Courier</title>
<item><title>Harbour report published</title><link>{site.base}{SECRET}</link>
<pubDate>Sun, 16 Mar 2025 08:00:00 GMT</pubDate><content:encoded><![CDATA[<p>{words}</p>]]></content:encoded>
</item></channel></rss>""", content_type="application/rss+xml")
    (article,), errors, _ = run(settings, [site.base + "/full.xml"])
    assert not errors
    assert article.display_title == "Harbour report published" and article.date == date(2025, 3, 16)
    assert article.text.startswith("The harbour authority published") and article.source == "Riverton Courier"
    assert SECRET not in [h.path for h in site.requests()]


def test_size_cap_and_article_cap(site, monkeypatch):
    monkeypatch.setenv("RAG_FETCH_DELAY_SECONDS", "0")
    monkeypatch.setenv("RAG_FETCH_MAX_BYTES", "10000")
    monkeypatch.setenv("RAG_FETCH_MAX_ARTICLES", "2")
    site.set("/huge", article_html(GOOD[0]) + "<!--" + "x" * 20_000 + "-->")
    store = FakeStore()
    settings = Settings()
    _, errors, _ = run(settings, [site.base + "/huge"], store)
    assert "larger than 10,000 bytes" in errors[0].message and "RAG_FETCH_MAX_BYTES" in errors[0].hint
    first, _, loader = run(settings, [site.base + "/good.xml"], store)
    assert len(first) == 2 and loader.reports[0].deferred == 1 and "left for the next run" in loader.reports[0].line()
    rest, _, loader = run(settings, [site.base + "/good.xml"], store)
    assert len(rest) == 1 and loader.reports[0].stored_before == 2  # the next run takes the rest
    assert {a.url for a in first + rest} == {site.base + p for p in GOOD}


def test_a_dead_link_is_given_up_after_a_few_runs(site, settings):
    site.set("/dead.xml", rss(site.base, [*GOOD, MISSING]), content_type="application/rss+xml")
    store = FakeStore()
    for _ in range(MAX_TRIES):
        _, errors, _ = run(settings, [site.base + "/dead.xml"], store)
        assert [e.path for e in errors] == [site.base + MISSING]
    assert "not tried again" in errors[0].hint
    site.reset_log()
    articles, errors, _ = run(settings, [site.base + "/dead.xml"], store)
    assert articles == [] and errors == [] and [h.status for h in site.requests()] == [304]


def test_urls_that_are_not_feeds_sitemaps_or_pages(site, settings):
    site.set("/notes.txt", "just some text", content_type="text/plain")
    _, errors, _ = run(settings, ["ftp://example.com/feed.xml", site.base + "/notes.txt", site.base + NOT_ARTICLE,
                                  "http://127.0.0.1:9/feed.xml"])
    messages = [str(e) for e in errors]
    assert "ftp://example.com/feed.xml: not an http(s) URL" in messages[0]
    assert "not a feed, sitemap or article page (text/plain)" in messages[1]
    # An index page that announces a feed says which command would read it.
    assert "no article text" in messages[2] and f"rag ingest {site.base}/feed.xml" in messages[2]
    assert "cannot connect" in messages[3] or "could not be read" in messages[3]


# -- parsing (no server) ------------------------------------------------------------------------------
def test_sniff_and_hostile_xml():
    assert sniff(b"<?xml version='1.0'?><rss><channel/></rss>", "text/html") == "feed"
    assert sniff(b"\xef\xbb\xbf<feed xmlns='http://www.w3.org/2005/Atom'/>", "") == "feed"
    assert sniff(b"<urlset/>", "application/octet-stream") == "sitemap"
    assert sniff(b"<!DOCTYPE html><html><body>x</body></html>", "") == "page"
    assert sniff(b"%PDF-1.4 ...", "application/pdf") == "unknown"
    # Entities are never expanded (no billion laughs, no file reads).
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY f SYSTEM "file:///etc/passwd">]><urlset><url><loc>&b;&f;</loc></url></urlset>')
    listing = read_listing(bomb, "http://h/sitemap.xml")
    assert listing is not None and all("aaaa" not in link.url and "root" not in link.url for link in listing.links)


def test_feed_html_to_text_keeps_paragraphs_and_drops_scripts():
    assert html_to_text("<p>One <b>two</b></p><p>Three</p><script>alert(1)</script>") == "One two\nThree"
