"""Search that scales: exact FAISS while small, IVF for a large library, checked against numpy."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

import bot.retrieve as retrieve
import bot.vectors as vectors
from bot import Bot
from bot.embedding import Embedder
from bot.vectors import passage_index, search_kind, search_params


def _clustered(n: int, dims: int = 64, centres: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors in clusters, as text embeddings are (uniform random vectors have no neighbours)."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, dims)).astype(np.float32)
    x = c[rng.integers(0, centres, n)] / np.linalg.norm(c, axis=1).mean() + 0.1 * rng.standard_normal((n, dims))
    return np.ascontiguousarray(x / np.linalg.norm(x, axis=1, keepdims=True), dtype=np.float32)


def _oracle(x: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(x @ q), kind="stable")[:k]


def test_a_small_library_is_searched_exactly() -> None:
    x = _clustered(2000)
    ix = passage_index(x)  # 2,000 passages: far below ANN_PASSAGES
    assert search_kind(ix) == {"index": "flat"}
    for q in x[:20]:
        _, found = ix.search(q.reshape(1, -1), 10)
        assert list(found[0]) == list(_oracle(x, q, 10))


def test_a_large_library_gets_an_ivf_index_that_finds_the_nearest_passages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors, "NPROBE", 16)  # an eighth of the lists, as NPROBE is of 1,024 lists at 100k
    x = _clustered(8000)
    ix = passage_index(x, ann_from=5000)
    kind = search_kind(ix)
    assert kind == {"index": "ivf", "lists": 128, "probe": 16}  # 4 sqrt(8000) ~ 358 -> 256, halved to <= 8000 // 39
    assert np.array_equal(ix.reconstruct_n(0, len(x)), x)  # passage vectors read back exactly
    queries = x[np.random.default_rng(1).choice(len(x), 50, replace=False)]
    found = [ix.search(q.reshape(1, -1), 10)[1][0] for q in queries]
    recall = np.mean([len(set(f) & set(_oracle(x, q, 10))) / 10 for f, q in zip(found, queries, strict=True)])
    assert recall >= 0.9
    faiss.extract_index_ivf(ix).nprobe = kind["lists"]  # every list probed: exactly the oracle
    for q in queries[:10]:
        assert list(ix.search(q.reshape(1, -1), 10)[1][0]) == list(_oracle(x, q, 10))


def test_an_ivf_search_limited_to_one_policy_stays_inside_it() -> None:
    x = _clustered(8000)
    ix = passage_index(x, ann_from=5000)
    faiss.extract_index_ivf(ix).nprobe = 128
    lo, hi = 3000, 3060  # one policy's passages are contiguous
    for q in x[:10]:
        params = search_params(ix, faiss.IDSelectorRange(lo, hi))
        _, found = ix.search(q.reshape(1, -1), 5, params=params)
        assert list(found[0]) == list(lo + _oracle(x[lo:hi], q, 5))


def test_a_library_past_the_threshold_is_built_with_ivf_and_answers_as_before(
    policy_dir: Path, tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (policy_dir / "second.txt").write_text(
        "Cookies\n\nWe set cookies to remember your cart. You can turn cookies off in your browser.\n\n"
        "Contact\n\nWrite to privacy@example.com with any question about your data.\n", encoding="utf-8")
    exact = Bot(policy_dir, tmp_path / "exact", embedder=embedder)
    monkeypatch.setattr(vectors, "ANN_PASSAGES", 5)
    monkeypatch.setattr(retrieve, "ANN_PASSAGES", 5)
    large = Bot(policy_dir, tmp_path / "ivf", embedder=embedder)
    assert exact.index.manifest["search"] == {"index": "flat"}
    assert large.index.manifest["search"]["index"] == "ivf"
    for question, policy in (("How do I turn off cookies?", "second"), ("How do you use my information?", "bellacor"),
                             ("Who do I write to?", "second")):
        a, b = exact.answer(question), large.answer(question)
        assert b.answered and b.citations[0].policy == policy
        assert b.to_dict() | {"latency_ms": 0} == a.to_dict() | {"latency_ms": 0}  # the same answer, to the score
    # the question is scored in full only in the policies holding its nearest passages
    q = embedder.encode_query("How do I turn off cookies?")
    assert "second" in retrieve._near(large.index, q, ["bellacor", "second"])
    assert retrieve._near(exact.index, q, ["bellacor", "second"]) == ["bellacor", "second"]
