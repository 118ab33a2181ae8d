"""The feedback store on both databases it supports: the SQLite file (default) and PostgreSQL.

PostgreSQL is real: ``.ci/run`` starts one (``.ci/postgres``) and passes its URL in
``POLICYBOT_TEST_DATABASE_URL``. Without it these tests skip on a developer's machine, and fail
under CI, so CI can never pass without testing PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot import Answer, FeedbackStore, FeedbackStoreError, InvalidOptionError, Window, gather_insights

URL = os.environ.get("POLICYBOT_TEST_DATABASE_URL", "").strip()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    """Makes stores on one empty database; all of a test's stores share it, as processes would."""
    if request.param == "postgresql":
        if not URL:
            if os.environ.get("CI"):
                pytest.fail("CI must test PostgreSQL: .ci/run sets POLICYBOT_TEST_DATABASE_URL (.ci/postgres)")
            pytest.skip("no PostgreSQL: run `export POLICYBOT_TEST_DATABASE_URL=$(bash .ci/postgres)`")
        engine = create_engine(URL)
        with engine.begin() as db:
            db.exec_driver_sql("DROP TABLE IF EXISTS votes, answers, question_days CASCADE")
        engine.dispose()
    url = URL if request.param == "postgresql" else None
    yield lambda retention_days=90: FeedbackStore(tmp_path, retention_days, url)


def _answer(question: str, answered: bool, kind: str | None = None) -> Answer:
    text = "Quoted sentence." if answered else "I couldn't find this in the policy."
    return Answer(question, answered, text, (), "bellacor", 1.0, kind=kind or ("answer" if answered else "not_found"))


def test_votes_and_report(new_store) -> None:
    store = new_store()
    assert not store.exists(), "nothing recorded yet"
    ids = {q: store.record(_answer(q, ok), "test") for q, ok in [
        ("Do you sell my data?", True), ("do you sell my data", True), ("What is your return policy?", False),
        ("Do you share my data? I'm bob@example.com", True), ("What is your return policy", False), ("hi", False)]}
    store.sql("UPDATE answers SET kind = 'smalltalk' WHERE id = :id", {"id": ids["hi"]})
    assert store.vote(ids["Do you sell my data?"], up=True)
    assert store.vote(ids["Do you share my data? I'm bob@example.com"], up=True)
    assert store.vote(ids["Do you share my data? I'm bob@example.com"], up=False), "a second vote replaces the first"
    assert not store.vote("unknown", up=True)

    r = new_store().report(limit=5)  # another process reads what this one wrote
    assert (r.questions, r.answered, r.upvotes, r.downvotes) == (5, 3, 1, 1)
    assert [(c.question, c.count) for c in r.asked_most[:2]] == [("Do you sell my data?", 2),
                                                                 ("What is your return policy?", 2)]
    assert [(c.question, c.count) for c in r.unanswered] == [("What is your return policy?", 2)]
    [down] = r.downvoted
    assert (down.question, down.count, down.comments) == ("Do you share my data? I'm [email]", 1, ())
    assert store.exists()


