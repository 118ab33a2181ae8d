"""Several server processes on one port (``python app.py --workers N``), chat sessions kept whole.

One process already keeps two cores busy (the model in its encoder child, the server's Python
in the other; BENCHMARKS.md, load test), so more workers pay off on machines with more cores.
The parent binds the port and starts N workers, spawned so that each loads the engine itself;
they open the same index, whose memory-mapped vectors the page cache holds once for all
(``benchmarks/workers.py``). The parent restarts a worker that dies, and stops them all on
Ctrl-C or SIGTERM.

The kernel gives each connection to whichever worker accepts it first. The JSON API, the widget
and the pages are stateless, so any worker serves them. The chat page is not: Gradio keeps a
browser's session (its queue and the conversation) in the process that opened it. So each
worker also listens on a private Unix socket, and ``Sticky``, outermost in every worker, keeps
a browser with one worker:

- a request carrying the ``policybot_worker`` cookie goes to the worker it names, passed on
  through that worker's socket when another one received it (the answer streams back);
- a Gradio request without it (``/gradio_api/...``: a browser refusing cookies, ``gradio_client``)
  goes to worker 0, so its session holds together too;
- anything else is served where it landed, and the chat page (``/``) sets the cookie there.

A request passed on keeps its client's address (for the rate limit) in a header that only the
private sockets are trusted for. Each worker has its own rate limiter: N workers allow N times
``POLICYBOT_RATE_LIMIT`` per address.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import anyio
import httpx

from .guards import BODY_SECONDS, MAX_BODY, read_body, replay

log = logging.getLogger("bot.web")
COOKIE = "policybot_worker"
CLIENT = b"x-policybot-client"  # the original client address, on requests passed between workers
HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"upgrade", b"te", b"trailer", CLIENT}  # Host stays
RESTART_SECONDS = 2.0  # a worker that died is started again after this
STOP_SECONDS = 15.0  # a worker still running this long after SIGTERM is killed


@dataclass(frozen=True)
class Worker:
    """Which worker this process is (``number`` of ``count``), and the folder of their sockets."""

    number: int
    count: int
    folder: Path

    def socket(self, number: int) -> Path:
        return self.folder / f"{number}.sock"


def named(scope: dict, worker: Worker) -> int | None:
    """The worker the request's cookie names, if it names one that exists."""
    cookies: SimpleCookie = SimpleCookie()
    with contextlib.suppress(Exception):  # a malformed Cookie header is no cookie
        cookies.load(b"; ".join(v for k, v in scope["headers"] if k == b"cookie").decode("latin-1"))
    value = cookies[COOKIE].value if COOKIE in cookies else ""
    return int(value) if value.isdigit() and int(value) < worker.count else None


def owner(scope: dict, worker: Worker) -> int:
    """The worker that should serve this request (see the module docstring)."""
    number = named(scope, worker)
    if number is not None:
        return number
    return 0 if scope["path"].startswith("/gradio_api/") else worker.number


