"""The web surfaces: JSON API, chat page and support widget, in one FastAPI server.

Reaches the engine only through ``bot``'s front door. ``main()`` serves it (``python app.py``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from bot import Bot, PolicybotError, Settings


def create_app(settings: Settings | None = None, bot: Bot | None = None):  # noqa: ANN201 - FastAPI, lazily
    """Build the server app (no server is started); ``bot`` may be given, else it is loaded."""
    from .api import create_app as build

    return build(settings, bot)


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="app.py", description="Serve the policybot chat page, API and widget.")
    parser.add_argument("--host", default=settings.host, help=f"address to bind (default {settings.host}; "
                        "POLICYBOT_HOST)")
    parser.add_argument("--port", type=int, default=settings.port, help=f"port (default {settings.port}; "
                        "POLICYBOT_PORT)")
    args = parser.parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("policybot: %(message)s"))
    logging.getLogger("bot").addHandler(handler)
    logging.getLogger("bot").setLevel(logging.INFO)
    try:
        app = create_app(settings)
    except PolicybotError as exc:
        print(f"policybot: error: {exc.message}", file=sys.stderr)
        return 2
    import uvicorn

    print(f"policybot: chat at http://{args.host}:{args.port}/  (API docs: /docs, widget demo: /widget-demo)",
          flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
