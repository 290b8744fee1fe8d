"""Batch classification at scale: workers, Dask, resume after Ctrl+C, long streams, bad inputs."""

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import classifier.batch.inputs
from classifier.cli import main
from classifier.training.generate import GeneratorConfig, generate
from classifier.batch.inputs import MAX_TEXT_BYTES

BAD_LINES = {7: "{not json", 300: json.dumps({"body": "no text field"}), 901: json.dumps({"text": "   "})}


def cli(*args, input=None, check=True):
    """Run calfcheck in a fresh process, as users do (worker processes need a real process)."""
    r = subprocess.run([sys.executable, "-m", "classifier", *args], input=input, capture_output=True, text=True,
                       timeout=600)
    if check:
        assert r.returncode in (0, 1), r.stderr
    return r


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def posts(tmp_path_factory):
    """1,200 JSONL lines: generated descriptions with three bad lines among them."""
    texts = [e.text for e in generate(GeneratorConfig(seed=21))][:1200]
    lines = [BAD_LINES.get(i) or json.dumps({"id": f"p{i}", "text": t}) for i, t in enumerate(texts)]
    path = tmp_path_factory.mktemp("batch") / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def one_worker(model, posts):
    r = cli("classify", str(posts), "-f", "jsonl", "--id-field", "id")
    assert r.returncode == 1  # three bad lines
    return r.stdout


def test_batch_every_line_yields_one_record_in_order_with_errors_in_place(one_worker):
    rows = jsonl(one_worker)
    assert len(rows) == 1200
    for i, row in enumerate(rows):
        assert (row["status"] == "error") == (i in BAD_LINES), row
        if i not in BAD_LINES:
            assert row["id"] == f"p{i}" and row["label"] is not None
    assert "invalid JSON on line 8" in rows[7]["error"] and "--text-field" in rows[300]["error"]
    assert "empty" in rows[901]["error"]


def test_batch_two_workers_give_the_same_output_in_the_same_order(posts, one_worker):
    r = cli("classify", str(posts), "-f", "jsonl", "--id-field", "id", "--jobs", "2")
    assert r.returncode == 1
    assert r.stdout == one_worker


def test_batch_dask_local_cluster_gives_the_same_output(posts, one_worker):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        r = cli("classify", str(posts), "-f", "jsonl", "--id-field", "id", "--dask", cluster.scheduler_address)
    assert r.returncode == 1, r.stderr
    assert r.stdout == one_worker


def test_batch_ctrl_c_keeps_the_partial_file_and_resume_completes_it(model, tmp_path, posts):
    big = tmp_path / "big.jsonl"
    big.write_text(posts.read_text() * 25)  # 30,000 lines: long enough to interrupt
    out = tmp_path / "out.jsonl"
    partial = tmp_path / "out.jsonl.partial"
    # A shell that runs this suite in the background (`bash .ci/run &`) starts it with SIGINT ignored, and
    # the child would inherit that: give it the default action, as a terminal's Ctrl+C finds it.
    proc = subprocess.Popen([sys.executable, "-m", "classifier", "classify", str(big), "-f", "jsonl", "-o", str(out)],
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while not (partial.exists() and partial.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted after" in err and "--resume" in err
    assert not out.exists()  # no half file under the final name
    done = len(jsonl(partial.read_text()))
    assert 0 < done < 30_000

    r = cli("classify", str(big), "-f", "jsonl", "-o", str(out), "--resume")
    assert f"{done} already in" in r.stderr
    assert not partial.exists()
    rows = jsonl(out.read_text())
    assert len(rows) == 30_000
    assert [row["id"] for row in rows] == [f"{big}:{n}" for n in range(1, 30_001)]


def interrupted_partial(model, out, inputs: list[str], k: int, fmt: str, **options) -> None:
    """Leave ``out``'s partial and check file as a run stopped after ``k`` records leaves them (the CLI's
    own output code, stopped by KeyboardInterrupt)."""
    from itertools import islice

    from classifier.batch.inputs import read_inputs
    from classifier.batch.outfile import check_output, open_output
    from classifier.batch.output import ResultWriter
    from classifier.batch.parallel import classify_records
    from classifier.cli.classify import run_fingerprint

    plan = check_output(out, fmt)
    with pytest.raises(KeyboardInterrupt):
        with open_output(plan, run_fingerprint(fmt, model.version, **options)) as o:
            records = o.skip_done(read_inputs(inputs, id_field=options.get("id_field")))
            writer = ResultWriter(o.stream, fmt, record_sink=o.write)
            for _, text in islice(classify_records(model, records, fmt=fmt), k):
                writer.write(text)
            raise KeyboardInterrupt


def test_batch_resume_drops_a_line_cut_mid_write_and_appends_the_rest(model, tmp_path, posts):
    full = cli("classify", str(posts), "-f", "csv").stdout
    out = tmp_path / "out.csv"
    interrupted_partial(model, out, [str(posts)], 501, "csv")
    partial = tmp_path / "out.csv.partial"
    lines = partial.read_text().splitlines(keepends=True)
    assert len(lines) == 502 and "".join(lines) == "".join(full.splitlines(keepends=True)[:502])
    partial.write_text("".join(lines[:501]) + lines[501][:20])  # header + 500 rows + a row cut mid-write
    r = cli("classify", str(posts), "-f", "csv", "-o", str(out), "--resume")
    assert "500 already in" in r.stderr and r.returncode == 1
    assert out.read_text() == full
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # partial and check file gone


def test_batch_resume_refuses_output_of_other_inputs(model, tmp_path, posts):
    out = tmp_path / "out.jsonl"
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"text": "calf cramp at night"}) + "\n")
    interrupted_partial(model, out, [str(other)], 1, "jsonl")
    partial = tmp_path / "out.jsonl.partial"
    before = partial.read_bytes()
    r = cli("classify", str(posts), "-f", "jsonl", "-o", str(out), "--resume", check=False)
    assert r.returncode == 2 and "does not continue these inputs" in r.stderr
    assert partial.read_bytes() == before and not out.exists()
    r = cli("classify", str(posts), "-f", "jsonl", "-o", str(out), check=False)  # neither --resume nor --force
    assert r.returncode == 2 and "--resume" in r.stderr and "--force" in r.stderr


