"""What the command line and the server share at their edge: logging set up once, and every
engine error (configuration included) turned into one line on stderr and exit code 2."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from .errors import PolicybotError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Stderr(logging.StreamHandler):
    """A handler on whatever ``sys.stderr`` is when a line is logged (not the one at set-up)."""

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _: object) -> None:
        pass


def setup_logging() -> None:
    """``policybot: message`` lines on stderr for the ``bot`` loggers; a second call adds nothing."""
    logger = logging.getLogger("bot")
    if any(getattr(h, "policybot", False) for h in logger.handlers):
        return
    handler = _Stderr()
    handler.setFormatter(logging.Formatter("policybot: %(message)s"))
    handler.policybot = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def run(main: Callable[[], int]) -> int:
    """Run ``main`` with logging set up; an engine error is one line and exit 2, never a traceback."""
    setup_logging()
    try:
        return main()
    except PolicybotError as exc:
        print(f"policybot: error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
