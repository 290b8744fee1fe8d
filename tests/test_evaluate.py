"""`calfcheck evaluate`: the report compares calfcheck with its baselines on the same held-out posts,
and the optional general-purpose embedding baseline (MiniLM + LR) is one of them."""

import json
import zlib

import numpy as np
import pytest
from click.testing import CliRunner

from classifier.cli import main
from classifier.training.evaluate import evaluate, read_heldout
from classifier.model.config import ModelConfig
from classifier.facts import LABELS
from classifier.training.train import default_corpus_path, heldout_path, read_corpus

FRESH = heldout_path().parent / "heldout_fresh.jsonl"
MAIN = "calfcheck (spaCy + TF-IDF + LR)"


@pytest.fixture(scope="module")
def small_corpus():
    """About one recipe in eight, whole recipes only (so cross-validation by recipe stays honest)."""
    rows = read_corpus(default_corpus_path())
    return [r for r in rows if zlib.crc32(r["recipe"].encode()) % 8 == 0]


def table_rows(report: str, heading: str) -> dict[str, list[str]]:
    """The rows of the first Markdown table after ``heading``, by their first cell."""
    section = report.split(heading, 1)[1]
    rows = {}
    for line in section.splitlines()[2:]:
        if line.startswith("| ") and not line.startswith("| system") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
        elif rows and not line.startswith("|"):
            break
    return rows


def test_report_shows_calfcheck_and_both_baselines_on_the_same_heldout_posts(small_corpus, tmp_path):
    report = evaluate(small_corpus, [FRESH], tmp_path, folds=2).read_text()
    scores = json.loads((tmp_path / "scores.json").read_text())

    n = len(read_heldout(FRESH))
    rows = table_rows(report, f"## Hand-written held-out set `{FRESH.name}` ({n} labelled posts)")
    assert set(rows) == {MAIN, "plain TF-IDF + LR (no spaCy)", "keyword rules"}
    held = scores["heldout"][FRESH.name]
    for name, cells in rows.items():
        assert held[name]["n"] == n
        assert cells[0] == f"{held[name]['top1_conditions']:.3f}"   # the table shows what scores.json holds
        assert float(cells[-1].replace(",", "")) > 0                 # texts/s was measured
    assert sum(map(sum, held[MAIN]["confusion"])) == n
    assert set(scores["cv"]) == set(rows)
    for png in ("reliability_heldout_fresh.png", "threshold_heldout_fresh.png"):
        assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"
    assert "Unknown-threshold trade-off" in report and "Red flags" in report


