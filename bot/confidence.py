"""Confidence: a retrieved passage's signals -> the probability that it answers the question,
and which retrieved passages are worth citing.

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

from .index import Index
from .results import Citation
from .retrieve import Hit

# Only useful sources: a citation whose retrieval score is more than SCORE_FLOOR below the top
# one's (cosine units, see retrieve.py), or whose confidence is under CONFIDENCE_FLOOR times the
# top one's, is noise beside the answer and is dropped. On the layqa dev questions the two trim a
# fifth of the citations and lose no hit in the top 3.
SCORE_FLOOR = 0.2
CONFIDENCE_FLOOR = 0.2
# Retrieval scores closer than TIE (cosine units) do not tell passages apart: among the hits that
# close to the top one, the most confident leads. On the layqa dev questions with query expansion,
# 0.01 raised hit@3 and lowered false abstentions; wider ties (0.02-0.04) also refused fewer unanswerable ones.
TIE = 0.01


@dataclass(frozen=True)
class Calibration:
    """Logistic model turning a passage's retrieval signals into a 0..1 confidence, and the
    threshold the top passage must reach for the bot to answer (fitted by benchmarks/calibrate.py)."""

    names: tuple[str, ...]  # the Hit fields the weights apply to, in order
    weights: tuple[float, ...]
    bias: float
    threshold: float

    #: The signals a calibration may use: fields of ``Hit``.
    FEATURES = ("score", "sentence_cosine", "dense", "context", "bm25", "coverage", "focus_cosine")

    def features(self, hit: Hit) -> tuple[float, ...]:
        return tuple(float(getattr(hit, name)) for name in self.names)

    def score(self, hit: Hit) -> float:
        z = self.bias + sum(w * f for w, f in zip(self.weights, self.features(hit), strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, citations: tuple[Citation, ...]) -> bool:
        """Whether the top citation is confident enough to be quoted as the answer."""
        return bool(citations) and citations[0].score >= self.threshold


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


def cite(index: Index, hits: list[Hit], k: int, calibration: Calibration) -> tuple[Citation, ...]:
    """Hits as citations: one per key sentence, none far below the top one, at most ``k``.

    Citations keep retrieval's order (it places the answer first more often than ordering by
    confidence does), and a citation's confidence is capped at the one ranked above it.
    """
    out: list[Citation] = []
    seen: set[tuple[str, str]] = set()  # (policy, sentence): a repeat is cited once per policy
    for h in _lead(hits, calibration):
        p = index.passages[h.passage]
        sentence = p.sentences[h.sentence].text
        if (p.policy, sentence) in seen or h.score < hits[0].score - SCORE_FLOOR:
            continue
        score = round(min(calibration.score(h), out[-1].score if out else 1.0), 4)
        if out and score < CONFIDENCE_FLOOR * out[0].score:
            break  # scores only fall from here
        seen.add((p.policy, sentence))
        out.append(Citation(len(out) + 1, p.policy, p.section, p.text, sentence, score, p.start, p.end))
        if len(out) == k:
            break
    return tuple(out)


def _lead(hits: list[Hit], calibration: Calibration) -> list[Hit]:
    """Retrieval's order, except that among the hits within TIE of the top score (a difference
    retrieval cannot vouch for) the one the confidence model trusts most comes first."""
    if not hits:
        return hits
    close = [h for h in hits if h.score >= hits[0].score - TIE]
    first = max(close, key=calibration.score)
    return [first, *(h for h in hits if h is not first)]
