#!/usr/bin/env bash
# Set everything up and start the web UI on the default model (http://localhost:8501).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/calfcheck info > /dev/null   # builds the default model on first use
exec .venv/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false "$@"
