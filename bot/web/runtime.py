"""The engine as the server holds it: one ``Bot``, its feedback log, and readiness.

Its own module so the API and the chat page both depend on it, and not on each other.
"""

from __future__ import annotations

import threading

from bot import Bot, FeedbackStore, Settings


class Runtime:
    """Made once per server process; the JSON routes and the chat page share it."""

    def __init__(self, settings: Settings, bot: Bot | None = None) -> None:
        self.settings = settings
        self.bot = bot or Bot(settings=settings, progress=True)
        self.feedback = FeedbackStore(settings.data_dir, settings.retention_days)
        self.ready = threading.Event()

    def warm(self) -> None:
        self.bot.warm()
        self.ready.set()
