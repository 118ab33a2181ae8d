"""Insights for the shop owner: what customers ask, how well it goes, and where the policy falls short.

Everything is aggregated in SQL over the feedback store: per day from ``question_days`` (the counts
its triggers keep exact) plus one indexed pass over the window's small talk, so the cost grows with
the days and distinct questions in the window, not with the rows kept. Topics map each distinct
question to the 14 at-a-glance keys with the same words the policy topics use (``topics``), else
"other". Coverage gaps (``gaps``) cluster the not-found and downvoted questions with the engine's
own embeddings; they are cached per day. Only redacted questions are stored, so only they appear.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InvalidOptionError
from .feedback import FeedbackStore, downvoted_answers
from .feedback_sql import Dialect, sql
from .gaps import MAX_QUESTIONS, Gap, coverage_gaps
from .overview import TOPIC_NAMES
from .topics import TOPIC_KEYS, topic_scores

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from .engine import Bot

DEFAULT_DAYS = 30
MAX_DAYS = 366
OTHER = "other"


@dataclass(frozen=True)
class Day:
    """One UTC day: questions by outcome and the thumbs on them (small talk gets no votes counted)."""

    day: str
    answered: int
    not_found: int
    smalltalk: int
    up: int
    down: int

    @property
    def answer_rate(self) -> float | None:
        asked = self.answered + self.not_found
        return round(self.answered / asked, 3) if asked else None

    @property
    def up_rate(self) -> float | None:
        votes = self.up + self.down
        return round(self.up / votes, 3) if votes else None

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "answer_rate": self.answer_rate, "up_rate": self.up_rate}


@dataclass(frozen=True)
class TopicCount:
    topic: str  # one of ``topics.TOPIC_KEYS`` or "other"
    name: str
    questions: int


@dataclass(frozen=True)
class Downvoted:
    """An answer people voted down: the (redacted) question, the answer shown and its section, and
    what the voters said was wrong (their optional comments, redacted, newest first)."""

    question: str
    answer: str
    section: str | None
    votes: int
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Window:
    """Whole UTC days, both ends included."""

    start: date
    end: date

    @classmethod
    def parse(cls, start: str | None = None, end: str | None = None, today: date | None = None) -> Window:
        """From ``YYYY-MM-DD`` strings (either may be missing: the last ``DEFAULT_DAYS`` days)."""
        try:
            last = date.fromisoformat(end) if end else (today or datetime.now(UTC).date())
            first = date.fromisoformat(start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
        except ValueError as e:
            raise InvalidOptionError(f"dates must be YYYY-MM-DD: {e}") from None
        if first > last:
            raise InvalidOptionError(f"the window starts ({first}) after it ends ({last})")
        if (last - first).days >= MAX_DAYS:
            raise InvalidOptionError(f"the window is over {MAX_DAYS} days; pick a shorter one")
        return cls(first, last)

    @property
    def bounds(self) -> tuple[str, str]:
        """``asked_at`` from (inclusive) and to (exclusive), as stored ISO text."""
        return self.start.isoformat(), (self.end + timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class Insights:
    window: Window
    days: tuple[Day, ...]
    topics: tuple[TopicCount, ...]
    gaps: tuple[Gap, ...]
    downvoted: tuple[Downvoted, ...]

    @property
    def totals(self) -> Day:
        return Day("total", *(sum(getattr(d, f) for d in self.days)
                              for f in ("answered", "not_found", "smalltalk", "up", "down")))

    def to_dict(self) -> dict[str, object]:
        return {"from": self.window.start.isoformat(), "to": self.window.end.isoformat(),
                "totals": self.totals.to_dict(), "days": [d.to_dict() for d in self.days],
                "topics": [asdict(t) for t in self.topics], "gaps": [g.to_dict() for g in self.gaps],
                "downvoted": [asdict(d) for d in self.downvoted]}


def per_day(db: Connection, window: Window) -> tuple[Day, ...]:
    """Every day of the window (quiet days as zeros), from ``question_days`` and the small talk rows."""
    first, after = window.bounds
    counted = {d: (int(a), int(u), int(up), int(down)) for d, a, u, up, down in db.execute(sql(
        "SELECT day, SUM(asked), SUM(unanswered), SUM(up), SUM(down) FROM question_days "
        "WHERE day >= :first AND day < :after GROUP BY day"), {"first": first, "after": after})}
    small = {d: int(n) for d, n in db.execute(sql(
        "SELECT substr(asked_at, 1, 10), COUNT(*) FROM answers WHERE asked_at >= :first AND asked_at < :after "
        "AND kind = 'smalltalk' GROUP BY 1"), {"first": first, "after": after})}
    days = []
    for n in range((window.end - window.start).days + 1):
        day = (window.start + timedelta(days=n)).isoformat()
        asked, unanswered, up, down = counted.get(day, (0, 0, 0, 0))
        days.append(Day(day, asked - unanswered, unanswered, small.get(day, 0), up, down))
    return tuple(days)


@lru_cache(maxsize=65536)
def topic_of(question: str) -> str:
    """The at-a-glance topic a question is most about (its topic words, as the policy's are counted)."""
    scores = topic_scores(question)
    return max(TOPIC_KEYS, key=lambda k: scores.get(k, 0)) if scores else OTHER


def question_counts(db: Connection, window: Window) -> list[tuple[str, int, int, int]]:
    """(normalised question, asked, not answered, thumbs down) for each question in the window."""
    first, after = window.bounds
    return [(key, int(a), int(u), int(d)) for key, a, u, d in db.execute(sql(
        "SELECT qkey, SUM(asked), SUM(unanswered), SUM(down) FROM question_days WHERE day >= :first AND day < :after "
        "GROUP BY qkey"), {"first": first, "after": after})]


def topics(counts: list[tuple[str, int, int, int]]) -> tuple[TopicCount, ...]:
    """Questions per topic, most asked first; every topic listed (a topic nobody asks about says so too)."""
    totals = dict.fromkeys((*TOPIC_KEYS, OTHER), 0)
    for key, asked, _, _ in counts:
        totals[topic_of(key)] += asked
    names = {**TOPIC_NAMES, OTHER: "Other"}
    return tuple(TopicCount(k, names[k], n) for k, n in sorted(totals.items(), key=lambda kn: -kn[1]))


def downvoted(db: Connection, dialect: Dialect, window: Window, limit: int = 50) -> tuple[Downvoted, ...]:
    """Answers voted down in the window, the most downvoted first (the first asked wording shown)."""
    return tuple(Downvoted(d.question, d.answer, d.section, d.count, d.comments)
                 for d in downvoted_answers(db, dialect, *window.bounds, limit))


def first_asked(db: Connection, dialect: Dialect, keys: list[str], window: Window) -> dict[str, str]:
    """Each normalised question as first asked in the window (read from the index ``answers_first``)."""
    first, after = window.bounds
    query = sql(dialect.first_asked())
    found = {key: db.execute(query, {"key": key, "since": first, "until": after}).fetchone() for key in keys}
    return {key: row[0] for key, row in found.items() if row}


def gather_insights(store: FeedbackStore | str | Path, window: Window, bot: Bot | None = None) -> Insights:
    """The whole picture for a window; coverage gaps only with a ``bot`` (they need its embeddings).
    ``store`` may also be the path of a SQLite log file."""
    if not isinstance(store, FeedbackStore):
        store = FeedbackStore(Path(store).parent, url=f"sqlite:///{Path(store).resolve()}")
    if not store.exists():
        return Insights(window, per_day_empty(window), topics([]), (), ())
    with store.reading() as db:
        counts = question_counts(db, window)
        gaps = () if bot is None else coverage_gaps(
            (store.location, *window.bounds), lambda: missed(db, store.dialect, window, counts), bot)
        return Insights(window, per_day(db, window), topics(counts), gaps, downvoted(db, store.dialect, window))


def missed(db: Connection, dialect: Dialect, window: Window, counts: list[tuple[str, int, int, int]]
           ) -> list[tuple[str, int]]:
    """The questions not answered or voted down, as first asked, with how often: most often first."""
    keys = sorted(((key, unanswered + down) for key, _, unanswered, down in counts if unanswered + down),
                  key=lambda kn: (-kn[1], kn[0]))[:MAX_QUESTIONS]
    shown = first_asked(db, dialect, [key for key, _ in keys], window)
    return [(shown[key], int(n)) for key, n in keys if key in shown]


def per_day_empty(window: Window) -> tuple[Day, ...]:
    return tuple(Day((window.start + timedelta(days=n)).isoformat(), 0, 0, 0, 0, 0)
                 for n in range((window.end - window.start).days + 1))
