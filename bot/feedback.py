"""What people asked and what they thought of the answers, for the support team's Monday read.

Every answer served by the web surfaces is logged with an id; thumbs up/down refer to that id.
Only the redacted question is stored (``bot.redact``: e-mail addresses, phone and card numbers,
national IDs, street addresses, names... never reach the disk). The log is the SQLite file
``feedback.sqlite3`` in the data folder (WAL mode: the server's threads write while ``policybot
report`` reads), or the PostgreSQL database at ``POLICYBOT_DATABASE_URL``, which servers share.

The report must stay quick however many rows there are (under 1 s at a million), so it does not
group the rows themselves: ``question_days`` holds, per normalised question and UTC day, how
often it was asked, not answered, and voted up and down. Triggers keep it exact through every
insert, delete (the retention pruning) and update of either table, whoever makes them; a report
sums whole days there, and reads rows only for the first, partial day of its window, for the few
questions it shows and for the downvoted answers (table and triggers: ``feedback_counts``,
``feedback_sql``). A thumbs down may carry a comment, redacted like the questions (``comments``).
"""

from __future__ import annotations

import math
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .comments import VOTE_SQL, check_comment, comment_list
from .config import RETENTION_DAYS
from .errors import FeedbackStoreError
from .feedback_sql import Dialect, dialect_of, open_engine, read_only_sqlite, setup, sql, store_errors
from .feedback_sql import normal_question as _normal
from .results import Answer

if TYPE_CHECKING:  # SQLAlchemy itself is imported on first use of a store (feedback_sql)
    from sqlalchemy import Connection, Engine

