"""One question asked of many policies, answered side by side: "which of these sell my data?".

Each row is what ``Bot.answer`` gives for that policy asked alone (the same direct answer, the
same abstention), but the question is prepared and encoded once and every policy's sentences
are scored in one pass (``retrieve.retrieve_each``). Beside each answer goes the at-a-glance
verdict (``bot.overview``) for the topic the question is about, where the policy's overview has
been made: a reader sees both "the sentence that answers" and "does the policy address this".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .confidence import Calibration, cite
from .errors import InvalidQuestionError
from .index import Index
from .overview import TOPICS, Overview
from .results import NOT_FOUND, Citation
from .retrieve import Hit
from .smalltalk import EXAMPLES, smalltalk_kind
from .topics import topic_scores

HITS = 3  # hits kept per policy: the top one, and two for ``cite``'s near-tie rule and merged repeats


@dataclass(frozen=True)
class Row:
    """One policy's answer to the compared question."""

    policy: str
    answered: bool
    answer: str  # the direct answer quoted from the policy, or NOT_FOUND
    citation: Citation | None  # its source; when not found, the closest passage (None: nothing retrieved)
    addressed: bool | None  # the policy's at-a-glance verdict on the question's topic (None: no topic or no overview)
    policy_version: str  # sha256 of the policy text answered from: citation offsets refer to it

    @property
    def kind(self) -> str:
        return "answer" if self.answered else "not_found"

    def to_dict(self) -> dict:
        return {"policy": self.policy, "answered": self.answered, "kind": self.kind, "answer": self.answer,
                "citation": self.citation.to_dict() if self.citation else None, "addressed": self.addressed,
                "policy_version": self.policy_version}


@dataclass(frozen=True)
class Comparison:
    """A question's rows, policies that answer first (most confident first), then the others by name."""

    question: str
    topic: str | None  # the at-a-glance topic the question is about, when its words name one
    rows: tuple[Row, ...]
    latency_ms: float

    def to_dict(self) -> dict:
        return {"question": self.question, "topic": self.topic, "answered": sum(r.answered for r in self.rows),
                "policies": len(self.rows), "rows": [r.to_dict() for r in self.rows], "latency_ms": self.latency_ms}


def comparable(text: str) -> str:
    """The question, unless it is small talk ("hi", "thanks"): there is nothing to compare in that."""
    if smalltalk_kind(text) is not None:
        raise InvalidQuestionError(f"{text!r} is not a question about the policies; compare needs one, "
                                   f"for example {EXAMPLES[0]!r}")
    return text


def question_topic(text: str) -> str | None:
    """The at-a-glance topic a question's words name most (ties: the overview's order), if any."""
    scores = topic_scores(text)
    known = [t for t in TOPICS if scores.get(t)]
    return max(known, key=lambda t: scores[t]) if known else None


def row(index: Index, policy: str, hits: list[Hit], calibration: Calibration, topic: str | None,
        overview: Overview | None) -> Row:
    """One policy's row: the answer ``Bot.answer`` would give from these hits, and the verdict."""
    citations = cite(index, hits, 1, calibration)
    top = citations[0] if citations else None
    answered = calibration.answers(citations)
    view = overview.topics.get(topic) if overview is not None and topic is not None else None
    return Row(policy, answered, top.sentence if answered and top is not None else NOT_FOUND, top,
               view.addressed if view is not None else None, index.policies[policy].sha256)


def compare(text: str, index: Index, found: dict[str, list[Hit]], calibration: Calibration,
            overview_of: Callable[[str], Overview | None], latency_ms: float) -> Comparison:
    """The comparison from each policy's hits (``retrieve_each``); ``overview_of`` gives a policy's
    overview if it is already made (never made here: that is a second or so a policy)."""
    topic = question_topic(text)
    rows = [row(index, name, hits, calibration, topic, overview_of(name)) for name, hits in found.items()]
    rows.sort(key=lambda r: (not r.answered, -(r.citation.score if r.answered and r.citation else 0.0), r.policy))
    return Comparison(text, topic, tuple(rows), latency_ms)
