"""Coverage gaps: the questions the bot could not answer or people voted down, grouped by need.

Each distinct question (as first asked, redacted) is embedded with the engine's own model and the
questions are clustered by average linkage on cosine similarity: a group joins another only when its
questions are, on average, at least ``SIMILAR`` alike. On MiniLM "can I delete my account" and "how
do i remove my profile" score 0.55, "do you sell my data" and "can I delete my account" 0.34. A
cluster's label is its most central question (weighted by how often each was asked), its size the
times its questions went unanswered or were voted down. The policy passage nearest the label is
asked of the engine, so the owner sees whether the policy is silent or the bot missed it.

Clustering is cached per window and UTC day (a new day, or another window, computes afresh); the
vectors are cached per question text, so a new day embeds only the questions new to it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from .errors import PolicybotError

if TYPE_CHECKING:
    from .engine import Bot

SIMILAR = 0.5  # least average cosine between two clusters that merge
MAX_QUESTIONS = 800  # the most-missed distinct questions clustered (the rest are rarer than these)
MAX_GAPS = 20  # clusters shown, largest first
EXAMPLES = 4  # other wordings shown with each label
_CACHE_SIZE = 16
_VECTORS_SIZE = 50_000


@dataclass(frozen=True)
class NearestPassage:
    """The policy passage closest to a gap's label, as the engine ranks it."""

    section: str
    sentence: str
    score: float
    match: str
    start: int
    end: int


@dataclass(frozen=True)
class Gap:
    label: str  # the cluster's most central question
    size: int  # times its questions were not answered or voted down
    questions: int  # distinct questions in it
    examples: tuple[str, ...]  # other wordings, most frequent first
    passage: NearestPassage | None  # nearest policy passage, None when the policy gave none

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "examples": list(self.examples),
                "passage": asdict(self.passage) if self.passage else None}


_lock = threading.Lock()
_cache: dict[tuple[str, ...], tuple[Gap, ...]] = {}
_vectors: dict[str, np.ndarray] = {}


def embed(bot: Bot, texts: list[str]) -> np.ndarray:
    """Unit vectors of ``texts`` from the engine's embedder, those seen before from the cache."""
    new = [t for t in dict.fromkeys(texts) if t not in _vectors]
    if new:
        if len(_vectors) + len(new) > _VECTORS_SIZE:
            _vectors.clear()
        _vectors.update(zip(new, bot.embedder.encode(new), strict=True))
    return np.stack([_vectors[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)


def cluster(vectors: np.ndarray, similar: float = SIMILAR) -> list[list[int]]:
    """Groups of row indices (average linkage, cosine), each group in index order."""
    if len(vectors) < 2:
        return [[i] for i in range(len(vectors))]
    from scipy.cluster.hierarchy import fcluster, linkage

    distances = np.clip(1.0 - vectors @ vectors.T, 0.0, 2.0)
    condensed = distances[np.triu_indices(len(vectors), k=1)]
    labels = fcluster(linkage(condensed, method="average"), t=1.0 - similar, criterion="distance")
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return list(groups.values())


def nearest(bot: Bot, question: str) -> NearestPassage | None:
    """The engine's top passage for a gap's label (None if there is none or it cannot be asked)."""
    try:
        found = bot.answer(question, k=1)
    except PolicybotError:
        return None
    if not found.citations:
        return None
    c = found.citations[0]
    return NearestPassage(c.section, c.sentence, round(c.score, 3), c.match, c.start, c.end)


def _gap(members: list[int], texts: list[str], weights: np.ndarray, vectors: np.ndarray) -> tuple[str, int, list[str]]:
    """(label, size, examples) of one cluster: the label is the member most like the rest, by weight."""
    w = weights[members]
    central = (vectors[members] @ vectors[members].T) @ w - w  # likeness to the others, not to itself
    order = sorted(range(len(members)), key=lambda i: (-central[i], texts[members[i]]))
    label = texts[members[order[0]]]
    examples = sorted((m for m in members if texts[m] != label), key=lambda m: (-weights[m], texts[m]))
    return label, int(w.sum()), [texts[m] for m in examples[:EXAMPLES]]


def compute(missed: list[tuple[str, int]], bot: Bot) -> tuple[Gap, ...]:
    """Clusters of missed questions ((redacted text, times missed), most missed first), largest first."""
    missed = missed[:MAX_QUESTIONS]
    if not missed:
        return ()
    texts = [t for t, _ in missed]
    weights = np.array([n for _, n in missed], dtype=np.float32)
    vectors = embed(bot, texts)
    found = [(_gap(m, texts, weights, vectors), len(m)) for m in cluster(vectors)]
    found.sort(key=lambda g: (-g[0][1], g[0][0]))
    return tuple(Gap(label, size, n, tuple(examples), nearest(bot, label))
                 for (label, size, examples), n in found[:MAX_GAPS])


def coverage_gaps(scope: tuple[str, ...], missed: Callable[[], list[tuple[str, int]]], bot: Bot) -> tuple[Gap, ...]:
    """``compute`` over ``missed()``, cached per ``scope`` (store and window), policy versions and UTC day."""
    versions = ",".join(f"{p.name}:{p.sha256}" for p in bot.policies)
    key = (*scope, datetime.now(UTC).date().isoformat(), versions)
    with _lock:
        if key in _cache:
            return _cache[key]
    gaps = compute(missed(), bot)
    with _lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[key] = gaps
    return gaps


def clear_cache() -> None:
    """Forget cached clusters (tests, or after the log was edited by hand)."""
    with _lock:
        _cache.clear()
