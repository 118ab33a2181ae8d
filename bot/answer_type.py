"""What kind of words answer a question: "how long" is answered by a period, "what's the email"
by an address. Classic question answering's answer types, kept to the two kinds whose answers a
pattern recognises with little doubt in privacy policies.

A sentence holding the expected kind of answer gets a small bonus in retrieval (``retrieve.py``),
enough to choose between sentences the model scores alike, not to lift an unrelated one.
Questions are matched as ``bot.query`` reads them (typos corrected, shorthand spelled out), so
the patterns need no misspellings of their own.
"""

from __future__ import annotations

import re
from functools import lru_cache

_KINDS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    # "how long do you keep my data" -> "retained for 10 years", "no longer than necessary"
    ("period",
     re.compile(r"\bhow long\b|\bhow many (?:days|weeks|months|years)\b|\buntil when\b", re.I),
     re.compile(r"\b(?:\d+|one|two|three|four|five|six|seven|ten|twelve|eighteen|thirty|sixty|ninety)"
                r"\s*-?\s*(?:days?|weeks?|months?|years?)\b|\b(?:as|so) long as\b|\bno longer than\b", re.I)),
    # "whats the email for privacy stuff" -> "you can email us at privacy@imgur.com"
    ("address",
     re.compile(r"\b(?:what|which|whats|what's)\b[^?]{0,30}\b(?:e-?mail|email address|address)\b"
                r"[^?]{0,30}\b(?:for|to)\b"
                r"|\bwho (?:do|can|should) i (?:e-?mail|write|contact)\b"
                r"|\bwhere (?:do|can|should) i (?:send|write|e-?mail)\b", re.I),
     re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
)


def expected(question: str) -> str | None:
    """The kind of answer the question asks for, or None when it asks for none in particular."""
    for kind, asks, _ in _KINDS:
        if asks.search(question):
            return kind
    return None


@lru_cache(maxsize=65536)
def holds(kind: str, sentence: str) -> bool:
    """Whether a sentence states an answer of that kind."""
    return any(k == kind and says.search(sentence) is not None for k, _, says in _KINDS)