def test_batch_streams_200000_lines_from_stdin(model):
    lines = "".join(f"calf tight after run {i % 97}, easy {i % 13} km\n" for i in range(200_000))
    r = cli("classify", "-", "-f", "jsonl", input=lines)
    assert r.returncode == 0, r.stderr[-500:]
    out = r.stdout.splitlines()
    assert len(out) == 200_000
    assert json.loads(out[-1])["id"] == "stdin:200000"


@pytest.fixture
def run(model):
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(main, list(args), input=input, catch_exceptions=False)


def test_batch_unreadable_file_gets_an_error_record(run, tmp_path, monkeypatch):
    locked, fine = tmp_path / "locked.txt", tmp_path / "fine.txt"
    locked.write_text("calf cramp at night")
    fine.write_text("calf cramp at night")
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads any file: make the read fail as it does for other users
        real_open = open

        def deny(path, *args, **kwargs):
            if str(path) == str(locked):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(classifier.batch.inputs, "open", deny, raising=False)
    r = run("classify", str(locked), str(fine), "-f", "jsonl")
    rows = jsonl(r.stdout)
    assert r.exit_code == 1
    assert rows[0]["status"] == "error" and "permission denied" in rows[0]["error"]
    assert rows[1]["status"] == "ok" and rows[1]["label"] == "muscle_cramp"


def test_batch_50_mb_file_is_truncated_and_flagged(run, tmp_path):
    huge = tmp_path / "huge.txt"
    with open(huge, "w") as f:
        for _ in range(50):
            f.write("my calf cramped at night and let go when i stretched it. " * 18_000)
    assert huge.stat().st_size > 50_000_000
    rows = jsonl(run("classify", str(huge), "-f", "jsonl").stdout)
    assert rows[0]["status"] == "ok" and rows[0]["label"] == "muscle_cramp"
    assert f"longer than {MAX_TEXT_BYTES} bytes" in rows[0]["warning"]


def test_batch_csv_row_without_the_text_field_gets_an_error(run, tmp_path):
    path = tmp_path / "intake.csv"
    path.write_text("id,text\na,calf cramp at night\nb\nc,stiff achilles every morning\n")
    r = run("classify", str(path), "--id-field", "id", "-f", "jsonl")
    rows = jsonl(r.stdout)
    assert [row["id"] for row in rows] == ["a", "b", "c"]
    assert [row["status"] for row in rows] == ["ok", "error", "ok"]
    assert "no value in column 'text'" in rows[1]["error"] and r.exit_code == 1


def test_batch_stdin_jsonl_is_recognised_without_input_format(run):
    r = run("classify", "-", "-f", "jsonl", input=json.dumps({"text": "calf cramp at night"}) + "\n")
    rows = jsonl(r.stdout)
    assert rows[0]["id"] == "stdin:1" and rows[0]["label"] == "muscle_cramp"


def test_batch_progress_bar_on_request_and_summary_line(run, tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(json.dumps({"text": "calf cramp at night"}) + "\n" for _ in range(50)))
    shown = run("classify", str(path), "-f", "csv", "--progress")
    assert "50/50" in shown.stderr and "texts/s" in shown.stderr
    quiet = run("classify", str(path), "-f", "csv")  # not a terminal: no bar, only the summary
    assert "texts/s" not in quiet.stderr
    assert "50 classified" in quiet.stderr and "muscle_cramp 50" in quiet.stderr
    rows = list(csv.DictReader(io.StringIO(quiet.stdout)))
    assert len(rows) == 50 and {r["label"] for r in rows} == {"muscle_cramp"}


def test_batch_json_array_streams_and_parses(run, tmp_path):
    r = run("classify", "-t", "calf cramp at night", "-t", "stiff achilles every morning", "-f", "json")
    items = json.loads(r.stdout)
    assert [i["label"] for i in items] == ["muscle_cramp", "achilles_tendinitis"]
