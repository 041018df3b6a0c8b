"""Evaluation datasets: a registry from name to loader; each loader returns the corpus (as
`rag.articles.Article`s, exactly what `rag ingest` would store) and the questions.

Names: `corpus_qa` (our gold set over corpus/), `realtimeqa` (RealTime QA, gold articles only),
`realtimeqa-distractors` (gold articles + the search pages of the same weeks), `realtimeqa-open` (the questions
without a gold article, over the realtimeqa-distractors corpus), `conversations`
(follow-up questions and self-contained ones asked after an unrelated turn, over corpus/ and the RealTime
QA gold articles) and `generic:DIR` (DIR/corpus.jsonl + DIR/questions.jsonl in the documented format).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from eval.metrics import gold_variants
from rag.articles import Article, canonical_url, parse_date
from rag.errors import LoadError, RagError
from rag.loaders import load_paths

log = logging.getLogger(__name__)

EVAL_DIR = Path(__file__).resolve().parent
REPO_ROOT = EVAL_DIR.parent
CORPUS_QA = EVAL_DIR / "data" / "corpus_qa.jsonl"
CONVERSATIONS = EVAL_DIR / "data" / "conversations.jsonl"
CORPUS_DIR = REPO_ROOT / "corpus"
# The shared data lives beside the clone (research-only licence: read in place, never copied).
REALTIMEQA_DEFAULT = REPO_ROOT.parent / "shared" / "datasets" / "realtimeqa"
RGB_DEFAULT = REPO_ROOT.parent / "shared" / "datasets" / "rgb"  # RGB's en_fact.json (eval/rgb.py)
# Retrieval and answering settings were tuned on RealTime QA's weeks before this one ("dev"); the later
# weeks are held out ("test") and reported separately so that tuning gains can be told from real ones.
FIRST_HELD_OUT_WEEK = "20220812"
_SOURCES = {"cnn.com": "CNN", "usatoday.com": "USA Today", "theweek.co.uk": "The Week", "theweek.com": "The Week"}


class DatasetError(RagError):
    """A dataset could not be read; `hint` says how to fix it."""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...] = ()
    evidence_ids: tuple[str, ...] = ()
    unanswerable: bool = False
    as_of: date | None = None
    history: tuple[str, ...] = ()  # earlier questions of the same conversation, oldest first
    choices: tuple[str, ...] = ()
    gold_choice: int | None = None
    type: str = ""
    evidence: str = ""  # the sentence(s) that answer it, for the report
    split: str = ""  # "dev" (settings were tuned on it) or "test" (held out); "" = no split

    def to_dict(self) -> dict:
        return {"id": self.id, "question": self.question, "answers": list(self.answers),
                "evidence_ids": list(self.evidence_ids), "unanswerable": self.unanswerable,
                "as_of": self.as_of.isoformat() if self.as_of else None, "history": list(self.history),
                "choices": list(self.choices), "gold_choice": self.gold_choice, "type": self.type,
                "evidence": self.evidence, "split": self.split}


@dataclass
class Dataset:
    name: str
    articles: list[Article]
    questions: list[Question]
    description: str = ""
    notes: dict[str, int | str] = field(default_factory=dict)  # counts worth reporting (skipped, late, ...)
    baselines_root: Path | None = None  # RealTime QA: where the paper's prediction files are
    weeks: tuple[str, ...] = ()
    closed_corpus_note: str = ""
    corpus_name: str = ""  # datasets over one corpus share its index (cache); "" = `name`

    @property
    def corpus(self) -> str:
        return self.corpus_name or self.name


@dataclass(frozen=True)
class LoadOptions:
    realtimeqa_path: Path = REALTIMEQA_DEFAULT
    rgb_path: Path = RGB_DEFAULT
    weeks: tuple[str, ...] = ()  # RealTime QA weeks (YYYYMMDD); empty = all
    limit: int | None = None
    # RealTime QA distractors: None = every search page of the weeks; N = only the first N pages
    # (with text) returned for each kept question - a small, fixed slice for the CI gate.
    distractors_per_question: int | None = None
    # RealTime QA gold pages that hold only CNN's ad-feedback form: True = take the same URL's page from the
    # search crawl, else drop the question (144 questions); False = keep them as published (SOURCE.md's 149).
    repair_gold: bool = True


# -- helpers -----------------------------------------------------------------------------------
def _read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DatasetError(f"{path} does not exist.", "Check the path (or pass --path for RealTime QA).") from None
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}:{lineno}: not valid JSON ({exc.msg}).", "Fix or remove that line.") from None
        if not isinstance(rec, dict):
            raise DatasetError(f"{path}:{lineno}: expected a JSON object.", "Write one object per line.")
        yield lineno, rec


def _str_list(value: object, where: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DatasetError(f"{where}: '{name}' must be a list of strings.", f'Write e.g. "{name}": ["..."]')
    return tuple(value)


def question_from_record(rec: dict, where: str) -> Question:
    """One line of the generic questions format (also used by our gold set)."""
    qid, text = rec.get("id"), rec.get("question")
    if not isinstance(text, str) or not text.strip():
        raise DatasetError(f"{where}: record has no 'question' text.", 'Add "question": "..." to it.')
    try:
        as_of = parse_date(rec.get("as_of"))
    except ValueError as exc:
        raise DatasetError(f"{where}: {exc}.", "Write as_of as YYYY-MM-DD or null.") from None
    unanswerable = bool(rec.get("unanswerable", False))
    answers = _str_list(rec.get("answers"), where, "answers")
    if not unanswerable and not answers:
        raise DatasetError(f"{where}: an answerable question needs 'answers'.",
                           'Add "answers": [...] or set "unanswerable": true.')
    choices = _str_list(rec.get("choices"), where, "choices")
    gold_choice = rec.get("gold_choice")
    if gold_choice is not None and not (isinstance(gold_choice, int) and 0 <= gold_choice < len(choices)):
        raise DatasetError(f"{where}: 'gold_choice' must index 'choices'.", "Use a 0-based index or null.")
    return Question(id=str(qid if qid not in (None, "") else where), question=text.strip(), answers=answers,
                    evidence_ids=_str_list(rec.get("evidence_ids"), where, "evidence_ids"),
                    unanswerable=unanswerable, as_of=as_of,
                    history=_str_list(rec.get("history"), where, "history"), choices=choices,
                    gold_choice=gold_choice, type=str(rec.get("type") or ""), evidence=str(rec.get("evidence") or ""))


def read_questions(path: Path) -> list[Question]:
    out = [question_from_record(rec, f"{path}:{lineno}") for lineno, rec in _read_jsonl(path)]
    seen: set[str] = set()
    for q in out:
        if q.id in seen:
            raise DatasetError(f"{path}: question id {q.id!r} appears twice.", "Give every question its own id.")
        seen.add(q.id)
    return out


def read_corpus(paths: list[Path]) -> tuple[list[Article], list[str]]:
    """Articles through the product's own loaders; returns (articles, failure messages)."""
    articles: list[Article] = []
    failed: list[str] = []
    for item in load_paths([str(p) for p in paths]):
        if isinstance(item, LoadError):
            failed.append(str(item))
        else:
            articles.append(item)
    return articles, failed


