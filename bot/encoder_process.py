"""Questions encoded in a child process, so the model and the server's Python do not share one GIL.

In one process the query worker gives up Python's GIL inside each torch kernel and must win it
back from the request threads before the next: a forward pass of a 6-layer model is a hundred or
so kernels, and every hand-back can wait behind the threads answering requests, so the server
stayed near one core (1.14-1.18 cores at 10-100 clients). The child has its own interpreter and
can keep the second core busy; the server only writes questions to a pipe and reads vectors. At
50 clients (benchmarks/load.py) the child spent 8.0-8.2 ms of CPU an answer and the server 5.7-6.5:
with the server's own ~13 ms in one process, no CPU is added, it is only spread over two cores.
The child costs about 550 MB of memory with torch (torch and a second copy of the model), 230 MB
with the ONNX question encoder (``bot.onnx_encoder``, the default), which also loads in about a second.

Protocol, over the child's stdin and a private copy of its stdout: each message is one kind byte,
a 4-byte big-endian length and the payload. To the child: ``Q`` + JSON ``{"texts", "batch"}``.
From it: ``R`` + JSON ``{"dims"}`` once the model is loaded, then per question batch ``V`` + the
float32 vectors or ``E`` + the error text. The child exits when its stdin closes (the server
stopped or died) or its parent is gone, and ignores Ctrl-C, which the server handles.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger("bot")
HEADER = struct.Struct("!cI")
START_SECONDS = 120.0  # for the child to import torch and load the model; past it, encode in-process
STOP_SECONDS = 5.0  # for the child to exit after its stdin closes, before it is killed
ANSWER_SECONDS = 30.0  # for the child to answer one batch (milliseconds, normally); past it, it is hung
# The child's program: ``bot.embedding.serve_child`` (not ``-m``: ``import bot`` imports this module
# before runpy would run it; and the model is the embedding module's, which imports this one).
CHILD = "import sys; from bot.embedding import serve_child; sys.exit(serve_child(sys.argv[1:]))"
_children: weakref.WeakSet[EncoderProcess] = weakref.WeakSet()  # closed at exit


class EncoderError(RuntimeError):
    """The child cannot encode (it died, hung up or failed to start); the caller encodes in-process."""


def _read_exactly(fd: int, size: int, deadline: float | None = None) -> bytes:
    chunks, left = [], size
    while left:
        if deadline is not None and not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
            raise TimeoutError("no answer in the time allowed")
        chunk = os.read(fd, left)
        if not chunk:
            raise EOFError("the pipe closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def send(fd: int, kind: bytes, payload: bytes) -> None:
    """Write one message (kind byte, length, payload) to ``fd``."""
    data = memoryview(HEADER.pack(kind, len(payload)) + payload)
    while data:
        data = data[os.write(fd, data):]


def receive(fd: int, timeout: float | None = None) -> tuple[bytes, bytes]:
    """Read one message from ``fd``: (kind byte, payload); EOFError when the pipe closed,
    TimeoutError when the whole message has not come within ``timeout`` seconds."""
    deadline = None if timeout is None else time.monotonic() + timeout
    kind, size = HEADER.unpack(_read_exactly(fd, HEADER.size, deadline))
    return kind, _read_exactly(fd, size, deadline)


class EncoderProcess:
    """One child process that encodes question batches; made by the process that uses it. It loads
    the model in the background: ``usable()`` says when it can take questions."""

    def __init__(self, threads: int = 1, start_seconds: float = START_SECONDS,
                 command: list[str] | None = None) -> None:
        """Start the child (``CHILD`` with THREADS), or ``command`` instead (tests)."""
        self.owner = os.getpid()  # a forked copy of this object must not use the pipe
        root = str(Path(__file__).resolve().parent.parent)  # where ``bot`` is imported from
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        command = command or [sys.executable, "-c", CHILD, str(threads)]
        self._proc = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        # Every use of the pipes holds this: the handshake, one batch, and closing them. A pipe closed
        # under a thread still reading it frees its number for the next pipe opened (the next child's),
        # and that thread then reads another child's messages: answers crossed, then a wait forever.
        self._lock = threading.Lock()
        self.ready, self.failed = threading.Event(), False
        self.dims = 0
        self.batches = 0  # batches encoded (tests read it)
        _children.add(self)
        self._starter = threading.Thread(target=self._handshake, args=(start_seconds,),
                                         name="policybot-encoder-start", daemon=True)
        self._starter.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def usable(self) -> bool:
        return self.ready.is_set() and not self.failed and self.owner == os.getpid()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the model to load; whether the child can take questions."""
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.1) and not self.failed and time.monotonic() < deadline:
            pass
        return self.usable()

    def _handshake(self, timeout: float) -> None:
        with self._lock:
            try:
                if self.failed:  # closed before it could start
                    return
                kind, payload = receive(self._proc.stdout.fileno(), timeout)
                if kind != b"R":
                    raise EncoderError(f"the encoder process said {kind!r} instead of ready")
                self.dims = int(json.loads(payload)["dims"])
                self.ready.set()
                return
            except TimeoutError:
                error: Exception = EncoderError(f"the encoder process did not load the model within {timeout:.0f} s")
            except (OSError, EOFError, ValueError, KeyError, EncoderError) as exc:
                error = exc
        if not self.failed:  # not closed meanwhile: it could not start
            log.warning("questions are encoded in the server process: %s", error)
        self.close()

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Vectors of shape (len(texts), dims) from the child; EncoderError if it cannot."""
        payload = json.dumps({"texts": texts, "batch": batch_size}).encode()
        with self._lock:
            if not self.usable():  # checked under the lock: a close() waits for the batch in the pipe
                raise EncoderError("the encoder process is not running")
            try:
                send(self._proc.stdin.fileno(), b"Q", payload)
                kind, answer = receive(self._proc.stdout.fileno(), ANSWER_SECONDS)
            except (OSError, EOFError, ValueError) as exc:
                self.failed = True
                if isinstance(exc, TimeoutError):  # hung: it will not see its stdin close either
                    self._proc.kill()
                raise EncoderError(f"the encoder process hung up ({type(exc).__name__}: {exc})") from exc
        self.batches += 1
        if kind == b"E":
            raise RuntimeError(answer.decode("utf-8", "replace"))  # this batch's error, not the child's
        vectors = np.frombuffer(answer, dtype=np.float32)
        if kind != b"V" or vectors.size != len(texts) * self.dims:
            self.failed = True
            raise EncoderError(f"the encoder process answered {kind!r} with {vectors.size} numbers")
        return vectors.reshape(len(texts), self.dims).copy()

    def close(self) -> None:
        """Stop the child: its stdin closes, it exits; killed if it does not within STOP_SECONDS.
        The pipes are closed only when no other thread is using them: a batch in the pipe is answered
        first (past STOP_SECONDS, ended by killing the child), a child still loading is killed. In a
        forked copy, only that copy's ends of the pipes are closed (no thread of the copy uses them)."""
        self.failed = True
        _children.discard(self)
        if self.owner != os.getpid():
            self._close_pipes()
            return
        # A batch in the pipe is waited for; a child still loading the model is not (nothing to finish)
        held = self._lock.acquire(timeout=STOP_SECONDS if self.ready.is_set() else 0)
        if not held:  # killed: the thread reading its pipe gets EOF and lets go
            self._proc.kill()
            held = self._lock.acquire(timeout=STOP_SECONDS)
        try:
            if held:
                self._close_pipes()
            else:  # left to the garbage collector rather than freed under a reader
                log.warning("the encoder process's pipes are still in use; not closing them")
            try:
                self._proc.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        finally:
            if held:
                self._lock.release()

    def _close_pipes(self) -> None:
        for pipe in (self._proc.stdin, self._proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass


@atexit.register
def _close_all() -> None:
    for child in list(_children):
        child.close()


# ---------------------------------------------------------------------------- the child's side


Encode = Callable[[list[str], int], np.ndarray]  # (texts, forward batch size) -> float32 vectors


def _serve(fd_in: int, fd_out: int, encode: Encode, dims: int) -> None:
    """Say ready, then answer question batches until stdin closes or the parent is gone."""
    send(fd_out, b"R", json.dumps({"dims": dims}).encode())
    parent = os.getppid()
    while os.getppid() == parent:  # a parent that died leaves us to init
        if not select.select([fd_in], [], [], 1.0)[0]:
            continue
        try:
            _kind, payload = receive(fd_in)
        except EOFError:
            return
        try:
            request = json.loads(payload)
            vectors = encode(request["texts"], int(request["batch"]))
            send(fd_out, b"V", np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
        except Exception as exc:  # the batch fails, the child lives on
            send(fd_out, b"E", f"{type(exc).__name__}: {exc}".encode())


def run(load: Callable[[], tuple[Encode, int]]) -> int:
    """The child's main: ``load()`` gives the encode function and its dims; then serve the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server stops us
    fd_out = os.dup(1)  # the protocol's own stdout; fd 1 goes to stderr, so a stray print cannot corrupt it
    os.dup2(2, 1)
    try:
        encode, dims = load()
        _serve(0, fd_out, encode, dims)
    except (BrokenPipeError, EOFError):  # the server went away
        pass
    return 0
