"""RGB (Chen et al., AAAI 2024): news-event questions nobody tuned on, read as a plain factual set.

The shared copy holds RGB's English counterfactual file only (`en_fact.json`, JSON Lines despite the name; see
../shared/datasets/rgb/SOURCE.md). Each record has a question, its answer, the snippets that state it
(`positive`), the same snippets edited to state a false answer (`positive_wrong`) and unrelated snippets
(`negative`). We read the true snippets and the unrelated ones, every question's together in one corpus, and leave
the edited ones out: the set then asks whether an answer found among many near-identical snippets (the 2018, 2019
and 2021 Wimbledon finals; the CEOs of six companies) is the asked one. None of its questions was ever read while
a rule or setting was chosen before it was added (2026-12-06); its first half is a dev set from then on, its second
half held out. Snippets are
short (a median of 27 words), undated and without titles or sources: "newest reporting wins" cannot apply.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from eval.datasets import Dataset, DatasetError, LoadOptions, Question
from rag.articles import Article

RGB_FILE = "en_fact.json"
# Records before this id are "dev", the rest held out ("test"), fixed before any answer on the set was read. The
# file groups a topic's questions together (three Wimbledon finals in a row), so a contiguous cut keeps most
# topics on one side; an alternating one would have put each topic on both.
FIRST_HELD_OUT_ID = 50


def snippet(text: str) -> Article:
    """One RGB passage as an article: identified by its text, so a snippet two questions share is stored once."""
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
    return Article(text=text, id=f"rgb-{digest}", source="RGB snippet", origin=RGB_FILE)


def answers_of(value: object, where: str) -> tuple[str, ...]:
    """A record's answer: one string, or one group of spellings of the same answer ([["July 21 2017", "Jul 21,
    2017", ...]]). Several groups would ask for several things at once; no record of the file does."""
    if isinstance(value, str) and value.strip():
        return (value.strip(),)
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        found = tuple(a.strip() for a in value[0] if isinstance(a, str) and a.strip())
        if found:
            return found
    raise DatasetError(f"{where}: the answer {value!r} is neither a string nor one list of spellings.",
                       "Use the RGB file as published (see ../shared/datasets/rgb/SOURCE.md).")


def load_rgb(opts: LoadOptions) -> Dataset:
    path = Path(opts.rgb_path) / RGB_FILE
    if not path.exists():
        raise DatasetError(f"{path} does not exist.",
                           "Put RGB's data/en_fact.json there (see ../shared/datasets/rgb/SOURCE.md), or pass the "
                           "folder that holds it.")
    articles: dict[str, Article] = {}
    questions: list[Question] = []
    shared = empty = 0
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where} is not JSON ({exc.msg}).", "Use the RGB file as published.") from None
        evidence: list[str] = []
        for kind in ("positive", "negative"):
            for text in rec.get(kind) or ():
                if not isinstance(text, str) or not text.strip():
                    empty += 1
                    continue
                a = snippet(text.strip())
                if a.doc_id in articles:
                    shared += 1
                articles.setdefault(a.doc_id, a)
                if kind == "positive":
                    evidence.append(a.doc_id)
        number = int(rec.get("id", n - 1))
        questions.append(Question(id=f"rgb-{number}", question=str(rec["query"]).strip(),
                                  answers=answers_of(rec.get("answer"), where), evidence_ids=tuple(evidence),
                                  type="factoid", split="dev" if number < FIRST_HELD_OUT_ID else "test"))
    limited = questions[:opts.limit] if opts.limit else questions
    return Dataset("rgb", list(articles.values()), limited,
                   description="RGB (Chen et al., AAAI 2024), English counterfactual file read as a factual set: "
                               "every question's true and unrelated snippets in one corpus, the edited false ones "
                               f"left out. Records before {FIRST_HELD_OUT_ID} are dev (read since 2026-12-06), the "
                               "rest held out.",
                   notes={"snippets": len(articles), "snippets repeated across records": shared,
                          "empty snippets": empty})
