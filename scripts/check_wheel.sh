#!/usr/bin/env bash
# Build the wheel, install it into a fresh venv and use it from a directory outside the checkout:
# what a user who runs `pip install calfcheck` gets. Run by scripts/test.sh (and so by CI).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PY" -m pip wheel -q --no-deps -w "$work/dist" . 2>&1 | grep -v "^WARNING: Location" || true
wheel=$(ls "$work"/dist/calfcheck-*.whl)
# the runtime data ships in the wheel; the phrase banks, real posts and tests do not
"$PY" - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = {f"classifier/data/{n}" for n in ("conditions.toml", "out_of_scope.toml", "red_flags.toml", "train.jsonl.gz")}
missing = need - names
assert not missing, f"wheel lacks {sorted(missing)}"
stray = sorted(n for n in names if n.split("/")[0] in ("corpus", "tests", "scripts", "benchmarks"))
assert not stray, f"wheel carries checkout-only files: {stray[:5]}"
print(f"wheel: {len(names)} files, runtime data included, no checkout-only files")
PY
"$PY" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q "$wheel" 2>&1 | grep -v "^WARNING: Location" || true
cd "$work"   # far from the checkout: nothing may be read from it
export CALFCHECK_HOME="$work/home"
"$work/venv/bin/calfcheck" classify -t "I pulled my calf on a hill sprint, sharp pain mid-calf" -f jsonl > out.jsonl
"$work/venv/bin/calfcheck" info > info.json
"$PY" - <<'PY'
import json
row = json.loads(open("out.jsonl").read())
assert row["status"] == "ok" and row["label"] == "calf_strain", row
assert "+rules." in row["model_version"], row["model_version"]
info = json.load(open("info.json"))
assert info["model_version"] == row["model_version"]
print(f"installed wheel classified from {__import__('os').getcwd()}: {row['label']} ({row['model_version']})")
PY
