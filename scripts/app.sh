#!/usr/bin/env bash
# Set everything up (once) and start the web UI on the default model at http://127.0.0.1:8501.
# Later starts skip the setup when .venv is installed from the same dependency spec (a stamp of pyproject.toml),
# so the page starts offline. The page listens on this machine only; to expose it on purpose, pass
# `--server.address 0.0.0.0` (extra arguments go to `streamlit run`). Stop it with Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=".venv/.calfcheck-setup-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ] || [ ! -x .venv/bin/streamlit ]; then
  bash scripts/setup.sh
  rm -f .venv/.calfcheck-setup-* && touch "$stamp"
fi
.venv/bin/calfcheck info > /dev/null   # builds the default model on first use (~20 s), offline
exec .venv/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false \
  --server.address 127.0.0.1 --server.port "${PORT:-8501}" "$@"