def test_counts_stay_exact_through_every_change(new_store) -> None:
    """Rows added, voted, re-voted, edited and deleted by hand, and pruned: the per-day counts the
    report reads always equal a recount of the rows."""
    store = new_store()
    now = datetime.now(UTC)
    at = {age: (now - timedelta(days=age, hours=1)).isoformat(timespec="seconds") for age in (3, 20, 200)}
    asked = [("Do you sell my data", True), ("Can I opt out", False), ("Can I opt out?", False),
             ("Who sees my data?", True), ("do you SELL my data", True), ("Do you use cookies?", True)]
    ids = [store.record(_answer(q, ok), "test") for q, ok in asked]
    assert store.vote(ids[0], up=True) and store.vote(ids[0], up=False) and store.vote(ids[1], up=False)
    assert store.vote(ids[3], up=True) and store.vote(ids[5], up=True, comment=None)
    store.sql("UPDATE answers SET asked_at = :at WHERE id = :id", {"at": at[200], "id": ids[3]})  # past retention
    store.sql("UPDATE answers SET asked_at = :at WHERE id = :id", {"at": at[20], "id": ids[4]})
    store.sql("UPDATE answers SET kind = 'smalltalk', qkey = 'x' WHERE id = :id", {"id": ids[2]})
    store.sql("DELETE FROM votes WHERE answer_id = :id", {"id": ids[5]})
    store.sql("UPDATE answers SET asked_at = :at WHERE id = :id", {"at": at[3], "id": ids[5]})
    store.sql("DELETE FROM answers WHERE id = :id", {"id": ids[5]})
    store = new_store()  # a new process prunes on opening
    recount = store.sql(
        "SELECT COALESCE(a.qkey, ''), substr(a.asked_at, 1, 10), COUNT(*), "
        "SUM(CASE WHEN a.answered = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN v.vote = 1 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN v.vote = -1 THEN 1 ELSE 0 END) FROM answers a LEFT JOIN votes v ON v.answer_id = a.id "
        "WHERE a.kind <> 'smalltalk' GROUP BY 1, 2 ORDER BY 1, 2")
    kept = store.sql("SELECT qkey, day, asked, unanswered, up, down FROM question_days ORDER BY 1, 2")
    assert [tuple(map(_plain, row)) for row in kept] == [tuple(map(_plain, row)) for row in recount]
    assert len(kept) == 3, "sell (two days) and opt out; the pruned and the small talk are gone"
    r = store.report()
    assert (r.questions, r.answered, r.upvotes, r.downvotes) == (3, 2, 0, 2)
    assert [(c.question, c.count) for c in r.asked_most] == [("Do you sell my data", 2), ("Can I opt out", 1)]
    assert [(c.question, c.count) for c in store.report(days=7).asked_most] == [("Can I opt out", 1),
                                                                               ("Do you sell my data", 1)]


def _plain(value: object) -> object:
    return int(value) if isinstance(value, float | int) or type(value).__name__ == "Decimal" else value


def test_comments_are_redacted_replaced_kept_and_dropped(new_store) -> None:
    store = new_store()
    first = store.record(_answer("Do you sell my data?", True), "test")
    again = store.record(_answer("do you sell my data", True), "test")

    def stored() -> tuple:
        return store.sql("SELECT vote, comment FROM votes WHERE answer_id = :id", {"id": first})[0]

    assert store.vote(first, up=False, comment="  Wrong! Write to me at jo.smith@example.com\n please  ")
    assert stored() == (-1, "Wrong! Write to me at [email] please")
    store.sql("UPDATE votes SET voted_at = '2026-01-01T00:00:00+00:00' WHERE answer_id = :id", {"id": first})
    assert store.vote(again, up=False, comment="too vague")
    [down] = store.report().downvoted
    assert (down.question, down.count, down.comments) == ("Do you sell my data?", 2,
                                                          ("too vague", "Wrong! Write to me at [email] please"))
    assert store.vote(first, up=False) and stored() == (-1, "Wrong! Write to me at [email] please"), "kept"
    assert store.vote(first, up=False, comment="  ") and stored() == (-1, None), "a blank comment removes it"
    assert store.vote(first, up=True) and stored() == (1, None)


def test_old_rows_and_their_votes_are_pruned(new_store) -> None:
    store = new_store(retention_days=30)
    old, new = (store.record(_answer(q, True), "test") for q in ("Do you sell my data?", "Cookies?"))
    assert store.vote(old, up=False, comment="old news") and store.vote(new, up=True)
    store.sql("UPDATE answers SET asked_at = '2020-01-01T00:00:00+00:00' WHERE id = :id", {"id": old})
    r = new_store(retention_days=30).report()
    assert (r.questions, r.upvotes, r.downvotes) == (1, 1, 0)
    assert store.sql("SELECT COUNT(*) FROM votes") == [(1,)]


