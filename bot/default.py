"""The process-wide bot behind ``bot.answer``: one per process, for the default policy folder."""

from __future__ import annotations

import threading

from .engine import Bot
from .results import Answer

_default: Bot | None = None
_default_lock = threading.Lock()


def default_bot() -> Bot:
    """The process-wide bot for the default policy folder (built or loaded on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Bot()
        return _default


def answer(question: str, k: int | None = None, policy: str | None = None) -> Answer:
    """Answer a question from the default policies: ``answer("Do you sell my data?")``.

    ``k`` defaults to the settings' (``POLICYBOT_K``, else 3).
    """
    return default_bot().answer(question, k=k, policy=policy)

