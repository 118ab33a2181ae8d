"""What people asked and what they thought of the answers, for the support team's Monday read.

Every answer served by the web surfaces is logged (question redacted: e-mail addresses, phone
numbers and card numbers never reach the disk) with an id; thumbs up/down refer to that id.
SQLite in WAL mode, so the server's threads can write while ``policybot report`` reads.
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .config import RETENTION_DAYS
from .results import Answer

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d[\d\s.-]{5,}\d(?!\w)")

PRUNE_SECONDS = 24 * 3600
SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    asked_at TEXT NOT NULL,
    surface TEXT NOT NULL,
    policy TEXT,
    question TEXT NOT NULL,
    answered INTEGER NOT NULL,
    answer TEXT NOT NULL,
    section TEXT,
    score REAL,
    kind TEXT,
    qkey TEXT
);
CREATE TABLE IF NOT EXISTS votes (
    answer_id TEXT PRIMARY KEY REFERENCES answers(id),
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    voted_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_asked_at ON answers (asked_at);
"""


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def redact(text: str) -> str:
    """The text with card numbers, e-mail addresses and phone numbers replaced by placeholders."""
    text = _CARD.sub(lambda m: "[card number]" if _luhn(re.sub(r"\D", "", m.group())) else m.group(), text)
    text = _EMAIL.sub("[email]", text)
    return _PHONE.sub(lambda m: "[phone]" if len(re.sub(r"\D", "", m.group())) >= 7 else m.group(), text)


def _normal(question: str) -> str:
    return " ".join(re.sub(r"[^\w\s\[\]]", " ", question.lower()).split())


@dataclass(frozen=True)
class Count:
    """A question (as first asked) and how often it, or the same words, came in."""

    question: str
    count: int


@dataclass(frozen=True)
class Downvote:
    question: str
    answer: str
    section: str | None
    count: int


@dataclass(frozen=True)
class Report:
    since: str | None
    questions: int
    answered: int
    asked_most: tuple[Count, ...]
    unanswered: tuple[Count, ...]
    downvoted: tuple[Downvote, ...]
    upvotes: int
    downvotes: int


class FeedbackStore:
    """The SQLite file ``feedback.sqlite3`` in ``data_dir`` (created on first use, readable by its
    owner only). Rows older than ``retention_days`` are deleted when the store opens and daily."""

    def __init__(self, data_dir: str | Path, retention_days: int = RETENTION_DAYS) -> None:
        self.path = Path(data_dir) / "feedback.sqlite3"
        self.retention_days = retention_days
        self._ready = False
        self._pruned = -math.inf  # time.monotonic() of the last pruning: never, so the first use prunes

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if not self._ready or not self.path.exists():  # create the file and tables (idempotent)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))  # questions are private
            self.path.chmod(0o600)
            with sqlite3.connect(self.path, timeout=10) as setup:
                setup.execute("PRAGMA journal_mode=WAL")  # persistent: stored in the file
                setup.executescript(SCHEMA)
                columns = {row[1] for row in setup.execute("PRAGMA table_info(answers)")}
                if "kind" not in columns:  # a database from before answers had a kind
                    setup.execute("ALTER TABLE answers ADD COLUMN kind TEXT")
                if "qkey" not in columns:  # from before the report grouped in SQL: fill the key once
                    setup.execute("ALTER TABLE answers ADD COLUMN qkey TEXT")
                    setup.executemany("UPDATE answers SET qkey = ? WHERE id = ?",
                                      [(_normal(q), i) for i, q in setup.execute("SELECT id, question FROM answers")])
                setup.execute("CREATE INDEX IF NOT EXISTS answers_qkey ON answers (qkey)")
            setup.close()
            self._ready = True
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:
                if time.monotonic() - self._pruned > PRUNE_SECONDS:
                    self._prune(db)
                yield db
        finally:
            db.close()

    def _prune(self, db: sqlite3.Connection) -> None:
        cutoff = (datetime.now(UTC) - timedelta(days=self.retention_days)).isoformat(timespec="seconds")
        db.execute("DELETE FROM votes WHERE answer_id IN (SELECT id FROM answers WHERE asked_at < ?)", (cutoff,))
        db.execute("DELETE FROM answers WHERE asked_at < ?", (cutoff,))
        self._pruned = time.monotonic()

    def record(self, answer: Answer, surface: str) -> str:
        """Log an answer that was shown to someone; returns its id (for votes)."""
        answer_id = uuid.uuid4().hex
        top = answer.citations[0] if answer.citations else None
        question = redact(answer.question)
        with self._db() as db:
            db.execute(
                "INSERT INTO answers (id, asked_at, surface, policy, question, answered, answer, section, score, "
                "kind, qkey) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (answer_id, datetime.now(UTC).isoformat(timespec="seconds"), surface, answer.policy, question,
                 int(answer.answered), answer.text, top.section if top else None, top.score if top else None,
                 answer.kind, _normal(question)),
            )
        return answer_id

    def vote(self, answer_id: str, up: bool) -> bool:
        """Store (or change) the vote on an answer; False if no answer has that id."""
        with self._db() as db:
            if db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return False
            db.execute(
                "INSERT INTO votes VALUES (?, ?, ?) ON CONFLICT(answer_id) DO UPDATE SET vote = excluded.vote, "
                "voted_at = excluded.voted_at",
                (answer_id, 1 if up else -1, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        return True

    def report(self, days: int | None = None, limit: int = 10) -> Report:
        """Questions asked most, those not answered, and the downvoted answers (small talk left out).

        Counted by SQLite (grouped on the stored normalised question), so memory and time stay
        small however many rows there are.
        """
        since = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds") if days else ""
        asked = "FROM answers a WHERE a.asked_at >= ? AND a.kind IS NOT 'smalltalk'"
        voted = ("FROM votes v JOIN answers a ON a.id = v.answer_id "
                 "WHERE a.asked_at >= ? AND a.kind IS NOT 'smalltalk'")
        with self._db() as db:
            total, answered = db.execute(f"SELECT COUNT(*), TOTAL(a.answered) {asked}", (since,)).fetchone()
            up, down = db.execute(f"SELECT TOTAL(v.vote = 1), TOTAL(v.vote = -1) {voted}", (since,)).fetchone()

            def top(extra: str) -> tuple[Count, ...]:
                # The question as first asked stands for its group: with one min() in the query,
                # SQLite takes the group's other ("bare") columns from the row holding the minimum.
                found = db.execute(
                    f"SELECT a.question, COUNT(*) AS n, MIN(a.rowid) {asked} {extra} GROUP BY a.qkey "
                    f"ORDER BY n DESC, a.question LIMIT ?", (since, limit)).fetchall()
                return tuple(Count(q, n) for q, n, _ in found)

            downvoted = db.execute(
                f"SELECT a.question, a.answer, a.section, COUNT(*) AS n, MIN(a.rowid) {voted} AND v.vote = -1 "
                f"GROUP BY a.qkey, a.answer ORDER BY n DESC, a.question LIMIT ?", (since, limit)).fetchall()
            return Report(
                since=since or None,
                questions=total,
                answered=int(answered),
                asked_most=top(""),
                unanswered=top("AND a.answered = 0"),
                downvoted=tuple(Downvote(*d[:4]) for d in downvoted),
                upvotes=int(up),
                downvotes=int(down),
            )
