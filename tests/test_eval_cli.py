"""`rag eval` argument errors say what was wrong and what to do, and write nothing."""

from __future__ import annotations

from eval.cli import main


def test_unknown_config_is_refused_with_the_choices(tmp_path, capsys):
    assert main(["corpus_qa", "--config", "nope", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "Unknown config(s): nope" in err and "langchain-naive" in err
    assert not (tmp_path / "o").exists()


def test_bad_limit_and_unknown_dataset(tmp_path, capsys):
    assert main(["corpus_qa", "--limit", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--limit 0" in capsys.readouterr().err
    assert main(["no-such-set", "--out", str(tmp_path / "o"), "--cache", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert "Unknown dataset 'no-such-set'" in err and "generic:DIR" in err


def test_report_from_a_folder_without_a_run(tmp_path, capsys):
    assert main(["--report-from", str(tmp_path)]) == 2
    assert "--report-from" in capsys.readouterr().err
