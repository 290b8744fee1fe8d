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
