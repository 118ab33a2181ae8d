"""Lexical side of retrieval: a tokenizer for privacy-policy English and BM25 (bm25s).

bm25s rather than rank-bm25: it precomputes BM25 scores into a sparse matrix, so a query is a
few array sums (rank-bm25 loops over every document in Python), and it saves to plain
.npy/.json files, so loading an index never unpickles anything.
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_EMAIL = re.compile(r"\be-(mail)", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z0-9]+")
# Irregular forms the stemmer cannot join to their base word.
_IRREGULAR = {"sold": "sell", "children": "child", "kept": "keep", "bought": "buy", "given": "give",
              "gave": "give", "told": "tell", "chose": "choose", "chosen": "choose", "made": "make"}
# English function words (NLTK's list, trimmed), plus question words that every question has.
STOP_WORDS = frozenset(
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her "
    "hers herself it its itself they them their theirs themselves what which who whom this that these "
    "those am is are was were be been being have has had having do does did doing a an the and but if or "
    "because as until while of at by for with about against between into through during before after "
    "above below to from up down in out on off over under again further then once here there when where "
    "why how all any both each few more most other some such only own same so than too very s t can will "
    "just don should now would could may might must shall also us please"
    .split()
)


STEMMER_LANGUAGE = "english"
# bm25s' defaults (Lucene's BM25), written out so the index manifest records them.
BM25_PARAMS = {"k1": 1.5, "b": 0.75, "method": "lucene"}


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer(STEMMER_LANGUAGE)


def tokenize(text: str) -> list[str]:
    """Lowercased, stemmed word tokens without stop words; "e–mail" and "email" agree."""
    text = _EMAIL.sub(r"e\1", _DASHES.sub("-", text)).lower()
    words = [_IRREGULAR.get(w, w) for w in _TOKEN.findall(text) if w not in STOP_WORDS]
    return _stemmer().stemWords(words)


def idf(df: int, n: int) -> float:
    """BM25's inverse document frequency of a word held by ``df`` of ``n`` passages (a word none
    holds weighs most)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


class BM25:
    """BM25 over one policy's passages (IDF within the policy, like the PolicyQA baseline)."""

    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> BM25:
        retriever = bm25s.BM25(**BM25_PARAMS)
        retriever.index([tokenize(t) or [""] for t in texts], show_progress=False)
        return cls(retriever, len(texts))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every passage (float32, length ``size``)."""
        ids = self._retriever.get_tokens_ids(query_tokens)
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores_from_ids(ids), dtype=np.float32)

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> BM25:
        retriever = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        if int(retriever.scores["num_docs"]) != size:
            raise ValueError(f"BM25 data in {folder} covers {retriever.scores['num_docs']} passages, not {size}")
        return cls(retriever, size)