def _limit(questions: list[Question], limit: int | None) -> list[Question]:
    return questions[:limit] if limit else questions


# -- our gold set ------------------------------------------------------------------------------
def load_corpus_qa(opts: LoadOptions) -> Dataset:
    articles, failed = read_corpus([CORPUS_DIR])
    if failed:
        raise DatasetError(f"corpus/ did not load cleanly: {failed[0]}", "Fix the article file named above.")
    questions = read_questions(CORPUS_QA)
    known = {a.doc_id for a in articles}
    for q in questions:
        missing = set(q.evidence_ids) - known
        if missing:
            raise DatasetError(f"{CORPUS_QA}: question {q.id} names unknown evidence ids {sorted(missing)}.",
                               "Use the doc id `rag stats`/`rag ask --json` shows for the article.")
    return Dataset("corpus_qa", articles, _limit(questions, opts.limit),
                   description="Hand-written questions about corpus/ (one Yonhap article, 2025-01-06).",
                   notes={"unanswerable": sum(q.unanswerable for q in questions)})


# -- generic -----------------------------------------------------------------------------------
def load_generic(directory: Path, opts: LoadOptions) -> Dataset:
    corpus, qfile = directory / "corpus.jsonl", directory / "questions.jsonl"
    for p in (corpus, qfile):
        if not p.exists():
            raise DatasetError(f"{p} does not exist.",
                               "A generic dataset is a folder with corpus.jsonl and questions.jsonl "
                               "(see eval/README.md).")
    articles, failed = read_corpus([corpus])
    questions = read_questions(qfile)
    return Dataset(f"generic:{directory.name}", articles, _limit(questions, opts.limit),
                   description=f"Generic dataset from {directory}.", notes={"corpus_records_failed": len(failed)})