def test_cli_evaluate_without_the_extra_is_a_usage_error_that_says_how_to_install(monkeypatch, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sentence_transformers" else real(name, *a))
    r = CliRunner().invoke(main, ["evaluate", "--embedding-baseline", "-o", str(tmp_path / "r")])
    assert r.exit_code == 2
    assert "sentence_transformers" in r.output and "pip install" in r.output and ".[embeddings]" in r.output
    assert not (tmp_path / "r").exists()


# The embedding baseline itself: scripts/test.sh runs these in .venv-embeddings, which has the extra.

@pytest.mark.embeddings
def test_sentence_embedder_gives_unit_vectors_that_put_paraphrases_together():
    from classifier.training.embeddings import SentenceEmbedder

    texts = ["my calf cramped and locked up at night",
             "woke up with a calf spasm, the muscle seized",
             "my wifi router keeps dropping the connection",
             "my calf cramped and locked up at night"]
    E = SentenceEmbedder().transform(texts)
    assert E.shape == (4, 384)
    assert np.allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(E[0], E[3])
    assert E[0] @ E[1] > E[0] @ E[2] + 0.2
    assert SentenceEmbedder().transform([]).shape == (0, 384)


@pytest.mark.embeddings
def test_evaluate_adds_the_embedding_baseline_trained_on_the_same_corpus(small_corpus, tmp_path):
    report = evaluate(small_corpus, [FRESH], tmp_path, folds=2, embeddings=True).read_text()
    scores = json.loads((tmp_path / "scores.json").read_text())
    name = "all-MiniLM-L6-v2 embeddings + LR"
    n = len(read_heldout(FRESH))
    assert name in table_rows(report, f"## Hand-written held-out set `{FRESH.name}` ({n} labelled posts)")
    s = scores["heldout"][FRESH.name][name]
    assert s["n"] == n and 0 <= s["top1_conditions"] <= 1 and s["texts_per_second"] > 0
    assert set(s["per_class"]) == set(LABELS)
    assert name in scores["cv"]
    zero = "all-MiniLM-L6-v2 zero-shot (no training)"
    assert zero in table_rows(report, f"## Hand-written held-out set `{FRESH.name}` ({n} labelled posts)")


@pytest.mark.embeddings
def test_zero_shot_reads_plain_descriptions_it_was_never_shown():
    """The zero-shot baseline learns nothing from the corpus: it compares a text with each label's
    description from the condition facts. Plain paraphrases must land on their label."""
    from classifier.training.embeddings import ZeroShotEmbedding

    zs = ZeroShotEmbedding().fit()
    texts = {"calf_strain": "I tore a muscle in the middle of my calf sprinting",
             "achilles_tendinitis": "the tendon above my heel is sore and stiff, it came on over weeks",
             "muscle_cramp": "my calf muscle suddenly locked into a painful knot at night"}
    P = zs.predict_proba(list(texts.values()))
    assert list(zs.classes_) == list(LABELS)
    assert list(zs.classes_[P.argmax(axis=1)]) == list(texts)
    assert np.allclose(P.sum(axis=1), 1.0)


def test_report_leads_with_real_posts_and_compares_generated_and_real_style(small_corpus, tmp_path):
    from classifier.training.train import real_posts_dir

    real = real_posts_dir()
    # dev, not test: the test split is run only to report (corpus/real/README.md)
    report = evaluate(small_corpus, [real / "dev.jsonl", FRESH], tmp_path, folds=2,
                      style_reference=real / "dev.jsonl", question_random_runs=2).read_text()
    first = report.index("## Real posts, `dev` split")
    assert first < report.index("## Hand-written held-out set")
    style = table_rows(report, "## Does the generated corpus read like real posts?")
    assert {"words median", "calf strain names own", "muscle cramp names own", "has question"} <= set(style)
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["style"]["real"]["n"] == len((real / "dev.jsonl").read_text().splitlines())
    flags = scores["heldout"]["dev.jsonl"]["red_flags"]
    clot = flags["blood clot (DVT or PE)"]
    # the listed misses are exactly the clot stories that raise neither clot flag, checked one by one
    from classifier.training.evaluate import read_jsonl_rows
    from classifier.model import Model, build_pipeline

    est = build_pipeline().fit([r["text"] for r in small_corpus], [r["label"] for r in small_corpus])
    model = Model(est, config=ModelConfig(), fit_id="t")
    stories = [r for r in read_jsonl_rows(real / "dev.jsonl")
               if {"possible_dvt", "possible_pulmonary_embolism"} & set(r["red_flags"])]
    missed = [r["id"] for r in stories if not {f["id"] for f in model.classify(r["text"]).red_flags}
              & {"possible_dvt", "possible_pulmonary_embolism"}]
    assert clot["positives"] == len(stories) > 0
    assert [m.split(":")[0] for m in clot["missed"]] == missed
    # the simulated user runs on real posts only, on the in-scope ones, and starts from the model's own top-1
    sim = scores["heldout"]["dev.jsonl"]["questions"]
    assert "questions" not in scores["heldout"][FRESH.name]
    in_scope = [r for r in read_heldout(real / "dev.jsonl") if r["label"] not in ("unknown", None)]
    assert sim["n"] == len(in_scope) and 0 < sim["unsure_or_wrong"]["asked"] <= sim["n"]
    assert sim["unsure_or_wrong"]["chosen"][0] == pytest.approx(scores["heldout"]["dev.jsonl"][MAIN]["top1_conditions"],
                                                                abs=1e-4)
    assert "Simulated user" in report.split("## Real posts, `dev` split")[1].split("## Hand-written")[0]


def test_report_shows_no_threshold_sweep_for_a_test_split(small_corpus, tmp_path):
    """The unknown threshold is chosen on dev; the report never lays out a sweep on test to choose from."""
    split = tmp_path / "test.jsonl"
    split.write_bytes(FRESH.read_bytes())
    report = evaluate(small_corpus, [split], tmp_path / "out", folds=2).read_text()
    scores = json.loads((tmp_path / "out" / "scores.json").read_text())
    assert "not shown for the real test split" in report and "| threshold |" not in report
    assert "threshold_curve" not in scores["heldout"]["test.jsonl"]
    assert not (tmp_path / "out" / "threshold_test.png").exists()
