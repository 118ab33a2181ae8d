"""The web surfaces: JSON API, chat page and support widget, in one FastAPI server.

Reaches the engine only through ``bot``'s front door. ``main()`` serves it (``python app.py``).
"""

from __future__ import annotations

import argparse

from bot import Bot, Settings
from bot.edge import run


def create_app(settings: Settings | None = None, bot: Bot | None = None):  # noqa: ANN201 - FastAPI, lazily
    """Build the server app (no server is started); ``bot`` may be given, else it is loaded."""
    from .api import create_app as build

    return build(settings, bot)


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
    args = parser.parse_args(argv)
    app = create_app(settings)
    import uvicorn

    from .server import config

    print(f"policybot: chat at http://{args.host}:{args.port}/  (API docs: /docs, widget demo: /widget-demo)",
          flush=True)
    uvicorn.Server(config(app, args.host, args.port)).run()
    return 0