# -- RealTime QA -------------------------------------------------------------------------------
def title_from_url(url: str) -> str:
    """RealTime QA gold articles have no title; the URL slug carries the headline words."""
    parts = [p for p in urlsplit(url).path.split("/") if p and p not in ("index.html", "index.htm")]
    slug = parts[-1] if parts else ""
    slug = slug.rsplit(".", 1)[0] if slug.endswith((".html", ".htm")) else slug
    words = [w for w in slug.replace("_", "-").split("-") if w]
    # CNN slugs end in edition tags (intl, hnk, trnd, ...) that are not headline words.
    while words and words[-1] in {"intl", "hnk", "trnd", "scli", "gbr", "cnnphotos", "spt", "wellness", "ctpr"}:
        words.pop()
    title = " ".join(words)
    return title[:1].upper() + title[1:] if title else ""


def source_from_url(url: str) -> str | None:
    host = urlsplit(url).netloc.lower().removeprefix("www.").removeprefix("edition.")
    return _SOURCES.get(host, host or None)


def _week_files(root: Path, weeks: tuple[str, ...]) -> list[str]:
    folder = root / "past" / "2022"
    if not folder.is_dir():
        raise DatasetError(f"RealTime QA is not at {root} (no past/2022 folder).",
                           "Pass --path to the folder holding SOURCE.md, past/ and baseline_results/.")
    found = sorted(p.name[:8] for p in folder.glob("*_gold.jsonl"))
    if weeks:
        unknown = sorted(set(weeks) - set(found))
        if unknown:
            raise DatasetError(f"RealTime QA has no week(s) {unknown}.", f"Choose among {', '.join(found)}.")
        return [w for w in found if w in weeks]
    return found


# The authors' crawler sometimes saved CNN's ad-feedback form instead of the article (10 gold entries, each
# exactly this form): such a page holds no evidence at all.
_AD_FORM_MARKERS = ("How relevant is this ad to you?", "Video player was slow to load content")


