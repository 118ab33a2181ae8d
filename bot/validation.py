"""Checking what callers send, with messages that name the bad value and the fix."""

from __future__ import annotations

import unicodedata

from .config import MAX_K, MAX_QUESTION_CHARS
from .errors import InvalidOptionError, InvalidQuestionError


def check_question(question: object) -> str:
    """The question, whitespace-trimmed, or an error that says what is wrong and how to fix it."""
    if not isinstance(question, str):
        raise InvalidQuestionError(f"the question must be text, not {type(question).__name__}")
    text = question.strip()
    if not text:
        raise InvalidQuestionError("the question is empty; ask something like 'Do you sell my data?'")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestionError(
            f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}, please shorten it"
        )
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Cs":  # from JSON "\ud800", or bytes that are not UTF-8
            raise InvalidQuestionError(
                f"the question is not valid text (a lone surrogate or a byte that is not UTF-8 at position {i}); "
                f"send it as UTF-8"
            )
        if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r":
            raise InvalidQuestionError(
                f"the question contains a control character (U+{ord(ch):04X}) at position {i}; remove it"
            )
    return " ".join(text.split())


def check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidOptionError(f"k={k!r} is out of range; use a whole number from 1 to {MAX_K}")
    return k
