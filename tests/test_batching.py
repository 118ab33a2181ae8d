"""Questions asked together are embedded together (``bot.batching``), and nobody can tell: each
caller gets its own vector, as if encoded alone, its own exception, and no long wait."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bot.batching import MicroBatcher
from bot.embedding import Embedder
from tests.conftest import SHARED, wait_until


def questions(n: int) -> list[str]:
    lines = (SHARED / "data" / "privacyqa" / "questions_test.jsonl").read_text().splitlines()
    return [json.loads(line)["question"] for line in lines[:n]]


def alone(embedder: Embedder, text: str) -> np.ndarray:
    """The vector of a question encoded on its own, as before batching."""
    return embedder.model.encode(text, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)


class Gate:
    """A batch function that holds its first batch until ``open()``, recording each batch's items."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.entered, self.gate = threading.Event(), threading.Event()

    def __call__(self, items: list[str]) -> list[str]:
        self.batches.append(list(items))
        self.entered.set()
        self.gate.wait(30)
        if any(item.startswith("bad") for item in items):
            raise ValueError(f"cannot do {[i for i in items if i.startswith('bad')]}")
        return [item.upper() for item in items]


def held(batcher: MicroBatcher, gate: Gate, items: list[str]) -> list[object]:
    """Each item from its own thread: the first is held in the batch function while the others
    queue behind it; then the gate opens. Results (or exceptions) in the items' order."""
    with ThreadPoolExecutor(len(items)) as pool:
        first = pool.submit(batcher, items[0])
        assert gate.entered.wait(30)
        rest = [pool.submit(batcher, item) for item in items[1:]]
        wait_until(lambda: batcher._queue.qsize() == len(rest), "the other callers to queue")
        gate.gate.set()
        return [f.exception() or f.result() for f in (first, *rest)]


# ---------------------------------------------------------------------------- the batcher itself


def test_callers_that_arrive_together_share_one_call_and_get_their_own_results() -> None:
    gate = Gate()
    batcher = MicroBatcher(gate, max_batch=32)
    items = [f"q{i}" for i in range(20)]
    assert held(batcher, gate, items) == [i.upper() for i in items]
    assert [len(b) for b in gate.batches] == [1, 19]  # 20 callers, 2 calls
    batcher.close()


def test_items_one_caller_hands_over_together_share_one_call() -> None:
    """A question and its focus (``Embedder.encode_questions``) are encoded in one call."""
    calls: list[list[str]] = []
    batcher = MicroBatcher(lambda items: calls.append(list(items)) or [i.upper() for i in items], max_batch=32)
    assert batcher.many(["a", "b", "c"]) == ["A", "B", "C"]
    assert calls == [["a", "b", "c"]]
    batcher.close()


def test_a_batch_is_never_larger_than_max_batch() -> None:
    gate = Gate()
    batcher = MicroBatcher(gate, max_batch=8)
    items = [f"q{i}" for i in range(20)]
    assert held(batcher, gate, items) == [i.upper() for i in items]
    assert [len(b) for b in gate.batches] == [1, 8, 8, 3]
    batcher.close()


def test_an_exception_reaches_only_the_callers_it_belongs_to() -> None:
    gate = Gate()
    batcher = MicroBatcher(gate, max_batch=32)
    got = held(batcher, gate, ["q0", "q1", "bad2", "q3"])
    assert got[:2] == ["Q0", "Q1"] and got[3] == "Q3"
    assert isinstance(got[2], ValueError) and "bad2" in str(got[2])
    batcher.close()


def test_a_failing_batch_function_fails_every_caller_and_the_worker_lives_on() -> None:
    def broken(items: list[str]) -> list[str]:
        raise RuntimeError("the model is gone")

    batcher = MicroBatcher(broken, max_batch=4)
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(batcher, f"q{i}") for i in range(6)]
    assert all(isinstance(f.exception(), RuntimeError) for f in futures)
    wrong = MicroBatcher(lambda items: items[:-1], max_batch=4)  # a result missing
    with pytest.raises(RuntimeError, match="0 results for 1 items"):
        wrong("q")
    batcher.close()
    wrong.close()


def test_a_lone_question_does_not_wait_and_a_full_batch_not_at_all() -> None:
    lone = MicroBatcher(lambda items: items, max_batch=16, max_wait=60.0)
    started = time.monotonic()
    assert [lone("a"), lone("b")] == ["a", "b"]
    assert time.monotonic() - started < 30.0  # never the 60 s window: nobody else was asking
    full = MicroBatcher(lambda items: items, max_batch=4, max_wait=60.0)
    full._last = 4  # as just after a busy moment: a batch that is not full waits the window for company
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(full, "abcd")) == list("abcd")
    assert time.monotonic() - started < 30.0  # the fourth filled the batch, which then went at once
    assert full.batches == 1
    lone.close()
    full.close()


def test_after_questions_came_together_the_next_one_waits_the_window_for_company() -> None:
    gate = Gate()
    batcher = MicroBatcher(gate, max_batch=32, max_wait=0.3)
    held(batcher, gate, ["q0", "q1", "q2"])  # batches of 1 and 2: questions are coming together
    started = time.monotonic()
    assert batcher("q3") == "Q3"
    assert time.monotonic() - started >= 0.3  # it waited the window for company
    assert [len(b) for b in gate.batches] == [1, 2, 1]
    batcher.close()


def test_the_worker_starts_on_first_use_is_a_daemon_and_stops_on_close() -> None:
    batcher = MicroBatcher(lambda items: items, max_batch=4)
    assert batcher._worker is None  # nothing runs until a question comes
    assert batcher("a") == "a"
    worker = batcher._worker
    assert worker is not None and worker.daemon and worker.is_alive()
    batcher.close()
    assert not worker.is_alive()
    assert batcher("b") == "b"  # a later question starts a new worker
    batcher.close()
    with pytest.raises(ValueError):
        MicroBatcher(lambda items: items, max_batch=0)


# ---------------------------------------------------------------------------- the real model


def test_concurrent_questions_get_the_vectors_they_would_get_alone(embedder: Embedder) -> None:
    asked = questions(64)
    single = np.stack([alone(embedder, q) for q in asked])
    before = embedder._queries.batches
    with ThreadPoolExecutor(16) as pool:
        together = np.stack(list(pool.map(embedder.encode_query, asked)))
    assert together.dtype == np.float32 and together.shape == (64, embedder.dims)
    assert np.allclose(together, single, atol=1e-5)
    assert embedder._queries.batches - before < len(asked)  # 16 threads at once: some shared a call


def test_padding_in_a_batch_does_not_move_a_vector(embedder: Embedder) -> None:
    """Short and long questions in one batch: the short ones are padded, and masked out."""
    asked = ["hi?", "do you sell my data", *questions(30),
             "what happens to the personal information you collect about me and my family when I close "
             "my account, and do any of the companies you share it with keep a copy of it afterwards?"]
    batch = np.stack(embedder._encode_queries(asked))
    single = np.stack([alone(embedder, q) for q in asked])
    assert np.allclose(batch, single, atol=1e-5)
    assert float(np.min(np.sum(batch * single, axis=1))) >= 0.9999


def test_the_query_worker_keeps_its_torch_threads_to_itself(embedder: Embedder) -> None:
    """Index builds in other threads keep every core (the OpenMP thread count is per thread)."""
    import torch

    threads = torch.get_num_threads()
    embedder.encode_query("do you sell my data")
    assert torch.get_num_threads() == threads
