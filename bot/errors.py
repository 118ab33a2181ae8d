"""The errors policybot raises, all under one base class.

The engine raises these; only the edges (CLI, HTTP, chat page) turn them into
user-facing messages. Every message names the bad value and the fix.
"""

from __future__ import annotations


class PolicybotError(Exception):
    """Base class: catch this to handle every policybot error."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class InvalidQuestionError(PolicybotError, ValueError):
    """The question is empty, too long or holds control characters."""


class InvalidOptionError(PolicybotError, ValueError):
    """An option such as ``k`` is out of range."""


class UnknownPolicyError(PolicybotError, LookupError):
    """The asked-for policy is not in the index; the message lists the known ones."""


class PolicySourceError(PolicybotError):
    """The policy folder is missing or empty, or a policy file cannot be used."""


class IndexFolderError(PolicybotError):
    """The index folder cannot be used: it is a file, or it cannot be written."""


class UnknownVersionError(PolicybotError, LookupError):
    """The asked-for version of a policy is not kept; the message lists the versions there are."""


class InvalidCommentError(PolicybotError, ValueError):
    """A comment on a vote is too long, holds control characters, or comes with a thumbs up."""


class FeedbackStoreError(PolicybotError):
    """The feedback log cannot be opened or written (a full disk, a database that is down)."""
