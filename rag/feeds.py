"""What a fetched URL holds (an RSS/Atom feed, a sitemap, a sitemap index, or a page) and the article links
a feed or sitemap lists. Parsing only: `rag.web` does the fetching.

Untrusted XML is parsed without entities or network access (lxml), and feeds are handed to feedparser as
bytes in a stream, never as a string (feedparser would treat a string as a URL or a file name to open).
"""

from __future__ import annotations

import calendar
import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urljoin

from rag.articles import parse_date

FEED, SITEMAP, SITEMAP_INDEX, PAGE, UNKNOWN = "feed", "sitemap", "sitemap index", "page", "unknown"
_FEED_ROOTS = {"rss": FEED, "feed": FEED, "RDF": FEED, "urlset": SITEMAP, "sitemapindex": SITEMAP_INDEX,
               "html": PAGE}
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# A feed entry's own text is used only when it is a whole article (some feeds carry just a teaser).
MIN_FEED_TEXT_WORDS = 80


@dataclass(frozen=True)
class Link:
    """One URL a feed or sitemap lists, with what the listing says about it. The page's own metadata wins
    over these; they fill what the page lacks."""

    url: str
    title: str = ""
    date: date | None = None
    authors: tuple[str, ...] = ()
    source: str | None = None  # the feed's title, or the news sitemap's publication name
    stamp: str = ""  # changes when the listing says the article changed (updated, lastmod); "" when not said
    text: str = ""  # the article's full text when the feed carries it (content:encoded), else ""

    @property
    def order_key(self) -> tuple[str, str]:
        return (self.date.isoformat() if self.date else "", self.stamp)


@dataclass(frozen=True)
class Listing:
    kind: str  # FEED, SITEMAP or SITEMAP_INDEX
    title: str
    links: tuple[Link, ...]  # article pages (feed, sitemap) or child sitemaps (sitemap index)


def sniff(body: bytes, content_type: str = "") -> str:
    """FEED, SITEMAP, SITEMAP_INDEX, PAGE or UNKNOWN, from the body's root element (the Content-Type header
    is often wrong: feeds are served as text/html or text/plain, sitemaps as application/octet-stream)."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    mime = content_type.split(";")[0].strip().lower()
    if head.startswith(b"<?xml") or (head.startswith(b"<") and not _looks_html(head)) or mime.endswith("xml"):
        root = root_name(body)
        if root is not None:
            return _FEED_ROOTS.get(root, UNKNOWN)
    if mime in _HTML_TYPES or _looks_html(head):
        return PAGE
    return UNKNOWN


def _looks_html(head: bytes) -> bool:
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:1024]


def _xml_parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True,
                           remove_pis=True, recover=False)


def root_name(body: bytes) -> str | None:
    """Local name of the document's root element ("rss", "urlset", ...), or None if it is not XML."""
    from lxml import etree

    try:
        for _, element in etree.iterparse(io.BytesIO(body), events=("start",), resolve_entities=False,
                                          no_network=True, huge_tree=False):
            return etree.QName(element).localname
    except etree.XMLSyntaxError:
        return None
    return None


def read_listing(body: bytes, url: str, content_type: str = "") -> Listing | None:
    """The links of a feed, sitemap or sitemap index; None when the body is none of them."""
    kind = sniff(body, content_type)
    if kind == FEED:
        return parse_feed(body, url, content_type)
    if kind in (SITEMAP, SITEMAP_INDEX):
        return parse_sitemap(body, url)
    return None


# -- feeds ------------------------------------------------------------------------------------------
def parse_feed(body: bytes, url: str, content_type: str = "application/xml") -> Listing:
    import feedparser

    parsed = feedparser.parse(io.BytesIO(body), response_headers={
        "content-location": url, "content-type": content_type or "application/xml"})
    title = " ".join(str(parsed.feed.get("title") or "").split())
    links = []
    for entry in parsed.entries:
        link = entry.get("link") or _first_alternate(entry)
        if not link:
            continue
        raw = dict(entry)  # plain lookups: FeedParserDict maps a missing "updated" to "published" with a warning
        stamp = str(raw.get("updated") or raw.get("published") or "")
        when = _struct_date(raw.get("published_parsed") or raw.get("updated_parsed"))
        authors = tuple(a["name"].strip() for a in entry.get("authors") or () if (a.get("name") or "").strip())
        if not authors and (entry.get("author") or "").strip():
            authors = (entry["author"].strip(),)
        links.append(Link(url=urljoin(url, link.strip()), title=" ".join(str(entry.get("title") or "").split()),
                          date=when, authors=authors, source=title or None, stamp=stamp,
                          text=_entry_text(entry)))
    return Listing(FEED, title, tuple(links))


