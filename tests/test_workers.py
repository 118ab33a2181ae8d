"""``python app.py --workers N``: several processes on one port, each answering, chat sessions kept
with one worker (``bot/web/workers.py``), a killed worker replaced."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from playwright.sync_api import Browser, expect

from bot.web.workers import COOKIE, Worker, owner
from tests.conftest import DEFAULT_POLICY, PROJECT_DIR, wait_until
from tests.snapshot import NOT_SOLD


def _scope(path: str, cookie: str | None = None) -> dict:
    return {"type": "http", "path": path, "headers": [(b"cookie", cookie.encode())] if cookie else []}


def test_requests_go_to_the_worker_their_cookie_names_and_gradio_ones_without_it_to_worker_0() -> None:
    me = Worker(2, 3, Path("/nowhere"))
    assert owner(_scope("/api/answer", f"{COOKIE}=1"), me) == 1
    assert owner(_scope("/gradio_api/queue/join", f"theme=dark; {COOKIE}=0"), me) == 0
    assert owner(_scope("/gradio_api/queue/join"), me) == 0  # no cookie: one place for its session
    assert owner(_scope("/api/answer"), me) == 2  # stateless: served where it landed
    for bad in (f"{COOKIE}=3", f"{COOKIE}=-1", f"{COOKIE}=x", 'a="unclosed'):  # no such worker, or garbage
        assert owner(_scope("/", bad), me) == 2


def _children(pid: int) -> list[int]:
    """The workers: the server's children that are not multiprocessing's resource tracker."""
    kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(k) for k in kids if "resource_tracker" not in Path(f"/proc/{k}/cmdline").read_text()]


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    work = tmp_path_factory.mktemp("workers")
    (work / "policies").mkdir()
    shutil.copy(DEFAULT_POLICY, work / "policies" / "bellacor.md")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "POLICYBOT_POLICY_DIR": str(work / "policies"), "POLICYBOT_INDEX_DIR": str(work / "index"),
           "POLICYBOT_DATA_DIR": str(work / "data"), "POLICYBOT_ENCODER_PROCESS": "off"}
    with (work / "log").open("w") as log:
        proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--workers", "2"], cwd=PROJECT_DIR,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for number in ("0", "1"):
            wait_until(lambda n=number: _ready(url, n), f"worker {number} to be ready", 180)
        yield SimpleNamespace(url=url, pid=proc.pid, log=work / "log")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert proc.returncode == 0, (work / "log").read_text()[-2000:]


def _ready(url: str, number: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", cookies={COOKIE: number}, timeout=5).json().get("status") == "ready"
    except (httpx.HTTPError, ValueError):
        return False


def _chat(url: str, cookie: str | None) -> str:
    """Gradio's two-step call, each step on a new connection: the event lives in one worker."""
    cookies = {COOKIE: cookie} if cookie else {}
    event = httpx.post(f"{url}/gradio_api/call/chat", json={"data": ["Do you sell my data?", None]},
                       cookies=cookies, timeout=30).json()["event_id"]
    return httpx.get(f"{url}/gradio_api/call/chat/{event}", cookies=cookies, timeout=30).text


def test_each_worker_answers_and_a_chat_session_stays_with_one(workers: SimpleNamespace) -> None:
    assert len(_children(workers.pid)) == 2
    for number in ("0", "1"):
        r = httpx.post(f"{workers.url}/api/answer", json={"question": "Do you sell my data?"},
                       cookies={COOKIE: number}, timeout=30)
        assert r.status_code == 200 and r.json()["answer"] == NOT_SOLD and "set-cookie" not in r.headers
        big = httpx.post(f"{workers.url}/api/answer", content=b'{"question": "' + b"x" * 20000 + b'"}',
                         headers={"Content-Type": "application/json"}, cookies={COOKIE: number}, timeout=30)
        assert big.status_code == 413 and "16 KB" in big.json()["error"]  # passed on or not, the limit holds
    for cookie in (None, "0", "1", None, "0", "1"):
        assert "event: complete" in _chat(workers.url, cookie) and NOT_SOLD in _chat(workers.url, cookie)
    page = httpx.get(f"{workers.url}/", timeout=30)
    assert page.status_code == 200 and page.headers["set-cookie"].split(";")[0] in (f"{COOKIE}=0", f"{COOKIE}=1")


@pytest.mark.parametrize("number", ["0", "1"])
def test_the_chat_page_works_through_either_worker(workers: SimpleNamespace, browser: Browser, number: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": COOKIE, "value": number, "url": workers.url}])
    page = context.new_page()
    try:
        page.goto(workers.url + "/")
        page.locator("#pb-question textarea").fill("Do you sell my data?")
        page.locator("#pb-question textarea").press("Enter")
        expect(page.locator("#pb-chat .pb-reply")).to_have_count(1, timeout=30000)
        expect(page.locator("#pb-chat .pb-reply").first).to_contain_text(NOT_SOLD)
        assert {c["value"] for c in context.cookies() if c["name"] == COOKIE} == {number}
    finally:
        context.close()


def test_a_killed_worker_is_replaced_and_its_browsers_served_meanwhile(workers: SimpleNamespace) -> None:
    first = _children(workers.pid)
    os.kill(first[0], signal.SIGKILL)
    wait_until(lambda: not Path(f"/proc/{first[0]}").exists() or _state(first[0]) == "Z", "the worker to die", 10)
    moved = set()
    for number in ("0", "1"):  # the live worker answers both, and moves the dead one's browsers to itself
        r = httpx.post(f"{workers.url}/api/answer", json={"question": "Do you sell my data?"},
                       cookies={COOKIE: number}, timeout=30)
        assert r.status_code == 200 and r.json()["answer"] == NOT_SOLD
        if "set-cookie" in r.headers:
            moved.add((number, r.headers["set-cookie"].split(";")[0]))
    assert moved in ({("0", f"{COOKIE}=1")}, {("1", f"{COOKIE}=0")})
    dead = next(iter(moved))[0]
    wait_until(lambda: len(_children(workers.pid)) == 2 and first[0] not in _children(workers.pid),
               "the worker to be started again", 30)
    wait_until(lambda: _ready(workers.url, dead), "the new worker to be ready", 180)


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
