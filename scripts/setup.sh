#!/usr/bin/env bash
# Create .venv and install newsrag into it. Idempotent: a second run installs nothing new.
# Usage: scripts/setup.sh [--test]   (--test adds test tools and Debian's chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  .venv/bin/pip install -q torch==2.13.0
fi
if [ "${1:-}" = "--test" ]; then
  .venv/bin/pip install -q -e '.[test]'
  if [ ! -x /usr/bin/chromium ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q chromium >/dev/null
  fi
else
  .venv/bin/pip install -q -e .
fi
