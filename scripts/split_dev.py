"""Split real dev once, by source site, into a *study* half (read its errors) and a *check* half
(scores only, never read). Writes ``corpus/real/dev_halves.json`` ({id: "study"|"check"}); refuses
when it exists, like the dev/test split. A site's posts all go to one half, so a change that only
learns one site's way of writing cannot show up on both.

    python scripts/split_dev.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "corpus" / "real" / "dev.jsonl"
OUT = ROOT / "corpus" / "real" / "dev_halves.json"
SALT = "calfcheck-dev-halves-2026-12-04"


def site(url: str) -> str:
    host = urlparse(url).netloc.lower()
    return host[4:] if host.startswith("www.") else host


def main() -> int:
    if OUT.exists():
        print(f"{OUT} exists: the halves are chosen once and never redone.", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in DEV.open(encoding="utf-8")]
    halves = {}
    for r in rows:
        h = hashlib.sha256((SALT + site(r["source"])).encode()).digest()[0]
        halves[r["id"]] = "study" if h % 2 == 0 else "check"
    OUT.write_text(json.dumps(halves, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    from collections import Counter
    counts = Counter((halves[r["id"]], r["label"] or "red_flag_story") for r in rows)
    for half in ("study", "check"):
        print(half, sum(v for (h, _), v in counts.items() if h == half),
              {lab: v for (h, lab), v in sorted(counts.items()) if h == half})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
