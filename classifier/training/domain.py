"""Write the domain vocabulary (``classifier/data/domain_terms.txt``) from the symptom phrase banks and the
condition facts: the lemmas of every phrase that describes a leg problem, for the four conditions and the
out-of-scope topics. The running chatter of ``corpus/context.toml`` is not read."""

from __future__ import annotations

from pathlib import Path

from classifier.facts import data_path, load_conditions
from classifier.model.domain import DOMAIN_FILE
from classifier.preprocess import SpacyNormalizer
from classifier.training.phrases import load_out_of_scope_phrases, load_phrase_banks

__all__ = ["domain_terms", "write_domain_terms"]


def domain_terms() -> list[str]:
    """Sorted lemmas of the symptom phrase banks and the condition facts."""
    texts = [p for bank in load_phrase_banks().values() for phrases in bank.phrases.values() for p in phrases]
    texts += [p for phrases in load_out_of_scope_phrases().values() for p in phrases]
    texts += [f.text for c in load_conditions().values() for f in c.facts]
    normalizer = SpacyNormalizer()
    return sorted({t.lemma for terms in normalizer.analyse_many(texts) for t in terms})


def write_domain_terms(path: Path | None = None) -> Path:
    path = Path(path or data_path(DOMAIN_FILE))
    header = ("# The domain vocabulary (classifier.model.domain): lemmas of the symptom phrase banks and condition\n"
              "# facts, written by `calfcheck generate` (classifier/training/domain.py). Do not edit by hand.\n")
    path.write_text(header + "\n".join(domain_terms()) + "\n", encoding="utf-8")
    return path
