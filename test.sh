#!/usr/bin/env bash
# Set up (test tools, Debian chromium), start a Chroma server for the server-mode tests, run pytest.
# Extra arguments go to pytest, e.g. ./test.sh -m benchmark
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh --test
export ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1

chroma_dir=$(mktemp -d)
port=$(.venv/bin/python -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
.venv/bin/chroma run --path "$chroma_dir/data" --host 127.0.0.1 --port "$port" >"$chroma_dir/server.log" 2>&1 &
chroma_pid=$!
trap 'kill $chroma_pid 2>/dev/null; wait $chroma_pid 2>/dev/null; rm -rf "$chroma_dir"' EXIT
for _ in $(seq 1 120); do
  .venv/bin/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/api/v2/heartbeat', timeout=2)" \
    2>/dev/null && break
  kill -0 $chroma_pid 2>/dev/null || { cat "$chroma_dir/server.log"; echo "chroma server failed to start"; exit 1; }
  sleep 0.5
done
export RAG_TEST_CHROMA_URL="http://127.0.0.1:$port"

.venv/bin/ruff check rag ui eval tests
.venv/bin/python -m pytest -q "$@"
