"""Which language is a question in? Answers come from English articles through an English pipeline, so
a question in another language gets a clear notice instead of "the articles do not contain an answer".

Two cheap signals, no model: the writing system (Hangul is Korean, kana Japanese, Cyrillic Russian...)
and, for Latin script, whether the question's function words are English or another language's
(rag.lexicon). A question with no telling words (a bare name) counts as English.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rag.lexicon import ENGLISH_FUNCTION_WORDS, FOREIGN_FUNCTION_WORDS

# Unicode script (first word of the character name) -> language written in it, when a question uses it.
_SCRIPTS: dict[str, tuple[str, str]] = {
    "HANGUL": ("ko", "Korean"), "HIRAGANA": ("ja", "Japanese"), "KATAKANA": ("ja", "Japanese"),
    "CJK": ("zh", "Chinese"), "CYRILLIC": ("ru", "Russian"), "ARABIC": ("ar", "Arabic"), "HEBREW": ("he", "Hebrew"),
    "GREEK": ("el", "Greek"), "DEVANAGARI": ("hi", "Hindi"), "THAI": ("th", "Thai"), "BENGALI": ("bn", "Bengali"),
    "TAMIL": ("ta", "Tamil"), "ARMENIAN": ("hy", "Armenian"), "GEORGIAN": ("ka", "Georgian"),
}
_CODES = {"Spanish": "es", "French": "fr", "German": "de", "Portuguese": "pt", "Italian": "it", "Dutch": "nl"}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1
    name: str

    @property
    def english(self) -> bool:
        return self.code == "en"


ENGLISH = Language("en", "English")


def detect(text: str) -> Language:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return ENGLISH
    counts: dict[tuple[str, str], int] = {}
    for ch in letters:
        if ord(ch) < 0x250:  # Latin
            continue
        script = unicodedata.name(ch, "").split(" ", 1)[0]
        if script in _SCRIPTS:
            counts[_SCRIPTS[script]] = counts.get(_SCRIPTS[script], 0) + 1
    if counts:
        (code, name), n = max(counts.items(), key=lambda kv: kv[1])
        # Japanese mixes kana with kanji (CJK): any kana decides; a few foreign letters in an English question don't.
        if any(c == "ja" for c, _ in counts):
            code, name = "ja", "Japanese"
        if n * 2 >= len(letters):
            return Language(code, name)
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    english = sum(w in ENGLISH_FUNCTION_WORDS for w in words)
    best, hits = max(((name, sum(w in vocab for w in words)) for name, vocab in FOREIGN_FUNCTION_WORDS.items()),
                     key=lambda kv: kv[1])
    # A foreign language wins only with clearly more of its own function words ("de", "la" also occur in names).
    if hits >= 2 and hits > 2 * english:
        return Language(_CODES[best], best)
    return ENGLISH


def notice_text(lang: Language) -> str:
    return f"I can answer questions in English; this looks like {lang.name}. Please ask in English."
