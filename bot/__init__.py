"""policybot: answers questions about a privacy policy with the policy's own words, cited.

    >>> from bot import answer
    >>> a = answer("Do you sell my data?")
    >>> a.text, a.citations[0].section
"""

from .answer import Answer, Bot, Citation, answer
from .config import __version__
from .errors import (
    InvalidOptionError,
    InvalidQuestionError,
    PolicybotError,
    PolicySourceError,
    UnknownPolicyError,
)

__all__ = [
    "Answer",
    "Bot",
    "Citation",
    "InvalidOptionError",
    "InvalidQuestionError",
    "PolicySourceError",
    "PolicybotError",
    "UnknownPolicyError",
    "__version__",
    "answer",
]
