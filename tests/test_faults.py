"""Faults, from eval/load.py's suite at a small size: real `rag serve` and `rag ingest` processes,
killed with SIGKILL; an HTTP ingest job under concurrent readers. (The Chroma-server outage is in
tests/test_api.py; the full table with 1-32 clients is `python -m eval.load`.)"""

from __future__ import annotations

from eval.load import QUICK, Serve, Suite, base_env, rag_cli, synthetic, write_jsonl


def test_readers_during_a_job_then_kill_9_of_serve_and_of_ingest_lose_nothing(tmp_path):
    workload = synthetic(3 * QUICK.job_articles)
    suite = Suite(tmp_path, QUICK, workload, log=print)
    base, for_job, _ = suite.split()
    home = tmp_path / "home"
    env = base_env(home)
    assert rag_cli("ingest", "--quiet", str(write_jsonl(tmp_path / "base.jsonl", base)), env=env).returncode == 0
    serve = Serve(home, env, tmp_path / "serve.log")
    serve.start()
    try:
        suite.ingest_job_under_load(serve.url, for_job)
    finally:
        serve.stop()
    row = suite.rows[-1]
    assert all(s.status == "200" for s in row.samples) and len(row.samples) >= 4, row.statuses
    # the job ran in the server's own process, which refreshes its index when the job ends: answerable at once
    assert f"cited for their questions: {len(for_job)}/{len(for_job)} at once" in row.notes, row.notes

    suite.kill_serve_during_job(home, env)
    suite.kill_ingest(tmp_path / "kill-ingest")
    for name in ("kill -9 serve: interrupted, healed, consistent", "kill -9 ingest: healed, consistent"):
        assert suite.checks[name], (name, suite.rows[-2].notes, suite.rows[-1].notes)
