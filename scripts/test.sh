#!/usr/bin/env bash
# Set everything up (Python packages; Debian's chromium for the browser test) and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=test,embeddings bash scripts/setup.sh   # the embedding baseline is tested too
if ! command -v chromium > /dev/null && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null) \
    || echo "warning: could not install chromium; the browser test will fail in CI" >&2
fi
exec .venv/bin/python -m pytest "$@"
