"""What stands between the open internet and the engine: body size, body time and request rate.

Pure ASGI middlewares, so they cover every route, the chat page's Gradio routes included:

- ``BodyLimit``: a body over 16 KB gets 413, one that takes over ``BODY_SECONDS`` to arrive
  gets 408. Nothing the product serves takes more: a question is at most 2,000 characters, and
  the chat page keeps its history on the server, so its requests stay small too.
- ``RateLimit``: at most ``rate`` POST requests (questions and votes) per client address, a
  moving window kept in memory by the ``limits`` library; more get 429 with ``Retry-After``.
  Reading pages, the widget and /healthz is never limited.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

from fastapi.responses import JSONResponse

MAX_BODY = 16 * 1024
BODY_SECONDS = 10.0  # a slow client gets this long to send its whole body


async def read_body(receive: Callable, limit: int, seconds: float) -> tuple[bytes, bool] | None:
    """A request's body (at most its first ``limit`` + 1 bytes) and whether it came within
    ``seconds`` (if not, what came); None if the client went away."""
    body, more = b"", True
    deadline = time.monotonic() + seconds
    try:
        while more and len(body) <= limit:
            message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            if message["type"] != "http.request":
                return None
            body, more = body + message.get("body", b""), message.get("more_body", False)
    except TimeoutError:
        return body, False
    return body, True


def replay(body: bytes, receive: Callable, complete: bool = True) -> Callable:
    """A ``receive`` that gives ``body`` first (all of the body unless not ``complete``), then
    whatever comes next (the rest, or a disconnect)."""
    sent = False

    async def replayed() -> dict:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": not complete}

    return replayed


class BodyLimit:
    """413 for bodies over ``limit`` bytes (declared by Content-Length or streamed), 408 for a body
    that has not arrived after ``seconds``.

    Bodies are small, so the body is read here first (at most ``limit`` + 1 bytes are kept) and
    replayed to the app.
    """

    def __init__(self, app: Callable, limit: int = MAX_BODY, seconds: float | None = None) -> None:
        self.app, self.limit, self._seconds = app, limit, seconds

    @property
    def seconds(self) -> float:
        return BODY_SECONDS if self._seconds is None else self._seconds

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        read = await read_body(receive, self.limit, self.seconds)
        if read is None:
            return  # the client went away
        body, in_time = read
        if not in_time:
            await JSONResponse({"error": f"the request body took over {self.seconds:g} s to arrive; send it "
                                "again"}, 408, headers={"Connection": "close"})(scope, receive, send)
        elif len(body) > self.limit:
            await self._too_large(scope, receive, send)
        else:
            await self.app(scope, replay(body, receive), send)

    async def _too_large(self, scope: dict, receive: Callable, send: Callable) -> None:
        response = JSONResponse({"error": f"request body is over {self.limit // 1024} KB; send a shorter one"}, 413,
                                headers={"Connection": "close"})
        await response(scope, receive, send)


class RateLimit:
    """429 with ``Retry-After`` once a client address has sent ``rate`` POST requests in the window."""

    def __init__(self, app: Callable, rate: object | None) -> None:
        from limits import storage, strategies

        self.app = app
        self.item = rate  # a limits.RateLimitItem (Settings.rate), None for no limit
        self.limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if self.item is None or scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown",))[0]
        if self.limiter.hit(self.item, client):
            await self.app(scope, receive, send)
            return
        reset = self.limiter.get_window_stats(self.item, client).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        message = (f"too many requests from your address: at most {self.item.amount} per "
                   f"{_window(self.item)}; try again in {wait} s")
        await JSONResponse({"error": message}, 429, headers={"Retry-After": str(wait)})(scope, receive, send)


def _window(item: object) -> str:
    multiples, unit = getattr(item, "multiples", 1), item.GRANULARITY.name
    return unit if multiples == 1 else f"{multiples} {unit}s"