def is_ad_form(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return bool(lines) and all(any(m in line for m in _AD_FORM_MARKERS) for line in lines)


def _search_page_texts(folder: Path, weeks: list[str]) -> dict[str, str]:
    """Canonical URL -> the longest real text the search crawl saved for it (to repair gold pages)."""
    out: dict[str, str] = {}
    for week in weeks:
        for _, rec in _read_jsonl(folder / f"{week}_gcs.jsonl"):
            for hit in rec.get("search_result") or []:
                text = (hit.get("text") or "").strip()
                if hit.get("url") and text and not is_ad_form(text):
                    key = canonical_url(hit["url"])
                    if len(text) > len(out.get(key, "")):
                        out[key] = hit["text"]
    return out


def _realtimeqa(opts: LoadOptions, distractors: bool, without_gold: bool = False) -> Dataset:
    """RealTime QA's questions that have a gold article (or, `without_gold`, those that have none: asked over the
    same corpus, whose search pages may or may not answer them)."""
    root = Path(opts.realtimeqa_path)
    weeks = _week_files(root, opts.weeks)
    folder = root / "past" / "2022"
    gold_articles: dict[str, Article] = {}
    questions: list[Question] = []
    notes = {"questions_total": 0, "questions_without_gold_article": 0, "gold_entries_empty_text": 0,
             "gold_articles_dated_after_question": 0, "gold_text_from_search_page": 0,
             "gold_entries_ad_form_only": 0}
    search_texts = _search_page_texts(folder, weeks) if opts.repair_gold else {}
    sourced: set[str] = set()  # questions with a gold article
    for week in weeks:
        qa = {rec["question_id"]: rec for _, rec in _read_jsonl(folder / f"{week}_qa.jsonl")}
        notes["questions_total"] += len(qa)
        for _, rec in _read_jsonl(folder / f"{week}_gold.jsonl"):
            q = qa.get(rec["question_id"])
            if q is None:
                continue
            qdate = parse_date(q.get("question_date"))
            evidence: list[str] = []
            for hit in rec.get("search_result") or []:
                text = (hit.get("text") or "").strip()
                if not text:
                    notes["gold_entries_empty_text"] += 1
                    continue
                text = hit["text"]
                # An ad-form page takes the same URL's page from the search crawl, if that saved the article.
                if opts.repair_gold and is_ad_form(text):
                    text = search_texts.get(canonical_url(hit["url"]), "")
                    notes["gold_text_from_search_page" if text else "gold_entries_ad_form_only"] += 1
                    if not text:
                        continue
                art = Article(text=text, title=title_from_url(hit["url"]), url=hit["url"],
                              date=parse_date(hit.get("publish_date")), source=source_from_url(hit["url"]),
                              authors=tuple(hit.get("authors") or ()), origin=f"{week}_gold.jsonl")
                gold_articles.setdefault(art.doc_id, art)
                evidence.append(art.doc_id)
                if art.date and qdate and art.date > qdate:
                    notes["gold_articles_dated_after_question"] += 1
            if evidence:
                sourced.add(q["question_id"])
                if not without_gold:
                    questions.append(_rtqa_question(q, week, tuple(dict.fromkeys(evidence))))
        notes["questions_without_gold_article"] += len(qa) - len(sourced & set(qa))
        if without_gold:
            # "He was in all of these movies except:" is answered by the one choice no article gives (RealTime QA's
            # own scoring skips these for generated answers too).
            for qid, q in qa.items():
                if qid in sourced:
                    continue
                if q["question_sentence"].rstrip(" :?.").lower().endswith("except"):
                    notes["questions_except"] = notes.get("questions_except", 0) + 1
                else:
                    questions.append(_rtqa_question(q, week, ()))
    articles = dict(gold_articles)
    if distractors:
        notes.update({"distractor_pages": 0, "distractor_pages_empty": 0, "distractor_dropped_as_gold_duplicate": 0,
                      "distractor_duplicates": 0})
        kept = {q.id for q in _limit(questions, opts.limit)}
        per_q = opts.distractors_per_question
        for week in weeks:
            for _, rec in _read_jsonl(folder / f"{week}_gcs.jsonl"):
                hits = rec.get("search_result") or []
                if per_q is not None:
                    if rec.get("question_id") not in kept:
                        continue
                    hits = [h for h in hits if (h.get("text") or "").strip()][:per_q]
                for hit in hits:
                    notes["distractor_pages"] += 1
                    if not (hit.get("text") or "").strip() or not hit.get("url"):
                        notes["distractor_pages_empty"] += 1
                        continue
                    key = canonical_url(hit["url"])
                    if key in gold_articles:  # often an ad stub of the gold page: the gold text wins
                        notes["distractor_dropped_as_gold_duplicate"] += 1
                        continue
                    if key in articles:
                        notes["distractor_duplicates"] += 1
                        continue
                    articles[key] = Article(text=hit["text"], title=str(hit.get("title") or ""), url=hit["url"],
                                            date=_lenient_date(hit.get("publish_date")),
                                            source=source_from_url(hit["url"]),
                                            authors=tuple(hit.get("authors") or ()), origin=f"{week}_gcs.jsonl")
        notes["distractor_pages_undated"] = sum(1 for k, a in articles.items() if k not in gold_articles and not a.date)
    notes["gold_articles"] = len(gold_articles)
    name = "realtimeqa-distractors" if distractors else "realtimeqa"
    if without_gold:
        desc = ("RealTime QA 2022 (Kasai et al., NeurIPS 2023): the questions without a gold article (CNN, USA Today, "
                "THE WEEK), over the realtimeqa-distractors corpus. Whether the corpus answers each is unknown: short "
                "precision is exact, contains gold and coverage are lower bounds, and abstention figures do not apply.")
        return Dataset("realtimeqa-open", list(articles.values()), _limit(questions, opts.limit), description=desc,
                       notes=notes, weeks=tuple(weeks), corpus_name=name)
    desc = ("RealTime QA 2022 (Kasai et al., NeurIPS 2023): questions with a gold CNN article; corpus = "
            + ("gold articles only." if not distractors else
               "gold articles + the weeks' search-engine pages (distractors)." if opts.distractors_per_question is None
               else f"gold articles + the first {opts.distractors_per_question} search-engine pages of each question "
                    "(distractors)."))
    return Dataset(name, list(articles.values()), _limit(questions, opts.limit), description=desc, notes=notes,
                   baselines_root=root / "baseline_results" / "2022", weeks=tuple(weeks),
                   closed_corpus_note=("Our corpus is closed (gold articles" + (" + distractor pages" if distractors
                                       else "") + "); the paper's GPT-3+GCS baselines searched the live web."))


def _rtqa_question(q: dict, week: str, evidence: tuple[str, ...]) -> Question:
    choices = tuple(q.get("choices") or ())
    gold_idx = [int(i) for i in q.get("answer") or []]
    return Question(id=q["question_id"], question=q["question_sentence"],
                    answers=tuple(gold_variants([choices[i] for i in gold_idx])), evidence_ids=evidence,
                    as_of=parse_date(q.get("question_date")), choices=choices,
                    gold_choice=gold_idx[0] if gold_idx else None, type=q.get("question_source") or "",
                    evidence=q.get("evidence") or "", split="dev" if week < FIRST_HELD_OUT_WEEK else "test")


def _lenient_date(value: object) -> date | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


# -- conversations (follow-ups) -----------------------------------------------------------------
# A conversation record is one question asked after earlier turns. RealTime QA's text is research-only, so a
# record names a RealTime QA question by id ({"rtqa": "20220916_2"}) and the text, gold answers, evidence and
# as-of date are read from ../shared at load time; questions we wrote ourselves carry their own.
CONVERSATION_TYPES = ("standalone", "followup")
# What the question leans on, per type, counted in the summary's notes. standalone: a pronoun resolved inside
# the question itself ("How old was X when he died?") or a question that simply names its subject. followup:
# what needs the earlier turn(s): a pronoun, "that day"/"that week", a definite reference ("the company",
# "the show"), "there", an ellipsis ("And Antonio Gates?").
REFERENCE_KINDS = {"standalone": ("own-pronoun", "own-subject"),
                   "followup": ("pronoun", "that-day", "that-week", "definite", "there", "ellipsis")}
# Where a follow-up's referent is named: in an earlier question, or only in an earlier answer (so the
# follow-up can only resolve if that earlier turn was answered right).
ANTECEDENTS = ("question", "answer")
_CONVERSATION_KEYS = ("id", "type", "refs", "antecedent", "history", "question", "answers", "evidence_ids", "as_of",
                      "evidence", "note")
_OWN_QUESTION_KEYS = ("answers", "evidence_ids", "as_of", "evidence")


@dataclass(frozen=True)
class _Turn:
    text: str
    rtqa: Question | None = None  # the RealTime QA question it names, if any


def _rtqa_turn(value: object, where: str, name: str, rtqa: dict[str, Question], rtqa_ids: set[str]) -> _Turn:
    if isinstance(value, str):
        if not value.strip():
            raise DatasetError(f"{where}: an empty question in '{name}'.", "Write the question text, or remove it.")
        return _Turn(value.strip())
    if not (isinstance(value, dict) and set(value) == {"rtqa"} and isinstance(value["rtqa"], str)):
        raise DatasetError(f"{where}: '{name}' items must be a question string or {{\"rtqa\": \"<question id>\"}}.",
                           'Write e.g. "What happened?" or {"rtqa": "20220916_2"}.')
    qid = value["rtqa"]
    if qid in rtqa:
        return _Turn(rtqa[qid].question, rtqa[qid])
    if qid in rtqa_ids:
        raise DatasetError(f"{where}: RealTime QA question {qid} has no usable gold article (empty, or only CNN's "
                           "ad form), so the realtimeqa loader drops it.", "Choose a question the `realtimeqa` "
                           "dataset keeps (see eval/README.md).")
    raise DatasetError(f"{where}: no RealTime QA question {qid!r} in the shared copy.",
                       "Use a question_id from ../shared/datasets/realtimeqa/past/2022/<WEEK>_qa.jsonl.")


def conversation_from_record(rec: dict, where: str, rtqa: dict[str, Question], known_docs: set[str],
                             rtqa_ids: set[str] = frozenset()) -> tuple[Question, dict]:
    """One conversations.jsonl line -> the Question the harness asks (history = the earlier questions'
    text, oldest first) and what to count about it (its type, refs, antecedent, depth, sources)."""
    unknown = sorted(set(rec) - set(_CONVERSATION_KEYS))
    if unknown:
        raise DatasetError(f"{where}: unknown field(s) {unknown}.", f"Use only {', '.join(_CONVERSATION_KEYS)}.")
    qid = rec.get("id")
    if not isinstance(qid, str) or not qid.strip():
        raise DatasetError(f"{where}: record has no 'id'.", 'Add "id": "c01" (unique in the file).')
    kind = rec.get("type")
    if kind not in CONVERSATION_TYPES:
        raise DatasetError(f"{where}: 'type' must be one of {', '.join(CONVERSATION_TYPES)} (got {kind!r}).",
                           '"standalone" = needs no earlier turn; "followup" = its meaning depends on one.')
    refs = _str_list(rec.get("refs"), where, "refs")
    bad = [r for r in refs if r not in REFERENCE_KINDS[kind]]
    if not refs or bad:
        raise DatasetError(f"{where}: 'refs' must list what the {kind} question leans on" +
                           (f" ({bad} is not a {kind} kind)." if bad else "."),
                           f"Choose from {', '.join(REFERENCE_KINDS[kind])}.")
    antecedent = rec.get("antecedent")
    if kind == "followup" and antecedent not in ANTECEDENTS:
        raise DatasetError(f"{where}: a followup needs 'antecedent' (where its referent is named).",
                           '"question" = in an earlier question; "answer" = only in an earlier answer.')
    if kind == "standalone" and antecedent is not None:
        raise DatasetError(f"{where}: a standalone question has no 'antecedent'.", "Remove the field.")
    history = rec.get("history")
    if not isinstance(history, list) or not history:
        raise DatasetError(f"{where}: 'history' must be a non-empty list of earlier turns.",
                           'Write e.g. "history": [{"rtqa": "20220715_3"}] or ["who is acting president?"].')
    turns = [_rtqa_turn(h, where, "history", rtqa, rtqa_ids) for h in history]
    asked = _rtqa_turn(rec.get("question"), where, "question", rtqa, rtqa_ids)
    if asked.rtqa is not None:
        given = [k for k in _OWN_QUESTION_KEYS if k in rec]
        if given:
            raise DatasetError(f"{where}: {given} come from RealTime QA for an {{\"rtqa\": ...}} question.",
                               "Remove them from the record (the loader fills them in from ../shared).")
        src = asked.rtqa
        answers, evidence_ids, as_of, evidence = src.answers, src.evidence_ids, src.as_of, src.evidence
    else:
        answers = _str_list(rec.get("answers"), where, "answers")
        if not answers:
            raise DatasetError(f"{where}: a question we wrote needs 'answers'.",
                               'Add "answers": [...] (alternatives, any one counts), each stated in the article.')
        evidence_ids = tuple(canonical_url(e) if e.startswith(("http://", "https://")) else e
                             for e in _str_list(rec.get("evidence_ids"), where, "evidence_ids"))
        if not evidence_ids:
            raise DatasetError(f"{where}: a question we wrote needs 'evidence_ids'.",
                               "Add the doc id of the article that states the answer (a RealTime QA gold "
                               "article's doc id is its canonical URL).")
        missing = sorted(set(evidence_ids) - known_docs)
        if missing:
            raise DatasetError(f"{where}: evidence ids {missing} are not in the conversations corpus.",
                               "Use the doc id of a corpus/ article or a RealTime QA gold article (its URL).")
        if "as_of" not in rec:
            raise DatasetError(f"{where}: a question we wrote needs 'as_of'.",
                               'Add "as_of": "YYYY-MM-DD" (e.g. the week of the story) or "as_of": null.')
        try:
            as_of = parse_date(rec["as_of"])
        except ValueError as exc:
            raise DatasetError(f"{where}: {exc}.", "Write as_of as YYYY-MM-DD or null.") from None
        evidence = str(rec.get("evidence") or "")
    question = Question(id=qid.strip(), question=asked.text, answers=tuple(answers), evidence_ids=tuple(evidence_ids),
                        as_of=as_of, history=tuple(t.text for t in turns), type=kind, evidence=evidence)
    facts = {"type": kind, "refs": refs, "antecedent": antecedent, "depth": len(turns),
             "question_source": "rtqa" if asked.rtqa else "own",
             "history_sources": ["rtqa" if t.rtqa else "own" for t in turns]}
    return question, facts


def read_conversations(path: Path, rtqa: dict[str, Question], known_docs: set[str],
                       rtqa_ids: set[str] = frozenset()) -> tuple[list[Question], dict[str, int]]:
    """Every conversation of the file and the counts worth reporting (by type, reference kind, antecedent,
    depth and where the questions come from)."""
    questions: list[Question] = []
    counts: dict[str, int] = {}

    def add(key: str) -> None:
        counts[key] = counts.get(key, 0) + 1

    seen: dict[str, int] = {}
    for lineno, rec in _read_jsonl(path):
        where = f"{path}:{lineno}"
        q, facts = conversation_from_record(rec, where, rtqa, known_docs, rtqa_ids)
        if q.id in seen:
            raise DatasetError(f"{where}: id {q.id!r} is already used on line {seen[q.id]}.",
                               "Give every conversation its own id.")
        seen[q.id] = lineno
        questions.append(q)
        kind = facts["type"]
        add(kind)
        for ref in facts["refs"]:
            add(f"{kind}_ref_{ref}")
        if facts["antecedent"]:
            add(f"{kind}_antecedent_in_{facts['antecedent']}")
        if facts["depth"] >= 2:
            add(f"{kind}_two_or_more_turns_deep")
        add(f"{kind}_question_from_{facts['question_source']}")
        for src in facts["history_sources"]:
            add(f"history_turns_from_{src}")
    return questions, counts


def _rtqa_question_ids(root: Path) -> set[str]:
    """Every question id of the shared copy's weeks (also those the loader drops), for clearer messages."""
    folder = root / "past" / "2022"
    return {rec["question_id"] for p in sorted(folder.glob("*_qa.jsonl")) for _, rec in _read_jsonl(p)
            if "question_id" in rec}


def load_conversations(opts: LoadOptions) -> Dataset:
    corpus, failed = read_corpus([CORPUS_DIR])
    if failed:
        raise DatasetError(f"corpus/ did not load cleanly: {failed[0]}", "Fix the article file named above.")
    # Every week's gold articles with the realtimeqa loader's own repair; --weeks does not apply here.
    rtqa = _realtimeqa(LoadOptions(realtimeqa_path=opts.realtimeqa_path), distractors=False)
    articles = {a.doc_id: a for a in rtqa.articles}
    for a in corpus:
        articles.setdefault(a.doc_id, a)
    questions, counts = read_conversations(CONVERSATIONS, {q.id: q for q in rtqa.questions}, set(articles),
                                           _rtqa_question_ids(Path(opts.realtimeqa_path)))
    notes: dict[str, int | str] = {"conversations": len(questions), **dict(sorted(counts.items())),
                                   "corpus_articles_shipped": len(corpus), "gold_articles": len(rtqa.articles),
                                   "gold_text_from_search_page": rtqa.notes["gold_text_from_search_page"]}
    return Dataset("conversations", list(articles.values()), _limit(questions, opts.limit),
                   description="Conversations: self-contained questions asked after an unrelated turn (the query "
                               "must equal the question) and real follow-ups (pronouns, 'that day', 'the company', "
                               "'there', ellipses); corpus = corpus/ + every RealTime QA gold article.",
                   notes=notes, weeks=rtqa.weeks)


def _before_the_news(opts: LoadOptions) -> Dataset:
    """The realtimeqa-distractors questions, each asked the day before its earliest gold article: the week's news
    is not in the archive yet, and an answer should say so rather than quote an older story of the same kind."""
    full = _realtimeqa(opts, distractors=True)
    dated = {a.doc_id: a.date for a in full.articles if a.date}
    questions = []
    for q in full.questions:
        days = [dated[e] for e in q.evidence_ids if e in dated]
        if days:  # no gold article to count back from; the gold articles cannot be retrieved, so none is expected
            questions.append(replace(q, as_of=min(days) - timedelta(days=1), evidence_ids=()))
    desc = ("RealTime QA 2022: the realtimeqa-distractors questions, each asked the day before its earliest gold "
            "article, over the same corpus. The week's news is not in the archive yet, so the share abstained is how "
            "often it says so; a search page filed earlier may still report it (contains gold and short precision "
            "count those answers).")
    notes = {**full.notes, "questions_without_dated_gold": len(full.questions) - len(questions)}
    return Dataset("realtimeqa-before", full.articles, questions, description=desc, notes=notes, weeks=full.weeks,
                   corpus_name="realtimeqa-distractors")


# -- registry ----------------------------------------------------------------------------------
DatasetLoader = Callable[[LoadOptions], Dataset]

DATASETS: dict[str, DatasetLoader] = {
    "corpus_qa": load_corpus_qa,
    "conversations": load_conversations,
    "realtimeqa": lambda opts: _realtimeqa(opts, distractors=False),
    "realtimeqa-distractors": lambda opts: _realtimeqa(opts, distractors=True),
    "realtimeqa-open": lambda opts: _realtimeqa(opts, distractors=True, without_gold=True),
    "realtimeqa-before": lambda opts: _before_the_news(opts),
    "rgb": lambda opts: _load_rgb(opts),
}


def _load_rgb(opts: LoadOptions) -> Dataset:
    from eval.rgb import load_rgb  # eval.rgb builds on this module

    return load_rgb(opts)


def load_dataset(name: str, opts: LoadOptions) -> Dataset:
    if name.startswith("generic:"):
        return load_generic(Path(name.split(":", 1)[1]).expanduser(), opts)
    try:
        loader = DATASETS[name]
    except KeyError:
        raise DatasetError(f"Unknown dataset {name!r}.",
                           f"Choose one of {', '.join(DATASETS)} or generic:DIR (see eval/README.md).") from None
    return loader(opts)
