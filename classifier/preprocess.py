"""spaCy text normaliser: tokens → lemmas, stop words dropped, negated findings marked.

The same code runs at training and prediction time as the first step of the scikit-learn
``Pipeline``. ``analyse`` returns the terms with their character spans, which is what the
explanation and the red-flag rules use; ``SpacyNormalizer.transform`` returns just the features.

Speed: per-token work (lemma lookup, stop-word test, span length) is computed once per distinct
token string and cached by its spaCy hash; a document is read as one ``Doc.to_array`` of
(ORTH, IDX) rather than token by token, and the only spaCy components run per document are the
tokenizer and a ``PhraseMatcher`` for negation cues. The full ``lemmatizer`` + ``sentencizer`` + ``EntityRuler`` +
negspacy ``Negex`` pipeline gives the same kind of features about 5× slower (see FINDINGS.md).
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from contextlib import nullcontext
from functools import cached_property
from itertools import islice
from typing import Iterable, Iterator, NamedTuple

from sklearn.base import BaseEstimator, TransformerMixin

__all__ = ["Term", "Terms", "SpacyNormalizer", "NEG_PREFIX", "STATUS_PREFIXES", "ngrams"]

logger = logging.getLogger(__name__)

_ZONE_LOCK = threading.RLock()
NEG_PREFIX = "NEG_"
# Assertion status beyond negation (modelled on ConText): a finding the writer only compares or wonders about
# ("felt like a cramp", "in case it's a clot"), one from an earlier episode ("a strain years ago"), or someone
# else's ("my husband had a clot"). Each status makes its own feature: ``HYP_cramp`` is not ``cramp``.
STATUS_PREFIXES = {"NEG": NEG_PREFIX, "HYP": "HYP_", "HIST": "HIST_", "OTHER": "OTHER_"}
MAX_PERMANENT_STRINGS = 20_000  # vocabulary strings kept for good; beyond them, batches run in memory zones
MAX_CACHED_TYPES = 30_000  # token strings whose TokenType is kept (~5 MB); the cache starts over when full
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
# Phrases that contain a negation cue but state a finding: "can't breathe" is breathlessness, "not sure why
# it's swollen" is swelling, "didn't go away" is persistence. Inside one, no cue opens a scope.
EXTRA_PSEUDO = [
    "can't breathe", "cant breathe", "cannot breathe", "couldn't breathe", "couldnt breathe", "could not breathe",
    "can't catch my breath", "cant catch my breath", "couldn't catch my breath", "couldnt catch my breath",
    "could not catch my breath", "can't get my breath", "couldn't get my breath", "not able to breathe",
    "not sure", "wasn't sure", "wasnt sure", "not certain", "no idea", "don't know", "dont know", "didn't know",
    "do not know", "did not know", "didnt know", "doesn't know", "doesnt know", "does not know",
    "no reason", "not sure why", "no matter", "not getting better", "not going away", "not improving",
    "didn't go away", "didnt go away", "wouldn't go away", "wouldnt go away", "won't go away", "wont go away",
    "doesn't go away", "doesnt go away", "hasn't gone away", "hasnt gone away", "never went away",
    "didn't ease", "wouldn't ease", "won't ease", "doesn't ease", "not easing", "didn't let go", "wouldn't let go",
    "can't sleep", "couldn't sleep", "can't walk", "cant walk", "couldn't walk", "couldnt walk", "cannot walk",
    "can't put weight", "couldn't put weight", "can't bear weight", "couldn't bear weight",
    "can't stand", "couldn't stand", "no better", "not better",
] + [  # "he can't get his wind": breathlessness
    f"{cannot} get {whose} {air}" for cannot in ("can't", "cant", "cannot", "couldn't", "couldnt", "could not")
    for whose in ("my", "his", "her", "a", "enough")
    for air in ("wind", "breath", "full breath", "proper breath", "air", "lungful", "full lungful")
] + [  # "the pain in my calves wasn't any better": the pain is there (it is the better that is negated)
    f"{be} {state}" for be in ("wasn't", "wasnt", "isn't", "isnt", "hasn't been", "hasnt been", "not")
    for state in ("any better", "much better", "getting better", "improving")
]
EXTRA_TERMINATION = ["just", "only", "apart from", "and then", "then", "now", "until", "till", "because", "so", "when"]
# Hypothetical or compared: what follows is likened to or wondered about, not asserted.
HYPOTHETICAL = [
    "felt like", "feels like", "feel like", "feeling like", "felt as if", "feels as if", "felt as though", "as if",
    "as though", "kind of like", "sort of like", "similar to", "almost like", "more like", "thought it was",
    "thought it were", "thought it might", "thought i had", "thought i'd", "thought i was", "i thought", "assumed it was",
    "wondering if", "wonder if", "wondered if", "in case", "worried it", "worried that", "worried about", "afraid it",
    "scared it", "if it's", "if it is", "if it was", "whether", "might be", "might have", "could be", "could have",
    "may be", "may have", "rule out", "not sure if", "unsure if", "or is it", "is it a", "could it be", "check for",
    "possibly", "suspected", "seemed like", "seems like", "looked like", "looks like",
]
# An earlier episode: a finding of the past, or a history, told beside the present one.
# Cues that open a scope forward ("years ago I tore…") or backward ("I tore … years ago"); a backward scope that
# holds an onset word ("it started a year ago", "for years") dates the present problem and marks nothing.
HISTORICAL_BEFORE = ["in the past", "used to", "history of", "previously", "as a kid", "as a child",
                     "when i was younger"]
HISTORICAL_AFTER = ["years ago", "year ago", "in the past", "as a kid", "as a child", "when i was younger", "last year",
                    "a while back", "long ago", "before that"]
ONSET_WORDS = frozenset({"start", "started", "begin", "began", "since", "for", "first", "ever"})
# A hedge, history or someone else's scope also ends at a termination word other than these ("felt like a cramp
# but it was a tear") and where the writer speaks of themselves again ("my wife noticed | my calf was swollen").
_SOFT_TERMINATION = frozenset({"just", "only"})
_SELF_WORDS = frozenset({"i", "my", "i'm", "im", "i've", "ive", "i'd", "me"})
# Someone else's findings. (A parent's or sibling's clot is a family history, which the red-flag rules read as a
# risk of the writer's own; for the features it is still not the writer's symptom.)
OTHER_PERSON = [
    "my husband", "my wife", "my partner", "my boyfriend", "my girlfriend", "my friend", "a friend", "my mum", "my mom",
    "my mother", "my dad", "my father", "my brother", "my sister", "my son", "my daughter", "my coach", "my teammate",
    "my colleague", "a colleague", "my aunt", "my uncle", "my grandmother", "my grandfather", "my grandma",
    "my grandpa", "my cousin", "a runner i know", "someone i know", "family history", "runs in my family",
    "runs in the family",
]
HYP_SCOPE = 4  # content words a hedge or comparison reaches
BREAK_PUNCT = frozenset(".!?;:,()\n")  # and a blank line; a single line break unless it only hard-wraps a sentence
# Negation cue words themselves carry no feature; the words in their scope get NEG_.
NEGATION_WORDS = frozenset({"no", "not", "n't", "nt", "never", "without", "none", "nothing", "nor", "cannot", "neither"})
# Body parts are where a finding is, never the finding: "no calf pain" negates the pain, not the calf, and
# "never had problems with my Achilles" is still about the Achilles.
NEVER_NEGATED = frozenset(
    "calf achilles tendon leg ankle heel muscle soleus gastrocnemius gastroc".split())
MAX_SCOPE = 5  # content words a negation cue reaches before the scope closes


WRAP_WIDTH = 60  # a line at least this long that ends mid-sentence was wrapped by an editor, not by its writer


def _hard_wrap(doc, i: int) -> bool:
    """Whether the line break token ``doc[i]`` only wraps a sentence: the line before it is long and the next
    line goes on in lower case ("...I thought it might\nbe plantar fasciitis"). A short line, or a next line
    that starts a new item ("No injury\nCalf swollen", "- calf swollen"), is a break."""
    following = doc[i + 1].text
    if not following[:1].isalpha() or not following[:1].islower():
        return False
    start = doc[i].idx
    line_start = doc.text.rfind("\n", 0, start) + 1
    return start - line_start >= WRAP_WIDTH


class Term(NamedTuple):
    """One content token of a text: its feature, lemma, character span, negation and assertion status
    (``""`` asserted, or a key of ``STATUS_PREFIXES``)."""

    feature: str
    lemma: str
    start: int
    end: int
    negated: bool
    status: str = ""


class TokenType(NamedTuple):
    """What the normaliser needs of one token string, computed once per string and cached."""

    feature: str | None  # None: no content (punctuation, stop word, negation cue …)
    length: int
    is_stop: bool
    breaks_scope: bool  # punctuation that closes a negation scope
    may_start_cue: bool  # first word of a negation cue that opens a scope


class Terms(Sequence):
    """The content terms of one text, kept column-wise; ``Term`` objects are built only when asked for.

    ``features`` is what the TF-IDF step reads; ``starts``/``ends`` are character spans into the
    text (ascending), ``negated`` holds the positions of negated terms and ``statuses`` the other
    assertion statuses (position → ``HYP``, ``HIST`` or ``OTHER``).
    """

    __slots__ = ("features", "starts", "ends", "negated", "statuses", "_asserted")

    def __init__(self, features: list[str], starts: list[int], ends: list[int], negated: frozenset[int],
                 statuses: dict[int, str] | None = None):
        self.features = features
        self.starts = starts
        self.ends = ends
        self.negated = negated
        self.statuses = statuses or {}
        self._asserted = None

    def asserted(self) -> list[str]:
        """The lemmas of the asserted terms (no status), in order; an asserted term's feature is its lemma."""
        if self._asserted is None:
            if self.negated or self.statuses:
                skip = self.negated | self.statuses.keys()
                self._asserted = [f for i, f in enumerate(self.features) if i not in skip]
            else:
                self._asserted = list(self.features)
        return self._asserted

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        feature = self.features[i]
        i = range(len(self))[i]
        neg = i in self.negated
        status = "NEG" if neg else self.statuses.get(i, "")
        lemma = feature[len(STATUS_PREFIXES[status]):] if status else feature
        return Term(feature, lemma, self.starts[i], self.ends[i], neg, status)

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"Terms({list(self)!r})"

    def all_negated_in(self, start: int, end: int) -> bool | None:
        """Whether every term overlapping ``[start, end)`` is negated; None when no term overlaps."""
        lo = bisect_right(self.ends, start)
        hi = bisect_left(self.starts, end)
        if lo >= hi:
            return None
        return all(i in self.negated for i in range(lo, hi))


