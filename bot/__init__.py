"""policybot: answers questions about a privacy policy with the policy's own words, cited.

    >>> from bot import answer
    >>> a = answer("Do you sell my data?")
    >>> a.text, a.citations[0].section
"""

from .config import DEFAULT_K, MAX_K, MAX_QUESTION_CHARS, Settings, __version__
from .engine import Bot, answer
from .errors import (
    IndexFolderError,
    InvalidOptionError,
    InvalidQuestionError,
    PolicybotError,
    PolicySourceError,
    UnknownPolicyError,
)
from .feedback import FeedbackStore
from .results import Answer, Citation

__all__ = [
    "DEFAULT_K",
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "Answer",
    "Bot",
    "Citation",
    "FeedbackStore",
    "IndexFolderError",
    "InvalidOptionError",
    "InvalidQuestionError",
    "PolicySourceError",
    "PolicybotError",
    "Settings",
    "UnknownPolicyError",
    "__version__",
    "answer",
]
