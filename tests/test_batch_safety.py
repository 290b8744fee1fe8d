"""Batch files you can trust: each numbered finding of the "Batch files you can trust" issue, as a case.

1 resume checks what it continues · 2 the partial is never followed or cut before it is checked ·
3 -o only onto a regular file · 4 SIGTERM/SIGHUP stop cleanly · 5 no terminal or spreadsheet injection ·
6 encodings · 7 bounded reading · 8 exit 2 for an unusable -o, before the model loads.
"""

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from classifier.batch.inputs import MAX_LINE_BYTES
from classifier.cli import main
from classifier.training.generate import GeneratorConfig, generate
from procfs import process_stats
from test_batch import interrupted_partial


def cli(*args, input=None, env=None, timeout=600):
    """calfcheck in a fresh process, as users run it."""
    return subprocess.run([sys.executable, "-m", "classifier", *args], input=input, capture_output=True,
                          timeout=timeout, env={**os.environ, **(env or {})},
                          text=not isinstance(input, bytes))


def rows_of(out) -> list[dict]:
    out = out.decode() if isinstance(out, bytes) else out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def run(model):
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def notes(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("notes") / "notes.jsonl"
    texts = [e.text for e in generate(GeneratorConfig(seed=33))][:40]
    path.write_text("".join(json.dumps({"id": f"n{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    return path


def snapshot(folder: Path) -> dict:
    return {p.name: (p.read_bytes() if p.is_file() and not p.is_symlink() else os.readlink(p) if p.is_symlink()
                     else "fifo") for p in sorted(folder.iterdir())}


# 1. --resume proves what it continues ---------------------------------------------------------------------

def test_resume_refuses_a_partial_of_other_inputs_with_the_same_ids(model, tmp_path):
    """stdin ids are stdin:1, stdin:2 … for any input: the texts are what is compared."""
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("calf cramp at night\nstiff achilles every morning\ncalf tight after ten minutes\n")
    b.write_text("my knee hurts\nshin splints again\nsore hamstring\n")
    out = tmp_path / "out.jsonl"
    # the partial of a run over a's lines, stopped after two records
    interrupted_partial(model, out, [str(a)], 2, "jsonl", input_format="text")
    before = snapshot(tmp_path)
    r = cli("classify", str(b), "--input-format", "text", "-f", "jsonl", "-o", str(out), "--resume")
    assert r.returncode == 2 and "does not continue these inputs" in r.stderr
    assert snapshot(tmp_path) == before  # the refusal changed nothing


def test_resume_refuses_another_model_version_or_other_options_and_says_what_differs(model, tmp_path, notes):
    out = tmp_path / "out.jsonl"
    interrupted_partial(model, out, [str(notes)], 5, "jsonl", id_field="id")
    check = tmp_path / "out.jsonl.partial.check"
    before = snapshot(tmp_path)
    r = cli("classify", str(notes), "-f", "jsonl", "-o", str(out), "--resume", "--id-field", "id", "--explain")
    assert r.returncode == 2 and "options.explain: False there, True now" in r.stderr
    lines = check.read_text().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["model_version"] = "calfcheck-2.00000000+rules.00000000"
    check.write_text(json.dumps(header) + "\n" + "".join(lines[1:]))
    before = snapshot(tmp_path)
    r = cli("classify", str(notes), "-f", "jsonl", "-o", str(out), "--resume", "--id-field", "id")
    assert r.returncode == 2 and "model_version: 'calfcheck-2.00000000+rules.00000000' there" in r.stderr
    assert snapshot(tmp_path) == before


def test_resume_refuses_a_ragged_csv_and_a_partial_without_its_check_file(model, tmp_path, notes):
    out = tmp_path / "out.csv"
    interrupted_partial(model, out, [str(notes)], 5, "csv", id_field="id")
    partial = tmp_path / "out.csv.partial"
    with open(partial, "a") as f:
        f.write("n5,ok\n")  # a row of two columns
    before = snapshot(tmp_path)
    r = cli("classify", str(notes), "-f", "csv", "-o", str(out), "--resume", "--id-field", "id")
    assert r.returncode == 2 and "has 2 columns" in r.stderr and snapshot(tmp_path) == before
    (tmp_path / "out.csv.partial.check").unlink()
    r = cli("classify", str(notes), "-f", "csv", "-o", str(out), "--resume", "--id-field", "id")
    assert r.returncode == 2 and "cannot be checked" in r.stderr and partial.read_bytes() == before["out.csv.partial"]


# 2. the partial is never followed through a link, never cut before it is checked ---------------------------

def test_force_never_writes_through_a_symlinked_partial(run, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "out.jsonl.partial").symlink_to(victim)
    r = run("classify", "-t", "calf cramp", "-f", "jsonl", "-o", str(tmp_path / "out.jsonl"), "--force")
    assert r.exit_code == 0 and victim.read_text() == "precious"
    assert rows_of((tmp_path / "out.jsonl").read_text())[0]["label"] == "muscle_cramp"


def test_a_dangling_partial_link_is_refused_and_its_target_not_created(run, tmp_path):
    (tmp_path / "out.jsonl.partial").symlink_to(tmp_path / "elsewhere.txt")
    r = run("classify", "-t", "calf cramp", "-f", "jsonl", "-o", str(tmp_path / "out.jsonl"))
    assert r.exit_code == 2 and not (tmp_path / "elsewhere.txt").exists()
    r = run("classify", "-t", "calf cramp", "-f", "jsonl", "-o", str(tmp_path / "out.jsonl"), "--resume")
    assert r.exit_code == 2 and "not a partial file calfcheck wrote" in r.stderr
    assert not (tmp_path / "elsewhere.txt").exists()


def test_resume_of_a_foreign_partial_refuses_before_cutting_anything(run, tmp_path):
    partial = tmp_path / "out.jsonl.partial"
    partial.write_bytes(b'{"id": "x", "status": "ok"}\n{"id": "y", "sta')  # a last line cut mid-write
    (tmp_path / "out.jsonl.partial.check").write_text("not a check file\n")
    before = snapshot(tmp_path)
    r = run("classify", "-t", "calf cramp", "-f", "jsonl", "-o", str(tmp_path / "out.jsonl"), "--resume")
    assert r.exit_code == 2 and snapshot(tmp_path) == before


def test_resume_on_the_users_own_finished_csv_leaves_nothing_behind(run, tmp_path):
    notes = tmp_path / "notes.csv"
    notes.write_text("text\ncalf cramp at night\n")
    r = run("classify", "-t", "calf cramp at night", "-f", "csv", "-o", str(notes), "--resume")
    assert r.exit_code == 2 and "nothing to resume" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.csv"]
    assert notes.read_text() == "text\ncalf cramp at night\n"


# 3. -o onto something that is not a regular file ----------------------------------------------------------

@pytest.mark.parametrize("kind", ["fifo", "dangling_link", "directory", "device", "link_to_fifo"])
def test_output_onto_a_non_regular_file_is_refused_before_anything_runs(run, tmp_path, kind):
    target = tmp_path / "out.jsonl"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "dangling_link":
        target.symlink_to(tmp_path / "nowhere.jsonl")
    elif kind == "directory":
        target.mkdir()
    elif kind == "device":
        target = Path("/dev/null")
    else:
        os.mkfifo(tmp_path / "fifo")
        target.symlink_to(tmp_path / "fifo")
    before = snapshot(tmp_path)
    r = run("classify", "-t", "calf cramp", "-f", "jsonl", "-o", str(target), "--force")
    assert r.exit_code == 2 and str(target) in r.stderr and "partial" not in r.stderr
    assert snapshot(tmp_path) == before and not r.stdout


def test_a_fifo_at_the_partial_name_is_refused_not_waited_on(tmp_path, model):
    os.mkfifo(tmp_path / "out.jsonl.partial")
    r = cli("classify", "-t", "calf cramp", "-f", "jsonl", "-o", str(tmp_path / "out.jsonl"), "--resume",
            timeout=120)
    assert r.returncode == 2 and "FIFO" in r.stderr


def test_output_through_a_link_to_a_regular_file_writes_the_target(run, tmp_path):
    real = tmp_path / "real.jsonl"
    real.write_text("old\n")
    (tmp_path / "link.jsonl").symlink_to(real)
    r = run("classify", "-t", "calf cramp", "-f", "jsonl", "-o", str(tmp_path / "link.jsonl"), "--force")
    assert r.exit_code == 0 and (tmp_path / "link.jsonl").is_symlink()
    assert rows_of(real.read_text())[0]["label"] == "muscle_cramp"


# 4. SIGTERM and SIGHUP stop like Ctrl+C -------------------------------------------------------------------

def processes_in_session(sid: int) -> list[str]:
    return [str(pid) for pid, fields in process_stats().items() if int(fields[3]) == sid]


@pytest.fixture(scope="module")
def big(tmp_path_factory, notes) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    texts = [e.text for e in generate(GeneratorConfig(seed=34))][:2000]
    path.write_text("".join(json.dumps({"id": f"b{i}", "text": texts[i % len(texts)]}) + "\n"
                            for i in range(30_000)))
    return path


@pytest.mark.parametrize("sig, jobs", [(signal.SIGTERM, "2"), (signal.SIGHUP, "1")])
def test_stop_signal_ends_the_run_cleanly_and_resume_completes_it(model, tmp_path, big, sig, jobs):
    out = tmp_path / "out.jsonl"
    partial = tmp_path / "out.jsonl.partial"
    proc = subprocess.Popen([sys.executable, "-m", "classifier", "classify", str(big), "-f", "jsonl", "--id-field",
                             "id", "-o", str(out), "--jobs", jobs], stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    while not (partial.exists() and partial.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err
    assert f"stopped by {signal.Signals(sig).name}" in err and "--resume" in err
    time.sleep(2)
    assert processes_in_session(proc.pid) == []  # no worker or resource tracker outlives the run
    done = len(rows_of(partial.read_text()))
    assert 0 < done < 30_000 and not out.exists()
    r = cli("classify", str(big), "-f", "jsonl", "--id-field", "id", "-o", str(out), "--jobs", jobs, "--resume")
    assert r.returncode == 0 and f"{done} already in" in r.stderr
    rows = rows_of(out.read_text())
    assert [row["id"] for row in rows] == [f"b{i}" for i in range(30_000)]
    whole = cli("classify", str(big), "-f", "jsonl", "--id-field", "id")
    assert out.read_text() == whole.stdout  # identical to an uninterrupted run


# 5. no terminal or spreadsheet injection ------------------------------------------------------------------

HOSTILE_ID = "\u001b[2J\u001b]0;x\u0007ok\rFAKE: emergency"


def test_table_output_escapes_control_characters_in_ids_names_and_keys(run, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": HOSTILE_ID, "text": "calf cramp at night"}) + "\n"
                    + json.dumps({"id": "k", "\u001b[31mkey": "x"}) + "\n")
    named = tmp_path / "dir"
    named.mkdir()
    (named / "\u001b[2Jnote.txt").write_text("calf cramp at night")
    r = run("classify", str(path), str(named), "--id-field", "id", "-f", "table")
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\r" not in r.stdout
    assert "\\x1b[2J\\x1b]0;x\\x07ok\\rFAKE: emergency: Calf cramp" in r.stdout
    assert "\\x1b[31mkey" in r.stdout and "\\x1b[2Jnote.txt" in r.stdout


@pytest.mark.parametrize("rid", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\tx", "\rx"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(run, tmp_path, rid):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": rid, "text": "calf cramp at night"}) + "\n")
    row = next(csv.DictReader(io.StringIO(run("classify", str(path), "--id-field", "id", "-f", "csv").stdout, newline="")))
    assert row["id"] == "'" + rid and row["label"] == "muscle_cramp"
    raw = next(csv.DictReader(io.StringIO(run("classify", str(path), "--id-field", "id", "-f", "csv",
                                              "--csv-raw").stdout, newline="")))
    assert raw["id"] == rid


# 6. encodings ---------------------------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


def test_utf8_bom_on_stdin_jsonl_and_in_jsonl_and_csv_files(run, tmp_path):
    line = json.dumps({"id": "a", "text": "calf cramp at night"}).encode() + b"\n"
    r = run("classify", "-", "--id-field", "id", "-f", "jsonl", input=BOM + line)
    assert [row["id"] for row in rows_of(r.stdout)] == ["a"]
    (tmp_path / "in.jsonl").write_bytes(BOM + line)
    (tmp_path / "in.csv").write_bytes(BOM + b"text,id\ncalf cramp at night,c\n")
    r = run("classify", str(tmp_path / "in.jsonl"), str(tmp_path / "in.csv"), "--id-field", "id", "-f", "jsonl")
    rows = rows_of(r.stdout)
    assert [(row["id"], row["status"], row["warning"]) for row in rows] == [("a", "ok", None), ("c", "ok", None)]


@pytest.mark.parametrize("name, data", [
    ("note.txt", "calf cramp at night".encode("utf-16")),
    ("in.csv", "text,id\ncalf cramp at night,u\n".encode("utf-16")),
    ("in.jsonl", (json.dumps({"id": "u", "text": "calf cramp at night"}) + "\n").encode("utf-16")),
])
def test_utf16_with_a_bom_is_read(run, tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    row = rows_of(run("classify", str(tmp_path / name), "--id-field", "id", "-f", "jsonl").stdout)[0]
    assert row["status"] == "ok" and row["label"] == "muscle_cramp" and not row["warning"]


def test_invalid_utf8_is_replaced_with_a_warning_on_every_path(run, tmp_path):
    bad = b"calf cramp at night \xff\xfe caf\xe9"
    (tmp_path / "in.jsonl").write_bytes(b'{"text": "' + bad + b'"}\n')
    (tmp_path / "in.csv").write_bytes(b"text\n" + bad + b"\n")
    for args, kw in [((str(tmp_path / "in.jsonl"),), {}), ((str(tmp_path / "in.csv"),), {}),
                     (("-",), {"input": bad + b"\n"})]:
        row = rows_of(run("classify", *args, "-f", "jsonl", **kw).stdout)[0]
        assert row["status"] == "ok" and "invalid UTF-8" in row["warning"], (args, row)


# 7. bounded reading -----------------------------------------------------------------------------------------

def test_a_json_line_over_the_cap_is_one_error_record_and_the_rest_is_read(run, tmp_path):
    path = tmp_path / "in.jsonl"
    with open(path, "w") as f:
        f.write(json.dumps({"id": "huge", "text": "calf " * (MAX_LINE_BYTES // 2)}) + "\n")
        f.write(json.dumps({"id": "fine", "text": "calf cramp at night"}) + "\n")
    rows = rows_of(run("classify", str(path), "--id-field", "id", "-f", "jsonl").stdout)
    assert rows[0]["status"] == "error" and f"over {MAX_LINE_BYTES} bytes" in rows[0]["error"]
    assert rows[1]["id"] == "fine" and rows[1]["label"] == "muscle_cramp"


# 8. an unusable -o is a usage error about FILE, found before the model loads ------------------------------

def test_missing_directory_is_exit_2_naming_the_file_before_the_model_loads(tmp_path):
    empty_home = tmp_path / "home"  # no model here: had it loaded, it would have been built first
    r = cli("classify", "-t", "calf cramp", "-o", str(tmp_path / "missing" / "out.jsonl"),
            env={"CALFCHECK_HOME": str(empty_home)})
    assert r.returncode == 2 and "missing/out.jsonl" in r.stderr and "does not exist" in r.stderr
    assert "partial" not in r.stderr and not empty_home.exists()


def test_read_only_directory_is_exit_2_naming_the_file(run, tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    real_access = os.access
    # root may write anywhere: answer for this directory as the kernel does for everyone else
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == locked else real_access(p, mode))
    r = run("classify", "-t", "calf cramp", "-o", str(locked / "out.jsonl"))
    assert r.exit_code == 2 and "locked/out.jsonl" in r.stderr and "not writable" in r.stderr
    assert list(locked.iterdir()) == []


# found by review ------------------------------------------------------------------------------------------

def test_output_inside_an_input_folder_is_not_read_back_and_an_input_is_never_the_output(run, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("calf cramp at night")
    (notes / "b.txt").write_text("stiff achilles every morning")
    for _ in range(2):  # the second run finds results.jsonl in the folder: still not an input
        r = run("classify", str(notes), "-f", "jsonl", "-o", str(notes / "results.jsonl"), "--force")
        assert r.exit_code == 0
        assert [Path(row["id"]).name for row in rows_of((notes / "results.jsonl").read_text())] == ["a.txt", "b.txt"]
    before = (notes / "a.txt").read_text()
    r = run("classify", str(notes / "a.txt"), "-f", "jsonl", "-o", str(notes / "a.txt"), "--force")
    assert r.exit_code == 2 and "is also an input" in r.stderr and (notes / "a.txt").read_text() == before


def test_a_csv_line_over_the_cap_is_one_error_record_and_the_next_rows_are_kept(run, tmp_path):
    path = tmp_path / "in.csv"
    with open(path, "w") as f:
        f.write('text,id\n"' + "calf " * (MAX_LINE_BYTES // 4) + '",a\n')
        f.write("calf cramp at night,b\nstiff achilles every morning,c\n")
    rows = rows_of(run("classify", str(path), "--id-field", "id", "-f", "jsonl").stdout)
    assert [row["status"] for row in rows] == ["error", "ok", "ok"]
    assert f"over {MAX_LINE_BYTES} bytes" in rows[0]["error"] and [row["id"] for row in rows[1:]] == ["b", "c"]


def test_resume_drops_a_csv_row_cut_inside_a_quoted_field(model, tmp_path):
    src = tmp_path / "in.jsonl"
    ids = [f"n{i}" if i % 3 else f"two\nlines {i}" for i in range(12)]
    src.write_text("".join(json.dumps({"id": i, "text": "calf cramp at night"}) + "\n" for i in ids))
    full = cli("classify", str(src), "--id-field", "id", "-f", "csv").stdout
    out = tmp_path / "out.csv"
    interrupted_partial(model, out, [str(src)], 7, "csv", id_field="id")
    partial = tmp_path / "out.csv.partial"
    data = partial.read_text()
    cut = data.rindex('"two\n') + len('"two\n')  # a crash right after the newline inside the last quoted id
    partial.write_text(data[:cut])
    r = cli("classify", str(src), "--id-field", "id", "-f", "csv", "-o", str(out), "--resume")
    assert r.returncode == 0, r.stderr
    assert "6 already in" in r.stderr and out.read_text() == full


def test_an_unpaired_surrogate_in_an_id_does_not_stop_the_run(run, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "\\ud800x", "text": "calf cramp at night"}\n{"id": "ok", "text": "calf cramp"}\n')
    for fmt in ("jsonl", "csv", "table"):
        r = run("classify", str(path), "--id-field", "id", "-f", fmt)
        assert r.exit_code == 0 and "\ufffdx" in r.stdout and "ok" in r.stdout, fmt
    row = rows_of(run("classify", str(path), "--id-field", "id", "-f", "jsonl").stdout)[0]
    assert row["label"] == "muscle_cramp" and "surrogate" in row["warning"]


def test_formats_that_cannot_resume_never_suggest_resume(run, tmp_path):
    (tmp_path / "o.json.partial").write_text("[")
    r = run("classify", "-t", "calf cramp", "-f", "json", "-o", str(tmp_path / "o.json"))
    assert r.exit_code == 2 and "--resume" not in r.stderr and "--force" in r.stderr


def test_utf16_without_a_bom_on_stdin_is_called_binary_with_what_to_do(run):
    r = run("classify", "-", "-f", "jsonl", input="calf cramp at night\n".encode("utf-16-le"))
    rows = rows_of(r.stdout)
    assert len(rows) == 1 and rows[0]["status"] == "error" and "save it as UTF-8" in rows[0]["error"]


def test_a_jsonl_line_of_exactly_the_cap_with_crlf_is_read(tmp_path):
    import io as _io

    from classifier.batch.textio import read_lines

    line = b"x" * 100 + b"\r\n"
    assert [(l.text, l.over_cap) for l in read_lines(_io.BytesIO(line + b"y\n"), 100)] == [("x" * 100, False),
                                                                                        ("y", False)]
    assert [l.over_cap for l in read_lines(_io.BytesIO(b"x" * 101 + b"\r\ny\n"), 100)] == [True, False]


def test_dash_output_is_stdout_written_directly(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("classify", "-t", "calf cramp at night", "-f", "jsonl", "-o", "-")
    assert r.exit_code == 0 and rows_of(r.stdout)[0]["label"] == "muscle_cramp"
    assert list(tmp_path.iterdir()) == []  # no file named "-", no partial
