"""The HTTP API: contract, errors with the right status, body limit, CORS, health, feedback."""

from __future__ import annotations

import contextlib
import gc
import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bot import MAX_QUESTION_CHARS, Bot, Settings
from bot.web import create_app
from tests.conftest import PROJECT_DIR, wait_until
from tests.snapshot import ANSWER_KEYS, BELLACOR_PASSAGES, NOT_SOLD, NOT_SOLD_SPAN


def _settings(bot: Bot, data: Path, origins: tuple[str, ...] = ()) -> Settings:
    return Settings(policy_dir=bot.settings.policy_dir, index_dir=bot.settings.index_dir, data_dir=data,
                    allowed_origins=origins)


@pytest.fixture()
def client(bot: Bot, tmp_path: Path):
    with TestClient(create_app(_settings(bot, tmp_path), bot)) as c:
        yield c


def test_answer_follows_the_contract_and_carries_an_id(client: TestClient) -> None:
    r = client.post("/api/answer", json={"question": "Do you sell my data?", "policy": None, "k": None})
    assert r.status_code == 200
    data = r.json()
    assert list(data) == ANSWER_KEYS
    assert data["answered"] is True and data["answer"] == NOT_SOLD
    assert data["kind"] == "answer" and 1 <= len(data["citations"]) <= 3
    assert data["citations"][0]["match"] == "strong" and data["citations"][0]["score"] >= 0.6
    assert data["suggestions"] == ["Who do you share my information with?", "How do I stop marketing emails?",
                                   "Do you use my data for advertising?"]  # sharing, opting out, ads: next to selling
    assert len(r.headers["X-Answer-Id"]) == 32


