"""policybot: answers questions about a privacy policy with the policy's own words, cited.

    >>> from bot import answer
    >>> a = answer("Do you sell my data?")
    >>> a.text, a.citations[0].section
"""

from .compare import Comparison, Row
from .config import DEFAULT_K, MAX_K, MAX_QUESTION_CHARS, Settings, __version__
from .default import answer
from .diff import Change, Diff, diff_documents, diff_files
from .engine import Bot
from .errors import (
    IndexFolderError,
    InvalidOptionError,
    InvalidQuestionError,
    PolicybotError,
    PolicySourceError,
    UnknownPolicyError,
    UnknownVersionError,
)
from .feedback import FeedbackStore
from .history import Changes
from .overview import TOPIC_NAMES, Overview
from .results import Answer, Citation
from .topics import word_diff
from .versions import Version

__all__ = [
    "DEFAULT_K",
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "TOPIC_NAMES",
    "Answer",
    "Bot",
    "Change",
    "Changes",
    "Citation",
    "Comparison",
    "Diff",
    "FeedbackStore",
    "IndexFolderError",
    "InvalidOptionError",
    "InvalidQuestionError",
    "Overview",
    "PolicySourceError",
    "PolicybotError",
    "Row",
    "Settings",
    "UnknownPolicyError",
    "UnknownVersionError",
    "Version",
    "__version__",
    "answer",
    "diff_documents",
    "diff_files",
    "word_diff",
]
