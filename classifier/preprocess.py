"""spaCy text normaliser: tokens → lemmas, stop words dropped, negated findings marked.

The same code runs at training and prediction time as the first step of the scikit-learn
``Pipeline``. ``analyse`` returns the terms with their character spans, which is what the
explanation and the red-flag rules use; ``SpacyNormalizer.transform`` returns just the features.

Speed: per-token work (lemma lookup, stop-word test) is computed once per distinct lower-cased
token and cached, and the only spaCy component run per document is the tokenizer plus a
``PhraseMatcher`` for negation cues. The full ``lemmatizer`` + ``sentencizer`` + ``EntityRuler`` +
negspacy ``Negex`` pipeline gives the same kind of features about 5× slower (see FINDINGS.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Iterator

from sklearn.base import BaseEstimator, TransformerMixin

__all__ = ["Term", "SpacyNormalizer", "NEG_PREFIX", "ngrams"]

logger = logging.getLogger(__name__)

NEG_PREFIX = "NEG_"
NUM_FEATURE = "#num"

# Lemmas the lookup table gets wrong for this domain (calves→calve, swollen→swell, left→leave …)
# and common misspellings runners write.
LEMMA_OVERRIDES = {
    "calves": "calf", "calve": "calf", "calfs": "calf", "claf": "calf", "cafl": "calf",
    "swollen": "swollen", "swelled": "swollen", "swelling": "swelling",
    "left": "left", "evening": "evening", "evenings": "evening",
    "achilles": "achilles", "achillies": "achilles", "achiles": "achilles", "achilies": "achilles",
    "achille": "achilles", "achillis": "achilles",
    "tendonitis": "tendinitis", "tendinitis": "tendinitis", "tendonopathy": "tendinopathy",
    "cramping": "cramp", "cramped": "cramp", "crampy": "cramp", "cramps": "cramp",
    "spasms": "spasm", "spasmed": "spasm", "spasming": "spasm",
    "numbness": "numb", "tingly": "tingle", "tingling": "tingle",
    "hurts": "hurt", "hurting": "hurt", "sore": "sore", "soreness": "sore",
    "morning": "morning", "mornings": "morning", "shins": "shin", "knees": "knee",
    "pushing": "push", "pushes": "push", "pushoff": "push", "tiptoes": "tiptoe", "tiptoe": "tiptoe",
    "minutes": "minute", "mins": "minute", "min": "minute", "kms": "km", "k": "km",
    "miles": "mile", "mi": "mile",
}

# Stop words that carry meaning here (position, time, repetition) and are kept.
KEEP_WORDS = frozenset(
    "up down back front top bottom side after before first every always again off out few "
    "during night whenever once same both each".split()
)

# Negation cue lists come from negspacy's clinical termset, plus the informal forms runners use.
EXTRA_PRECEDING = ["nothing", "none", "nor", "zero", "neither", "isnt", "not really", "no real", "hasnt", "havent"]
EXTRA_TERMINATION = ["just", "only", "apart from", "and then", "then", "now", "until", "till", "because", "so", "when"]
BREAK_PUNCT = frozenset(".!?;:,()\n")
# Negation cue words themselves carry no feature; the words in their scope get NEG_.
NEGATION_WORDS = frozenset({"no", "not", "n't", "nt", "never", "without", "none", "nothing", "nor", "cannot", "neither"})
MAX_SCOPE = 5  # content words a negation cue reaches before the scope closes


@dataclass(frozen=True)
class Term:
    """One content token of a text: its feature, lemma, character span and negation."""

    feature: str
    lemma: str
    start: int
    end: int
    negated: bool


def ngrams(terms: list[str]) -> list[str]:
    """Unigrams and bigrams of a term sequence (the analyzer of the TF-IDF step)."""
    return terms + [f"{a} {b}" for a, b in zip(terms, terms[1:])]


class SpacyNormalizer(TransformerMixin, BaseEstimator):
    """Turn raw texts into lists of lemma features, negated ones prefixed with ``NEG_``.

    Parameters
    ----------
    negation : bool
        Mark words inside a negation scope ("no swelling" → ``NEG_swelling``).
    lemmatize : bool
        Use the spaCy lookup lemmatizer table (spacy-lookups-data) and the domain overrides.
    batch_size : int
        Batch size for ``nlp.tokenizer.pipe``.
    """

    def __init__(self, *, negation: bool = True, lemmatize: bool = True, batch_size: int = 1000):
        self.negation = negation
        self.lemmatize = lemmatize
        self.batch_size = batch_size

    # -- scikit-learn API -------------------------------------------------------------------
    def fit(self, X: Iterable[str], y=None) -> "SpacyNormalizer":
        return self

    def transform(self, X: Iterable[str]) -> list[list[str]]:
        if isinstance(X, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        return [[t.feature for t in terms] for terms in self.analyse_many(X)]

    # -- analysis ---------------------------------------------------------------------------
    def analyse(self, text: str) -> list[Term]:
        """Terms of one text, with spans into ``text``."""
        return next(self.analyse_many([text]))

    def analyse_many(self, texts: Iterable[str]) -> Iterator[list[Term]]:
        for doc in self._nlp.tokenizer.pipe(texts, batch_size=self.batch_size):
            yield self._terms(doc)

    def _terms(self, doc) -> list[Term]:
        negated = self._negated_tokens(doc) if self.negation else ()
        info = self._token_info
        terms = []
        for tok in doc:
            lower = tok.lower_
            entry = info.get(lower)
            if entry is None:
                entry = info[lower] = self._lookup(tok)
            if entry is None:
                continue
            neg = tok.i in negated
            terms.append(Term(NEG_PREFIX + entry if neg else entry, entry, tok.idx, tok.idx + len(tok), neg))
        return terms

    def _lookup(self, tok) -> str | None:
        """Feature of a token type, or None when it carries no content. Cached per lower form."""
        lower = tok.lower_
        if tok.is_punct or tok.is_space or not lower.strip() or lower in NEGATION_WORDS:
            return None
        if tok.like_num:
            return NUM_FEATURE
        if tok.is_stop and lower not in KEEP_WORDS:
            return None
        if lower.endswith("'s") or lower == "'s":
            lower = lower[:-2] or lower
        if not any(c.isalpha() for c in lower):
            return None
        if self.lemmatize:
            return LEMMA_OVERRIDES.get(lower) or self._lemma_table.get(lower, lower)
        return lower

    def _negated_tokens(self, doc) -> set[int]:
        """Indices of tokens inside a negation scope (ConText-style, on spaCy tokens)."""
        matches = self._matcher(doc)
        if not matches:
            return set()
        kinds = {}
        for match_id, start, end in matches:
            kinds[start] = (self._nlp.vocab.strings[match_id], end)
        negated: set[int] = set()
        n = len(doc)
        for start, (kind, end) in sorted(kinds.items()):
            if kind == "PRE":
                i, reach = end, 0
                while i < n and reach < MAX_SCOPE:
                    tok = doc[i]
                    if tok.text in BREAK_PUNCT or (i in kinds and kinds[i][0] in ("TERM", "PRE")):
                        break
                    negated.add(i)
                    if not tok.is_stop:
                        reach += 1
                    i += 1
            elif kind == "POST":
                i, reach = start - 1, 0
                while i >= 0 and reach < 2 and doc[i].text not in BREAK_PUNCT:
                    negated.add(i)
                    reach += 0 if doc[i].is_stop else 1
                    i -= 1
        return negated

    # -- lazily built spaCy state (dropped when pickled) ------------------------------------
    @cached_property
    def _nlp(self):
        import spacy

        nlp = spacy.blank("en")
        if self.lemmatize:
            nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
            nlp.initialize()
        return nlp

    @cached_property
    def _lemma_table(self):
        return self._nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")

    @cached_property
    def _matcher(self):
        from negspacy.termsets import termset
        from spacy.matcher import PhraseMatcher

        patterns = termset("en_clinical").get_patterns()
        groups = {
            "PRE": patterns["preceding_negations"] + EXTRA_PRECEDING,
            "POST": patterns["following_negations"],
            "TERM": patterns["termination"] + EXTRA_TERMINATION,
            "PSEUDO": patterns["pseudo_negations"],
        }
        matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        for kind, phrases in groups.items():
            matcher.add(kind, list(self._nlp.tokenizer.pipe(phrases)))
        return matcher

    @cached_property
    def _token_info(self) -> dict[str, str | None]:
        return {}

    def __getstate__(self):
        state = self.__dict__.copy()
        for name in ("_nlp", "_lemma_table", "_matcher", "_token_info"):
            state.pop(name, None)
        return state
