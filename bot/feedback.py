"""What people asked and what they thought of the answers, for the support team's Monday read.

Every answer served by the web surfaces is logged with an id; thumbs up/down refer to that id.
Only the redacted question is stored (``bot.redact``): e-mail addresses (also spelled out, "jo at
example dot com"), phone numbers, card numbers, expiry dates and CVVs, IBANs, SSNs and other
national ID numbers, IP addresses, street addresses and names ("my name is ...") never reach the disk.
SQLite in WAL mode, so the server's threads can write while ``policybot report`` reads.

The report must stay quick however many rows there are (under 1 s at a million), so it does not
group the rows themselves: ``question_days`` holds, per normalised question and UTC day, how
often it was asked, not answered, and voted up and down. Triggers keep it exact through every
insert, delete (the retention pruning) and update of either table, whoever makes them; a report
sums whole days there, and reads rows only for the first, partial day of its window, for the few
questions it shows and for the downvoted answers. The table and its triggers: ``feedback_counts``.
A thumbs down may carry a comment, redacted like the questions (``comments``).
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .comments import COMMENTS_SQL, VOTE_SQL, add_comment_column, check_comment, comment_list
from .config import RETENTION_DAYS
from .feedback_counts import COUNTED, add_counts
from .results import Answer

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
    voted_at TEXT NOT NULL,
    comment TEXT
);
CREATE INDEX IF NOT EXISTS answers_asked_at ON answers (asked_at);
"""


def _normal(question: str) -> str:
    return " ".join(re.sub(r"[^\w\s\[\]]", " ", question.lower()).split())


def redact(text: str) -> str:
    """``text`` with personal data replaced by placeholders (``bot.redact``, loaded on first use:
    its rules are only needed where questions are stored, never by ``import bot``)."""
    from .redact import redact as scrub

    return scrub(text)

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
    comments: tuple[str, ...] = ()  # what the voters said was wrong (redacted), newest first


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
        # One connection kept open, taken in turn: one per answer cost ~8 ms (closing the last one
        # checkpoints the WAL), and sqlite's busy wait sleeps up to 100 ms where a lock hands over.
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0  # the process the connection belongs to (a forked child opens its own)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """The store's connection, for one transaction (committed on leaving), one thread at a time."""
        with self._lock:
            if not self._ready or not self.path.exists():  # create the file and tables (idempotent)
                if self._conn is not None and self._pid == os.getpid():  # a forked child's is the parent's
                    self._conn.close()
                self._conn = None
                self._setup()
            if self._conn is None or self._pid != os.getpid():
                self._conn, self._pid = sqlite3.connect(self.path, timeout=10, check_same_thread=False), os.getpid()
                # WAL, synchronous=NORMAL: no flush per commit; a killed process loses none, a power cut the last.
                self._conn.execute("PRAGMA synchronous=NORMAL")
            with self._conn as db:
                if time.monotonic() - self._pruned > PRUNE_SECONDS:
                    self._prune(db)
                yield db

    def _setup(self) -> None:
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
            add_comment_column(setup)  # from before a thumbs down could carry a comment
            add_counts(setup)
        setup.close()
        self._ready = True

    def warm(self) -> None:
        """Load the redaction rules (~0.2 s) and open the file (creating it, or migrating an older
        one: ~7 s at a million rows) now, at server start, rather than in someone's request."""
        from .redact import warm as warm_redaction

        warm_redaction()
        with self._db():
            pass

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

    def vote(self, answer_id: str, up: bool, comment: str | None = None) -> bool:
        """Store (or change) the vote on an answer; False if no answer has that id.

        A thumbs down may carry a ``comment`` (``bot.comments``: checked, then redacted as questions
        are); it replaces the one stored, and a blank one removes it. Without one (None), a thumbs
        down keeps the comment already there; a thumbs up drops it. Raises ``InvalidCommentError``.
        """
        text = check_comment(comment, up)
        stored = redact(text) if text else None
        with self._db() as db:
            if db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return False
            db.execute(VOTE_SQL, {"id": answer_id, "vote": 1 if up else -1, "comment": stored,
                                  "at": datetime.now(UTC).isoformat(timespec="seconds"), "keep": comment is None})
        return True

    def report(self, days: int | None = None, limit: int = 10) -> Report:
        """Questions asked most, those not answered, and the downvoted answers (small talk left out).

        Counted from ``question_days`` (whole days) and the rows of the window's first, partial
        day, so time and memory grow with the questions asked a day, not with the rows kept.
        """
        since = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds") if days else ""
        with self._db() as db:
            groups, up, down = _counts(db, since)
            # CROSS JOIN: the votes first, the fewer rows. With one min() in the query, SQLite takes
            # a group's other ("bare") columns from the row holding the minimum: the first asked.
            downvoted = db.execute(
                f"SELECT a.question, a.answer, a.section, COUNT(*) AS n, {COMMENTS_SQL}, MIN(a.rowid) FROM votes v "
                f"CROSS JOIN answers a ON a.id = v.answer_id WHERE v.vote = -1 AND a.asked_at >= ? AND a.{COUNTED} "
                "GROUP BY a.qkey, a.answer ORDER BY n DESC, a.question LIMIT ?", (since, limit)).fetchall()
            total = sum(n for n, _ in groups.values())
            return Report(
                since=since or None,
                questions=total,
                answered=total - sum(u for _, u in groups.values()),
                asked_most=_top(db, [(k, n) for k, (n, _) in groups.items()], since, limit, ""),
                unanswered=_top(db, [(k, u) for k, (_, u) in groups.items() if u], since, limit, "AND answered = 0"),
                downvoted=tuple(Downvote(*d[:4], comment_list(d[4])) for d in downvoted),
                upvotes=up,
                downvotes=down,
            )