class Sticky:
    """ASGI middleware: serves a request here or passes it to the worker that should serve it."""

    def __init__(self, app: Callable, worker: Worker) -> None:
        self.app, self.worker = app, worker
        self._clients: dict[int, httpx.AsyncClient] = {}

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif _private(scope):  # passed on by another worker: its client's address is in the header
            address = dict(scope["headers"]).get(CLIENT, b"").decode("latin-1")
            await self.app({**scope, "client": (address, 0) if address else None}, receive, send)
        elif (target := owner(scope, self.worker)) != self.worker.number:
            await self._forward(target, scope, receive, send)
        else:
            await self.app(scope, receive, self._with_cookie(scope, send))

    def _with_cookie(self, scope: dict, send: Callable, moved: bool = False) -> Callable:
        """``send``, setting the cookie on the chat page when the browser has none for this worker, and
        on any response when ``moved`` here from a worker that is gone."""
        if not moved and (scope["path"] != "/" or named(scope, self.worker) == self.worker.number):
            return send
        cookie = f"{COOKIE}={self.worker.number}; Path=/; HttpOnly; SameSite=Lax".encode()

        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie)]}
            await send(message)

        return sending

    async def _forward(self, target: int, scope: dict, receive: Callable, send: Callable) -> None:
        """Pass the request to worker ``target`` and stream its response back. If that worker is gone
        (restarting), serve it here: the cookie then names this worker, with a new chat session."""
        read = await read_body(receive, MAX_BODY, BODY_SECONDS)  # small: read first, so it can be sent again
        if read is None:
            return  # the client went away
        body, in_time = read
        if not in_time or len(body) > MAX_BODY:  # too slow or too big: BodyLimit answers, here
            await self.app(scope, replay(body, receive, complete=False), send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k not in HOP]
        headers.append((CLIENT, (scope.get("client") or ("",))[0].encode("latin-1")))
        query = scope.get("query_string", b"")
        url = "http://worker" + scope["raw_path"].decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        client = self._client(target)
        for attempt in (1, 2):  # a second connection: the first may be a kept-alive one to a worker since restarted
            try:
                response = await client.send(client.build_request(scope["method"], url, headers=headers,
                                                                  content=body), stream=True)
                break
            except httpx.TransportError as exc:
                if attempt == 2:
                    log.warning("worker %d is not answering (%s); serving here", target, type(exc).__name__)
                    mine = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"cookie"]}
                    await self.app(mine, replay(body, receive), self._with_cookie(mine, send, moved=True))
                    return
        async def disconnected() -> None:  # the body is sent: all that can come now is a disconnect
            while (await receive())["type"] != "http.disconnect":
                pass
            streams.cancel_scope.cancel()  # an event stream (Gradio's heartbeat) would run for ever

        try:
            async with anyio.create_task_group() as streams:
                streams.start_soon(disconnected)
                await send({"type": "http.response.start", "status": response.status_code,
                            "headers": [(k, v) for k, v in response.headers.raw if k.lower() not in HOP]})
                async for chunk in response.aiter_raw():  # as it comes: Gradio's event streams too
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                streams.cancel_scope.cancel()
        finally:
            await response.aclose()

    def _client(self, target: int) -> httpx.AsyncClient:
        if target not in self._clients:
            transport = httpx.AsyncHTTPTransport(uds=str(self.worker.socket(target)))
            self._clients[target] = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(None, connect=5.0))
        return self._clients[target]


def _private(scope: dict) -> bool:
    """Whether the request came through a worker's Unix socket (uvicorn gives its port as None)."""
    server = scope.get("server")
    return bool(server) and server[1] is None


def serve(host: str, port: int, count: int, start: Callable[[Worker, list[socket.socket]], None]) -> int:
    """Bind ``host:port``, run ``start(worker, sockets)`` in ``count`` spawned processes, restart
    any that dies, and stop them all on Ctrl-C or SIGTERM."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family, backlog=2048)
    folder = Path(tempfile.mkdtemp(prefix="policybot-workers-"))
    context = multiprocessing.get_context("spawn")
    stopping = False

    def launch(number: int) -> multiprocessing.Process:
        private = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        worker = Worker(number, count, folder)
        with contextlib.suppress(FileNotFoundError):
            worker.socket(number).unlink()
        private.bind(str(worker.socket(number)))
        private.listen(2048)
        process = context.Process(target=start, args=(worker, [listener, private]), name=f"policybot-{number}")
        process.start()
        private.close()  # the child has its own copy
        return process

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    processes = [launch(n) for n in range(count)]
    try:
        while not stopping:
            time.sleep(0.5)
            for number, process in enumerate(processes):
                if not process.is_alive() and not stopping:
                    log.warning("worker %d exited (code %s); starting it again", number, process.exitcode)
                    time.sleep(RESTART_SECONDS)
                    processes[number] = launch(number)
    finally:
        for process in processes:
            if process.is_alive():
                os.kill(process.pid, signal.SIGTERM)
        for process in processes:
            process.join(STOP_SECONDS)
            if process.is_alive():  # still not done: killed, or multiprocessing would wait for it at exit
                process.kill()
                process.join()
        listener.close()
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    return 0
