"""Insights as flat tables (days, topics, gaps, downvoted), for CSV files from the CLI and the page.

One place decides the columns, so the CSV the owner downloads and the one ``report --csv`` writes
match. Cells that a spreadsheet would run as a formula (typed by customers: "=HYPERLINK(...)")
are prefixed with an apostrophe, as OWASP advises for CSV injection.
"""

from __future__ import annotations

import csv
import io

from .insights import Insights

TABLES = ("days", "topics", "gaps", "downvoted")
# A downvoted answer's comments in one cell, one a line (newest first): a comment never holds a
# line break (its whitespace is collapsed on the way in), so the lines are the comments.
COMMENT_SEPARATOR = "\n"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def tables(found: Insights) -> dict[str, tuple[tuple[str, ...], list[tuple[object, ...]]]]:
    """Table name -> (header, rows)."""
    days = [(d.day, d.answered, d.not_found, d.smalltalk, d.answer_rate, d.up, d.down, d.up_rate)
            for d in found.days]
    gaps = [(g.size, g.questions, g.label, " | ".join(g.examples), g.passage.section if g.passage else "",
             g.passage.sentence if g.passage else "", g.passage.score if g.passage else "") for g in found.gaps]
    return {
        "days": (("day", "answered", "not_found", "smalltalk", "answer_rate", "thumbs_up", "thumbs_down",
                  "up_rate"), days),
        "topics": (("topic", "name", "questions"), [(t.topic, t.name, t.questions) for t in found.topics]),
        "gaps": (("size", "questions", "label", "examples", "nearest_section", "nearest_sentence",
                  "nearest_score"), gaps),
        "downvoted": (("question", "answer", "section", "votes", "comments"),
                      [(d.question, d.answer, d.section or "", d.votes, COMMENT_SEPARATOR.join(d.comments))
                       for d in found.downvoted]),
    }


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def to_csv(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()
