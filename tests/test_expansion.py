"""Query expansion from the headings bank (``bot/expansion.py``), alone and through the real engine."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from bot import Bot
from bot.config import MODEL_DIMS, MODEL_NAME
from bot.embedding import default_embedder
from bot.expansion import ALPHA, BANK, FLOOR, NEAREST, Expansion, expansion_for, load_expansion
from tests.conftest import FakeEmbedder


def keys_of(bank: Expansion) -> np.ndarray:
    """The heading vectors, read back out of the FAISS index (for the numpy oracle)."""
    return bank.keys.reconstruct_n(0, bank.keys.ntotal)


@pytest.fixture(scope="module")
def bank() -> Expansion:
    found = load_expansion()
    assert found is not None, f"{BANK} is missing: build it with `python benchmarks/prototypes.py`"
    return found


def test_the_bank_is_made_with_the_shipped_model_and_leaves_the_unseen_policies_out(bank: Expansion) -> None:
    with np.load(BANK) as data:
        about = json.loads(str(data["about"]))
    assert (bank.model, bank.dims) == (MODEL_NAME, MODEL_DIMS)
    assert bank.keys.ntotal == len(bank.prototypes) == about["entries"] > 1000
    assert about["excluded"] == ["okcupid", "ubiquiti", "webs", "whatsapp"]  # the second lay set's policies
    for vectors in (keys_of(bank), bank.prototypes):
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_expansion_is_the_formula_in_the_docstring(bank: Expansion) -> None:
    """Checked against a brute-force numpy rendering of q' = unit(q + ALPHA * unit(sum cos_i * proto_i))."""
    q = default_embedder().encode_query("how do i delete my account")
    cos = keys_of(bank) @ q
    near = np.argsort(-cos)[:NEAREST]
    near = near[cos[near] >= FLOOR]
    assert len(near) > 0  # a question like this is near many headings
    proto = (cos[near][:, None] * bank.prototypes[near]).sum(axis=0)
    want = q + ALPHA * proto / np.linalg.norm(proto)
    got = bank(q)
    assert np.allclose(got, want / np.linalg.norm(want), atol=1e-5)
    assert got.dtype == np.float32 and abs(float(np.linalg.norm(got)) - 1) < 1e-5


def test_a_question_unlike_every_heading_is_left_as_it_is(bank: Expansion) -> None:
    q = np.random.default_rng(0).standard_normal(MODEL_DIMS).astype(np.float32)
    q /= np.linalg.norm(q)
    assert float((keys_of(bank) @ q).max()) < FLOOR  # a random direction is near no heading
    assert bank(q) is q


def test_only_the_bank_model_is_expanded() -> None:
    assert expansion_for(MODEL_NAME, MODEL_DIMS) is not None
    assert expansion_for("another-model", MODEL_DIMS) is None
    assert expansion_for(MODEL_NAME, 768) is None


def test_a_missing_or_broken_bank_turns_expansion_off_with_a_warning(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    broken = tmp_path / "prototypes.npz"
    broken.write_bytes(b"not an npz file")
    with caplog.at_level(logging.WARNING, logger="bot"):
        assert load_expansion(broken) is None
        assert load_expansion(tmp_path / "absent.npz") is None
    assert "benchmarks/prototypes.py" in caplog.text


def test_the_bot_uses_it_with_the_real_model_and_not_with_a_fake_one(bot: Bot, policy_dir: Path,
                                                                     tmp_path: Path) -> None:
    assert bot.expansion is load_expansion()
    assert Bot(policy_dir, tmp_path / "index", embedder=FakeEmbedder()).expansion is None
