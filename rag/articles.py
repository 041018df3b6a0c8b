"""The article record every loader produces and the store keeps."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit, urlunsplit

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d/%H:%M", "%d %B %Y", "%B %d, %Y")
TITLE_MAX = 110


@dataclass(frozen=True)
class Article:
    text: str
    title: str = ""
    id: str | None = None
    url: str | None = None
    date: date | None = None
    source: str | None = None
    authors: tuple[str, ...] = field(default_factory=tuple)
    origin: str = ""  # the file (and line) it came from, for messages only

    @property
    def doc_id(self) -> str:
        """Identity: the explicit id, else the canonical URL, else a hash of the text."""
        if self.id:
            return str(self.id)
        if self.url:
            return canonical_url(self.url)
        return "sha1:" + hashlib.sha1(self.text.encode("utf-8")).hexdigest()[:20]

    @property
    def display_title(self) -> str:
        return self.title.strip() or title_from_lead(self.text)

    @property
    def content_hash(self) -> str:
        """Changes whenever anything a reader could see changes, so re-ingest can detect edits."""
        parts = [self.text, self.display_title, self.url or "", self.iso_date or "", self.source or "",
                 "|".join(self.authors)]
        return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()

    @property
    def iso_date(self) -> str | None:
        return self.date.isoformat() if self.date else None


def canonical_url(url: str) -> str:
    """Drop scheme, query and fragment and a trailing slash; fold edition.cnn.com style mirrors."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.").removeprefix("edition.")
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, "", ""))


def parse_date(value: object) -> date | None:
    """Accept date/datetime objects and ISO or YYYY/MM/DD strings; None for empty values."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    m = re.match(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", text)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    raise ValueError(f"unrecognised date {text!r}; use YYYY-MM-DD or YYYY/MM/DD")


def title_from_lead(text: str) -> str:
    """A display title taken from the lead sentence (never invented), cut at a word boundary."""
    from rag.sentences import split_sentences

    spans = split_sentences(text)
    lead = text[spans[0][0]:spans[0][1]] if spans else text.strip()
    lead = " ".join(lead.split())
    if len(lead) <= TITLE_MAX:
        return lead.rstrip(".")
    cut = lead[:TITLE_MAX].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
