"""``policybot report`` as text for a terminal, or as CSV files for a spreadsheet.

Kept out of ``cli`` (which only parses and prints): the plain lists of ``FeedbackStore.report``,
then the insights of ``bot.insights`` (topics asked about and the coverage gaps).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from .feedback import FeedbackStore
from .insights import MAX_DAYS, Insights, Window
from .insights_tables import tables, to_csv


def report_window(days: int | None, retention_days: int) -> Window:
    """The last ``days`` days, else everything kept (at most ``MAX_DAYS``)."""
    span = min(days or retention_days, MAX_DAYS)
    today = datetime.now(UTC).date()
    return Window.parse((today - timedelta(days=span - 1)).isoformat(), today.isoformat())


def _lists(store: FeedbackStore, days: int | None, limit: int) -> list[str]:
    r = store.report(days=days, limit=limit)
    span = f"in the last {days} days" if days else "all time"
    out = [f"{r.questions} questions {span}: {r.answered} answered, {r.questions - r.answered} not; "
           f"{r.upvotes} thumbs up, {r.downvotes} thumbs down."]
    for title, rows in (("Asked most", r.asked_most), ("Could not answer", r.unanswered)):
        out += ["", title, *(f"  {c.count:4d}  {c.question}" for c in rows)] + ([] if rows else ["  (none)"])
    out += ["", "Downvoted answers"]
    for d in r.downvoted:
        section = f"  [{d.section}]" if d.section else ""
        out.append(f"  {d.count:4d}  Q: {d.question}\n        A: {d.answer}{section}")
        out += [f"        Comment: {comment}" for comment in d.comments]  # what was wrong, newest first
    return out + ([] if r.downvoted else ["  (none)"])


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _insights(found: Insights, limit: int) -> list[str]:
    asked = [t for t in found.topics if t.questions]
    topics = ", ".join(f"{t.name} {t.questions}" for t in asked)
    out = ["", "Topics asked about", f"  {topics}" if asked else "  (none)"]
    if found.gaps:
        out += ["", "Coverage gaps (not answered or voted down, grouped by need; largest first)"]
    for g in found.gaps[:limit]:
        out.append(f"  {g.size:4d}  {g.label}" + (f"  ({g.questions} wordings)" if g.questions > 1 else ""))
        out += [f"        also: {_short(example)}" for example in g.examples]
        out.append(f"        closest passage: [{g.passage.section}] {g.passage.match} match ({g.passage.score:.2f}): "
                   f"{_short(g.passage.sentence)}" if g.passage else "        closest passage: none")
    return out


def report_text(store: FeedbackStore, days: int | None, limit: int, found: Insights) -> str:
    """The lists, the topics and the gaps, as lines for a terminal."""
    return "\n".join([*_lists(store, days, limit), *_insights(found, limit)])


def write_insights_csv(found: Insights, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (header, rows) in tables(found).items():
        path = folder / f"{name}.csv"
        path.write_text(to_csv(header, rows), encoding="utf-8")
        written.append(path)
    return written
