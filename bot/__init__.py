"""policybot: answers questions about a privacy policy with the policy's own words, cited.

    >>> from bot import answer
    >>> a = answer("Do you sell my data?")
    >>> a.text, a.citations[0].section
"""

from .comments import MAX_COMMENT_CHARS
from .compare import Comparison, Row
from .config import DEFAULT_K, MAX_K, MAX_QUESTION_CHARS, Settings, __version__
from .default import answer
from .diff import Change, Diff, diff_documents, diff_files
from .engine import Bot
from .errors import (
    FeedbackStoreError,
    IndexFolderError,
    InvalidCommentError,
    InvalidOptionError,
    InvalidQuestionError,
    PolicybotError,
    PolicySourceError,
    UnknownPolicyError,
    UnknownVersionError,
)
from .feedback import FeedbackStore
from .gaps import Gap, NearestPassage
from .history import Changes
from .insights import Insights, Window, gather_insights
from .insights_tables import TABLES as INSIGHT_TABLES
from .insights_tables import tables as insight_tables
from .insights_tables import to_csv as csv_text
from .overview import TOPIC_NAMES, Overview
from .report_format import report_text, report_window, write_insights_csv
from .results import Answer, Citation
from .topics import word_diff
from .versions import Version

__all__ = [
    "DEFAULT_K",
    "INSIGHT_TABLES",
    "MAX_COMMENT_CHARS",
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
    "FeedbackStoreError",
    "Gap",
    "IndexFolderError",
    "Insights",
    "InvalidCommentError",
    "InvalidOptionError",
    "InvalidQuestionError",
    "NearestPassage",
    "Overview",
    "PolicySourceError",
    "PolicybotError",
    "Row",
    "Settings",
    "UnknownPolicyError",
    "UnknownVersionError",
    "Version",
    "Window",
    "__version__",
    "answer",
    "csv_text",
    "diff_documents",
    "diff_files",
    "gather_insights",
    "insight_tables",
    "report_text",
    "report_window",
    "word_diff",
    "write_insights_csv",
]