def _counts(db: sqlite3.Connection, since: str) -> tuple[dict[str, list[int]], int, int]:
    """[asked, not answered] per normalised question since ``since``, and the thumbs up and down:
    the days after since's from ``question_days``, since's own day from its rows (none for all time)."""
    day = since[:10]
    next_day = (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat() if since else ""
    groups: dict[str, list[int]] = {}
    up = down = 0
    for rows in (
        db.execute("SELECT qkey, SUM(asked), SUM(unanswered), SUM(up), SUM(down) FROM question_days WHERE day > ? "
                   "GROUP BY qkey", (day,)),
        db.execute("SELECT IFNULL(a.qkey, ''), COUNT(*), TOTAL(a.answered = 0), TOTAL(v.vote = 1), TOTAL(v.vote = -1) "
                   "FROM answers a LEFT JOIN votes v ON v.answer_id = a.id WHERE a.asked_at >= ? AND a.asked_at < ? "
                   f"AND a.{COUNTED} GROUP BY 1", (since, next_day)),
    ):
        for key, asked, unanswered, ups, downs in rows:
            counts = groups.setdefault(key, [0, 0])
            counts[0] += int(asked)
            counts[1] += int(unanswered)
            up, down = up + int(ups), down + int(downs)
    return groups, up, down


def _top(db: sqlite3.Connection, counts: list[tuple[str, int]], since: str, limit: int,
         extra: str) -> tuple[Count, ...]:
    """The ``limit`` questions counted most, each as first asked in the window, ties by that text.

    Only the groups that can make the list (ties with the last place included) are looked up:
    the first row of each comes from the covering index ``answers_first``.
    """
    counts.sort(key=lambda kn: -kn[1])
    cut = counts[limit - 1][1] if len(counts) >= limit else 0
    first = (f"SELECT question FROM answers WHERE rowid = (SELECT MIN(rowid) FROM answers WHERE qkey = ? "
             f"AND asked_at >= ? AND {COUNTED} {extra})")
    shown = [Count(db.execute(first, (key, since)).fetchone()[0], n) for key, n in counts if n >= cut]
    return tuple(sorted(shown, key=lambda c: (-c.count, c.question))[:limit])
