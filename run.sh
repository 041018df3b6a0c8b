#!/usr/bin/env bash
# The main job: set up, ingest corpus/, serve the chat (and API) on http://127.0.0.1:7860/.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
export ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1
.venv/bin/rag ingest corpus/
exec .venv/bin/rag serve --host "${RAG_SERVE_HOST:-127.0.0.1}" --port "${RAG_SERVE_PORT:-7860}"
