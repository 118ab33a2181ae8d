"""Hybrid retrieval: dense passages (FAISS), best dense sentence, and BM25, fused by rank.

Three rankings of a policy's passages are fused with reciprocal-rank fusion (RRF, k=60):
the passage vector's cosine (FAISS), the best sentence's cosine inside the passage, and BM25.
On PolicyQA dev this beat every single signal and every weighting we tried (see
BENCHMARKS.md); RRF needs no score scaling, so it carries over to policies it never saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

from .store import Index

RRF_K = 60
LEXICAL_WEIGHT = 0.15  # how much query-word overlap counts when picking the key sentence


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with the signals that placed it (inputs to the confidence score)."""

    passage: int  # passage id
    rank: int  # 1-based rank after fusion
    fused: float  # RRF score
    dense: float  # cosine of question and passage vector
    sentence: int  # position of the key sentence within the passage
    sentence_cosine: float  # cosine of question and the passage's best sentence
    bm25: float  # raw BM25 score within its policy
    coverage: float  # share of the question's words (weighted by rarity) found in the passage


def passage_ids(index: Index, policies: list[str]) -> np.ndarray:
    """Ids of the passages of these policies (each policy's ids are contiguous)."""
    return np.concatenate(
        [np.arange(index.policies[p].first, index.policies[p].first + index.policies[p].passages) for p in policies]
    ).astype(np.int64)


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


def _ranks(scores: np.ndarray) -> np.ndarray:
    """0-based rank of each entry, best first (ties keep document order)."""
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(len(scores))
    return ranks


def retrieve(
    index: Index,
    query: np.ndarray,
    query_tokens: list[str],
    policies: list[str],
    limit: int,
    depth: int = 100,
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
) -> list[Hit]:
    """The ``limit`` best passages of ``policies`` for a question (vector + BM25 tokens).

    ``weights`` scale the three rankings in the fusion (passage cosine, best sentence, BM25);
    the benchmark sets one to 1 and the others to 0 to measure each signal alone.
    """
    w_dense, w_sentence, w_bm25 = weights
    ids = passage_ids(index, policies)
    n = len(ids)
    local = {int(pid): i for i, pid in enumerate(ids)}

    fused = np.zeros(n)
    dense = np.full(n, np.nan, dtype=np.float32)
    found, scores = dense_search(index, query, ids, depth)
    for rank, (pid, score) in enumerate(zip(found, scores, strict=True)):
        fused[local[int(pid)]] += w_dense / (RRF_K + rank + 1)
        dense[local[int(pid)]] = score

    # Sentence cosines of the same passages: their best sentence is the second ranking.
    starts = index.sentence_start
    counts = starts[ids + 1] - starts[ids]
    bounds = np.concatenate([[0], np.cumsum(counts)])  # passage i's sentences: bounds[i]:bounds[i + 1]
    sentence_ids = np.arange(bounds[-1]) + np.repeat(starts[ids] - bounds[:-1], counts)
    cosines = index.sentence_vectors[sentence_ids] @ query
    best_sentence = np.maximum.reduceat(cosines, bounds[:-1]) if n else cosines
    fused += w_sentence / (RRF_K + _ranks(best_sentence) + 1)

    bm25 = np.concatenate([index.bm25[p].scores(query_tokens) for p in policies])
    matched = bm25 > 0  # a passage sharing no word with the question gets nothing from BM25
    fused[matched] += w_bm25 / (RRF_K + _ranks(bm25)[matched] + 1)

    missing = np.isnan(dense)  # outside the FAISS top `depth`: compute its cosine directly
    if missing.any():
        dense[missing] = index.passage_matrix[ids[missing]] @ query

    order = np.lexsort((-dense, -fused))[:limit]
    words = set(query_tokens)
    idf_of = {p: index.idf(p, words) for p in {index.passages[int(ids[i])].policy for i in order}}
    hits = []
    for rank, i in enumerate(order, start=1):
        pid = int(ids[i])
        idf = idf_of[index.passages[pid].policy]
        a, b = bounds[i], bounds[i + 1]
        lexical = np.array([_coverage(idf, index.sentence_tokens[s]) for s in sentence_ids[a:b]])
        key = int(np.argmax(cosines[a:b] + LEXICAL_WEIGHT * lexical))
        hits.append(Hit(pid, rank, float(fused[i]), float(dense[i]), key, float(best_sentence[i]), float(bm25[i]),
                        _coverage(idf, index.passage_tokens[pid])))
    return hits


def _coverage(weights: dict[str, float], tokens: frozenset[str]) -> float:
    """Share of the question's word weight (IDF) that a text contains; 0 when nothing is known."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in tokens) / total if total > 0 else 0.0
