"""Follow-up questions: after an answer, what to ask next, and only what the policy answers.

A small bank of everyday questions, one per privacy topic (the OPP-115 categories plus those
people ask about most, the same keys as the at-a-glance topics). For each policy version the
engine asks them all once and keeps those the policy answers; a suggestion is always one of
those, so it never leads to "I couldn't find this". After an answer, the suggestions come from
the topics next to the question's own (after "Do you sell my data?": sharing, opting out, ads),
the question's topic being the bank question closest to it. After "not found", the closest
answerable questions; after small talk, the first ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .results import Answer

#: One everyday question per topic, as a shopper would type it.
QUESTIONS: dict[str, str] = {
    "collection": "What information do you collect about me?",
    "use": "How do you use my information?",
    "sharing": "Who do you share my information with?",
    "selling": "Do you sell my data?",
    "cookies": "Do you use cookies?",
    "ads": "Do you use my data for advertising?",
    "children": "Do you collect data from children?",
    "security": "How do you protect my information?",
    "retention": "How long do you keep my data?",
    "rights": "How can I see or delete my data?",
    "optout": "How do I stop marketing emails?",
    "transfer": "Is my data sent to other countries?",
    "changes": "How will I know if this policy changes?",
    "contact": "How can I contact you about privacy?",
}

#: The topics a reader of one topic most likely wants next, nearest first.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "collection": ("use", "sharing", "cookies"),
    "use": ("collection", "ads", "sharing"),
    "sharing": ("selling", "transfer", "use"),
    "selling": ("sharing", "optout", "ads"),
    "cookies": ("ads", "optout", "collection"),
    "ads": ("cookies", "optout", "selling"),
    "children": ("collection", "rights", "contact"),
    "security": ("retention", "rights", "transfer"),
    "retention": ("rights", "security", "collection"),
    "rights": ("optout", "retention", "contact"),
    "optout": ("rights", "ads", "cookies"),
    "transfer": ("sharing", "security", "rights"),
    "changes": ("contact", "rights", "collection"),
    "contact": ("rights", "changes", "optout"),
}
TOPICS = tuple(QUESTIONS)
MAX_SUGGESTIONS = 3
SAME_QUESTION = 0.8  # cosine above which a bank question is the one just asked, not a follow-up


@dataclass(frozen=True)
class Suggester:
    """The bank questions one policy answers, with every bank question's vector (unit length)."""

    answered: frozenset[str]  # topics whose bank question the policy answers
    vectors: np.ndarray  # (len(TOPICS), dims), in TOPICS order

    def after_answer(self, question: np.ndarray) -> tuple[str, ...]:
        """Questions on the topics next to the question's own, skipping the one just asked."""
        cosines = self.vectors @ question  # unit vectors: inner product = cosine
        topic = TOPICS[int(np.argmax(cosines))]
        order = [*NEIGHBOURS[topic], *(t for t in TOPICS if t != topic and t not in NEIGHBOURS[topic])]
        return self._pick(order, cosines)

    def after_not_found(self, question: np.ndarray) -> tuple[str, ...]:
        """The answerable questions closest to one the policy does not answer."""
        cosines = self.vectors @ question
        return self._pick([TOPICS[i] for i in np.argsort(-cosines, kind="stable")], cosines)

    def first(self) -> tuple[str, ...]:
        return self._pick(list(TOPICS), None)

    def _pick(self, order: list[str], cosines: np.ndarray | None) -> tuple[str, ...]:
        picked = []
        for topic in order:
            same = cosines is not None and cosines[TOPICS.index(topic)] > SAME_QUESTION
            if topic in self.answered and not same:
                picked.append(QUESTIONS[topic])
            if len(picked) == MAX_SUGGESTIONS:
                break
        return tuple(picked)


class FollowUps:
    """The suggestions for every answer of one bot: a ``Suggester`` per policy version, made on
    first need by asking the bank's questions through ``answers(question, policy)``."""

    def __init__(self, answers: Callable[[str, str], bool], encode: Callable[[list[str]], np.ndarray]) -> None:
        self._answers, self._encode = answers, encode
        self._vectors: np.ndarray | None = None
        self._made: dict[str, tuple[str, Suggester]] = {}  # policy -> (its version, its suggester)
        self._lock = threading.Lock()

    def suggester(self, policy: str, version: str) -> Suggester:
        with self._lock:
            known = self._made.get(policy)
        if known is not None and known[0] == version:
            return known[1]
        if self._vectors is None:
            self._vectors = self._encode(list(QUESTIONS.values()))
        answered = frozenset(topic for topic, q in QUESTIONS.items() if self._answers(q, policy))
        made = Suggester(answered, self._vectors)
        with self._lock:
            self._made[policy] = (version, made)
        return made

    def suggest(self, answer: Answer, vector: np.ndarray | None) -> tuple[str, ...]:
        """Follow-ups for an answer from one policy (none when it came from no single policy)."""
        if answer.policy is None or answer.policy_version is None:
            return ()
        suggester = self.suggester(answer.policy, answer.policy_version)
        if answer.kind == "smalltalk" or vector is None:
            return suggester.first()
        return suggester.after_answer(vector) if answer.kind == "answer" else suggester.after_not_found(vector)
