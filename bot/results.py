"""What an answer is: the value types every surface shows and the JSON contract."""

from __future__ import annotations

from dataclasses import asdict, dataclass

NOT_FOUND = "I couldn't find this in the policy."
KINDS = ("answer", "not_found", "smalltalk")
# A citation's confidence in words, for people: "strong match" at or above STRONG_MATCH, else
# "partial match". On the lay dev questions (bot/calibration.json), 81% of the questions a
# policy does not answer score below 0.6, and two answerable questions in three score above it.
STRONG_MATCH = 0.6


@dataclass(frozen=True)
class Citation:
    """A cited passage: ``start``/``end`` index the policy file, ``sentence`` is the key sentence."""

    rank: int
    policy: str
    section: str
    text: str
    sentence: str
    score: float  # probability that the passage answers the question, 0..1
    start: int
    end: int

    @property
    def match(self) -> str:
        """"strong" or "partial": the confidence as a word (see STRONG_MATCH)."""
        return "strong" if self.score >= STRONG_MATCH else "partial"

    def to_dict(self) -> dict:
        return {**asdict(self), "match": self.match}


@dataclass(frozen=True)
class Answer:
    """The direct answer (sentences quoted verbatim from the policy) and ranked citations."""

    question: str
    answered: bool
    text: str
    citations: tuple[Citation, ...]
    policy: str | None
    latency_ms: float
    kind: str = "answer"  # "answer", "not_found" (closest passages only) or "smalltalk" (no search)
    policy_version: str | None = None  # sha256 of the policy text answered from, as indexed
    suggestions: tuple[str, ...] = ()  # follow-up questions the policy answers, on neighbouring topics

    def to_dict(self) -> dict:
        """The JSON contract: question, answered, kind, answer, policy, policy_version, citations,
        suggestions, latency_ms."""
        return {
            "question": self.question,
            "answered": self.answered,
            "kind": self.kind,
            "answer": self.text,
            "policy": self.policy,
            "policy_version": self.policy_version,
            "citations": [c.to_dict() for c in self.citations],
            "suggestions": list(self.suggestions),
            "latency_ms": self.latency_ms,
        }
