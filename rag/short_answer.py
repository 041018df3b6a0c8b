"""A short answer span ("Choi Sang-mok", "6 January 2025", "3,000") taken from the best sentence.

Offline and rule-based: the question's wh-word says what kind of span answers it; candidate spans
of the evidence sentence (capitalised names, dates, numbers with their unit) are kept when they
are of that kind and do not merely repeat the question, and the one nearest the question's own
words in the sentence wins. When no candidate fits, there is no short answer (None), never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text import STOPWORDS, content_words

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?")
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,\s*\d{{4}})?|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?"
    rf"|(?:{_MONTHS})\s+\d{{4}}|(?:{_DAYS})|(?:in|since|by)\s+\d{{4}}|\b(?:19|20)\d{{2}}"
    r"|(?:next|last|this|early|late|mid)[\s-]+(?:spring|summer|fall|autumn|winter|week|month|year|weekend)"
    r"|spring|summer|autumn|winter"
    r"|tomorrow|yesterday|today|tonight)\b", re.IGNORECASE)
_NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|dozens|hundred|hundreds|"
                 "thousand|thousands|million|millions|billion|billions|trillion")
_NUMBER = re.compile(
    rf"(?:[$€£]\s?)?\b(?:\d(?:[\d,]*\d)?(?:\.\d+)?|{_NUMBER_WORDS})(?:\s+(?:{_NUMBER_WORDS}))?"
    r"(?:\s?(?:%|percent|per cent))?(?:\s+[a-z]+)?", re.IGNORECASE)
# Capitalised names: "Choi Sang-mok", "Department of Justice", "the Supreme Court" (without "the").
_NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:of|de|la|du|von|van|the|for|&)\s+[A-Z][\w'’.-]*|\s+[A-Z][\w'’.-]*)*")
# "Millions of baby swings were recalled": a plural number word says "many", not how many; the sentence
# that says "2 million" answers "how many". And "Two of the telescopes ..." opens with a count, not a name.
_VAGUE_COUNT = re.compile(r"(?:dozens|hundreds|thousands|millions|billions|trillions)\b", re.IGNORECASE)
_COUNT_WORDS = frozenset(_NUMBER_WORDS.split("|"))
_NOT_NAMES = frozenset(f"{_MONTHS}|{_DAYS}".replace("\\.?", "").split("|"))
_QUOTED = re.compile(r"[“\"]([^”\"]{2,80})[”\"]")
_TITLES = frozenset("""President Vice Prime Deputy Minister Secretary Foreign Defense Interior State of the Chancellor
Governor Gov. Sen. Senator Rep. Representative Mayor Judge Justice Chief King Queen Prince Princess Pope Dr. Mr. Mrs.
Ms. General Gen. Acting Former CEO Chairman Chairwoman Speaker House U.S. US UK Commissioner Attorney Ambassador
Director Leader Sheriff Coach Officer Lt. Col. Capt. Supreme Court Health Finance Treasury Transportation Education
Commerce Labor Energy Homeland Security Agriculture Press Sgt. Sir Dame Lord Lady Minority Majority Whip""".split())
_SENTENCE_START_WORDS = frozenset("The A An It In On At He She They This That But And As After When While "
                                  "According For With From By If Well So Yet Now Still Meanwhile".split())


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int
    kind: str  # "name", "date", "number", "quoted"


def question_kind(question: str) -> str | None:
    """What kind of span answers the question, from its wh-word; None: not a factoid question."""
    q = question.lower().strip()
    for pattern, kind in _KINDS:
        if re.search(pattern, q):
            return kind
    return None


_KINDS: tuple[tuple[str, str], ...] = (
    (r"\bhow (many|much|far|long|old|big|large|high|tall)\b|\bwhat (number|percentage|percent|amount)\b", "number"),
    (r"\bwhen\b|\bwhat (year|day|date|month)\b|\bwhich (year|day|date|month)\b", "date"),
    (r"\bwho(m|se)?\b", "who"),
    (r"\bwhere\b|\b(what|which) (country|city|state|nation|place|region|island|continent)\b", "where"),
    (r"\b(what|which)\b", "what"),
)


def unmatched_names(question: str, text: str) -> list[str]:
    """Capitalised words of the question (not its first word) that `text` never mentions: a
    question about "Tokyo" is not answered by articles that never say "Tokyo"."""
    words = re.findall(r"\b[A-Z][\w’'-]*", question)[1:] if question[:1].isupper() else re.findall(
        r"\b[A-Z][\w’'-]*", question)
    return missing_names(words, text)


def missing_names(words: list[str], text: str) -> list[str]:
    """The capitalised `words` that `text` never mentions (see `unmatched_names`)."""
    hay = text.lower().replace("’", "'").replace(".", "")
    out = []
    for w in words:
        stem = re.sub(r"['’]s$", "", w).lower()
        # Skipped: months and days, demonyms ("American(s)" where the text says "U.S."; not "Japan"), and
        # acronyms ("US", "LGBTQ"), which articles spell in too many ways.
        if (stem in _QUESTION_WORDS or not stem or w in _NOT_NAMES or re.search(r"(ian|ean|can|ese|ish)s?$", stem)
                or w.isupper()):
            continue
        if not any(re.search(rf"\b{re.escape(part)}", hay) for part in stem.split("-") if part) and not any(
                re.search(rf"\b{re.escape(alias)}\b", hay) for alias in _ALIASES.get(stem, ())):
            out.append(w)
    return out


# Countries that news copy mostly names by abbreviation ("U.S." for "America"); the text is matched
# lower-cased with dots removed, so "U.S." reads "us".
_ALIASES: dict[str, tuple[str, ...]] = {
    "america": ("us", "united states", "american"),
    "britain": ("uk", "united kingdom", "british"),
    "england": ("uk", "english"),
    "holland": ("netherlands", "dutch"),
}


def counts_asked_unit(question: str, text: str) -> bool:
    """Does `text` give a count of what "how many <unit>" asks for ("187 minutes" for "how many
    minutes")? A number of the asked unit may answer from a neighbour sentence; a bare number there
    may count anything."""
    m = re.search(r"\bhow many\s+(?:more\s+|additional\s+)?([a-z]+)", question, re.IGNORECASE)
    if not m:
        return False
    unit = re.escape(m.group(1).lower().rstrip("s"))
    return bool(re.search(rf"\b(?:\d[\d,.]*|{_NUMBER_WORDS})\s+(?:[a-z-]+\s+)?{unit}s?\b", text, re.IGNORECASE))


def asked_nouns(question: str) -> list[str]:
    """The words naming what a which/what question asks for: "Which wildly popular show was ..." ->
    ["wildly", "popular", "show"] (up to the first stop word; at most four)."""
    m = re.search(r"\b(?:which|what)\s+((?:[a-z][\w-]*\s*){1,4})", question, re.IGNORECASE)
    out: list[str] = []
    for w in (m.group(1).split() if m else []):
        if w.lower() in STOPWORDS:
            break
        out.append(w.lower())
    return out


def refers_back(question: str, sentence: str) -> bool:
    """Does the sentence call the asked-for thing "the <noun>" ("the wildly popular South Korean
    show", "the company's stores")? Then its name is in an earlier sentence."""
    return _back_reference_at(question, sentence) is not None


def _back_reference_at(question: str, text: str) -> int | None:
    # The noun itself in lower case: "the East Sea" is a name, not a reference back.
    found = [m.start() for w in asked_nouns(question) if len(w) > 2
             for m in re.finditer(rf"\b[Tt]he\s+(?:[\w-]+\s+){{0,3}}?{re.escape(w)}\b", text)]
    return min(found) if found else None


def _referent_zone(question: str, text: str) -> int | None:
    """Where the sentences before a back reference end ("Bed Bath & Beyond is ... . A report says the
    company cut ..."): the thing "the company" means is named there. None: no such reference."""
    at = _back_reference_at(question, text)
    if at is None:
        return None
    ends = [m.start() for m in re.finditer(r"[.!?][”\"’]?\s", text[:at])]
    return ends[-1] if ends else None


_QUESTION_WORDS = frozenset("who whom whose what when where which why how is are was were did does do i".split())


def candidates(sentence: str) -> list[Span]:
    out: list[Span] = []
    for kind, pattern in (("quoted", _QUOTED), ("date", _DATE), ("number", _NUMBER), ("name", _NAME)):
        for m in pattern.finditer(sentence):
            group = 1 if kind == "quoted" else 0
            pieces = _sentence_pieces(m.group(group)) if kind == "name" else [(0, m.group(group))]
            for offset, raw in pieces:
                text = raw.strip(" ,.;:")
                if text:
                    start = m.start(group) + offset + (len(raw) - len(raw.lstrip(" ,.;:")))
                    out.append(Span(text, start, start + len(text), kind))
    return out


def _sentence_pieces(name: str) -> list[tuple[int, str]]:
    """A name match split where a sentence ends inside it ("Cho. The U.S. Secretary" -> "Cho",
    "The U.S. Secretary"): a full stop after a word of three or more letters that is no title
    ("Sen.", "Gov.") ends a sentence; "U.S." does not."""
    pieces: list[tuple[int, str]] = []
    begin = 0
    for d in re.finditer(r"(?<=\w)\.\s+", name):
        word = name[begin:d.start()].split()[-1] if name[begin:d.start()].split() else ""
        if len(word) >= 3 and word + "." not in _TITLES:
            pieces.append((begin, name[begin:d.start()]))
            begin = d.end()
    pieces.append((begin, name[begin:]))
    return pieces


_ACCEPTS: dict[str, frozenset[str]] = {
    "number": frozenset({"number"}),
    "date": frozenset({"date"}),
    "who": frozenset({"name"}),
    "where": frozenset({"name"}),
    "what": frozenset({"name", "quoted"}),
}


# Nationality words that do not end like one ("-ian", "-ean", "-can", "-ese", "-ish").
_DEMONYMS = frozenset("French Dutch Swiss Greek Thai Israeli Pakistani Iraqi Saudi Afghan Kuwaiti Qatari Emirati "
                      "Bangladeshi Nepali Yemeni Somali Omani Filipino Argentine Czech Welsh Scots Irish Danish "
                      "Swedish Finnish Polish Turkish Spanish British".split())


def is_demonym(name: str) -> bool:
    """'South Korean', 'European', 'Chinese', 'French': a nationality, which describes and names nothing."""
    last = name.split()[-1] if name.split() else ""
    return bool(re.fullmatch(r"[A-Z][a-z]+(?:ian|ean|can|ese|ish)s?", last)) or last in _DEMONYMS


def _names_only(span: Span) -> bool:
    return span.kind != "name" or _clean_name(span.text) != ""


def _clean_name(text: str) -> str:
    words = text.split()
    while words and words[0] in _SENTENCE_START_WORDS:
        words = words[1:]
    return " ".join(words)


def _drop_question_edges(text: str, q_words: set[str], kind: str) -> str:
    """'President Han Duck-soo' -> 'Han Duck-soo' when the question says 'president';
    '37 people' -> '37' when it says 'people'."""
    words = text.split()
    if kind == "name":
        # A leading word of the question ("Covid-19 Thursday" -> "Thursday" when it asks about Covid-19).
        while len(words) > 1 and set(content_words(words[0])) and set(content_words(words[0])) <= q_words:
            words = words[1:]
        # "U.S. Secretary of State Antony Blinken" -> "Antony Blinken": titles are not the name,
        # unless nothing but titles is left ("Supreme Court").
        rest = words
        while rest and rest[0].strip(",") in _TITLES:
            rest = rest[1:]
        if rest:
            words = rest
    if kind == "number" and len(words) > 1 and words[-1].lower() in q_words | STOPWORDS:
        words = words[:-1]
    return " ".join(words)


def extract(question: str, sentence: str) -> str | None:
    """The span of `sentence` that answers `question`, or None."""
    kind = question_kind(question)
    if kind is None or not sentence.strip():
        return None
    q_words = set(content_words(question))
    kept: list[Span] = []
    found = candidates(sentence)
    dates = [(c.start, c.end) for c in found if c.kind == "date"]
    for c in found:
        if c.kind not in _ACCEPTS[kind] or not _names_only(c):
            continue
        if c.kind == "number" and any(a <= c.start and c.end <= b for a, b in dates):
            continue  # the "3" of "March 3, 2021" is a day, not a count
        if c.kind == "number" and _VAGUE_COUNT.match(sentence, c.start) and not re.search(r"\d", c.text):
            continue
        text = _clean_name(c.text) if c.kind == "name" else c.text
        if c.kind == "name":
            text = re.sub(r"['’]s?$", "", text)  # "Yoon Suk Yeol's" -> "Yoon Suk Yeol"
            if text in _NOT_NAMES or text.lower() in _COUNT_WORDS:
                continue
        if c.kind == "name" and is_demonym(text):
            continue  # "South Korean" describes the show, it does not name it
        if c.kind == "name" and re.search(r"[A-Z][\w.&'’-]*\s*\($", sentence[:c.start]):
            continue  # "Bed Bath & Beyond (BBBY)": the bracketed short form of the name before it
        text = _drop_question_edges(text, q_words, c.kind)
        own = [w for w in content_words(text) if w not in STOPWORDS]
        if not own or all(w in q_words or w.rstrip("s") in q_words for w in own):
            continue  # a span that only repeats the question does not answer it
        if c.kind == "date" and kind != "date" and not re.search(r"[A-Za-z]", text):
            continue
        offset = c.text.find(text)
        kept.append(Span(text, c.start + offset, c.start + offset + len(text), c.kind))
    if not kept:
        return None
    anchors = [m.start() for w in q_words for m in re.finditer(rf"\b{re.escape(w)}", sentence, re.IGNORECASE)]
    referent_zone = _referent_zone(question, sentence)

    def score(span: Span) -> float:
        # Nearest to the question's words wins (gap between span and word); quoted titles are strong
        # answers to "what"; "X is the <question words>" makes X the answer; places follow in/at/from.
        distance = min((max(a - span.end, span.start - a, 0) for a in anchors), default=len(sentence))
        before = sentence[max(0, span.start - 8):span.start].lower()
        after = sentence[span.end:span.end + 12].lower()
        bonus = 50 if span.kind == "quoted" else 0
        if kind == "who" and (len(span.text.split()) > 1 or "-" in span.text):
            bonus += 10  # people have two or more names ("Choi Sang-mok"); places and bodies often one
        if re.match(r"\s*,?\s*(is|was|are|were|will be|has been)\b", after):
            bonus += 15
        if re.search(r"\bformer\s*$", before):
            bonus -= 30
        if kind == "where" and re.search(r"\b(in|at|from|to|near)\s+(the\s+)?$", before):
            bonus += 30
        if referent_zone is not None and span.end <= referent_zone:
            bonus += 100  # named before a later sentence calls it "the company": that is the answer
        return -distance + bonus

    return max(kept, key=score).text