def test_policy_and_k_are_honoured(client: TestClient) -> None:
    data = client.post("/api/answer", json={"question": "What do you do with my data?", "policy": "bellacor",
                                            "k": 5}).json()
    assert data["policy"] == "bellacor" and 4 <= len(data["citations"]) <= 5
    data = client.post("/api/answer", json={"question": "What do you do with my data?", "k": 2}).json()
    assert len(data["citations"]) == 2


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 422, "JSON"),
        (b"{}", 422, "question: Field required"),
        (b'{"question": 42}', 422, "question: Input should be a valid string"),
        (b'{"question": "   "}', 422, "the question is empty"),
        (json.dumps({"question": "x" * 2001}).encode(), 422, "2001 characters"),
        (json.dumps({"question": "hi", "k": 99}).encode(), 422, "k=99 is out of range"),
        (json.dumps({"question": "hi", "policy": "acme"}).encode(), 404, "known policies: bellacor"),
        (json.dumps({"question": "a" * 17000}).encode(), 413, "over 16 KB"),
    ],
)
def test_bad_requests_get_json_errors(client: TestClient, body: bytes, status: int, message: str) -> None:
    r = client.post("/api/answer", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status
    assert message in r.json()["error"]
    assert "Traceback" not in r.text


def test_streamed_body_over_the_limit_is_refused(client: TestClient) -> None:
    def chunks():
        yield b'{"question": "'
        for _ in range(20):
            yield b"a" * 1024
        yield b'"}'

    r = client.post("/api/answer", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "16 KB" in r.json()["error"]


def test_policies_are_listed_with_their_details(client: TestClient) -> None:
    [p] = client.get("/api/policies").json()
    assert set(p) == {"name", "title", "passages", "updated"}
    assert p["name"] == "bellacor" and p["passages"] == BELLACOR_PASSAGES and p["title"].startswith("Privacy Policy")
    one = client.get("/api/policies/bellacor").json()
    assert one["contact"] == "For additional information contact Customer Care (http://www.bellacor.com/contact.cfm)"
    assert one["contact_url"] == "http://www.bellacor.com/contact.cfm"
    assert client.get("/api/policies/acme").status_code == 404


def test_health_reports_ready_only_once_the_model_is_loaded(bot: Bot, tmp_path: Path) -> None:
    app = create_app(_settings(bot, tmp_path), bot)
    outside = TestClient(app)  # no lifespan yet: nothing has warmed the model
    assert outside.get("/healthz").status_code == 503
    with TestClient(app) as c:
        wait_until(lambda: c.get("/healthz").status_code == 200, "the model to load", 60)
        assert c.get("/healthz").json() == {"status": "ready", "policies": 1, "passages": BELLACOR_PASSAGES}


def test_openapi_documents_the_routes_with_schemas(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/answer", "/api/policies", "/api/feedback", "/healthz"} <= set(spec["paths"])
    answer = spec["paths"]["/api/answer"]["post"]
    assert answer["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskRequest")
    assert answer["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AnswerOut")
    assert set(spec["components"]["schemas"]["AnswerOut"]["properties"]) == set(ANSWER_KEYS)
    assert client.get("/docs").status_code == 200


def test_cors_is_same_origin_unless_allowed(bot: Bot, tmp_path: Path, client: TestClient) -> None:
    preflight = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    assert "access-control-allow-origin" not in client.options("/api/answer", headers=preflight).headers
    with TestClient(create_app(_settings(bot, tmp_path, ("https://shop.example",)), bot)) as allowed:
        r = allowed.options("/api/answer", headers=preflight)
        assert r.headers["access-control-allow-origin"] == "https://shop.example"
        r = allowed.post("/api/answer", json={"question": "Do you use cookies?"}, headers={"Origin": "https://shop.example"})
        assert r.headers["access-control-allow-origin"] == "https://shop.example"
        assert "x-answer-id" in r.headers["access-control-expose-headers"].lower()
        other = allowed.options("/api/answer", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_feedback_is_stored_in_sqlite_with_the_question_redacted(client: TestClient, tmp_path: Path) -> None:
    r = client.post("/api/answer", json={"question": "I'm jane@example.com, card 4111 1111 1111 1111: sold?"})
    answer_id = r.headers["X-Answer-Id"]
    assert client.post("/api/feedback", json={"answer_id": answer_id, "vote": "down"}).json() == {"ok": True}
    assert client.post("/api/feedback", json={"answer_id": "nope", "vote": "up"}).status_code == 404
    assert client.post("/api/feedback", json={"answer_id": answer_id, "vote": "meh"}).status_code == 422
    db = sqlite3.connect(tmp_path / "feedback.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    question, vote = db.execute(
        "SELECT a.question, v.vote FROM answers a JOIN votes v ON v.answer_id = a.id WHERE a.id = ?", (answer_id,)
    ).fetchone()
    assert question == "I'm [email], card [card number]: sold?" and vote == -1


def test_a_thumbs_down_comment_is_stored_redacted_and_checked(client: TestClient, tmp_path: Path) -> None:
    answer_id = client.post("/api/answer", json={"question": "Do you sell my data?"}).headers["X-Answer-Id"]

    def send(body: dict) -> httpx.Response:
        return client.post("/api/feedback", json={"answer_id": answer_id, **body})

    def stored() -> tuple:
        with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
            return db.execute("SELECT vote, comment FROM votes WHERE answer_id = ?", (answer_id,)).fetchone()

    assert send({"vote": "down", "comment": "Call me on +1 (555) 123-4567, it is wrong"}).json() == {"ok": True}
    assert stored() == (-1, "Call me on [phone], it is wrong")
    too_long = send({"vote": "down", "comment": "x" * 501})
    assert too_long.status_code == 422
    assert too_long.json() == {"error": "the comment is 501 characters long; the limit is 500, please shorten it"}
    assert send({"vote": "down", "comment": " " + "y" * 500 + " "}).status_code == 200, "500 after trimming"
    assert stored() == (-1, "y" * 500)
    up = send({"vote": "up", "comment": "great"})
    assert up.status_code == 422 and "a comment goes with a thumbs down only" in up.json()["error"]
    assert stored() == (-1, "y" * 500), "a refused request changes nothing"
    for bad in (rb'"bad \ud800 text"', rb'"bell \u0007"', b"42"):  # JSON escapes, as a client sends
        body = b'{"answer_id": "%s", "vote": "down", "comment": %s}' % (answer_id.encode(), bad)
        r = client.post("/api/feedback", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and "error" in r.json() and "Traceback" not in r.text, (bad, r.text)
    assert client.post("/api/feedback", json={"answer_id": "nope", "vote": "down", "comment": "x"}).status_code == 404
    assert send({"vote": "up"}).json() == {"ok": True} and stored() == (1, None)
    spec = client.get("/openapi.json").json()["components"]["schemas"]["FeedbackIn"]["properties"]["comment"]
    assert spec["maxLength"] == 500 and "thumbs down only" in spec["description"]


def test_policy_page_marks_the_passage_and_escapes_the_text(client: TestClient) -> None:
    page = client.get("/policy/bellacor", params=dict(zip(("start", "end"), NOT_SOLD_SPAN, strict=True))).text
    assert f'<mark id="cite-1" data-n="1">{NOT_SOLD}' in page
    assert client.get("/policy/acme").status_code == 404


def test_policy_page_marks_nothing_for_an_answer_from_another_version(client: TestClient, bot) -> None:
    span = dict(zip(("start", "end"), NOT_SOLD_SPAN, strict=True))
    current = bot.index.policies["bellacor"].sha256
    assert "<mark" in client.get("/policy/bellacor", params={**span, "v": current[:12]}).text
    other = "0" * 12 if not current.startswith("0" * 12) else "f" * 12
    page = client.get("/policy/bellacor", params={**span, "v": other}).text
    assert "<mark" not in page and "updated since that answer" in page
    assert client.get("/policy/bellacor", params={**span, "v": "<script>"}).status_code == 422


def test_widget_script_and_demo_page_are_served(client: TestClient) -> None:
    js = client.get("/widget.js")
    assert js.headers["content-type"].startswith("text/javascript")
    code = js.text.split("*/", 1)[1]
    assert "attachShadow" in code
    assert f'maxlength: "{MAX_QUESTION_CHARS}"' in code and "%MAX_QUESTION_CHARS%" not in code
    assert not re.findall(r"https?://[\w.-]+", code), "no CDN, font or other host: only the policybot server"
    # innerHTML only ever receives the widget's own constant icons, never text from the API.
    assert all(rhs.startswith(("'<svg", "THUMB")) for rhs in re.findall(r"\.innerHTML = (.+)", code))
    demo = client.get("/widget-demo").text
    assert '<script src="/widget.js" data-policy="bellacor" defer></script>' in demo


def test_answering_does_not_block_the_event_loop(server, monkeypatch: pytest.MonkeyPatch) -> None:
    """While one answer is stuck in the engine, the server still answers other requests."""
    rt = server.app.state.runtime
    release, entered = threading.Event(), threading.Event()
    real = rt.bot.answer

    def slow(*args, **kwargs):
        entered.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(rt.bot, "answer", slow)
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(
        r=httpx.post(f"{server.url}/api/answer", json={"question": "Do you use cookies?"}, timeout=60)))
    worker.start()
    assert entered.wait(30)
    assert httpx.get(f"{server.url}/api/policies", timeout=5).status_code == 200  # not queued behind it
    release.set()
    worker.join(60)
    assert result["r"].status_code == 200


def test_gradio_client_calls_the_chat_endpoint(server) -> None:
    from gradio_client import Client

    client = Client(server.url + "/", verbose=False)
    result = client.predict("Do you sell my data?", "bellacor", api_name="/chat")
    assert result["answered"] is True
    assert result["answer"] == NOT_SOLD
    assert list(result) == ANSWER_KEYS
    with pytest.raises(Exception, match="the question is empty"):
        client.predict("  ", None, api_name="/chat")


def test_chat_page_is_served_at_the_root(server) -> None:
    page = httpx.get(server.url + "/", timeout=30)
    assert page.status_code == 200 and "gradio" in page.text.lower()


def test_importing_app_starts_nothing() -> None:
    import subprocess
    import sys


    probe = "import app, sys; print(callable(app.main), 'gradio' in sys.modules, 'uvicorn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=PROJECT_DIR, timeout=60)
    assert out.stdout.split() == ["True", "False", "False"], out.stderr


@contextlib.contextmanager
def _api_only(policy_dir: Path, tmp_path: Path, embedder) -> Iterator[tuple[TestClient, Bot]]:
    """A server without the chat page over its own Bot and index, once it is ready."""
    from bot.web.api import create_app as api_app

    b = Bot(policy_dir, tmp_path / "ix", embedder=embedder)
    settings = Settings(policy_dir=policy_dir, index_dir=tmp_path / "ix", data_dir=tmp_path / "data")
    with TestClient(api_app(settings, b, chat=False)) as c:
        wait_until(lambda: c.get("/healthz").status_code == 200, "the model to load", 60)
        yield c, b


def test_a_policy_edit_that_cannot_be_indexed_degrades_but_keeps_answering(
    policy_dir: Path, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import engine

    monkeypatch.setattr(engine, "REFRESH_SECONDS", 0.0)
    with _api_only(policy_dir, tmp_path, embedder) as (c, b):
        (policy_dir / "bellacor.md").write_bytes(b"\xff\xfe broken")
        b.refresh(wait=True)
        health = c.get("/healthz").json()
        assert health["status"] == "degraded" and "bellacor.md' is not UTF-8" in health["reason"]
        assert str(policy_dir) not in health["reason"], "no server path reaches a client"
        r = c.post("/api/answer", json={"question": "Do you sell my data?"})
        assert r.status_code == 200 and r.json()["answer"] == NOT_SOLD  # from the last good index


def test_a_server_whose_index_folder_cannot_be_written_serves_from_a_temporary_one(
    policy_dir: Path, tmp_path: Path
) -> None:
    from bot.web.api import create_app as api_app

    blocked = tmp_path / "index-is-a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    settings = Settings(policy_dir=policy_dir, index_dir=blocked, data_dir=tmp_path / "data")
    app = api_app(settings, chat=False)  # the server makes its own Bot, allowed to work unpersisted
    with TestClient(app) as c:
        wait_until(lambda: c.get("/healthz").status_code == 200, "the model to load", 60)
        health = c.get("/healthz").json()
        assert health["status"] == "degraded" and "index folder cannot be written" in health["reason"]
        assert str(tmp_path) not in health["reason"], "no server path reaches a client"
        r = c.post("/api/answer", json={"question": "Do you sell my data?"})
        assert r.status_code == 200 and r.json()["answer"] == NOT_SOLD
    assert blocked.read_text(encoding="utf-8") == "not a folder"
    scratch = app.state.runtime.bot._scratch
    assert scratch is not None and (scratch / "manifest.json").is_file()


def test_policy_pages_are_gzipped_and_rendered_once_per_version(client: TestClient, bot: Bot) -> None:
    from bot.web.pages import PAGES

    page = client.get("/policy/bellacor", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    assert bot.index.policies["bellacor"].sha256 in PAGES._cache
    marked = client.get("/policy/bellacor?start={}&end={}".format(*NOT_SOLD_SPAN))
    assert marked.text.count('id="cite-1"') == 1 and NOT_SOLD in marked.text
    answer = client.post("/api/answer", json={"question": "Do you sell my data?"}, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in answer.headers  # JSON is small: sent as it is


def _frozen(obj: object) -> bool:
    """Whether ``obj`` is in the collector's permanent generation (gc.get_objects() leaves it out)."""
    return gc.is_tracked(obj) and not any(o is obj for o in gc.get_objects())


def test_the_server_keeps_what_it_loaded_out_of_garbage_collection(
    policy_dir: Path, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.web import runtime

    monkeypatch.setattr(runtime, "WATCH_SECONDS", 0.05)
    try:
        with _api_only(policy_dir, tmp_path, embedder) as (c, b):
            first = b.index
            assert _frozen(first) and _frozen(first.passages)
            with (policy_dir / "bellacor.md").open("a", encoding="utf-8") as f:
                f.write("\n\nWe answer every letter within thirty days.\n")
            b.refresh(wait=True)
            assert b.index is not first
            wait_until(lambda: _frozen(b.index), "the new index to be frozen", 30)  # by the watch loop
            assert c.post("/api/answer", json={"question": "Do you sell my data?"}).json()["answer"] == NOT_SOLD
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual
