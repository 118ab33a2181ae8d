"""Hybrid retrieval: every sentence of the policy is scored, a passage ranks by its best sentence.

A sentence's score adds up evidence of five kinds (weights in ``Weights``):

- its cosine to the question: the mean of the plain sentence's and the sentence read after its
  heading ("Cookies: We use ..."), so a heading tells what the text under it is about;
- the cosine of the question to the passage's headings (a question close to a heading finds
  the text under it, never the heading itself: headings are not sentences);
- BM25 of the passage, for the question's own words and, lower, for the words the privacy
  vocabulary relates to them ("sell" -> "sold", "cops" -> "law enforcement"), each scaled to
  the best passage of the question's policies;
- the IDF-weighted share of the question's words that the sentence itself contains.

Scores are plain sums of cosines and 0..1 terms, so no rank fusion is needed and the top
score means the same on every policy (the confidence model builds on it). The weights were
chosen on the layqa dev questions and checked on a held-out set of other policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import faiss
import numpy as np

from .index import Index
from .lexical import tokenize
from .query import Query, related_tokens

REFINE = 40  # passages whose sentences get the (slower) word-coverage term
# Words nearly every sentence of a privacy policy could hold: they say nothing about which
# sentence answers, so word coverage ignores them ("do you sell my data" turns on "sell").
GENERIC = frozenset(tokenize("data information info personal privacy policy notice statement"))


@dataclass(frozen=True)
class Weights:
    """How much each kind of evidence counts in a sentence's score."""

    sentence: float = 1.0  # cosine to the sentence (plain and under its heading)
    context: float = 0.2  # cosine to the passage's headings
    bm25: float = 0.1  # BM25 of the passage for the question's words, 0..1
    related: float = 0.1  # BM25 of the passage for related vocabulary words, 0..1
    coverage: float = 0.1  # share of the question's word weight in the sentence


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with the signals that placed it (inputs to the confidence score)."""

    passage: int  # passage id
    rank: int  # 1-based rank
    score: float  # the best sentence's score (the passage's retrieval score)
    dense: float  # cosine of question and passage vector
    sentence: int  # position of the key sentence within the passage
    sentence_cosine: float  # cosine of the key sentence to the question itself (not expanded)
    context: float  # cosine of question and the passage's headings (0 without headings)
    bm25: float  # raw BM25 score within its policy
    coverage: float  # share of the question's words (weighted by rarity) found in the passage


def passage_ids(index: Index, policies: list[str]) -> np.ndarray:
    """Ids of the passages of these policies (each policy's ids are contiguous)."""
    return np.concatenate([np.arange(len(index.passages))[index.policies[p].ids] for p in policies]).astype(np.int64)


def dense_search(index: Index, query: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k passages by cosine among ``ids`` (FAISS inner product on unit vectors)."""
    if len(ids) == index.faiss_index.ntotal:
        params = None
    elif ids[-1] - ids[0] + 1 == len(ids):
        params = faiss.SearchParameters(sel=faiss.IDSelectorRange(int(ids[0]), int(ids[-1]) + 1))
    else:
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids))
    scores, found = index.faiss_index.search(query.reshape(1, -1), min(k, len(ids)), params=params)
    keep = found[0] >= 0
    return found[0][keep], scores[0][keep]


def _scaled(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else np.zeros_like(scores)


def _context_cosines(index: Index, query: np.ndarray, policies: list[str]) -> np.ndarray:
    """Cosine of the question to each passage's headings; the policy's mean where a passage has
    none (0 for a policy without headings), so the term never favours one policy over another."""
    parts = []
    for policy in policies:
        rows = index.context_ids[index.policies[policy].ids]
        out = np.zeros(len(rows), dtype=np.float32)
        headed = rows >= 0
        if headed.any():
            out[headed] = index.context_vectors[rows[headed]] @ query
            out[~headed] = out[headed].mean()
        parts.append(out)
    return np.concatenate(parts)


def retrieve(
    index: Index, query: np.ndarray, q: Query, policies: list[str], limit: int, weights: Weights = Weights(),
    plain: np.ndarray | None = None,
) -> list[Hit]:
    """The ``limit`` best passages of ``policies`` for a question (its vector and its words).

    ``query`` ranks the passages; ``plain``, the question's own vector when ``query`` is expanded
    (``bot.expansion``), picks each passage's key sentence: the expansion leans towards what such
    answers usually say, which finds the right passage, while the sentence that answers is still
    the one closest to the question itself.
    """
    w = weights
    ids = passage_ids(index, policies)
    starts = index.sentence_start
    counts = starts[ids + 1] - starts[ids]
    bounds = np.concatenate([[0], np.cumsum(counts)])  # passage i's sentences: bounds[i]:bounds[i + 1]
    sentence_ids = np.arange(bounds[-1]) + np.repeat(starts[ids] - bounds[:-1], counts)
    local = np.repeat(np.arange(len(ids)), counts)  # each sentence's passage, as a position in ids

    cosines = index.sentence_vectors[sentence_ids] @ query
    context = _context_cosines(index, query, policies)
    bm25 = np.concatenate([index.bm25[p].scores(list(q.tokens)) for p in policies])
    related = np.concatenate([index.bm25[p].scores(list(q.related)) for p in policies])
    passage_part = w.context * context + w.bm25 * _scaled(bm25) + w.related * _scaled(related)
    scores = w.sentence * cosines + passage_part[local]

    # Word coverage for the sentences of the leading passages only: it is a Python loop.
    best = np.full(len(ids), -np.inf)
    np.maximum.at(best, local, scores)
    lead = np.argsort(-best, kind="stable")[: max(REFINE, limit)]
    idf_all = {p: index.idf(p, set(q.tokens)) for p in policies}  # how much of the question a passage holds
    idf = {p: {t: v for t, v in own.items() if t not in GENERIC} for p, own in idf_all.items()}  # which sentence
    synonyms = {t: _synonyms(t) for t in q.tokens}
    for i in lead:
        a, b = bounds[i], bounds[i + 1]
        weights_of = idf[index.passages[int(ids[i])].policy]
        covered = [_coverage(weights_of, index.sentence_tokens[s], synonyms) for s in sentence_ids[a:b]]
        scores[a:b] += w.coverage * np.asarray(covered)
        best[i] = scores[a:b].max()

    order = np.argsort(-best, kind="stable")[:limit]
    dense = index.passage_matrix[ids[order]] @ (query if plain is None else plain)
    hits = []
    for rank, (i, cos) in enumerate(zip(order, dense, strict=True), start=1):
        pid = int(ids[i])
        a, b = bounds[i], bounds[i + 1]
        own, mine = cosines[a:b], scores[a:b]
        if plain is not None:  # the key sentence is scored for the question itself
            own = index.sentence_vectors[sentence_ids[a:b]] @ plain
            mine = mine + w.sentence * (own - cosines[a:b])
        key = int(np.argmax(mine))
        policy = index.passages[pid].policy
        hits.append(Hit(pid, rank, float(best[i]), float(cos), key, float(own[key]),
                        float(context[i]) if index.context_ids[pid] >= 0 else 0.0, float(bm25[i]),
                        _coverage(idf_all[policy], index.passage_tokens[pid])))
    return hits


@lru_cache(maxsize=4096)
def _synonyms(token: str) -> frozenset[str]:
    """The words the vocabulary relates to one question word. Cached: the same words come back
    question after question, and working them out walks every vocabulary group (a third of
    retrieval's time on the default policy before it was cached)."""
    return frozenset(related_tokens([token]))


def _coverage(weights: dict[str, float], tokens: frozenset[str], synonyms: dict[str, frozenset[str]] | None = None
              ) -> float:
    """Share of the question's word weight (IDF) that a text contains, itself or (given
    ``synonyms``) a word the vocabulary relates to it; 0 when nothing is known."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    if synonyms is None:
        return sum(w for t, w in weights.items() if t in tokens) / total
    return sum(w for t, w in weights.items() if t in tokens or not synonyms[t].isdisjoint(tokens)) / total
