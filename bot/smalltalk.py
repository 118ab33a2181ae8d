"""Greetings, thanks and requests for help: answered kindly, never searched in the policy.

A message is small talk only when all of it is: "hi", "thanks!", "what can you do?", "hello,
help please". "hi, do you sell my data?" is a question and goes to the policy.
"""

from __future__ import annotations

import re

#: Questions the product suggests (chat page, replies to "help"). Each is one most policies
#: answer; a test checks that every one gets an answer from the default policy.
EXAMPLES = (
    "Do you sell my data?",
    "Who do you share my information with?",
    "How do I stop marketing emails?",
    "Do you collect data from children?",
    "Do you use cookies?",
    "How is my credit card information protected?",
)

_PHRASES = {
    "greeting": r"hi+|hello+|hey+|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day)|hi there"
                r"|hello there|hey there|sup|what'?s up",
    "thanks": r"thanks?(?: you)?(?: (?:so|very) much)?|thx|ty|cheers|thank u|many thanks|much appreciated"
              r"|great|perfect|awesome|cool|nice|ok(?:ay)?|got it|that helps|that'?s helpful|helpful",
    "help": r"help(?: me)?|what can you do|what do you do|who are you|what are you|what is this"
            r"|how does this work|how do(?:es)? (?:this|it|you) work|what can i ask(?: you)?|what should i ask"
            r"|are you (?:a )?(?:bot|robot|human|real)|menu|start|options",
    "goodbye": r"bye+|goodbye|see you|see ya|later|that'?s all|nothing else|no thanks",
}
_FILLER = r"(?:please|pls|plz|bot|policybot|again|there|so|then|oh|ah|um|well|and|but|you|u)"
_PIECE = "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _PHRASES.items())
_ANY = rf"(?:{'|'.join(_PHRASES.values())}|{_FILLER})"
_WHOLE = re.compile(rf"^{_ANY}(?: {_ANY})*$")
_FIND = re.compile(rf"\b(?:{_PIECE})\b")
_CLEAN = re.compile(r"[^a-z' ]+")

REPLIES = {
    "greeting": "Hi! I answer questions about this privacy policy, quoting the policy itself.",
    "thanks": "You're welcome! Ask me anything else about the privacy policy.",
    "help": "I answer questions about this privacy policy with the passages that answer them, quoted "
            "word for word. When the policy doesn't cover something, I say so and show the closest passages.",
    "goodbye": "Goodbye! Come back any time you have a question about the privacy policy.",
}


def smalltalk_kind(message: str) -> str | None:
    """"greeting", "thanks", "help" or "goodbye" when the whole message is small talk, else None."""
    text = " ".join(_CLEAN.sub(" ", message.lower().replace("’", "'")).split())
    if not text or len(text) > 60:
        return None
    kinds = []
    for word_run in _FIND.finditer(text):
        kinds.extend(k for k, v in word_run.groupdict().items() if v)
    if not kinds or not _WHOLE.match(text):
        return None
    for kind in ("help", "greeting", "thanks", "goodbye"):  # "hi, help" is a request for help
        if kind in kinds:
            return kind
    return None


def smalltalk_reply(kind: str) -> str:
    """A short, friendly reply with example questions to try."""
    examples = " · ".join(f"“{q}”" for q in EXAMPLES[:3])
    return f"{REPLIES[kind]} Try: {examples}"
