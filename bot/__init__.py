"""policybot: answers questions about a privacy policy with the policy's own words, cited.

    >>> from bot import answer
    >>> a = answer("Do you sell my data?")
    >>> a.text, a.citations[0].section
"""

from .answer import Answer, Bot, Citation, answer
from .config import Settings, __version__
from .errors import (
    InvalidOptionError,
    InvalidQuestionError,
    PolicybotError,
    PolicySourceError,
    UnknownPolicyError,
)
from .feedback import FeedbackStore

__all__ = [
    "Answer",
    "Bot",
    "Citation",
    "FeedbackStore",
    "InvalidOptionError",
    "InvalidQuestionError",
    "PolicySourceError",
    "PolicybotError",
    "Settings",
    "UnknownPolicyError",
    "__version__",
    "answer",
]
