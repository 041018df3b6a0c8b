"""Text hygiene: outside text is validated and normalised here, at the boundary where it enters.

Every surface hands text from outside (article fields from any loader, questions, filter values,
HTTP request fields, lines of a questions file) to these functions before anything else reads it,
so no input can reach the tokenizer, Chroma or a JSON response that makes them raise.

* **Refused**: lone surrogates (U+D800..U+DFFF). Valid JSON (`"\\ud800"`) and Python strings can
  hold them, but they are not characters: the text was mis-encoded, and we cannot know what was
  meant. The tokenizer raises TypeError on them and UTF-8 encoding raises, so they never pass.
* **Removed**: control characters (C0 except tab and line breaks, DEL, C1), the byte-order mark,
  bidirectional embedding/override/isolate controls (they can make displayed text read differently
  from what is stored, e.g. a spoofed citation), invisible word breakers (soft hyphen, zero-width
  space: "inter\\u00adnational" would not match "international") and Unicode non-characters.
* **Normalised**: NFC (so "é" typed two ways is one word for BM25 and one id), line breaks to
  "\\n", single-line fields (titles, questions, names) to single spaces, and outer whitespace.

Article bodies keep their line and space layout otherwise (offsets of citations point into the
cleaned text, which is what is stored). The functions are idempotent: cleaning clean text returns it
unchanged, so an unchanged re-ingest hashes the same.
"""

from __future__ import annotations

import re
import unicodedata

from rag.errors import InvalidText

_SURROGATE = re.compile("[\ud800-\udfff]")
# Line breaks other than "\n": CRLF/CR, vertical tab, form feed, NEL, line and paragraph separators.
_LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_REMOVED = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f\x80-\x84\x86-\x9f"  # C0 (but \t \n \v \f \r), DEL, C1 (but NEL, a line break)
    "\u00ad\u200b\u2060\ufeff"  # soft hyphen, zero-width space, word joiner, BOM / zero-width no-break space
    "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"  # bidi embeddings, overrides, isolates, directional marks
    "\ufdd0-\ufdef\ufffe\uffff]"  # non-characters
)
_SPACES_BEFORE_BREAK = re.compile(r"[ \t]+\n")
_MANY_BREAKS = re.compile(r"\n{3,}")


def check_encodable(text: str, what: str) -> None:
    """Refuse text holding a lone surrogate, saying where it is and what to do."""
    m = _SURROGATE.search(text)
    if m:
        raise InvalidText(
            f"{what} contains a broken character (an unpaired UTF-16 surrogate, U+{ord(m.group()):04X}, "
            f"at character {m.start() + 1:,}).",
            "The text was mis-encoded somewhere along the way: re-export it as UTF-8, or delete that character.",
        )


def clean_text(text: str, what: str = "the text") -> str:
    """A multi-line text (an article body): line layout kept, junk removed, NFC, outer whitespace stripped."""
    check_encodable(text, what)
    text = _LINE_BREAK.sub("\n", text)
    text = _REMOVED.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _SPACES_BEFORE_BREAK.sub("\n", text)
    text = _MANY_BREAKS.sub("\n\n", text)
    return text.strip()


def clean_line(text: str, what: str = "the text") -> str:
    """A single-line field (a title, question, source, id, URL): as clean_text, whitespace runs become one space."""
    return " ".join(clean_text(text, what).split())


def has_words(text: str) -> bool:
    """True when the text holds at least one letter or digit (in any script)."""
    return any(ch.isalnum() for ch in text)


def require_words(text: str, what: str, hint: str) -> str:
    if not has_words(text):
        raise InvalidText(f"{what} has no letters or digits.", hint)
    return text
