"""Insights for the shop owner: counts per day, topics, coverage-gap clusters (real model), CLI, API."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot import Answer, Bot, FeedbackStore, InvalidOptionError, Settings, Window, gather_insights
from bot.cli import main
from bot.gaps import clear_cache
from bot.insights import topic_of
from bot.insights_tables import to_csv
from bot.web.api import create_app
from tests.conftest import wait_until

# (day, question, kind, vote): kind "answer", "not_found" or "smalltalk"; vote 1, -1 or 0
LOG = [
    ("2026-03-01", "Do you sell my data?", "answer", 1),
    ("2026-03-01", "do you sell my data", "answer", -1),
    ("2026-03-01", "can I delete my account", "not_found", 0),
    ("2026-03-01", "hi", "smalltalk", 0),
    ("2026-03-02", "how do i remove my profile", "not_found", -1),
    ("2026-03-02", "How do I delete my account?", "not_found", 0),
    ("2026-03-02", "when will my order ship", "not_found", 0),
    ("2026-03-02", "what is the shipping time for my order", "not_found", 0),
    ("2026-03-02", "Do you use cookies? mail me at jo@example.com", "answer", 1),
    ("2026-03-04", "thanks", "smalltalk", 0),
    ("2026-03-05", "Do you sell my data?", "answer", 0),  # outside the window below
]
WINDOW = Window.parse("2026-03-01", "2026-03-04")


def seed(data: Path, log: list[tuple[str, str, str, int]] = LOG) -> FeedbackStore:
    """A real store with the log's rows, each moved to its day (the triggers keep the counts)."""
    store = FeedbackStore(data)
    for day, question, kind, vote in log:
        answered = kind == "answer"
        answer = Answer(question, answered, "Quoted." if answered else "I couldn't find this in the policy.", (),
                        "bellacor", 1.0, kind=kind)
        answer_id = store.record(answer, "test")
        if vote:
            store.vote(answer_id, up=vote > 0)
        with sqlite3.connect(store.path) as db:
            db.execute("UPDATE answers SET asked_at = ? WHERE id = ?", (f"{day}T12:00:00+00:00", answer_id))
    return store


def test_window_parsing() -> None:
    assert Window.parse(None, "2026-03-30") == Window(date(2026, 3, 1), date(2026, 3, 30))
    with pytest.raises(InvalidOptionError, match="YYYY-MM-DD"):
        Window.parse("March 1", None)
    with pytest.raises(InvalidOptionError, match="after it ends"):
        Window.parse("2026-03-05", "2026-03-01")


def test_counts_per_day_and_rates(tmp_path: Path) -> None:
    store = seed(tmp_path)
    found = gather_insights(store.path, WINDOW)
    assert [(d.day, d.answered, d.not_found, d.smalltalk, d.up, d.down) for d in found.days] == [
        ("2026-03-01", 2, 1, 1, 1, 1), ("2026-03-02", 1, 4, 0, 1, 1),
        ("2026-03-03", 0, 0, 0, 0, 0), ("2026-03-04", 0, 0, 1, 0, 0)]
    assert (found.days[0].answer_rate, found.days[0].up_rate) == (0.667, 0.5)
    assert found.days[2].answer_rate is None, "a quiet day has no rate, not 0%"
    assert found.to_dict()["totals"] == {"day": "total", "answered": 3, "not_found": 5, "smalltalk": 2, "up": 2,
                                         "down": 2, "answer_rate": 0.375, "up_rate": 0.5}
    [down] = [(d.question, d.votes) for d in found.downvoted if d.question.startswith("how")]
    assert down == ("how do i remove my profile", 1)
    assert {d.question for d in found.downvoted} == {"do you sell my data", "how do i remove my profile"}


def test_topics_map_to_the_glance_keys() -> None:
    assert topic_of("do you sell my data") == "selling"
    assert topic_of("do you use cookies") == "cookies"
    assert topic_of("when will my order ship") == "other"


def test_topic_counts(tmp_path: Path) -> None:
    topics = {t.topic: t.questions for t in gather_insights(seed(tmp_path).path, WINDOW).topics}
    assert topics["selling"] == 2 and topics["cookies"] == 1
    assert len(topics) == 15 and sum(topics.values()) == 8, "small talk is not a topic"


