"""The engine as the server holds it: one ``Bot``, its feedback log, and readiness.

Its own module so the API and the chat page both depend on it, and not on each other.
"""

from __future__ import annotations

import gc
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
        self.settle()
        self.ready.set()  # not waiting for the child: until it is ready, questions are encoded here

    def settle(self) -> None:
        """Take what is loaded now (the libraries, the pages, the index) out of Python's cyclic
        garbage collection, which otherwise walks all of it now and then with every thread stopped.

        The server holds some 600,000 such objects (Gradio, FastAPI and pydantic above all): each
        full collection took 0.3 s, which every answer in flight and /healthz waited out. At 50
        clients (benchmarks/load.py) freezing them took answer p99 from 527-543 ms to 344 ms and
        /healthz p99 from 85-93 ms to 24 ms. Frozen objects are still freed when nothing refers to
        them, but not reference cycles among them: so after a new index is loaded, all is thawed and
        collected once (one 0.3 s pause per policy edit) before freezing again.
        """
        gc.unfreeze()
        gc.collect()  # the last index's cycles are freed, and what is garbage now is not frozen
        gc.freeze()

    def watch(self) -> None:
        """Look for edited policy files until the server stops, so an edit is indexed (its overview
        and what changed made) in the background, before anyone asks, not only after a question."""
        index = self.bot.index
        while not self.stop.wait(WATCH_SECONDS):
            try:
                self.bot.refresh()
            except Exception:  # a bug must not end the watching
                log.exception("could not look for policy edits")
            if self.bot.index is not index and self.ready.is_set():  # a new index was loaded
                index = self.bot.index
                self.settle()
        self.bot.embedder.use_process(False)  # the server stopped: so does its encoder process

    def record(self, answer: Answer, surface: str) -> str | None:
        """Log an answer shown to someone; its id, or None when the log cannot be written (the
        person still gets the answer: a full disk must not stop the bot, only its statistics)."""
        try:
            return self.feedback.record(answer, surface)
        except FeedbackStoreError:
            log.exception("could not log an answer to %s", self.feedback.location)
            return None
