"""Feedback storage: redaction, votes, and the Monday report (engine and CLI)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot import Answer, Bot, FeedbackStore, InvalidCommentError
from bot.cli import main
from bot.feedback import _normal, redact


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


def _reference_report(path: Path, days: int | None, limit: int) -> tuple:
    """The report as the answers and votes tables say, grouped directly (the queries of the version
    before ``question_days``): what the counted report must equal."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    since = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds") if days else ""
    asked = "FROM answers a WHERE a.asked_at >= ? AND a.kind IS NOT 'smalltalk'"
    voted = "FROM votes v JOIN answers a ON a.id = v.answer_id WHERE a.asked_at >= ? AND a.kind IS NOT 'smalltalk'"
    with sqlite3.connect(path) as db:
        total, answered = db.execute(f"SELECT COUNT(*), TOTAL(a.answered) {asked}", (since,)).fetchone()
        up, down = db.execute(f"SELECT TOTAL(v.vote = 1), TOTAL(v.vote = -1) {voted}", (since,)).fetchone()
        top = [db.execute(f"SELECT a.question, COUNT(*) AS n, MIN(a.rowid) {asked} {extra} GROUP BY a.qkey "
                          f"ORDER BY n DESC, a.question LIMIT ?", (since, limit)).fetchall()
               for extra in ("", "AND a.answered = 0")]
        downvoted = db.execute(f"SELECT a.question, a.answer, a.section, COUNT(*) AS n, MIN(a.rowid) {voted} "
                               f"AND v.vote = -1 GROUP BY a.qkey, a.answer ORDER BY n DESC, a.question LIMIT ?",
                               (since, limit)).fetchall()
    return (total, int(answered), [[r[:2] for r in rows] for rows in top], [d[:4] for d in downvoted],
            int(up), int(down))


def _as_reference(r: object) -> tuple:
    return (r.questions, r.answered, [[(c.question, c.count) for c in rows] for rows in (r.asked_most, r.unanswered)],
            [(d.question, d.answer, d.section, d.count) for d in r.downvoted], r.upvotes, r.downvotes)


