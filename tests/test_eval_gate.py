"""CI quality gate: run the harness in-process on the gold set and a small fixed RealTime QA slice
and fail when any metric falls below its floor in eval/floors.json (floors only go up)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from eval.cli import main
from eval.datasets import REALTIMEQA_DEFAULT, REPO_ROOT

FLOORS = REPO_ROOT / "eval" / "floors.json"


def _floors() -> dict:
    return json.loads(FLOORS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gate_run(tmp_path_factory) -> tuple[Path, dict]:
    if not (REALTIMEQA_DEFAULT / "past" / "2022").is_dir():
        pytest.fail(f"RealTime QA is missing at {REALTIMEQA_DEFAULT}: the quality gate needs the shared dataset "
                    "beside the repository (../shared/datasets/realtimeqa; see its SOURCE.md).")
    out = tmp_path_factory.mktemp("gate")
    # A fresh cache: the gate measures index building too, and never trusts a stale index.
    rc = main([*_floors()["gate_args"], "--out", str(out / "out"), "--cache", str(out / "cache")])
    assert rc == 0
    return out / "out", json.loads((out / "out" / "summary.json").read_text(encoding="utf-8"))


def test_gate_writes_every_output(gate_run):
    out, summary = gate_run
    for name in ("results.jsonl", "summary.json", "report.md", "report.html", "ragas.jsonl"):
        assert (out / name).stat().st_size > 0, name
    assert list(out.glob("*.png"))
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html_text and 'src="http' not in html_text  # self-contained: no scripts, no CDN
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == sum(d["questions"] * len(d["configs"]) for d in summary["datasets"])
    rec = json.loads(lines[0])
    assert {"question", "answers", "result", "metrics"} <= set(rec)
    assert {"answer", "citations", "timings_ms", "abstained"} <= set(rec["result"])
    assert {"langchain-naive", "default"} <= set(summary["datasets"][0]["configs"])


def test_metrics_stay_above_their_floors(gate_run):
    _, summary = gate_run
    got = {d["name"]: d["configs"] for d in summary["datasets"]}
    failures = []
    for dataset, per_config in _floors()["floors"].items():
        for config, floors in per_config.items():
            metrics = got[dataset][config]["metrics"]
            for metric, floor in floors.items():
                value = metrics.get(metric)
                if value is None or value < floor:
                    failures.append(f"{dataset}/{config}: {metric} = {value} < floor {floor}")
    assert not failures, "quality gate failed:\n" + "\n".join(failures)


def test_floors_only_go_up():
    """Every floor in every committed version of floors.json is <= today's floor."""
    try:
        shas = subprocess.run(["git", "log", "--format=%H", "--", "eval/floors.json"], cwd=REPO_ROOT,
                              capture_output=True, text=True, check=True, timeout=30).stdout.split()
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"cannot read the history of eval/floors.json with git ({exc}); run the tests in a clone")
    now = _floors()["floors"]
    for sha in shas:
        old = json.loads(subprocess.run(["git", "show", f"{sha}:eval/floors.json"], cwd=REPO_ROOT,
                                        capture_output=True, text=True, check=True, timeout=30).stdout)["floors"]
        for dataset, per_config in old.items():
            for config, floors in per_config.items():
                for metric, floor in floors.items():
                    current = now.get(dataset, {}).get(config, {}).get(metric)
                    assert current is not None and current >= floor, \
                        f"{dataset}/{config}/{metric}: floor lowered or removed ({floor} at {sha[:8]} -> {current})"
