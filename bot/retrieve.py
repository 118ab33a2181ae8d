"""Hybrid retrieval: every sentence of the policy is scored, a passage ranks by its best sentence.

A sentence's score adds up evidence of seven kinds (weights in ``Weights``):

- its cosine to the question: the mean of the plain sentence's and the sentence read after its
  heading ("Cookies: We use ..."), so a heading tells what the text under it is about;
- the same cosine to the question's distinctive words (``Query.focus``), when the question has
  common words to leave out: "can imgur staff look up my actual phone number" is also read as
  "staff look actual phone number", as most of Imgur's passages say "Imgur". On the layqa
  questions, with the confidence model refitted (it also weighs the key sentence's cosine to the
  focus, ``Hit.focus_cosine``): dev answer@1 0.555 -> 0.594, hit@3 0.859 -> 0.867, abstain 0.375,
  false abstain 0.078 -> 0.070; the held-out set 0.458 -> 0.490, 0.781 -> 0.812, 0.542, 0.104 ->
  0.073; PolicyQA dev hit@3 0.503 -> 0.497, test 0.454 -> 0.461;
- the cosine of the question to the passage's headings (a question close to a heading finds
  the text under it, never the heading itself: headings are not sentences);
- BM25 of the passage, for the question's own words and, lower, for the words the privacy
  vocabulary relates to them ("sell" -> "sold", "cops" -> "law enforcement"), each scaled to
  the best passage of the question's policies;
- the IDF-weighted share of the question's words that the sentence itself contains;
- whether the sentence states the kind of answer the question asks for: a period for "how
  long", an e-mail address for "what's the email" (``answer_type.py``; on the layqa dev
  questions answer@1 0.508 -> 0.531, the held-out set unchanged at 0.448).

Scores are plain sums of cosines and 0..1 terms, so no rank fusion is needed and the top
score means the same on every policy (the confidence model builds on it). The weights were
chosen on the layqa dev questions and checked on a held-out set of other policies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import faiss
import numpy as np

from . import answer_type
from .index import Index
from .query import GENERIC, Query, related_tokens
from .vectors import ANN_PASSAGES, search_params

REFINE = 40  # passages whose sentences get the (slower) word-coverage term
# A question asked of more than ANN_PASSAGES passages (a library of some 1,500 policies, asked all
# at once) is scored in full only in the policies that hold one of its CANDIDATES nearest passages
# by vector (FAISS, approximate at that size): the rest cannot be scored passage by passage in
# time. A question to one policy, or to a smaller library, is always scored in full.
CANDIDATES = 100


@dataclass(frozen=True)
class Weights:
    """How much each kind of evidence counts in a sentence's score."""

    sentence: float = 1.0  # cosine to the sentence (plain and under its heading)
    focus: float = 0.2  # cosine to the question's distinctive words (0.3 gained on dev, not on the held-out set)
    context: float = 0.2  # cosine to the passage's headings
    bm25: float = 0.1  # BM25 of the passage for the question's words, 0..1
    related: float = 0.1  # BM25 of the passage for related vocabulary words, 0..1
    coverage: float = 0.1  # share of the question's word weight in the sentence
    kind: float = 0.2  # the sentence states the kind of answer asked for (answer_type.py; 0.1 gained less)


@dataclass(frozen=True, eq=False)
class Asked:
    """A question's unit vectors: ``ranked`` ranks the passages (expanded by ``bot.expansion``);
    ``plain``, the question itself when ``ranked`` is expanded, picks each passage's key sentence;
    ``focus`` is the vector of its distinctive words (``Query.focus``), if it has any."""

    ranked: np.ndarray
    plain: np.ndarray | None = None
    focus: np.ndarray | None = None


def encode_question(q: Query, encode: Callable[[list[str]], np.ndarray],
                    expand: Callable[[np.ndarray], np.ndarray] | None) -> Asked:
    """A question's vectors: its text and its focus encoded in one call, and the text's vector
    expanded when ``expand`` is given."""
    plain, *focus = encode([q.text, q.focus] if q.focus else [q.text])
    return Asked(expand(plain) if expand is not None else plain, plain, focus[0] if focus else None)


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
    focus_cosine: float  # cosine of the key sentence to the question's focus (else to the question)


