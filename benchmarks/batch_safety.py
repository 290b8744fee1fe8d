"""Batch runs you can trust, measured: memory with one huge line, and a run stopped by SIGTERM.

    python benchmarks/batch_safety.py                  # a 200 MB line; a 30,000-line run stopped by timeout
    python benchmarks/batch_safety.py --mb 50 --lines 10000   # a quick look

(a) Peak RSS of ``calfcheck classify`` given one 200 MB line and one short line (on stdin, and as a JSONL
    file), against the short line alone: the line is read at most up to the cap, so the peak should not grow with it
    (target: ≤ 1.2 × the short line's peak).
(b) ``timeout -s TERM 3 calfcheck classify … --jobs 2 -o FILE`` (the run in its own session): how many of
    the run's processes are alive 2 s after it exits (target: none), then ``--resume``: is the file
    identical to an uninterrupted run's output?

Peak RSS is the child's ``ru_maxrss`` (``resource.getrusage(RUSAGE_CHILDREN)`` in a fresh Python per run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from classifier import ensure_default_model
from classifier.training.generate import GeneratorConfig, generate

CLI = [sys.executable, "-m", "classifier", "classify"]
PEAK = ("import resource, subprocess, sys\n"
        "stdin = open(sys.argv[1], 'rb') if sys.argv[1] != '-' else subprocess.DEVNULL\n"
        "r = subprocess.run(sys.argv[2:], stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def peak_mb(args: list[str], stdin: str = "-") -> tuple[int, float]:
    out = subprocess.run([sys.executable, "-c", PEAK, stdin, *args], capture_output=True, text=True, check=True)
    code, kb = out.stdout.split()
    return int(code), int(kb) / 1024


def huge_line(path: Path, mb: int, jsonl: bool) -> None:
    chunk = b"my calf hurts " * 4096
    with open(path, "wb") as f:
        if jsonl:
            f.write(b'{"text": "')
        for _ in range(mb * 2**20 // len(chunk)):
            f.write(chunk)
        f.write(b'"}\n' if jsonl else b"\n")
        # and a short line after it, so every run also classifies one text (loads spaCy, as the baseline does)
        f.write(b'{"text": "my calf seized up at mile 20"}\n' if jsonl else b"my calf seized up at mile 20\n")


def session_alive(sid: int) -> int:
    n = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[3]) == sid:
                n += 1
        except (OSError, IndexError, ValueError):
            pass
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=200, help="size of the huge line")
    ap.add_argument("--lines", type=int, default=30_000, help="lines of the run stopped by SIGTERM")
    ap.add_argument("--after", type=float, nargs="+", default=[3.0, 10.0],
                    help="seconds before timeout sends SIGTERM (one stopped run each)")
    args = ap.parse_args()
    ensure_default_model()
    tmp = Path(tempfile.mkdtemp())
    short = tmp / "short.txt"
    short.write_text("my calf seized up at mile 20\n")
    huge_txt, huge_jsonl = tmp / "huge.txt", tmp / "huge.jsonl"
    huge_line(huge_txt, args.mb, jsonl=False)
    huge_line(huge_jsonl, args.mb, jsonl=True)
    _, base = peak_mb([*CLI, "-", "-f", "jsonl"], stdin=str(short))
    rows = [("one short line on stdin", base, 1.0)]
    for name, cmd, stdin in [(f"one {args.mb} MB line on stdin (text)", [*CLI, "-", "-f", "jsonl"], str(huge_txt)),
                             (f"one {args.mb} MB JSON line on stdin", [*CLI, "-", "-f", "jsonl"], str(huge_jsonl)),
                             (f"one {args.mb} MB line in a .jsonl file", [*CLI, str(huge_jsonl), "-f", "jsonl"], "-")]:
        code, mb = peak_mb(cmd, stdin)
        rows.append((f"{name} (exit {code})", mb, mb / base))
    print("(a) peak RSS of the CLI\n")
    print("| input | peak RSS (MB) | / short line |")
    print("|---|---:|---:|")
    for name, mb, ratio in rows:
        print(f"| {name} | {mb:.0f} | {ratio:.2f} |")
    worst = max(r for _, _, r in rows)
    print(f"\nworst ratio {worst:.2f} (target ≤ 1.2): {'met' if worst <= 1.2 else 'MISSED'}\n")

    texts = [e.text for e in generate(GeneratorConfig(seed=77))][:3000]
    data = tmp / "notes.jsonl"
    data.write_text("".join(json.dumps({"id": f"n{i}", "text": texts[i % len(texts)]}) + "\n"
                            for i in range(args.lines)))
    whole = subprocess.run([*CLI, str(data), "-f", "jsonl", "--id-field", "id"], capture_output=True, check=True).stdout
    print("(b) --jobs 2 stopped by `timeout -s TERM AFTER` and resumed\n")
    print("| AFTER (s) | timeout's exit (124: it sent SIGTERM) | run's message | records in the partial "
          "| processes alive 2 s after exit (target 0) | --resume exit | resumed file identical (target yes) |")
    print("|---:|---:|---|---:|---:|---:|---|")
    for k, after in enumerate(args.after):
        out = tmp / f"out{k}.jsonl"
        proc = subprocess.Popen(["timeout", "-s", "TERM", str(after), *CLI, str(data), "-f", "jsonl", "--id-field",
                                 "id", "-o", str(out), "--jobs", "2"], stderr=subprocess.PIPE, start_new_session=True)
        _, err = proc.communicate()
        time.sleep(2)
        alive = session_alive(proc.pid)
        partial = tmp / f"out{k}.jsonl.partial"
        done = partial.read_bytes().count(b"\n") if partial.exists() else 0
        r = subprocess.run([*CLI, str(data), "-f", "jsonl", "--id-field", "id", "-o", str(out), "--jobs", "2",
                            "--resume"], capture_output=True)
        same = out.exists() and out.read_bytes() == whole
        said = err.decode().strip().split(";")[0].removeprefix("calfcheck: ")
        print(f"| {after:g} | {proc.returncode} | {said} | {done:,} of {args.lines:,} | {alive} | {r.returncode} "
              f"| {'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
