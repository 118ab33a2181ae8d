"""The optional comment a thumbs down can carry ("What was wrong?"), issue 12.

Stored in a ``comment`` column of ``votes`` rather than a table of its own: a comment belongs to one
vote (one per answer), is replaced with it and must go with it. In the vote's row, the retention
pruning and any deletion of the vote or its answer take the comment along with no extra code, and
an older file gains the column with ``ALTER TABLE ... ADD COLUMN`` (instant in SQLite: no rewrite,
whatever the number of rows). The ``votes_recounted`` trigger fires on a comment's update too, but
takes the same vote off and back on, so the per-day counts stay exact.

A comment is free text that people type after a bad answer, so it is redacted with the function
the questions go through (``bot.redact``) before it is stored, and checked as questions are:
at most ``MAX_COMMENT_CHARS`` after trimming, no lone surrogates or control characters.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata

from .errors import InvalidCommentError

MAX_COMMENT_CHARS = 500
# Store or change the vote on an answer. ``keep`` (1) leaves a down vote's comment as it was (a
# thumbs down sent again without one); a thumbs up never keeps one.
VOTE_SQL = ("INSERT INTO votes (answer_id, vote, voted_at, comment) VALUES (:id, :vote, :at, :comment) "
            "ON CONFLICT(answer_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at, "
            "comment = CASE WHEN excluded.vote = -1 AND :keep THEN votes.comment ELSE excluded.comment END")
# The comments of a group of down votes ``v``, as JSON [[voted_at, comment], ...] ("[]" for none).
COMMENTS_SQL = "json_group_array(json_array(v.voted_at, v.comment)) FILTER (WHERE v.comment IS NOT NULL)"


def check_comment(comment: object, up: bool) -> str | None:
    """The comment trimmed, its whitespace runs made single spaces; None for no comment (missing or
    blank). Raises ``InvalidCommentError`` saying what is wrong and how to fix it."""
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise InvalidCommentError(f"the comment must be text, not {type(comment).__name__}")
    text = comment.strip()
    if not text:
        return None
    if up:
        raise InvalidCommentError("a comment goes with a thumbs down only; send vote 'down', or leave the "
                                  "comment out")
    if len(text) > MAX_COMMENT_CHARS:
        raise InvalidCommentError(f"the comment is {len(text)} characters long; the limit is "
                                  f"{MAX_COMMENT_CHARS}, please shorten it")
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "Cs":  # from JSON "\ud800", or bytes that are not UTF-8
            raise InvalidCommentError(f"the comment is not valid text (a lone surrogate or a byte that is not "
                                      f"UTF-8 at position {i}); send it as UTF-8")
        if category == "Cc" and ch not in "\t\n\r":
            raise InvalidCommentError(f"the comment contains a control character (U+{ord(ch):04X}) at position "
                                      f"{i}; remove it")
    return " ".join(text.split())


def add_comment_column(db: sqlite3.Connection) -> None:
    """Give a ``votes`` table from before comments its column (a no-op once it has one)."""
    if "comment" not in {row[1] for row in db.execute("PRAGMA table_info(votes)")}:
        db.execute("ALTER TABLE votes ADD COLUMN comment TEXT")


def comment_list(found: str | None) -> tuple[str, ...]:
    """``COMMENTS_SQL``'s JSON as the comments, newest first."""
    pairs = json.loads(found or "[]")
    return tuple(text for _, text in sorted(pairs, key=lambda pair: pair[0], reverse=True))
