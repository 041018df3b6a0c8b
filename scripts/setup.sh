#!/usr/bin/env bash
# Create .venv and install newsrag into it. Idempotent: a second run installs nothing new.
# Usage: scripts/setup.sh [--test]   (--test adds test tools and Debian's chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
mode=main
[ "${1:-}" = "--test" ] && mode=test

# -- newsrag itself: install only when pyproject.toml changed since the last install, or the venv is new --------
# (.venv/.newsrag-installed holds the hash of pyproject.toml and the mode it was installed for; a test install
# includes the main one). Otherwise nothing runs here: a second ./run.sh goes straight to serving.
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
stamp=.venv/.newsrag-installed
hash=$(.venv/bin/python -c "import hashlib; print(hashlib.sha256(open('pyproject.toml', 'rb').read()).hexdigest())")
have=$(cat "$stamp" 2>/dev/null || true)
if [ ! -x .venv/bin/rag ] || { [ "$have" != "$hash test" ] && [ "$have" != "$hash $mode" ]; }; then
  # torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
  if ! .venv/bin/python -c "import torch" 2>/dev/null; then
    .venv/bin/pip install -q torch==2.13.0
  fi
  extras=""
  [ "$mode" = test ] && extras="[test]"
  # setuptools prints a boxed notice for every editable install; it says nothing actionable here.
  PYTHONWARNINGS="ignore:Editable installation" .venv/bin/pip install -q -e ".$extras"
  echo "$hash $mode" > "$stamp"
fi

# -- test tools outside Python ------------------------------------------------------------------------------------
if [ "$mode" = test ] && [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q chromium >/dev/null
fi