def test_insights_read_the_same_on_both(new_store) -> None:
    store = new_store()
    log = [("2026-03-01", "Do you sell my data?", "answer", 1), ("2026-03-01", "do you sell my data", "answer", -1),
           ("2026-03-01", "hi", "smalltalk", 0), ("2026-03-02", "How do I delete my account?", "not_found", -1),
           ("2026-03-02", "how do i delete my account", "not_found", 0), ("2026-03-05", "Cookies?", "answer", 0)]
    for day, question, kind, vote in log:
        answer_id = store.record(_answer(question, kind == "answer", kind), "test")
        if vote:
            store.vote(answer_id, up=vote > 0)
        store.sql("UPDATE answers SET asked_at = :at WHERE id = :id", {"at": f"{day}T12:00:00+00:00", "id": answer_id})
    found = gather_insights(new_store(), Window.parse("2026-03-01", "2026-03-04"))
    assert [(d.day, d.answered, d.not_found, d.smalltalk, d.up, d.down) for d in found.days] == [
        ("2026-03-01", 2, 0, 1, 1, 1), ("2026-03-02", 0, 2, 0, 0, 1), ("2026-03-03", 0, 0, 0, 0, 0),
        ("2026-03-04", 0, 0, 0, 0, 0)]
    assert [(d.question, d.votes) for d in found.downvoted] == [("How do I delete my account?", 1),
                                                                ("do you sell my data", 1)]
    assert {t.topic: t.questions for t in found.topics}["selling"] == 2


def test_database_urls_are_checked_by_name(tmp_path: Path) -> None:
    with pytest.raises(InvalidOptionError, match="names a mysql database; feedback is stored in sqlite or postgresql"):
        FeedbackStore(tmp_path, url="mysql://u:p@localhost/db")
    with pytest.raises(InvalidOptionError, match="is not a database URL"):
        FeedbackStore(tmp_path, url="not a url")
    store = FeedbackStore(tmp_path, url="postgresql+psycopg://shop:s3cret@127.0.0.1:9/feedback")
    assert "s3cret" not in store.location and "shop:***@127.0.0.1:9/feedback" in store.location
    with pytest.raises(FeedbackStoreError, match="cannot be reached; check POLICYBOT_DATABASE_URL") as e:
        store.exists()  # nothing listens on port 9
    assert "s3cret" not in str(e.value)
    sqlite_url = FeedbackStore(tmp_path, url=f"sqlite:///{tmp_path / 'log.db'}")
    sqlite_url.record(_answer("Do you sell my data?", True), "test")
    assert (tmp_path / "log.db").exists() and not (tmp_path / "feedback.sqlite3").exists()


def test_a_store_that_cannot_be_written_raises_the_policybot_error(tmp_path: Path) -> None:
    (tmp_path / "feedback.sqlite3").mkdir()  # a folder where the file should be
    with pytest.raises(FeedbackStoreError, match="the feedback log cannot be used right now") as e:
        FeedbackStore(tmp_path).record(_answer("Do you sell my data?", True), "test")
    assert str(tmp_path) not in str(e.value), "no path for a client"


def test_the_server_logs_to_the_configured_database_and_a_broken_one_is_a_503(new_store, bot, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from bot import Settings
    from bot.web import create_app

    store = new_store()
    settings = Settings(policy_dir=bot.settings.policy_dir, index_dir=bot.settings.index_dir, data_dir=tmp_path,
                        database_url=store.url)
    with TestClient(create_app(settings, bot)) as client:
        answer_id = client.post("/api/answer", json={"question": "do u sell my info? jo@example.com"}
                                ).headers["X-Answer-Id"]
        assert client.post("/api/feedback", json={"answer_id": answer_id, "vote": "down"}).json() == {"ok": True}
    assert store.sql("SELECT a.question, v.vote FROM answers a JOIN votes v ON v.answer_id = a.id") == [
        ("do u sell my info? [email]", -1)]

    broken = tmp_path / "broken"
    (broken / "feedback.sqlite3").mkdir(parents=True)  # a folder where the log's file should be
    with TestClient(create_app(Settings(policy_dir=bot.settings.policy_dir, index_dir=bot.settings.index_dir,
                                        data_dir=broken), bot)) as client:
        r = client.post("/api/answer", json={"question": "Do you sell my data?"})
        assert r.status_code == 200 and "X-Answer-Id" not in r.headers, "the answer still comes, unlogged"
        r = client.post("/api/feedback", json={"answer_id": "a" * 32, "vote": "up"})
        assert r.status_code == 503
        assert r.json() == {"error": "the feedback log cannot be used right now; the server's log says why"}