PRUNE_SECONDS = 24 * 3600
EVER = "9999"  # after every ISO time stored: "no end" for a window


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
    owner only), or the database at ``url`` (a SQLAlchemy URL: ``postgresql+psycopg://...`` or
    ``sqlite:///path``; tables made on first use). Rows older than ``retention_days`` are deleted
    when the store opens and daily."""

    def __init__(self, data_dir: str | Path, retention_days: int = RETENTION_DAYS, url: str | None = None) -> None:
        self.path = Path(data_dir) / "feedback.sqlite3"
        self.url = url
        self.dialect = dialect_of(url)
        if url is not None and self.dialect.name == "sqlite":
            from sqlalchemy import make_url

            self.path = Path(make_url(url).database or self.path)
        self.retention_days = retention_days
        self._ready = False
        self._pruned = -math.inf  # time.monotonic() of the last pruning: never, so the first use prunes
        # One SQLite connection kept open and used in turn (one per answer cost ~8 ms: closing the
        # last checkpoints the WAL; its busy wait sleeps up to 100 ms where a lock hands over).
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._pid = 0  # the process the engine belongs to (a forked child makes its own)

    @property
    def location(self) -> str:
        """Where the log is, for people (a URL's password hidden)."""
        if self.dialect.name == "sqlite":
            return str(self.path)
        from sqlalchemy import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    def exists(self) -> bool:
        """Whether anything was ever recorded here (the file or the tables exist)."""
        if self.dialect.name == "sqlite":
            return self.path.exists()
        from sqlalchemy import inspect

        try:
            with self._lock:
                return inspect(self._connect()).has_table("answers")
        except store_errors() as e:
            raise FeedbackStoreError("the feedback database cannot be reached; check POLICYBOT_DATABASE_URL") from e

    @contextmanager
    def _db(self) -> Iterator[Connection]:
        """A connection for one transaction (committed on leaving), one thread at a time."""
        try:
            with self._transaction() as db:
                yield db
        except store_errors() as e:
            # No path, URL or driver text for a client: the log has them (the cause is chained).
            raise FeedbackStoreError("the feedback log cannot be used right now; the server's log says why") from e

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self._lock:
            engine = self._connect()
            if not self._ready or (self.dialect.name == "sqlite" and not self.path.exists()):
                setup(engine, self.path, self.dialect)  # the file and tables, made if missing
                self._ready = True
            with engine.begin() as db:
                if time.monotonic() - self._pruned > PRUNE_SECONDS:
                    self._prune(db)
                yield db

    def _connect(self) -> Engine:
        if self._engine is not None and self._pid != os.getpid():  # a forked child's is the parent's
            self._engine.dispose(close=False)
            self._engine = None
        if self._engine is None:
            self._engine, self._pid = open_engine(self.url, self.path, self.dialect), os.getpid()
        return self._engine

    def sql(self, statement: str, params: dict | None = None) -> list[tuple]:
        """Run one statement in its own transaction; the rows it returns (for maintenance and tests)."""
        with self._db() as db:
            result = db.execute(sql(statement), params or {})
            return [tuple(row) for row in result] if result.returns_rows else []

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only connection (insights never write the log, nor create it)."""
        if self.dialect.name != "sqlite":
            with self._lock:
                engine = self._connect()
            with engine.connect() as db:
                db.execute(sql("SET TRANSACTION READ ONLY"))
                yield db
            return
        engine = read_only_sqlite(self.path)
        try:
            with engine.connect() as db:
                yield db
        finally:
            engine.dispose()

    def warm(self) -> None:
        """Load the redaction rules (~0.2 s) and open the store (creating it, or migrating an older
        SQLite file: ~7 s at a million rows) now, at server start, rather than in someone's request."""
        from .redact import warm as warm_redaction

        warm_redaction()
        with self._db():
            pass

    def _prune(self, db: Connection) -> None:
        cutoff = (datetime.now(UTC) - timedelta(days=self.retention_days)).isoformat(timespec="seconds")
        db.execute(sql("DELETE FROM votes WHERE answer_id IN (SELECT id FROM answers WHERE asked_at < :cutoff)"),
                   {"cutoff": cutoff})
        db.execute(sql("DELETE FROM answers WHERE asked_at < :cutoff"), {"cutoff": cutoff})
        self._pruned = time.monotonic()

    def record(self, answer: Answer, surface: str) -> str:
        """Log an answer that was shown to someone; returns its id (for votes)."""
        answer_id = uuid.uuid4().hex
        top = answer.citations[0] if answer.citations else None
        question = redact(answer.question)
        with self._db() as db:
            db.execute(sql(_INSERT), {
                "id": answer_id, "at": datetime.now(UTC).isoformat(timespec="seconds"), "surface": surface,
                "policy": answer.policy, "question": question, "answered": int(answer.answered),
                "answer": answer.text, "section": top.section if top else None, "score": top.score if top else None,
                "kind": answer.kind, "qkey": _normal(question)})
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
            if db.execute(sql("SELECT 1 FROM answers WHERE id = :id"), {"id": answer_id}).fetchone() is None:
                return False
            db.execute(sql(VOTE_SQL), {"id": answer_id, "vote": 1 if up else -1, "comment": stored,
                                        "at": datetime.now(UTC).isoformat(timespec="seconds"), "keep": comment is None})
        return True

    def report(self, days: int | None = None, limit: int = 10) -> Report:
        """Questions asked most, those not answered, and the downvoted answers (small talk left out).

        Counted from ``question_days`` (whole days) and the rows of the window's first, partial
        day, so time and memory grow with the questions asked a day, not with the rows kept.
        """
        since = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds") if days else ""
        with self._db() as db:
            groups, up, down = _counts(db, since, self.dialect)
            total = sum(n for n, _ in groups.values())
            top = [(k, n) for k, (n, _) in groups.items()]
            return Report(
                since=since or None,
                questions=total,
                answered=total - sum(u for _, u in groups.values()),
                asked_most=_top(db, self.dialect, top, since, limit, ""),
                unanswered=_top(db, self.dialect, [(k, u) for k, (_, u) in groups.items() if u], since, limit,
                                "AND answered = 0"),
                downvoted=downvoted_answers(db, self.dialect, since, None, limit),
                upvotes=up,
                downvotes=down,
            )


_INSERT = ("INSERT INTO answers (id, asked_at, surface, policy, question, answered, answer, section, score, kind, "
           "qkey) VALUES (:id, :at, :surface, :policy, :question, :answered, :answer, :section, :score, :kind, :qkey)")


def downvoted_answers(db: Connection, dialect: Dialect, since: str, until: str | None, limit: int
                      ) -> tuple[Downvote, ...]:
    """Answers voted down from ``since`` (to before ``until``), the most downvoted first, each with
    the wording first asked and its comments (the report's list and the insights' table)."""
    rows = db.execute(sql(dialect.downvoted(until is not None)), {"since": since, "until": until, "limit": limit})
    return tuple(Downvote(r[0], r[1], r[2], int(r[3]), comment_list(r[4])) for r in rows)


def _counts(db: Connection, since: str, dialect: Dialect) -> tuple[dict[str, list[int]], int, int]:
    """[asked, not answered] per normalised question since ``since``, and the thumbs up and down:
    the days after since's from ``question_days``, since's own day from its rows (none for all time)."""
    day = since[:10]
    next_day = (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat() if since else ""
    groups: dict[str, list[int]] = {}
    up = down = 0
    for rows in (
        db.execute(sql("SELECT qkey, SUM(asked), SUM(unanswered), SUM(up), SUM(down) FROM question_days "
                        "WHERE day > :day GROUP BY qkey"), {"day": day}),
        db.execute(sql("SELECT COALESCE(a.qkey, ''), COUNT(*), SUM(CASE WHEN a.answered = 0 THEN 1 ELSE 0 END), "
                        "SUM(CASE WHEN v.vote = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN v.vote = -1 THEN 1 ELSE 0 END) "
                        "FROM answers a LEFT JOIN votes v ON v.answer_id = a.id WHERE a.asked_at >= :since "
                        f"AND a.asked_at < :until AND a.{dialect.counted} GROUP BY 1"),
                   {"since": since, "until": next_day}),
    ):
        for key, asked, unanswered, ups, downs in rows:
            counts = groups.setdefault(key, [0, 0])
            counts[0] += int(asked)
            counts[1] += int(unanswered)
            up, down = up + int(ups), down + int(downs)
    return groups, up, down


def _top(db: Connection, dialect: Dialect, counts: list[tuple[str, int]], since: str, limit: int,
         extra: str) -> tuple[Count, ...]:
    """The ``limit`` questions counted most, each as first asked in the window, ties by that text.

    Only the groups that can make the list (ties with the last place included) are looked up:
    the first row of each comes from the covering index ``answers_first``.
    """
    counts.sort(key=lambda kn: -kn[1])
    cut = counts[limit - 1][1] if len(counts) >= limit else 0
    first = sql(dialect.first_asked(extra))
    shown = [Count(db.execute(first, {"key": key, "since": since, "until": EVER}).fetchone()[0], n)
             for key, n in counts if n >= cut]
    return tuple(sorted(shown, key=lambda c: (-c.count, c.question))[:limit])
