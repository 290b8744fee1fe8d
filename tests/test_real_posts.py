"""The real-post set: well-formed, split once, and never a source of training text."""

import json
from collections import Counter
from pathlib import Path

import pytest

from classifier.training.corpus_stats import shared_ngrams
from classifier.facts import LABELS
from classifier.training.train import default_corpus_path, read_corpus

REAL = Path(__file__).resolve().parent.parent / "corpus" / "real"
FLAGS = {"possible_dvt", "possible_pulmonary_embolism", "possible_rupture_or_tear", "acute_compartment"}


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (REAL / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


def test_real_posts_are_well_formed_and_dev_and_test_do_not_overlap():
    dev, test = rows("dev"), rows("test")
    for r in dev + test:
        assert r["label"] in LABELS or (r["label"] is None and r["red_flags"]), r["id"]
        assert set(r["red_flags"]) <= FLAGS, r["id"]
        assert 20 <= len(r["text"].split()) <= 250, r["id"]
        assert r["source"] and r["basis"] and r["confidence"] in ("high", "medium", "low"), r["id"]
    assert not {r["id"] for r in dev} & {r["id"] for r in test}
    assert not {r["text"] for r in dev} & {r["text"] for r in test}


def test_real_posts_meet_the_collection_targets():
    everything = rows("dev") + rows("test")
    counts = Counter(r["label"] for r in everything)
    clots = sum(bool({"possible_dvt", "possible_pulmonary_embolism"} & set(r["red_flags"])) for r in everything)
    assert len(everything) >= 300
    assert min(counts[c] for c in LABELS[:-1]) >= 45 and counts["unknown"] >= 50 and clots >= 35, (counts, clots)
    assert 0.25 <= len(rows("test")) / len(everything) <= 0.40


def test_no_generated_example_shares_a_run_of_8_words_with_a_real_post():
    real = [r["text"] for r in rows("dev") + rows("test")]
    generated = [r["text"] for r in read_corpus(default_corpus_path())]
    shared = shared_ngrams(generated, real, n=8)
    assert not shared, sorted(" ".join(g) for g in shared)[:5]


def test_the_8_word_check_finds_a_copied_run():
    """The check above can fail: a generated text that copies 8 words of a post is caught."""
    post = rows("dev")[0]["text"]
    copied = "so anyway " + " ".join(post.split()[:12]) + " and more"
    assert shared_ngrams([copied], [post], n=8)
