"""Limits for the open internet: rate per client, body size and time on every route, and no
connection held open without sending a request (a real uvicorn server with the production set-up)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot import Bot, InvalidOptionError, Settings
from bot.web import create_app, guards, server
from tests.conftest import serving, wait_until

QUESTION = {"question": "Do you sell my data?"}


def _app(bot: Bot, tmp_path: Path, rate: str = "3/minute"):
    return create_app(Settings(policy_dir=bot.settings.policy_dir, index_dir=bot.settings.index_dir,
                               data_dir=tmp_path, rate_limit=rate), bot)


def test_posts_past_the_rate_get_429_with_retry_after_per_address(bot: Bot, tmp_path: Path) -> None:
    app = _app(bot, tmp_path)
    with TestClient(app) as c, TestClient(app, client=("203.0.113.9", 4000)) as other:
        # ready first (warm-up runs beside the requests): the 200 below is about limits, not start-up
        wait_until(lambda: c.get("/healthz").status_code == 200, "the server to warm up", 120)
        assert [c.post("/api/answer", json=QUESTION).status_code for _ in range(3)] == [200, 200, 200]
        refused = c.post("/api/answer", json=QUESTION)
        assert refused.status_code == 429
        assert refused.json()["error"].startswith("too many requests from your address: at most 3 per minute")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["X-Content-Type-Options"] == "nosniff"  # still a response of ours
        assert c.post("/api/feedback", json={"answer_id": "x", "vote": "up"}).status_code == 429  # votes count too
        assert c.get("/healthz").status_code == 200  # reading is never limited
        assert c.get("/policy/bellacor").status_code == 200
        assert other.post("/api/answer", json=QUESTION).status_code == 200  # another address has its own count


def test_rate_limit_can_be_turned_off_and_a_bad_one_is_refused(bot: Bot, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(_app(bot, tmp_path, "off")) as c:
        assert {c.post("/api/answer", json=QUESTION).status_code for _ in range(35)} == {200}
    monkeypatch.setenv("POLICYBOT_RATE_LIMIT", "lots")
    with pytest.raises(InvalidOptionError, match=r"POLICYBOT_RATE_LIMIT='lots' is not a rate; set e\.g\. 30/minute"):
        Settings.from_env()
    monkeypatch.setenv("POLICYBOT_RATE_LIMIT", "100 per 5 seconds")
    assert Settings.from_env().rate.amount == 100
    assert Settings().rate_limit == "30/minute"


def test_the_body_limit_covers_the_chat_pages_routes(bot: Bot, tmp_path: Path) -> None:
    with TestClient(_app(bot, tmp_path, "off")) as c:
        big = b'{"data": ["' + b"a" * 100_000 + b'"]}'
        for path in ("/gradio_api/call/chat", "/gradio_api/queue/join", "/api/answer"):
            r = c.post(path, content=big, headers={"Content-Type": "application/json"})
            assert (r.status_code, r.json()["error"]) == (413, "request body is over 16 KB; send a shorter one"), path
        ok = c.post("/gradio_api/call/chat", json={"data": ["Do you sell my data?", None]})
        assert ok.status_code == 200 and "event_id" in ok.json()


def _closed_within(sock: socket.socket, seconds: float) -> bytes:
    """What the server sent before closing the connection; fails if it is still open after ``seconds``."""
    sock.settimeout(seconds)
    got = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            break
        if not chunk:
            return got
        got += chunk
    raise AssertionError(f"the connection was still open after {seconds} s")


def test_connections_that_send_nothing_or_dribble_are_closed(bot: Bot, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "HEADER_SECONDS", 0.5)
    monkeypatch.setattr(guards, "BODY_SECONDS", 0.5)
    with serving(_app(bot, tmp_path, "off")) as url:
        port = int(url.rsplit(":", 1)[1])
        silent = socket.create_connection(("127.0.0.1", port))
        partial = socket.create_connection(("127.0.0.1", port))
        partial.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        slow_body = socket.create_connection(("127.0.0.1", port))
        slow_body.sendall(b"POST /api/answer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 100\r\n\r\n{\"question\":")
        reused = socket.create_connection(("127.0.0.1", port))
        reused.sendall(b"GET /widget.js HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        reused.sendall(b"GET /healthz HTTP/1.1\r\n")  # a second request that stops half-way
        assert _closed_within(silent, 5) == b""
        assert _closed_within(partial, 5) == b""
        answer = _closed_within(slow_body, 5)
        assert answer.startswith(b"HTTP/1.1 408 ") and b"took over 0.5 s to arrive" in answer
        assert _closed_within(reused, 5).startswith(b"HTTP/1.1 200 ")
        with socket.create_connection(("127.0.0.1", port)) as fine:  # a normal request is unaffected
            fine.sendall(b"GET /widget.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert _closed_within(fine, 5).startswith(b"HTTP/1.1 200 ")
