"""Uvicorn, set up for the open internet: bounded connections, and no connection held for free.

Uvicorn closes a keep-alive connection that stays idle after a response, but not one that never
sends a request, nor one that sends its headers a byte at a time: 500 such connections would
stay open for ever. ``TimedH11Protocol`` gives every connection ``HEADER_SECONDS`` to send a
request's headers, from when it opens and again after each response. The body has its own
deadline (``guards.BODY_SECONDS``). Past ``MAX_CONNECTIONS`` open connections new requests get
503 at once, so a flood cannot exhaust the process.
"""

from __future__ import annotations

import asyncio

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS = 10.0  # from connecting (or the last response) to a request's complete headers
KEEP_ALIVE_SECONDS = 5  # an idle keep-alive connection is closed after this (uvicorn's default)
# Connections and requests in flight at once: ten times the 100 clients the load test runs
# with 0 errors, and well within the 1,024 file descriptors a process gets by default.
MAX_CONNECTIONS = 1000
# On SIGTERM or Ctrl-C, requests still running after this are cancelled: an open chat page keeps an
# event stream (Gradio's heartbeat) that never ends by itself, so without it a server would not stop.
GRACE_SECONDS = 5


class TimedH11Protocol(H11Protocol):
    """Uvicorn's h11 protocol with a deadline for request headers (see the module docstring)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._arm()

    def _idle(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        if self._idle():  # not while a (pipelined) request is being answered
            self._waiting_for = self.cycle  # a new cycle means its headers arrived
            self._header_deadline = self.loop.call_later(HEADER_SECONDS, self._expired)

    def _disarm(self) -> None:
        if getattr(self, "_header_deadline", None) is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _expired(self) -> None:
        self._header_deadline = None
        if self.cycle is self._waiting_for and self._idle() and not self.transport.is_closing():
            self.transport.close()  # no request (or only part of its headers) in time

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not getattr(self, "_waiting_for", self.cycle):
            self._disarm()  # a request's headers arrived

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request's headers get the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def config(app: object, host: str = "127.0.0.1", port: int = 7860, **options: object) -> uvicorn.Config:
    """The uvicorn configuration every policybot server uses (``python app.py`` and the tests)."""
    return uvicorn.Config(app, host=host, port=port, http=TimedH11Protocol, limit_concurrency=MAX_CONNECTIONS,
                          timeout_keep_alive=KEEP_ALIVE_SECONDS, timeout_graceful_shutdown=GRACE_SECONDS,
                          log_level="warning", **options)
