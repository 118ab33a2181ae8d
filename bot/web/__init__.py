"""The web surfaces: JSON API, chat page and support widget, in one FastAPI server.

Reaches the engine only through ``bot``'s front door. ``main()`` serves it (``python app.py``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot import Bot, Settings
from bot.edge import run

if TYPE_CHECKING:
    from .workers import Worker

MAX_WORKERS = 64


def create_app(settings: Settings | None = None, bot: Bot | None = None):  # noqa: ANN201 - FastAPI, lazily
    """Build the server app (no server is started); ``bot`` may be given, else it is loaded."""
    from .api import create_app as build

    return build(settings, bot)


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers from 1 to {MAX_WORKERS}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; a bad setting or policy folder is one line and exit code 2."""
    return run(lambda: _serve(argv))


def _serve(argv: list[str] | None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="app.py", description="Serve the policybot chat page, API and widget.")
    parser.add_argument("--host", default=settings.host, help=f"address to bind (default {settings.host}; "
                        "POLICYBOT_HOST)")
    parser.add_argument("--port", type=int, default=settings.port, help=f"port (default {settings.port}; "
                        "POLICYBOT_PORT)")
    parser.add_argument("--workers", type=_workers, default=1, help="server processes sharing the port and the "
                        "index (default 1; one already uses two cores: see docs/DEPLOY.md)")
    args = parser.parse_args(argv)
    print(f"policybot: chat at http://{args.host}:{args.port}/  (API docs: /docs, widget demo: /widget-demo)",
          flush=True)
    if args.workers > 1:
        from .workers import serve

        return serve(args.host, args.port, args.workers, _worker)
    import uvicorn

    from .server import config

    uvicorn.Server(config(create_app(settings), args.host, args.port)).run()
    return 0


def _worker(worker: Worker, sockets: list) -> None:
    """One of ``--workers``' processes (spawned: it loads everything itself)."""
    import uvicorn

    from .api import create_app as build
    from .server import config

    uvicorn.Server(config(build(Settings.from_env(), worker=worker))).run(sockets=sockets)
