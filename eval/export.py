"""Export results as records that RAGAS (and similar tools) read:
{"question", "answer", "contexts", "ground_truth"} plus ids to join back to results.jsonl."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path


def ragas_record(record: dict) -> dict | None:
    result = record.get("result")
    if not result:
        return None  # the question errored; there is nothing to evaluate
    golds = record.get("answers") or []
    return {
        "question": record["question"],
        "answer": result["answer"],
        "contexts": [p["text"] for p in record.get("retrieved") or []],
        "ground_truth": golds[0] if golds else "",
        "ground_truths": list(golds),
        "id": record["id"], "dataset": record["dataset"], "config": record["config"],
        "unanswerable": record.get("unanswerable", False),
    }


def write_ragas(records: Iterable[dict], path: Path) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for rec in records:
            row = ragas_record(rec)
            if row is not None:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    return n
