"""The engine as the server holds it: one ``Bot``, its feedback log, and readiness.

Its own module so the API and the chat page both depend on it, and not on each other.
"""

from __future__ import annotations

import logging
import threading

from bot import Answer, Bot, FeedbackStore, FeedbackStoreError, Settings

log = logging.getLogger("bot.web")
WATCH_SECONDS = 2.0  # how often the policy folder is looked at for edits, questions or not


class Runtime:
    """Made once per server process; the JSON routes and the chat page share it."""

    def __init__(self, settings: Settings, bot: Bot | None = None) -> None:
        self.settings = settings
        # A server keeps serving when its index folder cannot be written (see Bot's unpersisted_ok).
        self.bot = bot or Bot(settings=settings, progress=True, unpersisted_ok=True)
        self.feedback = FeedbackStore(settings.data_dir, settings.retention_days, settings.database_url)
        self.bot.keep_versions(settings.data_dir)  # each policy's past texts: "what changed" on its page
        self.ready = threading.Event()
        self.stop = threading.Event()

    def warm(self) -> None:
        try:
            self.feedback.warm()  # redaction rules and the database, before the first question
        except FeedbackStoreError:  # answering goes on without the log (see record)
            log.exception("the feedback log at %s cannot be opened", self.feedback.location)
        # Questions encoded in a child process (bot.encoder_process): it loads while the bot warms up.
        self.bot.embedder.use_process(self.settings.encoder_process, wait=0)
        self.bot.warm()
        self.ready.set()  # not waiting for the child: until it is ready, questions are encoded here

    def watch(self) -> None:
        """Look for edited policy files until the server stops, so an edit is indexed (its overview
        and what changed made) in the background, before anyone asks, not only after a question."""
        while not self.stop.wait(WATCH_SECONDS):
            try:
                self.bot.refresh()
            except Exception:  # a bug must not end the watching
                log.exception("could not look for policy edits")
        self.bot.embedder.use_process(False)  # the server stopped: so does its encoder process

    def record(self, answer: Answer, surface: str) -> str | None:
        """Log an answer shown to someone; its id, or None when the log cannot be written (the
        person still gets the answer: a full disk must not stop the bot, only its statistics)."""
        try:
            return self.feedback.record(answer, surface)
        except FeedbackStoreError:
            log.exception("could not log an answer to %s", self.feedback.location)
            return None
