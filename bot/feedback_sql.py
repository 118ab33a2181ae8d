"""The feedback store's databases: SQLite (the default file) and PostgreSQL, opened and set up
here, and the SQL that differs between them.

Everything else ``feedback`` and ``insights`` run is plain SQL both accept. What differs:
- the insertion order a question's first asking is read from: SQLite's ``rowid``, a ``seq``
  column in PostgreSQL;
- a group's "first asked" wording: SQLite takes a group's other columns from the row that holds
  its one ``min()`` (bare columns), PostgreSQL takes the first of an ordered ``array_agg``;
- the comments of a group of votes as JSON: ``json_group_array`` against ``json_agg``;
- the schema, and the triggers that keep ``question_days`` exact (SQLite's ``feedback_counts``,
  PostgreSQL's below: one PL/pgSQL function per table, with the same arithmetic).

Any other SQLAlchemy URL is refused by name: the triggers are written for these two (PostgreSQL 14
or newer, for ``CREATE OR REPLACE TRIGGER``).
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is imported where a store is used (0.2 s): ``import bot`` stays quick
    from sqlalchemy import Engine, TextClause

from .comments import COMMENTS_SQL, add_comment_column
from .errors import InvalidOptionError
from .feedback_counts import COUNTED, add_counts

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

_PG_COUNTED = "kind IS DISTINCT FROM 'smalltalk'"
_PG_UP = "(SELECT COUNT(*) FROM votes WHERE answer_id = {0}.id AND vote = 1)"
_PG_DOWN = "(SELECT COUNT(*) FROM votes WHERE answer_id = {0}.id AND vote = -1)"
_PG_ADD = (
    "IF {0}.{counted} THEN INSERT INTO question_days VALUES (COALESCE({0}.qkey, ''), substr({0}.asked_at, 1, 10), 1, "
    "CASE WHEN {0}.answered = 0 THEN 1 ELSE 0 END, {up}, {down}) ON CONFLICT (qkey, day) DO UPDATE SET "
    "asked = question_days.asked + 1, unanswered = question_days.unanswered + excluded.unanswered, "
    "up = question_days.up + excluded.up, down = question_days.down + excluded.down; END IF;"
)
_PG_REMOVE = (
    "IF {0}.{counted} THEN UPDATE question_days SET asked = asked - 1, unanswered = unanswered - "
    "CASE WHEN {0}.answered = 0 THEN 1 ELSE 0 END, up = up - {up}, down = down - {down} "
    "WHERE qkey = COALESCE({0}.qkey, '') AND day = substr({0}.asked_at, 1, 10); "
    "DELETE FROM question_days WHERE qkey = COALESCE({0}.qkey, '') AND day = substr({0}.asked_at, 1, 10) "
    "AND asked <= 0; END IF;"
)
_PG_VOTE = (
    "UPDATE question_days SET up = up {1} (CASE WHEN {0}.vote = 1 THEN 1 ELSE 0 END), "
    "down = down {1} (CASE WHEN {0}.vote = -1 THEN 1 ELSE 0 END) WHERE (qkey, day) = "
    "(SELECT COALESCE(qkey, ''), substr(asked_at, 1, 10) FROM answers WHERE id = {0}.answer_id AND {counted});"
)


def _pg(template: str, row: str, sign: str = "") -> str:
    return template.format(row, sign, counted=_PG_COUNTED, up=_PG_UP.format(row), down=_PG_DOWN.format(row))


def _pg_function(name: str, body: str) -> str:
    return f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {body} RETURN NULL; END $$ " \
        "LANGUAGE plpgsql"


PG_SCHEMA = (
    *(s.replace("score REAL", "score DOUBLE PRECISION").replace("id TEXT PRIMARY KEY,", "seq BIGSERIAL,\n    "
      "id TEXT PRIMARY KEY,") for s in SCHEMA.split(";") if s.strip()),
    "CREATE TABLE IF NOT EXISTS question_days (qkey TEXT NOT NULL, day TEXT NOT NULL, asked INTEGER NOT NULL, "
    "unanswered INTEGER NOT NULL, up INTEGER NOT NULL, down INTEGER NOT NULL, PRIMARY KEY (qkey, day))",
    f"CREATE INDEX IF NOT EXISTS answers_first ON answers (qkey, asked_at, answered) WHERE {_PG_COUNTED}",
    _pg_function("policybot_count_answer", "IF TG_OP <> 'INSERT' THEN " + _pg(_PG_REMOVE, "OLD") + " END IF; "
                 "IF TG_OP <> 'DELETE' THEN " + _pg(_PG_ADD, "NEW") + " END IF;"),
    _pg_function("policybot_count_vote", "IF TG_OP <> 'INSERT' THEN " + _pg(_PG_VOTE, "OLD", "-") + " END IF; "
                 "IF TG_OP <> 'DELETE' THEN " + _pg(_PG_VOTE, "NEW", "+") + " END IF;"),
    "CREATE OR REPLACE TRIGGER answers_counted AFTER INSERT OR DELETE OR UPDATE OF asked_at, qkey, answered, kind "
    "ON answers FOR EACH ROW EXECUTE FUNCTION policybot_count_answer()",
    "CREATE OR REPLACE TRIGGER votes_counted AFTER INSERT OR DELETE OR UPDATE ON votes "
    "FOR EACH ROW EXECUTE FUNCTION policybot_count_vote()",
)


@dataclass(frozen=True)
class Dialect:
    """The SQL pieces that differ between the two databases (see the module docstring)."""

    name: str
    counted: str  # the rows the report counts: small talk left out
    order: str  # the column that orders rows as they were inserted
    comments: str  # the comments of a group of votes ``v``, as JSON text
    binary: str = ""  # orders text by its characters, as SQLite and Python do, not by a locale

    def first(self, column: str) -> str:
        """A grouped query's ``a.column`` from the group's first row inserted."""
        return f"a.{column}" if self.name == "sqlite" else f"(array_agg(a.{column} ORDER BY a.seq))[1]"

    def downvoted(self, until: bool) -> str:
        """Answers voted down since ``:since`` (and before ``:until``), grouped by question and
        answer, most votes first, each as first asked; parameters ``since``, ``until``, ``limit``."""
        # SQLite: with one min() in the query, a group's bare columns come from the row holding it.
        marker = ", MIN(a.rowid)" if self.name == "sqlite" else ""
        join = "CROSS JOIN" if self.name == "sqlite" else "JOIN"  # SQLite: read the votes first, the fewer rows
        return (f"SELECT {self.first('question')}, a.answer, {self.first('section')}, COUNT(*) AS n, "
                f"{self.comments}{marker} FROM votes v {join} answers a ON a.id = v.answer_id "
                f"WHERE v.vote = -1 AND a.asked_at >= :since {'AND a.asked_at < :until ' if until else ''}"
                f"AND a.{self.counted} GROUP BY a.qkey, a.answer "
                f"ORDER BY n DESC, {self.first('question')}{self.binary} LIMIT :limit")

    def first_asked(self, extra: str = "") -> str:
        """The first asking of question ``:key`` from ``:since`` to before ``:until`` (index ``answers_first``)."""
        return (f"SELECT question FROM answers WHERE {self.order} = (SELECT MIN({self.order}) FROM answers "
                f"WHERE qkey = :key AND asked_at >= :since AND asked_at < :until AND {self.counted} {extra})")


SQLITE = Dialect("sqlite", COUNTED, "rowid", COMMENTS_SQL)
POSTGRESQL = Dialect(
    "postgresql", _PG_COUNTED, "seq",
    "CAST(COALESCE(json_agg(json_build_array(v.voted_at, v.comment)) FILTER (WHERE v.comment IS NOT NULL), "
    "'[]') AS TEXT)", ' COLLATE "C"',
)
DIALECTS = {d.name: d for d in (SQLITE, POSTGRESQL)}


@cache
def sql(statement: str) -> TextClause:
    """``statement`` as SQLAlchemy text with ``:name`` parameters (one object per statement)."""
    from sqlalchemy import text

    return text(statement)


@cache
def store_errors() -> tuple[type[Exception], ...]:
    """What a store that cannot be opened or written raises underneath: SQLAlchemy wraps the
    driver's errors; the SQLite file is made with the sqlite3 module itself."""
    from sqlalchemy.exc import SQLAlchemyError

    return (sqlite3.Error, SQLAlchemyError, OSError)


