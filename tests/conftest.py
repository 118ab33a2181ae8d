"""Shared fixtures: the real model and a real index of the default policy, built once per run."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
import pytest

from bot import Bot
from bot.embedding import Embedder, default_embedder

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # else gradio_client may wait on DNS
PROJECT_DIR = Path(__file__).resolve().parent.parent  # the repository
DEFAULT_POLICY = PROJECT_DIR / "policy_text" / "bellacor.md"
SHARED = PROJECT_DIR.parent / "shared"


class FakeEmbedder(Embedder):
    """Hashed bag of words: deterministic and instant, for pure unit tests of the plumbing."""

    name = "fake-bag-of-words"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []
        self.source = "fake"

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dims] += 1.0
        out[:, 0] += 1e-3  # never a zero vector
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def encode_questions(self, texts: list[str]) -> np.ndarray:
        return self.encode(texts)


@pytest.fixture()
def policy_dir(tmp_path: Path) -> Path:
    """A private copy of the default policy folder (tests may edit it)."""
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(DEFAULT_POLICY, folder / "bellacor.md")
    return folder


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return default_embedder()


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Bot:
    """The real engine on the default policy: real model, real FAISS, real BM25."""
    root = tmp_path_factory.mktemp("default")
    shutil.copy(DEFAULT_POLICY, root / "bellacor.md")
    b = Bot(root, root / "index", embedder=embedder)
    b.warm()
    return b


def wait_until(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} s waiting for {what}"
        time.sleep(0.02)


@contextlib.contextmanager
def serving(app: object) -> Iterator[str]:
    """Serve ``app`` in this process on a socket bound before the server starts (so no other
    process can take the port in between); yields its base URL once it is ready, stops it on exit."""
    import uvicorn

    from bot.web.server import config

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    srv = uvicorn.Server(config(app))  # the production set-up: timeouts and connection limit
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_until(lambda: srv.started or not thread.is_alive(), "the test server to start", 60)
        assert srv.started, "the test server did not start"
        runtime = getattr(getattr(app, "state", None), "runtime", None)
        if runtime is not None:  # warmed up, its collected garbage frozen (Runtime.settle), as when it says ready
            wait_until(runtime.ready.is_set, "the test server to warm up", 120)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def server(bot: Bot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The whole web server (API, widget, chat page) in this process: ``.url`` and ``.app``."""
    from bot import Settings
    from bot.web import create_app

    settings = Settings(policy_dir=bot.settings.policy_dir, index_dir=bot.settings.index_dir,
                        data_dir=tmp_path_factory.mktemp("data"), rate_limit="off")  # the whole session asks
    app = create_app(settings, bot)
    with serving(app) as url:
        yield SimpleNamespace(url=url, app=app)


# ---------------------------------------------------------------------------- browser tests
# Shared by tests/test_browser.py (chat page) and tests/test_widget.py: Playwright's sync API
# runs once per process, so there is one browser for the whole session.

CHROMIUM = "/usr/bin/chromium"  # Debian's chromium: Playwright cannot download browsers here
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """A real chromium."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium (make test does it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: a temporary folder, or docs/ when POLICYBOT_SCREENSHOTS=docs."""
    wanted = os.environ.get("POLICYBOT_SCREENSHOTS")
    folder = PROJECT_DIR / wanted if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A fresh desktop-sized page in its own context."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()
