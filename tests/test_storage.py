"""The model cache (issue 23: 12-15, 20): verified before loading, built once under a lock into a unique
temporary directory, never loaded from a directory other users can write, every problem one message."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from classifier.cli import main
from classifier.storage import ModelCacheError, default_model_dir, ensure_model, load_model

TEXT = "calf cramp at night"


@pytest.fixture
def copy(model, tmp_path) -> Path:
    """A private copy of the built default model."""
    path = tmp_path / "m"
    shutil.copytree(model.path, path)
    os.chmod(tmp_path, 0o755)
    return path


def classify(*args, env=None):
    return subprocess.run([sys.executable, "-m", "classifier", "classify", "-t", TEXT, "-f", "jsonl", *args],
                          capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})


def damage(pipeline: Path, how: str) -> None:
    if how == "truncated":
        pipeline.write_bytes(pipeline.read_bytes()[:1000])
    elif how == "empty":
        pipeline.write_bytes(b"")
    elif how == "missing":
        pipeline.unlink()
    else:  # another valid pickle put in its place
        import joblib

        joblib.dump({"not": "the pipeline"}, pipeline)


# 12. Verified before loading ---------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["truncated", "empty", "missing", "swapped"])
def test_a_damaged_users_model_is_refused_with_the_command_that_rebuilds_it(copy, how):
    damage(copy / "pipeline.joblib", how)
    with pytest.raises(ModelCacheError, match=f"calfcheck train -o {copy}"):
        load_model(copy)
    r = classify("-m", str(copy))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "Aborted" not in r.stderr
    assert "pipeline.joblib" in r.stderr and f"calfcheck train -o {copy}" in r.stderr


@pytest.mark.parametrize("how", ["truncated", "empty", "missing", "swapped"])
def test_a_damaged_default_model_is_rebuilt(model, tmp_path, how):
    home = tmp_path / "home"
    env = {"CALFCHECK_HOME": str(home)}
    target = Path(str(default_model_dir()).replace(os.environ["CALFCHECK_HOME"], str(home), 1))
    shutil.copytree(model.path, target)
    damage(target / "pipeline.joblib", how)
    r = classify(env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["label"] == "muscle_cramp"
    assert "building the default model" in r.stderr
    load_model(target)  # the rebuilt model is whole
    assert sorted(p.name for p in target.parent.iterdir() if not p.name.endswith(".lock")) == [target.name]


# 13. Built once, under a lock, into a unique temporary directory -----------------------------------------------

def test_processes_starting_with_an_empty_cache_build_once_and_all_succeed(model, tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "CALFCHECK_HOME": str(home)}
    procs = [subprocess.Popen([sys.executable, "-m", "classifier", "classify", "-t", TEXT, "-f", "jsonl"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in results]
    assert all(json.loads(out)["label"] == "muscle_cramp" for out, _ in results)
    assert sum("building the default model" in err for _, err in results) == 1
    models = home / "models"
    assert [p.name for p in models.iterdir() if not p.name.startswith(".")] == [default_model_dir().name]
    assert not [p for p in models.iterdir() if ".building-" in p.name or ".old-" in p.name]


def test_a_build_that_fails_leaves_no_half_model_and_says_what_to_do(model, tmp_path):
    import errno

    def no_space(into: Path) -> None:
        (into / "pipeline.joblib").write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    target = tmp_path / "models" / "default-x"
    with pytest.raises(ModelCacheError, match="No space left.*CALFCHECK_HOME"):
        ensure_model(target, no_space)
    assert [p.name for p in (tmp_path / "models").iterdir()] == [".default-x.lock"]


# 14. Never loaded from a directory other users can write ------------------------------------------------------

@pytest.mark.parametrize("where", ["model dir", "pipeline", "meta", "parent"])
def test_a_model_other_users_can_write_is_refused_with_why_and_how_to_fix(copy, where):
    path = {"model dir": copy, "pipeline": copy / "pipeline.joblib", "meta": copy / "meta.json",
            "parent": copy.parent}[where]
    os.chmod(path, os.stat(path).st_mode | 0o002)
    with pytest.raises(ModelCacheError, match=f"{path} is writable by every user.*runs code.*chmod o-w {path}"):
        load_model(copy)
    r = classify("-m", str(copy), "--jobs", "2")
    assert r.returncode == 1 and "writable by every user" in r.stderr and "Traceback" not in r.stderr
    os.chmod(path, os.stat(path).st_mode & ~0o002)
    assert load_model(copy).classify(TEXT).label == "muscle_cramp"


def test_a_sticky_world_writable_directory_above_the_model_is_fine(copy):
    os.chmod(copy.parent, 0o1777)  # like /tmp
    assert load_model(copy).classify(TEXT).label == "muscle_cramp"


# 15, 20. Every cache problem is one clear message with the fix; paths are escaped -----------------------------

def test_calfcheck_home_that_is_a_file_is_one_message(model, tmp_path):
    home = tmp_path / "home"
    home.write_text("not a directory")
    r = classify(env={"CALFCHECK_HOME": str(home)})
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"The model cache {home} is not a directory" in r.stderr and "CALFCHECK_HOME" in r.stderr


@pytest.mark.parametrize("meta", ["no key", "directory", "not json"])
def test_a_broken_meta_json_is_one_message_for_a_users_model_and_rebuilt_for_the_default(copy, model, tmp_path,
                                                                                        meta):
    def breaking(path: Path) -> None:
        if meta == "no key":
            data = json.loads(path.read_text())
            del data["fit_id"]
            path.write_text(json.dumps(data))
        elif meta == "directory":
            path.unlink()
            path.mkdir()
        else:
            path.write_text("{")

    breaking(copy / "meta.json")
    r = classify("-m", str(copy))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "meta.json cannot be used" in r.stderr and f"calfcheck train -o {copy}" in r.stderr

    home = tmp_path / "home"
    target = Path(str(default_model_dir()).replace(os.environ["CALFCHECK_HOME"], str(home), 1))
    shutil.copytree(model.path, target)
    breaking(target / "meta.json")
    r = classify(env={"CALFCHECK_HOME": str(home)})
    assert r.returncode == 0 and "building the default model" in r.stderr, r.stderr


def test_a_model_path_with_control_characters_is_escaped_on_stderr(model, tmp_path):
    r = CliRunner().invoke(main, ["classify", "-t", TEXT, "-m", str(tmp_path / "evil\x1b]0;pwned\x07")])
    assert r.exit_code == 2  # a missing -m directory is a usage error (issue 22)
    assert "\x1b" not in r.output and "\\x1b]0;pwned\\x07" in r.output


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_model_owned_by_another_user_is_refused(copy):
    os.chown(copy / "pipeline.joblib", 1234, -1)
    with pytest.raises(ModelCacheError, match="owned by another user \\(uid 1234\\).*copy the model"):
        load_model(copy)


def test_a_read_only_cache_is_one_message_with_the_fix(tmp_path, monkeypatch):
    import errno
    import tempfile

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", refused)
    with pytest.raises(ModelCacheError, match="Cannot write the model cache .*Permission denied.*CALFCHECK_HOME"):
        ensure_model(tmp_path / "models" / "default-x", lambda into: None)
