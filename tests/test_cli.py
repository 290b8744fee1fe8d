import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from classifier.cli import main
from classifier.facts import LABELS


@pytest.fixture
def run(model):
    runner = CliRunner()

    def _run(*args, input=None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return _run


def jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_cli_classify_argument_prints_a_readable_answer(run):
    r = run("classify", "-t", "my calf seized up at mile 20 and let go when I stretched it")
    assert r.exit_code == 0
    assert r.stdout.startswith("text:1: Calf cramp (")


def test_cli_classify_files_stdin_and_jsonl_in_input_order(run, tmp_path):
    (tmp_path / "a.txt").write_text("stiff achilles every morning, sore pushing off")
    (tmp_path / "posts.jsonl").write_text(
        json.dumps({"id": "p1", "body": "calves tight 10 minutes into every run, gone when I stop"}) + "\n")
    r = run("classify", str(tmp_path / "a.txt"), str(tmp_path / "posts.jsonl"), "-", "--text-field", "body",
            "--id-field", "id", "-f", "jsonl", input="calf cramped at night\n")
    assert r.exit_code == 0
    rows = jsonl(r.stdout)
    assert [row["id"] for row in rows] == [str(tmp_path / "a.txt"), "p1", "stdin:1"]
    assert [row["label"] for row in rows] == ["achilles_tendinitis", "compartment_syndrome", "muscle_cramp"]
    for row in rows:
        assert row["status"] == "ok" and set(row["scores"]) == set(LABELS) and 0 <= row["confidence"] <= 1


def test_cli_stdin_jsonl(run):
    lines = "\n".join(json.dumps({"text": t}) for t in ["calf cramp at night", "my knee hurts"])
    r = run("classify", "-", "--input-format", "jsonl", "-f", "jsonl", input=lines)
    assert r.exit_code == 0
    assert [row["id"] for row in jsonl(r.stdout)] == ["stdin:1", "stdin:2"]


def test_cli_bad_inputs_each_get_one_error_record_and_the_rest_is_classified(run, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("felt a sharp twinge in my calf during sprints")
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02calf")
    (tmp_path / "latin1.txt").write_bytes("my calf cramped at night, caf\xe9".encode("latin-1"))
    (tmp_path / "bad.jsonl").write_text('{"text": "calf cramp"}\n{not json\n{"other": 1}\n')
    args = [str(tmp_path / n) for n in ("empty.txt", "binary.txt", "latin1.txt", "missing.txt", "bad.jsonl")]
    r = run("classify", *args, str(good), "-f", "jsonl")
    assert r.exit_code == 1
    rows = {row["id"]: row for row in jsonl(r.stdout)}
    assert len(rows) == 8
    assert "empty" in rows[args[0]]["error"]
    assert "binary" in rows[args[1]]["error"]
    assert rows[args[2]]["status"] == "ok" and "UTF-8" in rows[args[2]]["warning"]
    assert "not found" in rows[args[3]]["error"]
    assert rows[f"{args[4]}:1"]["status"] == "ok"
    assert "invalid JSON" in rows[f"{args[4]}:2"]["error"]
    assert "'text'" in rows[f"{args[4]}:3"]["error"]
    assert rows[str(good)]["label"] == "calf_strain"
    assert all(rows[k]["status"] == "error" for k in (args[0], args[1], args[3]))


def test_cli_folder_is_walked_sorted_skipping_dotfiles(run, tmp_path):
    for name in ("b.txt", "a.txt", ".hidden.txt", "sub/c.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("calf cramp at night")
    r = run("classify", str(tmp_path), "--glob", "*.txt", "-f", "jsonl")
    assert [Path(row["id"]).name for row in jsonl(r.stdout)] == ["a.txt", "b.txt", "c.txt"]


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_cli_output_formats(run, fmt):
    r = run("classify", "-t", "calf cramp at night", "-f", fmt)
    assert r.exit_code == 0
    if fmt == "csv":
        header, row = r.stdout.splitlines()
        assert header.startswith("id,status,label,confidence") and ",muscle_cramp," in row
    elif fmt == "json":
        assert json.loads(r.stdout)[0]["label"] == "muscle_cramp"
    else:
        assert "Calf cramp" in r.stdout


def test_cli_output_file_refuses_to_overwrite_without_force(run, tmp_path):
    out = tmp_path / "out.jsonl"
    assert run("classify", "-t", "calf cramp", "-f", "jsonl", "-o", str(out)).exit_code == 0
    assert len(jsonl(out.read_text())) == 1
    r = run("classify", "-t", "calf cramp", "-o", str(out))
    assert r.exit_code == 2 and "--force" in r.stderr
    assert run("classify", "-t", "calf cramp", "-t", "calf strain", "-f", "jsonl", "-o", str(out), "--force").exit_code == 0
    assert len(jsonl(out.read_text())) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # no temporary file left behind


def test_cli_usage_errors_exit_2(run):
    assert run("classify", "-t", "x", "--format", "yaml").exit_code == 2
    r = run("classify", "-t", "calf cramp", "--jobs", "0")
    assert r.exit_code == 2 and "--jobs" in r.stderr
    r = run("classify", "-t", "calf cramp", "--resume")
    assert r.exit_code == 2 and "-o FILE" in r.stderr
    assert run("nonsense").exit_code == 2


def test_cli_positional_arguments_are_always_paths(run, tmp_path):
    """A mistyped file name is an error record, never classified as a description; a description
    that looks like a path is classified when given with -t."""
    r = run("classify", "my note.txt", "-t", "cramp/spasm in my calf", "-f", "jsonl")
    assert r.exit_code == 1
    rows = jsonl(r.stdout)
    assert [row["id"] for row in rows] == ["text:1", "my note.txt"]
    assert rows[0]["status"] == "ok" and rows[0]["label"] == "muscle_cramp"
    assert rows[1]["status"] == "error" and "not found" in rows[1]["error"]


def test_cli_probabilities_print_short(run):
    """Scores are rounded in float64: JSON shows 0.915975, not 0.9159749746322632."""
    row = jsonl(run("classify", "-t", "calf cramp at night", "-f", "jsonl").stdout)[0]
    for p in [row["confidence"], *row["scores"].values()]:
        assert len(repr(p).split(".")[-1]) <= 6


def test_cli_info_shows_meta(run):
    r = run("info")
    meta = json.loads(r.stdout)
    assert meta["labels"] == list(LABELS) and meta["fit_id"] and len(meta["behaviour_sha256"]) == 64
    assert meta["model_version"] == f"{meta['fit_id']}+rules.{meta['behaviour_sha256'][:8]}"


def test_cli_python_dash_m_and_help_say_not_a_diagnosis():
    r = subprocess.run([sys.executable, "-m", "classifier", "--help"], capture_output=True, text=True,
                       env=os.environ.copy())
    assert r.returncode == 0 and "not a diagnosis" in r.stdout.lower() and "emergency" in r.stdout


def test_cli_explain_table_quotes_the_typed_words_in_plain_weights(run):
    """Issue 22: the table's evidence is what was typed ("bit", "worst"), never a lemma ("bite", "wrong"),
    weighed in words; JSONL keeps the feature (``term``) and adds the typed ``words``."""
    text = "My calf has hurt on and off for two weeks, a bit worst when I run. No swelling."
    table = run("classify", "-t", text, "--explain").stdout
    lines = [line.strip() for line in table.splitlines() if line.startswith("    ")]
    assert lines
    for line in lines:
        said, weight = line.split("”: ", 1)
        assert all(w in text for w in said.lstrip("“").split("”, “"))
        assert re.match(r"(strong|some|slight) evidence (for|against)|you named ", weight), line
    row = jsonl(run("classify", "-t", text, "--explain", "-f", "jsonl").stdout)[0]
    assert all(set(e) >= {"term", "weight", "direction", "negated", "status", "words"} for e in row["evidence"])
    assert "bite" in {e["term"] for e in row["evidence"]} and ["bit"] in [e["words"] for e in row["evidence"]]


def test_cli_table_uses_the_display_names(run):
    r = run("classify", "-t", "my shin hurts")
    assert r.stdout.startswith("text:1: Not one of the four calf conditions (")
    assert "unknown" not in r.stdout and "muscle_cramp" not in r.stdout


# Issue 22: a command line without surprises -------------------------------------------------------------------

def test_cli_table_leads_with_the_danger_headline(run):
    r = run("classify", "-t", "my calf is swollen and warm after a long flight", "-t", "calf cramp at night")
    lines = r.stdout.splitlines()
    assert lines[0] == "text:1: !! Possible blood clot: get seen today"
    assert lines[1].startswith("  !! RED FLAG possible_dvt: You wrote")
    assert lines[2].startswith("  what else it sounds like: ") and lines[2].endswith("triage: urgent")
    assert next(line for line in lines if line.startswith("text:2:")).startswith("text:2: Calf cramp (")


def test_cli_table_starting_with_a_danger_headline_is_known_as_results(run, tmp_path):
    """A table that starts with the headline is still calfcheck's output: --force may replace it in an input
    folder, while a description there stays protected."""
    from classifier.batch.output import looks_like_results

    out = run("classify", "-t", "my calf is swollen and warm after a long flight").stdout
    assert looks_like_results(out.encode())
    assert not looks_like_results("note: !! my calf hurts".encode())


def test_cli_missing_model_path_is_a_usage_error(run, tmp_path):
    r = run("classify", "-t", "calf cramp", "-m", str(tmp_path / "nowhere"))
    assert r.exit_code == 2 and "does not exist" in r.stderr


def test_cli_a_sentence_given_as_a_path_says_use_t(run):
    r = run("classify", "my calf seized up at mile 20", "-f", "jsonl")
    assert r.exit_code == 1
    (row,) = jsonl(r.stdout)
    assert row["status"] == "error" and "to classify a description, use -t" in row["error"]
    r = run("classify", "mynote.txt", "-f", "jsonl")  # a mistyped file name: no such hint
    assert "use -t" not in jsonl(r.stdout)[0]["error"]


@pytest.mark.parametrize("paths, texts, to_stdout, stdout_tty, stderr_tty, shown", [
    ([], ("calf cramp",), False, False, True, False),  # a handful of -t texts: answered at once, no bar
    ([], ("calf cramp",) * 6, False, False, True, True),
    (["notes/"], (), True, True, True, False),  # results to the same terminal: the bar would garble them
    (["notes/"], (), True, False, True, True),  # results piped on: the bar on the terminal
    (["notes/"], (), False, True, True, True),  # results to -o FILE
    (["notes/"], (), True, False, False, False),  # no terminal at all
])
def test_cli_progress_bar_only_where_it_helps(monkeypatch, paths, texts, to_stdout, stdout_tty, stderr_tty, shown):
    from classifier.cli import classify

    class Stream:
        def __init__(self, tty):
            self.tty = tty

        def isatty(self):
            return self.tty

    monkeypatch.setattr(classify.sys, "stdout", Stream(stdout_tty))
    monkeypatch.setattr(classify.sys, "stderr", Stream(stderr_tty))
    assert classify.show_progress(paths, texts, to_stdout) is shown
