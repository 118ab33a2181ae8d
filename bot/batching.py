"""Many threads' single items into one batched call: how questions asked together are embedded together.

Encoding one short question costs about as much as encoding several: most of the time is per
call (tokenizer, Python around the model, small matrix products), not per question. A server
thread that wants a question's vector hands it to a ``MicroBatcher`` and waits; one worker
thread takes every question queued by then (up to ``max_batch``), waits at most ``max_wait``
for more if the batch is not full, and makes one call for all of them. Under load the worker
is busy while questions queue, so batches form without waiting; the wait only lets questions
that arrive a moment apart share a call, and a question asked alone does not wait at all.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger("bot")

_STOP = object()  # tells the worker to finish


class MicroBatcher(Generic[T, R]):
    """Calls ``run(items)`` (one result per item, in order) from one worker thread, for items that
    callers submit one at a time from any thread; each caller gets its own result or exception.

    The worker starts on the first call (and again in a forked child) and is a daemon thread, so
    an exiting process never waits for it; ``close()`` stops it for good measure.
    """

    def __init__(self, run: Callable[[list[T]], Sequence[R]], max_batch: int, max_wait: float = 0.0,
                 setup: Callable[[], None] | None = None, name: str = "policybot-batcher") -> None:
        if max_batch < 1 or max_wait < 0:
            raise ValueError("max_batch must be at least 1 and max_wait at least 0")
        self._run, self._setup, self.name = run, setup, name
        self.max_batch, self.max_wait = max_batch, max_wait
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._pid = 0  # the process the worker runs in (a forked child has no worker)
        self.batches = 0  # calls of ``run`` made so far (tests and benchmarks read it)
        self._last = 0  # size of the last batch

    def __call__(self, item: T) -> R:
        """The result for one item, computed in a batch with whatever else is asked meanwhile."""
        return self.many([item])[0]

    def many(self, items: Sequence[T]) -> list[R]:
        """The results for several items, queued together so that they share a batch."""
        futures: list[Future[R]] = []
        for item in items:
            futures.append(Future())
            self._queue.put((item, futures[-1]))
        self._start()  # after the puts: items queued behind a close() still find a worker
        return [f.result() for f in futures]

    def close(self, timeout: float | None = 10.0) -> None:
        """Stop the worker once the queued items are done; a later call starts a new one."""
        with self._lock:
            worker, self._worker = self._worker, None
            if worker is not None and worker.is_alive() and self._pid == os.getpid():
                self._queue.put(_STOP)
                worker.join(timeout)

    def _start(self) -> None:
        if self._worker is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._worker is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._worker = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._worker.start()

    def _loop(self) -> None:
        if self._setup is not None:
            try:
                self._setup()
            except Exception:  # the batches still run, only without the tuning
                log.exception("%s: setup failed", self.name)
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = self._gather([first])
            stop = batch[-1] is _STOP
            batch = batch[:-1] if stop else batch
            self._last = len(batch)
            self._settle(batch)
            if stop:
                return

    def _gather(self, batch: list) -> list:
        """Add what is queued now, then wait up to ``max_wait`` for more while there is room: only
        when the last batch held more than one item, so a lone caller never waits for company."""
        deadline = time.monotonic() + (self.max_wait if self._last > 1 else 0.0)
        while len(batch) < self.max_batch and batch[-1] is not _STOP:
            try:
                left = deadline - time.monotonic()
                batch.append(self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _settle(self, batch: list[tuple[T, Future[R]]]) -> None:
        """Run one batch and hand out the results. If the batch fails, each item is retried alone,
        so one item that cannot be done fails its own caller only."""
        self.batches += 1
        try:
            results = self._run([item for item, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"{self.name}: {len(results)} results for {len(batch)} items")
        except BaseException as exc:  # any failure is handed to the callers, who re-raise it
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
            else:
                for one in batch:
                    self._settle([one])
            return
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)
