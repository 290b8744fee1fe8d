"""Batch runs you can trust, measured: memory with one huge line, a run stopped by SIGTERM or SIGKILL, two runs
on one output, a pipe, a CSV with a stray quote, and the model cache.

    python benchmarks/batch_safety.py                  # a 200 MB line; a 30,000-line run stopped by timeout
    python benchmarks/batch_safety.py --mb 50 --lines 10000   # a quick look
    python benchmarks/batch_safety.py --parts cdefg --lines 10000   # only the parts of issue 23

(a) Peak RSS of ``calfcheck classify`` given one 200 MB line and one short line (on stdin, and as a JSONL
    file), against the short line alone: the line is read at most up to the cap, so the peak should not grow with it
    (target: ≤ 1.2 × the short line's peak).
(b) ``timeout -s TERM 3 calfcheck classify … --jobs 2 -o FILE`` (the run in its own session): how many of
    the run's processes are alive 2 s after it exits (target: none), then ``--resume``: is the file
    identical to an uninterrupted run's output?

(c) SIGKILL (the OOM killer) of a ``--jobs 2 -o FILE`` run, the parent only: its processes alive 2 s later
    (target: none), then ``--resume``: is the file identical to an uninterrupted run's output?
(d) Two runs on one ``-o`` started 0.5 s apart, plain and ``--resume``: the second's exit (target 2), and is the
    first's file identical to an uninterrupted run's output (target yes, no record lost or doubled)?
(e) A JSONL input that is a pipe (``/dev/fd/N``, as ``<(zcat x.jsonl.gz)`` gives) with ``--progress``: records
    read (target: all).
(f) A 1,000-row CSV with a stray opening quote in row 10: records (target 1,000) and error records (target 1).
(g) The model cache: three processes starting with an empty cache (builds: target 1; exits: target all 0), and a
    truncated ``pipeline.joblib`` (target: rebuilt, exit 0).

Peak RSS is the child's ``ru_maxrss`` (``resource.getrusage(RUSAGE_CHILDREN)`` in a fresh Python per run).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
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


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for_data(path: Path, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not (path.exists() and path.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.05)


def part_a(args, tmp: Path) -> None:
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


def part_b(args, data: Path, whole: bytes, tmp: Path) -> None:
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
        alive_n = session_alive(proc.pid)
        partial = tmp / f"out{k}.jsonl.partial"
        done = partial.read_bytes().count(b"\n") if partial.exists() else 0
        r = subprocess.run([*CLI, str(data), "-f", "jsonl", "--id-field", "id", "-o", str(out), "--jobs", "2",
                            "--resume"], capture_output=True)
        same = out.exists() and out.read_bytes() == whole
        said = err.decode().strip().split(";")[0].removeprefix("calfcheck: ")
        print(f"| {after:g} | {proc.returncode} | {said} | {done:,} of {args.lines:,} | {alive_n} | {r.returncode} "
              f"| {'yes' if same else 'NO'} |")
    print()


def part_c(args, data: Path, whole: bytes, tmp: Path) -> None:
    print("(c) SIGKILL of the parent of a --jobs 2 -o run once results are written, then --resume\n")
    print("| records in the partial | its processes alive 2 s later (target 0) | --resume exit "
          "| resumed file identical (target yes) |")
    print("|---:|---:|---:|---|")
    out = tmp / "killed.jsonl"
    cmd = [*CLI, str(data), "-f", "jsonl", "--id-field", "id", "-o", str(out), "--jobs", "2"]
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for_data(tmp / "killed.jsonl.partial")
    children = children_of(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(2)
    left = sum(alive(pid) for pid in children)
    done = (tmp / "killed.jsonl.partial").read_bytes().count(b"\n")
    r = subprocess.run([*cmd, "--resume"], capture_output=True)
    same = out.exists() and out.read_bytes() == whole
    print(f"| {done:,} of {args.lines:,} | {left} of {len(children)} | {r.returncode} | {'yes' if same else 'NO'} |\n")


def part_d(args, data: Path, whole: bytes, tmp: Path) -> None:
    print("(d) a second run on the same -o started 0.5 s after the first\n")
    print("| second run | its exit (target 2) | its message | first run's exit | first's file identical (target yes) |")
    print("|---|---:|---|---:|---|")
    for extra in ([], ["--resume"], ["--force"]):
        out = tmp / f"twice{len(extra)}{''.join(extra)}.jsonl"
        cmd = [*CLI, str(data), "-f", "jsonl", "--id-field", "id", "-o", str(out)]
        first = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        second = subprocess.run([*cmd, *extra], capture_output=True, text=True)
        first.wait()
        same = out.exists() and out.read_bytes() == whole
        said = second.stderr.strip().splitlines()[-1].removeprefix("Error: ")[:45] + "…" if second.stderr.strip() else ""
        print(f"| {' '.join(extra) or 'plain'} | {second.returncode} | {said} | {first.returncode} "
              f"| {'yes' if same else 'NO'} |")
    print()


def part_e(args, data: Path, tmp: Path) -> None:
    r, w = os.pipe()
    feeder = subprocess.Popen(["cat", str(data)], stdout=w)
    os.close(w)
    res = subprocess.run([*CLI, f"/dev/fd/{r}", "--input-format", "jsonl", "-f", "jsonl", "--progress"],
                         pass_fds=(r,), capture_output=True, timeout=600)
    os.close(r)
    feeder.wait()
    got = res.stdout.count(b"\n")
    print(f"(e) a JSONL pipe (/dev/fd/N) with --progress: {got:,} of {args.lines:,} records, exit {res.returncode} "
          f"(target: all)\n")


def part_f(tmp: Path) -> None:
    rows = [f"r{i},calf tight after {i} km" for i in range(1000)]
    rows[9] = 'r9,"calf cramp at night'
    path = tmp / "stray.csv"
    path.write_text("id,text\n" + "\n".join(rows) + "\n")
    res = subprocess.run([*CLI, str(path), "--id-field", "id", "-f", "jsonl"], capture_output=True, text=True)
    out = [json.loads(line) for line in res.stdout.splitlines()]
    errors = sum(o["status"] == "error" for o in out)
    print(f"(f) a 1,000-row CSV with a stray quote in row 10: {len(out):,} records (target 1,000), {errors} error "
          f"record(s) (target 1), exit {res.returncode}\n")


def part_g(tmp: Path) -> None:
    home = tmp / "home"
    env = {**os.environ, "CALFCHECK_HOME": str(home)}
    cmd = [*CLI, "-t", "calf cramp at night", "-f", "jsonl"]
    start = time.perf_counter()
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    errs = [p.communicate()[1] for p in procs]
    took = time.perf_counter() - start
    builds = sum("building the default model" in e for e in errs)
    print(f"(g) three processes with an empty cache: {builds} build(s) (target 1), exits "
          f"{[p.returncode for p in procs]} (target all 0), {took:.1f} s")
    (pipeline,) = home.glob("models/default-*/pipeline.joblib")
    pipeline.write_bytes(pipeline.read_bytes()[:1000])
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    print(f"    a truncated pipeline.joblib: {'rebuilt' if 'building' in r.stderr else 'NOT rebuilt'}, "
          f"exit {r.returncode} (target: rebuilt, 0)\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=200, help="size of the huge line")
    ap.add_argument("--lines", type=int, default=30_000, help="lines of the runs stopped, killed or doubled")
    ap.add_argument("--after", type=float, nargs="+", default=[3.0, 10.0],
                    help="seconds before timeout sends SIGTERM (one stopped run each)")
    ap.add_argument("--parts", default="abcdefg", help="which parts to run (letters of the list above)")
    args = ap.parse_args()
    ensure_default_model()
    tmp = Path(tempfile.mkdtemp())
    if "a" in args.parts:
        part_a(args, tmp)
    texts = [e.text for e in generate(GeneratorConfig(seed=77))][:3000]
    data = tmp / "notes.jsonl"
    data.write_text("".join(json.dumps({"id": f"n{i}", "text": texts[i % len(texts)]}) + "\n"
                            for i in range(args.lines)))
    whole = subprocess.run([*CLI, str(data), "-f", "jsonl", "--id-field", "id"], capture_output=True).stdout
    if "b" in args.parts:
        part_b(args, data, whole, tmp)
    if "c" in args.parts:
        part_c(args, data, whole, tmp)
    if "d" in args.parts:
        part_d(args, data, whole, tmp)
    if "e" in args.parts:
        part_e(args, data, tmp)
    if "f" in args.parts:
        part_f(tmp)
    if "g" in args.parts:
        part_g(tmp)


if __name__ == "__main__":
    main()