def _first_alternate(entry) -> str | None:
    for link in entry.get("links") or ():
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link["href"]
    return None


def _struct_date(value: time.struct_time | None) -> date | None:
    # feedparser normalises every date it understands to a UTC struct_time.
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC).date()
    except (OverflowError, ValueError, OSError):
        return None


def _entry_text(entry) -> str:
    """The entry's full text (content:encoded, atom content, or a description that is really the article);
    "" when it is only a teaser."""
    candidates = [c.get("value") or "" for c in entry.get("content") or ()] + [entry.get("summary") or ""]
    for value in candidates:
        text = html_to_text(value)
        if len(text.split()) >= MIN_FEED_TEXT_WORDS:
            return text
    return ""


_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "article")


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment, one paragraph per line (scripts and styles dropped)."""
    if not fragment.strip():
        return ""
    if "<" not in fragment:
        return " ".join(fragment.split())
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


# -- sitemaps ---------------------------------------------------------------------------------------
def parse_sitemap(body: bytes, url: str) -> Listing:
    """<urlset> (with Google News' <news:news> when present) or <sitemapindex>; newest entries first."""
    from lxml import etree

    root = etree.fromstring(body, parser=_xml_parser())
    kind = SITEMAP_INDEX if etree.QName(root).localname == "sitemapindex" else SITEMAP
    links = []
    for item in root:
        if not isinstance(item.tag, str) or etree.QName(item).localname not in ("url", "sitemap"):
            continue
        fields = _children(item)
        loc = fields.get("loc", "").strip()
        if not loc:
            continue
        news = next((c for c in item if isinstance(c.tag, str) and etree.QName(c).localname == "news"), None)
        title, published, source = "", None, None
        if news is not None:
            nf = _children(news)
            title = " ".join(nf.get("title", "").split())
            published = _w3c_date(nf.get("publication_date"))
            publication = next((c for c in news if isinstance(c.tag, str)
                                and etree.QName(c).localname == "publication"), None)
            if publication is not None:
                source = " ".join(_children(publication).get("name", "").split()) or None
        lastmod = fields.get("lastmod", "").strip()
        links.append(Link(url=urljoin(url, loc), title=title, date=published, source=source,
                          stamp=lastmod or (published.isoformat() if published else "")))
    # Newest first, so a capped run takes this week's articles, not the archive's oldest.
    links.sort(key=lambda link: (link.order_key[0] or link.stamp[:10], link.stamp), reverse=True)
    return Listing(kind, "", tuple(links))


def _children(element) -> dict[str, str]:
    from lxml import etree

    return {etree.QName(c).localname: (c.text or "") for c in element if isinstance(c.tag, str)}


def _w3c_date(value: str | None) -> date | None:
    try:
        return parse_date((value or "").strip() or None)
    except ValueError:
        return None


# -- pages ------------------------------------------------------------------------------------------
_ALTERNATE = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml")


def feed_links(html: str, base_url: str) -> list[str]:
    """Feeds a page announces (<link rel="alternate" type="application/rss+xml" href=...>), for hints."""
    found = []
    for tag in _ALTERNATE.findall(html[:200_000]):
        attrs = dict(re.findall(r'([\w-]+)\s*=\s*["\']([^"\']*)["\']', tag))
        attrs = {k.lower(): v for k, v in attrs.items()}
        if "alternate" in attrs.get("rel", "").lower() and attrs.get("type", "").lower() in _FEED_TYPES \
                and attrs.get("href"):
            found.append(urljoin(base_url, attrs["href"]))
    return list(dict.fromkeys(found))
