"""Nothing lost, nothing doubled (issue 23): each numbered finding of the issue, as a case.

1, 2 one writer per output · 3 a stray CSV quote · 4 pipes read once · 5 SIGKILL leaves a resumable state ·
6, 7 the output is never an input · 8 any rejected JSON line is one error record · 9 closed standard
streams · 10 --ask stops like every run · 11 --jobs capped, workers die with their parent.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from classifier.batch.inputs import read_inputs
from classifier.batch.outfile import OutputError, check_output
from classifier.cli import main
from classifier.training.generate import GeneratorConfig, generate
from procfs import process_stats
from test_batch_safety import cli, rows_of, snapshot


@pytest.fixture
def run(model):
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [e.text for e in generate(GeneratorConfig(seed=23))][:30]


@pytest.fixture(scope="module")
def notes(tmp_path_factory, texts) -> Path:
    path = tmp_path_factory.mktemp("notes") / "notes.jsonl"
    path.write_text("".join(json.dumps({"id": f"n{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    return path


# 1, 2. One writer per output -------------------------------------------------------------------------------

@pytest.mark.parametrize("resume", [False, True])
def test_a_second_run_on_an_output_being_written_is_refused_and_changes_nothing(run, tmp_path, notes, resume):
    out = tmp_path / "out.jsonl"
    first = check_output(out, "jsonl")  # a run that has passed its -o check and is loading its model
    try:
        before = snapshot(tmp_path)
        r = run("classify", str(notes), "-f", "jsonl", "-o", str(out), *(["--resume"] if resume else []))
        assert r.exit_code == 2
        assert "Another calfcheck run" in r.output and f"pid {os.getpid()}" in r.output
        assert snapshot(tmp_path) == before
    finally:
        first.release()
    assert not (tmp_path / "out.jsonl.partial.lock").exists()
    r = run("classify", str(notes), "-f", "jsonl", "-o", str(out))
    assert r.exit_code == 0 and len(rows_of(out.read_text())) == 30


def test_two_runs_started_a_moment_apart_the_second_is_refused_and_the_first_keeps_its_records(model, tmp_path,
                                                                                               notes):
    big = tmp_path / "big.jsonl"
    big.write_text(notes.read_text() * 100)  # 3,000 records
    out = tmp_path / "out.jsonl"
    first = subprocess.Popen([sys.executable, "-m", "classifier", "classify", str(big), "-f", "jsonl", "-o", str(out)],
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (tmp_path / "out.jsonl.partial").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    for extra in ([], ["--resume"], ["--force"]):
        second = cli("classify", str(notes), "-f", "jsonl", "-o", str(out), *extra)
        assert second.returncode == 2 and "Another calfcheck run" in second.stderr, second.stderr
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert len(rows_of(out.read_text())) == 3000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.jsonl", "out.jsonl"]


# 5. SIGKILL between creating the files and the first chunk -------------------------------------------------

def test_a_run_killed_right_after_creating_its_files_can_be_resumed(model, tmp_path, notes):
    out = tmp_path / "out.jsonl"
    script = textwrap.dedent(f"""
        import os, signal
        from classifier.batch.outfile import check_output, open_output
        from classifier.batch.inputs import read_inputs
        from classifier.cli.classify import run_fingerprint
        from classifier.storage import locate_model
        from classifier import ensure_default_model
        _, meta = locate_model(ensure_default_model())
        plan = check_output({str(out)!r}, "jsonl")
        with open_output(plan, run_fingerprint("jsonl", meta["model_version"])) as o:
            o.skip_done(read_inputs([{str(notes)!r}]))
            os.kill(os.getpid(), signal.SIGKILL)  # the OOM killer, before the first chunk is written
    """)
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (tmp_path / "out.jsonl.partial.check").read_text().startswith('{"calfcheck_check"')
    r = cli("classify", str(notes), "-f", "jsonl", "-o", str(out), "--resume")
    assert r.returncode == 0, r.stderr
    assert len(rows_of(out.read_text())) == 30


# 6, 7. The output is never an input ------------------------------------------------------------------------

def test_own_files_are_not_read_back_when_the_folder_is_spelt_through_a_link(run, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("calf cramp at night")
    (folder / "b.txt").write_text("stiff achilles every morning")
    (tmp_path / "link").symlink_to(folder)
    r = run("classify", str(tmp_path / "link"), "-f", "jsonl", "-o", str(folder / "out.jsonl"))
    assert r.exit_code == 0, r.output
    assert [Path(row["id"]).name for row in rows_of((folder / "out.jsonl").read_text())] == ["a.txt", "b.txt"]


@pytest.mark.parametrize("spelt", ["in", "link"])
@pytest.mark.parametrize("force", [False, True])
def test_an_output_that_is_a_file_of_an_input_folder_is_refused_even_with_force(run, tmp_path, spelt, force):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("calf cramp at night")
    (folder / "b.txt").write_text("stiff achilles every morning")
    (tmp_path / "link").symlink_to(folder)
    before = snapshot(folder)
    r = run("classify", str(tmp_path / spelt), "-f", "jsonl", "-o", str(folder / "a.txt"),
            *(["--force"] if force else []))
    assert r.exit_code == 2 and "is also an input" in r.output
    assert snapshot(folder) == before


def test_a_previous_results_file_in_an_input_folder_may_still_be_replaced_with_force(run, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("calf cramp at night")
    for fmt in ("jsonl", "csv", "table", "json"):
        out = folder / f"results.{fmt}"
        for _ in range(2):  # the second run finds its own results in the folder: not an input, --force replaces them
            r = run("classify", str(folder), "-f", fmt, "-o", str(out), "--force")
            assert r.exit_code == 0, r.output
        out.unlink()


# 3. A stray quote in a CSV costs one row -------------------------------------------------------------------

def csv_records(data: str) -> list:
    from classifier.batch.inputs import records_from_csv
    from classifier.batch.textio import read_lines
    import io

    return list(records_from_csv(read_lines(io.BytesIO(data.encode()), 1_000_000), "f.csv", "text", "id"))


@pytest.mark.parametrize("cell", ['"calf cramp at night', 'calf "cramp" at night', '"calf" cramp at night',
                                  'calf cramp at night"'])
def test_a_stray_quote_in_a_1000_row_csv_is_one_error_record_and_every_other_row_is_read(cell):
    rows = [f"r{i},calf tight after {i} km" for i in range(1000)]
    rows[9] = f"r9,{cell}"
    records = csv_records("id,text\n" + "\n".join(rows) + "\n")
    assert len(records) == 1000
    assert all(r.ok for i, r in enumerate(records) if i != 9)
    assert [r.id for r in records[10:]] == [f"r{i}" for i in range(10, 1000)]
    if cell.startswith('"'):  # a quote that opens a cell and never closes: one error record for its row
        assert records[9].id == "f.csv:11" and "line 11 is not valid CSV" in records[9].error


def test_a_stray_quote_closed_by_a_later_one_costs_only_its_own_row():
    rows = [f"r{i},calf tight after {i} km" for i in range(100)]
    rows[9] = 'r9,"calf cramp at night'
    rows[50] = 'r50,it felt like a "pop",'  # a quote later on that could close the first one
    records = csv_records("id,text\n" + "\n".join(rows) + "\n")
    assert len(records) == 100
    assert [r.id for r in records if not r.ok] == ["f.csv:11"]


def test_a_quoted_cell_over_several_lines_is_still_one_row():
    records = csv_records('id,text\na,"calf cramp\nat night"\nb,stiff achilles\n')
    assert [(r.id, r.text) for r in records] == [("a", "calf cramp\nat night"), ("b", "stiff achilles")]


def test_a_stray_quote_in_a_csv_file_through_the_cli_exits_1_with_every_row(run, tmp_path):
    path = tmp_path / "intake.csv"
    rows = [f"calf tight after {i} km" for i in range(1000)]
    rows[9] = '"calf cramp at night'
    path.write_text("text\n" + "\n".join(rows) + "\n")
    r = run("classify", str(path), "-f", "jsonl")
    assert r.exit_code == 1
    out = rows_of(r.stdout)
    assert len(out) == 1000 and [o["id"] for o in out if o["status"] == "error"] == [f"{path}:11"]


# 4. Pipes are read once --------------------------------------------------------------------------------------

def test_a_jsonl_pipe_is_read_once_with_a_progress_bar(model, notes):
    r, w = os.pipe()
    os.write(w, notes.read_bytes())  # 30 short lines fit in the pipe's buffer
    os.close(w)
    try:
        res = subprocess.run([sys.executable, "-m", "classifier", "classify", f"/dev/fd/{r}", "--input-format",
                              "jsonl", "-f", "jsonl", "--progress"], pass_fds=(r,), capture_output=True, text=True,
                             timeout=300)
    finally:
        os.close(r)
    assert res.returncode == 0, res.stderr
    assert len(rows_of(res.stdout)) == 30


def test_a_fifo_is_read_once_not_waited_on_for_ever(model, tmp_path, notes):
    import threading

    fifo = tmp_path / "posts.jsonl"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(notes.read_bytes()), daemon=True)
    writer.start()
    res = subprocess.run([sys.executable, "-m", "classifier", "classify", str(fifo), "-f", "jsonl", "--progress"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert len(rows_of(res.stdout)) == 30


# 8. Any JSON line json.loads rejects is one error record -----------------------------------------------------

@pytest.mark.parametrize("line, says", [("[" * 100_000, "nested too deeply"),
                                        ('{"text": ' + "7" * 5000 + "}", "cannot be read"),
                                        ('{"id": ' + "[" * 900 + "]" * 900 + ', "text": "calf"}', None)])
def test_any_json_line_that_cannot_be_read_is_one_error_record(tmp_path, line, says):
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps({"text": "calf cramp at night"}) + "\n" + line + "\n"
                    + json.dumps({"text": "stiff achilles"}) + "\n")
    records = list(read_inputs([str(path)], id_field="id"))
    assert len(records) == 3 and records[0].ok and records[2].ok
    if says:
        assert not records[1].ok and says in records[1].error


@pytest.mark.parametrize("value, kind", [(7, "a number"), (["calf"], "a list"), (None, "null")])
def test_a_text_field_that_is_not_text_says_so(tmp_path, value, kind):
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps({"text": value}) + "\n")
    (record,) = read_inputs([str(path)])
    assert f"the 'text' field is {kind}, not text" in record.error


# 9. Closed standard streams ---------------------------------------------------------------------------------

def sh(command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=300, **kwargs)


def test_a_run_with_stderr_closed_writes_its_output_and_leaves_no_partial(model, tmp_path, notes):
    out = tmp_path / "out.jsonl"
    r = sh(f"exec '{sys.executable}' -m classifier classify '{notes}' -f jsonl -o '{out}' 2>&-")
    assert r.returncode == 0
    assert len(rows_of(out.read_text())) == 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]
    r = sh(f"exec '{sys.executable}' -m classifier classify '{notes}' -f jsonl 2>&-")
    assert r.returncode == 0 and len(rows_of(r.stdout)) == 30


def test_a_run_with_stdout_closed_and_no_output_file_is_refused_clearly(model, tmp_path, notes):
    r = sh(f"exec '{sys.executable}' -m classifier classify '{notes}' -f jsonl >&-")
    assert r.returncode == 2 and "stdout is closed" in r.stderr and "Traceback" not in r.stderr
    out = tmp_path / "out.jsonl"
    r = sh(f"exec '{sys.executable}' -m classifier classify '{notes}' -f jsonl -o '{out}' >&-")
    assert r.returncode == 0, r.stderr
    assert len(rows_of(out.read_text())) == 30


def test_a_run_with_stdin_closed_reads_files_and_refuses_dash(model, tmp_path, notes):
    r = sh(f"exec '{sys.executable}' -m classifier classify -f jsonl <&-")
    assert r.returncode == 2 and "stdin is closed" in r.stderr and "Traceback" not in r.stderr
    r = sh(f"exec '{sys.executable}' -m classifier classify '{notes}' -f jsonl <&-")
    assert r.returncode == 0 and len(rows_of(r.stdout)) == 30


# 11. --jobs is capped; workers die with their parent ----------------------------------------------------------

@pytest.fixture
def executors(monkeypatch):
    """The max_workers of every loky executor the run asks for (the real executor is still used)."""
    import joblib.externals.loky as loky

    asked, real = [], loky.get_reusable_executor

    def recording(*args, max_workers=None, **kwargs):
        asked.append(max_workers)
        return real(*args, max_workers=max_workers, **kwargs)

    monkeypatch.setattr(loky, "get_reusable_executor", recording)
    return asked


def test_jobs_24_on_five_descriptions_starts_no_worker_and_says_so(model, executors, caplog):
    from classifier.batch.parallel import classify_records
    from classifier.batch.inputs import Record

    records = [Record(f"r{i}", text="calf cramp at night") for i in range(5)]
    results = list(classify_records(model, records, jobs=24))
    assert [r["id"] for r in results] == [f"r{i}" for i in range(5)]
    assert executors == []
    assert "using 1 process" in caplog.text


def test_jobs_is_capped_at_the_cpu_count_and_the_number_of_chunks(model, executors, caplog, monkeypatch):
    import joblib

    from classifier.batch.parallel import classify_records
    from classifier.batch.inputs import Record

    monkeypatch.setattr(joblib, "cpu_count", lambda: 8)
    records = [Record(f"r{i}", text="calf cramp at night") for i in range(6)]
    results = list(classify_records(model, records, jobs=24, chunk_size=2))  # 3 chunks
    assert [r["id"] for r in results] == [f"r{i}" for i in range(6)]
    assert executors == [2]  # 3 processes: this one and 2 workers
    assert "8 CPUs: using 8 processes" in caplog.text and "3 chunks of up to" in caplog.text


def _children(pid: int) -> list[int]:
    return [child for child, fields in process_stats().items() if int(fields[1]) == pid]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def started_with_a_worker(model, tmp_path, notes):
    """A --jobs 2 run writing -o, once its worker is busy: (process, worker pids, all its child processes)."""
    big = tmp_path / "big.jsonl"
    big.write_text(notes.read_text() * 1000)  # 30,000 records
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "classifier", "classify", str(big), "-f", "jsonl", "-o", str(out),
                             "--jobs", "2"], stderr=subprocess.PIPE, text=True)
    partial = tmp_path / "out.jsonl.partial"
    deadline = time.monotonic() + 300
    while not (partial.exists() and partial.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    children = {pid: Path(f"/proc/{pid}/cmdline").read_text() for pid in _children(proc.pid)}
    yield proc, [pid for pid, cmd in children.items() if "popen_loky" in cmd], list(children)
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_sigkill_of_a_jobs_2_run_leaves_no_worker_or_resource_tracker_alive(started_with_a_worker):
    proc, workers, children = started_with_a_worker
    assert len(workers) == 1 and all(_alive(pid) for pid in children)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children)


def test_a_worker_killed_by_the_system_ends_the_run_with_the_resume_hint(started_with_a_worker):
    proc, workers, _ = started_with_a_worker
    os.kill(workers[0], signal.SIGKILL)  # as the OOM killer does
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "a worker process died" in err and "--resume" in err and "Traceback" not in err


# 16, 17, 18. The page's limits -----------------------------------------------------------------------------

@pytest.mark.parametrize("sentence", ["my calf seized up at mile 20 and let go after I stretched it. ",
                                      "mollet très tendu après vingt kilomètres, crampe à l'arrivée. "])
def test_the_page_classifies_a_description_up_to_100000_bytes(model, sentence):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60)
    at.run()
    at.text_area(key="text").input(sentence * 20_000)  # 1.2 MB
    next(b for b in at.button if b.label == "Classify").click()
    started = time.perf_counter()
    at.run()
    assert not at.exception
    assert time.perf_counter() - started < 30
    classified = at.session_state["described"]
    assert 90_000 < len(classified.encode()) <= 100_000
    assert any("first 100,000 bytes" in w.value for w in at.warning)


def test_page_uploads_are_capped_in_bytes_and_descriptions():
    from classifier.batch.inputs import UploadTooLargeError, records_from_uploads

    with pytest.raises(UploadTooLargeError, match="5,000,001 bytes uploaded.*up to 5,000,000"):
        list(records_from_uploads([("a.jsonl", b"x" * 3_000_000), ("b.txt", b"y" * 2_000_001)]))
    many = "".join(json.dumps({"text": f"calf tight after {i} km"}) + "\n" for i in range(5_010)).encode()
    records = list(records_from_uploads([("many.jsonl", many)]))
    assert len(records) == 5_001 and all(r.ok for r in records[:5_000])
    assert "over 5,000 descriptions" in records[-1].error


def test_the_pages_results_table_cannot_export_a_formula():
    from classifier.batch.output import table_rows
    from classifier.batch.run import result_for
    from classifier.batch.inputs import Record

    rows = table_rows([result_for(Record('=2+5+cmd|" /C calc"!A0.txt', error="+binary"))])
    assert rows[0]["id"] == "'=2+5+cmd|\" /C calc\"!A0.txt" and rows[0]["error"] == "'+binary"


# 21. Smaller -------------------------------------------------------------------------------------------------

def test_a_nul_byte_after_the_first_8_kb_is_binary_too(tmp_path):
    path = tmp_path / "note.txt"
    path.write_bytes(b"calf cramp at night. " * 500 + b"\x00\x01\x02")  # the NUL at byte 10,500
    (record,) = read_inputs([str(path)])
    assert not record.ok and "binary" in record.error
    lines = tmp_path / "notes.csv"
    lines.write_bytes(b"text\n" + b"calf cramp at night\n" * 500 + b"stiff achilles \x00 morning\n")
    records = list(read_inputs([str(lines)]))
    assert len(records) == 501 and all(r.ok for r in records[:500])
    assert not records[500].ok and "binary" in records[500].error


def test_an_absolute_glob_is_a_usage_error(run, tmp_path):
    r = run("classify", str(tmp_path), "--glob", f"{tmp_path}/*.txt")
    assert r.exit_code == 2 and "relative pattern" in r.output


def test_a_folder_that_matches_nothing_says_so(tmp_path, caplog):
    (tmp_path / "a.md").write_text("calf cramp")
    assert list(read_inputs([str(tmp_path)], glob="*.txt")) == []
    assert "matches --glob '*.txt'" in caplog.text


def test_a_full_disk_while_writing_the_output_names_the_partial_and_how_to_resume(model, tmp_path, notes):
    import resource

    big = tmp_path / "big.jsonl"
    big.write_text(notes.read_text() * 40)  # 1,200 records, ~500 KB of results
    out = tmp_path / "out.jsonl"
    limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))  # noqa: E731
    r = subprocess.run([sys.executable, "-m", "classifier", "classify", str(big), "-f", "jsonl", "-o", str(out)],
                       capture_output=True, text=True, timeout=300, preexec_fn=limit)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "File too large" in r.stderr and "out.jsonl.partial" in r.stderr and "--resume" in r.stderr
    r = cli("classify", str(big), "-f", "jsonl", "-o", str(out), "--resume")
    assert r.returncode == 0, r.stderr
    assert len(rows_of(out.read_text())) == 1200


def test_a_reader_that_goes_away_ends_the_run_quietly(model, tmp_path, notes):
    big = tmp_path / "big.jsonl"
    big.write_text(notes.read_text() * 200)  # 6,000 records: far more than a pipe holds
    r = subprocess.run(["bash", "-c", f"'{sys.executable}' -m classifier classify '{big}' -f jsonl | head -1; "
                                      "echo \"status ${PIPESTATUS[0]}\" >&2"],
                       capture_output=True, text=True, timeout=300)
    assert len(r.stdout.splitlines()) == 1
    assert "Broken pipe" not in r.stderr and "Traceback" not in r.stderr and "Error" not in r.stderr
    assert "status 141" in r.stderr  # 128 + SIGPIPE, as a Unix tool killed by it
