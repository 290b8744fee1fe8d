#!/usr/bin/env bash
# Set everything up (Python packages; Debian's chromium for the browser test) and run the test suite.
#
# Two environments: .venv is the product's (what `scripts/app.sh` and the CLI use); .venv-embeddings adds
# the optional embedding baseline (torch + sentence-transformers) for the tests marked `embeddings`. They
# are kept apart because spaCy's thinc imports torch whenever it is installed: `import spacy` took 0.5 s and
# 107 MB without torch, 1.7-2.1 s and 270 MB with it, for nothing calfcheck's own model uses.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium > /dev/null && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null) \
    || echo "warning: could not install chromium; the browser test will fail in CI" >&2
fi
.venv/bin/python -m pytest -m "not embeddings" "$@"
bash scripts/check_wheel.sh   # the wheel, installed in a fresh venv, classifies from outside the checkout
VENV=.venv-embeddings EXTRAS=test,embeddings bash scripts/setup.sh
status=0
.venv-embeddings/bin/python -m pytest -m embeddings "$@" || status=$?
[ "$status" = 5 ] && status=0   # 5: the arguments selected no embedding test
exit "$status"
