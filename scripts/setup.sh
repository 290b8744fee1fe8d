#!/usr/bin/env bash
# Create .venv and install calfcheck with the extras in $EXTRAS (default: test). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
EXTRAS=${EXTRAS:-test}
if [[ ",$EXTRAS," == *",embeddings,"* ]]; then
  # torch first and pinned: 2.13.0 is the CPU build (on this kind of machine it lies on disk); an unpinned
  # torch would pull a CUDA build of several GB.
  .venv/bin/python -m pip install -q "torch==2.13.0"
fi
.venv/bin/python -m pip install -q -e ".[$EXTRAS]"
