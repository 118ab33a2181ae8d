"""Feedback storage: redaction, votes, and the Monday report (engine and CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import Answer, Bot, FeedbackStore
from bot.cli import main
from bot.feedback import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at jo.smith+shop@mail.example.co.uk please", "mail me at [email] please"),
        ("my card is 4111 1111 1111 1111, is it stored?", "my card is [card number], is it stored?"),
        ("card 5500-0000-0000-0004", "card [card number]"),
        ("call +1 (555) 123-4567 or 555.987.6543", "call [phone] or [phone]"),
        ("Do you keep data for 13 years since 2017?", "Do you keep data for 13 years since 2017?"),
        ("order #12345 arrived", "order #12345 arrived"),
    ],
)
def test_redaction(text: str, expected: str) -> None:
    assert redact(text) == expected


def _answer(question: str, answered: bool) -> Answer:
    text = "Quoted sentence." if answered else "The policy does not say."
    return Answer(question, answered, text, (), "bellacor", 1.0)


def test_votes_and_report(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    store = FeedbackStore(tmp_path)
    ids = {}
    for question, answered in [("Do you sell my data?", True), ("do you sell my data", True),
                               ("What is your return policy?", False),
                               ("Do you share my data? I'm bob@example.com", True),
                               ("What is your return policy", False)]:
        ids[question] = store.record(_answer(question, answered), "test")
    assert store.vote(ids["Do you sell my data?"], up=True)
    assert store.vote(ids["Do you share my data? I'm bob@example.com"], up=True)
    assert store.vote(ids["Do you share my data? I'm bob@example.com"], up=False), "a second vote replaces the first"
    assert not store.vote("unknown", up=True)

    r = store.report(limit=5)
    assert (r.questions, r.upvotes, r.downvotes) == (5, 1, 1)
    assert [(c.question, c.count) for c in r.asked_most[:2]] == [("Do you sell my data?", 2),
                                                                 ("What is your return policy?", 2)]
    assert [(c.question, c.count) for c in r.unanswered] == [("What is your return policy?", 2)]
    [down] = r.downvoted
    assert down.question == "Do you share my data? I'm [email]" and down.count == 1

    assert main(["report", "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("5 questions all time: 3 answered, 2 not; 1 thumbs up, 1 thumbs down.")
    assert "Could not answer\n     2  What is your return policy?" in out
    assert "Q: Do you share my data? I'm [email]" in out and "bob@" not in out


def test_report_without_data_says_so(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["report", "--data", str(tmp_path / "none")]) == 0
    assert "No questions recorded yet" in capsys.readouterr().out


def test_real_answers_are_recorded(bot: Bot, tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    answer_id = store.record(bot.answer("Do you sell my data?"), "test")
    assert store.vote(answer_id, up=True)
    r = store.report()
    assert r.questions == 1 and r.answered == 1 and r.upvotes == 1


def test_the_database_is_private_and_old_rows_are_pruned(tmp_path, bot) -> None:
    import sqlite3
    import stat

    store = FeedbackStore(tmp_path, retention_days=30)
    fresh = store.record(bot.answer("Do you sell my data?"), "test")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    old = store.record(bot.answer("Do you use cookies?"), "test")
    assert store.vote(old, up=True)
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE answers SET asked_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", (old,))
    report = FeedbackStore(tmp_path, retention_days=30).report()  # a new process prunes on opening
    assert report.questions == 1 and report.upvotes == 0
    with sqlite3.connect(store.path) as db:
        assert [r[0] for r in db.execute("SELECT id FROM answers")] == [fresh]


def test_a_database_from_before_the_sql_report_is_migrated(tmp_path) -> None:
    import sqlite3

    with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
        db.execute("CREATE TABLE answers (id TEXT PRIMARY KEY, asked_at TEXT NOT NULL, surface TEXT NOT NULL, "
                   "policy TEXT, question TEXT NOT NULL, answered INTEGER NOT NULL, answer TEXT NOT NULL, "
                   "section TEXT, score REAL)")
        now = "2100-01-01T00:00:00+00:00"  # never pruned
        db.executemany("INSERT INTO answers VALUES (?, ?, 'api', 'bellacor', ?, ?, 'a', 's', 0.5)",
                       [("1", now, "Do you sell my data?", 1), ("2", now, "do you SELL my data", 1),
                        ("3", now, "What is your return policy?", 0)])
    r = FeedbackStore(tmp_path).report()
    assert r.questions == 3 and r.answered == 2
    assert [(c.question, c.count) for c in r.asked_most] == [("Do you sell my data?", 2),
                                                              ("What is your return policy?", 1)]
    assert [(c.question, c.count) for c in r.unanswered] == [("What is your return policy?", 1)]
