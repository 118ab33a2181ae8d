"""The JSON API's request and response shapes, as /docs shows them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot import DEFAULT_K, MAX_COMMENT_CHARS, MAX_K, MAX_QUESTION_CHARS


class AskRequest(BaseModel):
    # Strict: "3", 3.0 and true are not a k, and 42 is not a question.
    model_config = ConfigDict(strict=True)

    question: str = Field(description=f"The question, up to {MAX_QUESTION_CHARS:,} characters.",
                          examples=["Do you sell my data?"])
    policy: str | None = Field(None, description="Answer from this policy only; null searches every policy.")
    k: int | None = Field(None, description=f"Number of citations, 1-{MAX_K} (default {DEFAULT_K}; POLICYBOT_K).")


class CitationOut(BaseModel):
    rank: int
    policy: str
    section: str
    text: str = Field(description="The cited passage.")
    sentence: str = Field(description="The key sentence inside the passage.")
    score: float = Field(description="Probability that the passage answers the question, 0..1.")
    match: Literal["strong", "partial"] = Field(description="The score in words, for people: 'strong' at "
                                                            "0.6 or more, else 'partial'.")
    start: int = Field(description="Offset of the passage in the policy file.")
    end: int


class AnswerOut(BaseModel):
    question: str
    answered: bool = Field(description="True when the answer is quoted from the policy.")
    kind: Literal["answer", "not_found", "smalltalk"] = Field(
        description="'answer': quoted from the policy; 'not_found': no passage answers it confidently "
                    "(the citations are the closest passages); 'smalltalk': a greeting, thanks or "
                    "request for help, answered without searching (no citations).")
    answer: str = Field(description="The key sentence, quoted verbatim; or \"I couldn't find this in the "
                                    "policy.\"; or a short reply to small talk.")
    policy: str | None
    policy_version: str | None = Field(description="sha256 of the policy text the answer was read from, as "
                                                   "indexed; citation offsets refer to that version.")
    citations: list[CitationOut]
    suggestions: list[str] = Field(description="Up to three follow-up questions that this policy answers, on "
                                               "topics next to the question's.")
    latency_ms: float


class PolicyOut(BaseModel):
    name: str
    title: str
    passages: int
    updated: str = Field(description="When the policy file last changed (ISO 8601, UTC).")


class PolicyDetail(PolicyOut):
    contact: str | None = Field(description="The policy's own sentence on how to contact the company.")
    contact_url: str | None = Field(description="The web address in that sentence, or mailto: its e-mail.")
    url: str = Field(description="Page showing the whole policy.")


class TopicOut(BaseModel):
    addressed: bool = Field(description="Whether the policy states its position on this topic.")
    quotes: list[CitationOut] = Field(description="The 1-2 sentences that state it, quoted (none when not addressed).")
    summary: str | None = Field(None, description="\"Not found in this policy\" when not addressed.")


class DatedOut(BaseModel):
    label: str = Field(description="As the policy writes it, e.g. \"Last Modified\".")
    date: str = Field(description="As the policy writes it, e.g. \"15th August 2025\".")
    start: int = Field(description="Offset of the date in the policy file.")
    end: int


class StatsOut(BaseModel):
    words: int
    reading_minutes: int = Field(description="At 238 words a minute.")
    grade: float = Field(description="Readability: Flesch-Kincaid grade level.")
    grade_scale: str


class OverviewOut(BaseModel):
    policy: str
    version: str = Field(description="sha256 of the policy text the overview was made from.")
    updated: DatedOut | None = Field(description="The policy's own last-updated or effective date, if it states one.")
    stats: StatsOut
    topics: dict[str, TopicOut] = Field(description="collection, use, sharing, selling, cookies, ads, children, "
                                                    "security, retention, rights, optout, transfer, changes, contact.")


class VersionOut(BaseModel):
    sha256: str = Field(description="sha256 of the policy text: the version's name (a prefix of 6+ characters "
                                    "is enough in from= and to=).")
    first_seen: str = Field(description="When the server first indexed this text (ISO 8601, UTC).")
    since: str = Field(description="When it last became the policy's text (later than first_seen after a revert).")
    file: str = Field(description="The policy file's name.")
    words: int


class VersionsOut(BaseModel):
    policy: str
    current: str = Field(description="sha256 of the version being served.")
    versions: list[VersionOut] = Field(description="Newest first (by since).")


class SideOut(BaseModel):
    text: str
    section: str
    start: int = Field(description="Offset in that version's text.")
    end: int


class ChangeOut(BaseModel):
    kind: Literal["added", "removed", "changed"]
    topics: list[str]
    old: SideOut | None = Field(description="The statement in the older version (null when added).")
    new: SideOut | None = Field(description="The statement in the newer version (null when removed).")
    diff: list[list[str]] = Field(description="For 'changed': [op, text] segments, op '=' in both, '-' only in "
                                              "the older, '+' only in the newer.")


class TopicChangeOut(BaseModel):
    changed: bool
    old: str = Field(description="The topic's answer in the older version, in short (when changed).")
    new: str
    changes: int


class ChangesOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    policy: str
    from_: VersionOut = Field(alias="from")
    to: VersionOut
    old: str = Field(description="sha256 of the older version.")
    new: str = Field(description="sha256 of the newer version.")
    counts: dict[str, int] = Field(description="Changes by kind.")
    changes: list[ChangeOut] = Field(description="Changes of meaning only, in document order.")
    topics: dict[str, TopicChangeOut] = Field(description="Each topic: changed or not, old -> new in short.")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(strict=True)

    answer_id: str = Field(description="The X-Answer-Id header of the answer being rated.", max_length=64,
                           pattern=r"^[!-~]+$")  # printable ASCII: an unknown id is a 404
    vote: Literal["up", "down"]
    # Checked by the engine (trimmed first, so the limit is not pydantic's): maxLength only documents it.
    comment: str | None = Field(None, json_schema_extra={"maxLength": MAX_COMMENT_CHARS}, examples=[
        "It answers about e-mails, I asked about text messages."], description=(
        f"What was wrong, with a thumbs down only (with 'up', a non-blank comment is a 422): optional, up to "
        f"{MAX_COMMENT_CHARS} characters after trimming. Stored redacted, as questions are. Sending again for "
        "the same answer replaces the vote and the comment; a blank comment removes it, and a thumbs down "
        "without one keeps the comment already stored."))


class ErrorOut(BaseModel):
    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "Unknown policy (or version)"},
    413: {"model": ErrorOut, "description": "Body over 16 KB"},
    422: {"model": ErrorOut, "description": "Malformed request, bad question or bad comment"},
}