def test_report_counts_stay_exact_through_every_change(tmp_path: Path) -> None:
    """An older database is migrated (counts filled from its rows), then rows are added, voted on,
    re-voted, edited and deleted by hand and pruned: the counts always equal a recount."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    at = {age: (now - timedelta(days=age, hours=1)).isoformat(timespec="seconds") for age in (0, 3, 20, 200)}
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:  # the schema before question_days
        db.executescript("CREATE TABLE answers (id TEXT PRIMARY KEY, asked_at TEXT NOT NULL, surface TEXT NOT NULL, "
                         "policy TEXT, question TEXT NOT NULL, answered INTEGER NOT NULL, answer TEXT NOT NULL, "
                         "section TEXT, score REAL, kind TEXT, qkey TEXT); CREATE TABLE votes (answer_id TEXT "
                         "PRIMARY KEY, vote INTEGER NOT NULL, voted_at TEXT NOT NULL); "
                         "CREATE INDEX answers_qkey ON answers (qkey)")
        rows = [("o1", at[20], "Do you sell my data?", 1, "answer"), ("o2", at[3], "do you SELL my data", 1, "answer"),
                ("o3", at[3], "What is your return policy?", 0, "not_found"), ("o4", at[0], "hi", 1, "smalltalk"),
                ("o5", at[20], "Can I opt out?", 0, "not_found"), ("o6", at[200], "Do you use cookies?", 1, "answer")]
        db.executemany("INSERT INTO answers VALUES (?, ?, 'api', 'bellacor', ?, ?, 'A.', 'S', 0.5, ?, ?)",
                       [(i, t, q, ok, kind, _normal(q)) for i, t, q, ok, kind in rows])
        db.executemany("INSERT INTO votes VALUES (?, ?, 'x')",
                       [("o1", 1), ("o3", -1), ("o4", -1), ("o5", 1), ("o6", 1)])
    store = FeedbackStore(tmp_path, retention_days=90)
    asked = [("Do you sell my data", True), ("Can I opt out", False), ("Can I opt out?", False),
             ("Who sees my data?", True)]
    ids = [store.record(_answer(q, ok), "test") for q, ok in asked]
    assert store.vote(ids[0], up=True) and store.vote(ids[0], up=False) and store.vote(ids[1], up=False)
    assert store.vote(ids[3], up=True)
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE answers SET asked_at = ? WHERE id = ?", (at[200], ids[3]))  # now past retention
        db.execute("UPDATE answers SET kind = 'smalltalk', qkey = 'x' WHERE id = 'o2'")
        db.execute("DELETE FROM answers WHERE id = 'o3'")  # its vote stays behind
        db.execute("DELETE FROM votes WHERE answer_id = 'o5'")
    store = FeedbackStore(tmp_path, retention_days=90)  # a new process prunes on opening
    for days, limit in ((None, 10), (7, 10), (30, 1), (1, 10)):
        assert _as_reference(store.report(days=days, limit=limit)) == _reference_report(store.path, days, limit)
    with sqlite3.connect(store.path) as db:
        recount = db.execute(
            "SELECT IFNULL(a.qkey, ''), substr(a.asked_at, 1, 10), COUNT(*), SUM(a.answered = 0), "
            "SUM(IFNULL(v.vote = 1, 0)), SUM(IFNULL(v.vote = -1, 0)) FROM answers a "
            "LEFT JOIN votes v ON v.answer_id = a.id WHERE a.kind IS NOT 'smalltalk' GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
        assert db.execute("SELECT * FROM question_days ORDER BY 1, 2").fetchall() == recount
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'answers_qkey'").fetchone()
    r = store.report()
    assert (r.questions, r.answered, r.upvotes, r.downvotes) == (5, 2, 1, 2)


# ---------------------------------------------------------------------------- comments on a thumbs down


def test_a_thumbs_down_carries_a_redacted_comment_into_the_report(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture) -> None:
    store = FeedbackStore(tmp_path)
    first = store.record(_answer("Do you sell my data?", True), "test")
    again = store.record(_answer("do you sell my data", True), "test")
    assert store.vote(first, up=False, comment="  Wrong! Write to me at jo.smith@example.com\n please  ")
    assert store.vote(again, up=False)
    [down] = store.report().downvoted
    assert (down.count, down.comments) == (2, ("Wrong! Write to me at [email] please",)), "redacted, one line"
    with sqlite3.connect(store.path) as db:
        assert "jo.smith" not in str(db.execute("SELECT * FROM votes").fetchall())
    assert main(["report", "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Q: Do you sell my data?\n        A: Quoted sentence.\n        Comment: Wrong! Write to me at [email]" in out


def test_sending_again_replaces_keeps_or_drops_the_comment(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    answer_id = store.record(_answer("Do you sell my data?", True), "test")

    def stored() -> tuple:
        with sqlite3.connect(store.path) as db:
            return db.execute("SELECT vote, comment FROM votes WHERE answer_id = ?", (answer_id,)).fetchone()

    assert store.vote(answer_id, up=False) and stored() == (-1, None)
    assert store.vote(answer_id, up=False, comment="too vague") and stored() == (-1, "too vague")
    assert store.vote(answer_id, up=False) and stored() == (-1, "too vague"), "a thumbs down again keeps it"
    assert store.vote(answer_id, up=False, comment="wrong section") and stored() == (-1, "wrong section")
    assert store.vote(answer_id, up=False, comment="  ") and stored() == (-1, None), "a blank comment removes it"
    assert store.vote(answer_id, up=False, comment="again") and store.vote(answer_id, up=True)
    assert stored() == (1, None), "a thumbs up drops the comment"
    assert not store.vote("unknown", up=False, comment="fine")
    r = store.report()
    assert (r.upvotes, r.downvotes, r.downvoted) == (1, 0, ())


@pytest.mark.parametrize(("comment", "up", "message"), [
    ("x" * 501, False, "the comment is 501 characters long; the limit is 500, please shorten it"),
    ("bad \ud800 text", False, "lone surrogate"),
    ("bell \x07 here", False, r"control character \(U\+0007\) at position 5; remove it"),
    ("great answer", True, "a comment goes with a thumbs down only"),
    (42, False, "the comment must be text, not int"),
])
def test_bad_comments_are_refused_and_nothing_is_stored(tmp_path: Path, comment: object, up: bool,
                                                       message: str) -> None:
    store = FeedbackStore(tmp_path)
    answer_id = store.record(_answer("Do you sell my data?", True), "test")
    with pytest.raises(InvalidCommentError, match=message):
        store.vote(answer_id, up=up, comment=comment)
    assert store.report().downvotes == 0 and store.report().upvotes == 0
    assert store.vote(answer_id, up=False, comment="  " + "x" * 500 + "\n"), "500 after trimming is fine"
    assert store.vote(answer_id, up=True, comment=""), "an empty comment with a thumbs up is no comment"


def test_an_older_votes_table_gains_the_comment_column(tmp_path: Path) -> None:
    """A data folder from before comments: its votes keep their counts and can take a comment."""
    now = "2100-01-01T00:00:00+00:00"  # never pruned
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
        db.executescript("CREATE TABLE answers (id TEXT PRIMARY KEY, asked_at TEXT NOT NULL, surface TEXT NOT NULL, "
                         "policy TEXT, question TEXT NOT NULL, answered INTEGER NOT NULL, answer TEXT NOT NULL, "
                         "section TEXT, score REAL, kind TEXT, qkey TEXT); CREATE TABLE votes (answer_id TEXT "
                         "PRIMARY KEY REFERENCES answers(id), vote INTEGER NOT NULL CHECK (vote IN (-1, 1)), "
                         "voted_at TEXT NOT NULL)")
        db.executemany("INSERT INTO answers VALUES (?, ?, 'api', 'bellacor', ?, 1, 'A.', 'S', 0.5, 'answer', ?)",
                       [(i, now, q, _normal(q)) for i, q in (("1", "Do you sell my data?"), ("2", "Cookies?"))])
        db.executemany("INSERT INTO votes VALUES (?, ?, 'x')", [("1", -1), ("2", 1)])
    store = FeedbackStore(tmp_path)
    r = store.report()
    assert (r.upvotes, r.downvotes) == (1, 1) and r.downvoted[0].comments == ()
    assert store.vote("1", up=False, comment="It did not say who buys it")
    assert store.report().downvoted[0].comments == ("It did not say who buys it",)
    with sqlite3.connect(store.path) as db:
        assert "comment" in {row[1] for row in db.execute("PRAGMA table_info(votes)")}
    assert FeedbackStore(tmp_path).report().downvotes == 1, "opening it again changes nothing"


def test_comments_go_with_their_answers_when_pruned(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path, retention_days=30)
    old = store.record(_answer("Do you sell my data?", True), "test")
    assert store.vote(old, up=False, comment="old news")
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE answers SET asked_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", (old,))
    FeedbackStore(tmp_path, retention_days=30).report()  # a new process prunes on opening
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM votes WHERE comment IS NOT NULL").fetchone() == (0,)
