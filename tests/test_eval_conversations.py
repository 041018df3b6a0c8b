"""The `conversations` dataset (follow-ups and self-contained questions after an unrelated turn): the loader
resolves RealTime QA ids from ../shared, the file keeps the promised shape, every answer we wrote is stated in
its evidence article, and a bad record is reported with file, line and what to change. No model needed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from eval.datasets import (
    CONVERSATIONS,
    REALTIMEQA_DEFAULT,
    REFERENCE_KINDS,
    DatasetError,
    LoadOptions,
    Question,
    load_dataset,
    read_conversations,
)
from eval.metrics import contains_gold

YONHAP = "yonhap-2025-01-06-000_6a7eddd672144986"


def _records() -> list[dict]:
    return [json.loads(line) for line in CONVERSATIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _rtqa_ids(rec: dict) -> list[str]:
    items = [*rec["history"], rec["question"]]
    return [i["rtqa"] for i in items if isinstance(i, dict)]


@pytest.fixture(scope="module")
def shared() -> tuple:
    if not (REALTIMEQA_DEFAULT / "SOURCE.md").exists():
        pytest.fail(f"RealTime QA is missing at {REALTIMEQA_DEFAULT}: the conversations set reads its questions and "
                    "articles from ../shared/datasets/realtimeqa.")
    rtqa = load_dataset("realtimeqa", LoadOptions())
    convo = load_dataset("conversations", LoadOptions())
    return rtqa, convo


def test_file_has_the_promised_shape():
    recs = _records()
    by_type = {t: [r for r in recs if r["type"] == t] for t in REFERENCE_KINDS}
    assert len(recs) >= 30 and len(by_type["standalone"]) >= 15 and len(by_type["followup"]) >= 15
    follow_refs = {ref for r in by_type["followup"] for ref in r["refs"]}
    assert {"pronoun", "that-day", "definite", "there", "ellipsis"} <= follow_refs
    assert {"own-pronoun", "own-subject"} <= {ref for r in by_type["standalone"] for ref in r["refs"]}
    assert sum(len(r["history"]) >= 2 for r in by_type["followup"]) >= 3  # some two turns deep
    # standalone questions mix RealTime QA and corpus/ questions, and earlier turns of both kinds
    standalone_docs = {e for r in by_type["standalone"] for e in r.get("evidence_ids", [])}
    assert YONHAP in standalone_docs and any(isinstance(r["question"], dict) for r in by_type["standalone"])
    assert any(isinstance(h, str) for r in by_type["standalone"] for h in r["history"])
    # RealTime QA text is research-only: an {"rtqa": id} question carries none of its own
    for r in recs:
        if isinstance(r["question"], dict):
            assert not {"answers", "evidence_ids", "as_of", "evidence"} & set(r), r["id"]


def test_loader_resolves_realtimeqa_ids_from_shared(shared):
    rtqa, convo = shared
    by_id = {q.id: q for q in rtqa.questions}
    recs = {r["id"]: r for r in _records()}
    assert len(convo.questions) == len(recs)
    for q in convo.questions:
        rec = recs[q.id]
        assert q.type == rec["type"] and len(q.history) == len(rec["history"])
        for text, item in zip(q.history, rec["history"], strict=True):
            assert text == (by_id[item["rtqa"]].question if isinstance(item, dict) else item)
        if isinstance(rec["question"], dict):
            src = by_id[rec["question"]["rtqa"]]
            assert (q.question, q.answers, q.evidence_ids, q.as_of) == \
                (src.question, src.answers, src.evidence_ids, src.as_of)
        else:
            assert q.question == rec["question"] and q.answers == tuple(rec["answers"])
    n = {t: sum(q.type == t for q in convo.questions) for t in REFERENCE_KINDS}
    assert convo.notes["standalone"] == n["standalone"] and convo.notes["followup"] == n["followup"]
    assert convo.notes["conversations"] == len(recs)
    assert sum(v for k, v in convo.notes.items() if k.startswith("followup_antecedent_in_")) == n["followup"]


def test_every_realtimeqa_id_used_exists(shared):
    rtqa, _ = shared
    known = {q.id for q in rtqa.questions}
    used = [i for r in _records() for i in _rtqa_ids(r)]
    assert used and not set(used) - known


def test_corpus_is_the_shipped_corpus_plus_every_gold_article(shared):
    rtqa, convo = shared
    docs = {a.doc_id for a in convo.articles}
    assert YONHAP in docs and {a.doc_id for a in rtqa.articles} <= docs
    assert len(docs) == len(convo.articles) == len(rtqa.articles) + 1
    assert len(convo.weeks) == 16  # all weeks, whatever --weeks says
    assert len(load_dataset("conversations", LoadOptions(weeks=("20220617",), limit=4)).questions) == 4


def test_every_answer_we_wrote_is_stated_in_its_evidence_article(shared):
    _, convo = shared
    texts = {a.doc_id: a.text for a in convo.articles}
    own = {r["id"] for r in _records() if isinstance(r["question"], str)}
    assert own
    for q in convo.questions:
        if q.id in own:
            for answer in q.answers:  # each alternative, not just one of them
                assert any(contains_gold(texts[e], [answer]) for e in q.evidence_ids), (q.id, answer)
            if q.evidence:
                assert any(q.evidence in texts[e] for e in q.evidence_ids), q.id


def test_earlier_turns_can_be_answered_and_standalone_ones_are_another_story(shared):
    """An earlier RealTime QA turn is dated on or before the conversation's as-of date (else its article is
    hidden when it is replayed), and a standalone question's evidence is not an earlier turn's article."""
    rtqa, convo = shared
    by_id = {q.id: q for q in rtqa.questions}
    asked = {q.id: q for q in convo.questions}
    for rec in _records():
        q = asked[rec["id"]]
        earlier = [by_id[h["rtqa"]] for h in rec["history"] if isinstance(h, dict)]
        for e in earlier:
            assert q.as_of is None or e.as_of <= q.as_of, (q.id, e.id)
        if q.type == "standalone":
            assert not {d for e in earlier for d in e.evidence_ids} & set(q.evidence_ids), q.id


# -- bad records: file, line and what to change (no shared data needed) ------------------------
RTQA = {"20220101_0": Question(id="20220101_0", question="Who won?", answers=("Alice",), evidence_ids=("https://cnn.com/a",),
                               as_of=date(2022, 1, 1))}
DOCS = {"https://cnn.com/a", "doc-b"}
OWN = {"type": "followup", "refs": ["pronoun"], "antecedent": "answer", "history": [{"rtqa": "20220101_0"}],
       "question": "How old is she?", "answers": ["30"], "evidence_ids": ["doc-b"], "as_of": None}


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_good_file_reads_with_counts(tmp_path):
    rows = [{"id": "c1", **OWN, "evidence_ids": ["https://www.cnn.com/a/"]},
            {"id": "c2", "type": "standalone", "refs": ["own-subject"], "history": ["What happened?"],
             "question": {"rtqa": "20220101_0"}}]
    qs, counts = read_conversations(_write(tmp_path / "c.jsonl", rows), RTQA, DOCS)
    assert qs[0].history == ("Who won?",) and qs[0].evidence_ids == ("https://cnn.com/a",)  # URL canonicalised
    assert qs[1].question == "Who won?" and qs[1].answers == ("Alice",) and qs[1].as_of == date(2022, 1, 1)
    assert counts["followup"] == counts["standalone"] == 1 and counts["followup_ref_pronoun"] == 1
    assert counts["history_turns_from_rtqa"] == counts["history_turns_from_own"] == 1


@pytest.mark.parametrize(("change", "needle"), [
    ({"question": {"rtqa": "20991231_9"}}, "no RealTime QA question '20991231_9'"),
    ({"history": [{"rtqa": "20220101_1"}]}, "no usable gold article"),
    ({"question": {"rtqa": "20220101_0"}}, "come from RealTime QA"),
    ({"answers": []}, "needs 'answers'"),
    ({"evidence_ids": ["nope"]}, "not in the conversations corpus"),
    ({"as_of": "someday"}, "as_of"),
    ({"type": "follow-up"}, "'type' must be one of"),
    ({"refs": ["own-pronoun"]}, "not a followup kind"),
    ({"antecedent": None}, "needs 'antecedent'"),
    ({"history": []}, "non-empty list"),
    ({"history": [{"id": "20220101_0"}]}, "question string or"),
    ({"answer": ["30"]}, "unknown field(s) ['answer']"),
])
def test_bad_records_name_file_line_and_fix(tmp_path, change, needle):
    path = _write(tmp_path / "c.jsonl", [{"id": "c1", **OWN}, {"id": "c2", **OWN, **change}])
    with pytest.raises(DatasetError) as err:
        read_conversations(path, RTQA, DOCS, rtqa_ids={"20220101_0", "20220101_1"})
    assert f"{path}:2:" in str(err.value) and needle in str(err.value) and err.value.hint


def test_missing_as_of_and_duplicate_ids(tmp_path):
    no_as_of = {k: v for k, v in OWN.items() if k != "as_of"}
    path = _write(tmp_path / "c.jsonl", [{"id": "c1", **no_as_of}])
    with pytest.raises(DatasetError, match=r"c\.jsonl:1: a question we wrote needs 'as_of'"):
        read_conversations(path, RTQA, DOCS)
    path = _write(tmp_path / "d.jsonl", [{"id": "c1", **OWN}, {"id": "c1", **OWN}])
    with pytest.raises(DatasetError, match=r"d\.jsonl:2: id 'c1' is already used on line 1"):
        read_conversations(path, RTQA, DOCS)
