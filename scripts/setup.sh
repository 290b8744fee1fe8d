#!/usr/bin/env bash
# Create a virtual environment ($VENV, default .venv) and install calfcheck with the extras in $EXTRAS
# (default: test). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}
EXTRAS=${EXTRAS:-test}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
if [[ ",$EXTRAS," == *",embeddings,"* ]]; then
  # torch first and pinned: this kind of machine has torch 2.13.0's CPU build on disk; an unpinned torch
  # would pull a CUDA build of several GB.
  "$VENV/bin/python" -m pip install -q "torch==2.13.0"
fi
"$VENV/bin/python" -m pip install -q -e ".[$EXTRAS]"