def test_gaps_cluster_paraphrases_with_the_real_model(tmp_path: Path, bot: Bot) -> None:
    clear_cache()
    store = seed(tmp_path)
    gaps = gather_insights(store.path, WINDOW, bot).gaps
    groups = [{g.label, *g.examples} for g in gaps]
    assert {"can I delete my account", "how do i remove my profile", "How do I delete my account?"} in groups
    assert {"when will my order ship", "what is the shipping time for my order"} in groups
    assert {"Do you sell my data?"} in groups, "a downvoted answer is a gap; its words as first asked"
    first = gaps[0]
    assert (first.size, first.questions) == (4, 3), "3 not found + 1 downvote, largest first"
    assert first.label == "How do I delete my account?", "the wording most like the others labels it"
    assert first.passage is not None and first.passage.section and 0 <= first.passage.score <= 1
    assert gather_insights(store.path, WINDOW, bot).gaps is gaps, "cached for the day"


def test_only_redacted_questions_appear(tmp_path: Path) -> None:
    text = json.dumps(gather_insights(seed(tmp_path).path, Window.parse("2026-03-01", "2026-03-05")).to_dict())
    assert "jo@example.com" not in text


def test_missing_store_gives_empty_insights(tmp_path: Path) -> None:
    found = gather_insights(tmp_path / "none.sqlite3", WINDOW)
    assert len(found.days) == 4 and found.totals.answered == 0 and not found.gaps
    assert not (tmp_path / "none.sqlite3").exists()


