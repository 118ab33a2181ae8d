"""What an answer is: the value types every surface shows and the JSON contract."""

from __future__ import annotations

from dataclasses import asdict, dataclass

NOT_FOUND = "I couldn't find this in the policy."
KINDS = ("answer", "not_found", "smalltalk")


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

    def to_dict(self) -> dict:
        return asdict(self)


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

    def to_dict(self) -> dict:
        """The JSON contract: question, answered, kind, answer, policy, policy_version, citations, latency_ms."""
        return {
            "question": self.question,
            "answered": self.answered,
            "kind": self.kind,
            "answer": self.text,
            "policy": self.policy,
            "policy_version": self.policy_version,
            "citations": [c.to_dict() for c in self.citations],
            "latency_ms": self.latency_ms,
        }