def ngrams(terms: list[str], n: int = 2) -> list[str]:
    """Word 1- to ``n``-grams of a term sequence (the analyzer of the TF-IDF step)."""
    if not 1 <= n <= 3:
        raise ValueError(f"n-grams of 1 to 3 words are supported, not {n}.")
    out = terms + [f"{a} {b}" for a, b in zip(terms, terms[1:])] if n >= 2 else list(terms)
    if n >= 3:
        out += [f"{a} {b} {c}" for a, b, c in zip(terms, terms[1:], terms[2:])]
    return out


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
        return [terms.features for terms in self.analyse_many(X)]

    # -- analysis ---------------------------------------------------------------------------
    def analyse(self, text: str) -> Terms:
        """Terms of one text, with spans into ``text``."""
        return next(self.analyse_many([text]))

    def analyse_many(self, texts: Iterable[str]) -> Iterator[Terms]:
        """Terms of each text, in order.

        Bounded memory: the vocabulary (``spacy.blank`` starts almost empty) keeps the strings, lexemes
        and tokenizer cache entries of the first ``MAX_PERMANENT_STRINGS`` strings it meets, which holds
        the words people use; once it is that big, each batch is tokenised inside spaCy's
        ``memory_zone()``, which frees the new words' entries when the batch is done, so a process that
        classifies forever stays flat. (A zone for every batch from the start made the normaliser about
        4× slower: every common word was rebuilt in every batch.) A zone belongs to the whole vocabulary,
        not to a thread: one thread leaving it would free the strings another is still reading (the page
        serves every session from one model), so batches, and the lazily built state whose strings must
        be permanent, are handled one thread at a time.
        """
        it = iter(texts)
        while batch := list(islice(it, self.batch_size)):
            with _ZONE_LOCK:
                self._matcher  # built outside any zone: its strings must be permanent
                if self.lemmatize:
                    self._lemma_table
                nlp = self._nlp
                zone = nlp.memory_zone() if len(nlp.vocab.strings) >= MAX_PERMANENT_STRINGS else nullcontext()
                with zone:
                    terms = [self._terms(doc) for doc in nlp.tokenizer.pipe(batch, batch_size=self.batch_size)]
            yield from terms

    def _terms(self, doc) -> Terms:
        from spacy.attrs import IDX, ORTH

        if not len(doc):
            return Terms([], [], [], frozenset())
        orths, idxs = doc.to_array([ORTH, IDX]).T.tolist()  # one 2-D array, a third faster than two 1-D ones
        info = self._token_info
        types = [info.get(o) or self._add_type(o) for o in orths]
        keep = [i for i, t in enumerate(types) if t.feature is not None]
        features = [types[i].feature for i in keep]
        starts = [idxs[i] for i in keep]
        ends = [idxs[i] + types[i].length for i in keep]
        negated = frozenset()
        statuses: dict[int, str] = {}
        if self.negation and any(t.may_start_cue for t in types):
            qualified = self._qualified_tokens(doc, types)
            if qualified:
                negated = frozenset(k for k, i in enumerate(keep) if (q := qualified.get(i)) and q[0] == "NEG"
                                    and (features[k] not in NEVER_NEGATED or q[1]))
                statuses = {k: q[0] for k, i in enumerate(keep) if (q := qualified.get(i)) and q[0] != "NEG"
                            and features[k] not in NEVER_NEGATED}
                for k in negated:
                    features[k] = NEG_PREFIX + features[k]
                for k, status in statuses.items():
                    features[k] = STATUS_PREFIXES[status] + features[k]
        return Terms(features, starts, ends, negated, statuses)

    def _add_type(self, orth: int) -> TokenType:
        """The ``TokenType`` of a token string (by its spaCy hash), computed and cached."""
        lex = self._nlp.vocab[orth]
        if len(self._token_info) >= MAX_CACHED_TYPES:  # unique words without end must not grow memory
            self._token_info.clear()
        entry = self._token_info[orth] = TokenType(self._lookup(lex), len(lex.orth_), lex.is_stop,
                                                   lex.orth_ in BREAK_PUNCT or lex.orth_.count("\n") > 1,
                                                   lex.lower_ in self._cue_starts)
        return entry

    def _lookup(self, lex) -> str | None:
        """Feature of a token type (a spaCy ``Lexeme``), or None when it carries no content."""
        lower = lex.lower_
        if lex.is_punct or lex.is_space or not lower.strip() or lower in NEGATION_WORDS:
            return None
        if lex.like_num:
            return NUM_FEATURE
        if lex.is_stop and lower not in KEEP_WORDS:
            return None
        if lower.endswith("'s"):
            lower = lower[:-2] or lower
        if not any(c.isalpha() for c in lower):
            return None
        if self.lemmatize:
            return LEMMA_OVERRIDES.get(lower) or self._lemma_table.get(lower, lower)
        return lower

    def _qualified_tokens(self, doc, types: list[TokenType]) -> dict[int, tuple[str, bool]]:
        """Tokens inside a ConText-style scope: index → (status, body part ruled out).

        Negation wins over the other statuses, someone else's over hypothetical, hypothetical over
        historical. Body-part words are where a finding is and keep their status ``""``, except in a
        negation whose scope holds nothing but body parts ("the pain was not on my Achilles", "it
        wasn't my calf"): there the location itself is ruled out (the ``bool``).
        """
        matches = self._matcher(doc)
        if not matches:
            return {}
        cues: list[tuple[int, str, int]] = []  # (start, kind, end)
        pseudo = set()  # tokens inside a pseudo-negation: no negation cue there opens a scope
        strings = self._nlp.vocab.strings
        for match_id, start, end in matches:
            kind = strings[match_id]
            if kind == "PSEUDO":
                pseudo.update(range(start, end))
            cues.append((start, kind, end))
        cues = [c for c in cues if c[1] not in ("PRE", "POST") or c[0] not in pseudo]
        cue_starts = {start for start, kind, _ in cues if kind != "PSEUDO"}
        soft = {start for start, kind, end in cues
                if kind == "TERM" and doc[start:end].text.lower() in _SOFT_TERMINATION}
        scope_stops = cue_starts - soft  # where a hedge, history or someone else's scope ends
        cue_tokens = {i for start, kind, end in cues if kind in ("HYP", "HIST", "HIST_AFTER", "OTHER")
                      for i in range(start, end)}  # the cue's own words keep no status
        found: dict[int, tuple[str, bool]] = {}
        rank = {"NEG": 4, "OTHER": 3, "HYP": 2, "HIST": 1}
        n = len(types)
        breaks = [t.breaks_scope for t in types]
        for i in range(1, n - 1):  # "I thought it might\nbe plantar fasciitis": a wrapped line, one sentence
            if breaks[i] and doc[i].text == "\n" and _hard_wrap(doc, i):
                breaks[i] = False
        for start, kind, end in sorted(cues):
            if kind in ("PRE", "HYP", "HIST", "OTHER"):
                status = "NEG" if kind == "PRE" else kind
                limit = MAX_SCOPE if kind in ("PRE", "OTHER") else HYP_SCOPE
                i, reach, scope = end, 0, []
                while i < n and reach < limit:
                    if breaks[i] or i in pseudo:
                        break
                    if kind == "PRE" and i in cue_starts:  # a termination word or another cue ends a negation
                        break
                    if kind != "PRE" and (i in scope_stops or doc[i].lower_ in _SELF_WORDS):
                        break
                    scope.append(i)
                    if not types[i].is_stop:
                        reach += 1
                    i += 1
            elif kind in ("POST", "HIST_AFTER"):
                status = "NEG" if kind == "POST" else "HIST"
                i, reach, scope = start - 1, 0, []
                while i >= 0 and reach < (2 if kind == "POST" else HYP_SCOPE) and not breaks[i]:
                    if kind == "HIST_AFTER" and i in scope_stops:
                        break
                    scope.append(i)
                    reach += 0 if types[i].is_stop else 1
                    i -= 1
                if kind == "HIST_AFTER" and any(doc[i].lower_ in ONSET_WORDS for i in scope):
                    continue  # "it started a year ago": when the present problem began
            else:
                continue
            content = [types[i].feature for i in scope if types[i].feature is not None]
            ruled_out = status == "NEG" and bool(content) and all(f in NEVER_NEGATED for f in content)
            for i in scope:
                if i in cue_tokens:
                    continue
                if i not in found or rank[status] > rank[found[i][0]]:
                    found[i] = (status, ruled_out)
        return found

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
    def _cue_docs(self) -> dict[str, list]:
        """Negation cue phrases as token sequences, by kind (PRE, POST, TERM, PSEUDO)."""
        from negspacy.termsets import termset

        patterns = termset("en_clinical").get_patterns()
        groups = {
            "PRE": patterns["preceding_negations"] + EXTRA_PRECEDING,
            "POST": patterns["following_negations"],
            "TERM": patterns["termination"] + EXTRA_TERMINATION,
            "PSEUDO": patterns["pseudo_negations"] + EXTRA_PSEUDO,
            "HYP": HYPOTHETICAL,
            "HIST": HISTORICAL_BEFORE,
            "HIST_AFTER": HISTORICAL_AFTER,
            "OTHER": OTHER_PERSON,
        }
        return {kind: list(self._nlp.tokenizer.pipe(phrases)) for kind, phrases in groups.items()}

    @cached_property
    def _matcher(self):
        from spacy.matcher import PhraseMatcher

        matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        for kind, docs in self._cue_docs.items():
            matcher.add(kind, docs)
        return matcher

    @cached_property
    def _cue_starts(self) -> frozenset[str]:
        """First words of the cues that open a scope: without one, the matcher is skipped."""
        kinds = ("PRE", "POST", "HYP", "HIST", "HIST_AFTER", "OTHER")
        return frozenset(d[0].lower_ for k in kinds for d in self._cue_docs[k] if len(d))

    @cached_property
    def _token_info(self) -> dict[int, TokenType]:
        return {}

    def __getstate__(self):
        state = self.__dict__.copy()
        for name in ("_nlp", "_lemma_table", "_cue_docs", "_cue_starts", "_matcher", "_token_info"):
            state.pop(name, None)
        return state
