#!/usr/bin/env bash
# The main job: set up (installs only when pyproject.toml changed), ingest corpus/ and the feeds in RAG_FEEDS,
# serve the chat (and API) on http://127.0.0.1:7860/.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
export ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1
# Unchanged articles cost nothing here; an unchanged feed costs one request. A feed link that fails is reported
# and the chat is served over what is stored.
.venv/bin/rag ingest corpus/ ${RAG_FEEDS:+--feeds} ||
  echo "run.sh: some articles could not be ingested (see above); serving what is stored." >&2
exec .venv/bin/rag serve --host "${RAG_SERVE_HOST:-127.0.0.1}" --port "${RAG_SERVE_PORT:-7860}"