def normal_question(question: str) -> str:
    """A question as the report groups it: lowercase, punctuation gone, spaces single."""
    return " ".join(re.sub(r"[^\w\s\[\]]", " ", question.lower()).split())


def dialect_of(url: str | None) -> Dialect:
    """The dialect of a SQLAlchemy URL (None: the SQLite file); any other database is refused by name."""
    if url is None:
        return DIALECTS["sqlite"]
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidOptionError("POLICYBOT_DATABASE_URL is not a database URL; set e.g. "
                                 "postgresql+psycopg://user:password@host/dbname, or unset it for SQLite") from None
    name = parsed.get_backend_name()
    if name not in DIALECTS:
        raise InvalidOptionError(f"POLICYBOT_DATABASE_URL names a {name} database; feedback is stored in "
                                 f"{' or '.join(DIALECTS)} (e.g. postgresql+psycopg://user:password@host/dbname)")
    return DIALECTS[name]


def open_engine(url: str | None, path: Path, dialect: Dialect) -> Engine:
    """PostgreSQL: a small pool. SQLite: one connection, kept open (the store takes it in turn)."""
    from sqlalchemy import create_engine, event, pool

    if dialect.name != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2)
    engine = create_engine(f"sqlite:///{path}", poolclass=pool.StaticPool,
                           connect_args={"timeout": 10, "check_same_thread": False})
    # WAL, synchronous=NORMAL: no flush per commit; a killed process loses none, a power cut the last.
    event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA synchronous=NORMAL"))
    return engine


