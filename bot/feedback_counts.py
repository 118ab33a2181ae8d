"""``question_days``: the report's counts per question and day, kept exact by SQLite triggers.

Moved out of ``feedback`` (which opens the store, records and reports) so that each stays small:
here is only the SQL that creates, fills and keeps the counts; ``feedback`` explains why they exist.
"""

from __future__ import annotations

import sqlite3

# Counts per question and day (small talk left out, as in the report): asked, not answered, and
# the thumbs on those answers. Filled once from the rows already there (a database from before
# it), then kept by triggers on both tables; a day's row goes when its last question does.
COUNTED = "kind IS NOT 'smalltalk'"
_UP = "(SELECT COUNT(*) FROM votes WHERE answer_id = {0}.id AND vote = 1)"
_DOWN = "(SELECT COUNT(*) FROM votes WHERE answer_id = {0}.id AND vote = -1)"
_ADD = ("INSERT INTO question_days SELECT IFNULL({0}.qkey, ''), substr({0}.asked_at, 1, 10), 1, {0}.answered = 0, "
        f"{_UP}, {_DOWN} WHERE {{0}}.{COUNTED} ON CONFLICT (qkey, day) DO UPDATE SET asked = asked + 1, "
        "unanswered = unanswered + excluded.unanswered, up = up + excluded.up, down = down + excluded.down;")
_REMOVE = ("UPDATE question_days SET asked = asked - 1, unanswered = unanswered - ({0}.answered = 0), "
           f"up = up - {_UP}, down = down - {_DOWN} WHERE {{0}}.{COUNTED} AND qkey = IFNULL({{0}}.qkey, '') "
           "AND day = substr({0}.asked_at, 1, 10); DELETE FROM question_days WHERE qkey = IFNULL({0}.qkey, '') "
           "AND day = substr({0}.asked_at, 1, 10) AND asked <= 0;")
_VOTE = ("UPDATE question_days SET up = up {1} ({0}.vote = 1), down = down {1} ({0}.vote = -1) WHERE (qkey, day) = "
         f"(SELECT IFNULL(qkey, ''), substr(asked_at, 1, 10) FROM answers WHERE id = {{0}}.answer_id AND {COUNTED});")
COUNTS = (
    """CREATE TABLE question_days (qkey TEXT NOT NULL, day TEXT NOT NULL, asked INTEGER NOT NULL,
        unanswered INTEGER NOT NULL, up INTEGER NOT NULL, down INTEGER NOT NULL, PRIMARY KEY (qkey, day))
        WITHOUT ROWID""",
    "INSERT INTO question_days SELECT IFNULL(qkey, ''), substr(asked_at, 1, 10), COUNT(*), TOTAL(answered = 0), 0, 0 "
    f"FROM answers WHERE {COUNTED} GROUP BY 1, 2",
    "INSERT INTO question_days SELECT IFNULL(a.qkey, ''), substr(a.asked_at, 1, 10), 0, 0, TOTAL(v.vote = 1), "
    f"TOTAL(v.vote = -1) FROM votes v CROSS JOIN answers a ON a.id = v.answer_id WHERE a.{COUNTED} GROUP BY 1, 2 "
    "ON CONFLICT (qkey, day) DO UPDATE SET up = excluded.up, down = excluded.down",
    f"CREATE TRIGGER answers_counted AFTER INSERT ON answers BEGIN {_ADD.format('NEW')} END",
    f"CREATE TRIGGER answers_uncounted AFTER DELETE ON answers BEGIN {_REMOVE.format('OLD')} END",
    "CREATE TRIGGER answers_recounted AFTER UPDATE OF asked_at, qkey, answered, kind ON answers "
    f"BEGIN {_REMOVE.format('OLD')} {_ADD.format('NEW')} END",
    f"CREATE TRIGGER votes_counted AFTER INSERT ON votes BEGIN {_VOTE.format('NEW', '+')} END",
    f"CREATE TRIGGER votes_uncounted AFTER DELETE ON votes BEGIN {_VOTE.format('OLD', '-')} END",
    "CREATE TRIGGER votes_recounted AFTER UPDATE ON votes "
    f"BEGIN {_VOTE.format('OLD', '-')} {_VOTE.format('NEW', '+')} END",
    # the first time each question was asked in a window, read from this index alone
    f"CREATE INDEX answers_first ON answers (qkey, asked_at, answered) WHERE {COUNTED}",
    "DROP INDEX IF EXISTS answers_qkey",  # what the report grouped on before: not used any more
)


def add_counts(db: sqlite3.Connection) -> None:
    """Create, fill and start keeping ``question_days``, once (~10 s at a million rows). The check
    is made under the write lock, so two processes opening an older file do not both fill it."""
    db.commit()
    db.execute("BEGIN IMMEDIATE")
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'question_days'").fetchone():
        for statement in COUNTS:
            db.execute(statement)
    db.commit()