def test_report_cli_prints_gaps_json_and_csv(tmp_path: Path, bot: Bot, capsys: pytest.CaptureFixture) -> None:
    seed(tmp_path / "data", [(date.today().isoformat(), q, k, v) for _, q, k, v in LOG])
    where = ["--data", str(tmp_path / "data"), "--policies", str(bot.settings.policy_dir),
             "--index", str(bot.settings.index_dir)]
    assert main(["report", *where]) == 0
    out = capsys.readouterr().out
    assert "Coverage gaps (not answered or voted down, grouped by need; largest first)\n" in out
    assert "     4  How do I delete my account?  (3 wordings)\n        also: how do i remove my profile\n" in out
    assert "jo@example.com" not in out and "Cookies and tracking 1" in out
    assert main(["report", "--json", "--no-gaps", *where]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["not_found"] == 5 and data["gaps"] == []
    assert main(["report", "--csv", str(tmp_path / "csv"), *where]) == 0
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == ["days.csv", "downvoted.csv", "gaps.csv",
                                                                    "topics.csv"]
    gaps = (tmp_path / "csv" / "gaps.csv").read_text().splitlines()
    assert gaps[0] == "size,questions,label,examples,nearest_section,nearest_sentence,nearest_score"
    assert gaps[1].startswith("4,3,How do I delete my account?,how do i remove my profile | can I delete my account,")


def test_csv_cells_never_run_as_formulas() -> None:
    assert to_csv(("q",), [("=HYPERLINK(1)",), ("-1",), ("ok",)]) == "q\n'=HYPERLINK(1)\n'-1\nok\n"


@pytest.fixture()
def web(bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POLICYBOT_ADMIN_TOKEN", "s3cret-token")
    today = date.today().isoformat()
    seed(tmp_path, [(today, q, k, v) for _, q, k, v in LOG])
    settings = Settings(policy_dir=bot.settings.policy_dir, index_dir=bot.settings.index_dir, data_dir=tmp_path)
    with TestClient(create_app(settings, bot, chat=False)) as client:
        wait_until(lambda: client.app.state.runtime.ready.is_set(), "the server to be ready")
        yield client


BEARER = {"Authorization": "Bearer s3cret-token"}


def test_insights_routes_are_off_without_a_token(web: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POLICYBOT_ADMIN_TOKEN")
    for path in ("/insights", "/api/insights", "/insights/days.csv", "/insights/assets/plotly.min.js"):
        assert web.get(path, headers=BEARER).status_code == 404, path
    assert web.post("/insights/login", data={"token": "s3cret-token"}).status_code == 404


def test_insights_refuse_a_missing_wrong_or_query_token(web: TestClient) -> None:
    for path in ("/api/insights", "/insights/gaps.csv"):
        assert web.get(path).status_code == 401
        assert web.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert web.get(path + "?token=s3cret-token").status_code == 401, "never from the URL"
        assert web.get(path + "?access_token=s3cret-token").status_code == 401
    page = web.get("/insights?token=s3cret-token")
    assert page.status_code == 401 and 'method="post" action="/insights/login"' in page.text
    assert web.post("/insights/login", data={"token": "nope"}).status_code == 401


def test_insights_api_page_and_csv_with_the_token(web: TestClient) -> None:
    data = web.get("/api/insights", headers=BEARER).json()
    assert data["totals"]["answered"] == 4 and data["totals"]["not_found"] == 5, "the whole log is today"
    assert {"How do I delete my account?", "how do i remove my profile"} <= {
        data["gaps"][0]["label"], *data["gaps"][0]["examples"]}
    login = web.post("/insights/login", data={"token": "s3cret-token"}, follow_redirects=False)
    assert login.status_code == 303 and "s3cret-token" not in login.headers["location"]
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = web.get("/insights")  # the cookie the login set
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/insights/assets/plotly.min.js" defer>' in page.text and "cdn" not in page.text.lower()
    assert "How do I delete my account?" in page.text and "jo@example.com" not in page.text
    assert 'id="chart-days" role="img"' in page.text and "<caption>Questions per topic</caption>" in page.text
    csv_file = web.get("/insights/downvoted.csv")
    assert csv_file.headers["content-disposition"].startswith('attachment; filename="policybot-downvoted-')
    assert csv_file.text.splitlines()[0] == "question,answer,section,votes,comments"
    js = web.get("/insights/assets/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000 and "plotly" in js.text[:2000].lower()


def test_a_comment_sent_with_a_thumbs_down_reaches_the_owner(web: TestClient, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture) -> None:
    """Through the API as the widget sends it, into /api/insights, the page, its CSV and the report."""
    def down(question: str, *comments: str) -> str:
        answer_id = web.post("/api/answer", json={"question": question}).headers["X-Answer-Id"]
        for comment in comments:  # each replaces the one before
            r = web.post("/api/feedback", json={"answer_id": answer_id, "vote": "down", "comment": comment})
            assert r.json() == {"ok": True}
        return answer_id

    answer = web.post("/api/answer", json={"question": "Do you sell my data?"}).json()["answer"]
    down("Do you sell my data?", "It talks about selling, I asked about sharing", "Wrong. Mail me: jo@example.com")
    later = down("do you sell my data", "=HYPERLINK(1) <b>Not</b> helpful")
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
        db.execute("UPDATE votes SET voted_at = '2999-01-01T00:00:00+00:00' WHERE answer_id = ?", (later,))
    said = ["=HYPERLINK(1) <b>Not</b> helpful", "Wrong. Mail me: [email]"]  # newest first, redacted
    found = web.get("/api/insights", headers=BEARER).json()["downvoted"]
    assert [(d["votes"], d["comments"]) for d in found if d["answer"] == answer] == [(2, said)]
    assert all(d["comments"] == [] for d in found if d["answer"] != answer), "no comment: an empty list"
    web.post("/insights/login", data={"token": "s3cret-token"})
    page = web.get("/insights").text
    assert '<th scope="col">Answer given</th><th scope="col">What was wrong</th>' in page
    assert "<li>=HYPERLINK(1) &lt;b&gt;Not&lt;/b&gt; helpful</li><li>Wrong. Mail me: [email]</li>" in page
    assert "jo@example.com" not in page and "<b>Not</b>" not in page
    rows = list(csv.reader(io.StringIO(web.get("/insights/downvoted.csv").text)))
    assert [r[4] for r in rows[1:] if r[1] == answer] == ["'" + "\n".join(said)], "one a line, never a formula"
    assert main(["report", "--no-gaps", "--data", str(tmp_path)]) == 0
    assert "".join(f"        Comment: {c}\n" for c in said) in capsys.readouterr().out
    assert main(["report", "--json", "--no-gaps", "--data", str(tmp_path)]) == 0
    assert [d["comments"] for d in json.loads(capsys.readouterr().out)["downvoted"] if d["answer"] == answer] == [said]
    assert main(["report", "--csv", str(tmp_path / "csv"), "--no-gaps", "--data", str(tmp_path)]) == 0
    assert (tmp_path / "csv" / "downvoted.csv").read_text() == web.get("/insights/downvoted.csv").text
