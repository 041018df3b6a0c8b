"""The article record every loader produces and the store keeps."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import unquote, urlsplit, urlunsplit

from rag import lexicon as L

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

    def __post_init__(self) -> None:
        # Every loader's article passes here, so no photo gallery or video teaser reaches the index (without_galleries).
        object.__setattr__(self, "text", without_galleries(self.text))

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
        """The headline; without one, the URL slug's words, else the lead sentence (never a dateline)."""
        return " ".join(self.title.split()) or title_from_url(self.url) or title_from_lead(self.text)

    @property
    def content_hash(self) -> str:
        """Changes whenever anything a reader could see changes, so re-ingest can detect edits."""
        parts = [self.text, self.display_title, self.url or "", self.iso_date or "", self.source or "",
                 "|".join(self.authors)]
        return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()

    @property
    def iso_date(self) -> str | None:
        return self.date.isoformat() if self.date else None


# Query parameters that only say how a reader arrived (campaign, click and mailing ids), never which
# article it is: dropped from ids. Everything else in the query is kept, since some sites (newsletter
# click-through links, `article.php?id=...`) identify the article by it.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "li_fat_id", "igshid",
    "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id",
    "rb_clickid", "s_cid", "cmpid", "ocid", "ref_src", "ref_url", "sr_share", "smid", "at_medium", "at_campaign",
    "amp", "outputtype",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "itm_")
# Parameters that are tracking on one site but may be content elsewhere (a "cid" can be a content id).
TRACKING_PARAMS_BY_HOST: dict[str, frozenset[str]] = {"cnn.com": frozenset({"cid"})}