def passage_ids(index: Index, policies: list[str]) -> np.ndarray:
    """Ids of the passages of these policies (each policy's ids are contiguous)."""
    return np.concatenate([np.arange(len(index.passages))[index.policies[p].ids] for p in policies]).astype(np.int64)


def dense_search(index: Index, query: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k passages by cosine among ``ids`` (FAISS inner product on unit vectors)."""
    if len(ids) == index.faiss_index.ntotal:
        params = None
    elif ids[-1] - ids[0] + 1 == len(ids):
        params = search_params(index.faiss_index, faiss.IDSelectorRange(int(ids[0]), int(ids[-1]) + 1))
    else:
        params = search_params(index.faiss_index, faiss.IDSelectorBatch(ids))
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


@dataclass(frozen=True, eq=False)
class _Scores:
    """One question's scores over the sentences of some policies (working arrays of ``retrieve``)."""

    ids: np.ndarray  # passage ids, policy by policy
    bounds: np.ndarray  # passage i's sentences: bounds[i]:bounds[i + 1]
    sentence_ids: np.ndarray
    cosines: np.ndarray  # each sentence's cosine to the (expanded) question
    scores: np.ndarray  # each sentence's score so far (word coverage added by ``_refine``)
    best: np.ndarray  # each passage's best sentence score
    context: np.ndarray
    bm25: np.ndarray


def _score(index: Index, asked: Asked, q: Query, policies: list[str], w: Weights,
           per_policy: bool = False) -> _Scores:
    """Every sentence's score but word coverage. BM25 is scaled to the best passage of all
    ``policies``, or (``per_policy``) of each policy, as when it is asked alone."""
    ids = passage_ids(index, policies)
    starts = index.sentence_start
    counts = starts[ids + 1] - starts[ids]
    bounds = np.concatenate([[0], np.cumsum(counts)])
    sentence_ids = np.arange(bounds[-1]) + np.repeat(starts[ids] - bounds[:-1], counts)
    local = np.repeat(np.arange(len(ids)), counts)  # each sentence's passage, as a position in ids

    if asked.focus is None:
        cosines = index.sentence_vectors[sentence_ids] @ asked.ranked
        focused = 0.0
    else:  # one pass over the sentence vectors for both
        both = index.sentence_vectors[sentence_ids] @ np.stack([asked.ranked, asked.focus], axis=1)
        cosines, focused = both[:, 0], w.focus * both[:, 1]
    context = _context_cosines(index, asked.ranked, policies)
    bm25_parts = [index.bm25[p].scores(list(q.tokens)) for p in policies]
    related_parts = [index.bm25[p].scores(list(q.related)) for p in policies]
    if per_policy:
        lexical = w.bm25 * np.concatenate([_scaled(b) for b in bm25_parts]) \
            + w.related * np.concatenate([_scaled(r) for r in related_parts])
    else:
        lexical = w.bm25 * _scaled(np.concatenate(bm25_parts)) + w.related * _scaled(np.concatenate(related_parts))
    scores = w.sentence * cosines + focused + (w.context * context + lexical)[local]
    best = np.full(len(ids), -np.inf)
    np.maximum.at(best, local, scores)
    return _Scores(ids, bounds, sentence_ids, cosines, scores, best, context, np.concatenate(bm25_parts))


def _refine(index: Index, s: _Scores, q: Query, lead: np.ndarray, w: Weights) -> None:
    """Add word coverage to the sentences of the ``lead`` passages (a Python loop: only for the few
    passages that can still rank)."""
    policies = {index.passages[int(s.ids[i])].policy for i in lead}
    idf = {p: {t: v for t, v in index.idf(p, set(q.tokens)).items() if t not in GENERIC} for p in policies}
    synonyms = {t: _synonyms(t) for t in q.tokens}
    kind = answer_type.expected(q.text)  # typos corrected ("emial" -> "email")
    for i in lead:
        a, b = s.bounds[i], s.bounds[i + 1]
        passage = index.passages[int(s.ids[i])]
        weights_of = idf[passage.policy]
        covered = [_coverage(weights_of, index.sentence_tokens[j], synonyms) for j in s.sentence_ids[a:b]]
        s.scores[a:b] += w.coverage * np.asarray(covered)
        if kind is not None:
            s.scores[a:b] += w.kind * np.asarray([answer_type.holds(kind, t.text) for t in passage.sentences])
        s.best[i] = s.scores[a:b].max()


def _hits(index: Index, s: _Scores, q: Query, order: np.ndarray, w: Weights, asked: Asked) -> list[Hit]:
    """The passages at positions ``order`` as hits, ranked 1.. in that order."""
    plain = asked.plain
    own_vector = asked.ranked if plain is None else plain
    focus = own_vector if asked.focus is None else asked.focus
    dense = index.passage_matrix[s.ids[order]] @ own_vector
    hits = []
    for rank, (i, cos) in enumerate(zip(order, dense, strict=True), start=1):
        pid = int(s.ids[i])
        a, b = s.bounds[i], s.bounds[i + 1]
        own, mine = s.cosines[a:b], s.scores[a:b]
        if plain is not None:  # the key sentence is scored for the question itself
            own = index.sentence_vectors[s.sentence_ids[a:b]] @ plain
            mine = mine + w.sentence * (own - s.cosines[a:b])
        key = int(np.argmax(mine))
        idf = index.idf(index.passages[pid].policy, set(q.tokens))
        hits.append(Hit(pid, rank, float(s.best[i]), float(cos), key, float(own[key]),
                        float(s.context[i]) if index.context_ids[pid] >= 0 else 0.0, float(s.bm25[i]),
                        _coverage(idf, index.passage_tokens[pid]),
                        float(index.sentence_vectors[s.sentence_ids[a + key]] @ focus)))
    return hits


def retrieve(
    index: Index, asked: Asked, q: Query, policies: list[str], limit: int, weights: Weights = Weights(),
) -> list[Hit]:
    """The ``limit`` best passages of ``policies`` for a question (its vectors and its words).

    ``asked.ranked`` ranks the passages; ``asked.plain``, the question's own vector when the ranked
    one is expanded (``bot.expansion``), picks each passage's key sentence: the expansion leans
    towards what such answers usually say, which finds the right passage, while the sentence that
    answers is still the one closest to the question itself.
    """
    s = _score(index, asked, q, _near(index, asked.ranked, policies), weights)
    _refine(index, s, q, np.argsort(-s.best, kind="stable")[: max(REFINE, limit)], weights)
    return _hits(index, s, q, np.argsort(-s.best, kind="stable")[:limit], weights, asked)


def _near(index: Index, query: np.ndarray, policies: list[str], ann_from: int | None = None) -> list[str]:
    """``policies``, or past ``ann_from`` (``ANN_PASSAGES``) passages, those among them holding one of
    the question's CANDIDATES nearest passages by vector, in their order."""
    if sum(index.policies[p].passages for p in policies) <= (ANN_PASSAGES if ann_from is None else ann_from):
        return policies
    found, _ = dense_search(index, query, passage_ids(index, policies), CANDIDATES)
    holding = {index.passages[int(i)].policy for i in found}
    return [p for p in policies if p in holding]


def retrieve_each(
    index: Index, asked: Asked, q: Query, policies: list[str], limit: int, weights: Weights = Weights(),
) -> dict[str, list[Hit]]:
    """For each policy, the ``limit`` hits ``retrieve`` finds when that policy is asked alone, with
    the question scored against every policy in one pass (how one question is compared across
    hundreds of policies). Word coverage, the loop, is added only where it can change the top
    ``limit``: coverage adds at most ``weights.coverage``, so a passage further than that below
    the policy's ``limit``-th best cannot rise into it."""
    s = _score(index, asked, q, policies, weights, per_policy=True)
    out: dict[str, list[Hit]] = {}
    at = 0
    for policy in policies:
        n = len(range(len(index.passages))[index.policies[policy].ids])
        span = np.arange(at, at + n)
        at += n
        lead = span[np.argsort(-s.best[span], kind="stable")[: max(REFINE, limit)]]
        floor = s.best[lead[min(limit, len(lead)) - 1]] - weights.coverage if len(lead) else 0.0
        _refine(index, s, q, lead[s.best[lead] >= floor], weights)
        out[policy] = _hits(index, s, q, span[np.argsort(-s.best[span], kind="stable")[:limit]], weights, asked)
    return out


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
