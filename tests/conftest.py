"""Shared fixtures: the real model and a real index of the default policy, built once per run."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot import Bot
from bot.config import PROJECT_DIR
from bot.embedding import Embedder, default_embedder

DEFAULT_POLICY = PROJECT_DIR / "policy_text" / "bellacor.md"
SHARED = PROJECT_DIR.parent / "shared"


class FakeEmbedder(Embedder):
    """Hashed bag of words: deterministic and instant, for pure unit tests of the plumbing."""

    name = "fake-bag-of-words"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

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