def canonical_url(url: str) -> str:
    """An article's URL as its identity: https, lower-case host without `www.`/`edition.` (CNN's
    mirror), no trailing slash or fragment, and the query without tracking parameters (the rest sorted,
    each kept byte for byte). Never raises: a string that does not parse as a URL is its own key."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    if not parts.netloc:  # not a web address (no host): nothing to canonicalise
        return url.strip()
    host = parts.netloc.lower().removeprefix("www.").removeprefix("edition.")
    path = parts.path.strip().rstrip("/") or "/"
    by_host = TRACKING_PARAMS_BY_HOST.get(host, frozenset())
    kept = []
    for param in parts.query.split("&"):
        name = param.split("=", 1)[0].lower()
        if param and name not in TRACKING_PARAMS and name not in by_host and not name.startswith(TRACKING_PREFIXES):
            kept.append(param)
    return urlunsplit(("https", host, path, "&".join(sorted(kept)), ""))


def id_candidates(ref: str) -> tuple[str, ...]:
    """The ids an article someone refers to may be stored under: the reference as given, and for a
    web address its canonical URL (how articles identified only by URL are keyed)."""
    ref = ref.strip()
    ids = [ref]
    if ref.lower().startswith(("http://", "https://")):
        ids.append(canonical_url(ref))
    return tuple(dict.fromkeys(ids))


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
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass  # e.g. month 13: said below like any other unreadable date
    raise ValueError(f"unrecognised date {text[:40]!r}; use YYYY-MM-DD or YYYY/MM/DD")


# A dateline opens the copy of most wire and network stories. Three shapes, all anchored at the start:
#   "SEOUL, Jan. 6 (Yonhap) --", "New York (CNN Business)", "KYIV, Ukraine (AP) —"   (agency in parentheses; an
#   unknown one only before a dash, so "Tesla Inc (TSLA) said" keeps its subject)
#   "New York CNN Business —", "CNN —", "Reuters —"                                (known agency, then a dash)
#   "WASHINGTON —", "SAN JUAN, Puerto Rico —", "Le BOURGET, France –"          (capitalised place, then a dash)
_PLACE = r"[A-Z][\w.'’-]*(?:(?:,?[ \t]+|/)[\w.'’-]+){0,6}?"  # a report filed from two desks: "Hong Kong/New York"
_DASH = r"(?:—|–|--|-(?=\s))"  # a lone hyphen only as a separator ("AP-NORC poll" is no dateline)
_AGENCIES = "|".join(re.escape(a) for a in L.DATELINE_AGENCIES)
_DATELINES = (
    # (a known agency's desk, however spelled, is the agency: "(CNN Business)", "(CNNBusiness)", "(CNN Buiness)")
    re.compile(rf"^[ \t]*(?:{_PLACE}[ \t,]*)?\((?:{_AGENCIES})(?:[ \t]?[A-Z][a-z]+)?\)[ \t]*(?:{_DASH}[ \t]*)?"),
    re.compile(rf"^[ \t]*(?:{_PLACE}[ \t,]*)?\([A-Z][\w.&' ]{{0,29}}\)[ \t]*{_DASH}[ \t]*"),  # "(Any Agency) —"
    re.compile(rf"^[ \t]*(?:{_PLACE}[ \t,]+)?(?:{_AGENCIES})[ \t]*{_DASH}[ \t]*"),
    # (a short particle may open the place: "Le BOURGET, France –", "St. LOUIS –")
    re.compile(r"^[ \t]*(?:[A-Z][a-z]{1,2}\.?[ \t]+)?[A-Z][A-Z.'’-]+(?:,?[ \t]+[A-Z][\w.'’-]*){0,4}[ \t]*"
               r"(?:—|–|--)[ \t]*"),
)
_MONTH_WORDS = "|".join(sorted(L.MONTH_ABBREVIATIONS | set(L.MONTHS), key=len, reverse=True))
_DATELINE_DAY = re.compile(rf",?\s+(?i:{_MONTH_WORDS})\.?\s+\d{{1,2}}$")  # "SEOUL, Jan. 6 (Yonhap)": its date
_DASH_END = re.compile(r"(?:—|–|--)\s*$")
_SLUG_SKIP = {"index", "amp", "article", "articles", "story", "stories", "news", "view", "content", "print"}


# One photo of a gallery as news pages' text extraction leaves it inline: "Photos: <gallery title> <caption>. Hide
# Caption 3 of 38". CNN's galleries run to hundreds of photos of past years ("... at a news conference in London in
# June 2016"): quoted as this report's news, they answer "when did he announce it?" with a photo's date.
_GALLERY_PHOTO = re.compile(r"Photos: [^\n]*?Hide Caption \d+ of \d+[ \t]*")
# A video player the same way: "JUST WATCHED <another story's headline> Replay More Videos ... MUST WATCH <the same
# headline> 03:50". The headline is another story's, undated: no sentence of this one.
_VIDEO_PLAYER = re.compile(r"JUST WATCHED [^\n]*?Replay More Videos \.\.\. MUST WATCH [^\n]*?"
                           r"\d{1,2}:\d{2}(?::\d{2})?[ \t]*")


# A label, then a colon: set glued to the link ("More:Ned Eisenberg ...", "Why she did it:Republican Rep. ...").
_LABEL = re.compile(r"[ \t]*([A-Za-z][A-Za-z'’ -]{0,40}?)[ \t]*:([ \t]*)(?=\S)")


def linked_headline(sentence: str) -> str | None:
    """The headline of a link to another story that a page sets inline with a label ("More:Ned Eisenberg ... dead
    at 65" -> "Ned Eisenberg ... dead at 65", "VISUAL EXPLAINER: Go inside NASA's plan ...", "Why she did
    it:Republican Rep. Liz Cheney is on track to lose"); None when the sentence is no such link. A known label
    counts however it is set; another only glued to the link and written in capitals or with a lower-case word
    ("MLB broken wrist:Red Sox ..."). One capitalised word glued is a roundup's dateline ("Salem:Amazon on Friday
    kicked off ..."), and a label before a space a speaker's ("PHILLIP: Mayor Buttigieg, ...") or a note's
    ("UPDATE: The recall grew ...")."""
    m = _LABEL.match(sentence)
    if not m:
        return None
    label = m.group(1)
    known = label.lower() in L.TEASER_LABELS or label.lower().endswith(" newsletter")
    glued = not m.group(2) and (label.isupper() or any(w[:1].islower() for w in label.split()))
    return sentence[m.end():] if known or glued else None


def without_galleries(text: str) -> str:
    """The article text without its photo galleries' captions and its video players' teasers (an article that is
    nothing else is kept whole)."""
    if "Hide Caption" not in text and "JUST WATCHED" not in text:
        return text
    kept = _VIDEO_PLAYER.sub("", _GALLERY_PHOTO.sub("", text))
    kept = re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", kept)).strip()
    return kept if any(ch.isalnum() for ch in kept) else text


def strip_dateline(text: str) -> str:
    """The text without a leading dateline ("New York CNN —", "SEOUL, Jan. 6 (Yonhap) --"); unchanged if none."""
    head = text.lstrip()
    for pattern in _DATELINES:
        m = pattern.match(head)
        if m and len(m.group(0)) <= 80 and (m.end() < len(head) or _DASH_END.search(head)):
            return head[m.end():].lstrip()
    return text


def dateline_place(text: str) -> str | None:
    """Where a report was filed, from its leading dateline: "London (CNN) UK Prime Minister ..." -> "London",
    "BOGOTA, Colombia — ..." -> "Bogota, Colombia", "SEOUL, Jan. 6 (Yonhap) --" -> "Seoul"; None when the text
    opens with no dateline or the dateline names no place ("(CNN) ...", "CNN — ...")."""
    head = text.lstrip()
    body = strip_dateline(head)
    if body == head:
        return None
    line = head[:len(head) - len(body)]
    place = re.sub(r"\([^)]*\)", " ", line)  # the agency in parentheses
    place = re.sub(rf"(?:{_DASH}|\s)+$", "", place)
    place = re.sub(rf"(?:^|[ \t,]+)(?:{_AGENCIES})$", "", place)  # "New York CNN Business —": the agency before a dash
    place = _DATELINE_DAY.sub("", place.strip(" \t,"))
    place = re.sub(r"\b[A-Z]{3,}\b", lambda m: m.group(0).capitalize(), place)  # "SAN JUAN" -> "San Juan"
    return place.strip(" \t,") or None


def title_from_url(url: str | None) -> str:
    """Words of the URL's slug ("/2022/06/12/media/squid-game-season-2/index.html" -> "Squid game season 2"),
    or "" when the path holds no slug (ids, dates, "index.html")."""
    if not url:
        return ""
    for segment in reversed([unquote(s) for s in urlsplit(url.strip()).path.split("/") if s]):
        stem = re.sub(r"\.(?:s?html?|php|aspx?|jsp)$", "", segment, flags=re.IGNORECASE)
        stem_words = re.sub(r"[-_]\d{4}[-_]\d{1,2}[-_]\d{1,2}$", "", stem)  # "...-2022-06-12": a date, not words
        words = [w for w in re.split(r"[-_+]+", stem_words) if w]
        # Trailing ids ("...-a1b2c3d4e5", "...-7583491001", "...-idUSKBN2NT0X5") are not words of the headline.
        while words and (re.fullmatch(r"\d{5,}|id[A-Z0-9]{6,}", words[-1]) or
                         (len(words[-1]) >= 8 and sum(c.isdigit() for c in words[-1]) >= 3)):
            words.pop()
        if stem.lower() in _SLUG_SKIP or len(words) < 2 or not any(re.search(r"[^\W\d_]{2,}", w) for w in words):
            continue
        title = " ".join(words)
        return title[0].upper() + title[1:]
    return ""


def title_from_lead(text: str) -> str:
    """A display title taken from the lead sentence after any dateline (never invented, never a bare
    dateline), cut at a word boundary."""
    from rag.sentences import split_sentences

    text = strip_dateline(text)
    spans = split_sentences(text)
    lead = text[spans[0][0]:spans[0][1]] if spans else text.strip()
    lead = " ".join(lead.split())
    if len(lead) <= TITLE_MAX:
        return lead.rstrip(".")
    cut = lead[:TITLE_MAX].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
