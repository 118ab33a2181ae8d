"""Questions encoded by ONNX Runtime (``bot.onnx_encoder``): the same vectors as torch, a
reproducible export made once, the torch fallback. Real model, real export."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import numpy as np
import pytest

from bot import Bot, InvalidOptionError
from bot.embedding import Embedder, model_path
from bot.onnx_encoder import OnnxQueryEncoder, export

from .conftest import DEFAULT_POLICY

QUESTIONS = ["do u sell my infomation", "How long do you keep my data?", "hi",
             "who do you share my info with " * 60]  # the last is past the model's 256 tokens


def _sentences() -> list[str]:
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.split()) > 3]


def test_onnx_vectors_are_torch_vectors(embedder: Embedder) -> None:
    """Questions and policy sentences: cosine to sentence-transformers' own vector >= 0.99999."""
    assert embedder.query_backend == "onnx"
    texts = QUESTIONS + _sentences()
    assert len(texts) > 60
    onnx = embedder.query_encode(texts, 16)
    torch = embedder.encode(texts)
    assert onnx.shape == torch.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert float((onnx * torch).sum(axis=1).min()) >= 0.99999
    # A batch pads to its longest text: a question's vector does not depend on its neighbours.
    alone = embedder.query_encode([QUESTIONS[0]], 16)[0]
    assert float(alone @ onnx[0]) >= 0.99999


def test_the_export_is_reproducible_and_made_once(tmp_path: Path) -> None:
    first = export(model_path(), tmp_path / "a" / "m.onnx")
    second = export(model_path(), tmp_path / "b" / "m.onnx")
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    stamp = first.stat().st_mtime_ns
    assert export(model_path(), first) == first and first.stat().st_mtime_ns == stamp  # reused, not redone
    assert sorted(p.name for p in first.parent.iterdir()) == ["m.onnx", "m.onnx.lock"]  # no temp file left
    vectors = OnnxQueryEncoder(first, model_path()).encode(QUESTIONS[:2])
    assert vectors.shape == (2, 384)


def test_torch_stays_available_as_the_query_encoder(monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> None:
    monkeypatch.setenv("POLICYBOT_QUERY_ENCODER", "torch")
    on_torch = Embedder()
    assert on_torch.query_backend == "torch"
    vector = on_torch.encode_query(QUESTIONS[1])
    assert float(vector @ embedder.encode_query(QUESTIONS[1])) >= 0.99999


def test_an_unknown_query_encoder_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_QUERY_ENCODER", "tensorflow")
    with pytest.raises(InvalidOptionError, match=r"POLICYBOT_QUERY_ENCODER='tensorflow'.*onnx, torch"):
        Embedder()


def test_an_export_that_cannot_be_written_falls_back_to_torch(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("POLICYBOT_ENCODER_DIR", str(blocker))
    embedder = Embedder()
    with caplog.at_level(logging.WARNING, logger="bot"):
        bot = Bot(DEFAULT_POLICY.parent, tmp_path / "index", embedder=embedder)
        answer = bot.answer("do u sell my infomation")
    assert embedder.query_backend == "torch"
    assert "ONNX encoder is unavailable" in caplog.text
    assert answer.answered and "not sold" in answer.citations[0].sentence
