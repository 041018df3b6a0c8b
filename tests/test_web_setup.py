"""scripts/setup.sh installs only when pyproject.toml changed (or the venv is new), so a second ./run.sh goes
straight to serving. Run on a copy of the script with a recording `pip` in its .venv (no real install)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def make_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", repo / "scripts" / "setup.sh")
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    bin_ = repo / ".venv" / "bin"
    bin_.mkdir(parents=True)
    (bin_ / "python").symlink_to(sys.executable)
    # `pip` records its arguments; an editable install "creates" the rag command, as the real one does.
    (bin_ / "pip").write_text(f'#!/bin/sh\necho "$@" >> "{repo}/pip.log"\n'
                              f'case "$*" in *"-e "*) touch "{bin_}/rag"; chmod +x "{bin_}/rag";; esac\n')
    (bin_ / "pip").chmod(0o755)
    return repo


def setup(repo: Path, *args: str) -> list[str]:
    """Run setup.sh; the pip commands it ran (since the last call)."""
    log = repo / "pip.log"
    log.unlink(missing_ok=True)
    r = subprocess.run(["bash", str(repo / "scripts" / "setup.sh"), *args], capture_output=True, text=True,
                       env={**os.environ, "PATH": "/usr/bin:/bin"}, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Editable installation" not in r.stdout + r.stderr
    return [line for line in log.read_text().splitlines() if "-e" in line.split()] if log.exists() else []


def test_setup_installs_only_when_pyproject_changed(tmp_path):
    repo = make_repo(tmp_path)
    assert setup(repo) == ["install -q -e ."]  # a new venv: install
    assert setup(repo) == []  # nothing changed: nothing installed
    assert setup(repo, "--test") == ["install -q -e .[test]"]  # the test extras are new
    assert setup(repo) == []  # a test install includes the main one
    assert setup(repo, "--test") == []
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["y"]\n', encoding="utf-8")
    assert setup(repo) == ["install -q -e ."]  # pyproject.toml changed
    (repo / ".venv" / "bin" / "rag").unlink()
    assert setup(repo) == ["install -q -e ."]  # the command is gone: install again
