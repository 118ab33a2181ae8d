"""Confidence: a retrieved passage's signals -> the probability that it answers the question.

A small logistic model over fields of ``Hit``, fitted by ``benchmarks/calibrate.py`` and stored
in ``calibration.json`` with the names of the fields it weighs (checked on load), and the
threshold the top passage must reach for the bot to answer.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .retrieve import Hit


@dataclass(frozen=True)
class Calibration:
    """Logistic model turning a passage's retrieval signals into a 0..1 confidence, and the
    threshold the top passage must reach for the bot to answer (fitted by benchmarks/calibrate.py)."""

    names: tuple[str, ...]  # the Hit fields the weights apply to, in order
    weights: tuple[float, ...]
    bias: float
    threshold: float

    #: The signals a calibration may use: fields of ``Hit``.
    FEATURES = ("score", "sentence_cosine", "dense", "context", "bm25", "coverage")

    def features(self, hit: Hit) -> tuple[float, ...]:
        return tuple(float(getattr(hit, name)) for name in self.names)

    def score(self, hit: Hit) -> float:
        z = self.bias + sum(w * f for w, f in zip(self.weights, self.features(hit), strict=True))
        return 1.0 / (1.0 + math.exp(-z))


CALIBRATION = Path(__file__).with_name("calibration.json")


@cache
def load_calibration(path: Path = CALIBRATION) -> Calibration:
    """The fitted model; its feature names are checked, so weights never meet the wrong signal."""
    data = json.loads(path.read_text(encoding="utf-8"))
    names = tuple(data["features"])
    unknown = [n for n in names if n not in Calibration.FEATURES]
    if unknown or len(names) != len(data["weights"]):
        raise ValueError(f"{path} names features {names} for {len(data['weights'])} weights; "
                         f"refit it with `make calibrate` (known features: {Calibration.FEATURES})")
    return Calibration(names, tuple(data["weights"]), data["bias"], data["threshold"])
