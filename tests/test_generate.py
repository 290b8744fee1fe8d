from collections import Counter

from classifier.facts import LABELS
from classifier.training.generate import GeneratorConfig, generate, write_jsonl

SMALL = GeneratorConfig(seed=7, recipes_per_condition=20, recipes_out_of_scope=20, renders_per_recipe=2)


def test_generate_same_seed_gives_byte_identical_corpus(tmp_path):
    write_jsonl(generate(SMALL), tmp_path / "a.jsonl")
    write_jsonl(generate(SMALL), tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_generate_other_seed_gives_other_corpus():
    a = [e.text for e in generate(SMALL)]
    b = [e.text for e in generate(GeneratorConfig(seed=8, recipes_per_condition=20, recipes_out_of_scope=20,
                                                  renders_per_recipe=2))]
    assert a != b


def test_generate_covers_every_label_and_keeps_recipe_ids():
    examples = generate(SMALL)
    assert set(Counter(e.label for e in examples)) == set(LABELS)
    by_recipe = Counter(e.recipe for e in examples)
    assert all(r.split(":")[0] in LABELS for r in by_recipe)
    assert max(by_recipe.values()) >= SMALL.renders_per_recipe  # each recipe is rendered several times


def test_generate_lengths_vary_from_a_few_words_to_long_paragraphs():
    lengths = [len(e.text.split()) for e in generate(GeneratorConfig(seed=3))]
    assert min(lengths) <= 8 and max(lengths) >= 100


def test_committed_corpus_matches_the_generator(tmp_path):
    """classifier/data/train.jsonl.gz is what `calfcheck generate` writes with the recorded seed."""
    import json

    from classifier.facts import data_path, file_sha256

    manifest = json.loads(data_path("manifest.json").read_text())
    committed = data_path("train.jsonl.gz")
    assert manifest["sha256"] == file_sha256(committed)
    cfg = GeneratorConfig(seed=manifest["seed"], recipes_per_condition=manifest["recipes_per_condition"],
                          recipes_out_of_scope=manifest["recipes_out_of_scope"],
                          renders_per_recipe=manifest["renders_per_recipe"])
    import gzip

    text = "".join(e.to_json() + "\n" for e in generate(cfg))
    assert text == gzip.decompress(committed.read_bytes()).decode("utf-8")


def test_cli_generate_refuses_to_overwrite_the_packaged_corpus_without_force():
    from click.testing import CliRunner

    from classifier.cli import main
    from classifier.training.train import default_corpus_path

    before = default_corpus_path().read_bytes()
    r = CliRunner().invoke(main, ["generate", "--recipes", "2"])
    assert r.exit_code == 2 and "--force" in r.output
    assert default_corpus_path().read_bytes() == before


def test_cli_evaluate_reads_dev_by_default_and_test_only_when_asked(monkeypatch, tmp_path):
    from click.testing import CliRunner

    import classifier.training.evaluate as evaluate_module
    import classifier.training.train as train_module
    from classifier.cli import main
    from classifier.training.train import real_posts_dir

    seen = []

    def fake_evaluate(rows, heldouts, output, **kwargs):
        seen.append([p.name for p in heldouts])
        report = tmp_path / "report.md"
        report.write_text("report")
        return report

    monkeypatch.setattr(evaluate_module, "evaluate", fake_evaluate)
    real = tmp_path / "real"  # a copy: the log of looks in the checkout is never written by a test
    real.mkdir()
    for name in ("dev.jsonl", "test.jsonl", "README.md"):
        (real / name).write_bytes((real_posts_dir() / name).read_bytes())
    monkeypatch.setattr(train_module, "real_posts_dir", lambda: real)
    log = real / "README.md"
    before = log.read_text()
    assert CliRunner().invoke(main, ["evaluate", "-o", str(tmp_path)]).exit_code == 0
    assert "dev.jsonl" in seen[0] and "test.jsonl" not in seen[0]
    assert log.read_text() == before  # no look at test, nothing logged
    assert CliRunner().invoke(main, ["evaluate", "--split", "test", "-o", str(tmp_path)]).exit_code == 0
    assert "test.jsonl" in seen[1] and "dev.jsonl" not in seen[1]
    assert log.read_text().startswith(before) and "--split test" in log.read_text()[len(before):]