def setup_sqlite(path: Path) -> None:
    """Make the file (owner only), its tables and counts, or bring an older file up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # questions are private
    path.chmod(0o600)
    with sqlite3.connect(path, timeout=10) as setup:
        setup.execute("PRAGMA journal_mode=WAL")  # persistent: stored in the file
        setup.executescript(SCHEMA)
        columns = {row[1] for row in setup.execute("PRAGMA table_info(answers)")}
        if "kind" not in columns:  # a database from before answers had a kind
            setup.execute("ALTER TABLE answers ADD COLUMN kind TEXT")
        if "qkey" not in columns:  # from before the report grouped in SQL: fill the key once
            setup.execute("ALTER TABLE answers ADD COLUMN qkey TEXT")
            setup.executemany("UPDATE answers SET qkey = ? WHERE id = ?",
                              [(normal_question(q), i) for i, q in setup.execute("SELECT id, question FROM answers")])
        add_comment_column(setup)  # from before a thumbs down could carry a comment
        add_counts(setup)
    setup.close()


def read_only_sqlite(path: Path) -> Engine:
    """An engine that only reads the SQLite file (and never creates it)."""
    from sqlalchemy import create_engine, pool

    return create_engine("sqlite://", poolclass=pool.NullPool, creator=lambda: sqlite3.connect(
        f"file:{path}?mode=ro", uri=True, timeout=10, check_same_thread=False))


def setup_postgresql(engine: Engine) -> None:
    """Make the tables, counts and triggers (idempotent; one process at a time)."""
    with engine.begin() as db:
        db.execute(sql("SELECT pg_advisory_xact_lock(7426017)"))
        for statement in PG_SCHEMA:
            db.exec_driver_sql(statement)


def setup(engine: Engine, path: Path, dialect: Dialect) -> None:
    """Make (or migrate) the log's tables; for SQLite, its file too."""
    if dialect.name == "sqlite":
        engine.dispose()  # the file may have gone: reopen it once it is made again
        setup_sqlite(path)
    else:
        setup_postgresql(engine)
